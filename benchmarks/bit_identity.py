"""Check that a change to the training code leaves every result bit for bit.

Fits 640 configurations (solver, activation, binary or multiclass, float32 or
float64, weighted or not, early stopping or not, dense or sparse, one or two
hidden layers; several minibatches per epoch) and saves their weights and
loss curves, or compares them with a saved file: how many configurations end
with other weights, how many with another loss curve, and by how much.

Run before a change:  python benchmarks/bit_identity.py save reference.npz
and after it:         python benchmarks/bit_identity.py compare reference.npz
"""

import argparse
import itertools
import warnings

import numpy as np
from scipy import sparse
from sklearn.datasets import make_classification

from sknnscratch import ScratchMLPClassifier


def results():
    """Weights and loss curve of every configuration, keyed by its name."""
    binary = make_classification(500, 13, random_state=0)
    multiclass = make_classification(
        500, 13, n_informative=6, n_classes=3, random_state=1
    )
    grid = itertools.product(
        ["sgd", "adam", "lbfgs"],
        ["relu", "tanh", "logistic", "identity"],
        [False, True],
        [np.float64, np.float32],
        [False, True],
        [False, True],
        [False, True],
        [(8,), (6, 4)],
    )
    out = {}
    for solver, activation, multi, dtype, weighted, early, is_sparse, hidden in grid:
        if solver == "lbfgs" and early:
            continue
        X, y = multiclass if multi else binary
        X = X.astype(dtype)
        if is_sparse:
            X = sparse.csr_matrix(X)
        model = ScratchMLPClassifier(
            hidden,
            activation=activation,
            solver=solver,
            batch_size=64,
            max_iter=5,
            early_stopping=early,
            alpha=0.5,
            learning_rate_init=0.01,
            random_state=0,
        )
        weights = np.linspace(0.2, 2, len(y)) if weighted else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y, sample_weight=weights)
        key = (
            f"{solver}-{activation}-{multi}-{np.dtype(dtype).name}-"
            f"{weighted}-{early}-{is_sparse}-{hidden}"
        )
        arrays = [
            a.ravel().astype(np.float64) for a in (*model.coefs_, *model.intercepts_)
        ]
        out[f"{key}:weights"] = np.concatenate(arrays)
        out[f"{key}:loss_curve"] = np.array(model.loss_curve_)
    return out


def _relative_difference(a, b):
    if a.shape != b.shape:
        return np.inf
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "action",
        choices=["save", "compare"],
        help="save: write every configuration's weights and loss curve to "
        "PATH; compare: compare the current ones with those saved in PATH "
        "(required, no default)",
    )
    parser.add_argument(
        "path",
        metavar="PATH",
        help="the .npz file that save writes and compare reads (required, no default)",
    )
    args = parser.parse_args()
    current = results()
    if args.action == "save":
        np.savez(args.path, **current)
        print(f"{len(current) // 2} configurations saved to {args.path}")
        return
    reference = np.load(args.path)
    differ = [
        key for key in current if not np.array_equal(current[key], reference[key])
    ]
    for part in ("weights", "loss_curve"):
        keys = [key for key in current if key.endswith(part)]
        changed = [key for key in differ if key.endswith(part)]
        largest = max(
            (_relative_difference(current[k], reference[k]) for k in changed),
            default=0.0,
        )
        print(
            f"{part}: {len(keys)} configurations compared, {len(changed)} differ "
            f"(largest relative difference {largest:.2g})"
        )
    for key in differ:
        print("  ", key)


if __name__ == "__main__":
    main()
