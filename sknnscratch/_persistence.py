"""Saving and loading a fitted model: plain data, a version, a validated load.

A pickled (or ``skops``-saved, or deep-copied) model keeps its whole training
state, so training resumes exactly where it stopped. The state is stored as
plain data, so that ``skops.io`` needs nothing trusted but the estimator's
class, and compactly: the curves as float arrays and the history as a table
of columns, each stored once (a skops file stores every number of a list as a
node of its own). The package version is stored with it: loading a model
saved by another version warns. Files of 0.1.0, whose curves were lists,
load as well.

Loading checks every stored array's dtype and shape and every stored string
against its allowed values, the optimiser's state included, and a refusal
names the attribute and what is wrong with it, instead of a model that fails
later inside numpy.
"""

import numpy as np
import sklearn
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.metrics import get_scorer_names
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import (
    InvalidParameterError,
    validate_parameter_constraints,
)

from sknnscratch._activations import HIDDEN_ACTIVATIONS, OUTPUT_OF_LOSS
from sknnscratch._namespace import host_attributes
from sknnscratch._network import pack, parameter_shapes, units_of
from sknnscratch._plain_data import (
    SOLVERS,
    curve_from_plain,
    curve_to_array,
    describe,
    history_from_plain,
    history_to_array,
    is_integer,
    is_real,
)
from sknnscratch._state import TrainingState
from sknnscratch._utils import warn
from sknnscratch._version import __version__

# Attributes only a fitted model has: a loaded state with any of them must
# hold a whole, consistent network.
_FITTED_MARKERS = ("coefs_", "intercepts_", "classes_", "_label_binarizer")

VERSION_KEY = "_sknnscratch_version"

_ALTERED = "The model was altered after fitting; fit it again."

# The curves of the training state and the public attributes that show them.
_CURVES = {
    "loss_curve": "loss_curve_",
    "history": "history_",
    "validation_scores": "validation_scores_",
    "validation_loss_curve": "validation_loss_curve_",
}

_TARGET_TYPES = {
    "binary": "logistic",
    "multiclass": "softmax",
    "multilabel-indicator": "logistic",
}


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


def plain_state(state):
    """``__getstate__``'s dict with the training state as plain data (a copy).

    The weights are stored once, as ``coefs_`` and ``intercepts_``: the
    training state's flat vector is rebuilt from them at load. The curves
    too: the training state's are the public attributes (``loss_curve_``,
    ``history_``...), stored as arrays.
    """
    state = host_attributes(state)  # a model fitted on a device is saved in numpy
    for name in _FIT_BOOKKEEPING:  # of a fit under way, when saved mid-fit
        state.pop(name, None)
    training_state = state.get("_training_state")
    if training_state is not None:
        saved = training_state.to_dict()
        for name, public in _CURVES.items():
            if getattr(training_state, name) is state.get(public):
                del saved[name]  # stored once, as the public attribute
        state["_training_state"] = saved
    for public in ("loss_curve_", "validation_scores_", "validation_loss_curve_"):
        if public in state:
            state[public] = _as_array_if_numbers(state[public])
    if isinstance(state.get("history_"), list):
        state["history_"] = history_to_array(state["history_"])
    if _is_plain_binarizer(state.get("_label_binarizer"), state.get("classes_")):
        binarizer = state["_label_binarizer"]
        state["_label_binarizer"] = {
            "y_type_": binarizer.y_type_,
            "sparse_input_": bool(binarizer.sparse_input_),
        }
    state[VERSION_KEY] = __version__
    # BaseEstimator records this only for scikit-learn's own estimators.
    state["_sklearn_version"] = sklearn.__version__
    return state


def _is_plain_binarizer(binarizer, classes):
    """Whether a LabelBinarizer is told by its target type and ``classes_``:
    fitted with the default settings, on the model's classes."""
    return (
        isinstance(binarizer, LabelBinarizer)
        and hasattr(binarizer, "y_type_")
        and binarizer.get_params() == LabelBinarizer().get_params()
        and binarizer.classes_ is classes
    )


def _binarizer_from_plain(saved, classes):
    """The LabelBinarizer of a model: saved whole (0.1.0), or as its target
    type with the model's ``classes_``."""
    if not isinstance(saved, dict):
        return saved
    if set(saved) != {"y_type_", "sparse_input_"} or not isinstance(
        saved["sparse_input_"], bool
    ):
        _refuse("_label_binarizer", f"is {describe(saved)}")
    binarizer = LabelBinarizer()
    binarizer.classes_ = classes
    binarizer.y_type_ = saved["y_type_"]
    binarizer.sparse_input_ = saved["sparse_input_"]
    return binarizer


def _as_array_if_numbers(curve):
    """A curve as a float array; anything else (set by hand) as it is."""
    try:
        array = curve_to_array(curve)
    except (TypeError, ValueError):
        return curve
    return curve if array is not None and array.ndim != 1 else array


def restored_state(state, estimator_class):
    """``__setstate__``'s dict: versions checked, everything validated, the
    curves and the training state rebuilt.

    Raises a ValueError naming the attribute when a stored value has the
    wrong type, dtype, shape or value, or when the fitted arrays or the
    training state disagree with each other.
    """
    state = dict(state)
    estimator_name = estimator_class.__name__
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
    if estimator_class._target_kind == "values":  # saved before loss existed
        state.setdefault("loss", "squared_error")
    _check_string_parameters(state, estimator_class)
    if not any(name in state for name in _FITTED_MARKERS):
        return state
    _restore_curves(state)
    if "_label_binarizer" in state:
        state["_label_binarizer"] = _binarizer_from_plain(
            state["_label_binarizer"], state.get("classes_")
        )
    check_fitted_network(_Attributes(state, estimator_class._target_kind))
    _check_fitted_record(state)
    theta = pack(state["coefs_"], state["intercepts_"])
    units = units_of(state["coefs_"])  # checked: they chain
    saved = state.get("_training_state")
    if isinstance(saved, dict):
        state["_training_state"] = _training_state_from_dict(saved, theta, units, state)
    elif saved is not None:
        raise ValueError(
            f"The saved model's _training_state is {type(saved).__name__}, not "
            f"the plain data of a training state. {_ALTERED}"
        )
    return state


def _check_version(category, estimator_name, current, saved_by):
    if saved_by != current:
        warning = category(
            estimator_name=estimator_name,
            current_sklearn_version=current,
            original_sklearn_version=saved_by,
        )
        warn(warning, category, stacklevel=4)


class _Attributes:
    """A loaded attribute dict seen as an estimator, for the checks."""

    def __init__(self, state, target_kind):
        vars(self).update(state)
        self._target_kind = target_kind


def _refuse(name, problem):
    raise ValueError(f"The saved model's {name} {problem}. {_ALTERED}")


def _check_string_parameters(state, estimator_class):
    """Every parameter stored as a string must be one of its allowed values."""
    constraints = getattr(estimator_class, "_parameter_constraints", {})
    strings = {
        name: value
        for name, value in state.items()
        if name in constraints and isinstance(value, str)
    }
    try:
        validate_parameter_constraints(
            {name: constraints[name] for name in strings},
            strings,
            caller_name=estimator_class.__name__,
        )
    except InvalidParameterError as error:
        raise ValueError(f"The saved model is invalid: {error} {_ALTERED}") from error
    scoring = strings.get("scoring")
    if scoring is not None and scoring != "loss" and scoring not in get_scorer_names():
        _refuse(
            "scoring",
            f"is {scoring!r}, neither 'loss' nor a scikit-learn scorer name "
            "(sklearn.metrics.get_scorer_names())",
        )


def _restore_curves(state):
    """The public curves as lists (0.1.0 stored lists, later versions arrays)."""
    for name in ("loss_curve_", "validation_scores_", "validation_loss_curve_"):
        if name in state:
            state[name] = _plain(curve_from_plain, state[name], name)
    if "history_" in state and state["history_"] is not None:
        state["history_"] = _plain(history_from_plain, state["history_"], "history_")


def _plain(decode, value, name):
    try:
        return decode(value, name)
    except ValueError as error:
        raise ValueError(f"The saved model's {error}. {_ALTERED}") from error


def _check_fitted_record(state):
    """The record of training (counters, curves, labels) has the right types."""
    if "_label_binarizer" in state:
        _check_labels(state)
    _check_counters(state)


def _check_labels(state):
    """A classifier's labels: its binarizer, ``classes_``, ``out_activation_``."""
    binarizer = state["_label_binarizer"]
    if not isinstance(binarizer, LabelBinarizer) or not hasattr(binarizer, "y_type_"):
        _refuse("_label_binarizer", "is not a fitted LabelBinarizer")
    classes = state["classes_"]
    if not (
        isinstance(classes, np.ndarray)
        and classes.ndim == 1
        and classes.size
        and np.array_equal(classes, binarizer.classes_)
    ):
        _refuse(
            "classes_",
            f"is {describe(classes)}; it must be a 1-D array equal to the label "
            f"binarizer's classes {describe(binarizer.classes_)}",
        )
    out_activation = state.get("out_activation_")
    if out_activation != _TARGET_TYPES[binarizer.y_type_]:
        _refuse(
            "out_activation_",
            f"is {out_activation!r}; {binarizer.y_type_} targets have "
            f"{_TARGET_TYPES[binarizer.y_type_]!r}",
        )


def _check_counters(state):
    """The counters, curves and column names of any fitted model."""
    n_layers = len(state["coefs_"]) + 1
    expected = {"n_layers_": n_layers, "n_outputs_": state["coefs_"][-1].shape[1]}
    for name, value in expected.items():
        if name in state and state[name] != value:
            _refuse(name, f"is {state[name]!r}, but the weights give {value}")
    solver = state.get("solver_")
    if solver is not None and solver not in SOLVERS:
        _refuse("solver_", f"is {solver!r}, not one of {list(SOLVERS)} or None")
    for name in ("n_iter_", "t_"):
        value = state.get(name, 0)
        if not (is_integer(value) and value >= 0):
            _refuse(name, f"is {describe(value)}, not a non-negative integer")
    for name in ("loss_", "best_loss_", "best_validation_score_"):
        value = state.get(name)
        if not (value is None or is_real(value)):
            _refuse(name, f"is {describe(value)}, not a number or None")
    scores, losses = (
        state.get("validation_scores_"),
        state.get("validation_loss_curve_"),
    )
    if scores is not None and losses is not None and len(scores) != len(losses):
        _refuse(
            "validation_loss_curve_",
            f"has {len(losses)} entries but validation_scores_ {len(scores)}",
        )
    names = state.get("feature_names_in_")
    if names is not None and not (
        isinstance(names, np.ndarray)
        and names.shape == (state["n_features_in_"],)
        and all(isinstance(n, str) for n in names)
    ):
        _refuse(
            "feature_names_in_",
            f"is {describe(names)}, not an array of the {state['n_features_in_']} "
            "column names",
        )


def _training_state_from_dict(saved, theta, units, attributes):
    """The saved training state, checked against the fitted network.

    Curves stored once, as public attributes, are taken from there.
    """
    saved = dict(saved)
    shared = {}
    for name, public in _CURVES.items():
        if name not in saved and public in attributes:
            shared[name] = attributes[public]
    try:
        state = TrainingState.from_dict({**saved, "theta": theta})
    except ValueError as error:
        raise ValueError(
            f"The saved training state is invalid: {error}. {_ALTERED}"
        ) from error
    for name, curve in shared.items():
        setattr(state, name, curve)  # the same list as the public attribute
    order, best, optimizer = state.shuffle_order, state.best_theta, state.optimizer
    problems = [
        state.units != units and f"layer widths {state.units}, not {units}",
        order is not None
        and not np.array_equal(np.sort(order), np.arange(order.size))
        and "a shuffle order that is not a permutation",
        best is not None
        and best.shape != theta.shape
        and f"best weights of shape {best.shape}, not {theta.shape}",
        optimizer is not None
        and optimizer.key[1] != theta.size
        and f"an optimiser for {optimizer.key[1]} parameters, not {theta.size}",
        len(state.history) != len(state.loss_curve)
        and f"{len(state.history)} history rows for a loss curve of "
        f"{len(state.loss_curve)}",
    ]
    problems = [problem for problem in problems if problem]
    if problems:
        raise ValueError(
            f"The saved training state disagrees with the fitted network: "
            f"{'; '.join(problems)}. {_ALTERED}"
        )
    return state


def n_output_units(binarizer):
    """Output units the fitted targets need: 1 for binary, else one per class."""
    return 1 if binarizer.y_type_ == "binary" else len(binarizer.classes_)


def _output_units(estimator, regressor):
    """The output units the targets need: ``n_outputs_`` numbers, or the
    classes' units (refused where the label binarizer is not a fitted one)."""
    if regressor:
        n_outputs = estimator.n_outputs_
        if not (is_integer(n_outputs) and n_outputs > 0):
            _refuse_fitted("n_outputs_", f"is {describe(n_outputs)}, not a count")
        return int(n_outputs)
    y_type = getattr(estimator._label_binarizer, "y_type_", None)
    if y_type not in _TARGET_TYPES:
        _refuse_fitted(
            "_label_binarizer",
            f"has the target type y_type_={y_type!r}, not one of "
            f"{sorted(_TARGET_TYPES)}",
        )
    return n_output_units(estimator._label_binarizer)


def check_fitted_network(estimator, *, finite=True):
    """Raise a clear ValueError unless the fitted network can predict.

    Checks that the weights are float arrays whose layers chain (each
    layer's width is the next one's input), that the first takes
    ``n_features_in_`` inputs and the last has the output units the classes
    need, that ``activation`` and ``out_activation_`` name functions the
    network has, and (``finite``) that every weight is finite. Each refusal
    names the attribute. ``hidden_layer_sizes`` may differ: it may have been
    set after fitting, and takes effect at the next cold fit.
    """
    regressor = getattr(estimator, "_target_kind", "classes") == "values"
    needed = ("coefs_", "intercepts_", "n_features_in_")
    needed += ("n_outputs_",) if regressor else ("classes_", "_label_binarizer")
    missing = [name for name in needed if not hasattr(estimator, name)]
    if missing:
        raise ValueError(
            f"This model lacks the fitted attributes {missing}: it was altered "
            "after fitting. Fit it again."
        )
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    _check_weight_arrays(coefs, intercepts)
    n_features = estimator.n_features_in_
    if not (is_integer(n_features) and n_features > 0):
        _refuse_fitted("n_features_in_", f"is {describe(n_features)}, not a count")
    got = [np.shape(W) for W in coefs], [np.shape(b) for b in intercepts]
    widths = [int(n_features)]
    widths += [shape[-1] if shape else 0 for shape in got[0][:-1]]
    widths.append(_output_units(estimator, regressor))
    expected = parameter_shapes(widths)
    if got != expected:
        outputs = (
            f"n_outputs_={estimator.n_outputs_}"
            if regressor
            else f"classes_ {np.asarray(estimator.classes_).tolist()}"
        )
        raise ValueError(
            f"The fitted arrays of this model disagree: coefs_ have shapes "
            f"{got[0]} and intercepts_ {got[1]}, but n_features_in_="
            f"{estimator.n_features_in_} and {outputs} need {expected[0]} and "
            f"{expected[1]}. The model was altered after fitting; fit it again."
        )
    activation = getattr(estimator, "activation", "relu")
    if not isinstance(activation, str) or activation not in HIDDEN_ACTIVATIONS:
        _refuse_fitted(
            "activation",
            f"is {activation!r}, not one of {sorted(HIDDEN_ACTIVATIONS)}",
        )
    allowed = _allowed_outputs(estimator, regressor)
    out_activation = getattr(estimator, "out_activation_", allowed[0])
    if not isinstance(out_activation, str) or out_activation not in allowed:
        _refuse_fitted(
            "out_activation_", f"is {out_activation!r}, not one of {allowed}"
        )
    if finite:
        for name, arrays in (("coefs_", coefs), ("intercepts_", intercepts)):
            for i, array in enumerate(arrays):
                bad = ~np.isfinite(array)
                if bad.any():
                    _refuse_fitted(
                        f"{name}[{i}]",
                        f"holds non-finite values ({array[bad].flat[0]} among "
                        f"{int(bad.sum())} of {array.size})",
                    )


def _check_weight_arrays(coefs, intercepts):
    """coefs_ and intercepts_: lists of 2-D and 1-D float32 or float64 arrays."""
    for name, arrays, ndim in (("coefs_", coefs, 2), ("intercepts_", intercepts, 1)):
        if not isinstance(arrays, list | tuple) or not arrays:
            _refuse_fitted(name, f"is {describe(arrays)}, not a list of arrays")
        for i, array in enumerate(arrays):
            if not (
                isinstance(array, np.ndarray)
                and array.dtype in (np.float32, np.float64)
                and array.ndim == ndim
            ):
                _refuse_fitted(
                    f"{name}[{i}]",
                    f"is {describe(array)}; the weights are {ndim}-D float32 or "
                    "float64 arrays",
                )


def _allowed_outputs(estimator, regressor):
    """The output functions a fitted model may have: the classifier's two,
    or the one of the regressor's ``loss``."""
    if not regressor:
        return ["logistic", "softmax"]
    loss = getattr(estimator, "loss", "squared_error")
    return [
        OUTPUT_OF_LOSS.get(loss, "identity") if isinstance(loss, str) else "identity"
    ]


def _refuse_fitted(name, problem):
    raise ValueError(f"This model's {name} {problem}. {_ALTERED}")
