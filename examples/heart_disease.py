"""The 13-8-1 network on the UCI Cleveland heart-disease data (303 patients).

Every model is a pipeline (median imputation, scaling, then the classifier)
scored on the same RepeatedStratifiedKFold(n_splits=10, n_repeats=5,
random_state=0) folds. One progress line per stage:

1. ScratchMLPClassifier with its defaults: the plain 13-input network, and
   one that one-hot encodes the categorical columns cp, restecg, slope, thal;
2. ScratchMLPClassifierCV, nested: on each outer fold its own inner
   cross-validation chooses alpha on the outer training rows only, so its
   held-out scores are not optimistic; prints the alphas chosen;
3. scikit-learn's MLPClassifier((8,)) and LogisticRegression on the same
   folds, then the table of every model: accuracy and ROC AUC (mean ± std
   over the folds), fit time and ConvergenceWarnings;
4. fits the default model and ScratchMLPClassifierCV on all 303 rows (the
   penalties' inner-CV scores, the training objectives) and collects
   out-of-fold probabilities from the first repeat of the table's folds;
5. draws alpha_selection.png, loss_curve.png and roc_curves.png (needs
   matplotlib: pip install ".[examples]").

The full run takes about a minute on two cores, --quick a few seconds.
"""

import argparse
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
from sknnscratch.datasets import load_heart_disease

CATEGORICAL = ["cp", "restecg", "slope", "thal"]
N_STAGES = 5


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


def cv_classifier(quick):
    """ScratchMLPClassifierCV with its defaults; 3 folds and 3 penalties if quick."""
    if not quick:
        return ScratchMLPClassifierCV(random_state=0)
    default_alphas = ScratchMLPClassifierCV().alphas
    return ScratchMLPClassifierCV(alphas=default_alphas[::3][:3], cv=3, random_state=0)


def evaluate(model, X, y, folds):
    """Cross-validate on ``folds``.

    Returns the per-fold accuracy and ROC AUC, the mean fit time, the number
    of ConvergenceWarnings, and the fitted pipelines with their test rows
    (for the out-of-fold ROC curves and the chosen penalties).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        result = cross_validate(
            model,
            X,
            y,
            cv=folds,
            scoring=["accuracy", "roc_auc"],
            return_estimator=True,
            return_indices=True,
        )
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return {
        "accuracy": result["test_accuracy"],
        "roc_auc": result["test_roc_auc"],
        "fit_time": result["fit_time"].mean(),
        "warnings": n_warnings,
        "n_fits": len(result["fit_time"]),
        "estimators": result["estimator"],
        "test_rows": result["indices"]["test"],
    }


def print_table(rows):
    """One line per model: accuracy and ROC AUC as mean ± std, fit time, warnings."""
    print(
        f"    {'model':<44}{'accuracy':>16}{'ROC AUC':>16}"
        f"{'fit ms':>9}{'ConvergenceWarnings':>22}"
    )
    for name, r in rows.items():
        acc, auc = r["accuracy"], r["roc_auc"]
        print(
            f"    {name:<44}{acc.mean():>9.3f} ±{acc.std():.3f}"
            f"{auc.mean():>9.3f} ±{auc.std():.3f}"
            f"{1000 * r['fit_time']:>9.1f}{r['warnings']:>13} of {r['n_fits']}"
        )


def chosen_alphas(result):
    """How often each penalty was chosen by the inner CV across the outer folds."""
    counts = Counter(pipeline[-1].alpha_ for pipeline in result["estimators"])
    return dict(sorted(counts.items()))


def out_of_fold_probabilities(result, X, n_rows, n_splits):
    """Positive-class probabilities from the first repeat of the folds.

    The first ``n_splits`` folds of a RepeatedStratifiedKFold are its first
    repeat, a partition of the rows: each row is predicted once, by the
    pipeline of the table that did not see it.
    """
    probabilities = np.full(n_rows, np.nan)
    for pipeline, test in zip(
        result["estimators"][:n_splits], result["test_rows"][:n_splits], strict=True
    ):
        probabilities[test] = pipeline.predict_proba(X.iloc[test])[:, 1]
    assert not np.isnan(probabilities).any(), "the first repeat is a partition"
    return probabilities


def network_shape(classifier):
    """The fitted network's layer sizes as text, for example '13-8-1'."""
    sizes = [coef.shape[0] for coef in classifier.coefs_]
    return "-".join(str(size) for size in [*sizes, classifier.coefs_[-1].shape[1]])


def refit_path(model):
    """The penalties the CV model's refit was trained along, weakest first.

    The refit warm-starts through every penalty that was scored on all the
    inner folds (none dropped early) up to the chosen one.
    """
    ran_every_fold = model.cv_results_["n_folds_run"] == model.n_splits_
    return model.alphas_[ran_every_fold & (model.alphas_ <= model.alpha_)]


def print_alpha_scores(model):
    """The inner-CV score of every penalty, as the alpha_selection figure draws."""
    results = model.cv_results_
    print(f"    {'alpha':>8}{'mean ' + model.scoring:>22}{'std':>8}{'folds run':>11}")
    for alpha, mean, std, n_run in zip(
        results["param_alpha"],
        results["mean_test_score"],
        results["std_test_score"],
        results["n_folds_run"],
        strict=True,
    ):
        marker = "  <- chosen" if alpha == model.alpha_ else ""
        print(
            f"    {alpha:>8g}{mean:>22.4f}{std:>8.4f}{n_run:>6} of {model.n_splits_}"
            f"{marker}"
        )


def save_pictures(output_dir, cv_model, loss_curves, probabilities, y, roc_split):
    """alpha_selection.png, loss_curve.png and roc_curves.png in ``output_dir``."""
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

    # The inner CV's score per penalty.
    results = cv_model.cv_results_
    alphas = results["param_alpha"]
    complete = results["n_folds_run"] == cv_model.n_splits_
    fig, ax = plt.subplots(figsize=(6, 4))
    for subset, label, face in (
        (complete, f"scored on all {cv_model.n_splits_} folds", "C0"),
        (~complete, "dropped early (over the folds it ran)", "white"),
    ):
        if subset.any():
            ax.errorbar(
                alphas[subset],
                results["mean_test_score"][subset],
                yerr=results["std_test_score"][subset],
                fmt="o",
                color="C0",
                markerfacecolor=face,
                capsize=3,
                label=label,
            )
    ax.axvline(
        cv_model.alpha_,
        color="C3",
        linestyle="--",
        label=f"chosen alpha_ = {cv_model.alpha_:g}",
    )
    ax.set(
        xscale="log",
        xlabel="alpha (L2 penalty)",
        ylabel=f"held-out {cv_model.scoring}\nmean ± std over the folds",
        title=(
            f"ScratchMLPClassifierCV's choice of alpha: inner "
            f"{cv_model.n_splits_}-fold CV\non all {len(y)} rows (not nested), "
            f"held-out {cv_model.scoring} per alpha"
        ),
    )
    ax.legend(fontsize="small")
    written.append(_save(fig, output_dir / "alpha_selection.png"))

    # The training objectives of the models fitted on all rows.
    fig, ax = plt.subplots(figsize=(6.5, 4))
    shapes, solvers = set(), set()
    for label, (fitted, path) in loss_curves.items():
        curve = fitted.loss_curve_
        shapes.add(network_shape(fitted))
        solvers.add(fitted.solver_)
        (line,) = ax.plot(np.arange(1, len(curve) + 1), curve, label=label)
        if path is not None and len(path) > 1:
            # n_iter_ counts the iterations of the last fit only, at alpha_.
            before = ", ".join(f"{alpha:g}" for alpha in path[:-1])
            ax.axvline(
                len(curve) - fitted.n_iter_ + 0.5,
                color=line.get_color(),
                linestyle=":",
                label=f"its fit at alpha_ = {path[-1]:g} starts (before: {before})",
            )
    ax.set(
        xlabel=(
            ("L-BFGS iteration" if solvers == {"lbfgs"} else "iteration or epoch")
            + " (the CV refit's count runs along its whole path)"
        ),
        ylabel="training objective\n(cross-entropy + L2 at the current alpha)",
        yscale="log",
        title=(
            f"Training objective of the {' and '.join(sorted(shapes))} network on "
            f"all {len(y)} rows:\nthe defaults, and ScratchMLPClassifierCV's refit "
            "along its path"
        ),
    )
    ax.legend(fontsize="small")
    written.append(_save(fig, output_dir / "loss_curve.png"))

    # Out-of-fold ROC curves.
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    for name, proba in probabilities.items():
        fpr, tpr, _ = roc_curve(y, proba)
        ax.plot(fpr, tpr, label=f"{name} (pooled AUC {roc_auc_score(y, proba):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
    ax.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
    )
    ax.set_title(
        f"ROC of the pooled out-of-fold predictions,\n{roc_split}", fontsize=10
    )
    ax.legend(loc="lower right", fontsize="x-small")
    written.append(_save(fig, output_dir / "roc_curves.png"))
    return written


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.clear()
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("heart_disease_output"),
        help="folder for the PNG files (default: ./heart_disease_output)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            "3 folds x 1 repeat, and ScratchMLPClassifierCV with cv=3 and 3 "
            "penalties (a smoke test)"
        ),
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()

    def progress(stage, text):
        print(
            f"[{stage}/{N_STAGES} {time.perf_counter() - start:5.1f} s] {text}",
            flush=True,
        )

    data = load_heart_disease(as_frame=True)
    X, y = data.data, data.target
    n_splits, n_repeats = (3, 1) if args.quick else (10, 5)
    folds = list(
        RepeatedStratifiedKFold(
            n_splits=n_splits, n_repeats=n_repeats, random_state=0
        ).split(X, y)
    )
    splits = f"{n_splits} folds x {n_repeats} repeat{'s' * (n_repeats > 1)}"
    default = ScratchMLPClassifier(random_state=0)
    default_label = f"ScratchMLPClassifier() defaults (alpha={default.alpha:g})"

    progress(
        1,
        f"{X.shape[0]} patients, {X.shape[1]} features, {int(y.sum())} with "
        f"disease; ScratchMLPClassifier defaults (solver={default.solver!r}, "
        f"alpha={default.alpha:g}), {splits}",
    )
    table = {
        default_label: evaluate(plain_pipeline(default), X, y, folds),
        "same, one-hot cp/restecg/slope/thal": evaluate(
            one_hot_pipeline(default, data.feature_names), X, y, folds
        ),
    }
    print_table(table)

    cv_model = cv_classifier(args.quick)
    n_inner = cv_model.cv if cv_model.cv is not None else 5
    progress(
        2,
        f"ScratchMLPClassifierCV nested: on each of the {len(folds)} outer folds "
        f"an inner {n_inner}-fold CV chooses alpha among {len(cv_model.alphas)} "
        "on the outer training rows only",
    )
    nested_label = "ScratchMLPClassifierCV(), nested"
    table[nested_label] = evaluate(plain_pipeline(cv_model), X, y, folds)
    print_table({nested_label: table[nested_label]})
    counts = chosen_alphas(table[nested_label])
    print(
        f"    alpha chosen on the {len(folds)} outer folds: "
        + ", ".join(f"{alpha:g} ({count}x)" for alpha, count in counts.items())
    )

    progress(3, "scikit-learn's MLPClassifier((8,)) and LogisticRegression()")
    for name, model in {
        "MLPClassifier((8,))": MLPClassifier(hidden_layer_sizes=(8,), random_state=0),
        "LogisticRegression()": LogisticRegression(),
    }.items():
        table[name] = evaluate(plain_pipeline(model), X, y, folds)
    print(f"    every model on the same {splits}:")
    print_table(table)
    print(
        "    (ScratchMLPClassifierCV's fit time includes its inner CV: "
        "each fit runs the penalty path on every inner fold, then refits)"
    )

    progress(
        4,
        f"fits on all {len(y)} rows; out-of-fold probabilities of repeat 1",
    )
    fitted_default = plain_pipeline(default).fit(X, y)[-1]
    # The scaler sees all rows before the inner CV splits them, as in any
    # pipeline ending in a *CV estimator; the nested scores above avoid this.
    fitted_cv = plain_pipeline(cv_classifier(args.quick)).fit(X, y)[-1]
    print_alpha_scores(fitted_cv)
    path = refit_path(fitted_cv)
    path_text = ", ".join(f"{alpha:g}" for alpha in path)
    print(
        f"    defaults (alpha={default.alpha:g}): {fitted_default.n_iter_} "
        f"iterations, final objective {fitted_default.loss_:.4f}"
    )
    print(
        f"    ScratchMLPClassifierCV refit along alpha = {path_text}: "
        f"{len(fitted_cv.loss_curve_)} iterations in all, {fitted_cv.n_iter_} "
        f"at alpha_ = {fitted_cv.alpha_:g}, final objective {fitted_cv.loss_:.4f}"
    )
    loss_curves = {
        f"ScratchMLPClassifier() defaults, alpha={default.alpha:g}": (
            fitted_default,
            None,
        ),
        f"ScratchMLPClassifierCV refit, path alpha = {path_text}": (fitted_cv, path),
    }
    probabilities = {
        name: out_of_fold_probabilities(result, X, len(y), n_splits)
        for name, result in table.items()
    }
    roc_split = (
        f"repeat 1 of the table's folds ({n_splits} folds): each row is\n"
        "predicted by the table's model that did not train on it"
    )

    progress(5, f"pictures in {args.output_dir}/")
    for written in save_pictures(
        args.output_dir, fitted_cv, loss_curves, probabilities, y, roc_split
    ):
        print(f"    wrote {written}")
    progress(5, "done")


if __name__ == "__main__":
    main()
