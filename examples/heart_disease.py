"""The 13-8-1 network on the UCI Cleveland heart-disease data.

What this example does, one progress line per stage:

1. cross-validates two pipelines ending in ScratchMLPClassifier with its
   defaults: the plain 13-input network (impute and scale all 13 columns) and
   one that one-hot encodes the categorical columns cp, restecg, slope, thal;
2. tunes hidden layer size, alpha and (for Adam) the learning rate with
   GridSearchCV;
3. compares, on the same 10 x 5 folds, ScratchMLPClassifier (defaults and
   tuned), scikit-learn's MLPClassifier((8,)) and LogisticRegression:
   accuracy, ROC AUC, fit time and ConvergenceWarnings;
4. draws the training loss curve, the ROC curves and the grid-search scores
   as PNG files (needs matplotlib: ``pip install ".[examples]"``).

Run: python examples/heart_disease.py [--output-dir DIR] [--quick]
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import (
    GridSearchCV,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_val_predict,
    cross_validate,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknnscratch import ScratchMLPClassifier
from sknnscratch.datasets import load_heart_disease

CATEGORICAL = ["cp", "restecg", "slope", "thal"]


def plain_pipeline(classifier):
    """Impute and scale all 13 columns: the literal 13-8-1 network."""
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), classifier)


def one_hot_pipeline(classifier, feature_names):
    """Impute and scale the numeric columns, one-hot encode the categorical ones."""
    numeric = [name for name in feature_names if name not in CATEGORICAL]
    preprocess = ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                numeric,
            ),
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                CATEGORICAL,
            ),
        ]
    )
    return make_pipeline(preprocess, classifier)


def evaluate(model, X, y, cv):
    """Cross-validate; return scores, mean fit time and ConvergenceWarnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        result = cross_validate(model, X, y, cv=cv, scoring=["accuracy", "roc_auc"])
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return {
        "accuracy": result["test_accuracy"],
        "roc_auc": result["test_roc_auc"],
        "fit_time": result["fit_time"].mean(),
        "warnings": n_warnings,
        "n_fits": len(result["fit_time"]),
    }


def print_table(rows):
    """One line per model: accuracy and ROC AUC as mean ± std, fit time, warnings."""
    print(
        f"    {'model':<34}{'accuracy':>16}{'ROC AUC':>16}"
        f"{'fit ms':>9}{'ConvergenceWarnings':>22}"
    )
    for name, r in rows.items():
        acc, auc = r["accuracy"], r["roc_auc"]
        print(
            f"    {name:<34}{acc.mean():>9.3f} ±{acc.std():.3f}"
            f"{auc.mean():>9.3f} ±{auc.std():.3f}"
            f"{1000 * r['fit_time']:>9.1f}{r['warnings']:>13} of {r['n_fits']}"
        )


def param_grid(quick):
    """L-BFGS over hidden size and alpha; Adam also over the learning rate.

    The quick grid (for the smoke test) has L-BFGS only.
    """
    prefix = "scratchmlpclassifier__"
    if quick:
        return {prefix + "hidden_layer_sizes": [(4,), (8,)], prefix + "alpha": [1, 13]}
    hidden = [(4,), (8,), (16,)]
    alphas = [0.1, 1.0, 3.0, 13.0, 30.0]
    rates = [0.003, 0.01, 0.03]
    return [
        {
            prefix + "hidden_layer_sizes": hidden,
            prefix + "alpha": alphas,
        },
        {
            prefix + "solver": ["adam"],
            prefix + "hidden_layer_sizes": hidden,
            prefix + "alpha": alphas,
            prefix + "learning_rate_init": rates,
            prefix + "max_iter": [300],
        },
    ]


def tune(X, y, quick):
    """GridSearchCV of the plain pipeline, scored by ROC AUC, on two cores."""
    search = GridSearchCV(
        plain_pipeline(ScratchMLPClassifier(random_state=0)),
        param_grid(quick),
        scoring="roc_auc",
        cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=1),
        n_jobs=2,
    )
    with warnings.catch_warnings():
        # Adam at a small learning rate may stop at max_iter; such candidates
        # simply score lower.
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    return search


def out_of_fold_probabilities(models, X, y):
    """Out-of-fold probabilities of the positive class, from one 10-fold split."""
    cv = StratifiedKFold(n_splits=10, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {
            name: cross_val_predict(model, X, y, cv=cv, method="predict_proba")[:, 1]
            for name, model in models.items()
        }


def save_pictures(output_dir, loss_curves, probabilities, y, search):
    """Loss curves, ROC curves and grid-search scores as PNG files."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            '    matplotlib is not installed (pip install ".[examples]"): no pictures'
        )
        return []
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, curve in loss_curves.items():
        ax.plot(np.arange(1, len(curve) + 1), curve, label=label)
    ax.set(
        xlabel="iteration (L-BFGS) or epoch (Adam)",
        ylabel="training objective (cross-entropy + L2)",
        title="13-8-1 network on the heart-disease data",
        xscale="log",
    )
    ax.legend()
    written.append(_save(fig, output_dir / "loss_curve.png"))

    fig, ax = plt.subplots(figsize=(5, 5))
    for name, proba in probabilities.items():
        fpr, tpr, _ = roc_curve(y, proba)
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(y, proba):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
    ax.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        title="ROC, out-of-fold predictions (10 folds)",
    )
    ax.legend(loc="lower right", fontsize="small")
    written.append(_save(fig, output_dir / "roc_curves.png"))

    fig, ax = plt.subplots(figsize=(6, 4))
    results = search.cv_results_
    prefix = "param_scratchmlpclassifier__"
    n_candidates = len(results["params"])
    solvers = np.array(
        [
            s if s is not np.ma.masked else "lbfgs"
            for s in results.get(prefix + "solver", ["lbfgs"] * n_candidates)
        ]
    )
    rates = np.array(
        [
            r if r is not np.ma.masked else np.nan
            for r in results.get(prefix + "learning_rate_init", [0] * n_candidates)
        ],
        dtype=float,
    )
    hidden = np.array([str(h) for h in results[prefix + "hidden_layer_sizes"]])
    alphas = np.array(results[prefix + "alpha"], dtype=float)
    scores = results["mean_test_score"]
    sizes = sorted(np.unique(hidden), key=lambda h: int(h.strip("(,)")))
    for h in sizes:
        chosen = (solvers == "lbfgs") & (hidden == h)
        ax.plot(alphas[chosen], scores[chosen], marker="o", label=f"lbfgs {h}")
    for h in sizes:
        adam = (solvers == "adam") & (hidden == h)
        if not adam.any():
            continue
        best_rate = rates[adam][np.argmax(scores[adam])]
        chosen = adam & (rates == best_rate)
        ax.plot(
            alphas[chosen],
            scores[chosen],
            marker="s",
            linestyle="--",
            label=f"adam {h}, lr {best_rate:g}",
        )
    ax.set(
        xscale="log",
        xlabel="alpha",
        ylabel="mean ROC AUC (5-fold CV)",
        title="Grid search",
    )
    ax.legend(fontsize="small")
    written.append(_save(fig, output_dir / "grid_search.png"))
    return written


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.clear()
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("heart_disease_output"),
        help="folder for the PNG files (default: ./heart_disease_output)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 folds, 1 repeat and a small grid (for a smoke test)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()

    def progress(stage, text):
        print(f"[{stage}/5 {time.perf_counter() - start:5.1f} s] {text}", flush=True)

    data = load_heart_disease(as_frame=True)
    X, y = data.data, data.target
    n_splits, n_repeats = (3, 1) if args.quick else (10, 5)
    cv = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=n_repeats, random_state=0)
    progress(
        1,
        f"{X.shape[0]} patients, {X.shape[1]} features, {int(y.sum())} with "
        f"disease; ScratchMLPClassifier defaults, {n_splits} folds x "
        f"{n_repeats} repeats",
    )
    default = ScratchMLPClassifier(random_state=0)
    rows = {
        "13-8-1, impute + scale": evaluate(plain_pipeline(default), X, y, cv),
        "one-hot cp/restecg/slope/thal": evaluate(
            one_hot_pipeline(default, data.feature_names), X, y, cv
        ),
    }
    print_table(rows)

    progress(2, "GridSearchCV over hidden size, alpha, learning rate (n_jobs=2)")
    search = tune(X, y, args.quick)
    best = {
        key.removeprefix("scratchmlpclassifier__"): value
        for key, value in search.best_params_.items()
    }
    print(f"    {len(search.cv_results_['params'])} candidates x 5 folds")
    print(f"    best: {best}, ROC AUC {search.best_score_:.3f}")

    progress(3, "the same folds for every model")
    tuned = ScratchMLPClassifier(random_state=0, **best)
    models = {
        "ScratchMLPClassifier() defaults": default,
        "ScratchMLPClassifier tuned": tuned,
        "MLPClassifier((8,))": MLPClassifier(hidden_layer_sizes=(8,), random_state=0),
        "LogisticRegression()": LogisticRegression(),
    }
    table = {"ScratchMLPClassifier() defaults": rows["13-8-1, impute + scale"]}
    for name, model in models.items():
        if name not in table:
            table[name] = evaluate(plain_pipeline(model), X, y, cv)
    print_table(table)
    print(
        "    (the tuned model's parameters were chosen on all 303 rows, so its "
        "scores lean optimistic)"
    )

    progress(4, "loss curves and out-of-fold ROC curves")
    loss_curves = {}
    for label, model in {
        "defaults (L-BFGS)": default,
        "tuned": tuned,
        "Adam, lr 0.01": ScratchMLPClassifier(
            solver="adam", learning_rate_init=0.01, max_iter=300, random_state=0
        ),
    }.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted = plain_pipeline(model).fit(X, y)[-1]
        loss_curves[label] = fitted.loss_curve_
        print(
            f"    {label:<18} {fitted.n_iter_:>4} iterations, "
            f"final objective {fitted.loss_:.4f}"
        )
    probabilities = out_of_fold_probabilities(
        {name: plain_pipeline(model) for name, model in models.items()}, X, y
    )

    progress(5, f"pictures in {args.output_dir}/")
    for path in save_pictures(args.output_dir, loss_curves, probabilities, y, search):
        print(f"    wrote {path}")
    progress(5, "done")


if __name__ == "__main__":
    main()
