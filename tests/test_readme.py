"""README.md's snippets run as written, and its words agree with the code.

The Python snippets of README.md, and those of docs/training.md and
docs/regression.md, run in order, in one session per page: each ```python
block is executed in a namespace shared with the blocks before it, as a
reader pasting them one after the other into one Python session would, with
matplotlib drawing off
screen and a fresh temporary directory as the current directory (for the
files the snippets write). Each block is its own step (a subtest) named by
its page, line, section and first line. The other tests check that the pages
say what the data, the defaults, the code's constants and the tests are.
A block preceded by ``<!-- readme-test: skip (reason) -->`` is skipped with
that reason.
"""

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TRAINING = ROOT / "docs" / "training.md"
REGRESSION = ROOT / "docs" / "regression.md"
SKIP_MARKER = re.compile(r"<!-- readme-test: skip \((?P<reason>.+)\) -->")
HEADING = re.compile(r"#{1,6} (?P<title>.+)")

pytestmark = pytest.mark.skipif(not README.exists(), reason="needs the source")


@dataclass
class Block:
    line: int  # of the block's first line of code in README.md
    section: str
    code: str
    skip_reason: str | None
    page: str = "README.md"

    @property
    def name(self):
        first = next((line for line in self.code.splitlines() if line.strip()), "")
        return f"{self.page}:{self.line} ({self.section}): {first.strip()}"


def python_blocks(text, page="README.md"):
    """Every ```python block of a Markdown text, in order."""
    blocks, section, skip_reason, code, start = [], "", None, None, 0
    for number, line in enumerate(text.splitlines(), start=1):
        if code is not None:
            if line.strip() == "```":
                # A block inside a list item is indented with the item.
                source = textwrap.dedent("\n".join(code))
                blocks.append(Block(start, section, source, skip_reason, page))
                code, skip_reason = None, None
            else:
                code.append(line)
            continue
        if heading := HEADING.fullmatch(line):
            section = heading["title"]
        elif marker := SKIP_MARKER.fullmatch(line.strip()):
            skip_reason = marker["reason"]
        elif line.strip() == "```python":
            code, start = [], number + 1
        elif line.strip():
            skip_reason = None  # a marker applies only right before its block
    return blocks


def test_blocks_are_found_with_their_sections_and_skip_markers():
    text = "\n".join(
        [
            "# Title",
            "```python",
            "a = 1",
            "```",
            "## Part two",
            "<!-- readme-test: skip (needs a GPU) -->",
            "```python",
            "b = a + 1",
            "```",
            "<!-- readme-test: skip (too far away) -->",
            "Some text in between.",
            "```python",
            "c = 2",
            "```",
            "```sh",
            "echo not python",
            "```",
            "- a list item:",
            "",
            "  ```python",
            "  if c:",
            "      d = 3",
            "  ```",
        ]
    )
    blocks = python_blocks(text)
    assert [(b.line, b.section, b.code, b.skip_reason) for b in blocks] == [
        (3, "Title", "a = 1", None),
        (8, "Part two", "b = a + 1", "needs a GPU"),
        (13, "Part two", "c = 2", None),
        (21, "Part two", "if c:\n    d = 3", None),
    ]
    assert blocks[1].name == "README.md:8 (Part two): b = a + 1"


@pytest.mark.slow
@pytest.mark.parametrize(
    "page, at_least",
    [(README, 3), (TRAINING, 6), (REGRESSION, 2)],
    ids=["README", "training", "regression"],
)
def test_every_python_block_runs_as_written(
    subtests, tmp_path, monkeypatch, page, at_least
):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(page.read_text(), page.name)
    assert len(blocks) >= at_least
    namespace = {"__name__": "__readme__"}
    failed = None
    try:
        for block in blocks:
            with subtests.test(msg=block.name):
                if block.skip_reason:
                    pytest.skip(block.skip_reason)
                if failed:
                    pytest.skip(f"an earlier block failed: {failed}")
                # Padded so that a traceback points at the line in README.md.
                source = "\n" * (block.line - 1) + block.code
                try:
                    exec(compile(source, str(page), "exec"), namespace)
                except BaseException:
                    failed = block.name
                    raise
    finally:
        plt.close("all")


# --------------------------------------- what the pages say of the code


def _says(path, text):
    page = " ".join((ROOT / path).read_text().split())
    assert text in page, f"{path} no longer says {text!r}"


def _source(path):
    return (ROOT / path).read_text()


def test_the_pages_say_what_the_data_and_the_defaults_are():
    from sknnscratch import ScratchMLPClassifier
    from sknnscratch.datasets import load_heart_disease

    X, y = load_heart_disease(return_X_y=True)
    _, classes = load_heart_disease(return_X_y=True, multiclass=True)
    n_missing, (healthy, ill) = int(np.isnan(X).sum()), np.bincount(y)
    _says("README.md", f"# {X.shape[0]} rows, {X.shape[1]} features")
    _says("README.md", f"whose {n_missing} missing values the pipeline imputes")
    _says(
        "README.md",
        f"{X.shape[0]} rows, the {X.shape[1]} UCI attributes "
        f"({n_missing} missing values as NaN), target `num > 0` ({healthy} / "
        f"{ill}) or, with `multiclass=True`, the 0-{classes.max()} diagnosis",
    )
    held_out = len(train_test_split(X, y, stratify=y, random_state=0)[1])
    _says("README.md", f"# accuracy on the {held_out} held-out rows")
    _says("README.md", "# [(13, 8), (8, 1)] weight matrices")
    assert ScratchMLPClassifier().hidden_layer_sizes == (8,) and X.shape[1] == 13
    for text in ("CC BY 4.0", "10.24432/C52P4X"):
        assert text in load_heart_disease().DESCR
        _says("README.md", text)


def test_the_defaults_table_is_what_get_params_prints():
    from sklearn.neural_network import MLPClassifier

    from sknnscratch import ScratchMLPClassifier

    ours, theirs = ScratchMLPClassifier().get_params(), MLPClassifier().get_params()
    rows = re.findall(
        r"^\| `(\w+)` \| `([^`]+)` \| `([^`]+)` \|", README.read_text(), re.M
    )
    assert len(rows) == 4
    for name, here, there in rows:
        assert (here, there) == (repr(ours[name]), repr(theirs[name]))


def test_the_pages_name_the_constants_of_the_code():
    from sklearn.model_selection import check_cv

    from sknnscratch import (
        ScratchMLPClassifierCV,
        _cv,
        _cv_search,
        _kernels,
        _monitoring,
        _solver_choice,
        _threads,
    )

    _says("README.md", f"stopped after {_cv_search.PATH_MAX_ITER} iterations")
    assert _cv_search._FIRST_ROUND == 2 and len(_cv.DEFAULT_ALPHAS) == 12
    _says("README.md", "After two folds")
    assert check_cv(ScratchMLPClassifierCV().cv).get_n_splits() == 5
    _says("README.md", "chosen by 5-fold CV")
    assert _solver_choice.LBFGS_MAX_WORK == 10_000_000
    _says("README.md", "more than 10 million rows x parameters")
    tags = set(re.findall(r"\(([FLB])(\d+)\)", _source("sknnscratch/_network.py")))
    for letter in "FLB":
        last = max(int(n) for tag, n in tags if tag == letter)
        _says("README.md", f"({letter}1)-({letter}{last})")
    assert _monitoring.DIVERGENCE_FACTOR == 1e4
    _says("docs/training.md", "grows 10^4 times")
    _says("docs/training.md", 'pip install "sknnscratch[progress]"')
    assert re.search(r'^progress = \["rich>=', _source("pyproject.toml"), re.M)
    _says(
        "docs/performance.md", f"a block of {_kernels.BLOCK_ROWS:,}".replace(",", " ")
    )
    assert "n % 64" in _source("sknnscratch/_kernels.py")
    _says("docs/performance.md", "blocks of 64 rows")
    _says(
        "docs/performance.md",
        f"layer has {_threads.WIDE_LAYER} units or more and "
        f"one product at least {_threads.MANY_MULTIPLY_ADDS:.0e}".replace("e+0", "e"),
    )
    _says("docs/performance.md", "products are 8 columns wide")
    _says("docs/performance.md", "arrays of 200 x 8")
    bench = _source("benchmarks/bench.py")
    assert "default=5" in bench and "3 * repeats" in bench and "batch_size=200" in bench
    _says("docs/performance.md", "median of 5 runs (15 for the millisecond")
    required = re.search(r'requires-python = ">=(\d+\.\d+)"', _source("pyproject.toml"))
    _says("README.md", f"Python {required[1]} or newer")


def test_the_page_inside_the_package_counts_what_the_code_has():
    import importlib.util
    import json

    from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
    from sknnscratch._network import n_parameters

    n = n_parameters([13, 8, 1])
    _says("docs/inside.md", f"two forward passes per parameter: {2 * n} for the {n} ")
    cells = json.loads(_source("docs/backprop.ipynb"))["cells"]
    solution = next(
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code" and "def backprop(" in "".join(c["source"])
    )
    _says("docs/inside.md", f"is a cell of {len(solution.splitlines())} lines")
    spec = importlib.util.spec_from_file_location(
        "common", ROOT / "tests" / "test_common.py"
    )
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    plain = [e for e in common.ESTIMATORS if type(e) is ScratchMLPClassifier]
    cv = [e for e in common.ESTIMATORS if type(e) is ScratchMLPClassifierCV]
    _says(
        "docs/inside.md",
        f"passes for {len(plain)} configurations of "
        f"`ScratchMLPClassifier` and {len(cv)} of `ScratchMLPClassifierCV`",
    )
    _says(
        "docs/guarantees.md",
        f"({len(plain)} configurations and `ScratchMLPClassifierCV` twice)",
    )
    _says(
        "docs/inside.md", f"the {len(common._PARTIAL_FIT_CHECKS)} checks that call it"
    )
    _says("docs/inside.md", f"the {len(common._SAMPLE_WEIGHT_CHECKS)} sample-weight")


@pytest.mark.parametrize(
    "page_says, path, source_has",
    [
        ("20 examples each per run", "tests/conftest.py", '("ci", 20)'),
        ("runs 500", "tests/conftest.py", '("long", 500)'),
        ("scales up to 1e30", "tests/test_properties.py", "1e30]"),
        ("from 8 threads", "tests/test_hostile.py", "max_workers=8"),
        ("under 1 KiB per call", "tests/test_hostile.py", "/ 150 < 1024"),
        ("measured over 150 calls", "tests/test_hostile.py", "range(150)"),
        ("1 000 000 x 13 rows", "tests/test_hostile.py", "n_samples=1_000_000"),
        ("and 100 classes", "tests/test_hostile.py", "n_classes=100"),
        ("relative 1e-12 in float64, 2e-5 in float32", "tests/test_kernels.py",
         "rtol = 1e-12 if dtype == np.float64 else 2e-5"),
        ("within 1e-5 in float32", "tests/test_scaling.py", "atol=1e-5"),
        ("within 0.02 of an in-memory fit", "tests/test_scaling.py", "<= 0.02"),
        ("`fit(10)` twice equals `fit(20)`", "tests/test_persistence.py",
         "max_iter=10"),
        ("a 2-2-1 network worked by hand", "tests/test_inspect.py", "2_2_1"),
    ],
)  # fmt: skip
def test_the_guarantees_numbers_are_those_of_the_tests(page_says, path, source_has):
    pages = " ".join(
        _source(page) for page in ("docs/guarantees.md", "docs/training.md")
    )
    assert page_says in " ".join(pages.split())
    assert source_has in _source(path)
