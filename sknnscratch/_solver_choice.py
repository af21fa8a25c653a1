"""Which solver a call trains with, and the settings that solver cannot use.

``solver='auto'`` (the default) trains with L-BFGS where it works best, an
ordinary ``fit`` of up to :data:`LBFGS_MAX_WORK` rows times parameters, and
with Adam where a stochastic solver is needed: ``partial_fit``,
``early_stopping=True`` and larger problems. Whatever the solver, a parameter
set away from its default that the call cannot use is reported in one
warning per call, never silently ignored.
"""

import numpy as np

STOCHASTIC_SOLVERS = ("sgd", "adam")

LBFGS_MAX_WORK = 10_000_000
"""Above this many rows times parameters, ``solver='auto'`` takes Adam for ``fit``.

Every L-BFGS iteration is a pass over the whole training set, and hundreds
are usual; an Adam epoch costs about the same pass and makes ``n / 200``
steps. Where one overtakes the other is measured by
``benchmarks/defaults.py --solvers`` (``benchmarks/results/solver_choice.md``).
10 million is 82 000 rows for the 13-8-1 network.
"""

ACCELERATOR_LBFGS_MAX_WORK = 100_000_000_000
""":data:`LBFGS_MAX_WORK` on an accelerator (a CUDA or MPS device, CuPy).

Not measured on this project's machines, which have no GPU: derived from
figures taken on one H200 with PyTorch (1 000 000 rows x 100 features, 256
hidden units: 26 000 parameters, 2.6e10 rows times parameters). There one
L-BFGS iteration (a full-batch loss and gradient) took 6.3 ms in float32,
500 times less than on 16 CPU cores, while an Adam epoch at batch 200 took
4.6 s, bound by the launch of each small step rather than by arithmetic.
An iteration's cost grows with rows times parameters; an epoch's mostly
with the number of steps. At 1e11, about four times that problem, an
iteration takes about 25 ms: ``max_iter`` (3000) iterations stay within
the time of some 16 Adam epochs at batch 200. Beyond, Adam with
:data:`ACCELERATOR_AUTO_BATCH_SIZE`.
"""

ACCELERATOR_AUTO_BATCH_SIZE = 4096
"""The minibatch size ``batch_size='auto'`` means on an accelerator.

A step on a GPU costs about the same from 200 to a few thousand rows (its
kernels' launches dominate): on the H200 above an Adam epoch took 4.6 s at
batch 200, 0.22 s at 4096.
"""

# Who uses what: a parameter is ignored by every solver not listed.
USED_BY = {
    "max_fun": ("lbfgs",),
    "batch_size": STOCHASTIC_SOLVERS,
    "learning_rate_init": STOCHASTIC_SOLVERS,
    "shuffle": STOCHASTIC_SOLVERS,
    "early_stopping": STOCHASTIC_SOLVERS,
    "n_iter_no_change": STOCHASTIC_SOLVERS,
    "validation_fraction": STOCHASTIC_SOLVERS,
    "scoring": STOCHASTIC_SOLVERS,
    "learning_rate": ("sgd",),
    "power_t": ("sgd",),
    "momentum": ("sgd",),
    "nesterovs_momentum": ("sgd",),
    "beta_1": ("adam",),
    "beta_2": ("adam",),
    "epsilon": ("adam",),
}


def choose_solver(
    solver, n_samples, n_parameters, *, incremental, early_stopping, accelerated=False
):
    """The solver this call trains with.

    Parameters
    ----------
    solver : {'auto', 'lbfgs', 'sgd', 'adam'}
        The ``solver`` parameter.
    n_samples : int
        The number of training rows.
    n_parameters : int
        The number of weights and biases of the network.
    incremental : bool
        Whether the call is ``partial_fit``.
    early_stopping : bool
        The ``early_stopping`` parameter.
    accelerated : bool, default=False
        Whether the call computes on an accelerator: the limit is then
        :data:`ACCELERATOR_LBFGS_MAX_WORK`.

    Returns
    -------
    solver : {'lbfgs', 'sgd', 'adam'}
        ``solver`` unless it is 'auto': then 'adam' for ``partial_fit``, with
        ``early_stopping`` or above :data:`LBFGS_MAX_WORK` rows times
        parameters, otherwise 'lbfgs'.
    """
    if solver != "auto":
        return solver
    limit = ACCELERATOR_LBFGS_MAX_WORK if accelerated else LBFGS_MAX_WORK
    too_large = n_samples * n_parameters > limit
    if incremental or early_stopping or too_large:
        return "adam"
    return "lbfgs"


def changed_parameters(params, defaults):
    """The parameters a solver may ignore that are set away from their defaults.

    ``params`` and ``defaults`` map names to values (the estimator's
    ``get_params()`` and its signature's defaults); the result keeps the
    order of ``defaults``.
    """
    return {
        name: params[name]
        for name, default in defaults.items()
        if name in USED_BY and not _same(params[name], default)
    }


def _same(value, default):
    if isinstance(default, bool):  # 1 == True, but shuffle=1 is not the default
        return isinstance(value, bool | np.bool_) and bool(value) == default
    try:
        return bool(value == default)
    except (TypeError, ValueError):  # arrays, objects without equality
        return False


def check_validation_set_is_used(early_stopping, solver, validation_data):
    """Raise when ``fit`` got ``X_val`` but will not early-stop.

    As :class:`~sklearn.ensemble.HistGradientBoostingClassifier` does: a
    validation set only serves early stopping, and data passed for nothing
    is more likely a mistake than a wish.
    """
    if validation_data is None:
        return
    if not early_stopping:
        raise ValueError(
            "X_val and y_val are passed to fit while early_stopping is False: "
            "the validation set serves early stopping only. Set "
            "early_stopping=True, or do not pass them."
        )
    if solver not in STOCHASTIC_SOLVERS:
        raise ValueError(
            f"X_val and y_val are passed to fit, but solver={solver!r} does not "
            "stop early: use solver='adam', 'sgd' or 'auto' (which takes 'adam' "
            "with early_stopping=True)."
        )


def _unused(params, changed, solver, validation_set=False):
    """The changed parameters this call cannot use, each with the reason.

    ``partial_fit`` needs no case of its own: it refuses ``early_stopping``
    before it gets here, and its solver is chosen like any other.
    """
    unused = {}
    for name, value in changed.items():
        if solver not in USED_BY[name]:
            users = " and ".join(repr(s) for s in USED_BY[name])
            unused[name] = (value, f"used only by {users}")
    if solver in STOCHASTIC_SOLVERS and not params["early_stopping"]:
        for name in ("validation_fraction", "scoring"):
            if name in changed:
                unused[name] = (changed[name], "used only with early_stopping=True")
    if validation_set and "validation_fraction" in changed:
        unused["validation_fraction"] = (
            changed["validation_fraction"],
            "X_val is the validation set: nothing is split off",
        )
    if solver == "sgd":
        if "power_t" in changed and params["learning_rate"] != "invscaling":
            unused["power_t"] = (
                changed["power_t"],
                "used only with learning_rate='invscaling'",
            )
        if "nesterovs_momentum" in changed and params["momentum"] == 0:
            unused["nesterovs_momentum"] = (
                changed["nesterovs_momentum"],
                "no momentum to apply it to (momentum=0)",
            )
    return unused


def unused_parameters_message(params, changed, solver, *, validation_set=False):
    """The one warning naming every changed parameter this call cannot use.

    ``params``: the estimator's parameters; ``changed``: those of them set
    away from their defaults (:func:`changed_parameters`);
    ``validation_set``: ``fit`` got ``X_val``, which replaces the split.
    Returns None when every changed parameter is used.
    """
    unused = _unused(params, changed, solver, validation_set)
    if not unused:
        return None
    chosen = (
        f"solver='auto' trains this call with {solver!r}, which"
        if params["solver"] == "auto"
        else f"solver={solver!r}"
    )
    listed = "; ".join(
        f"{name}={value!r} ({reason})" for name, (value, reason) in unused.items()
    )
    return (
        f"{chosen} does not use: {listed}. Choose a solver that uses them, or "
        "leave them at their defaults."
    )
