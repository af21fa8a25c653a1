"""The package as pip and PyPI see it: licence, metadata, version, contents.

The quick tests read the source tree. The slow one builds the sdist and the
wheel from a copy of the repository's tracked files, as a release would be
built from a clean checkout, and checks what comes out: the licence file in
both, ``twine check --strict``, the wheel's metadata and what the wheel
holds.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from importlib import metadata as importlib_metadata
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import sknnscratch

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli before Python 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
CHANGELOG = ROOT / "CHANGELOG.md"
LICENSE = ROOT / "LICENSE"
VERSION_MODULE = ROOT / "sknnscratch" / "_version.py"

pytestmark = pytest.mark.skipif(
    not PYPROJECT.exists(), reason="needs the source tree (pyproject.toml)"
)

# A release heading of CHANGELOG.md: "## [1.2.3] - 2026-11-30".
RELEASE_HEADING = re.compile(
    r"^## \[(?P<version>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.M
)
PYTHON_MINOR_CLASSIFIER = re.compile(r"^Programming Language :: Python :: 3\.(\d+)$")
AUTHORS = "The sknnscratch developers"
# Where setuptools >= 77 reads `license` as a PEP 639 expression: an older one
# cannot build this project without its build isolation.
PEP_639_SETUPTOOLS = Version("77")


def project_table():
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]


def version_in_version_module():
    """The version string assigned in sknnscratch/_version.py, read as code."""
    tree = ast.parse(VERSION_MODULE.read_text(encoding="utf-8"))
    (value,) = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(target, "id", None) for target in node.targets] == ["__version__"]
    ]
    return value


def tracked_files():
    """The repository's tracked files present in the work tree, or None.

    None when ROOT is not the top of a git checkout (an unpacked sdist, or
    git missing).
    """
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    paths = [path for path in listing.decode().split("\0") if path]
    if "pyproject.toml" not in paths:
        return None
    return [path for path in paths if (ROOT / path).is_file()]


# --- quick checks on the source tree -----------------------------------


def test_the_version_is_written_once_in_the_version_module():
    project = project_table()
    assert "version" not in project
    assert "version" in project["dynamic"]
    dynamic = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["dynamic"]
    assert dynamic["version"] == {"attr": "sknnscratch._version.__version__"}
    assert sknnscratch.__version__ == version_in_version_module()
    Version(sknnscratch.__version__)  # a valid PEP 440 version


def test_no_other_file_hard_codes_the_version():
    files = tracked_files()
    if files is None:
        pytest.skip("needs a git checkout to list the tracked files")
    version = re.escape(version_in_version_module())
    quoted = re.compile(rf"""["']v?{version}["']""")
    offenders = [
        path
        for path in files
        if path.endswith((".py", ".toml", ".cfg", ".ini"))
        and path != "sknnscratch/_version.py"
        and quoted.search((ROOT / path).read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []


def test_the_changelog_has_a_section_for_the_version():
    text = CHANGELOG.read_text(encoding="utf-8")
    releases = RELEASE_HEADING.findall(text)
    assert (sknnscratch.__version__, releases[0][1]) in releases
    # Newest first, an "Unreleased" section above them, and every heading
    # a link to its changes.
    versions = [Version(version) for version, _ in releases]
    dates = [date for _, date in releases]
    assert versions == sorted(versions, reverse=True)
    assert dates == sorted(dates, reverse=True)
    assert text.index("## [Unreleased]") < text.index(f"## [{releases[0][0]}]")
    for label in ["Unreleased", *(version for version, _ in releases)]:
        assert re.search(rf"^\[{re.escape(label)}\]: https://", text, re.M), label


def test_the_licence_is_declared_as_a_pep_639_expression_with_its_file():
    project = project_table()
    assert project["license"] == "BSD-3-Clause"
    assert project["license-files"] == ["LICENSE"]
    text = LICENSE.read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License")
    assert "Copyright (c) 2026, The sknnscratch developers" in text
    assert "Neither the name of the copyright holder" in text
    # PEP 639: no licence classifier beside a licence expression.
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]


def test_python_classifiers_are_the_versions_requires_python_allows():
    project = project_table()
    requires_python = SpecifierSet(project["requires-python"])
    minors = sorted(
        int(match.group(1))
        for match in map(PYTHON_MINOR_CLASSIFIER.match, project["classifiers"])
        if match
    )
    assert minors, "no Programming Language :: Python :: 3.X classifier"
    assert all(f"3.{minor}" in requires_python for minor in minors)
    assert f"3.{minors[0] - 1}" not in requires_python  # from the oldest allowed
    assert minors == list(range(minors[0], minors[-1] + 1))  # with no gap


def test_authors_and_project_urls():
    project = project_table()
    assert project["authors"] == [{"name": AUTHORS}]
    urls = project["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(url.startswith("https://") for url in urls.values())
    source = urls["Source"]
    assert urls["Homepage"] == source
    assert urls["Issues"] == f"{source}/issues"
    assert urls["Changelog"] == f"{source}/blob/main/CHANGELOG.md"


# --- what the documentation build needs ----------------------------------

DOCS = ROOT / "docs"
# Every file the documentation build runs: its configuration and extensions,
# and every example (the gallery runs them all).
DOCS_BUILD_FILES = [
    DOCS / "conf.py",
    DOCS / "gallery_order.py",
    *sorted((DOCS / "_ext").glob("*.py")),
    *sorted((ROOT / "examples").glob("*.py")),
]
# Named as strings rather than imported: a Sphinx extension, a theme, a
# package whose files are read.
_MODULE_NAMING_CALLS = {"import_module", "files", "importorskip"}


def _requirement_is_wanted(requirement, extras):
    """Whether ``requirement`` applies here when ``extras`` are asked for."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras)


def installed_closure(extra):
    """The distributions ``pip install ".[extra]"`` installs, by canonical name.

    The project's own requirements and extras are read from pyproject.toml
    (``sknnscratch[examples]`` inside an extra included), every other
    distribution's from its installed metadata, transitively, with the
    markers of the extras asked for. Skips when a distribution of the
    closure is not installed here.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = project_table()
    own = canonicalize_name(project["name"])
    own_extras, queue, closure = set(), [], set()

    def add_own(names):
        for name in sorted(set(names) - own_extras):
            own_extras.add(name)
            queue.extend(
                (Requirement(text), {""})
                for text in project["optional-dependencies"][name]
            )

    queue.extend((Requirement(text), {""}) for text in project["dependencies"])
    add_own([extra])
    while queue:
        requirement, extras = queue.pop()
        if not _requirement_is_wanted(requirement, extras):
            continue
        name = canonicalize_name(requirement.name)
        if name == own:
            add_own(requirement.extras)
            continue
        new_extras = set(requirement.extras) | {""}
        if name in closure and not requirement.extras:
            continue
        closure.add(name)
        try:
            requires = importlib_metadata.distribution(name).requires or []
        except importlib_metadata.PackageNotFoundError:
            pytest.skip(f"{name} (of sknnscratch[{extra}]) is not installed here")
        queue.extend((Requirement(text), new_extras) for text in requires)
    return closure


def modules_of(distributions):
    """The top-level modules the installed ``distributions`` provide."""
    from packaging.utils import canonicalize_name

    return {
        module
        for module, names in importlib_metadata.packages_distributions().items()
        if any(canonicalize_name(name) in distributions for name in names)
    }


def modules_named_in(path):
    """{top-level module: line} of what ``path`` imports or names for import.

    Every import statement (at any depth: inside functions and ``try``
    blocks too), and the string argument of ``import_module``,
    ``resources.files`` and ``importorskip`` calls; relative imports and the
    standard library left out. An inner part of a dotted name counts when it
    is an installed package itself (``dask.distributed``).
    """
    named = {}
    installed = importlib_metadata.packages_distributions().keys()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in _MODULE_NAMING_CALLS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            modules = [node.args[0].value]
        for module in modules:
            top, *inner = module.split(".")
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            named.setdefault(top, node.lineno)
            # dask.distributed is the distributed package's: an inner part
            # that is an installed package of its own is needed too.
            for part in set(inner) & installed:
                named.setdefault(part, node.lineno)
    return named


def docs_build_needs():
    """{top-level module: [where]} of every package the documentation build uses.

    What the files it runs import, the extensions and the theme that
    docs/conf.py names; without the package itself and the build's own
    modules (docs/gallery_order.py, docs/_ext/*.py).
    """
    local = {"sknnscratch", "gallery_order", *(p.stem for p in DOCS.glob("_ext/*.py"))}
    needs = {}
    for path in DOCS_BUILD_FILES:
        for module, line in modules_named_in(path).items():
            needs.setdefault(module, []).append(f"{path.relative_to(ROOT)}:{line}")
    conf = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    for node in conf.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            name = getattr(node.targets[0], "id", None)
            if name in ("extensions", "html_theme"):
                value = ast.literal_eval(node.value)
                for module in [value] if isinstance(value, str) else value:
                    top = module.partition(".")[0]
                    needs.setdefault(top, []).append(f"docs/conf.py: {name}")
    return {module: where for module, where in needs.items() if module not in local}


def test_the_docs_extra_holds_every_package_the_docs_build_uses():
    # The README builds the site after pip install ".[docs]" alone: whatever
    # the gallery runs (every example, Dask's included) and whatever Sphinx
    # loads must come with that extra, directly or through another.
    provided = modules_of(installed_closure("docs"))
    needs = docs_build_needs()
    assert {"matplotlib", "dask", "distributed", "sphinx_gallery"} <= needs.keys()
    missing = {
        module: where for module, where in needs.items() if module not in provided
    }
    assert not missing, (
        'not installed by pip install ".[docs]", but used by the docs build: '
        + "; ".join(
            f"{module} ({', '.join(where)})" for module, where in missing.items()
        )
    )


def test_the_closure_follows_extras_and_markers():
    # dask[distributed] brings distributed; the test extra brings everything.
    docs = installed_closure("docs")
    assert {"sphinx", "matplotlib", "numpy", "scikit-learn"} <= docs
    assert "pytest" not in docs and "skl2onnx" not in docs
    assert {"pytest", "skl2onnx", "dask", "distributed"} <= installed_closure("test")
    assert installed_closure("examples") <= docs


# --- the built sdist and wheel ------------------------------------------


def build_environment():
    """The environment of the build: without this test run's PYTHONPATH."""
    environment = dict(os.environ)
    environment.pop("PYTHONPATH", None)
    return environment


def setuptools_can_build_here():
    """Whether this interpreter's setuptools builds PEP 639 metadata."""
    try:
        return Version(importlib_metadata.version("setuptools")) >= PEP_639_SETUPTOOLS
    except importlib_metadata.PackageNotFoundError:
        return False


def build_distributions(source, outdir):
    """Build the sdist, then the wheel from it, as ``python -m build`` does.

    With this interpreter's setuptools when it is recent enough (no network
    needed); otherwise in build's isolated environment, which installs the
    build requirements from the package index, and skips if it cannot reach
    one.
    """
    command = [sys.executable, "-m", "build", "--outdir", str(outdir), str(source)]
    isolated = not setuptools_can_build_here()
    if not isolated:
        command.insert(3, "--no-isolation")
    result = subprocess.run(
        command, capture_output=True, text=True, env=build_environment()
    )
    output = result.stdout + result.stderr
    if result.returncode != 0 and isolated and "No matching distribution" in output:
        pytest.skip(
            f"the isolated build could not install setuptools>={PEP_639_SETUPTOOLS} "
            "(no package index reachable), and this environment's setuptools "
            "is older"
        )
    assert result.returncode == 0, output
    (sdist,) = outdir.glob("*.tar.gz")
    (wheel,) = outdir.glob("*.whl")
    return sdist, wheel


@pytest.mark.slow
def test_the_built_sdist_and_wheel(tmp_path, subtests):
    files = tracked_files()
    if files is None:
        pytest.skip("needs a git checkout: builds from the tracked files")
    source = tmp_path / "source"
    for path in files:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, source / path)
    sdist, wheel = build_distributions(source, tmp_path / "dist")

    version = sknnscratch.__version__
    dist_info = f"sknnscratch-{version}.dist-info"
    with zipfile.ZipFile(wheel) as archive:
        wheel_names = archive.namelist()
        wheel_metadata = archive.read(f"{dist_info}/METADATA")
        wheel_licence = archive.read(f"{dist_info}/licenses/LICENSE")
        wheel_bytes = {name: archive.read(name) for name in wheel_names}
    with tarfile.open(sdist) as archive:
        prefix = f"sknnscratch-{version}/"
        sdist_names = [
            member.name.removeprefix(prefix)
            for member in archive.getmembers()
            if member.isfile()
        ]
        sdist_licence = archive.extractfile(f"{prefix}LICENSE").read()
        sdist_metadata = archive.extractfile(f"{prefix}PKG-INFO").read()

    with subtests.test("the file names carry the version"):
        assert sdist.name == f"sknnscratch-{version}.tar.gz"
        assert wheel.name == f"sknnscratch-{version}-py3-none-any.whl"

    with subtests.test("LICENSE is in the wheel's dist-info/licenses and the sdist"):
        assert wheel_licence == LICENSE.read_bytes()
        assert sdist_licence == LICENSE.read_bytes()

    with subtests.test("twine check --strict passes on both"):
        check = subprocess.run(
            [sys.executable, "-m", "twine", "check", "--strict", sdist, wheel],
            capture_output=True,
            text=True,
            env=build_environment(),
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert check.stdout.count("PASSED") == 2, check.stdout

    metadata = Metadata.from_email(wheel_metadata, validate=True)
    with subtests.test("the wheel's metadata"):
        assert metadata.name == "sknnscratch"
        assert str(metadata.version) == version
        assert Version(metadata.metadata_version) >= Version("2.4")
        assert metadata.license_expression == "BSD-3-Clause"
        assert metadata.license_files == ["LICENSE"]
        assert metadata.author == AUTHORS
        assert metadata.author_email is None  # no invented addresses
        assert metadata.project_urls == project_table()["urls"]
        assert metadata.classifiers == project_table()["classifiers"]
        assert "Development Status :: 4 - Beta" in metadata.classifiers
        assert {
            "Intended Audience :: Education",
            "Topic :: Scientific/Engineering :: Artificial Intelligence",
        } <= set(metadata.classifiers)
        assert {"neural network", "backpropagation", "scikit-learn"} <= set(
            metadata.keywords
        )
        assert metadata.description_content_type == "text/markdown"
        assert str(metadata.requires_python) == project_table()["requires-python"]

    with subtests.test("the sdist's PKG-INFO says the same"):
        sdist_fields = Metadata.from_email(sdist_metadata, validate=True)
        for field in ["version", "license_expression", "author", "project_urls"]:
            assert getattr(sdist_fields, field) == getattr(metadata, field), field
        assert sdist_fields.classifiers == metadata.classifiers
        assert sdist_fields.keywords == metadata.keywords

    with subtests.test("the wheel holds the package and its data, and nothing else"):
        package_files = [path for path in files if path.startswith("sknnscratch/")]
        payload = [name for name in wheel_names if not name.startswith(dist_info)]
        assert sorted(payload) == sorted(package_files)
        for path in package_files:
            assert wheel_bytes[path] == (ROOT / path).read_bytes(), path
        # The bundled data set, which lives outside the Python modules:
        assert "sknnscratch/datasets/data/processed.cleveland.data" in payload
        assert "sknnscratch/datasets/descr/heart_disease.rst" in payload
        assert not [
            name
            for name in wheel_names
            if name.split("/")[0] in {"tests", "docs", "examples", "benchmarks"}
        ]

    with subtests.test("the sdist holds every tracked file but git's own"):
        wanted = [path for path in files if not path.startswith(".git")]
        assert sorted(set(wanted) - set(sdist_names)) == []
        assert "tests/conftest.py" in sdist_names
        assert "CHANGELOG.md" in sdist_names
