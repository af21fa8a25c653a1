"""ScratchMLPClassifierCV against the grid search it replaces, same penalties.

For each data set (standardised), times ``ScratchMLPClassifierCV()`` and
``GridSearchCV(ScratchMLPClassifier(), {"alpha": DEFAULT_ALPHAS}, cv=5,
scoring="neg_log_loss")`` (which refits the best penalty) interleaved, and
one plain ``ScratchMLPClassifier()`` fit; prints the median times, the ratio
CV / grid search (target: at most 0.5) and the CV's time in single fits
(stretch target: 5), and the penalty each chose. Everything on one BLAS
thread, in this process. Stores the table in
``benchmarks/results/cv_speed.json`` (a ``--quick`` run stores nothing unless
given ``--output``).

Run: python benchmarks/cv_speed.py [--repeats 5] [--quick] [--output FOLDER]
"""

import argparse
import statistics
import time
import warnings

import _results
import numpy as np
from sklearn.datasets import load_breast_cancer, load_iris, load_wine, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
from sknnscratch._cv import DEFAULT_ALPHAS
from sknnscratch.datasets import load_heart_disease


def _xor(n_samples=400, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    flip = rng.rand(n_samples) < 0.05
    y[flip] = 1 - y[flip]
    return X, y


DATASETS = {
    "heart": lambda: load_heart_disease(return_X_y=True),
    "moons": lambda: make_moons(n_samples=300, noise=0.25, random_state=0),
    "xor": _xor,
    "iris": lambda: load_iris(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "breast_cancer": lambda: load_breast_cancer(return_X_y=True),
}


def _timed(make, X, y):
    model = make()
    with warnings.catch_warnings():
        # The grid's strong penalties may flatten a network or stop short.
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        started = time.perf_counter()
        model.fit(X, y)
    return time.perf_counter() - started, model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        metavar="N",
        help="timings per model; the table gives their median (default: %(default)s)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="two data sets (heart, moons) and one repeat: a smoke test "
        "(default: off, every data set)",
    )
    parser.add_argument(
        "--output",
        metavar="FOLDER",
        help="where cv_speed.json goes (default: benchmarks/results, or nowhere "
        "with --quick)",
    )
    args = parser.parse_args(argv)
    load = _results.load_average()
    names = ["heart", "moons"] if args.quick else list(DATASETS)
    repeats = 1 if args.quick else args.repeats
    alphas = list(DEFAULT_ALPHAS)
    print(f"alphas {alphas}, 5-fold, one BLAS thread, median of {repeats}")
    print(
        f"{'data set':<15}{'CV s':>8}{'grid s':>8}{'CV / grid':>11}"
        f"{'CV / fit':>10}{'CV alpha':>10}{'grid alpha':>12}"
    )
    ratios, rows = [], []
    with threadpool_limits(1):
        for name in names:
            X, y = DATASETS[name]()
            scale = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
            X = scale.fit_transform(X)
            times = {"cv": [], "grid": [], "fit": []}
            for _ in range(repeats):
                seconds, cv = _timed(
                    lambda: ScratchMLPClassifierCV(random_state=0), X, y
                )
                times["cv"].append(seconds)
                seconds, grid = _timed(
                    lambda: GridSearchCV(
                        ScratchMLPClassifier(random_state=0),
                        {"alpha": alphas},
                        cv=5,
                        scoring="neg_log_loss",
                    ),
                    X,
                    y,
                )
                times["grid"].append(seconds)
                times["fit"].append(
                    _timed(lambda: ScratchMLPClassifier(random_state=0), X, y)[0]
                )
            median = {key: statistics.median(value) for key, value in times.items()}
            ratio = median["cv"] / median["grid"]
            ratios.append(ratio)
            rows.append(
                {
                    "dataset": name,
                    "cv_seconds": median["cv"],
                    "grid_seconds": median["grid"],
                    "cv_over_grid": ratio,
                    "cv_over_one_fit": median["cv"] / median["fit"],
                    "cv_alpha": float(cv.alpha_),
                    "grid_alpha": float(grid.best_params_["alpha"]),
                }
            )
            print(
                f"{name:<15}{median['cv']:>8.2f}{median['grid']:>8.2f}{ratio:>11.2f}"
                f"{median['cv'] / median['fit']:>10.1f}{cv.alpha_:>10g}"
                f"{grid.best_params_['alpha']:>12g}"
            )
    print(f"largest CV / grid ratio: {max(ratios):.2f}")
    output = args.output or (None if args.quick else _results.RESULTS)
    if output:
        result = {"alphas": alphas, "folds": 5, "repeats": repeats, "rows": rows}
        _results.save("cv_speed", result, load, folder=output)


if __name__ == "__main__":
    main()
