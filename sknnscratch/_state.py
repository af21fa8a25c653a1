"""The training state: everything training carries from one call to the next.

A call to ``fit`` or ``partial_fit`` works on a copy of the estimator's state
and hands it back to be committed only when it succeeds (or was interrupted
at a clean boundary), so a failing call needs no undo: nothing was written.
Within a call, a checkpoint taken after each completed epoch (or L-BFGS
iteration) lets an interrupt return to it.
"""

import copy
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter

import numpy as np
from sklearn.utils import check_random_state

from sknnscratch._network import init_parameters, pack, parameter_shapes
from sknnscratch._plain_data import (
    SOLVERS,
    curve_from_plain,
    curve_to_array,
    describe,
    history_from_plain,
    history_to_array,
    is_integer,
    is_real,
    optimizer_from_plain,
    optimizer_to_plain,
    pack_numbers,
    random_state_from_numbers,
    random_state_from_plain,
    random_state_to_numbers,
    unpack_numbers,
)

# Values a step replaces (never mutates in place), saved by a checkpoint.
_STEP_VALUES = (
    "best_loss",
    "best_validation_score",
    "best_validation_loss",
    "best_theta",
    "no_improvement_count",
    "t",
    "n_iter",
    "loss",
    "divergence_reference",
)
# Lists a step appends to: a checkpoint saves their lengths.
_CURVES = ("loss_curve", "history", "validation_scores", "validation_loss_curve")
_step_values, _curves = attrgetter(*_STEP_VALUES), attrgetter(*_CURVES)


@dataclass
class TrainingState:
    """What training needs to continue exactly where it stopped.

    Attributes
    ----------
    units : list of int
        Width of every layer, inputs first.
    theta : ndarray
        Every weight and bias in one flat vector (``coefs_`` and
        ``intercepts_`` are views of it, see ``_network.unpack``).
    rng : numpy.random.RandomState
        The one random stream: initial weights, then shuffling.
    split_state : tuple
        ``rng``'s state when the early-stopping split was first drawn, so
        that a later call holds out the same rows.
    optimizer : SGD, Adam or None
        The stochastic optimiser and its state; None before the first
        minibatch epoch (and for 'lbfgs').
    shuffle_order : ndarray of int or None
        The row order of the last epoch; the next epoch shuffles it again.
    loss_curve, history : list
        The objective and a history row after every epoch or iteration.
    validation_scores, validation_loss_curve : list or None
        Per epoch with early stopping; None without.
    best_loss : float
        The lowest training objective of the steps since it was last reset
        (``inf`` before the first): a fit with early stopping resets it and
        does not track it.
    early_stopping : bool
        Whether the last call stopped early on a validation set (its
        ``best_loss_`` is then None, as MLPClassifier's).
    best_validation_score, best_validation_loss : float
        The best epoch's validation score and loss (early stopping).
    best_theta : ndarray or None
        The parameters of the best validation epoch.
    no_improvement_count : int
        Epochs in a row without improvement by ``tol``.
    t : int
        Samples processed; ``n_iter``: epochs or iterations of the last call.
    loss : float or None
        The objective after the last completed epoch or iteration.
    divergence_reference : float or None
        The first finite loss of this training run: divergence is judged
        against it, across calls as within one.
    solver : {'lbfgs', 'sgd', 'adam'} or None
        The solver of the last call (``solver='auto'`` chooses per call).
    objective : tuple or None
        The settings the objective was measured under (``alpha``,
        ``class_weight``): when they change, so does the loss's scale, and
        the divergence reference starts anew.
    """

    units: list
    theta: np.ndarray
    rng: np.random.RandomState
    split_state: tuple
    optimizer: object = None
    shuffle_order: np.ndarray | None = None
    loss_curve: list = field(default_factory=list)
    history: list = field(default_factory=list)
    validation_scores: list | None = None
    validation_loss_curve: list | None = None
    best_loss: float = np.inf
    early_stopping: bool = False
    best_validation_score: float | None = None
    best_validation_loss: float = np.inf
    best_theta: np.ndarray | None = None
    no_improvement_count: int = 0
    t: int = 0
    n_iter: int = 0
    loss: float | None = None
    divergence_reference: float | None = None
    solver: str | None = None
    objective: tuple | None = None

    @classmethod
    def fresh(cls, units, theta, rng):
        """The state of a first (or cold) fit, starting from ``theta``."""
        return cls(units=list(units), theta=theta, rng=rng, split_state=rng.get_state())

    @classmethod
    def from_fitted_attributes(cls, attributes, units, theta, random_state):
        """A state for a model fitted without one (weights set by hand, imported).

        The curves and counters come from the public attributes (a dict of
        them) where they exist; the random stream starts from
        ``random_state``.
        """
        state = cls.fresh(units, theta, check_random_state(random_state))
        state.adopt_fitted_attributes(attributes)
        return state

    def adopt_fitted_attributes(self, attributes):
        """Take the curves and counters from a model's public attributes.

        ``history_`` gets a row for every entry of ``loss_curve_`` it lacks
        (a model imported from MLPClassifier has none), so the two agree.
        """
        self.loss_curve = list(attributes.get("loss_curve_") or [])
        history = list(attributes.get("history_") or [])
        scores = attributes.get("validation_scores_")
        for epoch in range(len(history), len(self.loss_curve)):
            history.append(
                {
                    "epoch": epoch + 1,
                    "train_loss": self.loss_curve[epoch],
                    "validation_loss": None,
                    "validation_score": None if scores is None else scores[epoch],
                    "learning_rate": None,
                    "seconds": None,
                }
            )
        self.history = history[: len(self.loss_curve)]
        for name in ("validation_scores", "validation_loss_curve"):
            curve = attributes.get(f"{name}_")
            setattr(self, name, None if curve is None else list(curve))
        if self.validation_scores is not None and self.validation_loss_curve is None:
            self.validation_loss_curve = [np.nan] * len(self.validation_scores)
        self.best_validation_score = attributes.get("best_validation_score_")
        best_loss = attributes.get("best_loss_", np.inf)
        self.early_stopping = best_loss is None
        self.best_loss = np.inf if best_loss is None else best_loss
        self.t = attributes.get("t_", 0)
        self.n_iter = attributes.get("n_iter_", 0)
        self.loss = attributes.get("loss_")

    def copy(self, share_order=False, share_rng=False):
        """An independent copy: training the copy leaves this one as it was.

        With ``share_order``, the copy shares the shuffle order (as long as
        the data): a training loop replaces it by its own copy before it
        shuffles (see ``_solvers.run_epochs``), so the order is copied once.
        With ``share_rng``, it shares the random stream, for a call that
        draws nothing from it (L-BFGS): every call that draws works on a
        copy of its own, so a shared stream is never advanced.
        """

        def copied(value):
            if isinstance(value, np.ndarray | list):
                return value.copy()
            return value

        shared = ("units", "rng", "optimizer") + (("shuffle_order",) * share_order)
        return replace(
            self,
            units=list(self.units),
            rng=self.rng if share_rng else _copied_random_state(self.rng),
            optimizer=copy.deepcopy(self.optimizer),
            **{
                f.name: copied(getattr(self, f.name))
                for f in fields(self)
                if f.name not in shared
            },
        )

    def checkpoint(self):
        """What :meth:`rollback` needs to return to this point of training.

        The random stream and the shuffle order are left out: they change
        once per epoch, at its start, and saving them costs more than a small
        epoch. :meth:`replay_shuffles` restores them instead.
        """
        optimizer = self.optimizer
        return (
            self.theta.copy(),
            None if optimizer is None else optimizer.snapshot(),
            _step_values(self),
            [None if curve is None else len(curve) for curve in _curves(self)],
        )

    def rollback(self, checkpoint):
        """Return to a :meth:`checkpoint` of this state (arrays in place)."""
        theta, optimizer, values, lengths = checkpoint
        self.theta[...] = theta
        if optimizer is not None:
            self.optimizer.restore(optimizer)
        for name, value in zip(_STEP_VALUES, values, strict=True):
            setattr(self, name, value)
        for name, length in zip(_CURVES, lengths, strict=True):
            if length is None:
                setattr(self, name, None)
            else:
                del getattr(self, name)[length:]

    def replay_shuffles(self, rng_state, order, n_epochs):
        """Put the random stream and shuffle order where ``n_epochs`` left them.

        ``rng_state`` and ``order`` are those before the first of those
        epochs (``order`` None: the rows in their stored order); each epoch
        shuffles the order once.
        """
        self.rng.set_state(rng_state)
        if order is None:
            order = np.arange(self.shuffle_order.size)
        self.shuffle_order[...] = order
        for _ in range(n_epochs):
            self.rng.shuffle(self.shuffle_order)

    def to_dict(self):
        """The state as plain data, for saving.

        Its numbers (layer widths, random streams, counters, losses, shuffle
        order, best weights) in one structured array ``numbers``, a field
        each, a field left out where the value is None; beside it the
        solver, the objective's settings, the optimiser (see
        ``_plain_data.optimizer_to_plain``), the curves as float arrays and
        the history as a record array.
        """
        numbers = {"units": np.array(self.units, dtype=np.int64)}
        numbers.update(random_state_to_numbers(self.rng.get_state(), "rng"))
        numbers.update(random_state_to_numbers(self.split_state, "split_state"))
        for name in _NUMBER_FIELDS:
            value = getattr(self, name)
            if name == "best_loss" and self.early_stopping:
                value = None  # saved as before: None means early stopping
            if value is not None:
                numbers[name] = value
        return {
            "numbers": pack_numbers(numbers),
            "solver": self.solver,
            "objective": self.objective,
            "optimizer": optimizer_to_plain(self.optimizer),
            "loss_curve": curve_to_array(self.loss_curve),
            "validation_scores": curve_to_array(self.validation_scores),
            "validation_loss_curve": curve_to_array(self.validation_loss_curve),
            "history": history_to_array(self.history),
        }

    @classmethod
    def from_dict(cls, data):
        """The state :meth:`to_dict` described (or 0.1.0's dict of its fields).

        ``data`` also holds ``theta``, the flat parameter vector (saved as
        the model's weights). Curves it lacks are left empty.

        Raises
        ------
        ValueError
            Naming the field and what is wrong with it, when the data is not
            a training state this version can continue from.
        """
        data = dict(data)
        if "numbers" in data:
            data = _fields_of_packed_state(data)
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown fields {unknown}")
        required = ("units", "theta", "rng", "split_state")
        missing = [name for name in required if name not in data]
        if missing:
            raise ValueError(f"missing fields {missing}")
        units = data["units"]
        if not (
            isinstance(units, list | tuple | np.ndarray)
            and np.ndim(units) == 1
            and len(units) >= 2
            and all(is_integer(u) and u > 0 for u in units)
        ):
            raise ValueError(f"units must be a list of layer widths, got {units!r}")
        data["units"] = [int(u) for u in units]
        data["rng"] = random_state_from_plain(data["rng"], "rng")
        data["split_state"] = random_state_from_plain(
            data["split_state"], "split_state"
        ).get_state()
        data["optimizer"] = optimizer_from_plain(data.get("optimizer"))
        for name in ("loss_curve", "validation_scores", "validation_loss_curve"):
            if name in data:
                data[name] = curve_from_plain(data[name], name)
        if data.get("loss_curve") is None:
            data["loss_curve"] = []
        if data.get("history") is not None:
            data["history"] = history_from_plain(data["history"], "history")
        else:
            data["history"] = []
        for name, check in _SCALAR_FIELDS.items():
            if name in data and not check(data[name]):
                raise ValueError(f"{name}={data[name]!r} is not {check.__doc__}")
        if data.get("objective") is not None:
            data["objective"] = tuple(data["objective"])
        if "early_stopping" not in data:  # saved with best_loss None for it
            data["early_stopping"] = data.get("best_loss", np.inf) is None
        if data.get("best_loss") is None:
            data["best_loss"] = np.inf
        for name, kind in (("shuffle_order", "iu"), ("best_theta", "f")):
            value = data.get(name)
            if value is not None and not (
                isinstance(value, np.ndarray)
                and value.ndim == 1
                and value.dtype.kind in kind
            ):
                raise ValueError(
                    f"{name} must be a 1-D {'integer' if kind == 'iu' else 'float'} "
                    f"array, got {describe(value)}"
                )
        return cls(**data)


def _copied_random_state(rng):
    """An independent copy of a RandomState: the same stream from here on.

    Seeding a new one with 0 and setting its state is several times faster
    than ``copy.deepcopy``, which a fit's copy of its state would wait on.
    """
    copied = np.random.RandomState(0)
    copied.set_state(rng.get_state())
    return copied


# The numbers of a state that to_dict packs, a field each (None: left out).
_NUMBER_FIELDS = ("shuffle_order", *_STEP_VALUES)


def _fields_of_packed_state(data):
    """The fields of a state saved by :meth:`TrainingState.to_dict`."""
    packed = dict(data)
    numbers = unpack_numbers(packed.pop("numbers"), "numbers")
    fields_ = {name: numbers.pop(name, None) for name in _NUMBER_FIELDS}
    fields_["units"] = numbers.pop("units", None)
    fields_["rng"] = random_state_from_numbers(numbers, "rng")
    fields_["split_state"] = random_state_from_numbers(numbers, "split_state")
    if numbers:
        raise ValueError(f"unknown numbers {sorted(numbers)}")
    for name, default in (
        ("best_validation_loss", np.inf),
        ("no_improvement_count", 0),
    ):
        if fields_[name] is None:
            fields_[name] = default
    for name in ("t", "n_iter"):
        if fields_[name] is None:
            fields_[name] = 0
    return {**fields_, **packed}


def _count(value):
    """a non-negative integer"""
    return is_integer(value) and value >= 0


def _real(value):
    """a real number"""
    return is_real(value)


def _real_or_none(value):
    """a real number or None"""
    return value is None or is_real(value)


def _solver_or_none(value):
    """one of 'lbfgs', 'sgd', 'adam' or None"""
    return value is None or (isinstance(value, str) and value in SOLVERS)


def _objective(value):
    """None or a pair (alpha, class_weight's repr)"""
    return value is None or (
        isinstance(value, tuple | list)
        and len(value) == 2
        and is_real(value[0])
        and isinstance(value[1], str)
    )


_SCALAR_FIELDS = {
    "best_loss": _real_or_none,
    "best_validation_score": _real_or_none,
    "best_validation_loss": _real,
    "no_improvement_count": _count,
    "t": _count,
    "n_iter": _count,
    "loss": _real_or_none,
    "divergence_reference": _real_or_none,
    "solver": _solver_or_none,
    "objective": _objective,
}


def fresh_state(units, settings, dtype):
    """The state of a first (or cold) fit: initial weights from ``random_state``."""
    rng = check_random_state(settings.random_state)
    coefs, intercepts = init_parameters(
        units, settings.objective.activation, rng, dtype
    )
    state = TrainingState.fresh(units, pack(coefs, intercepts, dtype=dtype), rng)
    state.objective = settings.objective.key
    return state


def resumed_state(fitted, units, settings, dtype):
    """A copy of a fitted model's state, to continue training from.

    Parameters
    ----------
    fitted : dict
        The fitted model's attributes: ``coefs_`` and ``intercepts_``
        (possibly set by hand), and its ``_training_state`` when it has one
        (otherwise one is made from the public attributes).
    units : list of int
        The layer widths this call's data asks for.
    settings : Settings
        The call's settings.
    dtype : numpy dtype
        The training dtype.
    """
    check_parameter_shapes(fitted["coefs_"], fitted["intercepts_"], units)
    theta = pack(fitted["coefs_"], fitted["intercepts_"], dtype=dtype)
    saved = fitted.get("_training_state")
    if saved is None or saved.units != units:
        state = TrainingState.from_fitted_attributes(
            fitted, units, theta, settings.random_state
        )
    else:
        state = saved.copy(share_order=True, share_rng=settings.solver == "lbfgs")
        state.theta = theta
    objective = settings.objective.key
    if state.objective != objective:
        # Another objective: the losses seen so far measured the old one.
        state.objective, state.divergence_reference = objective, None
        state.best_loss, state.no_improvement_count = np.inf, 0
    # A count past n_iter_no_change means the last fit stopped: train anew.
    if state.no_improvement_count > settings.n_iter_no_change:
        state.no_improvement_count = 0
    return state


def check_parameter_shapes(coefs, intercepts, units):
    """Check (hand-set) coefs_/intercepts_ against the network the data asks for."""
    expected, expected_b = parameter_shapes(units)
    got = [np.shape(W) for W in coefs]
    got_b = [np.shape(b) for b in intercepts]
    if got != expected or got_b != expected_b:
        raise ValueError(
            f"Continuing from the current weights needs coefs_ of shapes "
            f"{expected} and intercepts_ of shapes {expected_b} "
            f"for this data and hidden_layer_sizes; got {got} and {got_b}."
        )
