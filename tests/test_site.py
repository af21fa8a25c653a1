"""The documentation site: it builds, its links resolve, a browser renders it.

The site is built once, by the command the README documents (Sphinx with
warnings as errors, the gallery running every example), in a private copy of
the source tree: the build writes into ``docs/`` (the gallery's pages and
images, the API stubs), so building in place would race with any other build
of the same tree and replace a developer's own. It sees only the packages
``pip install ".[docs]"`` installs, as in a fresh environment with that
extra alone: every other package of this environment is hidden from it.
Then:

* every public name has its API page, and the API pages document every
  name they list (no signature on the index, every method of a page's
  tables documented on it, every reference a link);
* the gallery opens with the heart-disease example and its figures, each
  captioned, and every example has a thumbnail of its own;
* every link inside the site points to a page that exists, and an anchor
  to an id on that page;
* headless Chromium (Debian's ``chromium`` and ``chromium-driver``) loads
  the derivation, the API page of ``ScratchMLPClassifier`` and the
  heart-disease example: every formula is typeset by MathJax (no raw ``$$``
  or TeX left, no TeX error), every image has loaded, and a full-page
  screenshot of each is kept in ``docs/_build/screenshots/``; and it loads
  every gallery page, which must show lines as wide as the examples may
  print.

Without Chromium the browser tests are skipped, unless
``SKNNSCRATCH_REQUIRE_BROWSER=1`` (``.ci/run`` sets it) makes that a failure.
"""

import functools
import http.server
import importlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from importlib import metadata as importlib_metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import sknnscratch

try:
    import fcntl
except ImportError:  # Windows: each test process builds for itself
    fcntl = None

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SCREENSHOTS = ROOT / "docs" / "_build" / "screenshots"
# Not copied for the build: what it writes itself (.gitignore), and what a
# checkout holds besides the source.
GENERATED = ["_build", "auto_examples", "generated", "code", "sg_execution_times.rst"]
NOT_SOURCE = {ROOT / "docs" / name for name in GENERATED}
NOT_SOURCE_NAMES = {"venv", "build", "dist", "__pycache__"}
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.skipif(
        not (ROOT / "docs" / "conf.py").exists(), reason="needs the source tree"
    ),
    # One process builds the site and runs every test on it.
    pytest.mark.xdist_group("site"),
]

PUBLIC_NAMES = [
    *(f"sknnscratch.{name}" for name in sknnscratch.__all__),
    "sknnscratch.datasets.load_heart_disease",
    "sknnscratch.onnx.register",
]


def docs_command():
    """The README's documented build command, as the shell would split it."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- docs-command[^>]*-->\n```sh\n(?P<line>.+)\n```", text)
    assert match, "README.md documents no docs-command"
    install, build = match["line"].split(" && ")
    assert install.startswith("pip install") and '".[docs]"' in install
    argv = shlex.split(build)
    assert argv[:3] == ["python", "-m", "sphinx"] and "-W" in argv
    return [sys.executable, *argv[1:]]


def _not_source(folder, names):
    """shutil.copytree's ignore: the build's own output and a checkout's extras."""
    folder = Path(folder)
    return {
        name
        for name in names
        if name in NOT_SOURCE_NAMES
        or name.startswith(".")  # .git, .venv, the tools' caches
        or name.endswith((".egg-info", "-output"))
        or folder / name in NOT_SOURCE
    }


HIDE_PACKAGES = """\
\"\"\"Hides every package that pip install ".[docs]" does not install.\"\"\"

import sys
from importlib.machinery import PathFinder

MODULES = {modules!r}
DISTRIBUTIONS = {distributions!r}


class PathFinderWithoutThem:
    \"\"\"sys.meta_path's PathFinder, blind to the hidden packages.\"\"\"

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in MODULES:
            return None
        return PathFinder.find_spec(name, path, target)

    @staticmethod
    def find_distributions(*args, **kwargs):
        for distribution in PathFinder.find_distributions(*args, **kwargs):
            name = (distribution.metadata["Name"] or "").lower().replace("_", "-")
            if name.replace(".", "-") not in DISTRIBUTIONS:
                yield distribution

    @staticmethod
    def invalidate_caches():
        PathFinder.invalidate_caches()


sys.meta_path[:] = [
    PathFinderWithoutThem if finder is PathFinder else finder
    for finder in sys.meta_path
]
"""


def only_the_docs_extra(folder):
    """Environment variables under which Python sees only ``.[docs]``'s packages.

    This environment holds more than the docs extra installs (the test extra
    has everything). A ``sitecustomize.py`` written to ``folder``, first on
    the PYTHONPATH, hides every other installed package before anything
    runs, in the build and in the processes it starts (the Dask example's
    workers): Python's path finder no longer finds its modules nor its
    metadata, as if it were not installed (so ``autodoc_mock_imports`` still
    stands in for a hidden module, as it does where the module is missing).
    Returns the variables and the hidden modules.
    """
    from packaging.utils import canonicalize_name
    from test_packaging import installed_closure, modules_of

    wanted = installed_closure("docs")
    provided = modules_of(wanted)
    modules = sorted(
        module
        for module in importlib_metadata.packages_distributions()
        # pip comes with every virtual environment; the package itself is
        # the source tree's.
        if module not in provided
        and module not in ("pip", "sknnscratch")
        and not module.startswith("__")  # editable installs' import hooks
    )
    distributions = sorted(
        {
            canonicalize_name(distribution.metadata["Name"])
            for distribution in importlib_metadata.distributions()
        }
        - wanted
        - {"pip", "sknnscratch"}
    )
    (folder / "sitecustomize.py").write_text(
        HIDE_PACKAGES.format(modules=set(modules), distributions=set(distributions)),
        encoding="utf-8",
    )
    path = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}, modules


def once_per_run(tmp_path_factory, name, produce):
    """The folder in which ``produce(folder)`` ran, once for the whole test run.

    The test processes of pytest-xdist share the parent of their temporary
    folders: the first to ask does the work there, under a lock, and the
    others wait for it and reuse the folder. (``--dist loadgroup`` would keep
    the tests that need it in one process, but since pytest 9.2 its groups
    are silently ignored.) A failure of ``produce`` fails every test that
    asks, without doing the work again.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None:
        root = root.parent  # shared, under the lock below
    folder, failure = root / name, root / f"{name}.failed"
    with open(root / f"{name}.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not folder.exists() and not failure.exists():
            try:
                folder.mkdir()
                produce(folder)
            except (Exception, pytest.fail.Exception) as error:
                failure.write_text(str(error), encoding="utf-8")
                raise
    if failure.exists():
        pytest.fail(failure.read_text(encoding="utf-8"), pytrace=False)
    return folder


def _build_the_site(folder):
    # A copy without the build's output, as in a fresh clone: every example
    # runs (the gallery skips those it ran before) and every page is written
    # by this build.
    tree = folder / "source"
    shutil.copytree(ROOT, tree, ignore=_not_source)
    (folder / "docs-extra-only").mkdir()
    environment, hidden = only_the_docs_extra(folder / "docs-extra-only")
    assert "pytest" in hidden  # the test extra's own tools are not the docs'
    build = subprocess.run(
        docs_command(),
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if build.returncode != 0:
        pytest.fail(
            "the documented docs build failed:\n"
            + build.stdout[-3000:]
            + build.stderr[-6000:]
        )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for module in ("sphinx", "sphinx_gallery", "numpydoc", "myst_nb", "mathjax"):
        pytest.importorskip(module, reason='needs pip install ".[docs]"')
    folder = once_per_run(tmp_path_factory, "site", _build_the_site)
    return folder / "source" / docs_command()[-1]  # the folder the command names


@pytest.mark.slow
def test_the_site_builds_with_warnings_as_errors(site):
    assert (site / "index.html").is_file()
    for page in ["getting_started", "derivation", "backprop", "api", "guarantees"]:
        assert (site / f"{page}.html").is_file(), page
    assert "## Unreleased" not in (site / "changelog.html").read_text()
    assert "Unreleased" in (site / "changelog.html").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_every_public_name_has_its_api_page(site, name):
    page = site / "generated" / f"{name}.html"
    assert page.is_file(), f"no API page for {name}"
    text = page.read_text()
    module, _, attribute = name.rpartition(".")
    obj = getattr(importlib.import_module(module), attribute)
    summary = obj.__doc__.strip().splitlines()[0].rstrip(".")
    assert summary.split(":")[0].split("`")[0] in text
    if isinstance(obj, type) and hasattr(obj, "fit"):
        for section in ["Parameters", "Attributes", "Examples"]:
            assert f">{section}<" in text, f"{name} has no {section} section"
        assert (site / "api.html").read_text().count(f"generated/{name}.html") >= 1


@pytest.mark.slow
def test_the_gallery_opens_with_the_heart_disease_example_and_its_figures(site):
    index = (site / "auto_examples" / "index.html").read_text()
    examples = re.findall(
        r'class="sphx-glr-thumbcontainer".*?href="(\w+)\.html', index, re.DOTALL
    )
    assert examples, "the gallery lists no example"
    assert examples[0] == "heart_disease", examples
    assert {"quickstart", "out_of_core", "plot_training_dynamics"} <= set(examples)
    heart = (site / "auto_examples" / "heart_disease.html").read_text()
    figures = re.findall(r'src="(\.\./_images/sphx_glr_heart_disease_\d+\.png)"', heart)
    assert len(set(figures)) == 3, figures  # alpha selection, loss curve, ROC
    for figure in figures:
        assert (site / "auto_examples" / figure).stat().st_size > 10_000
    # Each a figure of the page: its title as alt text, its caption under it.
    captioned = re.findall(
        r'<figure[^>]*>\s*<img alt="([^"]+)"[^>]*src="\.\./_images/'
        r'sphx_glr_heart_disease_\d+\.png"[^>]*/>\s*<figcaption>\s*<p>(.*?)</p>',
        heart,
        re.DOTALL,
    )
    assert len(captioned) == 3, captioned
    alts = [alt for alt, _ in captioned]
    assert alts[0].startswith("ScratchMLPClassifierCV chose alpha_ = "), alts
    assert "not nested" in captioned[0][1]  # the caption, as written
    assert "the mean of the 50 folds" in captioned[2][1]


@pytest.mark.slow
def test_every_example_has_a_thumbnail_of_its_own(site):
    # An example that draws nothing shows the thumbnail it names (drawn by
    # docs/figures/thumbnails.py), not sphinx-gallery's placeholder: no two
    # examples share a picture.
    index = (site / "auto_examples" / "index.html").read_text()
    thumbnails = re.findall(
        r'class="sphx-glr-thumbcontainer"[^>]*><img alt="[^"]*" src="([^"]+)"', index
    )
    assert len(thumbnails) == len(list((ROOT / "examples").glob("*.py")))
    pictures = [(site / "auto_examples" / src).read_bytes() for src in thumbnails]
    assert len(set(pictures)) == len(pictures), thumbnails


@pytest.mark.slow
def test_the_getting_started_page_runs_as_written(tmp_path, monkeypatch):
    from test_readme import python_blocks

    page = ROOT / "docs" / "getting_started.md"
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__getting_started__"}
    for block in blocks:
        # Padded so that a traceback points at the line of the page.
        source = "\n" * (block.line - 1) + block.code
        exec(compile(source, str(page), "exec"), namespace)
    assert namespace["steps"]["dJ/dW1^T"].shape == (13, 8)


# A cross-reference Sphinx could not resolve is a bare <code class="xref ...">;
# a resolved one sits inside its link.
XREF = re.compile(
    r'(?P<link><a [^>]*>)?<code class="xref py[^"]*"><span class="pre">'
    r"(?P<name>[^<]+)</span>"
)
AUTOSUMMARY_TABLE = re.compile(r'<table class="autosummary[^"]*">(.*?)</table>', re.S)
FIRST_CELL = re.compile(r"<tr[^>]*>\s*<td><p>(.*?)</p></td>", re.S)


def _unresolved_names(site):
    """{page: names} of the references the API pages could not link."""
    pages = [site / "api.html", *sorted((site / "generated").glob("*.html"))]
    unresolved = {}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        names = {match["name"] for match in XREF.finditer(html) if not match["link"]}
        if names:
            unresolved[str(page.relative_to(site))] = sorted(names)
    return unresolved


# GradientReport's docstring names the class of its rows, GradientCheck,
# which the package does not export: no page can document it yet.
GRADIENT_CHECK_EXPORTED = hasattr(sknnscratch, "GradientCheck")


@pytest.mark.slow
def test_the_api_pages_document_every_name_they_show(site):
    index = (site / "api.html").read_text(encoding="utf-8")
    tables = AUTOSUMMARY_TABLE.findall(index)
    assert len(tables) >= 5
    for table in tables:
        for cell in FIRST_CELL.findall(table):
            # The name alone, linked to its page: the signature is on that
            # page, next to the documentation of each parameter.
            assert re.fullmatch(r'<a class="reference internal" [^>]+>[^(]*</a>', cell)
    unresolved = _unresolved_names(site)
    if not GRADIENT_CHECK_EXPORTED:  # see the test below
        unresolved = {
            page: rest
            for page, names in unresolved.items()
            if (rest := [name for name in names if name != "GradientCheck"])
        }
    assert unresolved == {}
    # scikit-learn's names link to scikit-learn's pages.
    estimator = (
        site / "generated" / "sknnscratch.ScratchMLPClassifier.html"
    ).read_text()
    sklearn_api = "https://scikit-learn.org/stable/modules/generated/"
    assert f'href="{sklearn_api}sklearn.neural_network.MLPClassifier.html"' in estimator


@pytest.mark.slow
@pytest.mark.xfail(
    not GRADIENT_CHECK_EXPORTED,
    reason="sknnscratch does not export GradientCheck, which GradientReport's "
    "summary names: export it and list it in docs/api.rst",
    strict=True,
)
def test_the_class_of_a_gradient_reports_rows_is_documented(site):
    unresolved = _unresolved_names(site)
    assert not any("GradientCheck" in names for names in unresolved.values())


@pytest.mark.slow
def test_every_member_an_api_page_lists_is_documented_on_it(site):
    undocumented = []
    for page in sorted((site / "generated").glob("*.html")):
        html = page.read_text(encoding="utf-8")
        ids = _parse(page).ids
        for table in AUTOSUMMARY_TABLE.findall(html):  # Methods, Attributes
            for cell in FIRST_CELL.findall(table):
                anchor = re.match(
                    r'<a class="reference internal" href="#([^"]+)"', cell
                )
                if not (anchor and anchor[1] in ids):
                    name = re.sub(r"<[^>]+>", "", cell)
                    undocumented.append(f"{page.name}: {name}")
    assert not undocumented, "\n".join(undocumented)
    # And what they document is linked to: the estimator's methods.
    estimator = (
        site / "generated" / "sknnscratch.ScratchMLPClassifier.html"
    ).read_text()
    for method in ["fit", "partial_fit", "predict_proba", "set_fit_request"]:
        assert f'id="sknnscratch.ScratchMLPClassifier.{method}"' in estimator


class _LinksAndIds(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for key in ("id", "name"):
            if attributes.get(key):
                self.ids.add(attributes[key])
        for key in ("href", "src"):
            if attributes.get(key) and not (tag == "link" and key == "href"):
                self.links.append(attributes[key])


@functools.cache
def _parse(page):
    parser = _LinksAndIds()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.slow
def test_every_link_inside_the_site_resolves(site):
    broken = []
    pages = [p for p in site.rglob("*.html") if p.parts[len(site.parts)] != "_static"]
    for page in sorted(pages):  # _static holds the theme's templates, not pages
        for link in _parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("javascript:"):
                continue  # an outside address: not this site's to check
            target = page
            if parts.path:
                target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)} -> {link}"
            if not target.is_relative_to(site.resolve()) or not target.exists():
                broken.append(f"{where}: no such file")
            elif parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target).ids:
                    broken.append(f"{where}: no such anchor")
    assert not broken, "\n".join(broken[:40])


@pytest.mark.slow
def test_the_derivations_code_links_reach_their_lines(site):
    derivation = (site / "derivation.html").read_text()
    anchor = r'href="code/sknnscratch/_network\.py\.html#L-(\d+)"'
    lines = re.findall(anchor, derivation)
    assert len(set(lines)) >= 14  # (F1)-(F3), (L1)-(L3), (B1)-(B8)
    source = (ROOT / "sknnscratch" / "_network.py").read_text().splitlines()
    for line in lines:
        assert re.search(r"\((F|L|B)\d\)", source[int(line) - 1]), source[int(line) - 1]


# --- in a real browser -----------------------------------------------------

# name: (page, whether it has mathematics)
BROWSER_PAGES = {
    "derivation": ("derivation.html", True),
    "api-ScratchMLPClassifier": (
        "generated/sknnscratch.ScratchMLPClassifier.html",
        True,  # its Notes give the objective
    ),
    "gallery-heart-disease": ("auto_examples/heart_disease.html", False),
}

# Resolves when MathJax has typeset the page (or at once on a page without
# mathematics), and whether every image has loaded.
RENDER_CHECK = """
const done = arguments[arguments.length - 1];
const images = () => Promise.all(Array.from(document.images, (img) => {
  img.loading = "eager";
  return img.decode().catch(() => null);
}));
const typeset = () => window.MathJax && MathJax.startup
  ? MathJax.startup.promise : Promise.resolve();
const wait = (tries) => (document.querySelector("script[src*=mathjax]") &&
  !(window.MathJax && MathJax.startup) && tries > 0)
  ? new Promise((r) => setTimeout(r, 100)).then(() => wait(tries - 1))
  : typeset();
wait(100).then(images).then(() => done({
  mathjax: Boolean(window.MathJax && MathJax.version),
  formulas: document.querySelectorAll(".math").length,
  typeset: document.querySelectorAll(".math mjx-container").length,
  errors: document.querySelectorAll("mjx-merror, [data-mjx-error]").length,
  text: document.body.innerText,
  images: Array.from(document.images, (img) => ({
    src: img.getAttribute("src"), ok: img.complete && img.naturalWidth > 0})),
  height: document.documentElement.scrollHeight,
}), (error) => done({failure: String(error)}));
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(site):
    webdriver = pytest.importorskip("selenium.webdriver", reason='needs ".[test]"')
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        reason = "needs Debian's Chromium: apt-get install chromium chromium-driver"
        if os.environ.get("SKNNSCRATCH_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
    ]:
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # no driver download, ever
    driver = webdriver.Chrome(
        service=webdriver.ChromeService(str(CHROMEDRIVER)), options=options
    )
    # A bound for a page that never finishes, not a time to meet: typesetting
    # the derivation's 386 formulas took over a minute on a busy 2-core machine.
    driver.set_script_timeout(600)
    try:
        yield driver, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        driver.quit()
        server.shutdown()


@pytest.mark.slow
@pytest.mark.parametrize("name", BROWSER_PAGES)
def test_the_browser_renders_the_mathematics_and_every_image(browser, name):
    driver, base = browser
    path, has_mathematics = BROWSER_PAGES[name]
    driver.get(base + path)
    page = driver.execute_async_script(RENDER_CHECK)
    assert "failure" not in page, page.get("failure")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(1280, min(page["height"], 30_000))
    assert driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    driver.set_window_size(1280, 900)

    if has_mathematics:
        assert page["mathjax"], "MathJax did not load"
        assert page["formulas"] > 0, "the page has no mathematics to render"
    assert page["typeset"] == page["formulas"], (
        f"{page['formulas'] - page['typeset']} formulas left untypeset"
    )
    assert page["errors"] == 0, "MathJax reports TeX errors"
    for raw in ["$$", "\\frac", "\\partial", "\\begin{", "\\mathrm"]:
        assert raw not in page["text"], f"raw TeX {raw!r} on the rendered page"
    assert page["images"], "no image on the page"
    failed = [image["src"] for image in page["images"] if not image["ok"]]
    assert not failed, f"images that did not load: {failed}"


# How many characters a line of each block of printed output shows: the
# block's inner width (a vertical scrollbar, on a long output, takes its
# share) over the width of a character of its font.
# Measured once the page's fonts have loaded: a fallback font's width, under
# a busy machine, made a gallery page look narrower than it is.
OUTPUT_COLUMNS = """
const done = arguments[arguments.length - 1];
document.fonts.ready.then(() => done(
Array.from(document.querySelectorAll("div.sphx-glr-script-out pre"), (pre) => {
  const probe = document.createElement("span");
  probe.textContent = "x".repeat(100);
  pre.appendChild(probe);
  const character = probe.getBoundingClientRect().width / 100;
  probe.remove();
  const style = getComputedStyle(pre);
  const inner = pre.clientWidth - parseFloat(style.paddingLeft)
    - parseFloat(style.paddingRight);
  return Math.floor(inner / character);
})));
"""


@pytest.mark.slow
def test_the_gallery_pages_show_lines_as_wide_as_the_examples_print(browser, site):
    # tests/test_examples.py holds every example's printed lines to
    # PAGE_COLUMNS characters; here the page shows that many without cutting
    # any, at the screenshots' width.
    from test_examples import PAGE_COLUMNS

    driver, base = browser
    driver.set_window_size(1280, 900)
    for script in sorted((ROOT / "examples").glob("*.py")):
        driver.get(f"{base}auto_examples/{script.stem}.html")
        columns = driver.execute_async_script(OUTPUT_COLUMNS)
        assert columns, f"{script.name}'s page shows no printed output"
        assert min(columns) >= PAGE_COLUMNS, (script.name, columns)
