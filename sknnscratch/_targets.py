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
from numbers import Real

import numpy as np
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
    binarizer : LabelBinarizer
        The target encoding (classes and type), fitted by the first fit.
    n_features_in_, feature_names_in_
        What ``validate_data`` records about the columns of ``X``
        (``feature_names_in_`` is None when ``X`` has no string column names).
    """

    X: object
    y: np.ndarray
    Y: np.ndarray
    sample_weight: np.ndarray | None
    binarizer: LabelBinarizer
    n_features_in_: int
    feature_names_in_: np.ndarray | None

    @property
    def out_activation(self):
        """The output function: softmax for multiclass targets, else logistic."""
        return "softmax" if self.binarizer.y_type_ == "multiclass" else "logistic"


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
            "y mixes labels that cannot be compared with each other (numbers and "
            "strings, say); "
            "use labels of one type, for example all strings."
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
        _row_weights(estimator.class_weight, y, sample_weight, X.dtype),
        binarizer,
        probe.n_features_in_,
        getattr(probe, "feature_names_in_", None),
    )


def _row_weights(class_weight, y, sample_weight, dtype):
    """Validated sample weights times class weights (None: all ones)."""
    sample_weight = check_sample_weight(sample_weight, y.shape[0], dtype)
    if class_weight is None:
        return sample_weight
    per_class = class_sample_weight(class_weight, y, sample_weight)
    if sample_weight is not None:
        per_class *= sample_weight
    return check_sample_weight(per_class, y.shape[0], dtype)


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
        A warm start needs exactly the fitted classes in ``y``.
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
    if mode == "warm_start" and not fitted_multilabel:
        seen = unique_labels(y)
        if not np.array_equal(seen, binarizer.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as "
                f"in the previous call to fit. Previously got "
                f"{binarizer.classes_}, `y` has {seen}"
            )


def check_sample_weight(sample_weight, n_samples, dtype):
    """Validate sample weights: finite, non-negative, one per sample, positive sum."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, Real):
        sample_weight = np.full(n_samples, sample_weight)
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=dtype, input_name="sample_weight"
    )
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {sample_weight.shape}, expected ({n_samples},)."
        )
    if (sample_weight < 0).any():
        raise ValueError("Negative values in sample_weight are not allowed.")
    if not sample_weight.sum() > 0:
        raise ValueError(
            "sample_weight must have a positive sum; all weights are zero."
        )
    return sample_weight


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
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError(
                "sample_weight_val is provided, but X_val and y_val were not "
                "provided: it weighs the rows of X_val."
            )
        return None
    if y_val is None:
        raise ValueError("X_val is provided, but y_val was not provided.")
    if X_val is None:
        raise ValueError("y_val is provided, but X_val was not provided.")
    probe = copy.copy(estimator)  # validate_data reads the training columns here
    probe.n_features_in_ = data.n_features_in_
    if data.feature_names_in_ is None:
        probe.__dict__.pop("feature_names_in_", None)
    else:
        probe.feature_names_in_ = data.feature_names_in_
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            X_val = validate_data(
                probe,
                X_val,
                accept_sparse=["csr", "csc"],
                dtype=data.X.dtype,
                reset=False,
            )
    except ValueError as error:  # scikit-learn's message calls it X
        raise ValueError(f"X_val (the validation set): {error}") from error
    y_val = check_array(y_val, ensure_2d=False, dtype=None, input_name="y_val")
    if sp.issparse(y_val):
        y_val = y_val.toarray()
    if y_val.ndim == 2 and y_val.shape[1] == 1:
        y_val = column_or_1d(y_val, warn=True)
    if y_val.shape[0] != X_val.shape[0]:
        raise ValueError(
            f"X_val has {X_val.shape[0]} rows but y_val has {y_val.shape[0]}: "
            "they must describe the same samples."
        )
    binarizer = data.binarizer
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
    sample_weight_val = check_sample_weight(
        sample_weight_val, y_val.shape[0], data.X.dtype
    )
    if estimator.class_weight is not None:
        per_class = class_sample_weight(
            estimator.class_weight,
            data.y,
            check_sample_weight(sample_weight, data.y.shape[0], data.X.dtype),
            rows=y_val,
        )
        if sample_weight_val is not None:
            per_class *= sample_weight_val
        sample_weight_val = check_sample_weight(per_class, y_val.shape[0], data.X.dtype)
    return ValidationData(
        X_val,
        y_val,
        encode_targets(y_val, binarizer.classes_, binarizer.y_type_, data.X.dtype),
        sample_weight_val,
    )
