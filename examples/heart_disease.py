"""The 13-8-1 network on the UCI heart-disease data
================================================

``ScratchMLPClassifier`` with its defaults, ``ScratchMLPClassifierCV`` and two
scikit-learn baselines, cross-validated on the same folds of the Cleveland
heart-disease data bundled with the package (303 patients, 13 features,
139 with disease).

Every model is a pipeline (median imputation, scaling, then the classifier)
scored on the folds of ``RepeatedStratifiedKFold(n_splits=10, n_repeats=5,
random_state=0)``. It prints one progress line per stage:

1. ``ScratchMLPClassifier`` with its defaults: the plain 13-input network, and
   one that one-hot encodes the categorical columns cp, restecg, slope, thal;
2. ScratchMLPClassifierCV, nested: on each outer fold its own inner
   cross-validation chooses ``alpha`` on the outer training rows only, so its
   held-out scores are not optimistic; prints the alphas chosen;
3. scikit-learn's ``MLPClassifier((8,))`` and ``LogisticRegression`` on the
   same folds, then the table of every model: accuracy and ROC AUC (mean ±
   std over the folds), fit time and ``ConvergenceWarning`` count;
4. fits the default model and ``ScratchMLPClassifierCV`` on all 303 rows (the
   penalties' inner-CV scores, the training objectives) and collects
   out-of-fold probabilities from the first repeat of the table's folds;
5. draws three figures and saves them to ``--output-dir``:
   ``alpha_selection.png`` (the inner-CV score of every penalty
   ``ScratchMLPClassifierCV`` tried on all rows), ``loss_curve.png`` (the
   training objective of both fits on all rows) and ``roc_curves.png`` (the
   out-of-fold ROC curve of every model of the table). Each has a one-line
   title; the file's Description tells what it shows in detail (the
   documentation prints it under the figure). The figures stay open at the
   end.

The figures need matplotlib (``pip install "sknnscratch[examples]"``);
without it the example says so and prints its tables only. The full run takes
about 30 seconds on two cores, ``--quick`` (3 folds, 1 repeat, 3 penalties)
about 5. Run::

    python examples/heart_disease.py [--output-dir DIR] [--quick]
"""

import argparse
import os
import sys
import textwrap
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
from sklearn.model_selection import (
    RepeatedStratifiedKFold,
    check_cv,
    cross_validate,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
from sknnscratch.datasets import load_heart_disease

# sphinx_gallery_thumbnail_number = 3

CATEGORICAL = ["cp", "restecg", "slope", "thal"]
SOLVER_NAMES = {"lbfgs": "L-BFGS", "adam": "Adam", "sgd": "SGD"}
N_STAGES = 5
WIDTH = 88
"""Sentences are wrapped to this many characters, and a table row is at most
92: no line is cut at the edge of the documentation's page (99)."""


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


def say(text, indent=4, hanging=2):
    """Print ``text`` wrapped to WIDTH, the lines after the first ``hanging`` deeper."""
    print(
        textwrap.fill(
            text,
            WIDTH,
            initial_indent=" " * indent,
            subsequent_indent=" " * (indent + hanging),
            break_long_words=False,
            break_on_hyphens=False,
        ),
        flush=True,
    )


def print_table(rows):
    """One line per model: accuracy and ROC AUC as mean ± std, fit time, warnings.

    The last column counts the fits that raised a ConvergenceWarning.
    """
    print(
        f"    {'model':<43}{'accuracy':>14}{'ROC AUC':>14}{'fit ms':>7}{'warnings':>10}"
    )
    for name, r in rows.items():
        acc, auc = r["accuracy"], r["roc_auc"]
        print(
            f"    {name:<43}{acc.mean():>7.3f} ±{acc.std():.3f}"
            f"{auc.mean():>7.3f} ±{auc.std():.3f}"
            f"{1000 * r['fit_time']:>7.1f}{r['warnings']:>4} of {r['n_fits']}"
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


def fitted_summary(classifiers):
    """The fitted models of one table row, for a legend.

    For example '13-8-1 relu, L-BFGS, alpha=2.5' for a network, with the
    ``alpha_`` each fold chose, on a second line, for ScratchMLPClassifierCV.
    """
    first = classifiers[0]
    if not hasattr(first, "coefs_"):  # LogisticRegression
        return f"linear, C={first.C:g}, {first.solver}"
    shapes = sorted({network_shape(model) for model in classifiers})
    solvers = sorted(
        {SOLVER_NAMES[getattr(model, "solver_", model.solver)] for model in classifiers}
    )
    if hasattr(first, "alpha_"):
        counts = Counter(model.alpha_ for model in classifiers)
        n_inner = check_cv(first.cv).get_n_splits()
        alpha = (
            f"alpha_ per fold (inner {n_inner}-fold CV among "
            f"{len(first.alphas_)} alphas):\n    "
            + ", ".join(f"{a:g} ({count}x)" for a, count in sorted(counts.items()))
        )
    else:
        alpha = f"alpha={first.alpha:g}"
    summary = f"{' or '.join(shapes)} {first.activation}, {'/'.join(solvers)}, {alpha}"
    stopped = sum(model.n_iter_ >= model.max_iter for model in classifiers)
    if stopped:
        summary += f", {stopped} of {len(classifiers)} stopped at max_iter"
    return summary


def describe_network(classifier):
    """For example '13-8-1 network (relu hidden units, L-BFGS)'."""
    return (
        f"{network_shape(classifier)} network ({classifier.activation} hidden "
        f"units, {SOLVER_NAMES[classifier.solver_]})"
    )


def save_pictures(plt, output_dir, cv_model, loss_curves, probabilities, y, roc_rows):
    """alpha_selection.png, loss_curve.png and roc_curves.png in ``output_dir``.

    Each figure has a one-line title; what it shows in detail is its caption,
    ``fig.caption``, which the documentation prints under the figure and the
    PNG file keeps as its Description. The figures stay open (a
    documentation build shows the open figures).
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    figures = {
        "alpha_selection.png": draw_alpha_selection(plt, cv_model, y),
        "loss_curve.png": draw_loss_curves(plt, loss_curves, len(y)),
        "roc_curves.png": draw_roc_curves(plt, probabilities, y, roc_rows),
    }
    written = []
    for name, fig in figures.items():
        fig.tight_layout()
        title = fig.axes[0].get_title()
        metadata = {"Title": title, "Description": fig.caption}
        fig.savefig(output_dir / name, dpi=110, metadata=metadata)
        written.append(output_dir / name)
    return written


def draw_alpha_selection(plt, cv_model, y):
    """The inner-CV score of every penalty of a ScratchMLPClassifierCV."""
    results = cv_model.cv_results_
    alphas = results["param_alpha"]
    complete = results["n_folds_run"] == cv_model.n_splits_
    dropped_after = " or ".join(
        str(n) for n in sorted(set(results["n_folds_run"][~complete]))
    )
    mean, std = results["mean_test_score"], results["std_test_score"]
    score_name = cv_model.scoring
    if score_name.startswith("neg_"):  # draw the loss itself, on a log scale
        mean, score_name = -mean, f"{score_name[4:]} (lower is better)"
    inner_cv = check_cv(cv_model.cv, y, classifier=True)
    fig, ax, legend_ax = _figure_with_legend_below(plt, (7, 6))
    for subset, label, face in (
        (complete, f"scored on all {cv_model.n_splits_} folds", "C0"),
        (
            ~complete,
            f"dropped after the first {dropped_after} of {cv_model.n_splits_} folds: "
            f"mean of those {dropped_after} only",
            "white",
        ),
    ):
        if subset.any():
            ax.errorbar(
                alphas[subset],
                mean[subset],
                yerr=std[subset],
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
        label=f"chosen: alpha_ = {cv_model.alpha_:g}",
    )
    ax.set(
        xscale="log",
        yscale="log" if score_name != cv_model.scoring else "linear",
        xlabel="alpha (L2 penalty)",
        ylabel=f"held-out {score_name}\nmean ± std over the inner folds",
    )
    n_iter = results["mean_n_iter"]
    ax.set_title(f"ScratchMLPClassifierCV chose alpha_ = {cv_model.alpha_:g}")
    fig.caption = (
        f"The held-out {cv_model.scoring} of every penalty ScratchMLPClassifierCV "
        f"tried when fitted on all {len(y)} rows, a {describe_network(cv_model)}, "
        f"with an inner {type(inner_cv).__name__}(n_splits={inner_cv.n_splits}). "
        "Each fold trains one network along the alphas from weakest to "
        "strongest, warm-started, in short fits (mean iterations per fit: "
        f"{np.nanmin(n_iter):.0f} to {np.nanmax(n_iter):.0f} across the alphas); "
        "only the alphas scored on every fold compete. The imputer and the "
        "scaler saw all rows before the inner split, so these scores are not "
        "nested: the table's nested scores are the unbiased ones."
    )
    legend_ax.legend(*ax.get_legend_handles_labels(), loc="upper center")
    return fig


def draw_loss_curves(plt, loss_curves, n_rows):
    """The training objective of each model fitted on all rows."""
    fig, ax, legend_ax = _figure_with_legend_below(plt, (7, 6))
    solvers = set()
    for label, (fitted, path) in loss_curves.items():
        curve = fitted.loss_curve_
        solvers.add(SOLVER_NAMES[fitted.solver_])
        (line,) = ax.plot(np.arange(1, len(curve) + 1), curve, label=label)
        if path is not None and len(path) > 1:
            # n_iter_ counts the iterations of the last fit only, at alpha_.
            start = len(curve) - fitted.n_iter_ + 1
            ax.axvline(
                start - 0.5,
                color=line.get_color(),
                linestyle=":",
                label=f"the refit's last fit (alpha_ = {path[-1]:g}) starts at "
                f"iteration {start}",
            )
    ax.set(
        xlabel=" or ".join(sorted(solvers)) + " iteration",
        ylabel="training objective",
        yscale="log",
    )
    networks = {describe_network(fitted) for fitted, _ in loss_curves.values()}
    ax.set_title(f"Training objective, fitted on all {n_rows} rows")
    fig.caption = (
        "The objective each iteration minimises, the mean cross-entropy plus "
        "alpha / (2 n) x the sum of squared weights, along the fits of the "
        f"{' and '.join(sorted(networks))} on all {n_rows} rows (imputed and "
        "scaled)."
    )
    if any(path is not None and len(path) > 1 for _, path in loss_curves.values()):
        fig.caption += (
            " The ScratchMLPClassifierCV refit runs along its path of alphas, each "
            "fit warm-started from the last, and counts its iterations along the "
            "whole path: its curve jumps up where alpha grows (a larger L2 term "
            "on the same weights)."
        )
    legend_ax.legend(*ax.get_legend_handles_labels(), loc="upper center")
    return fig


def draw_roc_curves(plt, probabilities, y, roc_rows):
    """The ROC curve of each model's out-of-fold probabilities."""
    fig, ax, legend_ax = _figure_with_legend_below(plt, (7, 8.5), legend_height=0.3)
    for name, (proba, summary) in probabilities.items():
        fpr, tpr, _ = roc_curve(y, proba)
        ax.plot(
            fpr,
            tpr,
            label=f"{name}\n    {summary}; AUC {roc_auc_score(y, proba):.3f}",
        )
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="chance")
    ax.set(
        xlabel="false positive rate",
        ylabel="true positive rate",
        aspect="equal",
    )
    ax.set_title(f"Out-of-fold ROC curves, {len(y)} patients")
    fig.caption = roc_rows
    legend_ax.legend(
        *ax.get_legend_handles_labels(), loc="upper center", fontsize="small"
    )
    return fig


def _figure_with_legend_below(plt, size, legend_height=0.2):
    """A figure, its axes and, below them, an empty axes to hold the legend."""
    fig, (ax, legend_ax) = plt.subplots(
        2,
        1,
        figsize=size,
        gridspec_kw={"height_ratios": [1 - legend_height, legend_height]},
    )
    legend_ax.axis("off")
    return fig, ax, legend_ax


def _import_pyplot():
    """matplotlib.pyplot, or None when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    if "matplotlib.pyplot" not in sys.modules and "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")  # files only, no window; a docs build chose its own
    import matplotlib.pyplot as plt

    return plt


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("heart_disease_output"),
        metavar="DIR",
        help="folder for the PNG files, created if needed "
        "(default: ./heart_disease_output/)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 folds x 1 repeat, and ScratchMLPClassifierCV with cv=3 and 3 "
        "penalties: a smoke test of a few seconds (default: off, 10 folds x 5 "
        "repeats and the default ScratchMLPClassifierCV)",
    )
    args = parser.parse_args(argv)
    plt = _import_pyplot()
    no_figures = (
        'matplotlib is not installed: no figures (pip install "sknnscratch[examples]" '
        "draws them)"
    )
    if plt is None:
        print(f"heart_disease.py: {no_figures}; the tables follow", flush=True)
    start = time.perf_counter()

    def progress(stage, text):
        stamp = f"[{stage}/{N_STAGES} {time.perf_counter() - start:5.1f} s] "
        say(stamp + text, indent=0, hanging=len(stamp))

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
    say(
        "(warnings: the fits that raised a ConvergenceWarning. "
        "ScratchMLPClassifierCV's fit time includes its inner CV: each fit runs "
        "the penalty path on every inner fold, then refits)"
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
    say(
        f"defaults (alpha={default.alpha:g}): {fitted_default.n_iter_} "
        f"iterations, final objective {fitted_default.loss_:.4f}"
    )
    say(
        f"ScratchMLPClassifierCV refit along alpha = {path_text}: "
        f"{len(fitted_cv.loss_curve_)} iterations in all, {fitted_cv.n_iter_} "
        f"at alpha_ = {fitted_cv.alpha_:g}, final objective {fitted_cv.loss_:.4f}"
    )
    loss_curves = {
        f"ScratchMLPClassifier() defaults: alpha={fitted_default.alpha:g}, "
        f"{fitted_default.n_iter_} iterations": (fitted_default, None),
        f"ScratchMLPClassifierCV() refit: alpha = {path_text} in turn, "
        f"{len(fitted_cv.loss_curve_)} iterations in all": (fitted_cv, path),
    }
    probabilities = {
        name: (
            out_of_fold_probabilities(result, X, len(y), n_splits),
            fitted_summary(
                [pipeline[-1] for pipeline in result["estimators"][:n_splits]]
            ),
        )
        for name, result in table.items()
    }
    roc_rows = (
        "The ROC curve of each model of the table from its out-of-fold "
        f"probabilities: in repeat 1 of the table's RepeatedStratifiedKFold("
        f"n_splits={n_splits}, n_repeats={n_repeats}, random_state=0), its first "
        f"{n_splits} folds, each patient is predicted once, by the table's "
        "pipeline of the fold that held it out (imputer, scaler and model fitted "
        "on that fold's training rows). The legend's AUC is that of these "
        f"{len(y)} pooled predictions; the table's ROC AUC is the mean of the "
        f"{len(folds)} folds' own AUCs."
    )

    if plt is None:
        progress(5, no_figures)
    else:
        progress(5, f"pictures in {args.output_dir}/")
        for written in save_pictures(
            plt, args.output_dir, fitted_cv, loss_curves, probabilities, y, roc_rows
        ):
            print(f"    wrote {written}")
    progress(5, "done")


if __name__ == "__main__":
    main()
