"""Training data: validate X, y and sample weights, and encode the targets.

One path for every caller that needs the training objective (``fit``,
``partial_fit``, ``trace``, ``check_gradients``): the checks, the target
encoding and the class weights are the same everywhere.

The kind of target is fixed by the first fit: single-label targets (binary
or multiclass, with their classes; a single class is accepted, as
MLPClassifier accepts it) or a multilabel indicator matrix (with its number
of labels). Every later call that continues training is checked
against it, so a model never trains silently on targets of another shape.
"""

import copy
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_array, validate_data

MULTILABEL = "multilabel-indicator"


@dataclass
class TrainingData:
    """Validated training data and the 0/1 targets of the output units.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        float32 or float64 input.
    y : ndarray
        The labels as given (validated).
    Y : ndarray of shape (n_samples, n_outputs)
        0/1 targets per output unit.
    sample_weight : ndarray of shape (n_samples,) or None
        Sample weights times class weights.
    binarizer : LabelBinarizer or None
        The target encoding (classes and type), fitted by the first fit;
        None for the regressor's numeric targets (``Y`` is then ``y`` as a
        2-D float array).
    n_features_in_, feature_names_in_
        What ``validate_data`` records about the columns of ``X``
        (``feature_names_in_`` is None when ``X`` has no string column names).
    placement : Placement or None
        Where training computes, under ``array_api_dispatch`` (see
        :mod:`sknnscratch._namespace`); None for numpy. The arrays above
        are always numpy: the training loops move them there.
    regression_output : str
        The regressor's output function: 'identity' (``loss='squared_error'``)
        or 'exp' (``loss='poisson'``); unused with a ``binarizer``.
    """

    X: object
    y: np.ndarray
    Y: np.ndarray
    sample_weight: np.ndarray | None
    binarizer: LabelBinarizer
    n_features_in_: int
    feature_names_in_: np.ndarray | None
    placement: object = None
    regression_output: str = "identity"

    @property
    def out_activation(self):
        """The output function: softmax for multiclass targets, the
        regressor's output for numeric ones, else logistic."""
        if self.binarizer is None:
            return self.regression_output
        return "softmax" if self.binarizer.y_type_ == "multiclass" else "logistic"

    @property
    def single_class(self):
        """Whether the labels have a single class (no minimum to converge to)."""
        return self.binarizer is not None and len(self.binarizer.classes_) < 2

    @property
    def stratification_labels(self):
        """The labels a validation split keeps the shares of: single-label
        classes only (None for multilabel and numeric targets)."""
        if self.binarizer is None or self.binarizer.y_type_ == MULTILABEL:
            return None
        return self.y


def validate_training_data(
    estimator, X, y, sample_weight=None, *, binarizer=None, classes=None, mode="fit"
):
    """Check and encode one call's training data; the estimator is not changed.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        Gives the parameters (``class_weight``) and, when ``binarizer`` is
        given, the columns it was fitted on (``n_features_in_``,
        ``feature_names_in_``).
    X, y, sample_weight : array-like
        As passed to ``fit``.
    binarizer : LabelBinarizer or None
        The encoding of the fitted model to continue with; None starts anew
        (from ``y``, or from ``classes`` for a first ``partial_fit``).
    classes : array-like or None
        ``partial_fit``'s ``classes``.
    mode : {"fit", "warm_start", "partial_fit"}
        How strictly ``y`` must match the fitted classes: a warm start needs
        the same classes, ``partial_fit`` a subset of them.

    Returns
    -------
    data : TrainingData
    """
    # validate_data records the columns on the estimator it is given: give it
    # a shallow copy, so that a call that fails changes nothing.
    probe = copy.copy(estimator)
    if binarizer is None:
        for name in ("n_features_in_", "feature_names_in_"):
            probe.__dict__.pop(name, None)
    y = readable_labels(y, "y")
    if classes is not None:
        classes = readable_labels(classes, "classes")
    # scikit-learn's finiteness check first sums X, which can overflow for
    # huge finite values before it checks them one by one.
    with np.errstate(over="ignore", invalid="ignore"):
        X, y = validate_data(
            probe,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=binarizer is None,
        )
    if sp.issparse(y):  # a sparse label indicator matrix
        y = y.toarray()
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    try:
        check_classification_targets(y)
    except TypeError as error:  # numpy cannot sort labels of mixed types
        raise ValueError(
            "y mixes labels that cannot be compared with each other "
            f"({_label_types(y)}); use labels of one type, for example all strings."
        ) from error
    if binarizer is None and classes is None:
        binarizer = fit_label_binarizer(y)  # its classes are y's: none unknown
    else:
        if binarizer is None:
            binarizer = _new_binarizer(y, classes)
        else:
            check_same_targets(binarizer, y, classes, mode)
        _check_known_labels(binarizer, y)
    return TrainingData(
        X,
        y,
        encode_targets(y, binarizer.classes_, binarizer.y_type_, X.dtype),
        _row_weights(
            estimator.class_weight, y, sample_weight, X.dtype, estimator.alpha
        ),
        binarizer,
        probe.n_features_in_,
        getattr(probe, "feature_names_in_", None),
    )


def training_rows(data, rows, class_weight, sample_weight, alpha):
    """The training data of some of ``data``'s rows, without validating again.

    For a cross-validation fold of data validated as a whole: the same
    encoding, columns and classes; the class weights are those of these rows
    (``'balanced'`` balances the fold, as a fit on it alone would).

    Parameters
    ----------
    data : TrainingData
        The whole data, validated without sample weights.
    rows : ndarray of int or None
        The rows to keep (None: every row, the arrays as they are).
    class_weight : dict, 'balanced' or None
        The estimator's ``class_weight``.
    sample_weight : ndarray or None
        The whole data's validated sample weights.
    alpha : float
        The strongest penalty the rows will train with (see
        :func:`check_sample_weight`).
    """

    def kept(values):
        return values if rows is None or values is None else values[rows]

    y = kept(data.y)
    return TrainingData(
        kept(data.X),
        y,
        kept(data.Y),
        _row_weights(class_weight, y, kept(sample_weight), data.X.dtype, alpha),
        data.binarizer,
        data.n_features_in_,
        data.feature_names_in_,
        data.placement,
        data.regression_output,
    )


def _row_weights(class_weight, y, sample_weight, dtype, alpha):
    """Validated sample weights times class weights (None: all ones)."""
    sample_weight = check_sample_weight(sample_weight, y.shape[0], dtype, alpha)
    if class_weight is None:
        return sample_weight
    per_class = class_sample_weight(class_weight, y, sample_weight)
    if sample_weight is not None:
        per_class *= sample_weight
    return check_sample_weight(
        per_class, y.shape[0], dtype, alpha, name="sample_weight times class_weight"
    )


def readable_labels(labels, name):
    """``labels`` as scikit-learn's checks can read them, or a clear error.

    Labels held as objects (an object array, a list mixing None and strings,
    a pandas extension array) are checked here: a missing label (None, NaN,
    ``pd.NA``) or a bytes label is refused, naming it and its position;
    labels mixing strings with numbers or booleans are refused, naming an
    example of each; object labels that are all integers (or all booleans,
    or all numbers) become an array of that type, so that they behave as
    they would in any other array. Anything else is returned as it is.
    """
    if labels is None or sp.issparse(labels) or isinstance(labels, str | bytes):
        return labels  # scikit-learn's checks explain
    try:
        array = np.asarray(labels)
    except (TypeError, ValueError):  # ragged, say: scikit-learn explains
        return labels
    if array.dtype.kind == "S":
        _refuse_bytes(name, array.flat[0] if array.size else b"")
    if array.dtype.kind != "O" or not array.size or not array.ndim:
        return labels
    flat = array.ravel()
    missing = np.asarray(pd.isna(flat), dtype=bool)
    if missing.any():
        position = int(np.argmax(missing))
        raise ValueError(
            f"{name} has a missing label ({flat[position]!r}) at position "
            f"{position} ({int(missing.sum())} in all): every row needs its class. "
            "Drop those rows, or give them a class of their own."
        )
    kinds = {_label_kind(kind) for kind in set(map(type, flat))}
    if "bytes" in kinds:
        _refuse_bytes(name, _first_of_kind(flat, "bytes"))
    if len(kinds & {"string", "boolean", "integer", "number"}) > 1 and (
        kinds & {"string", "boolean"}
    ):
        examples = ", ".join(
            f"{kind} {_first_of_kind(flat, kind)!r}"
            for kind in ("string", "boolean", "integer", "number")
            if kind in kinds
        )
        raise ValueError(
            f"{name} mixes labels of different types ({examples}); use labels of "
            "one type, for example all strings."
        )
    if kinds == {"integer"}:
        try:
            return array.astype(np.int64)
        except OverflowError:  # beyond int64: scikit-learn explains
            return labels
    if kinds == {"boolean"}:
        return array.astype(bool)
    if kinds <= {"integer", "number"}:
        return array.astype(np.float64)
    return labels


def _label_kind(label_type):
    """What a label of this type is, for :func:`readable_labels`."""
    for kind, types in (
        ("string", str),
        ("bytes", bytes | np.bytes_),
        ("boolean", bool | np.bool_),
        ("integer", Integral),
        ("number", Real),
    ):
        if issubclass(label_type, types):
            return kind
    return label_type.__name__


def _first_of_kind(labels, kind):
    return next(label for label in labels if _label_kind(type(label)) == kind)


def _label_types(y):
    """The types of the labels in ``y``, named, for an error message."""
    names = sorted({type(value).__name__ for value in np.asarray(y).ravel()})
    return "of types " + ", ".join(names)


def _refuse_bytes(name, example):
    example = bytes(example)
    raise TypeError(
        f"{name} holds labels of bytes (for example {example!r}), which "
        "scikit-learn does not support as classes. Decode them to strings, "
        "for example with y.astype(str) for a numpy array of bytes, or "
        "[label.decode() for label in y]."
    )


def _check_known_labels(binarizer, y):
    """Raise if ``y`` has labels that are not among the fitted classes."""
    if binarizer.y_type_ != MULTILABEL:
        unknown = np.setdiff1d(unique_labels(y), binarizer.classes_)
        if len(unknown):
            raise ValueError(
                f"y has classes {unknown} that are not in classes_ "
                f"{binarizer.classes_}, which the first fit fixed (the `classes` "
                "of the first partial_fit); use a new estimator "
                "(sklearn.base.clone) to learn other classes."
            )


def _new_binarizer(y, classes):
    """The target encoding of a first ``partial_fit``, given its ``classes``."""
    if type_of_target(y) != MULTILABEL:
        return fit_label_binarizer(column_or_1d(np.asarray(classes)))
    binarizer = fit_label_binarizer(y)  # the labels are the columns 0, 1, ...
    if not np.array_equal(unique_labels(classes), binarizer.classes_):
        raise ValueError(
            f"`y` is a multilabel indicator of {y.shape[1]} labels: `classes` "
            f"must be their column numbers {binarizer.classes_.tolist()}, got "
            f"{classes!r}."
        )
    return binarizer


def _describe(y_type, n_labels):
    if y_type == MULTILABEL:
        return f"multilabel targets with {n_labels} labels"
    if n_labels == 1:
        return "targets of a single class"
    return f"{'multiclass' if n_labels > 2 else 'binary'} targets"


def check_same_targets(binarizer, y, classes, mode):
    """Raise unless ``y`` has the kind of target the model was fitted on.

    Parameters
    ----------
    binarizer : LabelBinarizer
        The fitted encoding.
    y : ndarray
        This call's validated labels.
    classes : array-like or None
        ``partial_fit``'s ``classes``: must equal the fitted classes.
    mode : {"fit", "warm_start", "partial_fit"}
        A warm start needs exactly the fitted classes in ``y``, unless
        ``classes`` names them (the folds of ScratchMLPClassifierCV, whose
        training rows may lack a class).
    """
    fitted_multilabel = binarizer.y_type_ == MULTILABEL
    y_type = type_of_target(y, input_name="y")
    if "multioutput" in y_type:
        raise ValueError(
            f"Multioutput target data ({y_type}) is not supported: y must hold "
            "one label per row, or be a 0/1 indicator matrix (multilabel)."
        )
    n_fitted = len(binarizer.classes_)
    if (y_type == MULTILABEL) != fitted_multilabel or (
        fitted_multilabel and y.shape[1] != n_fitted
    ):
        got = _describe(y_type, y.shape[1] if y.ndim == 2 else len(np.unique(y)))
        raise ValueError(
            f"This model was fitted on {_describe(binarizer.y_type_, n_fitted)} "
            f"(classes {binarizer.classes_.tolist()}), but y holds {got}. The "
            "kind of target is fixed by the first fit; "
            + (
                "use a new estimator (sklearn.base.clone) to start anew."
                if mode == "partial_fit"
                else "fit with warm_start=False to start anew."
            )
        )
    if classes is not None and not np.array_equal(
        binarizer.classes_, unique_labels(classes)
    ):
        raise ValueError(
            f"`classes={classes!r}` is not the same as on last call to "
            f"partial_fit, was: {binarizer.classes_!r}"
        )
    if mode == "warm_start" and not fitted_multilabel and classes is None:
        seen = unique_labels(y)
        if not np.array_equal(seen, binarizer.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as "
                f"in the previous call to fit. Previously got "
                f"{binarizer.classes_}, `y` has {seen}"
            )


WEIGHT_HEADROOM = 1e6
"""How far below the largest float the weights' sum must stay: the weighted
sums of the training losses then stay finite for losses up to this size."""

PENALTY_SCALE_LIMIT = 1e-4
"""How far below the square root of the largest float ``alpha / S`` must
stay, so that the L2 penalty's gradient and its squared norm stay finite."""


def check_sample_weight(
    sample_weight, n_samples, dtype, alpha=0.0, name="sample_weight"
):
    """Validate sample weights for training in ``dtype``.

    Finite, non-negative, one per sample, and a positive sum ``S`` that the
    training objective can use: ``S`` times the losses must stay finite
    (:data:`WEIGHT_HEADROOM`), and with a penalty the L2 term's factor
    ``alpha / S`` too (:data:`PENALTY_SCALE_LIMIT`). Weights whose sum
    overflows, or is so small that ``alpha / S`` does, are refused with an
    error that names their sum; scaling them is left to the user, since the
    scale of the weights sets the strength of the penalty.

    Parameters
    ----------
    sample_weight : array-like, float or None
        The weights (None: every row weighs 1).
    n_samples : int
        The number of training rows.
    dtype : numpy dtype
        The training dtype (float32 or float64).
    alpha : float, default=0.0
        The L2 penalty, divided by ``S`` in the objective.
    name : str, default="sample_weight"
        What the weights are called in messages.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,) and ``dtype``, or None
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight)
    # Checked in float64, then cast: a float32 cast may overflow or flush
    # small weights to zero, which must be said as such.
    weights = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
    )
    if weights.shape != (n_samples,):
        raise ValueError(f"{name}.shape == {weights.shape}, expected ({n_samples},).")
    if (weights < 0).any():
        raise ValueError(f"Negative values in {name} are not allowed.")
    with np.errstate(over="ignore"):
        total = float(np.sum(weights))
    if not total > 0:
        raise ValueError(f"{name} must have a positive sum; all weights are zero.")
    _check_weight_sum(total, np.dtype(np.float64), alpha, n_samples, name)
    if np.dtype(dtype) == np.float64:
        return weights
    with np.errstate(over="ignore", under="ignore"):
        cast = weights.astype(dtype)
        cast_total = float(np.sum(cast))
    if not np.isfinite(cast).all() or not cast_total > 0:
        raise ValueError(
            f"{name} does not fit the {np.dtype(dtype).name} input: its weights "
            f"(from {weights[weights > 0].min():.3g} to {weights.max():.3g}) "
            f"{'overflow' if not np.isfinite(cast).all() else 'round to zero'} "
            f"in {np.dtype(dtype).name}. Train in float64 (X.astype(np.float64)), "
            "or multiply or divide the weights by a common factor."
        )
    _check_weight_sum(cast_total, np.dtype(dtype), alpha, n_samples, name)
    return cast


def _check_weight_sum(total, dtype, alpha, n_samples, name):
    """Refuse a sum of weights ``S`` the training objective cannot use.

    The objective depends on the weights through their ratios and, in the
    L2 term ``alpha / (2 S) ||W||^2``, through ``S``: multiplying the
    weights and ``alpha`` by one factor gives the same model, which the
    advice says.
    """
    info = np.finfo(dtype)
    largest, rows = float(info.max), f"to sum to about {n_samples}, the number of rows"
    same_model = "multiplying alpha by the same factor keeps the model as it is"
    weights = "The sample weights sum to"
    source = "" if name == "sample_weight" else f" ({name})"
    if total < info.tiny:
        raise ValueError(
            f"{weights} {total:.3g}{source}, below the smallest normal {dtype.name} "
            f"({info.tiny:.3g}), where weights lose their precision. Multiply the "
            f"weights by a common factor ({rows}, say); {same_model}."
        )
    if not total <= largest / WEIGHT_HEADROOM:
        how_much = (
            "more than" if np.isinf(total) else f"{total:.3g}{source}, too close to"
        )
        raise ValueError(
            f"{weights} {how_much} the largest {dtype.name} ({largest:.3g})"
            f"{source if np.isinf(total) else ''}: the "
            "weighted training losses would overflow. Divide the weights by a "
            f"common factor ({rows}, say); dividing alpha by the same factor keeps "
            "the model as it is."
        )
    if alpha and not alpha / total <= PENALTY_SCALE_LIMIT * np.sqrt(largest):
        raise ValueError(
            f"{weights} {total:.3g}{source} for {n_samples} rows, so little that "
            f"the L2 penalty's factor alpha / S = {alpha / total:.3g} overflows in "
            f"training: alpha={alpha:g} acts as alpha={alpha * n_samples / total:.3g} "
            "would with unit weights, a penalty no network survives. Multiply the "
            f"weights by a common factor ({rows}, for alpha's usual strength), or "
            "lower alpha (alpha=0 for no penalty)."
        )


def class_sample_weight(class_weight, y, sample_weight, rows=None):
    """Each row's class weight; 'balanced' counts rows by their sample weight.

    ``'balanced'`` gives class ``c`` the weight ``S / (n_classes * S_c)``,
    ``S_c`` being the total sample weight of the class in ``y``, so that
    integer sample weights still mean repeated rows. For multilabel targets
    every label column is balanced on its own and a row's weights are
    multiplied. ``rows`` (labels of other rows, default ``y``) are weighed
    with the factors of ``y``: a validation set gets the training weights.
    """
    rows = y if rows is None else rows
    if not isinstance(class_weight, str):
        return compute_sample_weight(class_weight, rows).astype(np.float64)
    weight = np.ones(rows.shape[0])
    columns = zip(y.T, rows.T, strict=True) if y.ndim == 2 else [(y, rows)]
    for column, row_column in columns:
        classes, index = np.unique(column, return_inverse=True)
        totals = np.bincount(index, weights=sample_weight, minlength=len(classes))
        with np.errstate(divide="ignore"):
            per_class = np.where(
                totals > 0, totals.sum() / (len(classes) * totals), 0.0
            )
        # A value of rows unseen in y (a label column constant in training)
        # gets the weight 1 of an unbalanced row.
        position = np.searchsorted(classes, row_column).clip(0, len(classes) - 1)
        known = classes[position] == row_column
        weight *= np.where(known, per_class[position], 1.0)
    return weight


def fit_label_binarizer(y):
    """``LabelBinarizer().fit(y)`` for targets that have passed validation.

    The same fitted binarizer, without validating ``y`` twice more: on a
    data set of a few hundred rows that took longer than a dozen L-BFGS
    iterations. ``tests/test_targets.py`` checks that the attributes equal
    those of ``LabelBinarizer().fit(y)``.
    """
    binarizer = LabelBinarizer()
    binarizer.sparse_input_ = sp.issparse(y)
    if not binarizer.sparse_input_ and y.ndim == 1 and y.dtype.kind in "biuf":
        # Numbers that passed check_classification_targets: the classes are
        # the distinct values, the type follows from their number.
        binarizer.classes_ = np.unique(y)
        binarizer.y_type_ = "binary" if len(binarizer.classes_) <= 2 else "multiclass"
        return binarizer
    binarizer.y_type_ = type_of_target(y, input_name="y")
    if "multioutput" in binarizer.y_type_:
        raise ValueError(
            "Multioutput target data is not supported with label binarization"
        )
    binarizer.classes_ = unique_labels(y)
    return binarizer


def encode_targets(y, classes, y_type, dtype):
    """0/1 targets per output unit, as ``LabelBinarizer.transform`` gives them.

    Written out because the binarizer's checks cost more than a small fit:
    one column ``y == classes[1]`` for binary targets (all zeros when there
    is a single class, as the binarizer gives it), one-hot rows for
    multiclass, the indicator matrix itself for multilabel.
    """
    if y_type == MULTILABEL:
        return np.asarray(y, dtype=dtype)
    if y_type == "binary":
        if len(classes) < 2:
            return np.zeros((y.shape[0], 1), dtype=dtype)
        return (y == classes[1]).astype(dtype).reshape(-1, 1)
    Y = np.zeros((y.shape[0], len(classes)), dtype=dtype)
    Y[np.arange(y.shape[0]), np.searchsorted(classes, y)] = 1
    return Y


@dataclass
class ValidationData:
    """A validation set passed to ``fit``, validated and encoded like ``X``, ``y``.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_val, n_features)
        In the dtype of the training input.
    y : ndarray
        The labels as given (validated), among the training classes.
    Y : ndarray of shape (n_val, n_outputs)
        Their 0/1 targets.
    sample_weight : ndarray of shape (n_val,) or None
        ``sample_weight_val`` times the class weights.
    """

    X: object
    y: np.ndarray
    Y: np.ndarray
    sample_weight: np.ndarray | None


def validate_validation_data(
    estimator, data, sample_weight, X_val, y_val, sample_weight_val
):
    """Check and encode ``fit``'s ``X_val``, ``y_val``, ``sample_weight_val``.

    ``X_val`` must have the columns of the training input (``data``), ``y_val``
    the kind of target and only classes of the training labels. Class weights
    apply to the validation rows as to the training rows (with the factors of
    'balanced' computed on the training rows), as they do to the rows early
    stopping holds out itself.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        Gives ``class_weight``; not changed.
    data : TrainingData
        This call's validated training data.
    sample_weight : array-like or None
        The training rows' weights as passed to ``fit`` (for 'balanced').
    X_val, y_val, sample_weight_val : array-like or None
        As passed to ``fit``.

    Returns
    -------
    validation : ValidationData or None
        None when no validation set was passed.
    """
    if not validation_set_given(X_val, y_val, sample_weight_val):
        return None
    X_val = validation_input(estimator, data, X_val)
    y_val = _validation_labels(y_val, X_val.shape[0], data.binarizer)
    sample_weight_val = _validation_weights(
        estimator.class_weight, data, sample_weight, y_val, sample_weight_val
    )
    binarizer = data.binarizer
    return ValidationData(
        X_val,
        y_val,
        encode_targets(y_val, binarizer.classes_, binarizer.y_type_, data.X.dtype),
        sample_weight_val,
    )


def validation_set_given(X_val, y_val, sample_weight_val):
    """Whether ``fit`` was given a validation set; an error if only part of one."""
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError(
                "sample_weight_val is provided, but X_val and y_val were not "
                "provided: it weighs the rows of X_val."
            )
        return False
    if y_val is None:
        raise ValueError("X_val is provided, but y_val was not provided.")
    if X_val is None:
        raise ValueError("y_val is provided, but X_val was not provided.")
    return True


def validation_input(estimator, data, X_val):
    """``X_val`` validated against the training input's columns and dtype."""
    probe = copy.copy(estimator)  # validate_data reads the training columns here
    probe.n_features_in_ = data.n_features_in_
    if data.feature_names_in_ is None:
        probe.__dict__.pop("feature_names_in_", None)
    else:
        probe.feature_names_in_ = data.feature_names_in_
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            return validate_data(
                probe,
                X_val,
                accept_sparse=["csr", "csc"],
                dtype=data.X.dtype,
                reset=False,
            )
    except ValueError as error:  # scikit-learn's message calls it X
        raise ValueError(f"X_val (the validation set): {error}") from error


def _validation_labels(y_val, n_rows, binarizer):
    """``y_val`` checked against the training target: its kind and classes."""
    y_val = check_array(y_val, ensure_2d=False, dtype=None, input_name="y_val")
    if sp.issparse(y_val):
        y_val = y_val.toarray()
    if y_val.ndim == 2 and y_val.shape[1] == 1:
        y_val = column_or_1d(y_val, warn=True)
    if y_val.shape[0] != n_rows:
        raise ValueError(
            f"X_val has {n_rows} rows but y_val has {y_val.shape[0]}: "
            "they must describe the same samples."
        )
    multilabel = binarizer.y_type_ == MULTILABEL
    if multilabel != (y_val.ndim == 2) or (
        multilabel and y_val.shape[1] != len(binarizer.classes_)
    ):
        raise ValueError(
            f"y_val must hold the kind of target of y "
            f"({_describe(binarizer.y_type_, len(binarizer.classes_))}), "
            f"got an array of shape {y_val.shape}."
        )
    if not multilabel:
        unknown = np.setdiff1d(unique_labels(y_val), binarizer.classes_)
        if len(unknown):
            raise ValueError(
                f"y_val has classes {unknown} that are not among the classes of "
                f"y {binarizer.classes_}: the network has no output for them."
            )
    return y_val


def _validation_weights(class_weight, data, sample_weight, y_val, sample_weight_val):
    """``sample_weight_val`` times the class weights of the training rows."""
    dtype = data.X.dtype
    sample_weight_val = check_sample_weight(sample_weight_val, y_val.shape[0], dtype)
    if class_weight is None:
        return sample_weight_val
    per_class = class_sample_weight(
        class_weight,
        data.y,
        check_sample_weight(sample_weight, data.y.shape[0], dtype),
        rows=y_val,
    )
    if sample_weight_val is not None:
        per_class *= sample_weight_val
    return check_sample_weight(per_class, y_val.shape[0], dtype)
