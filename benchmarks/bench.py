"""ScratchMLPClassifier against scikit-learn's MLPClassifier, same settings.

Every case fits both estimators with identical parameters in this process,
interleaved (ours, theirs, ours, theirs, ...), and reports the median time of
each and their ratio (ours / theirs: below 1 means faster). Absolute times
depend on this machine; compare the ratios.

Run: python benchmarks/bench.py            (everything, a few minutes)
     python benchmarks/bench.py --quick    (no 1 000 000-row cases)
     python benchmarks/bench.py --load 4   (the same while 4 processes keep
                                           the cores busy)

With ``--load N``, N background processes spin a Python loop for the whole
run (each stops by itself after ``--load-seconds``, and the benchmark ends
them when it finishes or fails), and every fit is also timed forced to one
BLAS thread (``threadpool_limits(1)`` around it): the table then gives each
estimator's time against its own one-thread time (1 means the thread count
it chose costs nothing under load).

The table is stored in ``benchmarks/results/bench.json`` (``bench_load.json``
with ``--load``); a ``--quick`` run stores nothing unless given ``--output``.
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
from sklearn.datasets import make_classification
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sknnscratch import ScratchMLPClassifier
from sknnscratch.datasets import load_heart_disease


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


def estimator(name, params):
    return ScratchMLPClassifier(**params) if name == "ours" else MLPClassifier(**params)


def quiet(function):
    def run(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args)

    return run


def fit_cases(sizes, repeats):
    """Per-epoch (per-iteration) times on make_classification data.

    The minibatch solvers run first at every size, L-BFGS last: its large
    multi-threaded BLAS products slow the small fits that follow them in the
    same process (both estimators' alike, but not equally).
    """
    rows = []
    data = {n: make_classification(n_samples=n, n_features=13, random_state=0)
            for n in sizes}  # fmt: skip
    for solvers in (("adam", "sgd"), ("lbfgs",)):
        for n in sizes:
            X64, y = data[n]
            for dtype in (np.float64, np.float32):
                X = X64.astype(dtype)
                for solver in solvers:
                    rows.append(_fit_case(X, y, solver, repeats))
    return rows


def _fit_case(X, y, solver, repeats):
    n = len(y)
    epochs = {303: 50, 20_000: 10, 1_000_000: 2}[n]
    if solver == "lbfgs":
        epochs = {303: 100, 20_000: 50, 1_000_000: 10}[n]
    params = settings(solver, epochs)
    result = timed(
        lambda name: estimator(name, params),
        quiet(lambda model: model.fit(X, y)),
        repeats,
        per_iteration=True,
    )
    unit = "iteration" if solver == "lbfgs" else "epoch"
    row = (f"fit, n={n:,}, {solver}, {X.dtype.name}", result, f"s per {unit}")
    print_row(row)
    return row


def heart_cases(repeats):
    X, y = load_heart_disease(return_X_y=True)
    rows = []

    def pipeline(model):
        return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), model)

    # Preprocess once: time per L-BFGS iteration of the network alone (the
    # two may stop after different numbers of iterations).
    X_scaled = pipeline(StandardScaler())[:-1].fit_transform(X)
    params = settings("lbfgs", 200)
    result = timed(
        lambda name: estimator(name, params),
        quiet(lambda model: model.fit(X_scaled, y)),
        3 * repeats,  # fits of a few milliseconds: more runs, a steadier median
        per_iteration=True,
    )
    rows.append(("heart, fit lbfgs", result, "s per iteration"))
    print_row(rows[-1])

    params = settings("adam", 200)
    cv = StratifiedKFold(n_splits=10, shuffle=True, random_state=0)
    result = timed(
        lambda name: pipeline(estimator(name, params)),
        quiet(lambda model: cross_val_score(model, X, y, cv=cv)),
        repeats,
    )
    rows.append(("heart, cross_val_score, 10 folds, adam 200 epochs", result, "s"))
    print_row(rows[-1])

    grid = {
        "hidden_layer_sizes": [(4,), (8,), (16,)],
        "alpha": [0.1, 1.0, 10.0],
    }
    result = timed(
        lambda name: GridSearchCV(estimator(name, params), grid, cv=5),
        quiet(lambda search: search.fit(X_scaled, y)),
        repeats,
    )
    rows.append(("heart, 3x3 GridSearchCV, 5 folds, adam 200 epochs", result, "s"))
    print_row(rows[-1])
    return rows


def memory_case(n=1_000_000):
    X, y = make_classification(n_samples=n, n_features=13, random_state=0)
    peaks = {}
    for name in ("ours", "sklearn"):
        model = estimator(name, settings("adam", 1))
        gc.collect()
        tracemalloc.start()
        quiet(model.fit)(X, y)
        peaks[name] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    row = (f"peak memory of a fit, n={n:,}, adam", peaks, "MiB")
    print_row(row)
    return [row]


def print_header():
    if len(VARIANTS) == 2:
        print("| case | ours | MLPClassifier | unit | ratio |")
        print("| --- | --- | --- | --- | --- |")
    else:
        print(
            "| case | ours | ours, 1 thread | ratio | MLPClassifier | "
            "MLPClassifier, 1 thread | ratio | unit | ours / MLPClassifier |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def print_row(row):
    case, result, unit = row
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
    load = start_load(args.load, args.load_seconds)
    try:
        # The small cases first: after the 1 000 000-row fits, the allocator
        # and BLAS threads slow every later small fit in this process.
        rows = heart_cases(args.repeats) + fit_cases(sizes, args.repeats)
        if not args.quick and not args.load:
            rows += memory_case()
    finally:
        stop_load(load)
    output = args.output or (None if args.quick else _results.RESULTS)
    if output:
        result = {
            "busy_processes": args.load,
            "repeats": args.repeats,
            "rows": [
                {"case": case, "unit": unit, "times": times}
                for case, times, unit in rows
            ],
        }
        name = "bench_load" if args.load else "bench"
        _results.save(name, result, started, folder=output)


if __name__ == "__main__":
    main()
