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
from sknnscratch._state import TrainingState, hidden_sizes
from sknnscratch._version import __version__

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


def plain_state(state):
    """``__getstate__``'s dict with the training state as plain data (a copy)."""
    state = dict(state)
    training_state = state.get("_training_state")
    if training_state is not None:
        state["_training_state"] = training_state.to_dict()
    state[VERSION_KEY] = __version__
    return state


def restored_state(state, estimator_name):
    """``__setstate__``'s dict: training state rebuilt, the version checked."""
    state = dict(state)
    saved_by = state.pop(VERSION_KEY, None)
    if saved_by != __version__:
        warn(
            SknnscratchVersionWarning(
                estimator_name=estimator_name,
                current_sklearn_version=__version__,
                original_sklearn_version=saved_by or "unknown (before 0.1.0)",
            ),
            SknnscratchVersionWarning,
        )
    saved_with = state.get("_sklearn_version", sklearn.__version__)
    if saved_with != sklearn.__version__:
        # BaseEstimator checks this only for scikit-learn's own estimators.
        warn(
            InconsistentVersionWarning(
                estimator_name=estimator_name,
                current_sklearn_version=sklearn.__version__,
                original_sklearn_version=saved_with,
            ),
            InconsistentVersionWarning,
        )
    if isinstance(state.get("_training_state"), dict):
        state["_training_state"] = TrainingState.from_dict(state["_training_state"])
    return state


def n_output_units(binarizer):
    """Output units the fitted targets need: 1 for binary, else one per class."""
    return 1 if binarizer.y_type_ == "binary" else len(binarizer.classes_)


def check_fitted_network(estimator, *, against_parameters=False):
    """Raise a clear ValueError unless the fitted arrays agree with each other.

    Checks the layer shapes against ``n_features_in_`` and the classes (and,
    with ``against_parameters``, ``hidden_layer_sizes``: a loaded model was
    saved with the parameters it was fitted with), and that every weight is
    finite.
    """
    needed = ("coefs_", "intercepts_", "classes_", "n_features_in_", "_label_binarizer")
    missing = [name for name in needed if not hasattr(estimator, name)]
    if missing:
        raise ValueError(
            f"This {type(estimator).__name__} lacks the fitted attributes "
            f"{missing}: it was altered after fitting. Fit it again."
        )
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    got = [np.shape(W) for W in coefs], [np.shape(b) for b in intercepts]
    widths = [int(estimator.n_features_in_)]
    widths += [np.shape(W)[-1] for W in coefs[:-1]]
    if against_parameters:
        widths = widths[:1] + hidden_sizes(estimator)
    widths.append(n_output_units(estimator._label_binarizer))
    expected = (
        [(a, b) for a, b in zip(widths, widths[1:], strict=False)],
        [(b,) for b in widths[1:]],
    )
    if got != expected:
        raise ValueError(
            f"The fitted arrays of this {type(estimator).__name__} disagree: "
            f"coefs_ have shapes {got[0]} and intercepts_ {got[1]}, but "
            f"n_features_in_={estimator.n_features_in_}, the hidden layers and "
            f"classes_ {np.asarray(estimator.classes_).tolist()} need "
            f"{expected[0]} and "
            f"{expected[1]}. The model was altered after fitting; fit it again."
        )
    if not all(np.isfinite(a).all() for a in (*coefs, *intercepts)):
        raise ValueError(
            f"This {type(estimator).__name__} has non-finite weights: it was "
            "altered after fitting. Fit it again."
        )
