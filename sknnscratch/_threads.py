"""How many BLAS threads the network's matrix products run on.

The products of a small network are narrow: for the default 13-8-1 network
on 20 000 rows, ``X @ W`` is 20 000 x 13 times 13 x 8. OpenBLAS still splits
them over all its threads, and its threads spin-wait between calls; with
other work on the machine they fight it and everyone loses. So ``fit``,
``partial_fit`` and every ``predict*`` run their products on one BLAS thread
unless they are wide and long enough for more threads to pay (see
:func:`blas_threads` and the measurements there), as scikit-learn's KMeans
limits BLAS threads inside its ``fit``.

The limit holds only during the call: :func:`limit_blas_threads` puts the
process-wide setting back on exit, also when the call raises.
``tests/test_threads.py`` checks both.
"""

import functools
import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

from sknnscratch._network import n_parameters
from sknnscratch._solver_choice import choose_solver
from sknnscratch._state import hidden_sizes

# The rule, from benchmarks/threads.py on this project's 2-core machine
# (time per L-BFGS iteration or adam epoch, 13 features, two BLAS threads
# divided by one; median of 3, interleaved; the machine is shared, so two
# runs: a quieter one, load average 2.4-3.2, and a busy one, 2.4-5.2):
#
#   case (rows per product, hidden)     quieter run     busy run
#   lbfgs 20 000 rows, 8                3.4 (*)         4.52
#   lbfgs 20 000, 64                    2.06            34.5
#   lbfgs 20 000, 128                   1.05            1.63
#   lbfgs 20 000, 512                   0.85            2.07
#   lbfgs 1 000 000, 8                  1.25 (*)        9.74
#   lbfgs 1 000 000, 128                0.81            8.68
#   adam batch 200, 8 / 256 / 1024      1.08 / 0.96 / 2.05
#   adam batch 2 000, 256 / 1024        2.17 / 1.06     18.2 / 6.12
#   adam batch 20 000, 256 / 1024       0.83 / 0.89     11.0 / 3.99
#   (*) quiet machine (load average 0.5): 8.4 / 2.5 ms and 167 / 134 ms per
#   iteration, before the buffer reuse in _kernels.py.
#
# Two threads pay on a quiet machine only where a product is both wide and
# long: a layer of at least WIDE_LAYER units and at least MANY_MULTIPLY_ADDS
# in one product (rows x fan-in x fan-out), and there by 10-20 %. Everywhere
# else one thread is faster, the 13-8-1 network's products by 1.25-6x even
# on a quiet machine. On a busy machine one thread wins in every case, by up
# to 35x; where the rule keeps more threads, set fewer around the call
# (threadpoolctl.threadpool_limits) if the machine is shared.
WIDE_LAYER = 128
"""Units in the widest layer from which more BLAS threads may pay."""

MANY_MULTIPLY_ADDS = 5e7
"""Multiply-adds in the largest product from which more BLAS threads may pay."""


def blas_threads(n_rows, units):
    """The number of BLAS threads the rule gives a network's products.

    Parameters
    ----------
    n_rows : int
        Rows in one product: the batch size for 'sgd' and 'adam', every
        training row for 'lbfgs', the rows predicted.
    units : sequence of int
        Width of every layer, input and output included.

    Returns
    -------
    n_threads : int or None
        1, or None where more threads pay: then the process's own setting
        stands (never more threads than it allows).
    """
    fan = max(a * b for a, b in zip(units[:-1], units[1:], strict=False))
    if max(units[1:]) >= WIDE_LAYER and n_rows * fan >= MANY_MULTIPLY_ADDS:
        return None
    return 1


def estimator_blas_threads(estimator, X, fitting, incremental=False):
    """:func:`blas_threads` for a call of ``estimator`` on ``X``.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        Its settings (or, when predicting, its fitted layers) give the widths.
    X : array-like
        The input; only its shape is looked at.
    fitting : bool
        True for ``fit`` and ``partial_fit``: the stochastic solvers' products
        are one batch long.
    incremental : bool, default=False
        True for ``partial_fit`` (``solver='auto'`` takes Adam for it).

    Returns
    -------
    n_threads : int or None
        See :func:`blas_threads`.
    """
    try:
        n_rows, n_features = (int(size) for size in X.shape)
        if fitting:
            units = [n_features, *hidden_sizes(estimator), 1]
            solver = choose_solver(
                estimator, n_rows, n_parameters(units), incremental=incremental
            )
            if solver != "lbfgs":
                batch = estimator.batch_size
                n_rows = min(200 if batch == "auto" else int(batch), n_rows)
        else:
            units = [n_features, *(W.shape[1] for W in estimator.coefs_)]
    except Exception:  # lists, bad settings, unfitted: validation's business
        return 1
    return blas_threads(n_rows, units)


_lock = threading.Lock()
_state = {"depth": 0, "limiter": None, "controller": None}


def _controller():
    """The BLAS libraries loaded in this process, looked up once.

    numpy's and scipy's (sknnscratch imports both) are loaded by the first
    call; looking the libraries up again for every call would cost more than
    a small prediction does.
    """
    if _state["controller"] is None:
        _state["controller"] = ThreadpoolController().select(user_api="blas")
    return _state["controller"]


@contextmanager
def limit_blas_threads(n_threads):
    """Run the block with at most ``n_threads`` BLAS threads.

    The setting is the process's, so nested and concurrent blocks share one
    limit: the first to enter sets it (if any BLAS library allows more
    threads), the last to leave puts back the setting it found, also when
    a block raises. ``None`` changes nothing.

    Parameters
    ----------
    n_threads : int or None
        The most BLAS threads, from :func:`blas_threads`.
    """
    if n_threads is None:
        yield
        return
    with _lock:
        if _state["depth"] == 0:
            controller = _controller()
            if any(lib.num_threads > n_threads for lib in controller.lib_controllers):
                _state["limiter"] = controller.limit(limits=n_threads)
        _state["depth"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["depth"] -= 1
            if _state["depth"] == 0 and _state["limiter"] is not None:
                limiter, _state["limiter"] = _state["limiter"], None
                limiter.restore_original_limits()


def limits_blas_threads(fitting, incremental=False):
    """Decorate ``method(self, X, ...)`` to run under :func:`limit_blas_threads`.

    Parameters
    ----------
    fitting, incremental : bool
        See :func:`estimator_blas_threads`.
    """

    def decorate(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            X = args[0] if args else kwargs.get("X")
            n_threads = estimator_blas_threads(self, X, fitting, incremental)
            with limit_blas_threads(n_threads):
                return method(self, *args, **kwargs)

        return run

    return decorate
