"""How much of scikit-learn's MLP test suite the scratch estimators pass.

Runs tests/test_sklearn_mlp_suite.py (scikit-learn's own test_mlp.py tests of
the public API of MLPClassifier and MLPRegressor, with those names bound to
ScratchMLPClassifier and ScratchMLPRegressor; its docstring has the selection
rule) in this process, without pytest-xdist, and prints a summary: the counts
of passed, failed, known differences (xfail) and skipped cases, the first
error line of each failure and the reason of each known difference.

Run from the repository root:

    python benchmarks/sklearn_mlp_suite.py           # the summary
    python benchmarks/sklearn_mlp_suite.py --raw     # known differences as failures
    python benchmarks/sklearn_mlp_suite.py --list    # the selection, no run

A run (not ``--raw``, not ``--list``) stores its counts and known differences
in ``benchmarks/results/sklearn_mlp_suite.json``. The exit status is 1 when a
case fails (a known difference that passes fails too), otherwise 0.
"""

import argparse
import importlib.util
import sys
import time
from collections import Counter
from pathlib import Path

import _results
import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_FILE = ROOT / "tests" / "test_sklearn_mlp_suite.py"


class Outcomes:
    """A pytest plugin that keeps the outcome of each scikit-learn case."""

    def __init__(self):
        self.cases = set()  # node ids of scikit-learn's cases
        self.outcomes = {}  # node id -> (outcome, first line of its message)
        self.seconds = 0.0

    def pytest_sessionstart(self):
        self.seconds = time.perf_counter()

    def pytest_sessionfinish(self):
        self.seconds = time.perf_counter() - self.seconds

    def pytest_collection_modifyitems(self, items):
        self.cases = {
            item.nodeid
            for item in items
            if getattr(getattr(item, "function", None), "scikit_learn_test", None)
        }

    def pytest_runtest_logreport(self, report):
        # The call's outcome, or a setup or teardown that did not pass.
        if report.nodeid in self.cases and (
            report.when == "call" or report.outcome != "passed"
        ):
            self.outcomes.setdefault(report.nodeid, _outcome(report))


XPASS_STRICT = "[XPASS(strict)] "


def _outcome(report):
    """(kind, first line of the message) of one phase's report."""
    longrepr = report.longrepr
    if isinstance(longrepr, str) and longrepr.startswith(XPASS_STRICT):
        return "known difference passed", longrepr.removeprefix(XPASS_STRICT)
    if hasattr(report, "wasxfail"):
        return "known difference", report.wasxfail
    if report.skipped:
        return "skipped", longrepr[2] if isinstance(longrepr, tuple) else ""
    if report.passed:
        return "passed", ""
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash else str(longrepr)
    lines = [line.strip() for line in text.splitlines() if line.strip()] or [""]
    first = lines[0]
    if first.endswith(":") and len(lines) > 1:  # "AssertionError:" and its text
        first = f"{first} {lines[1]}"
    return "failed" if report.when == "call" else "error", first


def run(raw):
    """Run the suite; return the plugin holding the outcomes, and the exit code."""
    plugin = Outcomes()
    args = [str(TEST_FILE), "-qq", "-n", "0", "-p", "no:cacheprovider"]
    args += ["--tb=no", "-rN", "--disable-warnings"] + (["--runxfail"] * raw)
    return plugin, pytest.main(args, plugins=[plugin])


ORDER = {  # outcome -> how the summary names it
    "passed": "passed",
    "failed": "failed",
    "error": "errors",
    "known difference": "known differences (xfail)",
    "known difference passed": "known differences that pass (strict xfail fails)",
    "skipped": "skipped",
}


def summary(plugin):
    """The summary's lines."""
    import sklearn

    counts = Counter(outcome for outcome, _ in plugin.outcomes.values())
    ran = len(plugin.outcomes) - counts["skipped"]
    lines = [
        f"scikit-learn {sklearn.__version__}: {ran} cases of its MLP tests, run "
        f"on ScratchMLPClassifier and ScratchMLPRegressor in {plugin.seconds:.1f} s",
        ", ".join(
            f"{counts[kind]} {name}"
            for kind, name in ORDER.items()
            if counts[kind] or kind in ("passed", "failed")
        ),
    ]
    for kind, name in list(ORDER.items())[1:-1]:
        listed = [
            f"  {nodeid.split('::')[-1]}: {message}"
            for nodeid, (outcome, message) in plugin.outcomes.items()
            if outcome == kind
        ]
        if listed:
            lines += ["", f"{name}:", *listed]
    return lines


def selection_lines():
    """The selection table of the installed scikit-learn, as the docstring's."""
    spec = importlib.util.spec_from_file_location("sklearn_mlp_suite", TEST_FILE)
    suite = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(suite)
    except pytest.skip.Exception as skipped:  # scikit-learn without its tests
        return [str(skipped)]
    return [
        f"scikit-learn's test_mlp.py: {suite.SKLEARN_TEST_FILE}",
        suite.selection_table(suite.SELECTION, suite.CASES),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="run the known differences as plain tests, pytest --runxfail "
        "(default: off, they are expected to fail)",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="print the selection and exit (default: off, run it)",
    )
    parser.add_argument(
        "--output",
        default=str(_results.RESULTS),
        metavar="FOLDER",
        help="where sklearn_mlp_suite.json goes (default: benchmarks/results)",
    )
    args = parser.parse_args(argv)
    load = _results.load_average()
    if args.list:
        lines, status = selection_lines(), 0
    else:
        plugin, exit_code = run(args.raw)
        if not plugin.outcomes:
            print(f"No case ran (pytest exit code {exit_code}): see pytest's output.")
            return 2
        lines = summary(plugin)
        bad = {"failed", "error", "known difference passed"}
        status = int(any(kind in bad for kind, _ in plugin.outcomes.values()))
    print("\n".join(lines))
    if not args.list and not args.raw:
        _results.save("sklearn_mlp_suite", counts(plugin), load, folder=args.output)
    return status


def counts(plugin):
    """The run's counts, and each known difference with its reason."""
    kinds = Counter(outcome for outcome, _ in plugin.outcomes.values())
    return {
        "cases": len(plugin.outcomes) - kinds["skipped"],
        **{kind.replace(" ", "_"): kinds[kind] for kind in ORDER},
        "differences": {
            nodeid.split("::")[-1]: message
            for nodeid, (outcome, message) in plugin.outcomes.items()
            if outcome == "known difference"
        },
    }


if __name__ == "__main__":
    sys.exit(main())
