"""The examples as a newcomer runs them and as the documentation gallery runs them.

Every file of ``examples/`` is found by glob, so a new example is held to the
same rules: ``--help`` describes it and every option without training or
importing an optional package; a missing optional package stops it with one
line naming the extra that installs it; its docstring is the reStructuredText
introduction sphinx-gallery needs; run as sphinx-gallery runs it (no
``__file__``, an empty ``__doc__``), it works, leaves every figure it saved
open for the gallery's scraper, each with a one-line title and a caption, and
prints no line wider than the gallery's page; one that draws nothing names a
thumbnail, drawn by docs/figures/thumbnails.py.
"""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
pytestmark = pytest.mark.skipif(not EXAMPLES, reason="needs the source tree")

TRAINED = 97
"""Exit status of a run that reached a fit of the package's estimators (see
_GUARDED)."""

_GUARDED = f"""
import json, os, runpy, sys

script, blocked, report, *args = sys.argv[1:]
for name in filter(None, blocked.split(",")):
    sys.modules[name] = None  # importing it raises ImportError: not installed
import sknnscratch


def trained(*args, **kwargs):
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit({TRAINED})


for estimator in (
    sknnscratch.ScratchMLPClassifier,
    sknnscratch.ScratchMLPClassifierCV,
    sknnscratch.ScratchMLPRegressor,
):
    estimator.fit = estimator.partial_fit = trained
sys.argv = [script, *args]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    with open(report, "w") as file:
        json.dump(sorted(sys.modules), file)
"""
"""Runs an example as ``python examples/X.py ARGS`` would, with some packages
made unimportable and every fit of the package's estimators ending the
process with status TRAINED; writes the modules imported to a report."""

_AS_SPHINX_GALLERY = """
import importlib.util, json, sys

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt
from sphinx_gallery.py_source_parser import split_code_and_text_blocks

script, report, *args = sys.argv[1:]
_, blocks = split_code_and_text_blocks(script)
# As sphinx_gallery.gen_rst.execute_script: a fresh __main__ module, an empty
# __doc__, no __file__, sys.argv from the documentation's configuration.
spec = importlib.util.spec_from_loader("__main__", None)
main = importlib.util.module_from_spec(spec)
main.__dict__["__doc__"] = ""
sys.modules["__main__"] = main
sys.argv = [script, *args]
for label, code, line in blocks:
    if label == "code":
        exec(compile("\\n" * (line - 1) + code, script, "exec"), main.__dict__)
figures = []
for number in plt.get_fignums():
    fig = plt.figure(number)
    titles = [ax.get_title() for ax in fig.axes]
    if hasattr(fig, "get_suptitle"):  # matplotlib >= 3.8
        titles.append(fig.get_suptitle())
    # What the gallery's scraper finds: what is drawn, the titles, the
    # caption (docs/_ext/captioned_figures.py).
    caption = getattr(fig, "caption", None)
    figures.append({"axes": len(fig.axes), "titles": titles, "caption": caption})
with open(report, "w") as file:
    json.dump(figures, file)
"""

GALLERY_ARGUMENTS = {
    "distributed_search.py": ["--quick"],
    "heart_disease.py": ["--quick", "--output-dir", "output"],
    "out_of_core.py": ["--rows", "20000", "--chunksize", "5000", "--epochs", "1"],
    "plot_training_dynamics.py": ["--epochs", "12", "--output-dir", "output"],
    "plot_regression.py": ["--samples", "120", "--output-dir", "output"],
    "quickstart.py": ["--n-splits", "3"],
}
"""Short runs of each example for the sphinx-gallery tests (not the docs
build's), in a fresh folder, with any output folder given relative to it as
the docs build gives it (docs/gallery_order.py)."""

PAGE_COLUMNS = 99
"""The longest line an example may print: the gallery page shows 101
characters of printed output at 1280 pixels (the theme's code font in
Chromium), and cuts a longer line at its edge. tests/test_site.py checks in
the browser that every gallery page shows at least this many."""

TITLE_CHARACTERS = 60
"""A figure's title is one line of at most this many characters: what the
figure shows in detail is its caption (``fig.caption``), which the gallery
prints under it as text."""

UNCAPTIONED = set()
"""Examples whose figures still carry their explanation in the title."""

DEGRADES_WITHOUT = {("heart_disease.py", "matplotlib")}
"""(example, package) pairs where the example runs on without the package: the
heart-disease example prints its tables without matplotlib (as the README
says) and only skips its figures."""


def _environment():
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    environment = {**os.environ, "PYTHONPATH": path, "OPENBLAS_NUM_THREADS": "1"}
    environment.pop("MPLBACKEND", None)
    return environment


def _run(arguments, cwd, timeout=120):
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _run_guarded(script, arguments, tmp_path, blocked=()):
    """Run ``script`` through _GUARDED in ``tmp_path / "cwd"``.

    Returns the completed process and the modules imported (None if the
    process did not get to the end of the script).
    """
    cwd, report = tmp_path / "cwd", tmp_path / "modules.json"
    cwd.mkdir()
    result = _run(
        ["-c", _GUARDED, str(script), ",".join(blocked), str(report), *arguments], cwd
    )
    modules = json.loads(report.read_text()) if report.exists() else None
    return result, modules


def _optional_packages():
    """{import name: extra} for the optional dependencies in pyproject.toml."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    packages = {}
    for extra, requirements in project["optional-dependencies"].items():
        parsed = [
            re.match(r"([\w.-]+)(?:\[([\w,]+)\])?", requirement).groups()
            for requirement in requirements
        ]
        if any(name == project["name"] for name, _ in parsed):
            continue  # test and dev: the tools of the project, and the extras
        for name, bracketed in parsed:
            packages[name.replace("-", "_")] = extra
            for part in filter(None, (bracketed or "").split(",")):
                packages.setdefault(part, extra)  # dask[distributed]
    return packages


def _parse(example):
    return ast.parse(example.read_text(), filename=str(example))


def _imported_modules(example):
    """Every dotted part of every module the example imports anywhere."""
    names = set()
    for node in ast.walk(_parse(example)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module]
        else:
            continue
        for module in modules:
            names.update(module.split("."))
    return names


def _options(example):
    """{option string: help text} of every add_argument("--x", ...) call."""
    options = {}
    for node in ast.walk(_parse(example)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
        ):
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            text = keywords.get("help")
            for argument in node.args:
                options[argument.value] = (
                    text.value if isinstance(text, ast.Constant) else None
                )
    return options


def _docstring(example):
    return ast.get_docstring(_parse(example), clean=False)


def _words(text):
    return " ".join(text.split())


def _letters(text):
    """``text`` without whitespace: argparse wraps lines, at hyphens too."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def optional_packages():
    return _optional_packages()


def _optional_imports():
    packages = _optional_packages()
    return [
        pytest.param(example, package, id=f"{example.name}-{package}")
        for example in EXAMPLES
        for package in sorted(_imported_modules(example) & packages.keys())
    ]


# ------------------------------------------------------------------ --help


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_help_describes_the_example_and_every_option(example, tmp_path):
    result = _run([str(example), "--help"], cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    # Nothing ran before the arguments were parsed, nothing after: the output
    # is argparse's help and nothing else, and no file appeared.
    assert out.startswith(f"usage: {example.name} ")
    assert list(tmp_path.iterdir()) == []

    title = _docstring(example).splitlines()[0]
    assert title in out
    assert re.search(r"takes about \d+ (seconds|minutes)", _words(out)), (
        "say roughly how long the example takes"
    )
    assert re.search(r'pip install "sknnscratch\[\w+\]"|needs no optional extra', out)

    options = _options(example)
    assert options, "an example parses its arguments with argparse"
    flat = _letters(out)
    for option, text in options.items():
        assert re.search(rf"^\s+{re.escape(option)}\b", out, re.M), option
        assert text, f"{option} has no help text"
        assert "default" in text, f"the help of {option} gives no default"
        for piece in text.split("%(default)s"):
            assert _letters(piece) in flat, option


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_help_trains_nothing_and_imports_no_optional_package(
    example, tmp_path, optional_packages
):
    result, modules = _run_guarded(example, ["--help"], tmp_path)
    assert result.returncode != TRAINED, "--help reached a fit"
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ")
    assert modules is not None
    # scikit-learn's callbacks import rich when it is installed: that is the
    # package's own import, not the example's.
    own = _top_level_modules_of("import sknnscratch")
    imported = {module.split(".")[0] for module in modules} - own
    assert not imported & optional_packages.keys()


def _top_level_modules_of(code):
    listing = "import sys; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", f"{code}; {listing}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return {module.split(".")[0] for module in result.stdout.split()}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_the_extras_an_example_needs_are_named_in_its_help(example, optional_packages):
    extras = {
        optional_packages[package]
        for package in _imported_modules(example) & optional_packages.keys()
    }
    for extra in extras:
        assert f'pip install "sknnscratch[{extra}]"' in _docstring(example)


# ------------------------------------------------- missing optional package


@pytest.mark.parametrize(("example", "package"), _optional_imports())
def test_a_missing_optional_package_is_one_line_naming_its_extra(
    example, package, tmp_path, optional_packages
):
    install = f'pip install "sknnscratch[{optional_packages[package]}]"'
    arguments = ["--output-dir", "out"] if "--output-dir" in _options(example) else []
    result, _ = _run_guarded(example, arguments, tmp_path, blocked=[package])
    assert "Traceback" not in result.stderr
    if (example.name, package) in DEGRADES_WITHOUT:
        # It says so before any training, then goes on (to the guard's exit).
        assert result.returncode == TRAINED, result.stderr
        first_line = result.stdout.splitlines()[0]
        assert first_line.startswith(f"{example.name}: {package} is not installed")
        assert install in first_line
    else:
        assert result.returncode not in (0, TRAINED), result.stdout
        assert result.stdout == ""
        assert result.stderr == f"{example.name} needs {package}: {install}\n"
    assert list((tmp_path / "cwd").iterdir()) == []


def test_every_optional_import_is_checked():
    # The examples that need an optional package today; a new one is checked
    # by the test above without being listed, this only guards the discovery.
    pairs = {(param.values[0].name, param.values[1]) for param in _optional_imports()}
    assert {
        ("distributed_search.py", "dask"),
        ("distributed_search.py", "distributed"),
        ("heart_disease.py", "matplotlib"),
        ("plot_training_dynamics.py", "matplotlib"),
        ("plot_regression.py", "matplotlib"),
    } <= pairs


# ------------------------------------------------------------ sphinx-gallery


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_the_docstring_is_a_titled_restructuredtext_introduction(example):
    docstring = _docstring(example)
    title, underline, blank, *_ = docstring.splitlines()
    assert title and title == title.strip()
    assert underline == "=" * len(title)
    assert blank == ""
    run = rf"\bRun\b[^\n]*::\n\n {{4}}python examples/{re.escape(example.name)}"
    assert re.search(run, docstring), "a literal block shows the command line"

    docutils_core = pytest.importorskip("docutils.core")
    import io

    problems = io.StringIO()
    docutils_core.publish_doctree(
        docstring, settings_overrides={"warning_stream": problems, "report_level": 1}
    )
    assert problems.getvalue() == ""


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_sphinx_gallery_reads_the_title_and_introduction(example):
    pytest.importorskip("sphinx_gallery")
    from sphinx_gallery.gen_rst import extract_intro_and_title
    from sphinx_gallery.py_source_parser import split_code_and_text_blocks

    _, blocks = split_code_and_text_blocks(str(example))
    label, docstring, _ = blocks[0]
    assert label == "text"
    intro, title = extract_intro_and_title(str(example), docstring)
    assert title == _docstring(example).splitlines()[0]
    first_paragraph = _docstring(example).split("\n\n")[1]
    assert intro == _words(first_paragraph).replace("``", "")
    assert len(intro) > 40


class GalleryRun:
    """An example run as sphinx-gallery runs it: output, files, open figures.

    ``GalleryRun.produce(example, folder)`` runs it in ``folder``;
    ``GalleryRun(folder)`` reads what that run left there.
    """

    def __init__(self, folder):
        self.stdout = (folder / "stdout.txt").read_text(encoding="utf-8")
        output = folder / "output"
        self.pictures = sorted(output.glob("*.png")) if output.exists() else []
        self.figures = json.loads((folder / "report.json").read_text())

    @staticmethod
    def produce(example, folder):
        if example.name not in GALLERY_ARGUMENTS:
            pytest.fail(f"add a short run of {example.name} to GALLERY_ARGUMENTS")
        report = folder / "report.json"
        result = _run(
            [
                "-c",
                _AS_SPHINX_GALLERY,
                str(example),
                str(report),
                *GALLERY_ARGUMENTS[example.name],
            ],
            cwd=folder,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        (folder / "stdout.txt").write_text(result.stdout, encoding="utf-8")


@pytest.fixture(scope="module")
def gallery_run(tmp_path_factory):
    """The GalleryRun of an example, run once in the whole test run."""
    from test_site import once_per_run

    def run(example):
        pytest.importorskip("sphinx_gallery")
        pytest.importorskip("matplotlib")
        if example.name == "distributed_search.py":
            pytest.importorskip("dask.distributed")
        folder = once_per_run(
            tmp_path_factory,
            f"gallery-run-{example.stem}",
            lambda folder: GalleryRun.produce(example, folder),
        )
        return GalleryRun(folder)

    return run


def _gallery_params(xfail=None):
    """EXAMPLES as parameters; ``xfail``: {example name: reason}."""
    params = []
    for example in EXAMPLES:
        marks = []
        if example.name in (xfail or {}):
            marks.append(pytest.mark.xfail(reason=xfail[example.name], strict=True))
        params.append(pytest.param(example, id=example.name, marks=marks))
    return params


@pytest.mark.slow
@pytest.mark.parametrize("example", _gallery_params())
def test_runs_as_sphinx_gallery_runs_it_and_leaves_its_figures_open(
    example, gallery_run
):
    run = gallery_run(example)
    for picture in run.pictures:
        assert f"wrote output/{picture.name}" in run.stdout
    assert len(run.figures) == len(run.pictures)
    assert all(fig["axes"] for fig in run.figures), "a figure left open was cleared"
    if "matplotlib" in _imported_modules(example):
        assert run.pictures, "an example that imports matplotlib draws"


@pytest.mark.slow
@pytest.mark.parametrize("example", _gallery_params())
def test_every_printed_line_fits_the_gallery_page(example, gallery_run):
    lines = gallery_run(example).stdout.splitlines()
    too_long = [line for line in lines if len(line) > PAGE_COLUMNS]
    assert not too_long, "\n".join(too_long)


@pytest.mark.slow
@pytest.mark.parametrize(
    "example",
    _gallery_params(
        xfail={
            name: "its figures' titles hold their explanation" for name in UNCAPTIONED
        }
    ),
)
def test_each_figure_has_a_short_title_and_a_caption(example, gallery_run):
    for fig in gallery_run(example).figures:
        titles = [title for title in fig["titles"] if title]
        assert titles, "a figure without a title"
        for title in titles:
            assert "\n" not in title and len(title) <= TITLE_CHARACTERS, title
        assert isinstance(fig["caption"], str) and len(fig["caption"]) > 40


# ------------------------------------------------------------- thumbnails

THUMBNAIL_PATH = re.compile(r'^# sphinx_gallery_thumbnail_path = "([^"]+)"$', re.M)
THUMBNAILS = ROOT / "docs" / "figures" / "thumbnails"


def _png_size(data):
    """(width, height) from a PNG file's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_an_example_that_draws_nothing_names_its_thumbnail(example):
    # The gallery's thumbnail is an example's figure; one that only prints
    # names a picture of what it computes (sphinx-gallery's path is relative
    # to docs/conf.py), else the gallery shows its placeholder.
    named = THUMBNAIL_PATH.findall(example.read_text(encoding="utf-8"))
    if "matplotlib" in _imported_modules(example):
        assert named == []
        return
    assert len(named) == 1, "name a thumbnail: # sphinx_gallery_thumbnail_path"
    picture = ROOT / "docs" / named[0]
    assert picture.parent == THUMBNAILS
    assert _png_size(picture.read_bytes()) == (400, 280)


@pytest.mark.slow
def test_the_thumbnails_script_draws_each_committed_thumbnail(tmp_path):
    pytest.importorskip("matplotlib")
    result = _run(
        [str(THUMBNAILS.parent / "thumbnails.py"), "--output-dir", str(tmp_path)],
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    committed = sorted(path.name for path in THUMBNAILS.glob("*.png"))
    assert sorted(path.name for path in tmp_path.glob("*.png")) == committed
    for name in committed:
        drawn = _png_size((tmp_path / name).read_bytes())
        assert drawn == _png_size((THUMBNAILS / name).read_bytes()) == (400, 280)
