"""Backprop on batches long enough for its block-wise bias addition."""

import numpy as np
import pytest
from conftest import kernel_loss_and_gradients

from sknnscratch import _kernels, _network
from sknnscratch._network import init_parameters, layer_units


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [_kernels.WIDE_ROWS, _kernels.WIDE_ROWS + 37])
def test_adding_biases_to_blocks_of_rows_gives_the_same_bits(dtype, n):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(n, 7)).astype(dtype)
    b = rng.normal(size=7).astype(dtype)
    expected = Z + b
    np.testing.assert_array_equal(_kernels._add_to_rows(Z.copy(), b), expected)
    F = np.asfortranarray(Z)  # not C-contiguous: the plain addition
    np.testing.assert_array_equal(_kernels._add_to_rows(F, b), expected)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_long_batch_matches_the_reference(activation, dtype):
    rng = np.random.RandomState(0)
    n = _kernels.WIDE_ROWS + 101
    X = rng.normal(size=(n, 7)).astype(dtype)
    Y = rng.randint(0, 2, size=(n, 1)).astype(dtype)
    units = layer_units(7, (9, 5), 1)
    coefs, intercepts = init_parameters(units, activation, rng, dtype)
    args = dict(activation=activation, out_activation="logistic", alpha=0.3)
    loss, coef_grads, intercept_grads = kernel_loss_and_gradients(
        X, Y, coefs, intercepts, **args
    )
    ref_loss, ref_coef_grads, ref_intercept_grads = _network.loss_and_gradients(
        X, Y, coefs, intercepts, **args
    )
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(loss, ref_loss, rtol=rtol)
    for got, want in zip(
        [*coef_grads, *intercept_grads],
        [*ref_coef_grads, *ref_intercept_grads],
        strict=True,
    ):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 1e-2)
