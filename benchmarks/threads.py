"""Where do more BLAS threads pay? The measurements behind ``_threads.py``.

Fits ScratchMLPClassifier (13 features) with one and with two BLAS threads,
interleaved, and prints the median time per iteration (L-BFGS) or epoch
(adam) of each and their ratio (two threads / one: below 1, threads pay).
The estimator's own thread rule is switched off for the measurement.

Run: python benchmarks/threads.py [--repeats 5] [--quick]
"""

import argparse
import statistics
import time
import warnings
from unittest import mock

from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits

from sknnscratch import ScratchMLPClassifier, _threads

CASES = [  # solver, rows, hidden units, batch size
    *(("lbfgs", 20_000, h, None) for h in (8, 64, 128, 256, 512)),
    *(("lbfgs", 200_000, h, None) for h in (8, 64, 128, 256)),
    *(("lbfgs", 1_000_000, h, None) for h in (8, 128)),
    *(("adam", 40_000, h, b) for b in (200, 2_000, 20_000) for h in (8, 256, 1024)),
]


def per_iteration(solver, n, hidden, batch, X, y, threads):
    iterations = 2 if n * hidden > 2e7 else 10
    params = dict(hidden_layer_sizes=(hidden,), alpha=1e-4, solver=solver,
                  max_iter=iterations, tol=0.0, random_state=0)  # fmt: skip
    if batch:
        params.update(batch_size=batch, n_iter_no_change=iterations + 1)
    model = ScratchMLPClassifier(**params)
    with threadpool_limits(threads, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        model.fit(X, y)
        return (time.perf_counter() - start) / model.n_iter_


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        metavar="N",
        help="timed fits per case and thread count, interleaved; the table "
        "gives their medians (default: %(default)s)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip the 1 000 000-row cases (default: off, every case)",
    )
    args = parser.parse_args()
    data = {}
    print("| solver | rows | hidden | batch | 1 thread (ms) | 2 threads (ms) | 2/1 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    # The rule off: the estimator keeps the thread count set around it.
    with mock.patch.object(_threads, "blas_threads", lambda n_rows, units: None):
        for solver, n, hidden, batch in CASES:
            if args.quick and n >= 1_000_000:
                continue
            if n not in data:
                data[n] = make_classification(n, 13, random_state=0)
            times = {1: [], 2: []}
            for _ in range(args.repeats):
                for threads in times:
                    times[threads].append(
                        per_iteration(solver, n, hidden, batch, *data[n], threads)
                    )
            one, two = (statistics.median(times[t]) * 1e3 for t in (1, 2))
            print(f"| {solver} | {n:,} | {hidden} | {batch or n:,} | {one:.3g} | "
                  f"{two:.3g} | {two / one:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
