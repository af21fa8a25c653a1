"""ScratchMLPClassifier and ScratchMLPRegressor against scikit-learn's
MLPClassifier and MLPRegressor, same settings.

Every case fits both estimators with identical parameters in this process,
interleaved (ours, theirs, ours, theirs, ...), and reports the median time of
each and their ratio (ours / theirs: below 1 means faster). Absolute times
depend on this machine; compare the ratios. The regressor runs the
classifier's cases: the same sizes, solvers and dtypes on make_regression
data (standardised target), and the small-data tasks on scikit-learn's
diabetes data (442 rows, 10 features) instead of the heart-disease data.

Run: python benchmarks/bench.py            (everything, a few minutes)
     python benchmarks/bench.py --quick    (no 1 000 000-row cases)
     python benchmarks/bench.py --load 4   (the same while 4 processes keep
                                           the cores busy)
     python benchmarks/bench.py --estimator regressor   (one of the two)

With ``--load N``, N background processes spin a Python loop for the whole
run (each stops by itself after ``--load-seconds``, and the benchmark ends
them when it finishes or fails), and every fit is also timed forced to one
BLAS thread (``threadpool_limits(1)`` around it): the table then gives each
estimator's time against its own one-thread time (1 means the thread count
it chose costs nothing under load).

The table is stored in ``benchmarks/results/bench.json`` (``bench_load.json``
with ``--load``): the classifier's cases under ``rows``, the regressor's under
``regressor_rows``. A ``--quick`` run, or one of a single estimator, stores
nothing unless given ``--output``.
"""

import argparse
import gc
import multiprocessing
import platform
import statistics
import time
import tracemalloc
import warnings

import _results
import numpy as np
import sklearn
from sklearn.datasets import load_diabetes, make_classification, make_regression
from sklearn.impute import SimpleImputer
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, scale
from threadpoolctl import threadpool_info, threadpool_limits

from sknnscratch import ScratchMLPClassifier, ScratchMLPRegressor
from sknnscratch.datasets import load_heart_disease

ESTIMATORS = {
    "classifier": (ScratchMLPClassifier, MLPClassifier),
    "regressor": (ScratchMLPRegressor, MLPRegressor),
}
"""kind -> (ours, scikit-learn's)."""


def settings(solver, epochs):
    """The same work for both: fixed epochs (or L-BFGS iterations), tol=0."""
    common = dict(
        hidden_layer_sizes=(8,),
        alpha=1e-4,
        solver=solver,
        max_iter=epochs,
        tol=0.0,
        random_state=0,
    )
    if solver != "lbfgs":
        common.update(batch_size=200, n_iter_no_change=epochs + 1)
    return common


ONE_THREAD = " on 1 BLAS thread"
VARIANTS = ["ours", "sklearn"]
"""What each case times: with --load, also each estimator forced to one thread."""


def timed(make, fit, repeats, per_iteration=False):
    """Median seconds of ``fit(make(name))`` per variant, interleaved.

    With ``per_iteration``, each time is divided by the model's ``n_iter_``
    (L-BFGS may stop at different iterations for the two).
    """
    times = {name: [] for name in VARIANTS}
    for _ in range(repeats):
        for name in times:
            model = make(name.removesuffix(ONE_THREAD))
            one_thread = name.endswith(ONE_THREAD)
            gc.collect()
            with threadpool_limits(1 if one_thread else None, user_api="blas"):
                start = time.perf_counter()
                fit(model)
                seconds = time.perf_counter() - start
            if per_iteration:
                seconds /= _last(model).n_iter_
            times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def _last(model):
    return model[-1] if hasattr(model, "steps") else model


def estimator(name, params, kind="classifier"):
    ours, theirs = ESTIMATORS[kind]
    return (ours if name == "ours" else theirs)(**params)


def make_data(kind, n):
    """n rows of 13 features: classes, or a standardised numeric target."""
    if kind == "classifier":
        return make_classification(n_samples=n, n_features=13, random_state=0)
    X, y = make_regression(n_samples=n, n_features=13, noise=10.0, random_state=0)
    return X, scale(y)


def quiet(function):
    def run(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args)

    return run


def fit_cases(sizes, repeats, kinds):
    """Per-epoch (per-iteration) times on make_classification (make_regression)
    data: kind -> its rows.

    The minibatch solvers run first at every size, L-BFGS last: its large
    multi-threaded BLAS products slow the small fits that follow them in the
    same process (both estimators' alike, but not equally).
    """
    rows = {kind: [] for kind in kinds}
    data = {(kind, n): make_data(kind, n) for kind in kinds for n in sizes}
    for solvers in (("adam", "sgd"), ("lbfgs",)):
        for n in sizes:
            for dtype in (np.float64, np.float32):
                for solver in solvers:
                    for kind in kinds:
                        X, y = data[kind, n]
                        X = X.astype(dtype)
                        rows[kind].append(_fit_case(X, y, solver, repeats, kind))
    return rows


def _fit_case(X, y, solver, repeats, kind):
    n = len(y)
    epochs = {303: 50, 20_000: 10, 1_000_000: 2}[n]
    if solver == "lbfgs":
        epochs = {303: 100, 20_000: 50, 1_000_000: 10}[n]
    params = settings(solver, epochs)
    result = timed(
        lambda name: estimator(name, params, kind),
        quiet(lambda model: model.fit(X, y)),
        repeats,
        per_iteration=True,
    )
    unit = "iteration" if solver == "lbfgs" else "epoch"
    row = (f"fit, n={n:,}, {solver}, {X.dtype.name}", result, f"s per {unit}")
    print_row(row, kind)
    return row


def small_data_cases(kind, repeats):
    """The whole tasks on a small real data set: heart disease (classifier),
    diabetes with its target standardised (regressor)."""
    if kind == "classifier":
        X, y = load_heart_disease(return_X_y=True)
        data, splitter = "heart", StratifiedKFold
    else:
        X, y = load_diabetes(return_X_y=True)
        data, splitter, y = "diabetes", KFold, scale(y)
    rows = []

    def pipeline(model):
        return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), model)

    # Preprocess once: time per L-BFGS iteration of the network alone (the
    # two may stop after different numbers of iterations).
    X_scaled = pipeline(StandardScaler())[:-1].fit_transform(X)
    params = settings("lbfgs", 200)
    result = timed(
        lambda name: estimator(name, params, kind),
        quiet(lambda model: model.fit(X_scaled, y)),
        3 * repeats,  # fits of a few milliseconds: more runs, a steadier median
        per_iteration=True,
    )
    rows.append((f"{data}, fit lbfgs", result, "s per iteration"))
    print_row(rows[-1], kind)

    params = settings("adam", 200)
    cv = splitter(n_splits=10, shuffle=True, random_state=0)
    result = timed(
        lambda name: pipeline(estimator(name, params, kind)),
        quiet(lambda model: cross_val_score(model, X, y, cv=cv)),
        repeats,
    )
    rows.append((f"{data}, cross_val_score, 10 folds, adam 200 epochs", result, "s"))
    print_row(rows[-1], kind)

    grid = {
        "hidden_layer_sizes": [(4,), (8,), (16,)],
        "alpha": [0.1, 1.0, 10.0],
    }
    result = timed(
        lambda name: GridSearchCV(estimator(name, params, kind), grid, cv=5),
        quiet(lambda search: search.fit(X_scaled, y)),
        repeats,
    )
    rows.append((f"{data}, 3x3 GridSearchCV, 5 folds, adam 200 epochs", result, "s"))
    print_row(rows[-1], kind)
    return rows


def memory_case(kind, n=1_000_000):
    X, y = make_data(kind, n)
    peaks = {}
    for name in ("ours", "sklearn"):
        model = estimator(name, settings("adam", 1), kind)
        gc.collect()
        tracemalloc.start()
        quiet(model.fit)(X, y)
        peaks[name] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    row = (f"peak memory of a fit, n={n:,}, adam", peaks, "MiB")
    print_row(row, kind)
    return [row]


def print_header():
    """The table's header: theirs is MLPClassifier, or MLPRegressor for the rows
    marked 'regressor:'."""
    if len(VARIANTS) == 2:
        print("| case | ours | theirs | unit | ratio |")
        print("| --- | --- | --- | --- | --- |")
    else:
        print(
            "| case | ours | ours, 1 thread | ratio | theirs | "
            "theirs, 1 thread | ratio | unit | ours / theirs |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def print_row(row, kind="classifier"):
    case, result, unit = row
    case = case if kind == "classifier" else f"{kind}: {case}"
    ours, theirs = result["ours"], result["sklearn"]
    if len(result) == 2:
        print(
            f"| {case} | {ours:.4g} | {theirs:.4g} | {unit} | {ours / theirs:.2f} |",
            flush=True,
        )
        return
    ours_1, theirs_1 = result["ours" + ONE_THREAD], result["sklearn" + ONE_THREAD]
    print(
        f"| {case} | {ours:.4g} | {ours_1:.4g} | {ours / ours_1:.2f} | "
        f"{theirs:.4g} | {theirs_1:.4g} | {theirs / theirs_1:.2f} | {unit} | "
        f"{ours / theirs:.2f} |",
        flush=True,
    )


def blas_threads():
    """The BLAS libraries' thread count when no limit is set (the most of any)."""
    counts = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    return max(counts, default=None)


def _spin(deadline):
    """Keep one core busy until ``deadline`` (time.time())."""
    while time.time() < deadline:
        sum(range(10_000))


def start_load(n_processes, seconds):
    """N processes spinning until stopped, or for ``seconds`` at most."""
    deadline = time.time() + seconds
    processes = [
        multiprocessing.Process(target=_spin, args=(deadline,), daemon=True)
        for _ in range(n_processes)
    ]
    for process in processes:
        process.start()
    return processes


def stop_load(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip the 1 000 000-row cases (default: off, every case)",
    )
    repeats = (
        "timed fits of each estimator per case, interleaved; the table gives their "
        "median (default: %(default)s)"
    )
    parser.add_argument("--repeats", type=int, default=5, metavar="N", help=repeats)
    parser.add_argument(
        "--load",
        type=int,
        default=0,
        metavar="N",
        help="N background processes keep the cores busy during the run, and "
        "every fit is also timed on one BLAS thread (default: %(default)s, none)",
    )
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=3600,
        metavar="S",
        help="the background processes stop by themselves after S seconds, "
        "should the benchmark not end them (default: %(default)g)",
    )
    parser.add_argument(
        "--estimator",
        choices=["both", *ESTIMATORS],
        default="both",
        help="whose cases to run (default: %(default)s)",
    )
    parser.add_argument(
        "--output",
        metavar="FOLDER",
        help="where bench.json (bench_load.json with --load) goes (default: "
        "benchmarks/results, or nowhere with --quick)",
    )
    args = parser.parse_args()
    started = _results.load_average()
    print(
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"{args.load} busy background processes"
    )
    if args.load:
        VARIANTS[:] = ["ours", "ours" + ONE_THREAD, "sklearn", "sklearn" + ONE_THREAD]
    print_header()
    sizes = [303, 20_000] if args.quick else [303, 20_000, 1_000_000]
    kinds = list(ESTIMATORS) if args.estimator == "both" else [args.estimator]
    load = start_load(args.load, args.load_seconds)
    try:
        # The small cases first: after the 1 000 000-row fits, the allocator
        # and BLAS threads slow every later small fit in this process.
        rows = {kind: small_data_cases(kind, args.repeats) for kind in kinds}
        for kind, fits in fit_cases(sizes, args.repeats, kinds).items():
            rows[kind] += fits
        if not args.quick and not args.load:
            for kind in kinds:
                rows[kind] += memory_case(kind)
    finally:
        stop_load(load)
    complete = not args.quick and args.estimator == "both"
    output = args.output or (_results.RESULTS if complete else None)
    if output:
        result = {
            "busy_processes": args.load,
            "repeats": args.repeats,
            "blas_threads": blas_threads(),
        }
        for kind, key in (("classifier", "rows"), ("regressor", "regressor_rows")):
            result[key] = [
                {"case": case, "unit": unit, "times": times}
                for case, times, unit in rows.get(kind, [])
            ]
        name = "bench_load" if args.load else "bench"
        _results.save(name, result, started, folder=output)


if __name__ == "__main__":
    main()
