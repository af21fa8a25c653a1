"""How many BLAS threads the network's matrix products run on.

The products of a small network are narrow: for the default 13-8-1 network
on 20 000 rows, ``X @ W`` is 20 000 x 13 times 13 x 8. OpenBLAS still splits
them over all its threads, and its threads spin-wait between calls; with
other work on the machine they fight it and everyone loses. So ``fit``,
``partial_fit`` and every ``predict*`` run their products on one BLAS thread
unless they are wide and long enough for more threads to pay (see
:func:`blas_threads`), as scikit-learn's KMeans limits BLAS threads inside
its ``fit``. The estimators decide the number once per call, from the
validated data and the call's settings.

The limit holds only during the call: :func:`limit_blas_threads` puts the
process-wide setting back on exit, also when the call raises.
``tests/test_threads.py`` checks both.
"""

import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

# The rule and the measurements behind it: benchmarks/threads.py, whose
# results are in benchmarks/results/threads.md. Two threads pay only where a
# product is both wide and long, and only on a quiet machine.
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
