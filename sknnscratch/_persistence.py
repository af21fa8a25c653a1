"""Saving and loading a fitted model: plain data, a version, a consistency check.

A pickled (or ``skops``-saved, or deep-copied) model keeps its whole training
state, so training resumes exactly where it stopped. The state is stored as
plain data, so that ``skops.io`` needs nothing trusted but the estimator's
class. The package version is stored with it: loading a model saved by
another version warns. A loaded model whose arrays disagree with each other
raises a clear error instead of failing later inside numpy.
"""

import numpy as np
import sklearn
from sklearn.exceptions import InconsistentVersionWarning

from sknnscratch._monitoring import warn
from sknnscratch._network import pack
from sknnscratch._optimizers import optimizer_from_dict
from sknnscratch._state import TrainingState
from sknnscratch._version import __version__

# Attributes only a fitted model has: a loaded state with any of them must
# hold a whole, consistent network.
_FITTED_MARKERS = ("coefs_", "intercepts_", "classes_", "_label_binarizer")

VERSION_KEY = "_sknnscratch_version"


class SknnscratchVersionWarning(InconsistentVersionWarning):
    """A model saved by another version of sknnscratch was loaded.

    A subclass of scikit-learn's ``InconsistentVersionWarning``, so filters
    and handlers written for scikit-learn's warning catch it too.
    """

    def __str__(self):
        return (
            f"Trying to unpickle estimator {self.estimator_name} saved by "
            f"sknnscratch {self.original_sklearn_version} when using version "
            f"{self.current_sklearn_version}. This might lead to breaking code "
            "or invalid results. Use at your own risk."
        )


# scikit-learn's callback API keeps these during a fit; they refer to the
# whole tree of the fit's tasks and mean nothing in a saved model.
_FIT_BOOKKEEPING = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")
# Attributes of models saved before the training state was one object.
_LEGACY = (
    "_optimizer",
    "_random_state",
    "_split_state",
    "_shuffle_order",
    "_best_theta",
    "_best_validation_loss",
    "_no_improvement_count",
)


def plain_state(state):
    """``__getstate__``'s dict with the training state as plain data (a copy).

    The weights are stored once, as ``coefs_`` and ``intercepts_``: the
    training state's flat vector is rebuilt from them at load.
    """
    state = dict(state)
    for name in _FIT_BOOKKEEPING:  # of a fit under way, when saved mid-fit
        state.pop(name, None)
    training_state = state.get("_training_state")
    if training_state is not None:
        state["_training_state"] = training_state.to_dict()
        state["_training_state"].pop("theta")
    state[VERSION_KEY] = __version__
    # BaseEstimator records this only for scikit-learn's own estimators.
    state["_sklearn_version"] = sklearn.__version__
    return state


def restored_state(state, estimator_name):
    """``__setstate__``'s dict: the versions checked, the training state rebuilt.

    Raises a ValueError when the fitted arrays or the training state disagree
    with each other (see :func:`check_fitted_network`).
    """
    state = dict(state)
    _check_version(
        SknnscratchVersionWarning,
        estimator_name,
        __version__,
        state.pop(VERSION_KEY, None) or "unknown (saved without a version stamp)",
    )
    _check_version(
        InconsistentVersionWarning,
        estimator_name,
        sklearn.__version__,
        state.pop("_sklearn_version", sklearn.__version__),
    )
    if not any(name in state for name in _FITTED_MARKERS):
        return state
    check_fitted_network(_Attributes(state))
    theta = pack(state["coefs_"], state["intercepts_"])
    units = [state["n_features_in_"], *(len(b) for b in state["intercepts_"])]
    saved = state.get("_training_state")
    if isinstance(saved, dict):
        state["_training_state"] = _training_state_from_dict(saved, theta, units)
    elif any(name in state for name in _LEGACY):
        state["_training_state"] = _legacy_training_state(state, theta, units)
    if "solver_" not in state:  # saved before solver='auto' existed
        solver = state.get("solver")
        state["solver_"] = solver if solver in ("lbfgs", "sgd", "adam") else None
    return state


def _check_version(category, estimator_name, current, saved_by):
    if saved_by != current:
        warning = category(
            estimator_name=estimator_name,
            current_sklearn_version=current,
            original_sklearn_version=saved_by,
        )
        warn(warning, category)


class _Attributes:
    """A loaded attribute dict seen as an estimator, for the checks."""

    def __init__(self, state):
        vars(self).update(state)


def _training_state_from_dict(saved, theta, units):
    """The saved training state, checked against the fitted network."""
    try:
        state = TrainingState.from_dict({**saved, "theta": theta})
    except (TypeError, KeyError) as error:
        raise ValueError(
            f"The saved training state does not fit this version of sknnscratch "
            f"({error}); load the model with the version that saved it."
        ) from error
    order, best = state.shuffle_order, state.best_theta
    problems = [
        state.units != units and f"layer widths {state.units}, not {units}",
        order is not None
        and not np.array_equal(np.sort(order), np.arange(order.size))
        and "a shuffle order that is not a permutation",
        best is not None
        and best.shape != theta.shape
        and "best weights of another size",
        state.optimizer is not None
        and getattr(state.optimizer, "key", (None, None))[1] != theta.size
        and "an optimiser for another number of parameters",
    ]
    problems = [problem for problem in problems if problem]
    if problems:
        raise ValueError(
            f"The saved training state disagrees with the fitted network: "
            f"{'; '.join(problems)}. The model was altered after fitting; fit it "
            "again."
        )
    return state


def _legacy_training_state(state, theta, units):
    """The training state of a model saved before it was one object."""
    rng = state.pop("_random_state", None) or np.random.RandomState()
    optimizer = state.pop("_optimizer", None)
    if isinstance(optimizer, dict):
        optimizer = optimizer_from_dict(optimizer)
    training_state = TrainingState(
        units=units,
        theta=theta,
        rng=rng,
        split_state=state.pop("_split_state", None) or rng.get_state(),
        optimizer=optimizer,
        best_theta=state.pop("_best_theta", None),
        best_validation_loss=state.pop("_best_validation_loss", np.inf),
        no_improvement_count=state.pop("_no_improvement_count", 0),
    )
    state.pop("_shuffle_order", None)
    training_state.adopt_fitted_attributes(state)
    return training_state


def n_output_units(binarizer):
    """Output units the fitted targets need: 1 for binary, else one per class."""
    return 1 if binarizer.y_type_ == "binary" else len(binarizer.classes_)


def check_fitted_network(estimator, *, finite=True):
    """Raise a clear ValueError unless the fitted arrays agree with each other.

    Checks that the layers chain (each layer's width is the next one's
    input), that the first takes ``n_features_in_`` inputs and the last has
    the output units the classes need, and (``finite``) that every weight is
    finite. ``hidden_layer_sizes`` may differ: it may have been set after
    fitting, and takes effect at the next cold fit.
    """
    needed = ("coefs_", "intercepts_", "classes_", "n_features_in_", "_label_binarizer")
    missing = [name for name in needed if not hasattr(estimator, name)]
    if missing:
        raise ValueError(
            f"This model lacks the fitted attributes {missing}: it was altered "
            "after fitting. Fit it again."
        )
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    got = [np.shape(W) for W in coefs], [np.shape(b) for b in intercepts]
    widths = [int(estimator.n_features_in_)]
    widths += [shape[-1] if shape else 0 for shape in got[0][:-1]]
    widths.append(n_output_units(estimator._label_binarizer))
    expected = (
        [(a, b) for a, b in zip(widths, widths[1:], strict=False)],
        [(b,) for b in widths[1:]],
    )
    if got != expected:
        raise ValueError(
            f"The fitted arrays of this model disagree: coefs_ have shapes "
            f"{got[0]} and intercepts_ {got[1]}, but n_features_in_="
            f"{estimator.n_features_in_} and classes_ "
            f"{np.asarray(estimator.classes_).tolist()} need {expected[0]} and "
            f"{expected[1]}. The model was altered after fitting; fit it again."
        )
    if finite and not all(np.isfinite(a).all() for a in (*coefs, *intercepts)):
        raise ValueError(
            "This model has non-finite weights: it was altered after fitting. "
            "Fit it again."
        )
