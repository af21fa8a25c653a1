"""The benchmark scripts still run: their quick modes, end to end; and each
one's ``--help`` describes every option."""

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

pytestmark = pytest.mark.skipif(not BENCHMARKS.exists(), reason="needs the source tree")
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))


def _load(name):
    if str(BENCHMARKS) not in sys.path:  # the scripts import _results beside them
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def defaults():
    return _load("defaults")


def test_defaults_help_describes_without_running(defaults, capsys):
    with pytest.raises(SystemExit) as exit_info:
        defaults.main(["--help"])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    assert "default alpha" in printed and "--quick" in printed
    assert "| model |" not in printed


@pytest.mark.slow
def test_defaults_quick_run_prints_summaries_and_saves_every_number(
    defaults, capsys, tmp_path
):
    saved = tmp_path / "defaults.json"
    output = defaults.main(["--quick", "--solvers", "--json", str(saved)])
    printed = capsys.readouterr().out

    assert "## Summary, panel" in printed and "## Summary, hold-out" in printed
    summary = output["alpha"]["summaries"]["panel"]
    default_label = defaults.REFERENCES[0].label
    panel_summary = printed[printed.index("## Summary, panel") :]
    line = next(
        line
        for line in panel_summary.splitlines()
        if line.startswith(f"| {default_label}")
    )
    assert f"{summary[default_label]['mean_accuracy']:.4f}" in line
    assert {"LogisticRegression()", "lbfgs alpha=0.1", "lbfgs alpha=13"} <= set(summary)
    for label, row in summary.items():
        assert 0.5 < row["mean_accuracy"] <= 1
        assert row["worst_shortfall"] >= row["mean_shortfall"]
        if label.startswith("lbfgs alpha="):  # the grid defines the best: none beats it
            assert row["mean_shortfall"] >= -1e-12
    # The shortfall is measured from the best grid alpha: that one's is zero.
    heart = output["alpha"]["datasets"]["heart"]
    best = heart["best_alpha"]["label"]
    assert heart["candidates"][best]["shortfall"] == 0
    assert "Recommended" in printed

    solver_rows = output["solvers"]
    assert [(row["rows"], row["solver"]) for row in solver_rows] == [
        (n, solver)
        for n, _ in defaults.QUICK_SOLVER_CASES
        for solver in ("lbfgs", "adam")
    ]
    assert all(row["accuracy"] > 0.8 for row in solver_rows)

    assert (
        json.loads(saved.read_text())["alpha"]["recommended"]
        == (output["alpha"]["recommended"])
    )


def test_defaults_options_choose_data_sets_and_alphas(defaults, capsys):
    output = defaults.main(["--datasets", "moons", "--alphas", "1", "--quick"])
    capsys.readouterr()
    rows = output["alpha"]["datasets"]["moons"]["candidates"]
    assert [label for label, row in rows.items() if row["alpha"] is not None] == [
        "lbfgs alpha=1",
        f"lbfgs alpha=1, max_iter={defaults.LONGER_MAX_ITER}",
    ]
    assert [label for label, row in rows.items() if row["in_grid"]] == ["lbfgs alpha=1"]
    assert list(output["alpha"]["datasets"]) == ["moons"]
    assert all(row["fits"] == 3 for row in rows.values())


def test_every_data_set_loads_reproducibly_in_one_group(defaults):
    panel = {dataset.name for dataset in defaults.PANEL}
    holdout = {dataset.name for dataset in defaults.HOLDOUT}
    assert len(panel) == 12 and len(holdout) >= 5 and not panel & holdout
    for dataset in defaults.PANEL + defaults.HOLDOUT:
        X_first, y_first = dataset.load()
        X_again, y_again = dataset.load()
        assert len(X_first) == len(y_first) > 100
        np.testing.assert_array_equal(X_first, X_again)  # NaN equal to NaN
        np.testing.assert_array_equal(y_first, y_again)


@pytest.fixture(scope="module")
def regression_defaults():
    return _load("regression_defaults")


@pytest.mark.slow
def test_regression_defaults_quick_run_prints_summaries_and_stores_them(
    regression_defaults, capsys, tmp_path
):
    output = regression_defaults.main(["--quick", "--output", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "## Summary, panel" in printed and "## Summary, hold-out" in printed
    assert "## Target scaling" in printed and "Recommended" in printed
    assert output["groups"] == {"panel": ["diabetes", "sine"], "hold-out": ["ripple"]}
    summary = output["summaries"]["panel"]
    for row in summary.values():
        assert row["worst_shortfall"] >= row["mean_shortfall"]
        assert row["fits"] == 6  # 3 folds on each of the 2 panel data sets
        if row["in_grid"]:  # the grid defines the best: none beats it
            assert row["mean_shortfall"] >= -1e-12
    line = next(
        line
        for line in printed[printed.index("## Summary, panel") :].splitlines()
        if line.startswith("| RidgeCV() |")
    )
    assert f"{summary['RidgeCV()']['mean_r2']:.4f}" in line
    diabetes = output["datasets"]["diabetes"]
    assert diabetes["candidates"][diabetes["best"]["label"]]["shortfall"] == 0
    assert output["recommended"]["label"] in summary
    stored = json.loads((tmp_path / "regression_defaults.json").read_text())
    assert set(_load("render_readme").FIELDS["regression_defaults"]) <= set(stored)
    assert stored["recommended"] == json.loads(json.dumps(output["recommended"]))
    scaling = stored["target_scaling"]["diabetes"]
    assert scaling["best_scaled"]["r2"] == max(
        row["r2"]
        for row in diabetes["candidates"].values()
        if row["in_grid"] and tuple(row["hidden"]) == regression_defaults.DEFAULT_HIDDEN
    )


def _summary_row(hidden, alpha, mean_r2, worst=0.0, warnings=0):
    return {
        "hidden": hidden, "alpha": alpha, "target": "scaled", "in_grid": True,
        "mean_r2": mean_r2, "mean_shortfall": 0.9 - mean_r2,
        "worst_shortfall": worst, "convergence_warnings": warnings,
    }  # fmt: skip


def test_the_recommended_width_is_the_narrowest_within_the_margin(
    regression_defaults,
):
    recommend = regression_defaults.recommend
    summary = {
        "a": _summary_row((8,), 1, 0.87),
        "b": _summary_row((8,), 3, 0.885),
        "c": _summary_row((32,), 1, 0.894),
        "d": _summary_row((64,), 1, 0.899, warnings=1),  # best, but warned
    }
    assert recommend(summary) == {
        "label": "b", "alpha": 3, "hidden": (8,), "rule": "ok"
    }  # fmt: skip
    summary["c"]["mean_r2"] = 0.896  # now the 8-unit best is 0.011 below
    assert recommend(summary)["label"] == "c"
    # None is ok: the rows free of ConvergenceWarnings decide.
    for row in summary.values():
        row["worst_shortfall"] = 0.3
    fallback = recommend(summary)
    assert fallback["label"] == "c" and fallback["rule"].startswith("no Conv")
    for row in summary.values():
        row["convergence_warnings"] = 1
    assert recommend(summary) is None


def test_every_regression_data_set_loads_reproducibly_in_one_group(
    regression_defaults,
):
    panel = {dataset.name for dataset in regression_defaults.PANEL}
    holdout = {dataset.name for dataset in regression_defaults.HOLDOUT}
    assert len(panel) >= 7 and len(holdout) >= 2 and not panel & holdout
    for dataset in regression_defaults.PANEL + regression_defaults.HOLDOUT:
        first = dataset.load()
        if first is None:  # California housing, never downloaded here
            assert dataset.name == "california"
            continue
        X_first, y_first = first
        X_again, y_again = dataset.load()
        assert len(X_first) == len(y_first) > 100
        np.testing.assert_array_equal(X_first, X_again)
        np.testing.assert_array_equal(y_first, y_again)
    X, y = regression_defaults.DATASETS["multi_output"].load()
    assert y.shape == (500, 3)


def test_cv_speed_quick_run_prints_its_ratios_and_stores_them(capsys, tmp_path):
    cv_speed = _load("cv_speed")
    cv_speed.main(["--quick", "--output", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "largest CV / grid ratio:" in printed
    assert printed.count("\n") >= 5
    stored = json.loads((tmp_path / "cv_speed.json").read_text())
    assert set(_load("render_readme").FIELDS["cv_speed"]) <= set(stored)
    assert [row["dataset"] for row in stored["rows"]] == ["heart", "moons"]
    assert f"{stored['rows'][0]['cv_over_grid']:.2f}" in printed


def test_the_heart_disease_figures_are_parsed_from_the_examples_output():
    # The stored JSON holds what heart_disease.py reads in the stored output.
    heart = _load("heart_disease")
    results = BENCHMARKS / "results"
    parsed = heart.parse((results / "heart_disease.txt").read_text())
    stored = json.loads((results / "heart_disease.json").read_text())["kernels"]
    assert parsed == next(iter(stored.values()))
    assert [row["model"] for row in parsed["rows"]][-1] == "LogisticRegression()"
    assert sum(parsed["chosen_alphas"].values()) == parsed["outer_folds"] == 50


def test_a_result_names_its_machine(tmp_path):
    results = _load("_results")
    path = results.save("example", {"rows": [1]}, 0.5, folder=tmp_path)
    saved = json.loads(path.read_text())
    assert saved["rows"] == [1] and saved["machine"]["load_average"][0] == 0.5
    assert saved["machine"]["blas_kernel"] and saved["machine"]["cores"] >= 1


# ------------------------------------------------------------------- --help


def _arguments(script):
    """The option strings of each add_argument call: ["--quick"], ["path"]."""
    calls = []
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
        ):
            calls.append([argument.value for argument in node.args])
    return calls


def _help_entries(text):
    """{section: [(invocation, description)]} of argparse's help output.

    An entry starts on a line indented by exactly two spaces; the lines
    indented further continue it. The invocation is what precedes the first
    run of two spaces (or the whole first line, when argparse moved the
    description to the next one).
    """
    sections, entries = {}, None
    for line in text.splitlines():
        if re.fullmatch(r"(positional arguments|options|optional arguments):", line):
            entries = sections.setdefault(line[:-1], [])
        elif entries is None or not line.strip():
            entries = None if not line.strip() else entries
        elif re.match(r"  \S", line):
            invocation, _, description = line.strip().partition("  ")
            entries.append([invocation, description.strip()])
        elif line.startswith("   ") and entries:
            entries[-1][1] = f"{entries[-1][1]} {line.strip()}".strip()
        else:
            entries = None
    return sections


@pytest.mark.slow  # each script imports scikit-learn
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_help_describes_every_option_with_its_default(script, tmp_path):
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"usage: {script.name}")
    assert list(tmp_path.iterdir()) == [], "--help wrote a file"
    sections = _help_entries(out)
    options = sections.get("options", sections.get("optional arguments", []))
    positionals = sections.get("positional arguments", [])
    calls = _arguments(script)
    assert calls, f"{script.name} parses no argument with argparse"
    for invocation, description in options + positionals:
        assert description, f"{script.name}: {invocation} has no help text"
    for invocation, description in options:
        if invocation != "-h, --help":
            assert "default" in description, (
                f"{script.name}: the help of {invocation} gives no default"
            )
    shown = [invocation.split()[0].rstrip(",") for invocation, _ in options]
    for strings in calls:
        if strings[0].startswith("-"):
            assert strings[0] in shown, f"{script.name}: {strings[0]} not in --help"
    n_positional = sum(not strings[0].startswith("-") for strings in calls)
    assert len(positionals) == n_positional, positionals


def test_the_help_parser_reads_entries_and_their_continuations():
    text = (
        "usage: x.py [-h] [--long-option-name N] ACTION\n\n"
        "positional arguments:\n"
        "  ACTION                what to do (required)\n\n"
        "options:\n"
        "  -h, --help            show this help message and exit\n"
        "  --long-option-name N\n"
        "                        a description on the next line (default:\n"
        "                        3)\n"
        "  --bare\n\n"
        "Run: x.py --bare\n"
    )
    assert _help_entries(text) == {
        "positional arguments": [["ACTION", "what to do (required)"]],
        "options": [
            ["-h, --help", "show this help message and exit"],
            ["--long-option-name N", "a description on the next line (default: 3)"],
            ["--bare", ""],
        ],
    }
