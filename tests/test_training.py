"""The minibatch loop computes what a plain batch-by-batch loop computes."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.utils import gen_batches

from sknnscratch import _kernels as _training
from sknnscratch._kernels import MinibatchTrainer, loss_and_gradients
from sknnscratch._monitoring import DivergenceGuard
from sknnscratch._network import init_parameters, pack, unpack
from sknnscratch._optimizers import Adam


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
        loss, coef_grads, intercept_grads = loss_and_gradients(
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
    monkeypatch.setattr(_training, "BLOCK_ROWS", 48)
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
    theta = pack(*init_parameters(units, "relu", np.random.RandomState(0), dtype))

    expected_theta = theta.copy()
    expected = _plain_epoch(X, Y, w, expected_theta, units, 16, order, objective)
    optimizer = Adam(theta.size, dtype, 0.01, 0.9, 0.999, 1e-8)
    trainer = MinibatchTrainer(X, Y, w, theta, units, 16, optimizer, objective)
    guard = DivergenceGuard("epoch", "")
    assert trainer.run_epoch(order if shuffled else None, guard, 1) == expected
    np.testing.assert_array_equal(theta, expected_theta)


def test_batch_sums_are_those_of_each_batch():
    values = np.random.default_rng(1).standard_normal(1000) * 1e3
    for batch_size in (1, 7, 200, 999, 1000, 1500):
        expected = [np.add.reduce(values[b]) for b in gen_batches(1000, batch_size)]
        sums = _training._batch_sums(values, batch_size)
        assert sums.tolist() == [float(x) for x in expected]
