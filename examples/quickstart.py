"""Quick start: ScratchMLPClassifier where you had MLPClassifier
=============================================================

``ScratchMLPClassifier`` takes the place of scikit-learn's ``MLPClassifier``
in a pipeline; this example compares the two on scikit-learn's breast-cancer
data (569 tumours, 30 features) and looks inside the fitted network.

It prints

1. a table of ``ScratchMLPClassifier()`` (its defaults: one hidden layer of 8
   ReLU units, ``alpha=2.5``, L-BFGS for this fit) and ``MLPClassifier((8,))``
   (its other defaults: Adam, ``alpha=0.0001``, ``max_iter=200``), each after
   a ``StandardScaler``, on the same
   ``StratifiedKFold(shuffle=True, random_state=0)`` folds (10 by default):
   accuracy and ROC AUC (mean ± std over the folds), the mean fit time in
   seconds and the number of ``ConvergenceWarning`` raised;
2. one fit of ``ScratchMLPClassifier()`` on all 569 scaled rows: the network's
   shape and weight shapes, its solver, iterations and training objective,
   and the largest difference between ``predict_proba`` and the forward pass
   written out in three lines of numpy.

It needs no optional extra, draws nothing, writes no file and takes about
3 seconds. Run::

    python examples/quickstart.py [--n-splits N]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier

# sphinx_gallery_thumbnail_path = "figures/thumbnails/quickstart.png"


def compare(X, y, n_splits=10):
    """Accuracy, ROC AUC, fit time and ConvergenceWarnings on the same folds."""
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
    models = {
        "ScratchMLPClassifier()": ScratchMLPClassifier(random_state=0),
        "MLPClassifier((8,))": MLPClassifier(hidden_layer_sizes=(8,), random_state=0),
    }
    print(f"{'model':<24}{'accuracy':>16}{'ROC AUC':>16}{'fit s':>8}{'warnings':>10}")
    for name, model in models.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            result = cross_validate(
                make_pipeline(StandardScaler(), model),
                X,
                y,
                cv=cv,
                scoring=["accuracy", "roc_auc"],
            )
        n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        acc, auc = result["test_accuracy"], result["test_roc_auc"]
        print(
            f"{name:<24}{acc.mean():>10.3f} ±{acc.std():.3f}"
            f"{auc.mean():>10.3f} ±{auc.std():.3f}"
            f"{result['fit_time'].mean():>8.3f}{n_warnings:>10}"
        )


def inspect(X, y):
    """Fit once and look inside: shapes, loss curve, the forward pass by hand."""
    X = StandardScaler().fit_transform(X)
    start = time.perf_counter()
    model = ScratchMLPClassifier(random_state=0).fit(X, y)
    seconds = time.perf_counter() - start
    shapes = [W.shape for W in model.coefs_]
    layers = [shape[0] for shape in shapes] + [shapes[-1][1]]
    print(
        f"network {'-'.join(map(str, layers))} ({model.activation} hidden units, "
        f"alpha={model.alpha:g}), weight shapes {shapes}"
    )
    print(
        f"solver {model.solver_!r}: {model.n_iter_} iterations in {seconds:.3f} s, "
        f"training objective {model.loss_curve_[0]:.4f} -> {model.loss_:.4f}"
    )
    hidden = np.maximum(X @ model.coefs_[0] + model.intercepts_[0], 0)
    logit = hidden @ model.coefs_[1] + model.intercepts_[1]
    by_hand = 1 / (1 + np.exp(-logit[:, 0]))
    gap = np.abs(by_hand - model.predict_proba(X)[:, 1]).max()
    print(f"forward pass by hand vs predict_proba: largest difference {gap:.1e}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--n-splits",
        type=int,
        default=10,
        metavar="N",
        help="folds of the cross-validation that compares the models "
        "(default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.n_splits < 2:
        parser.error("--n-splits must be at least 2")

    X, y = load_breast_cancer(return_X_y=True)
    print(f"breast-cancer data: {X.shape[0]} samples, {X.shape[1]} features")
    print(f"[1/2] {args.n_splits}-fold cross-validation on the same folds")
    compare(X, y, n_splits=args.n_splits)
    print("[2/2] one fit on all rows, looked at from the inside")
    inspect(X, y)


if __name__ == "__main__":
    main()
