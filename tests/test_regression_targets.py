"""Validation of the regressor's training data and validation set."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import DataConversionWarning

from sknnscratch import ScratchMLPRegressor
from sknnscratch._regression_targets import (
    validate_regression_data,
    validate_regression_validation_data,
)


def _data(n=20, outputs=None, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    y = rng.normal(size=n if outputs is None else (n, outputs))
    return X, y


def test_a_1d_target_becomes_one_column_of_the_input_dtype():
    X, y = _data()
    data = validate_regression_data(ScratchMLPRegressor(), X.astype(np.float32), y)
    assert data.Y.shape == (20, 1) and data.Y.dtype == np.float32
    assert data.binarizer is None and data.out_activation == "identity"
    np.testing.assert_allclose(data.Y[:, 0], y.astype(np.float32))


def test_a_column_target_warns_as_mlpregressor_and_is_one_output():
    X, y = _data()
    with pytest.warns(DataConversionWarning):
        data = validate_regression_data(ScratchMLPRegressor(), X, y.reshape(-1, 1))
    assert data.y.ndim == 1 and data.Y.shape == (20, 1)


def test_multi_output_targets_keep_their_columns():
    X, y = _data(outputs=3)
    data = validate_regression_data(ScratchMLPRegressor(), X, y)
    assert data.Y.shape == (20, 3)
    np.testing.assert_array_equal(data.Y, y)


def test_a_continued_fit_needs_the_same_number_of_columns():
    X, y = _data(outputs=2)
    with pytest.raises(ValueError, match="1 target column.*fitted on 2"):
        validate_regression_data(ScratchMLPRegressor(), X, y[:, 0], n_outputs=2)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_targets_are_refused(bad):
    X, y = _data()
    y[3] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        validate_regression_data(ScratchMLPRegressor(), X, y)


def test_targets_whose_squares_overflow_are_refused_with_advice():
    X, y = _data()
    y[0] = 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="TransformedTargetRegressor"):
            validate_regression_data(ScratchMLPRegressor(), X, y)
    y[0] = 1e30  # fine in float64, overflows squared in float32
    validate_regression_data(ScratchMLPRegressor(), X, y)
    with pytest.raises(ValueError, match="float32"):
        validate_regression_data(ScratchMLPRegressor(), X.astype(np.float32), y)


def test_string_targets_are_refused():
    X, _ = _data()
    with pytest.raises(ValueError):
        validate_regression_data(ScratchMLPRegressor(), X, np.array(["a", "b"] * 10))


def test_the_estimator_is_not_changed():
    model = ScratchMLPRegressor()
    X, y = _data()
    validate_regression_data(model, pd.DataFrame(X, columns=list("abc")), y)
    assert not hasattr(model, "n_features_in_")
    assert not hasattr(model, "feature_names_in_")


def test_a_validation_set_is_checked_against_the_training_data():
    X, y = _data(outputs=2)
    model = ScratchMLPRegressor()
    data = validate_regression_data(model, X, y)
    assert validate_regression_validation_data(model, data, None, None, None) is None
    given = validate_regression_validation_data(model, data, X[:5], y[:5], None)
    assert given.Y.shape == (5, 2)
    with pytest.raises(ValueError, match="target column"):
        validate_regression_validation_data(model, data, X[:5], y[:5, 0], None)
    with pytest.raises(ValueError, match="X_val"):
        validate_regression_validation_data(model, data, X[:5, :2], y[:5], None)
    with pytest.raises(ValueError, match="y_val was not provided"):
        validate_regression_validation_data(model, data, X[:5], None, None)
    with pytest.raises(ValueError, match="sample_weight_val"):
        validate_regression_validation_data(model, data, None, None, np.ones(5))
