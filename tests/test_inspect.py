"""Looking inside (``_inspect.py``): the trace of a batch and the gradient check."""

import ast
import doctest
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import central_differences, fitted, fitted_attributes, quiet
from scipy.special import expit
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknnscratch._inspect as inspect_module
import sknnscratch._network as network
from sknnscratch import (
    ScratchMLPClassifier,
    ScratchMLPClassifierCV,
    check_gradients,
    trace,
)

ACTIVATIONS = ["relu", "tanh", "logistic", "identity"]

TRACE_KEYS_13_8_1 = [
    "X",
    "W1^T",
    "b1",
    "W2^T",
    "b2",
    "Z1",
    "A1",
    "Z2",
    "y_hat",
    "y",
    "L",
    "R",
    "J",
    "dL/dZ2",
    "dL/dW2^T",
    "dR/dW2^T",
    "dJ/dW2^T",
    "dJ/db2",
    "dL/dA1",
    "f'(Z1)",
    "dL/dZ1",
    "dL/dW1^T",
    "dR/dW1^T",
    "dJ/dW1^T",
    "dJ/db1",
]


def test_docstring_examples_run():
    results = doctest.testmod(inspect_module, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 5 and results.failed == 0


# -------------------------------------------------------------------- trace


def test_trace_lists_the_derivation_in_order_with_2d_shapes(binary_data):
    X, y = binary_data
    steps = trace(fitted((X, y)), X[:5], y[:5])
    assert list(steps) == TRACE_KEYS_13_8_1
    shapes = {name: np.shape(value) for name, value in steps.items()}
    n = 5
    assert shapes == {
        "X": (n, 13),
        "W1^T": (13, 8),
        "b1": (8,),
        "W2^T": (8, 1),
        "b2": (1,),
        "Z1": (n, 8),
        "A1": (n, 8),
        "Z2": (n, 1),
        "y_hat": (n, 1),
        "y": (n, 1),
        "L": (),
        "R": (),
        "J": (),
        "dL/dZ2": (n, 1),
        "dL/dW2^T": (8, 1),
        "dR/dW2^T": (8, 1),
        "dJ/dW2^T": (8, 1),
        "dJ/db2": (1,),
        "dL/dA1": (n, 8),
        "f'(Z1)": (n, 8),
        "dL/dZ1": (n, 8),
        "dL/dW1^T": (13, 8),
        "dR/dW1^T": (13, 8),
        "dJ/dW1^T": (13, 8),
        "dJ/db1": (8,),
    }
    for name in ("L", "R", "J"):
        assert type(steps[name]) is float


def test_one_sample_is_one_row(binary_data):
    X, y = binary_data
    model = fitted((X, y))
    one = trace(model, X[3], y[3])  # a 1-D row and a scalar label
    batch = trace(model, X[3:4], y[3:4])
    assert one["Z1"].shape == (1, 8) and one["y"].shape == (1, 1)
    for name in batch:
        np.testing.assert_array_equal(one[name], batch[name])
    # A row of a DataFrame keeps its column names on the way in.
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(13)])
    named = fitted((frame, y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        from_series = trace(named, frame.iloc[3], y[3])
    np.testing.assert_array_equal(
        from_series["dJ/dW1^T"], trace(named, frame.iloc[3:4], y[3:4])["dJ/dW1^T"]
    )


def test_more_hidden_layers_add_indices(multiclass_data):
    X, y = multiclass_data
    steps = fitted((X, y), hidden_layer_sizes=(5, 4)).trace(X[:3], y[:3])
    assert list(steps)[:13] == [
        "X", "W1^T", "b1", "W2^T", "b2", "W3^T", "b3",
        "Z1", "A1", "Z2", "A2", "Z3", "y_hat",
    ]  # fmt: skip
    assert steps["y"].shape == steps["y_hat"].shape == (3, 3)  # softmax, 3 classes
    assert [name for name in steps if name.startswith("dJ/dW")] == [
        "dJ/dW3^T",
        "dJ/dW2^T",
        "dJ/dW1^T",
    ]
    assert "f'(Z2)" in steps and "dL/dA2" in steps and "A3" not in steps


def _hand_trained_2_2_1(alpha):
    """A fitted 2-2-1 model whose weights are then set to round numbers."""
    X, y = make_classification(
        n_samples=40, n_features=2, n_informative=2, n_redundant=0, random_state=0
    )
    model = fitted((X, y), hidden_layer_sizes=(2,)).set_params(alpha=alpha)
    model.coefs_ = [np.array([[0.1, -0.2], [0.3, 0.4]]), np.array([[0.5], [-0.6]])]
    model.intercepts_ = [np.array([0.0, -0.1]), np.array([0.2])]
    return model


def test_trace_of_a_2_2_1_network_worked_by_hand():
    model = _hand_trained_2_2_1(alpha=0.5)
    X = np.array([[1.0, 2.0], [2.0, 1.0]])
    s = trace(model, X, [1, 0])

    def sigmoid(z):
        return 1 / (1 + math.exp(-z))

    # Row 1: Z1 = (0.1 + 0.6, -0.2 + 0.8 - 0.1) = (0.7, 0.5), both active,
    #        Z2 = 0.7 * 0.5 + 0.5 * -0.6 + 0.2 = 0.25.
    # Row 2: Z1 = (0.2 + 0.3, -0.4 + 0.4 - 0.1) = (0.5, -0.1), the second off,
    #        Z2 = 0.5 * 0.5 + 0.2 = 0.45.
    expected_Z1 = [[0.7, 0.5], [0.5, -0.1]]
    expected_a1 = [[0.7, 0.5], [0.5, 0.0]]
    p1, p2 = sigmoid(0.25), sigmoid(0.45)
    # Cross-entropy: -log(p1) for y = 1, -log(1 - p2) for y = 0, mean of two.
    L = (-math.log(p1) - math.log(1 - p2)) / 2
    # alpha / (2 S) * sum of squared weights = 0.5 / 4 * 0.91.
    R = 0.5 / 4 * (0.01 + 0.04 + 0.09 + 0.16 + 0.25 + 0.36)
    d1, d2 = (p1 - 1) / 2, (p2 - 0) / 2  # dL/dZ2, averaged over S = 2
    expected = {
        "Z1": expected_Z1,
        "A1": expected_a1,
        "Z2": [[0.25], [0.45]],
        "y_hat": [[p1], [p2]],
        "y": [[1.0], [0.0]],
        "dL/dZ2": [[d1], [d2]],
        "dL/dW2^T": [[0.7 * d1 + 0.5 * d2], [0.5 * d1]],
        "dR/dW2^T": [[0.25 * 0.5], [0.25 * -0.6]],  # alpha / S * W2
        "dJ/dW2^T": [[0.7 * d1 + 0.5 * d2 + 0.125], [0.5 * d1 - 0.15]],
        "dJ/db2": [d1 + d2],
        "dL/dA1": [[0.5 * d1, -0.6 * d1], [0.5 * d2, -0.6 * d2]],
        "f'(Z1)": [[1.0, 1.0], [1.0, 0.0]],
        "dL/dZ1": [[0.5 * d1, -0.6 * d1], [0.5 * d2, 0.0]],
        # X.T @ dL/dZ1
        "dL/dW1^T": [
            [1 * 0.5 * d1 + 2 * 0.5 * d2, 1 * -0.6 * d1],
            [2 * 0.5 * d1 + 1 * 0.5 * d2, 2 * -0.6 * d1],
        ],
        "dR/dW1^T": [[0.025, -0.05], [0.075, 0.1]],
        "dJ/db1": [0.5 * d1 + 0.5 * d2, -0.6 * d1],
    }
    for name, value in expected.items():
        np.testing.assert_allclose(s[name], value, rtol=1e-12, atol=1e-15, err_msg=name)
    assert s["L"] == pytest.approx(L, rel=1e-12)
    assert s["R"] == pytest.approx(R, rel=1e-12)
    assert s["J"] == pytest.approx(L + R, rel=1e-12)
    np.testing.assert_allclose(
        s["dJ/dW1^T"], np.add(expected["dL/dW1^T"], expected["dR/dW1^T"]), rtol=1e-12
    )


def _by_hand(X, Y, W1, b1, W2, b2, alpha, s):
    """An independent 13-8-1 (one ReLU layer, sigmoid output) objective and backprop."""
    S = s.sum()
    Z1 = X @ W1 + b1
    a1 = np.maximum(Z1, 0)
    Z2 = a1 @ W2 + b2
    y_hat = expit(Z2)
    loss = np.logaddexp(0, Z2) - Y * Z2  # -y log p - (1 - y) log(1 - p)
    J = float(s @ loss[:, 0] / S + alpha / (2 * S) * ((W1**2).sum() + (W2**2).sum()))
    dZ2 = (y_hat - Y) * s[:, None] / S
    dZ1 = dZ2 @ W2.T * (Z1 > 0)
    grads = {
        "dJ/dW2^T": a1.T @ dZ2 + alpha / S * W2,
        "dJ/db2": dZ2.sum(axis=0),
        "dJ/dW1^T": X.T @ dZ1 + alpha / S * W1,
        "dJ/db1": dZ1.sum(axis=0),
    }
    return J, {"Z1": Z1, "A1": a1, "Z2": Z2, "y_hat": y_hat, "dL/dZ2": dZ2, **grads}


@pytest.mark.parametrize("is_fitted", [False, True])
def test_trace_equals_an_independent_computation(is_fitted, binary_data):
    X, y = binary_data
    weights = np.linspace(0.5, 2.0, 20)
    model = fitted((X, y)) if is_fitted else ScratchMLPClassifier(random_state=3)
    s = trace(model, X[:20], y[:20], sample_weight=weights)
    W1, b1, W2, b2 = s["W1^T"], s["b1"], s["W2^T"], s["b2"]
    Y = y[:20, None].astype(float)
    J, by_hand = _by_hand(X[:20], Y, W1, b1, W2, b2, model.alpha, weights)
    assert s["J"] == pytest.approx(J, rel=1e-12)
    for name, value in by_hand.items():
        np.testing.assert_allclose(s[name], value, rtol=1e-10, atol=1e-14, err_msg=name)

    # And dJ/dW1 against finite differences of that independent J.
    def objective_of(flat_W1):
        return _by_hand(
            X[:20], Y, flat_W1.reshape(W1.shape), b1, W2, b2, model.alpha, weights
        )[0]

    numeric = central_differences(objective_of, W1.ravel().copy()).reshape(W1.shape)
    np.testing.assert_allclose(s["dJ/dW1^T"], numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("is_fitted", [False, True])
@pytest.mark.parametrize("multiclass", [False, True])
def test_the_objective_and_each_gradient_are_the_sum_of_their_parts(
    is_fitted, multiclass, binary_data, multiclass_data
):
    X, y = multiclass_data if multiclass else binary_data
    params = dict(hidden_layer_sizes=(6, 5), activation="tanh")
    model = (
        fitted((X, y), **params)
        if is_fitted
        else ScratchMLPClassifier(random_state=0, **params)
    )
    s = trace(model, X[:30], y[:30], sample_weight=np.arange(1.0, 31.0))
    assert s["J"] == s["L"] + s["R"]
    assert s["R"] > 0 and s["L"] > 0
    for layer in (1, 2, 3):
        np.testing.assert_array_equal(
            s[f"dJ/dW{layer}^T"], s[f"dL/dW{layer}^T"] + s[f"dR/dW{layer}^T"]
        )
        np.testing.assert_allclose(
            s[f"dR/dW{layer}^T"], model.alpha / 465.0 * s[f"W{layer}^T"], rtol=1e-15
        )  # S = 1 + 2 + ... + 30 = 465
    # J and its gradient are the reference's, with the estimator's alpha.
    J, coef_grads, intercept_grads = network.loss_and_gradients(
        s["X"],
        s["y"],
        [s["W1^T"], s["W2^T"], s["W3^T"]],
        [s["b1"], s["b2"], s["b3"]],
        activation="tanh",
        out_activation="softmax" if multiclass else "logistic",
        alpha=model.alpha,
        sample_weight=np.arange(1.0, 31.0),
    )
    assert s["J"] == J
    for layer, (dW, db) in enumerate(zip(coef_grads, intercept_grads, strict=True), 1):
        np.testing.assert_array_equal(s[f"dJ/dW{layer}^T"], dW)
        np.testing.assert_array_equal(s[f"dJ/db{layer}"], db)


@pytest.mark.parametrize("multiclass", [False, True])
def test_trace_follows_every_equation(multiclass, binary_data, multiclass_data):
    X, y = multiclass_data if multiclass else binary_data
    model = fitted((X, y))
    W1, W2 = model.coefs_
    b1, b2 = model.intercepts_
    x = X[5:9]
    s = model.trace(x, y[5:9])
    np.testing.assert_array_equal(s["W1^T"], W1)
    np.testing.assert_array_equal(s["b2"], b2)
    np.testing.assert_allclose(s["Z1"], x @ W1 + b1, rtol=1e-12)  # F1
    np.testing.assert_array_equal(s["A1"], np.maximum(s["Z1"], 0))  # F2
    np.testing.assert_allclose(s["Z2"], s["A1"] @ W2 + b2, rtol=1e-12)
    np.testing.assert_allclose(s["y_hat"], model.predict_proba(x)[:, -W2.shape[1] :])
    dZ2 = (s["y_hat"] - s["y"]) / 4
    np.testing.assert_allclose(s["dL/dZ2"], dZ2, rtol=1e-12)  # B1
    np.testing.assert_allclose(s["dL/dW2^T"], s["A1"].T @ dZ2, rtol=1e-12)  # B2
    np.testing.assert_allclose(s["dJ/db2"], dZ2.sum(axis=0), rtol=1e-12)  # B3
    np.testing.assert_allclose(s["dL/dA1"], dZ2 @ W2.T, rtol=1e-12)  # B4
    np.testing.assert_array_equal(s["f'(Z1)"], s["Z1"] > 0)  # the ReLU mask
    np.testing.assert_array_equal(s["dL/dZ1"], s["dL/dA1"] * s["f'(Z1)"])  # B5
    np.testing.assert_allclose(s["dL/dW1^T"], x.T @ s["dL/dZ1"], rtol=1e-12)  # B2
    assert s["Z1"] is not s["f'(Z1)"] and (s["Z1"] < 0).any()  # Z1 kept intact


def test_the_batch_gradient_is_the_mean_of_the_samples_gradients(binary_data):
    X, y = binary_data
    model = fitted((X, y), hidden_layer_sizes=(6, 5), activation="tanh")
    batch = model.trace(X, y)
    total = [np.zeros_like(W) for W in model.coefs_]
    for i in range(len(y)):
        one = model.trace(X[i], y[i])
        for layer in range(3):
            total[layer] += one[f"dL/dW{layer + 1}^T"]
    for layer, W in enumerate(model.coefs_):
        np.testing.assert_allclose(
            total[layer] / len(y) + model.alpha / len(y) * W,
            batch[f"dJ/dW{layer + 1}^T"],
            rtol=1e-10,
            atol=1e-14,
        )


def test_before_fit_the_trace_starts_from_the_weights_fit_starts_from(binary_data):
    # One full-batch SGD step without momentum moves the initial weights by
    # -learning_rate * dJ/dW: the unfitted trace's weights minus that step
    # must be the weights fit ends with, so both its weights and its
    # gradient are what training uses.
    X, y = binary_data
    params = dict(
        solver="sgd",
        batch_size=len(y),
        momentum=0.0,
        nesterovs_momentum=False,
        learning_rate_init=0.1,
        shuffle=False,
        max_iter=1,
        alpha=2.0,
        random_state=7,
    )
    before = trace(ScratchMLPClassifier(**params), X, y)
    model = quiet(ScratchMLPClassifier(**params), X, y)
    for layer in (1, 2):
        np.testing.assert_allclose(
            before[f"W{layer}^T"] - 0.1 * before[f"dJ/dW{layer}^T"],
            model.coefs_[layer - 1],
            rtol=1e-12,
            atol=1e-15,
        )
        np.testing.assert_allclose(
            before[f"b{layer}"] - 0.1 * before[f"dJ/db{layer}"],
            model.intercepts_[layer - 1],
            rtol=1e-12,
            atol=1e-15,
        )
        assert not np.allclose(before[f"W{layer}^T"], model.coefs_[layer - 1])
    assert model.loss_curve_[0] == pytest.approx(before["J"], rel=1e-12)


def test_trace_changes_nothing(binary_data):
    X, y = binary_data
    model = fitted((X, y))
    before = fitted_attributes(model)
    steps = trace(model, X, y)
    steps["W1^T"][:] = 0.0  # the trace holds copies
    steps["X"][:] = 0.0
    assert fitted_attributes(model) == before
    assert np.abs(X).sum() > 0
    # An unfitted model stays unfitted, and a RandomState it holds is not
    # advanced: the next fit still starts from the traced weights.
    rng = np.random.RandomState(0)
    unfitted = ScratchMLPClassifier(random_state=rng)
    first = trace(unfitted, X, y)
    second = trace(unfitted, X, y)
    np.testing.assert_array_equal(first["W1^T"], second["W1^T"])
    assert not hasattr(unfitted, "coefs_") and unfitted.random_state is rng
    np.testing.assert_array_equal(
        first["W1^T"], trace(ScratchMLPClassifier(random_state=0), X, y)["W1^T"]
    )


def test_an_unfitted_model_needs_classes_when_y_shows_one(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="pass classes="):
        trace(ScratchMLPClassifier(random_state=0), X[0], y[0])
    steps = trace(ScratchMLPClassifier(random_state=0), X[0], 1, classes=[0, 1])
    assert steps["y"].tolist() == [[1.0]]
    # Its weights are those of the whole data set's fit: same classes, same start.
    np.testing.assert_array_equal(
        steps["W1^T"], trace(ScratchMLPClassifier(random_state=0), X, y)["W1^T"]
    )


def test_multilabel_indicator_rows(binary_data):
    X, y = binary_data
    Y = np.column_stack([y, 1 - y, y])
    model = fitted((X, Y))
    steps = trace(model, X[0], Y[0])  # one sample: its indicator row
    assert steps["y"].shape == steps["y_hat"].shape == (1, 3)
    np.testing.assert_array_equal(steps["y"], Y[:1])


def _pipeline_data():
    X, y = make_classification(n_samples=80, n_features=13, random_state=0)
    return X * 50 + 10, y  # far from standardised: the scaler matters


@pytest.mark.parametrize("last_step_fitted", [False, True])
def test_trace_accepts_a_pipeline(last_step_fitted):
    X, y = _pipeline_data()
    pipeline = make_pipeline(StandardScaler(), ScratchMLPClassifier(random_state=0))
    if last_step_fitted:
        pipeline.fit(X, y)
    else:
        pipeline[0].fit(X)
    through = trace(pipeline, X[:4], y[:4])
    direct = trace(pipeline[-1], pipeline[0].transform(X[:4]), y[:4])
    assert list(through) == list(direct)
    for name in through:
        np.testing.assert_array_equal(through[name], direct[name])
    np.testing.assert_allclose(through["X"], pipeline[0].transform(X[:4]))


def test_an_unfitted_pipeline_step_is_named():
    X, y = _pipeline_data()
    pipeline = make_pipeline(StandardScaler(), ScratchMLPClassifier())
    for inspect in (trace, check_gradients):
        with pytest.raises(NotFittedError, match="'standardscaler' .StandardScaler"):
            inspect(pipeline, X[:4], y[:4])


class _LookAlike:
    """Has the methods and fitted attributes of a ScratchMLPClassifier, is not one."""

    def __init__(self, model):
        vars(self).update(vars(model))

    _is_fitted = ScratchMLPClassifier._is_fitted
    trace = ScratchMLPClassifier.trace
    get_params = ScratchMLPClassifier.get_params


class _Subclass(ScratchMLPClassifier):
    pass


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier(),
        make_pipeline(StandardScaler(), LogisticRegression()),
        "ScratchMLPClassifier",
        _LookAlike(ScratchMLPClassifier()),
        make_pipeline(StandardScaler(), _LookAlike(ScratchMLPClassifier())),
    ],
    ids=[
        "MLPClassifier",
        "pipeline-of-another",
        "a-string",
        "a-look-alike",
        "pipeline-of-a-look-alike",
    ],
)
def test_anything_else_is_a_type_error(estimator, binary_data):
    X, y = binary_data
    for inspect in (trace, check_gradients):
        with pytest.raises(TypeError, match="a Pipeline whose last step is one"):
            inspect(estimator, X[:4], y[:4])


def test_subclasses_are_inspected_alone_and_in_a_pipeline(binary_data):
    X, y = binary_data
    params = dict(random_state=0, max_iter=30)
    subclass, model = _Subclass(**params), ScratchMLPClassifier(**params)
    pipeline = make_pipeline(StandardScaler(), _Subclass(**params))
    cv = ScratchMLPClassifierCV(alphas=[0.1, 1.0], cv=2, **params)
    for estimator in (subclass, model, pipeline, cv):
        quiet(estimator, X, y)
        assert check_gradients(estimator, X[:10], y[:10]).passed
    ours, theirs = trace(subclass, X[:4], y[:4]), trace(model, X[:4], y[:4])
    np.testing.assert_array_equal(ours["dJ/dW1^T"], theirs["dJ/dW1^T"])
    squares = sum(float((W.astype(np.float64) ** 2).sum()) for W in cv.coefs_)
    assert trace(cv, X[:4], y[:4])["R"] == pytest.approx(cv.alpha_ / 8 * squares)


def test_inspecting_imports_nothing_from_the_estimator_module():
    # _classifier and _regressor import _inspect (through _estimator):
    # importing either back would make a cycle.
    tree = ast.parse(Path(inspect_module.__file__).read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not any(name.startswith("sknnscratch._classifier") for name in imported)
    assert not any(name.startswith("sknnscratch._regressor") for name in imported)
    assert not any(name.startswith("sknnscratch._cv") for name in imported)


def _printed_values(text, steps, name):
    """The numbers printed for ``name`` in a printed trace, as a 2-D array."""
    block = next(b for b in text.split("\n\n") if b.startswith(f"{name}  ("))
    rows, columns = steps.labels[name]
    values = {}
    for line in block.splitlines()[1:]:
        tokens = line.split()
        if not tokens or tokens[0] == "...":
            continue
        if set(tokens) <= set(columns):  # a line of column labels
            labels = tokens
            continue
        if rows is None:
            row, numbers = "", tokens
        else:
            row, numbers = tokens[0], tokens[1:]
        for label, number in zip(labels, numbers, strict=True):
            values.setdefault(row, {})[label] = float(number)
    return np.array([[values[r][c] for c in columns] for r in values])


def test_the_printed_trace_labels_rows_and_columns_in_fixed_point(binary_data):
    X, y = binary_data
    steps = trace(fitted((X, y)), X[:3], y[:3])
    text = steps.to_string(max_rows=None)
    assert "transposed" in text.splitlines()[3]
    for name, value in steps.items():
        if isinstance(value, float):
            assert re.search(rf"^{re.escape(name)} = -?\d+\.\d{{4}}  ", text, re.M)
            continue
        # Every entry printed in its row and column, to 4 decimals.
        printed = _printed_values(text, steps, name)
        np.testing.assert_allclose(printed, np.atleast_2d(value), atol=5e-5)
    assert "Z1  (3, 8)  = X @ W1^T + b1  (F1)" in text
    assert "dL/dZ1  (3, 8)  = dL/dA1 * f'(Z1)  (B8)" in text
    assert "e-0" not in text and "e+0" not in text  # never scientific
    assert "[[" not in text and "-0.0000" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    # Columns: features x1..x13, hidden units h1..h8; rows: the samples.
    assert steps.labels["W1^T"] == ([f"x{k}" for k in range(1, 14)], [
        f"h{j}" for j in range(1, 9)
    ])  # fmt: skip
    assert steps.labels["Z1"][0] == ["0", "1", "2"]
    # A 1-D array prints as one line of values under its column labels.
    block = next(b for b in text.split("\n\n") if b.startswith("b1  (8,)"))
    assert len(block.splitlines()) == 3


def test_a_long_trace_is_compact_unless_asked(binary_data):
    X, y = binary_data
    steps = trace(fitted((X, y)), X, y)  # 120 rows
    compact, full = str(steps), steps.to_string(max_rows=None)
    assert "first 3 of 120 rows" in compact and "117 more rows" in compact
    assert len(compact.splitlines()) < 300 < len(full.splitlines())
    # Weights are never cut; per-sample arrays show their first rows.
    np.testing.assert_allclose(
        _printed_values(compact, steps, "dJ/dW1^T"), steps["dJ/dW1^T"], atol=5e-5
    )
    np.testing.assert_allclose(
        _printed_values(compact, steps, "Z1"), steps["Z1"][:3], atol=5e-5
    )
    assert repr(steps) == compact


def test_trace_labels_come_from_the_data(binary_data):
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(13)], index=range(100, 220))
    steps = trace(fitted((frame, y)), frame.iloc[5:7], y[5:7])
    assert steps.labels["X"] == (["105", "106"], [f"f{i}" for i in range(13)])
    assert steps.labels["dJ/dW1^T"][0] == [f"f{i}" for i in range(13)]
    assert steps.labels["y_hat"][1] == ["P(1)"]
    # A pipeline: the names its earlier steps give out.
    pipeline = make_pipeline(StandardScaler(), ScratchMLPClassifier(random_state=0))
    pipeline.fit(frame, y)
    through = trace(pipeline, frame.iloc[:2], y[:2])
    assert through.labels["X"][1] == [f"f{i}" for i in range(13)]


def test_trace_shows_as_a_table_in_a_notebook(binary_data):
    X, y = binary_data
    steps = trace(fitted((X, y)), X[:4], y[:4])
    page = steps._repr_html_()
    assert page.count("<table") == sum(np.ndim(v) > 0 for v in steps.values())
    assert "<th>h1</th>" in page and "X @ W1^T + b1  (F1)" in page
    assert "1 more rows" in page
    printed = []

    class Printer:
        def text(self, text):
            printed.append(text)

    steps._repr_pretty_(Printer(), cycle=False)
    assert printed == [str(steps)]


def test_the_saturation_warning_names_the_callers_line_either_way(binary_data):
    X, y = binary_data
    model = fitted((X, y))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trace(model, 300 * X[:4], y[:4])
        model.trace(300 * X[:4], y[:4])
    assert len(caught) == 2 and all(w.filename == __file__ for w in caught)


def test_a_saturated_output_warns_with_the_reason(binary_data):
    X, y = binary_data
    model = fitted((X, y))
    with pytest.warns(UserWarning, match=r"saturated.*look unscaled.*pipeline"):
        steps = trace(model, 300 * X[:4], y[:4])
    assert steps.notes and "Warning: the output has saturated" in str(steps)
    # Standardised rows of a confident model: the weights are the reason.
    confident = fitted((X, y)).set_params(alpha=1.0)
    confident.coefs_ = [50 * W for W in confident.coefs_]
    with pytest.warns(UserWarning, match="the weights are large"):
        trace(confident, X[:4], y[:4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not trace(ScratchMLPClassifier(random_state=0), X[:4], y[:4]).notes
        # Confident but not exactly 0 or 1: a note in the print, no warning.
        sure = trace(model, X, y)
        assert sure.notes and "the weights are large" in sure.notes[0]


def test_the_old_names_still_read_with_a_warning(binary_data):
    X, y = binary_data
    steps = trace(fitted((X, y)), X[:2], y[:2])
    with pytest.warns(FutureWarning, match=r"'W1' is now 'W1\^T'"):
        np.testing.assert_array_equal(steps["W1"], steps["W1^T"])
    with pytest.warns(FutureWarning, match=r"'dL/da1' is now 'dL/dA1'"):
        np.testing.assert_array_equal(steps["dL/da1"], steps["dL/dA1"])
    with pytest.raises(KeyError, match="its names are: X, W1\\^T"):
        steps["W9"]


# ----------------------------------------------------------- gradient check


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("multiclass", [False, True])
def test_gradient_check_passes_on_the_real_network(
    activation, multiclass, binary_data, multiclass_data
):
    X, y = multiclass_data if multiclass else binary_data
    weights = np.linspace(0.2, 3.0, len(y))
    for model in (
        # Seeded: about 1 initial draw in 200 leaves a gradient so small that
        # finite differences miss its relative error bound.
        ScratchMLPClassifier(
            hidden_layer_sizes=(5, 4), activation=activation, random_state=0
        ),
        fitted((X, y), activation=activation, class_weight="balanced"),
    ):
        report = check_gradients(model, X[:40], y[:40], sample_weight=weights[:40])
        assert [row.name for row in report][:2] == ["coefs_[0]", "coefs_[1]"]
        assert report.passed, str(report)
        assert report.near_kink < 10
        for row in report:
            assert row.max_abs_error < 1e-6 and row.rel_error < 1e-6


def test_gradient_check_catches_a_corrupted_derivative(binary_data, monkeypatch):
    X, y = binary_data
    model = fitted((X, y), activation="tanh")
    wrong = dict(network.DERIVATIVES)
    wrong["tanh"] = lambda Z, A, out=None: 1 - A  # should be 1 - A**2
    monkeypatch.setattr(network, "DERIVATIVES", wrong)
    report = check_gradients(model, X, y)
    assert not report.passed
    by_name = {row.name: row for row in report}
    # Only the gradients that flow back through the hidden layer are wrong.
    assert by_name["coefs_[0]"].status == "FAIL"
    assert by_name["coefs_[0]"].rel_error > 1e-2
    assert by_name["coefs_[1]"].status == "ok"
    assert "FAIL" in str(report)


def test_gradient_check_catches_a_wrong_output_error(binary_data, monkeypatch):
    X, y = binary_data
    model = fitted((X, y))
    real = network.OUTPUT_PROBA["logistic"]
    wrong = dict(network.OUTPUT_PROBA)
    wrong["logistic"] = lambda Z, out=None: real(Z) * 2 - 0.5  # a wrong (B1)
    monkeypatch.setattr(network, "OUTPUT_PROBA", wrong)
    assert not check_gradients(model, X, y).passed


def test_gradient_check_flags_a_relu_kink_instead_of_failing(binary_data):
    X, y = binary_data
    model = fitted((X, y))
    X = X.copy()
    X[0] = 0.0
    model.intercepts_[0][:] = 0.0  # the first row sits on every unit's kink
    report = check_gradients(model, X, y)
    assert report.near_kink >= 1
    assert report.passed
    assert "left out" in str(report)
    every_row_on_a_kink = check_gradients(model, np.zeros_like(X[:4]), y[:4])
    assert {row.status for row in every_row_on_a_kink} == {"near kink"}
    assert every_row_on_a_kink.passed


def test_gradient_check_changes_nothing(binary_data):
    X, y = binary_data
    model = fitted((X, y))
    before = fitted_attributes(model)
    check_gradients(model, X, y)
    assert fitted_attributes(model) == before
    unfitted = ScratchMLPClassifier()
    check_gradients(unfitted, X, y)
    assert not hasattr(unfitted, "coefs_")


def test_each_verdict_says_why(binary_data):
    X, y = binary_data
    report = check_gradients(ScratchMLPClassifier(random_state=0), X, y)
    assert {row.reason for row in report} == {"relative error < rtol"}
    text = str(report)
    assert "rtol = 1e-06" in text and "atol = 1e-08" in text
    assert "alpha    2.5" in text and "S = 120" in text
    assert "13-8-1 (relu, sigmoid output)" in text
    # At a tight minimum the gradient is tiny: finite differences' rounding
    # noise makes the relative error large, and atol is what passes it (tanh:
    # no ReLU kink, so every row is compared and the minimum is the one seen).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        converged = ScratchMLPClassifier(
            activation="tanh", random_state=0, tol=1e-12, max_iter=5000
        )
        converged.fit(X, y)
    report = check_gradients(converged, X, y)
    near_minimum = [row for row in report if row.reason == "every entry within atol"]
    assert near_minimum, str(report)
    for row in near_minimum:
        assert row.status == "ok" and row.rel_error >= 1e-6 and row.max_abs_error < 1e-8
    text = str(report)
    assert "ok (within atol)" in text and "near a minimum" in text


# ------------------------------------------------- a learner's own backprop


def learner_backprop(alpha, *, transpose_dW1=False, average=True):
    """A learner's backprop for the 13-8-1 network, written in plain numpy."""

    def gradient(X, Y, coefs, intercepts):
        (W1, W2), (b1, b2) = coefs, intercepts
        n = X.shape[0] if average else 1
        Z1 = X @ W1 + b1
        a1 = np.maximum(Z1, 0)
        Z2 = a1 @ W2 + b2
        y_hat = expit(Z2)
        dZ2 = (y_hat - Y) / n
        dW2 = a1.T @ dZ2 + alpha / X.shape[0] * W2
        db2 = dZ2.sum(axis=0)
        dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
        if transpose_dW1:  # the derivation's column layout: dZ1 x^T
            dW1 = dZ1.T @ X + alpha / X.shape[0] * W1.T
        else:
            dW1 = X.T @ dZ1 + alpha / X.shape[0] * W1
        db1 = dZ1.sum(axis=0)
        return [dW1, dW2], [db1, db2]

    return gradient


def test_a_correct_learner_backprop_passes(binary_data):
    X, y = binary_data
    for model in (ScratchMLPClassifier(random_state=0), fitted((X, y))):
        report = check_gradients(model, X, y, gradient=learner_backprop(model.alpha))
        assert report.passed, str(report)
        assert "your gradient(...)" in str(report)
    # Without the L2 term, it passes only on an estimator with alpha=0.
    unpenalised = learner_backprop(0.0)
    assert not check_gradients(fitted((X, y)), X, y, gradient=unpenalised).passed
    assert check_gradients(
        ScratchMLPClassifier(alpha=0, random_state=0), X, y, gradient=unpenalised
    ).passed


def test_a_transposed_first_layer_gradient_fails_with_its_shape(binary_data):
    X, y = binary_data
    report = check_gradients(
        fitted((X, y)), X, y, gradient=learner_backprop(1.0, transpose_dW1=True)
    )
    assert not report.passed
    first = report[0]
    assert (first.status, first.reason) == ("FAIL", "wrong shape")
    assert first.cause == "shape (8, 13) is (13, 8) transposed: see (B2)"
    assert "X.T @ dZ1, (13, 8); dZ1.T @ X gives" in first.explanation
    assert [row.status for row in report[1:]] == ["ok", "ok", "ok"]


def test_a_transposed_first_layer_gradient_fails_on_its_values_when_square():
    # 8 features and 8 hidden units: dZ1.T @ X has the right shape, wrong values.
    X, y = make_classification(n_samples=60, n_features=8, random_state=0)
    model = ScratchMLPClassifier(random_state=0)
    report = check_gradients(
        model, X, y, gradient=learner_backprop(model.alpha, transpose_dW1=True)
    )
    assert report[0].status == "FAIL" and report[0].rel_error > 0.1
    assert report[0].reason == "wrong values"
    assert report[0].cause == "the right values transposed: see (B2) for layer 1"
    assert check_gradients(model, X, y, gradient=learner_backprop(model.alpha)).passed


def test_a_summed_instead_of_averaged_gradient_fails(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(random_state=0)
    report = check_gradients(
        model, X, y, gradient=learner_backprop(model.alpha, average=False)
    )
    assert not report.passed
    assert {row.status for row in report} == {"FAIL"}


def test_a_wrong_number_of_arrays_is_a_clear_error(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(random_state=0)
    right = learner_backprop(model.alpha)

    def three_weights(*args):
        coef_grads, intercept_grads = right(*args)
        return [*coef_grads, coef_grads[0]], intercept_grads

    def flat(*args):
        (dW1, dW2), (db1, db2) = right(*args)
        return dW1, db1, dW2, db2

    with pytest.raises(
        ValueError, match=r"3 arrays in coef_grads; expected a list of 2"
    ):
        check_gradients(model, X, y, gradient=three_weights)
    with pytest.raises(ValueError, match=r"a pair \(coef_grads, intercept_grads\)"):
        check_gradients(model, X, y, gradient=flat)
    with pytest.raises(ValueError, match=r"dJ/dW1\^T \(13, 8\), dJ/dW2\^T \(8, 1\)"):
        check_gradients(model, X, y, gradient=flat)


def test_a_callable_that_writes_into_its_inputs_cannot_corrupt_the_check(
    binary_data,
):
    X, y = binary_data
    model = fitted((X, y))
    before = fitted_attributes(model)
    right = learner_backprop(model.alpha)

    def vandal(X, Y, coefs, intercepts):
        grads = right(X, Y, coefs, intercepts)
        for array in (X, Y, *coefs, *intercepts):
            array[...] = 0.0
        return grads

    assert check_gradients(model, X, y, gradient=vandal).passed
    assert fitted_attributes(model) == before


def test_a_non_finite_gradient_fails(binary_data):
    X, y = binary_data
    right = learner_backprop(13.0)

    def with_nan(*args):
        coef_grads, intercept_grads = right(*args)
        coef_grads[1] = coef_grads[1] * np.nan
        return coef_grads, intercept_grads

    report = check_gradients(ScratchMLPClassifier(), X, y, gradient=with_nan)
    assert (report[1].status, report[1].reason) == ("FAIL", "not finite")


def test_a_callable_with_weighted_rows_is_refused(binary_data):
    X, y = binary_data
    right = learner_backprop(13.0)
    with pytest.raises(ValueError, match="receives no sample weights"):
        check_gradients(
            ScratchMLPClassifier(), X, y, np.linspace(1, 2, len(y)), gradient=right
        )
    with pytest.raises(ValueError, match="receives no sample weights"):
        check_gradients(
            ScratchMLPClassifier(class_weight={0: 1.0, 1: 3.0}), X, y, gradient=right
        )


def test_check_gradients_accepts_a_pipeline():
    X, y = _pipeline_data()
    pipeline = make_pipeline(StandardScaler(), ScratchMLPClassifier(random_state=0))
    pipeline.fit(X, y)
    through = check_gradients(pipeline, X, y)
    direct = check_gradients(pipeline[-1], pipeline[0].transform(X), y)
    assert through == direct and through.passed
    seen = []

    def spy(X, Y, coefs, intercepts):
        seen.append(X)
        return learner_backprop(pipeline[-1].alpha)(X, Y, coefs, intercepts)

    assert check_gradients(pipeline, X, y, gradient=spy).passed
    assert abs(seen[0].mean()) < 0.5  # standardised rows, not the raw ones


def test_a_learner_backprop_that_raises_is_reported_with_the_layout(binary_data):
    X, y = binary_data

    def column_form_backprop(X, Y, coefs, intercepts):
        W1, W2 = coefs
        Z1 = X @ W1 + intercepts[0]
        dZ1 = (Z1 > 0) * 1.0
        return [X @ dZ1, W2], list(intercepts)  # X is (n, 13): no conform

    model = ScratchMLPClassifier(alpha=0, random_state=0)
    with pytest.raises(ValueError) as error:
        check_gradients(model, X, y, gradient=column_form_backprop)
    assert isinstance(error.value.__cause__, ValueError)  # the learner's own error
    lines = str(error.value).splitlines()
    assert lines[0] == "Your column_form_backprop(...) raised"
    assert lines[1].startswith("    ValueError: ")
    text = "\n".join(lines)
    for expected in [
        "It was called as column_form_backprop(X, Y, coefs, intercepts) with",
        "    X           (120, 13)",
        "    Y           (120, 1)",
        "    coefs       [(13, 8), (8, 1)]",
        "    intercepts  [(8,), (1,)]",
        "and must return ([dJ/dW1^T (13, 8), dJ/dW2^T (8, 1)],",
        "dJ/dW1^T = X.T @ dZ1",
    ]:
        assert expected in text, text
    assert max(len(line) for line in lines) <= 80


# ------------------------------------------------------------- the regressor


def _regression_data(n=40, outputs=1, n_features=13, seed=0):
    from sklearn.datasets import make_regression

    X, y = make_regression(
        n_samples=n,
        n_features=n_features,
        n_targets=outputs,
        noise=1.0,
        random_state=seed,
    )
    X = StandardScaler().fit_transform(X)
    return X, (y - y.mean(axis=0)) / y.std(axis=0)


def _regressor(**params):
    from sknnscratch import ScratchMLPRegressor

    # The 13-8-1 shape of the derivation, whatever the default width.
    return ScratchMLPRegressor(
        **{"random_state": 0, "hidden_layer_sizes": (8,), **params}
    )


def _squared_error_by_hand(X, Y, W1, b1, W2, b2, alpha, s):
    """An independent one-hidden-layer (ReLU) network with an identity output."""
    S = s.sum()
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0)
    y_hat = A1 @ W2 + b2
    loss = 0.5 * ((y_hat - Y) ** 2).sum(axis=1)
    J = float(s @ loss / S + alpha / (2 * S) * ((W1**2).sum() + (W2**2).sum()))
    dZ2 = (y_hat - Y) * s[:, None] / S
    dZ1 = dZ2 @ W2.T * (Z1 > 0)
    grads = {
        "dJ/dW2^T": A1.T @ dZ2 + alpha / S * W2,
        "dJ/db2": dZ2.sum(axis=0),
        "dJ/dW1^T": X.T @ dZ1 + alpha / S * W1,
        "dJ/db1": dZ1.sum(axis=0),
    }
    return J, {"Z1": Z1, "A1": A1, "Z2": y_hat, "y_hat": y_hat, "dL/dZ2": dZ2, **grads}


@pytest.mark.parametrize("outputs", [1, 3])
@pytest.mark.parametrize("is_fitted", [False, True])
def test_a_regressor_trace_is_the_squared_error_worked_independently(
    outputs, is_fitted
):
    X, y = _regression_data(outputs=outputs)
    weights = np.linspace(0.5, 2.0, len(X))
    model = _regressor(alpha=0.7)
    if is_fitted:
        quiet(model, X, y)
    steps = trace(model, X, y, sample_weight=weights)
    assert list(steps) == TRACE_KEYS_13_8_1
    Y = y.reshape(len(X), outputs)
    np.testing.assert_array_equal(steps["y"], Y)
    W1, b1, W2, b2 = steps["W1^T"], steps["b1"], steps["W2^T"], steps["b2"]
    assert W2.shape == (8, outputs)
    J, by_hand = _squared_error_by_hand(X, Y, W1, b1, W2, b2, 0.7, weights)
    assert steps["J"] == pytest.approx(J, rel=1e-12)
    assert steps["J"] == steps["L"] + steps["R"]
    for name, value in by_hand.items():
        np.testing.assert_allclose(
            steps[name], value, rtol=1e-10, atol=1e-14, err_msg=name
        )

    def objective_of(flat_W2):
        return _squared_error_by_hand(
            X, Y, W1, b1, flat_W2.reshape(W2.shape), b2, 0.7, weights
        )[0]

    numeric = central_differences(objective_of, W2.ravel().copy()).reshape(W2.shape)
    np.testing.assert_allclose(steps["dJ/dW2^T"], numeric, rtol=1e-6, atol=1e-9)


def test_a_fitted_regressors_trace_is_at_its_weights_and_its_loss():
    X, y = _regression_data(n=60)
    model = quiet(_regressor(alpha=0.5), X, y)
    steps = model.trace(X, y)
    np.testing.assert_array_equal(steps["W1^T"], model.coefs_[0])
    np.testing.assert_allclose(steps["y_hat"][:, 0], model.predict(X), rtol=1e-12)
    # The model's loss_ is its objective at the final weights on the same rows.
    assert steps["J"] == pytest.approx(model.loss_, rel=1e-9)


def test_before_fit_a_regressor_trace_starts_from_the_weights_fit_starts_from():
    X, y = _regression_data(outputs=2)
    params = dict(
        solver="sgd",
        batch_size=len(X),
        momentum=0.0,
        learning_rate_init=0.05,
        shuffle=False,
        max_iter=1,
        alpha=2.0,
        random_state=7,
    )
    before = trace(_regressor(**params), X, y)
    model = quiet(_regressor(**params), X, y)
    for layer in (1, 2):
        np.testing.assert_allclose(
            before[f"W{layer}^T"] - 0.05 * before[f"dJ/dW{layer}^T"],
            model.coefs_[layer - 1],
            rtol=1e-12,
            atol=1e-15,
        )
        np.testing.assert_allclose(
            before[f"b{layer}"] - 0.05 * before[f"dJ/db{layer}"],
            model.intercepts_[layer - 1],
            rtol=1e-12,
            atol=1e-15,
        )
    assert model.loss_curve_[0] == pytest.approx(before["J"], rel=1e-12)


def test_one_regression_sample_is_one_row_of_every_output():
    X, y = _regression_data(outputs=3)
    model = quiet(_regressor(), X, y)
    steps = trace(model, X[0], y[0])
    assert steps["X"].shape == (1, 13) and steps["y"].shape == (1, 3)
    np.testing.assert_allclose(steps["dL/dZ2"], steps["y_hat"] - steps["y"])
    one = quiet(_regressor(), X, y[:, 0])
    assert trace(one, X[0], y[0, 0])["y"].shape == (1, 1)


def test_the_regressor_trace_explains_the_squared_error_and_identity_output(
    binary_data,
):
    X, y = _regression_data(outputs=2)
    steps = trace(_regressor(), X[:3], y[:3])
    assert "identity output" in steps.header
    assert "squared error" in steps.equations["L"]
    assert "identity" in steps.equations["y_hat"]
    assert "(B1)" in steps.equations["dL/dZ2"]
    assert steps.labels["y_hat"][1] == steps.labels["b2"][1] == ["y1", "y2"]
    text = steps.to_string()
    assert "identity output" in text and "squared error" in text
    assert "cross-entropy" not in text and "sigmoid" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    classifier = trace(ScratchMLPClassifier(random_state=0), *binary_data)
    assert "cross-entropy" in str(classifier) and "sigmoid" in str(classifier)


def test_the_regressor_trace_notes_unscaled_targets_without_warning():
    X, y = _regression_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled = trace(_regressor(), X, y)
        unscaled = trace(_regressor(), X, 1000 * y)
    assert scaled.notes == []
    assert "targets look unscaled" in unscaled.notes[0]
    assert "Warning: the targets look unscaled" in str(unscaled)


def test_classes_are_refused_for_a_regressor():
    X, y = _regression_data()
    model = _regressor()
    for inspect in (trace, check_gradients):
        for estimator in (model, make_pipeline(StandardScaler(), model)):
            if isinstance(estimator, type(model)) is False:
                estimator[0].fit(X)
            with pytest.raises(ValueError, match="has no classes"):
                inspect(estimator, X[:4], y[:4], classes=[0, 1])
    with pytest.raises(TypeError):
        model.trace(X[:4], y[:4], classes=[0, 1])


def test_a_fitted_regressor_is_traced_on_its_own_target_columns():
    X, y = _regression_data(outputs=2)
    model = quiet(_regressor(), X, y)
    for inspect in (trace, check_gradients):
        with pytest.raises(ValueError, match="1 target column.*fitted on 2"):
            inspect(model, X[:4], y[:4, 0])
    with pytest.raises(ValueError, match="features"):
        trace(model, X[:4, :5], y[:4])


def test_a_regressor_trace_changes_nothing():
    X, y = _regression_data()
    model = quiet(_regressor(), X, y)
    before = fitted_attributes(model)
    trace(model, X, y)["W1^T"][:] = 0.0
    check_gradients(model, X[:10], y[:10])
    assert fitted_attributes(model) == before
    rng = np.random.RandomState(0)
    unfitted = _regressor(random_state=rng)
    first, second = trace(unfitted, X, y), trace(unfitted, X, y)
    np.testing.assert_array_equal(first["W1^T"], second["W1^T"])
    assert not hasattr(unfitted, "coefs_") and unfitted.random_state is rng


@pytest.mark.parametrize("last_step_fitted", [False, True])
def test_a_pipeline_ending_in_a_regressor_is_traced_through_its_steps(
    last_step_fitted,
):
    X, y = _regression_data()
    X = X * 50 + 10
    pipeline = make_pipeline(StandardScaler(), _regressor())
    if last_step_fitted:
        quiet(pipeline, X, y)
    else:
        pipeline[0].fit(X)
    through = trace(pipeline, X[:4], y[:4])
    direct = trace(pipeline[-1], pipeline[0].transform(X[:4]), y[:4])
    for name in through:
        np.testing.assert_array_equal(through[name], direct[name])
    assert check_gradients(pipeline, X[:10], y[:10]).passed


def test_an_unfitted_step_before_a_regressor_is_named():
    X, y = _regression_data()
    pipeline = make_pipeline(StandardScaler(), _regressor())
    with pytest.raises(NotFittedError, match="ScratchMLPRegressor, may be unfitted"):
        trace(pipeline, X[:4], y[:4])


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("outputs", [1, 3])
def test_gradient_check_passes_on_the_regressor(activation, outputs):
    X, y = _regression_data(outputs=outputs)
    weights = np.linspace(0.2, 3.0, len(X))
    for model in (
        _regressor(hidden_layer_sizes=(5, 4), activation=activation),
        quiet(_regressor(activation=activation), X, y),
    ):
        report = check_gradients(model, X, y, sample_weight=weights)
        assert report.passed, str(report)
        assert report.n_rows + report.near_kink == len(X)
        if not report.near_kink:
            assert report.S == pytest.approx(weights.sum())
        assert "identity output" in report.network
        for row in report:
            assert row.max_abs_error < 1e-6 and row.rel_error < 1e-6


def test_gradient_check_catches_a_wrong_regression_output(monkeypatch):
    X, y = _regression_data()
    model = quiet(_regressor(), X, y)
    wrong = dict(network.OUTPUT_PROBA)
    wrong["identity"] = lambda Z, out=None: 2 * Z  # a wrong (F3), hence (B1)
    monkeypatch.setattr(network, "OUTPUT_PROBA", wrong)
    report = check_gradients(model, X, y)
    assert not report.passed
    assert all(row.status == "FAIL" for row in report)


def _regression_backprop(output_error):
    """A learner's backprop of a one-hidden-layer ReLU regressor without L2."""

    def backprop(X, Y, coefs, intercepts):
        (W1T, W2T), (b1, b2) = coefs, intercepts
        Z1 = X @ W1T + b1
        A1 = np.maximum(Z1, 0)
        dZ2 = output_error(A1 @ W2T + b2, Y) / len(X)
        dZ1 = dZ2 @ W2T.T * (Z1 > 0)
        return [X.T @ dZ1, A1.T @ dZ2], [dZ1.sum(0), dZ2.sum(0)]

    return backprop


@pytest.mark.parametrize(
    "output_error, cause",
    [
        (lambda Z, Y: Z - Y, None),
        (lambda Z, Y: 2 * (Z - Y), "the 1/2 of the squared error forgotten"),
        (lambda Z, Y: expit(Z) - Y, "y_hat through a sigmoid"),
        (lambda Z, Y: (Z - Y) / 3, "a mean over the outputs"),
        (lambda Z, Y: Y - Z, "the opposite sign"),
        (lambda Z, Y: (Z - Y) * len(Z), "a sum over the rows, not a mean"),
    ],
    ids=["right", "doubled", "sigmoid", "mean-over-outputs", "sign", "summed"],
)
def test_a_learners_regression_backprop_is_diagnosed(output_error, cause):
    X, y = _regression_data(outputs=3)
    model = _regressor(alpha=0.0)
    report = check_gradients(model, X, y, gradient=_regression_backprop(output_error))
    if cause is None:
        assert report.passed, str(report)
        return
    assert not report.passed
    assert all(cause in row.cause for row in report), str(report)
    assert "numbers, a column per output" not in str(report)


def test_a_regression_backprop_that_raises_shows_numeric_targets():
    X, y = _regression_data(outputs=2)

    def broken(X, Y, coefs, intercepts):
        raise ValueError("shapes (40,13) and (8,2) not aligned")

    with pytest.raises(ValueError, match="the targets, numbers, a column per output"):
        check_gradients(_regressor(alpha=0.0), X, y, gradient=broken)


def test_a_scikit_learn_regressor_is_a_type_error_naming_both_estimators():
    from sklearn.neural_network import MLPRegressor

    X, y = _regression_data()
    for inspect in (trace, check_gradients):
        with pytest.raises(TypeError, match="ScratchMLPClassifier or a ScratchMLPR"):
            inspect(MLPRegressor(), X[:4], y[:4])
