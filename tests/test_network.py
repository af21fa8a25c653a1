import itertools
from itertools import pairwise

import numpy as np
import pytest
from conftest import central_differences

from sknnscratch._network import (
    forward,
    init_parameters,
    layer_units,
    loss_and_gradients,
    n_parameters,
    output_logits,
    pack,
    unpack,
)


def _problem(activation, out_activation, hidden, seed=0, n=12, n_features=5):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_features))
    n_outputs = 1 if out_activation == "logistic" else 3
    if out_activation == "logistic":
        Y = rng.randint(0, 2, size=(n, 1)).astype(float)
    else:
        Y = np.eye(3)[rng.randint(0, 3, size=n)]
    units = layer_units(n_features, hidden, n_outputs)
    coefs, intercepts = init_parameters(units, activation, rng)
    return X, Y, units, pack(coefs, intercepts)


def _objective(theta, X, Y, units, **kwargs):
    coefs, intercepts = unpack(theta, units)
    return loss_and_gradients(X, Y, coefs, intercepts, **kwargs)


@pytest.mark.parametrize(
    "activation, out_activation, hidden, alpha, weighted",
    [
        (*combo, weighted)
        for combo in itertools.product(
            ["relu", "tanh", "logistic", "identity"],
            ["logistic", "softmax"],
            [(4,), (4, 3)],
            [0.0, 0.7],
        )
        for weighted in [False, True]
    ],
)
def test_gradient_matches_central_differences(
    activation, out_activation, hidden, alpha, weighted
):
    X, Y, units, theta = _problem(activation, out_activation, hidden)
    sample_weight = (
        np.random.RandomState(1).uniform(0, 3, size=X.shape[0]) if weighted else None
    )
    kwargs = dict(
        activation=activation,
        out_activation=out_activation,
        alpha=alpha,
        sample_weight=sample_weight,
    )
    if activation == "relu":
        # Finite differences across a kink disagree with any derivative.
        Z, _ = forward(X, *unpack(theta, units), activation)
        assert min(np.abs(Z[k]).min() for k in range(1, len(units) - 1)) > 1e-4

    _, coef_grads, intercept_grads = _objective(theta, X, Y, units, **kwargs)
    analytic = pack(coef_grads, intercept_grads)
    numeric = central_differences(
        lambda t: _objective(t, X, Y, units, **kwargs)[0], theta
    )
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


def test_worked_example_by_hand():
    """A 2-2-1 ReLU/sigmoid network on one sample, every number worked by hand.

    x = [1, 2], y = 0
    W1 = [[0.5, -1.0],      b1 = [0.0, -1.0]
          [0.25, 0.5]]
    W2 = [[2.0], [3.0]],    b2 = [-1.0]
    """
    X = np.array([[1.0, 2.0]])
    Y = np.array([[0.0]])
    coefs = [np.array([[0.5, -1.0], [0.25, 0.5]]), np.array([[2.0], [3.0]])]
    intercepts = [np.array([0.0, -1.0]), np.array([-1.0])]

    Z, A = forward(X, coefs, intercepts, "relu")
    # Z1 = [1*0.5 + 2*0.25 + 0, 1*(-1) + 2*0.5 - 1] = [1, -1]
    np.testing.assert_allclose(Z[1], [[1.0, -1.0]])
    # A1 = ReLU(Z1) = [1, 0]
    np.testing.assert_allclose(A[1], [[1.0, 0.0]])
    # Z2 = 1*2 + 0*3 - 1 = 1
    np.testing.assert_allclose(Z[2], [[1.0]])

    loss, dW, db = loss_and_gradients(
        X, Y, coefs, intercepts, activation="relu", out_activation="logistic"
    )
    p = 1 / (1 + np.exp(-1.0))  # sigma(1) = 0.7310585786300049
    # loss = -log(1 - p) = log(1 + e^1) = 1.3132616875182228
    assert loss == pytest.approx(1.3132616875182228, rel=1e-15)
    # dZ2 = p - y = 0.7310585786
    # dW2 = A1^T dZ2 = [[1 * 0.7310585786], [0 * 0.7310585786]]
    np.testing.assert_allclose(dW[1], [[0.7310585786300049], [0.0]], rtol=1e-15)
    np.testing.assert_allclose(db[1], [0.7310585786300049], rtol=1e-15)
    # dA1 = dZ2 W2^T = [2p, 3p] = [1.4621171573, 2.1931757359]
    # dZ1 = dA1 * 1[Z1 > 0] = [1.4621171573, 0]   (the second unit is off)
    # dW1 = x^T dZ1 = [[1 * 1.4621171573, 0], [2 * 1.4621171573, 0]]
    np.testing.assert_allclose(dW[0], [[2 * p, 0.0], [4 * p, 0.0]], rtol=1e-15)
    np.testing.assert_allclose(
        dW[0], [[1.4621171572600098, 0], [2.9242343145200196, 0]]
    )
    np.testing.assert_allclose(db[0], [1.4621171572600098, 0.0], rtol=1e-15)

    # With alpha = 0.5 the objective gains 0.5 / (2 * 1) * ||W||^2 and every
    # weight gradient gains 0.5 * W; the bias gradients do not change.
    sum_sq = 0.5**2 + 1.0**2 + 0.25**2 + 0.5**2 + 2.0**2 + 3.0**2  # 14.5625
    loss_l2, dW_l2, db_l2 = loss_and_gradients(
        X, Y, coefs, intercepts, activation="relu", out_activation="logistic", alpha=0.5
    )
    assert loss_l2 == pytest.approx(1.3132616875182228 + 0.25 * sum_sq, rel=1e-15)
    np.testing.assert_allclose(dW_l2[1], [[p + 1.0], [1.5]], rtol=1e-15)
    np.testing.assert_allclose(dW_l2[0], [[2 * p + 0.25, -0.5], [4 * p + 0.125, 0.25]])
    np.testing.assert_allclose(db_l2[0], db[0])


def test_gradients_are_averaged_over_the_batch():
    # The data term is a mean: repeating the batch changes nothing. (The L2
    # term, alpha / (2 n) * ||W||^2, shrinks with n by design, so alpha is 0.)
    X, Y, units, theta = _problem("tanh", "logistic", (4,))
    kwargs = dict(activation="tanh", out_activation="logistic", alpha=0.0)
    one = _objective(theta, X, Y, units, **kwargs)
    twice = _objective(theta, np.vstack([X, X]), np.vstack([Y, Y]), units, **kwargs)
    assert one[0] == pytest.approx(twice[0], rel=1e-12)
    np.testing.assert_allclose(pack(*one[1:]), pack(*twice[1:]), rtol=1e-12)


def test_integer_sample_weights_equal_repeated_rows():
    X, Y, units, theta = _problem("relu", "softmax", (4, 3))
    weights = np.random.RandomState(3).randint(0, 4, size=X.shape[0])
    kwargs = dict(activation="relu", out_activation="softmax", alpha=0.2)
    weighted = _objective(theta, X, Y, units, sample_weight=weights * 1.0, **kwargs)
    repeated = _objective(
        theta, X.repeat(weights, axis=0), Y.repeat(weights, axis=0), units, **kwargs
    )
    assert weighted[0] == pytest.approx(repeated[0], rel=1e-12)
    np.testing.assert_allclose(pack(*weighted[1:]), pack(*repeated[1:]), atol=1e-13)


def test_unpack_gives_views_in_scikit_learn_layout():
    units = [13, 8, 1]
    assert n_parameters(units) == 13 * 8 + 8 * 1 + 8 + 1
    theta = np.arange(n_parameters(units), dtype=float)
    coefs, intercepts = unpack(theta, units)
    assert [c.shape for c in coefs] == [(13, 8), (8, 1)]
    assert [b.shape for b in intercepts] == [(8,), (1,)]
    coefs[1][3, 0] = -1.0
    assert theta[13 * 8 + 3] == -1.0
    np.testing.assert_array_equal(pack(coefs, intercepts), theta)


def test_initialisation_matches_scikit_learn_draws():
    from sklearn.neural_network import MLPClassifier

    units = layer_units(13, [8], 1)
    for activation in ["relu", "logistic"]:
        mlp = MLPClassifier((8,), activation=activation)
        mlp._random_state = np.random.RandomState(7)
        theirs = [mlp._init_coef(a, b, np.float64) for a, b in pairwise(units)]
        coefs, intercepts = init_parameters(units, activation, np.random.RandomState(7))
        for (W_ref, b_ref), W, b in zip(theirs, coefs, intercepts, strict=True):
            np.testing.assert_array_equal(W, W_ref)
            np.testing.assert_array_equal(b, b_ref)


def test_output_logits_equal_the_recorded_forward_pass():
    X, _, units, theta = _problem("logistic", "softmax", (4, 3))
    coefs, intercepts = unpack(theta, units)
    Z, _ = forward(X, coefs, intercepts, "logistic")
    np.testing.assert_array_equal(
        output_logits(X, coefs, intercepts, "logistic"), Z[len(coefs)]
    )


def test_float32_stays_float32():
    X, Y, units, theta = _problem("relu", "softmax", (4,))
    X, Y, theta = X.astype(np.float32), Y.astype(np.float32), theta.astype(np.float32)
    coefs, intercepts = unpack(theta, units)
    loss, coef_grads, intercept_grads = loss_and_gradients(
        X,
        Y,
        coefs,
        intercepts,
        activation="relu",
        out_activation="softmax",
        alpha=0.1,
        sample_weight=np.ones(X.shape[0], dtype=np.float32),
    )
    assert all(g.dtype == np.float32 for g in coef_grads + intercept_grads)
    assert isinstance(loss, float)


def test_minibatch_penalty_uses_the_whole_training_set():
    # J_B = mean loss over the batch + alpha / (2 S) ||W||^2 with S the
    # training set's size: checked against finite differences, and against
    # the full-batch objective, whose penalty it shares.
    X, Y, units, theta = _problem("tanh", "softmax", (4,))
    batch = slice(0, 3)
    kwargs = dict(activation="tanh", out_activation="softmax", alpha=0.7)
    loss, coef_grads, intercept_grads = _objective(
        theta, X[batch], Y[batch], units, penalty_weight=12, **kwargs
    )
    numeric = central_differences(
        lambda t: _objective(t, X[batch], Y[batch], units, penalty_weight=12, **kwargs)[
            0
        ],
        theta,
    )
    np.testing.assert_allclose(
        pack(coef_grads, intercept_grads), numeric, rtol=1e-6, atol=1e-8
    )
    coefs, _ = unpack(theta, units)
    data_only = _objective(theta, X[batch], Y[batch], units, **{**kwargs, "alpha": 0})
    penalty = 0.7 / (2 * 12) * sum(np.vdot(W, W) for W in coefs)
    np.testing.assert_allclose(loss, data_only[0] + penalty, rtol=1e-12)
