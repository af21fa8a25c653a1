"""The settings of one training call, read from the estimator's parameters once.

After a call's data is validated, the estimator reads its parameters into a
frozen :class:`Settings` together with what they decide for this call: the
layer widths and the solver (the minibatch size follows from
:func:`batch_rows`, the one batch rule). The training layers below the
estimator (the loops, the monitor, the training state, the BLAS-thread
rule) receive these settings and never the estimator itself, so the facts
of a call are decided in one place and cannot change while it runs.
"""

from dataclasses import astuple, dataclass
from numbers import Integral

import numpy as np

from sknnscratch._network import layer_units, n_parameters
from sknnscratch._solver_choice import ACCELERATOR_AUTO_BATCH_SIZE, choose_solver

AUTO_BATCH_SIZE = 200
"""The minibatch size ``batch_size='auto'`` means (at most every row)."""


@dataclass(frozen=True)
class Objective:
    """What training minimises (besides the data).

    Attributes
    ----------
    activation : str
        The hidden activation.
    alpha : float
        The L2 penalty, as the estimator holds it.
    class_weight : str
        ``repr`` of ``class_weight``: with ``alpha``, what the loss's scale
        depends on.
    """

    activation: str
    alpha: float
    class_weight: str

    @property
    def key(self):
        """``(alpha, class_weight)``: a change means a new scale of the loss."""
        return (float(self.alpha), self.class_weight)


@dataclass(frozen=True)
class SGDSettings:
    """The settings of ``solver='sgd'``, in the order ``SGD`` takes them."""

    learning_rate_init: float
    learning_rate: str
    momentum: float
    nesterovs_momentum: bool
    power_t: float

    name = "sgd"


@dataclass(frozen=True)
class AdamSettings:
    """The settings of ``solver='adam'``, in the order ``Adam`` takes them."""

    learning_rate_init: float
    beta_1: float
    beta_2: float
    epsilon: float

    name = "adam"


def optimizer_key(settings):
    """The tuple a saved optimiser records its settings as: name, then values."""
    return (settings.name, *astuple(settings))


@dataclass(frozen=True)
class EarlyStopping:
    """Early stopping's settings, for a ``fit`` that uses it.

    Attributes
    ----------
    validation_fraction : float
        The share of the training weight held out (without ``X_val``).
    scoring : None, str or callable
        The ``scoring`` parameter, as given (for messages).
    scorer : callable or None
        The scorer built from it; None for accuracy (``scoring=None``) and
        for ``'loss'``, which the monitor computes itself.
    """

    validation_fraction: float
    scoring: object
    scorer: object


@dataclass(frozen=True)
class Settings:
    """Everything one training call needs to know, decided before it starts.

    Attributes
    ----------
    solver : {'lbfgs', 'sgd', 'adam'}
        The solver of this call (``solver='auto'`` resolved).
    incremental : bool
        One epoch of ``partial_fit`` rather than a ``fit``.
    units : list of int
        Width of every layer, inputs first.
    objective : Objective
        What training minimises.
    optimizer : SGDSettings, AdamSettings or None
        The stochastic optimiser's settings (None for 'lbfgs').
    batch_size : int or str
        The ``batch_size`` parameter (see :func:`batch_rows`).
    shuffle : bool
        Whether each epoch shuffles the rows.
    max_iter, max_fun, n_iter_no_change : int
        Stopping limits.
    tol : float
        The tolerance of both stopping rules.
    early_stopping : EarlyStopping or None
        Early stopping's settings, None when this call does not use it.
    verbose : bool
        Whether every step prints its line.
    random_state : None, int or RandomState
        Seeds a fresh training state.
    placement : Placement or None
        The Array API namespace and device the loops compute on, under
        ``array_api_dispatch``; None: numpy (see :mod:`sknnscratch._namespace`).
    """

    solver: str
    incremental: bool
    units: list
    objective: Objective
    optimizer: SGDSettings | AdamSettings | None
    batch_size: object
    shuffle: bool
    max_iter: int
    max_fun: int
    n_iter_no_change: int
    tol: float
    early_stopping: EarlyStopping | None
    verbose: bool
    random_state: object
    placement: object = None

    @property
    def max_steps(self):
        """The most epochs (or L-BFGS iterations) this call can run.

        L-BFGS opens one step more than it completes: the callbacks' last
        subtask, which never runs.
        """
        return 1 if self.incremental else self.max_iter + (self.solver == "lbfgs")


def hidden_layer_widths(hidden_layer_sizes):
    """``hidden_layer_sizes`` as a tuple of positive ints (or a clear error)."""
    sizes = hidden_layer_sizes
    if isinstance(sizes, np.ndarray) and sizes.ndim == 0:
        sizes = sizes.item()  # np.array(5): one layer of 5
    sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
    if not all(isinstance(s, Integral) and s > 0 for s in sizes):
        raise ValueError(
            "hidden_layer_sizes must hold positive integers, got "
            f"{hidden_layer_sizes!r}."
        )
    return tuple(int(s) for s in sizes)


def batch_rows(batch_size, n_samples, placement=None):
    """The minibatch size: ``min(200, n)`` for 'auto', at most ``n`` rows.

    The one batch rule: the training loop and the BLAS-thread rule use it.
    On an accelerator (``placement``), 'auto' means
    ``min(ACCELERATOR_AUTO_BATCH_SIZE, n)``.
    """
    if isinstance(batch_size, str):  # 'auto'
        accelerated = placement is not None and placement.accelerated
        auto = ACCELERATOR_AUTO_BATCH_SIZE if accelerated else AUTO_BATCH_SIZE
        return min(auto, n_samples)
    return min(int(batch_size), n_samples)


def _optimizer_settings(solver, params):
    """The stochastic optimiser's settings from the parameters (None: 'lbfgs')."""
    if solver == "sgd":
        return SGDSettings(
            params["learning_rate_init"],
            params["learning_rate"],
            params["momentum"],
            params["nesterovs_momentum"],
            params["power_t"],
        )
    if solver == "adam":
        return AdamSettings(
            params["learning_rate_init"],
            params["beta_1"],
            params["beta_2"],
            params["epsilon"],
        )
    return None


def training_settings(
    params,
    *,
    n_samples,
    n_features,
    n_outputs,
    incremental,
    scorer_for,
    placement=None,
):
    """The :class:`Settings` of one call, from the estimator's parameters.

    Parameters
    ----------
    params : dict
        The estimator's parameters, validated (the regressor has no
        ``class_weight``).
    n_samples, n_features, n_outputs : int
        Training rows, input columns and output units: with ``params`` they
        fix the layer widths and choose the solver.
    incremental : bool
        Whether the call is ``partial_fit``.
    scorer_for : callable
        ``scorer_for(scoring)`` builds early stopping's scorer (the
        estimator's business), called only when this call stops early with
        a scoring other than accuracy (None) or ``'loss'``.
    placement : Placement or None, default=None
        Where the call computes (None: numpy); an accelerator moves the
        limit of ``solver='auto'``.
    """
    units = layer_units(
        n_features, hidden_layer_widths(params["hidden_layer_sizes"]), n_outputs
    )
    solver = choose_solver(
        params["solver"],
        n_samples,
        n_parameters(units),
        incremental=incremental,
        early_stopping=params["early_stopping"],
        accelerated=placement is not None and placement.accelerated,
    )
    optimizer = _optimizer_settings(solver, params)
    early_stopping = None
    if params["early_stopping"] and not incremental and solver != "lbfgs":
        scoring = params["scoring"]
        plain = scoring is None or (isinstance(scoring, str) and scoring == "loss")
        early_stopping = EarlyStopping(
            params["validation_fraction"],
            scoring,
            None if plain else scorer_for(scoring),
        )
    return Settings(
        solver=solver,
        incremental=incremental,
        units=units,
        objective=Objective(
            params["activation"], params["alpha"], repr(params.get("class_weight"))
        ),
        optimizer=optimizer,
        batch_size=params["batch_size"],
        shuffle=params["shuffle"],
        max_iter=params["max_iter"],
        max_fun=params["max_fun"],
        n_iter_no_change=params["n_iter_no_change"],
        tol=params["tol"],
        early_stopping=early_stopping,
        verbose=params["verbose"],
        random_state=params["random_state"],
        placement=placement,
    )
