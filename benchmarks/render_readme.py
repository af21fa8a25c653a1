"""Fill the README's and the docs' figures from the stored benchmark results.

Each measured figure of README.md and docs/*.md sits between ``begin:NAME`` and
``end:NAME`` comments; ``NAME`` renders it from ``benchmarks/results/*.json``.
Refresh: run the benchmark, then this script (``--check``: only name stale blocks).
"""

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
BLOCK = re.compile(r"<!-- begin:(\w+) -->\n(.*?)<!-- end:(\w+) -->\n", re.DOTALL)
MARKER = re.compile(r"<!-- (begin|end):(\w+) -->")
FIELDS = {  # what the renderers read of each result file
    "heart_disease": ["command", "kernels", "machine"],
    "cv_speed": ["alphas", "folds", "repeats", "rows", "machine"],
    "bench": ["rows", "regressor_rows", "blas_threads", "machine"],
    "bench_load": ["rows", "busy_processes", "machine"],
    "sklearn_mlp_suite": ["cases", "passed", "differences", "machine"],
    "defaults": ["alpha", "arguments", "wall_seconds"],
    "sample_weight": ["kernels"],
    "bit_identity": ["changes"],
    "out_of_core": ["runs"],
    "lbfgs_driver": ["cases"],
    "gpu": ["rows", "features", "hidden", "gpu", "table", "machine"],
    "regression_defaults": [
        "command",
        "alphas",
        "hidden",
        "cv",
        "groups",
        "skipped",
        "summaries",
        "recommended",
        "target_scaling",
        "wall_seconds",
        "machine",
    ],
}
RENDERERS = {}  # block name -> the function that renders it from the results


def load(folder=RESULTS):
    """Every stored result, each checked for the fields its renderers read."""
    results = {}
    for name, fields in FIELDS.items():
        path = Path(folder) / f"{name}.json"
        results[name] = json.loads(path.read_text(encoding="utf-8"))
        if missing := [field for field in fields if field not in results[name]]:
            raise KeyError(f"{path} lacks {', '.join(missing)}")
    return results


def block(function):
    """Register ``function`` as the renderer of the blocks named after it."""
    RENDERERS[function.__name__] = function
    return function


def prose(text):
    """Paragraphs (split at blank lines) filled to 79 columns, as the pages are."""
    fill = textwrap.TextWrapper(79, break_long_words=False, break_on_hyphens=False)
    return "\n".join(f"{fill.fill(' '.join(p.split()))}\n" for p in text.split("\n\n"))


def table(header, rows):
    """A Markdown table: header and rows are cells joined by ' | '."""
    rule = " | ".join("---" for _ in header.split(" | "))
    return "".join(f"| {row} |\n" for row in [header, rule, *rows])


def span(values, digits=3):
    """'0.806' or '0.806 to 0.807': the range of values across runs."""
    low, high = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return low if low == high else f"{low} to {high}"


def sci(value):
    """4.36e-06 -> '4.4e-6'."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}"


def thousands(number):
    """2115 -> '2 115'."""
    return f"{int(number):,}".replace(",", " ")


def words(items):
    """['a', 'b', 'c'] -> 'a, b and c'."""
    *rest, last = [*items] or [""]
    return f"{', '.join(rest)} and {last}" if rest else last


def machine(result):
    """When and on what a result was measured, and under which load."""
    m = result["machine"]
    said = f"{m.get('date') or 'commit ' + m.get('commit', '?')}, numpy {m['numpy']}, "
    said += f"scikit-learn {m['scikit-learn']}, OpenBLAS {m['blas_kernel']}, "
    if load := m.get("load_average"):
        return said + f"{m['cores']} cores, load average {load[0]} to {load[1]}"
    return said + f"{m['cores']} cores"


def _row(run, start):  # the row of the model whose name starts so
    return next(row for row in run["rows"] if row["model"].startswith(start))


@block
def heart_table(r):
    """The example's stage 3, on the first kernel run."""
    run = next(iter(r["heart_disease"]["kernels"].values()))
    rows = [
        f"{row['model']} | {row['accuracy']:.3f} ± {row['accuracy_sd']:.3f} | "
        f"{row['roc_auc']:.3f} ± {row['roc_auc_sd']:.3f} | "
        f"{row['warnings']} of {row['fits']}"
        for row in run["rows"]
    ]
    return table("model | accuracy | ROC AUC | ConvergenceWarnings", rows)


@block
def heart_summary(r):
    """The scores' gaps, the chosen penalties and their spread across kernels."""
    runs = r["heart_disease"]["kernels"]
    kernel, run = next(iter(runs.items()))
    default, cv = (
        _row(run, "ScratchMLPClassifier()"),
        _row(run, "ScratchMLPClassifierCV"),
    )
    lr = _row(run, "LogisticRegression")
    (most, n_most), *others = sorted(run["chosen_alphas"].items(), key=lambda a: -a[1])
    others = sorted((alpha for alpha, _ in others), key=float, reverse=True)

    def spread(start, score):  # across the kernels
        return span([_row(run, start)[score] for run in runs.values()])

    iterations = [run["default_fit_iterations"] for run in runs.values()]
    folds = [run["chosen_alphas"].get(most, 0) for run in runs.values()]
    return prose(
        f"The general-purpose default penalty is weaker than this data wants: the "
        f"defaults score {100 * (lr['accuracy'] - default['accuracy']):.0f} points "
        f"below logistic regression in accuracy and "
        f"{100 * (lr['roc_auc'] - default['roc_auc']):.0f} in ROC AUC. "
        f"`ScratchMLPClassifierCV` chooses `alpha` on each outer fold's training "
        f"rows ({most} on {n_most} of the {run['outer_folds']} folds, "
        f"{' or '.join(others)} on the others) and scores {cv['accuracy']:.3f} "
        f"accuracy and {cv['roc_auc']:.3f} ROC AUC, against logistic regression's "
        f"{lr['accuracy']:.3f} and {lr['roc_auc']:.3f}.\n\n"
        f"These scores come from OpenBLAS's {kernel} kernel. Another kernel rounds "
        f"the matrix products differently in their last bits, and L-BFGS turns "
        f"those bits into other iterates: with the {words(runs)} kernels, the "
        f"default fit on all 303 rows takes {min(iterations)} to {max(iterations)} "
        f"iterations, the defaults score "
        f"{spread('ScratchMLPClassifier()', 'accuracy')} accuracy, and the nested "
        f"`ScratchMLPClassifierCV` "
        f"{spread('ScratchMLPClassifierCV', 'accuracy')} accuracy and "
        f"{spread('ScratchMLPClassifierCV', 'roc_auc')} ROC AUC, choosing {most} "
        f"on {span(folds, 0)} of the folds."
    )


@block
def heart_times(r):
    """The example's mean fit times and its run time, per kernel."""
    result, runs = r["heart_disease"], r["heart_disease"]["kernels"].values()
    rows = [
        f"{row['model']} | "
        + " | ".join(f"{_row(run, row['model'])['fit_ms']:.0f}" for run in runs)
        for row in next(iter(runs))["rows"]
    ]
    rows.append("the whole run, s | " + " | ".join(f"{x['seconds']:.0f}" for x in runs))
    header = " | ".join(["mean fit ms", *(f"{k} kernel" for k in result["kernels"])])
    said = prose(f"`{result['command']}`: {machine(result)}.")
    return f"{table(header, rows)}\n{said}"


@block
def cv_speed_summary(r):
    """ScratchMLPClassifierCV's time against the grid search's."""
    rows = r["cv_speed"]["rows"]
    ratio = [row["cv_over_grid"] for row in rows]
    fits = [row["cv_over_one_fit"] for row in rows]
    return prose(
        f"On {len(rows)} data sets it takes {min(ratio):.2f} to {max(ratio):.2f} "
        f"of the grid search's time, and the time of {min(fits):.1f} to "
        f"{max(fits):.1f} single fits."
    )


@block
def cv_speed_table(r):
    """Every row of cv_speed.py's table."""
    result = r["cv_speed"]
    rows = [
        f"{row['dataset']} | {row['cv_seconds']:.2f} | {row['grid_seconds']:.2f} | "
        f"{row['cv_over_grid']:.2f} | {row['cv_over_one_fit']:.1f} | "
        f"{row['cv_alpha']:g} | {row['grid_alpha']:g}"
        for row in result["rows"]
    ]
    header = "data set | CV s | grid search s | CV / grid | CV / one fit | "
    said = prose(
        f"{len(result['alphas'])} penalties, {result['folds']}-fold, one BLAS "
        f"thread, median of {result['repeats']}; {machine(result)}."
    )
    return f"{table(header + 'alpha (CV) | alpha (grid)', rows)}\n{said}"


def _ratio(row):
    return row["times"]["ours"] / row["times"]["sklearn"]


@block
def bench_summary(r):
    """The ratios of bench.py, by kind of case, the classifier's then the
    regressor's."""
    regressor = "ScratchMLPRegressor against MLPRegressor: an"
    return prose(
        _ratio_sentence(r["bench"]["rows"], "An", "MLPClassifier")
        + " "
        + _ratio_sentence(r["bench"]["regressor_rows"], regressor, "MLPRegressor")
    )


def _ratio_sentence(rows, start, theirs):
    epoch = [_ratio(row) for row in rows if row["unit"] == "s per epoch"]
    lbfgs = [_ratio(row) for row in rows if row["unit"] == "s per iteration"]
    memory = [_ratio(row) for row in rows if row["unit"] == "MiB"]
    return (
        f"{start} Adam or SGD epoch takes {span(epoch, 2)} of {theirs}'s time, an "
        f"L-BFGS iteration {span(lbfgs, 2)}, and a fit on a million rows "
        f"{span(memory, 2)} of its peak memory."
    )


def _bench_rows(result):
    for row in result["rows"]:
        times = list(row["times"].values())  # ours, [ours on 1 thread,] sklearn, ...
        cells = [f"{time:.4g}" for time in times]
        if len(times) == 4:  # each estimator against its own one-thread time
            cells.insert(2, f"{times[0] / times[1]:.2f}")
            cells.append(f"{times[2] / times[3]:.2f}")
        yield " | ".join([row["case"], *cells, row["unit"], f"{_ratio(row):.2f}"])


@block
def bench_tables(r):
    """Every case of bench.py, then of bench.py --load 4 (with one-thread times)."""
    quiet, busy = r["bench"], r["bench_load"]
    header = "case | ours | ours, 1 thread | ratio | MLPClassifier | "
    header += "MLPClassifier, 1 thread | ratio | unit | ours / MLPClassifier"
    regressor = {"rows": quiet["regressor_rows"]}
    return "\n".join([
        table("case | ours | MLPClassifier | unit | ratio", _bench_rows(quiet)),
        table("case | ScratchMLPRegressor | MLPRegressor | unit | ratio",
              _bench_rows(regressor)),
        prose(f"Without load of ours, BLAS on {quiet['blas_threads']} threads "
              f"where not limited: {machine(quiet)}."),
        table(header, _bench_rows(busy)),
        prose(f"With {busy['busy_processes']} processes spinning a Python loop on "
              f"the cores: {machine(busy)}."),
    ])  # fmt: skip


@block
def bench_targets(r):
    """The targets of bench.py that the stored run misses."""
    missed = []
    rows = [(row, "") for row in r["bench"]["rows"]]
    rows += [(row, "regressor: ") for row in r["bench"]["regressor_rows"]]
    for row, kind in rows:
        target = 1.0 if row["unit"] == "MiB" else 0.5
        if row["unit"] == "s per epoch" and not row["case"].startswith("fit, n=303,"):
            target = 0.25
        if round(_ratio(row), 2) > target:
            missed.append(f"{kind}{row['case']} ({_ratio(row):.2f} against {target:g})")
    but = f" but {len(missed)}: {'; '.join(missed)}" if missed else ""
    return prose(f"The stored run meets all of them{but}.")


@block
def sklearn_suite(r):
    """How much of scikit-learn's own MLP tests pass here."""
    result = r["sklearn_mlp_suite"]
    names = [f"`{name}`" for name in result["differences"]]
    return prose(
        f"With scikit-learn {result['machine']['scikit-learn']}, {result['passed']} "
        f"of its {result['cases']} cases pass; the {len(names)} others are known "
        f"differences, each explained in the test file: {words(names)}."
    )


@block
def defaults_table(r):
    """Some rows of defaults.py's two summaries."""
    summaries, shown = r["defaults"]["alpha"]["summaries"], "0.0001 0.1 1 2.5 5 10 30"
    rows = []
    for label, panel in summaries["panel"].items():
        grid = re.fullmatch(r"lbfgs (alpha=([\d.]+))", label)
        if label.startswith("lbfgs") and not (grid and grid[2] in shown.split()):
            continue
        name = f"solver='lbfgs', {grid[1]}, max_iter=1000" if grid else label
        cells = [f"`{name}`", f"{panel['mean_accuracy']:.4f}"]
        for which, summary in (("panel", panel), ("hold-out", None)):
            summary = summary or summaries[which][label]
            worst = f"{100 * summary['worst_shortfall']:.1f}"
            cells += [f"{100 * summary['mean_shortfall']:.2f}"]
            cells += [f"{worst} ({summary['worst_dataset']})"]
            if which == "panel":
                cells.append(f"{summary['convergence_warnings']}/{summary['fits']}")
        rows.append(" | ".join(cells))
    header = "model | panel: mean accuracy | mean shortfall | worst shortfall | "
    header += "ConvergenceWarnings | hold-out: mean shortfall | worst shortfall"
    return table(header, rows)


@block
def defaults_run(r):
    """What defaults.py ran: folds, penalties, data sets and its time."""
    result = r["defaults"]
    study, groups = result["alpha"], result["alpha"]["groups"]
    return prose(
        f"It cross-validates ({study['cv']['n_splits']} folds x "
        f"{study['cv']['n_repeats']} repeats, impute and scale) L-BFGS at "
        f"{len(result['arguments']['alphas'].split(','))} values of `alpha` on a "
        f"panel of {len(groups['panel'])} data sets ({words(groups['panel'])}), "
        f"and reports them on {len(groups['hold-out'])} more the choice was not "
        f"made on ({words(groups['hold-out'])}), in about "
        f"{result['wall_seconds'] / 60:.0f} minutes."
    )


@block
def defaults_notes(r):
    """What the summary says of max_iter and of the CV estimator."""
    study = r["defaults"]["alpha"]
    summaries = list(study["summaries"].values())
    longer = [label for label in summaries[0] if label.endswith("max_iter=3000")]
    warned = any(
        s[label]["convergence_warnings"] for s in summaries for label in longer
    )
    grid = [float(re.search(r"alpha=([\d.]+)", label)[1]) for label in longer]
    default = next(label for label in summaries[0] if label.startswith("defaults"))
    largest = max(s[default]["max_n_iter"] for s in summaries)
    grid_default = "lbfgs " + re.search(r"alpha=[\d.]+", default)[0]
    short = [name for name, data in sorted(study["datasets"].items())
             if data["candidates"][grid_default]["convergence_warnings"]]  # fmt: skip
    cv = [100 * s["ScratchMLPClassifierCV()"]["worst_shortfall"] for s in summaries]
    return prose(
        f"Every `lbfgs` row ran with `max_iter=1000`; with the default 3000, "
        f"{'not every' if warned else 'no'} `alpha` from {min(grid):g} to "
        f"{max(grid):g} gives a ConvergenceWarning, and the defaults take up to "
        f"{thousands(largest)} iterations (1 000 stopped short on {words(short)}). "
        f"`ScratchMLPClassifierCV` is compared with the best `alpha` picked on the "
        f"very folds it is scored on, an oracle, which it matches within "
        f"{cv[0]:.1f} points on every panel data set and within {cv[1]:.1f} on "
        f"every hold-out one."
    )


@block
def sample_weight(r):
    """scikit-learn's checks that decided between alpha 2.5, 3 and 5."""
    kernels = r["sample_weight"]["kernels"]
    checks = [(k, c) for k, run in kernels.items() for c in run["checks"]]

    def outcome(model):
        gaps = {k: c["largest_relative"] for k, c in checks
                if c["model"] == model and not c["passes"]}  # fmt: skip
        passing = words(kernel for kernel in kernels if kernel not in gaps)
        if not gaps:
            return f"passes with {passing}"
        gap = " to ".join(
            dict.fromkeys([sci(min(gaps.values())), sci(max(gaps.values()))])
        )
        return f"fails with {words(gaps)} (gap {gap})" + (
            f", passes with {passing}" if passing else ""
        )

    rtol = next(c["rtol"] for _, c in checks if not c["passes"])
    wrong = [run["multilabel_wrong"] for run in kernels.values()]
    return prose(
        f"scikit-learn's sample-weight equivalence check, which allows a relative "
        f"gap of {sci(rtol)} between weighted and repeated rows, "
        f"{outcome('alpha=2.5')} at `alpha=2.5` and {outcome('alpha=3')} at "
        f"`alpha=3`; on two tanh layers it {outcome('two tanh layers')}. The "
        f"multilabel set of scikit-learn's test `test_predict_proba_multilabel` "
        f"has {span([w['2.5'] for w in wrong], 0)} of its "
        f"{next(iter(kernels.values()))['multilabel_labels']} labels wrong at "
        f"`alpha=2.5` and {span([w['5'] for w in wrong], 0)} at `alpha=5`."
    )


@block
def bit_identity(r):
    """What each step of the speed work changed (bit_identity_history.py)."""
    changes = {change["change"]: change for change in r["bit_identity"]["changes"]}
    whole = changes.pop("the whole speed work")["weights"]
    adam = [k for k in whole["keys"] if k.startswith("adam-") and "float32" in k]
    lbfgs = changes.pop("the sigmoid cross-entropy in vectorised steps")["weights"]
    same = words(c for c in changes if not changes[c]["weights"]["differ"])
    return prose(
        f"Over the {whole['compared']} configurations of "
        f"`benchmarks/bit_identity.py`, the speed work changed the weights of "
        f"{whole['differ']}: Adam on float32 input ({len(adam)} of them) now "
        f"updates in float32, and the vectorised sigmoid cross-entropy moved some "
        f"loss values by one rounding, which sent L-BFGS on float32 input to "
        f"weights within {sci(lbfgs['largest_relative'])} (relative) of the old "
        f"ones in {lbfgs['differ']} configurations. {same[:1].upper()}{same[1:]} "
        f"left every result bit for bit."
    )


@block
def out_of_core(r):
    """The out-of-core example's peak memory (out_of_core.py)."""
    runs = r["out_of_core"]["runs"]
    peaks = [f"{run['peak_mib']:.1f} MiB for {thousands(run['rows'])} rows "
             f"({run['file_mib']:.0f} MiB of CSV)" for run in runs]  # fmt: skip
    chunk = thousands(runs[0]["chunk_rows"])
    return prose(f"One epoch in chunks of {chunk} rows peaks at {words(peaks)}.")


@block
def lbfgs_driver(r):
    """L-BFGS through scipy.optimize.minimize against scipy's private routine."""
    cases = r["lbfgs_driver"]["cases"]
    rows = [f"{c['case']} | {c['reference_ms']:.1f} | {c['current_ms']:.1f} | "
            f"{c['ratio']:.2f} | {c['identical']}" for c in cases]  # fmt: skip
    return table("fit | private routine, ms | `minimize`, ms | ratio | same", rows)


def _cell(value, what):
    if isinstance(value, str):
        return value
    figure = value.get(what, "-")
    return figure if isinstance(figure, str) else f"{figure:.3g}"


@block
def gpu_table(r):
    """This package on numpy and on PyTorch arrays (CPU, CUDA), one table."""
    g = r["gpu"]
    names = list(g["table"])
    columns = [c for c in g["table"].values() if isinstance(c, dict)]
    measured = dict.fromkeys(what for c in columns for what in c)
    rows = [f"{what} | " + " | ".join(_cell(g["table"][n], what) for n in names)
            for what in measured]  # fmt: skip
    where = f"on {g['gpu']}" if g["gpu"] else "on CPU only: no GPU was at hand"
    said = (
        f"{thousands(g['rows'])} rows x {g['features']} float32 features, "
        f"{g['hidden']} hidden units, measured {where} ({machine(g)}). "
        "A dash: not run (MLPClassifier has no Array API support; a default "
        "fit runs on the CPU only when asked)."
    )
    return prose(said) + "\n" + table("what | " + " | ".join(names), rows)


def _regression(r):
    """regression_defaults.py's result, its panel summary and its defaults' rows."""
    result = r["regression_defaults"]
    panel = result["summaries"]["panel"]
    default = next(label for label in panel if label.startswith("defaults"))
    return result, panel, default, default.replace(", scaled", ", raw")


def _widest_best(summary, target="scaled"):
    """{width: label of its best mean R^2} of the grid rows for ``target``."""
    best = {}
    for label, row in summary.items():
        if row["alpha"] is None or row["target"] != target:
            continue
        width = row["hidden"][0]
        if width not in best or row["mean_r2"] > summary[best[width]]["mean_r2"]:
            best[width] = label
    return best


@block
def regression_run(r):
    """What regression_defaults.py ran, on what, and what it chose."""
    result, _, _, _ = _regression(r)
    groups, chosen = result["groups"], result["recommended"]
    skipped = (
        f"; {words(result['skipped'])}, not on the machine that ran it, was left out"
        if result["skipped"]
        else ""
    )
    rule = (
        "among the rows within 0.02 of each data set's best on average, 0.05 on "
        "every one, and without ConvergenceWarning"
        if chosen["rule"] == "ok"
        else "among the rows without ConvergenceWarning, since no row came within "
        "0.02 of each data set's best on average and 0.05 on every one"
    )
    return prose(
        f"`{result['command']}` cross-validates ({result['cv']['n_splits']} "
        f"folds, fold i's models seeded with i) `ScratchMLPRegressor` with "
        f"L-BFGS at {len(result['alphas'])} values of `alpha` from "
        f"{min(result['alphas']):g} to {max(result['alphas']):g} and one hidden "
        f"layer of {words(str(h[0]) for h in result['hidden'])} units, each after "
        f"a `StandardScaler` and on the standardised target, on a panel of "
        f"{len(groups['panel'])} data sets ({words(groups['panel'])}{skipped}), "
        f"and reports them on {len(groups['hold-out'])} more the choice was not "
        f"made on ({words(groups['hold-out'])}), in about "
        f"{result['wall_seconds'] / 60:.0f} minutes ({machine(result)}).\n\n"
        f"It chose `hidden_layer_sizes=({chosen['hidden'][0]},)` and "
        f"`alpha={chosen['alpha']:g}`: the best `alpha` of the narrowest layer "
        f"whose best mean R^2 is within 0.01 of the best of all, {rule}."
    )


@block
def regression_table(r):
    """The references and each width's best row, panel and hold-out."""
    result, panel, _, _ = _regression(r)
    holdout = result["summaries"].get("hold-out", {})
    labels = [label for label, row in panel.items() if row["alpha"] is None]
    labels += sorted(_widest_best(panel).values(), key=lambda lab: panel[lab]["hidden"])
    rows = []
    for label in labels:
        p, h = panel[label], holdout.get(label)
        cells = [
            f"`{label}`",
            f"{p['mean_r2']:.3f}",
            f"{p['mean_shortfall']:.3f}",
            f"{p['worst_shortfall']:.3f} ({p['worst_dataset']})",
            f"{p['convergence_warnings']}/{p['fits']}",
        ]
        cells += (
            [
                f"{h['mean_r2']:.3f}",
                f"{h['worst_shortfall']:.3f} ({h['worst_dataset']})",
            ]
            if h
            else ["", ""]
        )
        rows.append(" | ".join(cells))
    header = "model | panel: mean R^2 | mean shortfall | worst shortfall | "
    header += "ConvergenceWarnings | hold-out: mean R^2 | worst shortfall"
    return table(header, rows)


@block
def regression_target_scaling(r):
    """Each data set with a raw and a standardised target."""
    effect = r["regression_defaults"]["target_scaling"]
    rows = [
        f"{name} | {e['target_sd']:.3g} | {e['best_raw']['r2']:.3f} "
        f"({e['best_raw']['alpha']:g}) | {e['best_scaled']['r2']:.3f} "
        f"({e['best_scaled']['alpha']:g}) | {e['defaults_raw']:.3f} | "
        f"{e['defaults_scaled']:.3f} | {e['mlp_raw']:.3f} | {e['mlp_scaled']:.3f}"
        for name, e in effect.items()
    ]
    header = "data set | target sd | best `alpha`, raw | best `alpha`, scaled | "
    header += "defaults, raw | defaults, scaled | MLPRegressor(), raw | "
    return table(header + "MLPRegressor(), scaled", rows)


@block
def regression_summary(r):
    """The defaults against the references, in one paragraph (the README's)."""
    result, panel, default, raw = _regression(r)
    names = result["groups"]["panel"]

    def mean(label):
        return f"{panel[label]['mean_r2']:.3f}"

    effect = result["target_scaling"]
    gains = [effect[n]["defaults_scaled"] - effect[n]["defaults_raw"] for n in names]
    return prose(
        f"On the {len(names)} data sets of the panel the defaults, with the "
        f"target standardised, reach a mean R^2 of {mean(default)} "
        f"(`RidgeCV()` {mean('RidgeCV()')}, `HistGradientBoostingRegressor()` "
        f"{mean('HistGradientBoostingRegressor()')}, `MLPRegressor()` "
        f"{mean('MLPRegressor(), raw')} on the raw target and "
        f"{mean('MLPRegressor(), scaled')} on the standardised one), within "
        f"{panel[default]['mean_shortfall']:.3f} on average of each data set's "
        f"best grid row. On the raw target they reach {mean(raw)}: standardising "
        f"it changes their R^2 by {min(gains):+.3f} to {max(gains):+.3f} per "
        f"data set."
    )


def pages(root=ROOT):
    """The pages that may hold blocks: README.md and the docs' Markdown pages."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def markers(text):
    """Problems with a page's markers: unpaired, nested, or without a renderer."""
    problems, open_name = [], None
    for kind, name in MARKER.findall(text):
        if kind == "begin" and open_name:
            problems.append(f"begin:{name} inside {open_name}")
        if kind == "end" and name != open_name:
            problems.append(f"end:{name} without its begin")
        open_name = name if kind == "begin" else None
        if name not in RENDERERS:
            problems.append(f"no renderer for {name}")
    return problems + ([f"begin:{open_name} without its end"] if open_name else [])


def render(text, results):
    """The text with every block rendered from ``results``."""
    rendered = "<!-- begin:{0} -->\n{1}<!-- end:{0} -->\n"
    return BLOCK.sub(lambda m: rendered.format(m[1], RENDERERS[m[1]](results)), text)


def stale(text, results):
    """The names of the blocks whose text differs from their rendering."""
    return [m[1] for m in BLOCK.finditer(text) if RENDERERS[m[1]](results) != m[2]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="name the stale blocks, exit with 1 if any (default: off, rewrite them)",
    )
    parser.add_argument(
        "--results",
        default=str(RESULTS),
        metavar="FOLDER",
        help="the folder of the JSON results (default: benchmarks/results)",
    )
    args = parser.parse_args(argv)
    results, changed = load(args.results), []
    for page in pages():
        text = page.read_text(encoding="utf-8")
        if problems := markers(text):
            sys.exit(f"{page.relative_to(ROOT)}: {'; '.join(problems)}")
        if names := stale(text, results):
            changed += [f"{page.relative_to(ROOT)}: {name}" for name in names]
            if not args.check:
                page.write_text(render(text, results), encoding="utf-8")
    for name in changed:
        print(f"{'stale' if args.check else 'rendered'}: {name}")
    return 1 if changed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
