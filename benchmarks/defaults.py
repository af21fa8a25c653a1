"""The evidence behind ScratchMLPClassifier's default alpha and solver rule.

Part one (always): every candidate model is cross-validated on a panel of
data sets, the one the default ``alpha`` is chosen on, and on a separate
hold-out group of data sets it is not chosen on (reported, never used to
choose). Each model sits in ``make_pipeline(SimpleImputer(strategy="median"),
StandardScaler(), model)`` and is scored with
``RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=0)``:
accuracy, log loss, ConvergenceWarnings (and any other warning) per fit, fit
time. The candidates are the current default, L-BFGS at a grid of ``alpha``,
LogisticRegression() as a reference and, when it can be imported,
ScratchMLPClassifierCV. A candidate's shortfall on a data set is the best
grid alpha's mean accuracy there minus its own (an oracle: the best alpha is
picked on the very folds it is scored on). The recommended row is the
ScratchMLPClassifier row with the best mean panel accuracy among those within
2 points of the best on average, within 5 points on every panel data set, and
free of ConvergenceWarnings. A few grid alphas are also run with a higher
``max_iter`` (3000, the default; the grid runs with 1000), to see whether
1000 would be enough.

Part two (``--solvers``): for the ``solver='auto'`` rule, L-BFGS against Adam
(same alpha, the estimator's other defaults, printed in the table's title)
on make_classification data of 2 000 to 300 000 rows (and with a 64-unit
hidden layer up to 100 000 rows), on a stratified 75/25 train/test split:
fit time, test accuracy and log loss, n_iter_, ConvergenceWarnings.

Run: python benchmarks/defaults.py                 (part one, about 15 min)
     python benchmarks/defaults.py --solvers       (both parts)
     python benchmarks/defaults.py --quick         (seconds: 3 small data sets,
                                                   2 alphas, 3 folds)
     python benchmarks/defaults.py --datasets heart moons --alphas 1 3 13
     python benchmarks/defaults.py --solvers --skip-alpha
     ... --json results.json                       (every number, per fold)

Single process, one fit at a time. Times depend on this shared machine.
"""

import argparse
import json
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
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_blobs,
    make_circles,
    make_classification,
    make_friedman1,
    make_gaussian_quantiles,
    make_hastie_10_2,
    make_moons,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier
from sknnscratch.datasets import load_heart_disease

RANDOM_STATE = 0
"""Seeds every generator, every network's initial weights and the folds."""

# ---------------------------------------------------------------- data sets


def noisy_xor(n_samples=400, noise=0.25, random_state=RANDOM_STATE):
    """XOR of the signs of two standard normal features, then jittered.

    The label is taken from the clean point; Gaussian noise of standard
    deviation ``noise`` is then added to both features, so points near the
    axes cross the boundary.
    """
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n_samples, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(int)
    return X + noise * rng.standard_normal(X.shape), y


def spirals(n_samples=300, turns=1.5, noise=0.3, random_state=RANDOM_STATE):
    """Two interleaved Archimedean spirals, one per class, jittered.

    Each arm runs ``turns`` times round the origin, radius growing linearly
    from 0.5 to ``0.5 + 2 * turns``; Gaussian noise of standard deviation
    ``noise`` on both coordinates.
    """
    rng = np.random.default_rng(random_state)
    y = np.arange(n_samples) % 2
    angle = rng.uniform(0, 2 * np.pi * turns, n_samples)
    radius = 0.5 + 2 * angle / (2 * np.pi)
    angle = angle + np.pi * y
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X + noise * rng.standard_normal(X.shape), y


def word_counts(
    n_samples=800, n_words=200, words_per_row=12, random_state=RANDOM_STATE
):
    """A sparse-ish bag of words: about 94 % of the counts are zero.

    Two classes, each with its own word frequencies: a shared Dirichlet
    background, of which 20 words are made 4 times more frequent for class 1
    and 20 others for class 0. Each row draws ``words_per_row`` words
    (Poisson) from its class's frequencies.
    """
    rng = np.random.default_rng(random_state)
    background = rng.dirichlet(np.full(n_words, 0.5))
    frequencies = np.tile(background, (2, 1))
    favoured = rng.permutation(n_words)[:40]
    frequencies[0, favoured[:20]] *= 4
    frequencies[1, favoured[20:]] *= 4
    frequencies /= frequencies.sum(axis=1, keepdims=True)
    y = rng.permutation(np.arange(n_samples) % 2)
    lengths = rng.poisson(words_per_row, n_samples)
    X = np.array(
        [
            rng.multinomial(n, frequencies[label])
            for n, label in zip(lengths, y, strict=True)
        ],
        dtype=float,
    )
    return X, y


def friedman_above_median(n_samples=500, noise=1.0, random_state=RANDOM_STATE):
    """make_friedman1 (10 features, 5 used, non-linear) cut at its median."""
    X, target = make_friedman1(
        n_samples=n_samples, n_features=10, noise=noise, random_state=random_state
    )
    return X, (target > np.median(target)).astype(int)


def hastie_subsample(n_samples=2_000, random_state=RANDOM_STATE):
    """make_hastie_10_2: 10 Gaussian features, y = 1 where sum x^2 > 9.34."""
    X, y = make_hastie_10_2(n_samples=n_samples, random_state=random_state)
    return X, (y > 0).astype(int)


@dataclass(frozen=True)
class Dataset:
    name: str
    load: object  # () -> (X, y)
    description: str


PANEL = [
    Dataset(
        "heart",
        lambda: load_heart_disease(return_X_y=True),
        "UCI Cleveland heart disease, 303 x 13, 6 NaN, binary (num > 0)",
    ),
    Dataset(
        "breast_cancer",
        lambda: load_breast_cancer(return_X_y=True),
        "load_breast_cancer, 569 x 30, binary",
    ),
    Dataset(
        "iris", lambda: load_iris(return_X_y=True), "load_iris, 150 x 4, 3 classes"
    ),
    Dataset(
        "wine", lambda: load_wine(return_X_y=True), "load_wine, 178 x 13, 3 classes"
    ),
    Dataset(
        "digits",
        lambda: load_digits(return_X_y=True),
        "load_digits, 1797 x 64, 10 classes",
    ),
    Dataset(
        "xor",
        lambda: noisy_xor(n_samples=400, noise=0.25),
        "noisy_xor(n_samples=400, noise=0.25): sign XOR of 2 normals, jittered",
    ),
    Dataset(
        "moons",
        lambda: make_moons(n_samples=300, noise=0.3, random_state=RANDOM_STATE),
        "make_moons(n_samples=300, noise=0.3)",
    ),
    Dataset(
        "circles",
        lambda: make_circles(
            n_samples=300, noise=0.1, factor=0.5, random_state=RANDOM_STATE
        ),
        "make_circles(n_samples=300, noise=0.1, factor=0.5)",
    ),
    Dataset(
        "classif_2k",
        lambda: make_classification(
            n_samples=2_000,
            n_features=20,
            n_informative=10,
            n_redundant=5,
            random_state=RANDOM_STATE,
        ),  # fmt: skip
        "make_classification(n_samples=2000, n_features=20, n_informative=10, "
        "n_redundant=5)",
    ),
    Dataset(
        "classif_20k",
        lambda: make_classification(
            n_samples=20_000,
            n_features=20,
            n_informative=10,
            n_redundant=5,
            random_state=RANDOM_STATE,
        ),  # fmt: skip
        "make_classification(n_samples=20000, n_features=20, n_informative=10, "
        "n_redundant=5)",
    ),
    Dataset(
        "imbalanced",
        lambda: make_classification(
            n_samples=1_000,
            n_features=10,
            n_informative=5,
            weights=[0.9],
            flip_y=0.01,
            random_state=RANDOM_STATE,
        ),  # fmt: skip
        "make_classification(n_samples=1000, n_features=10, n_informative=5, "
        "weights=[0.9], flip_y=0.01): 9 to 1",
    ),
    Dataset(
        "quantiles",
        lambda: make_gaussian_quantiles(
            n_samples=500, n_features=4, n_classes=2, random_state=RANDOM_STATE
        ),
        "make_gaussian_quantiles(n_samples=500, n_features=4, n_classes=2): "
        "inside or outside a 4-d sphere",
    ),
]
"""The data sets the default alpha is chosen on."""

HOLDOUT = [
    Dataset(
        "hastie",
        lambda: hastie_subsample(n_samples=2_000),
        "make_hastie_10_2(n_samples=2000): 10 normals, sum x^2 > 9.34",
    ),
    Dataset(
        "spirals",
        lambda: spirals(n_samples=300, turns=1.5, noise=0.3),
        "spirals(n_samples=300, turns=1.5, noise=0.3): two interleaved arms",
    ),
    Dataset(
        "blobs_overlap",
        lambda: make_blobs(
            n_samples=300,
            n_features=5,
            centers=4,
            cluster_std=3.0,
            random_state=RANDOM_STATE,
        ),  # fmt: skip
        "make_blobs(n_samples=300, n_features=5, centers=4, cluster_std=3.0): "
        "4 overlapping classes",
    ),
    Dataset(
        "redundant_flip",
        lambda: make_classification(
            n_samples=1_000,
            n_features=40,
            n_informative=4,
            n_redundant=30,
            flip_y=0.1,
            random_state=RANDOM_STATE,
        ),  # fmt: skip
        "make_classification(n_samples=1000, n_features=40, n_informative=4, "
        "n_redundant=30, flip_y=0.1)",
    ),
    Dataset(
        "multiclass",
        lambda: make_classification(
            n_samples=1_500,
            n_features=15,
            n_informative=8,
            n_classes=5,
            n_clusters_per_class=2,
            random_state=RANDOM_STATE,
        ),  # fmt: skip
        "make_classification(n_samples=1500, n_features=15, n_informative=8, "
        "n_classes=5, n_clusters_per_class=2)",
    ),
    Dataset(
        "word_counts",
        lambda: word_counts(n_samples=800, n_words=200, words_per_row=12),
        "word_counts(n_samples=800, n_words=200, words_per_row=12): Poisson "
        "bag of words, ~94% zeros",
    ),
    Dataset(
        "friedman",
        lambda: friedman_above_median(n_samples=500, noise=1.0),
        "make_friedman1(n_samples=500, noise=1.0) > its median",
    ),
]
"""Data sets nobody chose anything on: reported, never used to choose."""

QUICK_DATASETS = ["heart", "moons", "spirals"]
DATASETS = {dataset.name: dataset for dataset in PANEL + HOLDOUT}

# --------------------------------------------------------------- candidates

ALPHAS = [1e-4, 1e-3, 1e-2, 0.1, 0.3, 1, 2, 3, 5, 10, 13, 30]
QUICK_ALPHAS = [0.1, 13]


@dataclass(frozen=True)
class Candidate:
    label: str
    make: object  # () -> an unfitted classifier
    alpha: float | None = None  # set for the ScratchMLPClassifier rows that vary it
    in_grid: bool = False  # the rows each data set's best alpha is taken from


def alpha_candidate(alpha, max_iter=1000):
    """L-BFGS at ``alpha``; the grid rows keep the default ``max_iter``."""
    in_grid = max_iter == 1000
    return Candidate(
        f"lbfgs alpha={alpha:g}" + ("" if in_grid else f", max_iter={max_iter}"),
        lambda: ScratchMLPClassifier(
            solver="lbfgs", alpha=alpha, max_iter=max_iter, random_state=RANDOM_STATE
        ),
        alpha=alpha,
        in_grid=in_grid,
    )


LONGER_MAX_ITER = 3000
LONGER_ALPHAS = [1, 2, 3, 5]
"""Grid alphas also run with a higher ``max_iter``: does it end the warnings?"""

_DEFAULTS = ScratchMLPClassifier().get_params()
REFERENCES = [
    Candidate(
        f"defaults (alpha={_DEFAULTS['alpha']:g}, {_DEFAULTS['solver']})",
        lambda: ScratchMLPClassifier(random_state=RANDOM_STATE),
    ),
    Candidate("LogisticRegression()", LogisticRegression),
]
"""Rows besides the alpha grid; one line adds another."""

try:
    from sknnscratch import ScratchMLPClassifierCV
except ImportError:
    pass
else:
    REFERENCES.append(
        Candidate(
            "ScratchMLPClassifierCV()",
            lambda: ScratchMLPClassifierCV(random_state=RANDOM_STATE),
        )
    )


def candidates(alphas):
    return (
        REFERENCES
        + [alpha_candidate(alpha) for alpha in alphas]
        + [
            alpha_candidate(alpha, LONGER_MAX_ITER)
            for alpha in alphas
            if alpha in LONGER_ALPHAS
        ]
    )


# ------------------------------------------------------------ measurements


def pipeline(model):
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), model)


def iterations(model):
    """The fitted model's n_iter_ (the largest, where it has one per class)."""
    n_iter = getattr(model, "n_iter_", None)
    return None if n_iter is None else int(np.max(n_iter))


def cross_validate(candidate, X, y, cv):
    """Per-fold accuracy, log loss, warnings and fit seconds of one candidate."""
    folds = {
        "accuracy": [],
        "log_loss": [],
        "convergence_warnings": [],
        "seconds": [],
        "n_iter": [],
    }
    other_warnings = []
    for train, test in cv.split(X, y):
        model = pipeline(candidate.make())
        seconds, convergence, others = fit_counting_warnings(model, X[train], y[train])
        probabilities = model.predict_proba(X[test])
        folds["accuracy"].append(accuracy_score(y[test], model.predict(X[test])))
        folds["log_loss"].append(
            log_loss(y[test], probabilities, labels=model.classes_)
        )
        folds["convergence_warnings"].append(convergence)
        folds["seconds"].append(seconds)
        folds["n_iter"].append(iterations(model[-1]))
        other_warnings.extend(others)
    return {
        "accuracy": statistics.fmean(folds["accuracy"]),
        "accuracy_sd": statistics.stdev(folds["accuracy"]),
        "log_loss": statistics.fmean(folds["log_loss"]),
        "convergence_warnings": sum(folds["convergence_warnings"]),
        "fits": len(folds["accuracy"]),
        "seconds": sum(folds["seconds"]),
        "max_n_iter": max(folds["n_iter"], default=None, key=lambda n: n or 0),
        "other_warnings": sorted(set(other_warnings)),
        "folds": folds,
    }


def add_shortfalls(rows):
    """Each row's shortfall from the best grid alpha; return that best."""
    grid = {label: row for label, row in rows.items() if row["in_grid"]}
    best_label = max(grid, key=lambda label: grid[label]["accuracy"])
    best = grid[best_label]
    for row in rows.values():
        row["shortfall"] = best["accuracy"] - row["accuracy"]
    return {"label": best_label, "alpha": best["alpha"], "accuracy": best["accuracy"]}


def study_dataset(dataset, candidate_list, cv):
    X, y = dataset.load()
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    print(
        f"\n### {dataset.name}: {dataset.description}\n"
        f"{X.shape[0]} rows, {X.shape[1]} features, {len(classes)} classes "
        f"(smallest {counts.min() / counts.sum():.0%})\n",
        flush=True,
    )
    rows = {}
    for candidate in candidate_list:
        rows[candidate.label] = {
            "alpha": candidate.alpha,
            "in_grid": candidate.in_grid,
        }
        rows[candidate.label].update(cross_validate(candidate, X, y, cv))
    best = add_shortfalls(rows)
    print_dataset_table(rows, best)
    return {
        "description": dataset.description,
        "shape": list(X.shape),
        "n_classes": len(classes),
        "best_alpha": best,
        "candidates": rows,
    }


def summarise(results, names, candidate_list):
    """Per candidate over the data sets ``names``."""
    summary = {}
    for candidate in candidate_list:
        rows = {name: results[name]["candidates"][candidate.label] for name in names}
        summary[candidate.label] = {
            "alpha": candidate.alpha,
            "in_grid": candidate.in_grid,
            "mean_accuracy": statistics.fmean(r["accuracy"] for r in rows.values()),
            "mean_log_loss": statistics.fmean(r["log_loss"] for r in rows.values()),
            **panel_record(rows),
        }
    return summary


def recommend(summary):
    """The ScratchMLPClassifier row with the best mean accuracy among the ok ones."""
    fine = [
        label
        for label, row in summary.items()
        if row["alpha"] is not None and acceptable(row)
    ]
    if not fine:
        return None
    best = max(fine, key=lambda label: summary[label]["mean_accuracy"])
    return {"label": best, "alpha": summary[best]["alpha"]}


# ----------------------------------------------------------------- printing


def print_dataset_table(rows, best):
    print(
        "| model | accuracy | sd | shortfall | log loss | ConvergenceWarnings | "
        "largest n_iter_ | fit s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, row in rows.items():
        print(
            f"| {label} | {row['accuracy']:.4f} | {row['accuracy_sd']:.3f} | "
            f"{100 * row['shortfall']:+.1f} | {row['log_loss']:.4f} | "
            f"{row['convergence_warnings']}/{row['fits']} | {row['max_n_iter']} | "
            f"{row['seconds']:.2f} |"
        )
    print(f"| best alpha: {best['alpha']:g} | {best['accuracy']:.4f} | | | | | | |")
    for label, row in rows.items():
        for message in row["other_warnings"]:
            print(f"WARNING during fits of {label}: {message}")
    sys.stdout.flush()


def print_summary(title, summary, names):
    print(f"\n## Summary, {title}: {', '.join(names)}\n")
    print(
        "Shortfall: points of mean accuracy below the best grid alpha of each "
        "data set; 'ok' = mean shortfall <= "
        f"{100 * ACCEPTABLE_MEAN_SHORTFALL:g}, worst <= "
        f"{100 * ACCEPTABLE_WORST_SHORTFALL:g}, no ConvergenceWarning.\n"
    )
    print(
        "| model | mean accuracy | mean log loss | mean shortfall | "
        "worst shortfall | ConvergenceWarnings | largest n_iter_ | fit s | ok |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, row in summary.items():
        print(
            f"| {label} | {row['mean_accuracy']:.4f} | {row['mean_log_loss']:.4f} | "
            f"{100 * row['mean_shortfall']:.2f} | "
            f"{100 * row['worst_shortfall']:.1f} ({row['worst_dataset']}) | "
            f"{row['convergence_warnings']}/{row['fits']} | "
            f"{row['max_n_iter']} | {row['seconds']:.1f} | "
            f"{'yes' if acceptable(row) else 'no'} |"
        )
    sys.stdout.flush()


def print_best_alphas(results, names):
    print("\nBest grid alpha per data set: " + ", ".join(
        f"{name} {results[name]['best_alpha']['alpha']:g}" for name in names
    ))  # fmt: skip


# ------------------------------------------------------------- alpha study


def alpha_study(dataset_names, alphas, cv):
    candidate_list = candidates(alphas)
    results = {}
    for name in dataset_names:
        results[name] = study_dataset(DATASETS[name], candidate_list, cv)
    panel = [name for name in dataset_names if DATASETS[name] in PANEL]
    holdout = [name for name in dataset_names if DATASETS[name] in HOLDOUT]
    summaries = {}
    for title, names in (("panel (alpha chosen here)", panel),
                         ("hold-out (not chosen on)", holdout)):  # fmt: skip
        if names:
            key = title.split()[0]
            summaries[key] = summarise(results, names, candidate_list)
            print_summary(title, summaries[key], names)
            print_best_alphas(results, names)
    recommended = recommend(summaries["panel"]) if panel else None
    if panel:
        print(
            "\nRecommended (best mean panel accuracy among the 'ok' "
            "ScratchMLPClassifier rows): "
            + ("none is ok" if recommended is None else recommended["label"])
        )
    return {
        "datasets": results,
        "groups": {"panel": panel, "hold-out": holdout},
        "summaries": summaries,
        "recommended": recommended,
    }


# ------------------------------------------------------------ solver study

SOLVER_CASES = [  # rows, hidden_layer_sizes
    *((n, (8,)) for n in (2_000, 20_000, 50_000, 100_000, 300_000)),
    *((n, (64,)) for n in (2_000, 20_000, 100_000)),  # 8 times the parameters
]
QUICK_SOLVER_CASES = [(2_000, (8,)), (5_000, (8,))]
SOLVER_REPEATS = 3
"""Fits per case: the time reported is their median (the fits are identical)."""


def solver_study(cases, alpha, repeats=SOLVER_REPEATS):
    """L-BFGS against Adam at the estimator's defaults, growing data."""
    print(
        f"\n## Solvers: make_classification(n_features=20, n_informative=10, "
        f"n_redundant=5), 75/25 split, alpha={alpha:g}, other parameters at "
        f"the defaults (max_iter={_DEFAULTS['max_iter']}, tol={_DEFAULTS['tol']:g}, "
        f"n_iter_no_change={_DEFAULTS['n_iter_no_change']}); fit s "
        f"is the median of {repeats} identical fits\n"
    )
    print(
        "| rows | hidden | parameters | solver | fit s | test accuracy | "
        "test log loss | n_iter_ | s per iteration | ConvergenceWarnings |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    results = []
    for n, hidden in cases:
        X, y = make_classification(
            n_samples=n, n_features=20, n_informative=10, n_redundant=5,
            random_state=RANDOM_STATE,
        )  # fmt: skip
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.25, stratify=y, random_state=RANDOM_STATE
        )
        for solver in ("lbfgs", "adam"):
            times = []
            for _ in range(repeats):
                model = pipeline(
                    ScratchMLPClassifier(
                        hidden_layer_sizes=hidden,
                        solver=solver,
                        alpha=alpha,
                        random_state=RANDOM_STATE,
                    )
                )
                seconds, convergence, others = fit_counting_warnings(
                    model, X_train, y_train
                )
                times.append(seconds)
            seconds = statistics.median(times)
            network = model[-1]
            row = {
                "rows": n,
                "hidden_layer_sizes": list(hidden),
                "n_parameters": sum(
                    w.size for w in network.coefs_ + network.intercepts_
                ),
                "solver": solver,
                "seconds": seconds,
                "all_seconds": times,
                "accuracy": accuracy_score(y_test, model.predict(X_test)),
                "log_loss": log_loss(y_test, model.predict_proba(X_test)),
                "n_iter": network.n_iter_,
                "convergence_warnings": convergence,
                "other_warnings": others,
            }
            results.append(row)
            print(
                f"| {n:,} | {hidden} | {row['n_parameters']} | {solver} | "
                f"{seconds:.2f} | {row['accuracy']:.4f} | {row['log_loss']:.4f} | "
                f"{row['n_iter']} | {seconds / row['n_iter']:.3g} | {convergence} |",
                flush=True,
            )
            for message in others:
                print(f"WARNING during the fit: {message}")
    return results


# -------------------------------------------------------------------- main


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"data sets {' '.join(QUICK_DATASETS)}, alphas "
        f"{' '.join(f'{a:g}' for a in QUICK_ALPHAS)}, 3 folds once; with "
        f"--solvers, {' and '.join(f'{n:,}' for n, _ in QUICK_SOLVER_CASES)} rows "
        "(default: off: the panel and hold-out data sets, the full grid, 5 folds "
        "x 3 repeats)",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=list(DATASETS),
        metavar="NAME",
        help=f"only these data sets, from: {' '.join(DATASETS)} (default: those "
        "of the panel and the hold-out group, or --quick's)",
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
        "--solvers",
        action="store_true",
        help="also run part two, lbfgs against adam (default: off)",
    )
    parser.add_argument(
        "--skip-alpha",
        action="store_true",
        help="leave out part one, the alpha study, with --solvers (default: off)",
    )
    parser.add_argument(
        "--solver-alpha",
        type=float,
        metavar="ALPHA",
        help="alpha of the solver comparison (default: the recommended alpha "
        "when the alpha study ran on the panel and found one, else the "
        "estimator's default)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="also save every number, per fold, as JSON (default: none, print only)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_arguments(argv)
    start = time.perf_counter()
    print(
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}; "
        f"command: defaults.py {' '.join(sys.argv[1:] if argv is None else argv)}"
    )
    output = {"arguments": {k: str(v) for k, v in vars(args).items()}}
    recommended = None
    if not args.skip_alpha:
        names = args.datasets or (
            QUICK_DATASETS if args.quick else [d.name for d in PANEL + HOLDOUT]
        )
        alphas = args.alphas or (QUICK_ALPHAS if args.quick else ALPHAS)
        n_splits, n_repeats = (3, 1) if args.quick else (5, 3)
        cv = RepeatedStratifiedKFold(
            n_splits=n_splits, n_repeats=n_repeats, random_state=RANDOM_STATE
        )
        print(
            f"\n# Alpha: RepeatedStratifiedKFold(n_splits={n_splits}, "
            f"n_repeats={n_repeats}, random_state={RANDOM_STATE}), every model "
            "after SimpleImputer(strategy='median') and StandardScaler(); "
            "accuracy and log loss are means over the folds, sd their "
            "standard deviation, fit s the total over the folds"
        )
        output["alpha"] = alpha_study(names, alphas, cv)
        output["alpha"]["cv"] = {"n_splits": n_splits, "n_repeats": n_repeats}
        recommended = output["alpha"]["recommended"]
    if args.solvers:
        alpha = (
            args.solver_alpha
            if args.solver_alpha is not None
            else (recommended["alpha"] if recommended else _DEFAULTS["alpha"])
        )
        cases = QUICK_SOLVER_CASES if args.quick else SOLVER_CASES
        output["solvers"] = solver_study(cases, alpha, 1 if args.quick else 3)
    output["wall_seconds"] = time.perf_counter() - start
    print(f"\nWall time: {output['wall_seconds']:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(output, indent=1) + "\n")
    return output


if __name__ == "__main__":
    main()
