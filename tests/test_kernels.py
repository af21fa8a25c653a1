"""The fast kernels compute what the reference implementation computes, and
the minibatch loop what a plain batch-by-batch loop computes."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import kernel_loss_and_gradients
from scipy import sparse
from sklearn.utils import gen_batches

from sknnscratch import _kernels, _network
from sknnscratch._kernels import MinibatchTrainer
from sknnscratch._monitoring import DivergenceGuard
from sknnscratch._network import init_parameters, layer_units, pack, unpack
from sknnscratch._optimizers import Adam
from sknnscratch._settings import Objective

OUTPUTS = {
    "binary": ("logistic", 1),
    "multilabel": ("logistic", 3),
    "multiclass": ("softmax", 4),
}


def _problem(activation, output, dtype, weighted, hidden=(6, 5), n=40, seed=0):
    rng = np.random.RandomState(seed)
    out_activation, n_outputs = OUTPUTS[output]
    X = rng.normal(size=(n, 7)).astype(dtype)
    X[rng.uniform(size=X.shape) < 0.4] = 0  # something for sparse storage to skip
    if output == "multiclass":
        Y = np.eye(n_outputs, dtype=dtype)[rng.randint(0, n_outputs, n)]
    else:
        Y = rng.randint(0, 2, size=(n, n_outputs)).astype(dtype)
    weights = rng.uniform(0.1, 3, n).astype(dtype) if weighted else None
    units = layer_units(X.shape[1], hidden, n_outputs)
    coefs, intercepts = init_parameters(units, activation, rng, dtype)
    return X, Y, weights, units, coefs, intercepts, out_activation


@pytest.mark.parametrize(
    "activation, output, dtype, weighted, sparse, penalty_weight",
    [
        (a, o, d, w, s, p)
        for a, o, d, w, s, p in itertools.product(
            ["relu", "tanh", "logistic", "identity"],
            list(OUTPUTS),
            [np.float64, np.float32],
            [False, True],
            [False, True],
            [None, 500.0],
        )
        # every activation, output and dtype; the rest in a few combinations
        if (w, s, p) in {(False, False, None), (True, True, 500.0), (True, False, None)}
    ],
)
def test_kernel_equals_the_reference(
    activation, output, dtype, weighted, sparse, penalty_weight
):
    X, Y, weights, units, coefs, intercepts, out_activation = _problem(
        activation, output, dtype, weighted
    )
    X_in = sp.csr_matrix(X) if sparse else X
    settings = dict(
        activation=activation,
        out_activation=out_activation,
        alpha=0.7,
        sample_weight=weights,
        penalty_weight=penalty_weight,
    )
    reference = _network.loss_and_gradients(
        X_in.astype(np.float64),
        Y.astype(np.float64),
        [W.astype(np.float64) for W in coefs],
        [b.astype(np.float64) for b in intercepts],
        **{
            **settings,
            "sample_weight": None if weights is None else weights.astype(np.float64),
        },
    )
    fast = kernel_loss_and_gradients(X_in, Y, coefs, intercepts, **settings)
    # float32 kernels round every step to float32; the reference runs in float64.
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    assert fast[0] == pytest.approx(reference[0], rel=rtol)
    for got, expected in zip(pack(*fast[1:]), pack(*reference[1:]), strict=True):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * 1e-2)
    assert all(g.dtype == dtype for g in [*fast[1], *fast[2]])


def test_the_gradient_is_one_flat_vector_laid_out_like_theta():
    X, Y, _, units, coefs, intercepts, out_activation = _problem(
        "relu", "binary", np.float64, False
    )
    theta = pack(coefs, intercepts)
    settings = dict(activation="relu", out_activation=out_activation, alpha=0.1)
    network = _kernels.Backprop(theta, units, **settings, n_rows=X.shape[0])
    loss = network(X, Y)
    expected = _network.loss_and_gradients(X, Y, coefs, intercepts, **settings)
    assert loss == pytest.approx(expected[0], rel=1e-12)
    np.testing.assert_allclose(network.grad, pack(*expected[1:]), rtol=1e-12)
    # The per-layer gradients are views of it.
    assert all(np.shares_memory(g, network.grad) for g in network.coef_grads)
    theta[:] *= 2  # the network reads the parameters' current values
    expected = _network.loss_and_gradients(
        X, Y, *unpack(theta.copy(), units), **settings
    )
    assert network(X, Y) == pytest.approx(expected[0], rel=1e-12)


def test_a_smaller_batch_uses_the_first_rows_of_the_workspace():
    X, Y, _, units, coefs, intercepts, out_activation = _problem(
        "tanh", "multiclass", np.float64, False
    )
    settings = dict(activation="tanh", out_activation=out_activation, alpha=0.3)
    network = _kernels.Backprop(
        pack(coefs, intercepts), units, **settings, n_rows=X.shape[0]
    )
    network(X, Y)  # fills every row of the buffers
    loss = network(X[:7], Y[:7])
    expected = _network.loss_and_gradients(X[:7], Y[:7], coefs, intercepts, **settings)
    assert loss == pytest.approx(expected[0], rel=1e-12)
    np.testing.assert_allclose(network.grad, pack(*expected[1:]), rtol=1e-12)


# ------------------------------------------------- the minibatch epoch


def _plain_epoch(X, Y, w, theta, units, batch_size, order, objective):
    """One epoch the textbook way: every batch's loss and step in turn."""
    optimizer = Adam(theta.size, theta.dtype, 0.01, 0.9, 0.999, 1e-8)
    coefs, intercepts = unpack(theta, units)
    total = X.shape[0] if w is None else w.sum()
    loss_sum = weight_sum = 0.0
    for batch in gen_batches(X.shape[0], batch_size):
        rows = order[batch]
        w_batch = None if w is None else w[rows]
        weight = len(rows) if w is None else float(w_batch.sum())
        if weight == 0:
            continue
        loss, coef_grads, intercept_grads = kernel_loss_and_gradients(
            X[rows],
            Y[rows],
            coefs,
            intercepts,
            sample_weight=w_batch,
            penalty_weight=total,
            **objective,
        )
        optimizer.step(theta, pack(coef_grads, intercept_grads))
        loss_sum += loss * weight
        weight_sum += weight
    return loss_sum, weight_sum


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "n_outputs", [1, 2, 4], ids=["binary", "multilabel", "4 classes"]
)
@pytest.mark.parametrize("weights", [None, "with zero-weight batch"])
@pytest.mark.parametrize("shuffled", [True, False], ids=["shuffled", "in order"])
@pytest.mark.parametrize("is_sparse", [False, True], ids=["dense", "sparse"])
def test_epoch_equals_a_batch_by_batch_loop(
    dtype, n_outputs, weights, shuffled, is_sparse, monkeypatch
):
    # Blocks of 48 rows (3 batches of 16), the last block partial and its
    # last batch short: logits kept per block, losses summed per block.
    monkeypatch.setattr(_kernels, "BLOCK_ROWS", 48)
    rng = np.random.default_rng(0)
    n, units = 150, [5, 7, n_outputs]
    X = rng.standard_normal((n, 5)).astype(dtype)
    if n_outputs == 4:
        out_activation = "softmax"
        Y = np.eye(4, dtype=dtype)[rng.integers(0, 4, n)]
    else:
        out_activation = "logistic"
        Y = (rng.random((n, n_outputs)) < 0.5).astype(dtype)
    order = rng.permutation(n) if shuffled else np.arange(n)
    if is_sparse:
        X[X < 0.5] = 0
        X = sparse.csr_matrix(X)
    w = None
    if weights:
        w = rng.uniform(0.5, 2.0, n).astype(dtype)
        w[order[16:32]] = 0  # the second batch weighs nothing
    objective = dict(activation="relu", out_activation=out_activation, alpha=0.3)
    settings = Objective(activation="relu", alpha=0.3, class_weight="None")
    theta = pack(*init_parameters(units, "relu", np.random.RandomState(0), dtype))

    expected_theta = theta.copy()
    expected = _plain_epoch(X, Y, w, expected_theta, units, 16, order, objective)
    optimizer = Adam(theta.size, dtype, 0.01, 0.9, 0.999, 1e-8)
    trainer = MinibatchTrainer(
        X, Y, w, theta, units, 16, optimizer, settings, out_activation
    )
    guard = DivergenceGuard("epoch", "")
    assert trainer.run_epoch(order if shuffled else None, guard, 1) == expected
    np.testing.assert_array_equal(theta, expected_theta)


def test_batch_sums_are_those_of_each_batch():
    values = np.random.default_rng(1).standard_normal(1000) * 1e3
    for batch_size in (1, 7, 200, 999, 1000, 1500):
        expected = [np.add.reduce(values[b]) for b in gen_batches(1000, batch_size)]
        sums = _kernels._batch_sums(values, batch_size)
        assert sums.tolist() == [float(x) for x in expected]
