import warnings

import numpy as np
import pytest

from sknnscratch._activations import (
    CROSS_ENTROPY,
    DERIVATIVES,
    HIDDEN_ACTIVATIONS,
    OUTPUT_LOG_PROBA,
    OUTPUT_PROBA,
)

ACTIVATIONS = sorted(HIDDEN_ACTIVATIONS)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_matches_central_differences(name):
    # Points away from ReLU's kink at 0, where no derivative exists.
    Z = np.array([[-3.0, -1.2, -0.3, 0.4, 1.1, 2.5]])
    f, f_prime = HIDDEN_ACTIVATIONS[name], DERIVATIVES[name]
    eps = 1e-6
    numeric = (f(Z + eps) - f(Z - eps)) / (2 * eps)
    np.testing.assert_allclose(f_prime(Z, f(Z)), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_and_derivative_leave_their_inputs_alone(name):
    Z = np.array([[-2.0, 0.0, 3.0]])
    A = HIDDEN_ACTIVATIONS[name](Z.copy())
    Z_before, A_before = Z.copy(), A.copy()
    DERIVATIVES[name](Z, A)
    np.testing.assert_array_equal(Z, Z_before)
    np.testing.assert_array_equal(A, A_before)


def test_relu_derivative_is_zero_at_the_kink():
    Z = np.array([[-1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(DERIVATIVES["relu"](Z, np.maximum(Z, 0)), [[0, 0, 1]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_dtype_is_kept(name, dtype):
    Z = np.linspace(-2, 2, 6, dtype=dtype).reshape(2, 3)
    A = HIDDEN_ACTIVATIONS[name](Z)
    assert A.dtype == dtype
    assert DERIVATIVES[name](Z, A).dtype == dtype


def test_cross_entropy_equals_the_textbook_formula_for_moderate_logits():
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(20, 1))
    Y = rng.randint(0, 2, size=(20, 1)).astype(float)
    p = 1 / (1 + np.exp(-Z))
    textbook = -(Y * np.log(p) + (1 - Y) * np.log(1 - p)).sum(axis=1)
    np.testing.assert_allclose(CROSS_ENTROPY["logistic"](Z, Y), textbook, rtol=1e-12)

    Z = rng.normal(size=(20, 4))
    Y = np.eye(4)[rng.randint(0, 4, size=20)]
    p = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    textbook = -(Y * np.log(p)).sum(axis=1)
    np.testing.assert_allclose(CROSS_ENTROPY["softmax"](Z, Y), textbook, rtol=1e-12)


@pytest.mark.parametrize("out", ["logistic", "softmax"])
def test_output_functions_stay_finite_for_huge_logits(out):
    Z = np.array([[1e300, -1e300, 0.0], [-800.0, 800.0, 5.0], [1e4, 1e4, -1e4]])
    Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = CROSS_ENTROPY[out](Z, Y)
        proba = OUTPUT_PROBA[out](Z)
        log_proba = OUTPUT_LOG_PROBA[out](Z)
    assert np.isfinite(loss).all() and (loss >= 0).all()
    assert np.isfinite(log_proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    # A confidently wrong prediction costs about the size of its logit.
    assert loss[1] > 799 if out == "logistic" else loss[0] > 1e299


def test_softmax_rows_sum_to_one():
    Z = np.random.RandomState(0).normal(scale=30, size=(10, 5))
    np.testing.assert_allclose(OUTPUT_PROBA["softmax"](Z).sum(axis=1), 1.0)
