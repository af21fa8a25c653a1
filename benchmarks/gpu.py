"""ScratchMLPClassifier on a GPU (PyTorch arrays) and on the CPU, side by side.

One table at ``--rows`` x ``--features`` float32 rows (a synthetic binary
target) and one hidden layer of ``--hidden`` ReLU units: per L-BFGS
iteration, per Adam epoch at batch 200 and 4096, one loss and gradient
evaluation, a whole default ``fit``, ``predict_proba`` on every row and the
device's peak memory, for this package on numpy (the CPU) and on PyTorch
arrays under ``array_api_dispatch`` (the CPU's and, where one is present,
CUDA's), next to scikit-learn's ``MLPClassifier`` (numpy only: it has no
Array API support) and ``LogisticRegression(solver="lbfgs")`` (numpy and
PyTorch). Where PyTorch or a CUDA device is missing, its column says "no
device". The table goes to ``benchmarks/results/gpu.json``.

    SCIPY_ARRAY_API=1 python benchmarks/gpu.py                 # a GPU machine
    SCIPY_ARRAY_API=1 python benchmarks/gpu.py --rows 20000    # a quick CPU run

A whole default ``fit`` on the CPU at a million rows takes hours; it runs
on a CPU (numpy's or PyTorch's) only with ``--cpu-default-fit``. The GPU
lines of the README show only what a GPU run stored.
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before scipy is imported

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from _results import load_average, save  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from sknnscratch import ScratchMLPClassifier  # noqa: E402
from sknnscratch._kernels import device_loss_and_gradient  # noqa: E402
from sknnscratch._namespace import placement_of  # noqa: E402
from sknnscratch._network import init_parameters, layer_units, pack  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

NO_DEVICE = "no device"


def data(rows, features, seed=0):
    """float32 rows and a binary target of a noisy linear rule."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, features), dtype=np.float32)
    y = X @ rng.standard_normal(features) + rng.standard_normal(rows) > 0
    return X, y.astype(np.int64)


def columns():
    """Column name -> (PyTorch device or None for numpy), those that can run."""
    found = {"numpy, CPU": None}
    if torch is not None:
        found["PyTorch, CPU"] = "cpu"
    if torch is not None and torch.cuda.is_available():
        found["PyTorch, CUDA"] = "cuda"
    return found


def synchronise(device):
    if device == "cuda":
        torch.cuda.synchronize()


def timed(function, device):
    synchronise(device)
    started = time.perf_counter()
    result = function()
    synchronise(device)
    return time.perf_counter() - started, result


def median_step(model):
    """The median seconds of the steps ``history_`` records (the first left out)."""
    seconds = [row["seconds"] for row in model.history_][1:] or [
        row["seconds"] for row in model.history_
    ]
    return float(np.median(seconds))


def scratch_column(X, y, device, args):
    """This package's figures on numpy (``device`` None) or PyTorch arrays."""
    hidden = (args.hidden,)
    if device is not None:
        X, y = torch.asarray(X, device=device), torch.asarray(y, device=device)
    figures = {}
    with sklearn.config_context(array_api_dispatch=device is not None):
        fit = dict(hidden_layer_sizes=hidden, random_state=0, alpha=1e-4)
        lbfgs = ScratchMLPClassifier(solver="lbfgs", max_iter=args.iterations, **fit)
        figures["L-BFGS iteration, ms"] = 1e3 * median_step(lbfgs.fit(X, y))
        figures["loss + gradient, ms"] = 1e3 * evaluation_seconds(X, y, device, args)
        for batch in (200, 4096):
            adam = ScratchMLPClassifier(
                solver="adam", batch_size=batch, max_iter=args.epochs, **fit
            )
            figures[f"Adam epoch, batch {batch}, s"] = median_step(adam.fit(X, y))
        if device == "cuda" or args.cpu_default_fit:
            if device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            default = ScratchMLPClassifier(**fit)
            seconds, model = timed(lambda: default.fit(X, y), device)
            figures["default fit, s"] = seconds
            figures["default fit's solver"] = model.solver_
        seconds, _ = timed(lambda: lbfgs.predict_proba(X), device)
        figures["predict_proba, ms"] = 1e3 * seconds
    if device == "cuda":
        figures["peak device memory, GiB"] = torch.cuda.max_memory_allocated() / 2**30
    return figures


def evaluation_seconds(X, y, device, args):
    """The median time of one loss and gradient (what an L-BFGS iteration costs)."""
    units = layer_units(X.shape[1], (args.hidden,), 1)
    theta = pack(*init_parameters(units, "relu", np.random.RandomState(0), np.float32))
    if device is None:
        from sknnscratch._kernels import Backprop

        network = Backprop(
            theta,
            units,
            activation="relu",
            out_activation="logistic",
            alpha=1e-4,
            n_rows=X.shape[0],
        )
        Y = y.reshape(-1, 1).astype(np.float32)

        def evaluate():
            return network(X, Y)
    else:
        with sklearn.config_context(array_api_dispatch=True):
            where = placement_of(X)
        theta, Y = where.put(theta), where.put(np.asarray(y.cpu()).reshape(-1, 1), "f4")

        def evaluate():
            return device_loss_and_gradient(
                theta, X, Y, None, units, activation="relu",
                out_activation="logistic", alpha=1e-4,
            )  # fmt: skip

    times = [timed(evaluate, device)[0] for _ in range(args.repeats)]
    return float(np.median(times))


def add_sklearn(table, X, y, args):
    """MLPClassifier (numpy column) and LogisticRegression (every column).

    MLPClassifier records no time per step: its figures are a fit's time
    divided by its iterations.
    """
    figures = table["numpy, CPU"]
    mlp = dict(hidden_layer_sizes=(args.hidden,), random_state=0, alpha=1e-4)
    seconds, model = timed(
        lambda: MLPClassifier(solver="lbfgs", max_iter=args.iterations, **mlp).fit(
            X, y
        ),
        None,
    )
    figures["MLPClassifier L-BFGS iteration, ms"] = 1e3 * seconds / model.n_iter_
    seconds, model = timed(
        lambda: MLPClassifier(solver="adam", max_iter=args.epochs, **mlp).fit(X, y),
        None,
    )
    figures["MLPClassifier Adam epoch, batch 200, s"] = seconds / model.n_iter_
    for name, device in columns().items():
        X_d, y_d = X, y
        if device is not None:
            X_d = torch.asarray(X, device=device)
            y_d = torch.asarray(y, device=device)
        logistic = LogisticRegression()
        with sklearn.config_context(array_api_dispatch=device is not None):
            seconds, _ = timed(lambda: logistic.fit(X_d, y_d), device)  # noqa: B023
        table[name]["LogisticRegression fit, s"] = seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows (default: 1000000)"
    )
    parser.add_argument(
        "--features", type=int, default=100, help="features (default: 100)"
    )
    parser.add_argument(
        "--hidden", type=int, default=256, help="hidden units (default: 256)"
    )
    parser.add_argument(
        "--iterations", type=int, default=10, help="L-BFGS's (default: 10)"
    )
    parser.add_argument(
        "--epochs", type=int, default=2, help="Adam's, per fit (default: 2)"
    )
    parser.add_argument(
        "--repeats", type=int, default=5, help="evaluations (default: 5)"
    )
    parser.add_argument(
        "--cpu-default-fit",
        action="store_true",
        help="also time a whole default fit on the CPU (default: off)",
    )
    parser.add_argument(
        "--no-save", action="store_true", help="print only (default: off)"
    )
    args = parser.parse_args(argv)
    # Few iterations and epochs on purpose: their warnings say nothing here.
    warnings.simplefilter("ignore", category=UserWarning)
    load = load_average()
    X, y = data(args.rows, args.features)
    table = {}
    for name, device in columns().items():
        print(f"measuring {name} ...", flush=True)
        table[name] = scratch_column(X, y, device, args)
    add_sklearn(table, X, y, args)
    if "PyTorch, CUDA" not in table:
        table["PyTorch, CUDA"] = NO_DEVICE
    gpu = torch.cuda.get_device_name() if "cuda" in columns().values() else None
    result = {
        "rows": args.rows,
        "features": args.features,
        "hidden": args.hidden,
        "iterations": args.iterations,
        "epochs": args.epochs,
        "gpu": gpu,
        "torch": None if torch is None else torch.__version__,
        "table": table,
    }
    print(f"{'':40s}" + "".join(f"{name:>16s}" for name in table))
    for what in dict.fromkeys(
        k for c in table.values() if isinstance(c, dict) for k in c
    ):
        cells = [c if isinstance(c, str) else c.get(what, "-") for c in table.values()]
        cells = [f"{c:.4g}" if isinstance(c, float) else str(c) for c in cells]
        print(f"{what:40s}" + "".join(f"{cell:>16s}" for cell in cells))
    if not args.no_save:
        save("gpu", result, load)


if __name__ == "__main__":
    main()
