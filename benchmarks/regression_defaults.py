"""The evidence behind ScratchMLPRegressor's default alpha and width, and the
advice on scaling the target.

Every candidate model is cross-validated on a panel of regression data sets,
the one the defaults are chosen on, and on a small hold-out group they are
not chosen on (reported, never used to choose). Each model sits in
``make_pipeline(StandardScaler(), model)`` and is scored with
``KFold(n_splits=5, shuffle=True, random_state=0)``: R^2 on the held-out fold
(the mean over the columns for several targets), ConvergenceWarnings (and
any other warning) per fit, fit time, iterations.

The candidates: ScratchMLPRegressor (L-BFGS, the other parameters at their
defaults) at a grid of ``alpha`` and ``hidden_layer_sizes``, its target
standardised by ``TransformedTargetRegressor(transformer=StandardScaler())``
(the "scaled" rows); the same grid on the raw target for the default width
(the "raw" rows), which measures what the target's scale does; and as
references MLPRegressor() (raw and scaled target), RidgeCV() and
HistGradientBoostingRegressor() (one per column for several targets), plus
ScratchMLPRegressorCV() where it can be imported.

A candidate's shortfall on a data set is the best scaled grid row's mean R^2
there minus its own (an oracle: the best is picked on the very folds it is
scored on). A row is 'ok' when it is within 0.02 of the best on average,
within 0.05 on every panel data set, and free of ConvergenceWarnings. The
recommended row is, among the ok scaled ScratchMLPRegressor rows (or, where
none is ok, those free of ConvergenceWarnings), the best alpha of the
narrowest hidden layer whose best mean panel R^2 is within 0.01 of the best
of all: a wider layer must earn its cost. Fold i seeds every model of that
fold with random_state=i, so the mean over the folds also averages over
initial weights.

Run: python benchmarks/regression_defaults.py          (about 10 min; stores
                                                       its JSON in
                                                       benchmarks/results/)
     python benchmarks/regression_defaults.py --quick  (seconds: 3 small data
                                                       sets, 2 alphas, 3 folds)
     ... --datasets diabetes sine --alphas 0.1 1 --hidden 8 32
     ... --output FOLDER                               (the JSON elsewhere)

Single process, one fit at a time. Times depend on this shared machine.
"""

import argparse
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from _panel import (
    ACCEPTABLE_MEAN_SHORTFALL,
    ACCEPTABLE_WORST_SHORTFALL,
    acceptable,
    fit_counting_warnings,
    panel_record,
)
from _results import RESULTS, load_average, save
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import (
    fetch_california_housing,
    load_diabetes,
    make_friedman1,
    make_friedman2,
    make_friedman3,
    make_regression,
    make_sparse_uncorrelated,
)
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPRegressor

RANDOM_STATE = 0
"""Seeds the data sets' generators and the folds; fold i's models get seed i."""

CALIFORNIA_ROWS = 2_000
"""California housing (20 640 rows) is subsampled to this many, when present."""

# ---------------------------------------------------------------- data sets


def noisy_sine(n_samples=300, noise=0.3, random_state=RANDOM_STATE):
    """y = sin(2x) + Gaussian noise, x uniform on [-3, 3]: one feature."""
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-3, 3, (n_samples, 1))
    return x, np.sin(2 * x[:, 0]) + noise * rng.standard_normal(n_samples)


def heavy_tailed(n_samples=500, df=3, random_state=RANDOM_STATE):
    """make_friedman1's signal plus Student-t noise with ``df`` degrees of freedom.

    With ``df=3`` the noise has a finite variance (3) but outliers a Gaussian
    would almost never draw: a squared error meets the heavy tail.
    """
    X, signal = make_friedman1(
        n_samples=n_samples, noise=0.0, random_state=random_state
    )
    rng = np.random.default_rng(random_state)
    return X, signal + rng.standard_t(df, n_samples)


def ripple(n_samples=500, noise=0.1, random_state=RANDOM_STATE):
    """y = sin(r) / r on the plane (r = 3 |x|, x uniform on [-2, 2]^2), noisy."""
    rng = np.random.default_rng(random_state)
    X = rng.uniform(-2, 2, (n_samples, 2))
    r = 3 * np.hypot(X[:, 0], X[:, 1])
    return X, np.sinc(r / np.pi) + noise * rng.standard_normal(n_samples)


def california():
    """California housing, subsampled; None where it was never downloaded."""
    try:
        X, y = fetch_california_housing(return_X_y=True, download_if_missing=False)
    except OSError:
        return None
    rows = np.random.default_rng(RANDOM_STATE).permutation(len(y))[:CALIFORNIA_ROWS]
    return X[rows], y[rows]


@dataclass(frozen=True)
class Dataset:
    name: str
    load: object  # () -> (X, y), or None when the data is not on this machine
    description: str


PANEL = [
    Dataset(
        "diabetes",
        lambda: load_diabetes(return_X_y=True),
        "load_diabetes, 442 x 10, disease progression (sd 77)",
    ),
    Dataset(
        "california",
        california,
        f"fetch_california_housing, {CALIFORNIA_ROWS} of 20640 rows x 8, only "
        "where downloaded before",
    ),
    Dataset(
        "friedman1",
        lambda: make_friedman1(n_samples=500, noise=1.0, random_state=RANDOM_STATE),
        "make_friedman1(n_samples=500, noise=1.0): 10 features, 5 used",
    ),
    Dataset(
        "friedman2",
        lambda: make_friedman2(n_samples=500, noise=50, random_state=RANDOM_STATE),
        "make_friedman2(n_samples=500, noise=50): 4 features, target sd ~ 400",
    ),
    Dataset(
        "friedman3",
        lambda: make_friedman3(n_samples=500, noise=0.1, random_state=RANDOM_STATE),
        "make_friedman3(n_samples=500, noise=0.1): 4 features, an arctangent",
    ),
    Dataset(
        "sine",
        lambda: noisy_sine(n_samples=300, noise=0.3),
        "noisy_sine(n_samples=300, noise=0.3): sin(2x) + noise, 1 feature",
    ),
    Dataset(
        "multi_output",
        lambda: make_regression(
            n_samples=500,
            n_features=10,
            n_informative=5,
            n_targets=3,
            noise=10.0,
            random_state=RANDOM_STATE,
        ),  # fmt: skip
        "make_regression(n_samples=500, n_features=10, n_informative=5, "
        "n_targets=3, noise=10): 3 linear targets",
    ),
    Dataset(
        "heavy_tailed",
        lambda: heavy_tailed(n_samples=500, df=3),
        "heavy_tailed(n_samples=500, df=3): make_friedman1's signal plus "
        "Student-t noise",
    ),
]
"""The data sets the defaults are chosen on."""

HOLDOUT = [
    Dataset(
        "ripple",
        lambda: ripple(n_samples=500, noise=0.1),
        "ripple(n_samples=500, noise=0.1): sin(r) / r on the plane",
    ),
    Dataset(
        "sparse_linear",
        lambda: make_sparse_uncorrelated(n_samples=500, random_state=RANDOM_STATE),
        "make_sparse_uncorrelated(n_samples=500): 10 features, 4 used, linear",
    ),
]
"""Data sets nobody chose anything on: reported, never used to choose."""

QUICK_DATASETS = ["diabetes", "sine", "ripple"]
DATASETS = {dataset.name: dataset for dataset in PANEL + HOLDOUT}

# --------------------------------------------------------------- candidates

ALPHAS = [0.001, 0.01, 0.1, 0.3, 1, 2, 3, 5, 10, 30]
HIDDEN = [(8,), (16,), (32,), (64,)]
QUICK_ALPHAS = [0.1, 3]
QUICK_HIDDEN = [(8,)]  # and the default width, always run
_DEFAULTS = ScratchMLPRegressor().get_params()
DEFAULT_HIDDEN = tuple(_DEFAULTS["hidden_layer_sizes"])


def scaled(model):
    """``model`` learning the standardised target; predictions in its units."""
    return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())


@dataclass(frozen=True)
class Candidate:
    label: str
    make: object  # seed -> an unfitted regressor
    alpha: float | None = None  # set for the grid rows
    hidden: tuple | None = None
    target: str = "raw"  # or "scaled"
    multi_output: object = None  # seed -> the regressor for several targets

    @property
    def in_grid(self):
        """The rows each data set's best is taken from: scaled grid rows."""
        return self.alpha is not None and self.target == "scaled"


def grid_candidate(alpha, hidden, target):
    def make(seed):
        model = ScratchMLPRegressor(
            hidden_layer_sizes=hidden, solver="lbfgs", alpha=alpha, random_state=seed
        )
        return scaled(model) if target == "scaled" else model

    width = ",".join(map(str, hidden))
    return Candidate(
        f"{target} hidden=({width}) alpha={alpha:g}",
        make,
        alpha=alpha,
        hidden=tuple(hidden),
        target=target,
    )


def default_label(target):
    return f"defaults (alpha={_DEFAULTS['alpha']:g}, {_DEFAULTS['solver']}), {target}"


REFERENCES = [
    Candidate(
        default_label("scaled"),
        lambda seed: scaled(ScratchMLPRegressor(random_state=seed)),
        target="scaled",
    ),
    Candidate(
        default_label("raw"), lambda seed: ScratchMLPRegressor(random_state=seed)
    ),
    Candidate("MLPRegressor(), raw", lambda seed: MLPRegressor(random_state=seed)),
    Candidate(
        "MLPRegressor(), scaled",
        lambda seed: scaled(MLPRegressor(random_state=seed)),
        target="scaled",
    ),
    Candidate("RidgeCV()", lambda seed: RidgeCV()),
    Candidate(
        "HistGradientBoostingRegressor()",
        lambda seed: HistGradientBoostingRegressor(random_state=seed),
        multi_output=lambda seed: MultiOutputRegressor(
            HistGradientBoostingRegressor(random_state=seed)
        ),
    ),
]
"""Rows besides the grid; one line adds another."""

try:
    from sknnscratch import ScratchMLPRegressorCV
except ImportError:
    pass
else:
    REFERENCES.append(
        Candidate(
            "ScratchMLPRegressorCV(), scaled",
            lambda seed: scaled(ScratchMLPRegressorCV(random_state=seed)),
            target="scaled",
        )
    )


def candidates(alphas, hidden_sizes):
    """The references, the scaled grid, and the raw grid at the default width
    (with its scaled twin, which target_scaling compares it with, always)."""
    widths = sorted({*map(tuple, hidden_sizes), DEFAULT_HIDDEN})
    scaled_grid = [
        grid_candidate(alpha, hidden, "scaled") for hidden in widths for alpha in alphas
    ]
    raw_grid = [grid_candidate(alpha, DEFAULT_HIDDEN, "raw") for alpha in alphas]
    return REFERENCES + scaled_grid + raw_grid


# ------------------------------------------------------------ measurements

WIDER_MARGIN = 0.01
"""How much more mean panel R^2 a wider hidden layer must bring to be chosen."""


def iterations(model):
    """The fitted network's n_iter_ (through the target wrapper), else None."""
    model = getattr(model, "regressor_", model)
    n_iter = getattr(model, "n_iter_", None)
    return None if n_iter is None else int(np.max(n_iter))


def cross_validate(candidate, X, y, cv):
    """Per-fold R^2, warnings, iterations and fit seconds of one candidate."""
    make = candidate.multi_output if y.ndim > 1 and candidate.multi_output else None
    folds = {"r2": [], "convergence_warnings": [], "seconds": [], "n_iter": []}
    other_warnings = []
    for seed, (train, test) in enumerate(cv.split(X, y)):
        model = make_pipeline(StandardScaler(), (make or candidate.make)(seed))
        seconds, convergence, others = fit_counting_warnings(model, X[train], y[train])
        folds["r2"].append(r2_score(y[test], model.predict(X[test])))
        folds["convergence_warnings"].append(convergence)
        folds["seconds"].append(seconds)
        folds["n_iter"].append(iterations(model[-1]))
        other_warnings.extend(others)
    return {
        "r2": statistics.fmean(folds["r2"]),
        "r2_sd": statistics.stdev(folds["r2"]),
        "convergence_warnings": sum(folds["convergence_warnings"]),
        "fits": len(folds["r2"]),
        "seconds": sum(folds["seconds"]),
        "max_n_iter": max(folds["n_iter"], default=None, key=lambda n: n or 0),
        "other_warnings": sorted(set(other_warnings)),
        "folds": folds,
    }


def add_shortfalls(rows):
    """Each row's shortfall from the best scaled grid row; return that best."""
    grid = {label: row for label, row in rows.items() if row["in_grid"]}
    best_label = max(grid, key=lambda label: grid[label]["r2"])
    best = grid[best_label]
    for row in rows.values():
        row["shortfall"] = best["r2"] - row["r2"]
    return {
        "label": best_label,
        "alpha": best["alpha"],
        "hidden": best["hidden"],
        "r2": best["r2"],
    }


def study_dataset(dataset, candidate_list, cv):
    X, y = dataset.load()
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    print(
        f"\n### {dataset.name}: {dataset.description}\n"
        f"{X.shape[0]} rows, {X.shape[1]} features, "
        f"{1 if y.ndim == 1 else y.shape[1]} target(s), target sd "
        f"{np.std(y, axis=0).mean():.3g}\n",
        flush=True,
    )
    rows = {}
    for candidate in candidate_list:
        rows[candidate.label] = {
            "alpha": candidate.alpha,
            "hidden": candidate.hidden,
            "target": candidate.target,
            "in_grid": candidate.in_grid,
        }
        rows[candidate.label].update(cross_validate(candidate, X, y, cv))
    best = add_shortfalls(rows)
    print_dataset_table(rows, best)
    return {
        "description": dataset.description,
        "shape": list(X.shape),
        "n_targets": 1 if y.ndim == 1 else y.shape[1],
        "target_sd": float(np.std(y, axis=0).mean()),
        "best": best,
        "candidates": rows,
    }


def summarise(results, names, candidate_list):
    """Per candidate over the data sets ``names``."""
    summary = {}
    for candidate in candidate_list:
        rows = {name: results[name]["candidates"][candidate.label] for name in names}
        summary[candidate.label] = {
            "alpha": candidate.alpha,
            "hidden": candidate.hidden,
            "target": candidate.target,
            "in_grid": candidate.in_grid,
            "mean_r2": statistics.fmean(r["r2"] for r in rows.values()),
            **panel_record(rows),
        }
    return summary


def recommend(summary):
    """The scaled grid row to take as the defaults, and the rule that chose it.

    Among the 'ok' rows (or, where none is ok, those free of
    ConvergenceWarnings), the narrowest hidden layer whose best mean R^2 is
    within WIDER_MARGIN of the best of all, at its best alpha.
    """
    grid = [label for label, row in summary.items() if row["in_grid"]]
    rule = "ok"
    eligible = [label for label in grid if acceptable(summary[label])]
    if not eligible:
        rule = "no ConvergenceWarning (none is ok)"
        eligible = [
            label for label in grid if not summary[label]["convergence_warnings"]
        ]
    if not eligible:
        return None

    def best_of(labels):
        return max(labels, key=lambda label: summary[label]["mean_r2"])

    top = summary[best_of(eligible)]["mean_r2"]
    for width in sorted({summary[label]["hidden"] for label in eligible}):
        best = best_of([lab for lab in eligible if summary[lab]["hidden"] == width])
        if top - summary[best]["mean_r2"] <= WIDER_MARGIN:
            row = summary[best]
            return {
                "label": best,
                "alpha": row["alpha"],
                "hidden": row["hidden"],
                "rule": rule,
            }
    return None  # unreachable: the widest best is within the margin of itself


def target_scaling(results, names, alphas):
    """Per data set: the best and the default-alpha R^2 with a raw and a
    scaled target (default width), and the alpha that was best for each."""
    effect = {}
    for name in names:
        rows = results[name]["candidates"]

        def best(target, rows=rows):
            grid = {label: row for label, row in rows.items()
                    if row["alpha"] is not None and row["target"] == target
                    and tuple(row["hidden"]) == DEFAULT_HIDDEN}  # fmt: skip
            label = max(grid, key=lambda label: grid[label]["r2"])
            return {"alpha": grid[label]["alpha"], "r2": grid[label]["r2"]}

        effect[name] = {
            "target_sd": results[name]["target_sd"],
            "best_raw": best("raw"),
            "best_scaled": best("scaled"),
            "defaults_raw": rows[default_label("raw")]["r2"],
            "defaults_scaled": rows[default_label("scaled")]["r2"],
            "mlp_raw": rows["MLPRegressor(), raw"]["r2"],
            "mlp_scaled": rows["MLPRegressor(), scaled"]["r2"],
        }
    return effect


# ----------------------------------------------------------------- printing


def print_dataset_table(rows, best):
    print(
        "| model | R^2 | sd | shortfall | ConvergenceWarnings | largest n_iter_ | "
        "fit s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, row in rows.items():
        print(
            f"| {label} | {row['r2']:.4f} | {row['r2_sd']:.3f} | "
            f"{row['shortfall']:+.4f} | {row['convergence_warnings']}/{row['fits']} "
            f"| {row['max_n_iter']} | {row['seconds']:.2f} |"
        )
    print(f"| best: {best['label']} | {best['r2']:.4f} | | | | | |")
    for label, row in rows.items():
        for message in row["other_warnings"]:
            print(f"WARNING during fits of {label}: {message}")
    sys.stdout.flush()


def print_summary(title, summary, names):
    print(f"\n## Summary, {title}: {', '.join(names)}\n")
    print(
        "Shortfall: R^2 below the best scaled grid row of each data set; 'ok' = "
        f"mean shortfall <= {ACCEPTABLE_MEAN_SHORTFALL:g}, worst <= "
        f"{ACCEPTABLE_WORST_SHORTFALL:g}, no ConvergenceWarning.\n"
    )
    print(
        "| model | mean R^2 | mean shortfall | worst shortfall | "
        "ConvergenceWarnings | largest n_iter_ | fit s | ok |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, row in summary.items():
        print(
            f"| {label} | {row['mean_r2']:.4f} | {row['mean_shortfall']:.4f} | "
            f"{row['worst_shortfall']:.4f} ({row['worst_dataset']}) | "
            f"{row['convergence_warnings']}/{row['fits']} | {row['max_n_iter']} | "
            f"{row['seconds']:.1f} | {'yes' if acceptable(row) else 'no'} |"
        )
    sys.stdout.flush()


def print_target_scaling(effect):
    print(
        "\n## Target scaling, default width: best grid R^2 (its alpha) with the "
        "raw and the standardised target; the defaults and MLPRegressor() both "
        "ways\n"
    )
    print(
        "| data set | target sd | best raw | best scaled | defaults raw | "
        "defaults scaled | MLPRegressor raw | MLPRegressor scaled |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, e in effect.items():
        print(
            f"| {name} | {e['target_sd']:.3g} | {e['best_raw']['r2']:.4f} "
            f"({e['best_raw']['alpha']:g}) | {e['best_scaled']['r2']:.4f} "
            f"({e['best_scaled']['alpha']:g}) | {e['defaults_raw']:.4f} | "
            f"{e['defaults_scaled']:.4f} | {e['mlp_raw']:.4f} | "
            f"{e['mlp_scaled']:.4f} |"
        )
    sys.stdout.flush()


# -------------------------------------------------------------------- main


def study(dataset_names, alphas, hidden_sizes, cv):
    candidate_list = candidates(alphas, hidden_sizes)
    results, skipped = {}, []
    for name in dataset_names:
        if DATASETS[name].load() is None:
            print(f"\n### {name}: not on this machine, skipped", flush=True)
            skipped.append(name)
            continue
        results[name] = study_dataset(DATASETS[name], candidate_list, cv)
    groups = {
        "panel": [d.name for d in PANEL if d.name in results],
        "hold-out": [d.name for d in HOLDOUT if d.name in results],
    }
    summaries = {}
    for key, title in (("panel", "panel (the defaults chosen here)"),
                       ("hold-out", "hold-out (not chosen on)")):  # fmt: skip
        if groups[key]:
            summaries[key] = summarise(results, groups[key], candidate_list)
            print_summary(title, summaries[key], groups[key])
    recommended = recommend(summaries["panel"]) if groups["panel"] else None
    if groups["panel"]:
        print(
            "\nRecommended (the narrowest width within "
            f"{WIDER_MARGIN:g} of the best mean panel R^2, at its best alpha): "
            + (
                "none"
                if recommended is None
                else f"{recommended['label']}, among the rows with "
                f"{recommended['rule']}"
            )
        )
    effect = target_scaling(results, list(results), alphas)
    print_target_scaling(effect)
    return {
        "datasets": results,
        "groups": groups,
        "skipped": skipped,
        "summaries": summaries,
        "recommended": recommended,
        "target_scaling": effect,
    }


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"data sets {' '.join(QUICK_DATASETS)}, alphas "
        f"{' '.join(f'{a:g}' for a in QUICK_ALPHAS)}, widths 8 and the default's, "
        "3 folds (default: "
        "off: the panel and hold-out data sets, the full grid, 5 folds)",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=list(DATASETS),
        metavar="NAME",
        help=f"only these data sets, from: {' '.join(DATASETS)} (default: all, or "
        "--quick's)",
    )
    parser.add_argument(
        "--alphas",
        nargs="+",
        type=float,
        metavar="ALPHA",
        help=f"the alpha grid (default: {' '.join(f'{a:g}' for a in ALPHAS)}, or "
        "--quick's)",
    )
    parser.add_argument(
        "--hidden",
        nargs="+",
        type=int,
        metavar="UNITS",
        help="the widths of the one hidden layer in the grid, the default's "
        f"always among them (default: {' '.join(str(h[0]) for h in HIDDEN)}, or "
        "--quick's)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FOLDER",
        help="store every number, per fold, in FOLDER/regression_defaults.json "
        "(default: benchmarks/results/ for a full run, nowhere with --quick)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_arguments(argv)
    start, load_at_start = time.perf_counter(), load_average()
    command = " ".join(sys.argv[1:] if argv is None else argv)
    print(
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}; "
        f"command: regression_defaults.py {command}"
    )
    names = args.datasets or (
        QUICK_DATASETS if args.quick else [d.name for d in PANEL + HOLDOUT]
    )
    alphas = args.alphas or (QUICK_ALPHAS if args.quick else ALPHAS)
    hidden = [(h,) for h in args.hidden] if args.hidden else (
        QUICK_HIDDEN if args.quick else HIDDEN
    )  # fmt: skip
    n_splits = 3 if args.quick else 5
    cv = KFold(n_splits=n_splits, shuffle=True, random_state=RANDOM_STATE)
    print(
        f"\n# KFold(n_splits={n_splits}, shuffle=True, random_state={RANDOM_STATE}), "
        "every model after StandardScaler(); R^2 is the mean over the folds, sd "
        "its standard deviation, fit s the total over the folds"
    )
    output = {"command": f"python benchmarks/regression_defaults.py {command}".strip()}
    output["alphas"] = alphas
    output["hidden"] = [list(h) for h in sorted({*hidden, DEFAULT_HIDDEN})]
    output["cv"] = {"n_splits": n_splits}
    output.update(study(names, alphas, hidden, cv))
    output["wall_seconds"] = time.perf_counter() - start
    print(f"\nWall time: {output['wall_seconds']:.0f} s")
    folder = args.output or (None if args.quick else RESULTS)
    if folder:
        save("regression_defaults", output, load_at_start, folder=folder)
    return output


if __name__ == "__main__":
    main()
