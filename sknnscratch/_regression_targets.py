"""Regression training data: validate X, y and sample weights for the regressor.

The regressor's counterpart of :func:`~sknnscratch._targets.validate_training_data`:
the same checks of ``X`` and of the sample weights, and a numeric target of
one or more columns instead of labels. The number of target columns is
fixed by the first fit; every later call that continues training is checked
against it. With ``loss='poisson'`` the targets are counts or rates: they
must be non-negative, and a ``fit`` needs a positive sum in every column.
"""

import copy

import numpy as np
import scipy.sparse as sp
from sklearn.utils import column_or_1d
from sklearn.utils.validation import check_array, validate_data

from sknnscratch._activations import OUTPUT_OF_LOSS
from sknnscratch._targets import (
    TrainingData,
    ValidationData,
    check_sample_weight,
    validation_input,
    validation_set_given,
)

TARGET_HEADROOM = 1e-4
"""How far below the square root of the largest float the targets must stay:
their squared errors, summed over rows and outputs, then stay finite."""


def validate_regression_data(
    estimator, X, y, sample_weight=None, *, n_outputs=None, incremental=False
):
    """Check one call's training data for the regressor; the estimator is not changed.

    Parameters
    ----------
    estimator : ScratchMLPRegressor
        Gives ``alpha``, ``loss`` and, when ``n_outputs`` is given, the
        columns it was fitted on (``n_features_in_``, ``feature_names_in_``).
    X, y, sample_weight : array-like
        As passed to ``fit``.
    n_outputs : int or None
        The number of target columns of the fitted model to continue with;
        None starts anew.
    incremental : bool, default=False
        Whether the call is ``partial_fit``: one epoch on a batch whose
        column of zeros is allowed with ``loss='poisson'``.

    Returns
    -------
    data : TrainingData
        With ``binarizer=None``: ``y`` as given (validated), ``Y`` its 2-D
        float form in the dtype of ``X``.
    """
    probe = copy.copy(estimator)  # validate_data records the columns here
    if n_outputs is None:
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
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=n_outputs is None,
        )
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)  # as MLPRegressor: one target, 1-D
    Y = _target_matrix(y, X.dtype, "y")
    if n_outputs is not None and Y.shape[1] != n_outputs:
        raise ValueError(
            f"y has {Y.shape[1]} target column(s), but this model was fitted on "
            f"{n_outputs}: a model continues on targets of the same shape. "
            "Fit anew (warm_start=False) to change them."
        )
    loss = getattr(estimator, "loss", "squared_error")
    weights = check_sample_weight(sample_weight, X.shape[0], X.dtype, estimator.alpha)
    if loss == "poisson":
        check_poisson_targets(Y, "y", weights, positive_sum=not incremental)
    return TrainingData(
        X,
        y,
        Y,
        weights,
        None,
        probe.n_features_in_,
        getattr(probe, "feature_names_in_", None),
        regression_output=OUTPUT_OF_LOSS[loss],
    )


def check_poisson_targets(Y, name, sample_weight=None, *, positive_sum=True):
    """Refuse targets the Poisson deviance is not defined for, or has no minimum at.

    The deviance's ``y log y`` needs ``y >= 0``. A column whose (weighted)
    sum is 0 holds zeros only: its best prediction is ``exp(z) = 0``, which
    no finite logit reaches, and training would drive its logit to minus
    infinity. PoissonRegressor refuses such targets as well.
    """
    negative = Y < 0
    if negative.any():
        raise ValueError(
            f"{name} holds negative values ({int(negative.sum())} of {Y.size}, the "
            f"smallest {float(Y.min()):.6g}): loss='poisson' models counts or "
            "rates, which are non-negative. Use loss='squared_error' for targets "
            "of any sign."
        )
    if not positive_sum:
        return
    weights = np.ones(Y.shape[0]) if sample_weight is None else sample_weight
    sums = weights @ Y
    if not (sums > 0).all():
        columns = np.flatnonzero(~(sums > 0)).tolist()
        raise ValueError(
            f"{name} must have a positive sum with loss='poisson', but its "
            f"column(s) {columns} hold only zeros (where the sample weight is "
            "positive): the deviance's minimum, a prediction of 0, needs an "
            "infinite negative logit."
        )


def _target_matrix(y, dtype, name):
    """``y`` as a 2-D array of ``dtype``, refused where its squares overflow."""
    if sp.issparse(y):
        y = y.toarray()
    Y = np.asarray(y, dtype=np.float64)
    Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
    limit = np.sqrt(np.finfo(dtype).max) * TARGET_HEADROOM
    largest = float(np.abs(Y).max()) if Y.size else 0.0
    if largest > limit:
        raise ValueError(
            f"{name} has values up to {largest:.3g} in magnitude: their squared "
            f"errors overflow {np.dtype(dtype).name} (the limit is {limit:.3g}). "
            "Scale the target, for example with "
            "TransformedTargetRegressor(regressor=..., transformer=StandardScaler())."
        )
    return Y.astype(dtype, copy=False)


def validate_regression_validation_data(
    estimator, data, X_val, y_val, sample_weight_val
):
    """Check ``fit``'s ``X_val``, ``y_val``, ``sample_weight_val`` for the regressor.

    ``X_val`` must have the columns of the training input (``data``), ``y_val``
    as many target columns as ``y``.

    Returns
    -------
    validation : ValidationData or None
        None when no validation set was passed.
    """
    if not validation_set_given(X_val, y_val, sample_weight_val):
        return None
    X_val = validation_input(estimator, data, X_val)
    y_val = check_array(y_val, ensure_2d=False, dtype="numeric", input_name="y_val")
    Y_val = _target_matrix(y_val, data.X.dtype, "y_val")
    if data.out_activation == "exp":
        check_poisson_targets(Y_val, "y_val", positive_sum=False)
    if Y_val.shape != (X_val.shape[0], data.Y.shape[1]):
        raise ValueError(
            f"y_val must have one row per row of X_val ({X_val.shape[0]}) and the "
            f"{data.Y.shape[1]} target column(s) of y, got shape {y_val.shape}."
        )
    return ValidationData(
        X_val,
        y_val,
        Y_val,
        check_sample_weight(sample_weight_val, X_val.shape[0], data.X.dtype),
    )
