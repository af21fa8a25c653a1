"""Looking inside (``_inspect.py``): gradient check and one-sample trace."""

import numpy as np
import pytest
from conftest import fitted
from sklearn.exceptions import NotFittedError

import sknnscratch._network as network
from sknnscratch import ScratchMLPClassifier, check_gradients, trace

ACTIVATIONS = ["relu", "tanh", "logistic", "identity"]


# ----------------------------------------------------------- gradient check


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("multiclass", [False, True])
def test_gradient_check_passes_on_the_real_network(
    activation, multiclass, binary_data, multiclass_data
):
    X, y = multiclass_data if multiclass else binary_data
    weights = np.linspace(0.2, 3.0, len(y))
    for model in (
        ScratchMLPClassifier(hidden_layer_sizes=(5, 4), activation=activation),
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
    before = [W.copy() for W in model.coefs_]
    check_gradients(model, X, y)
    for W, W0 in zip(model.coefs_, before, strict=True):
        np.testing.assert_array_equal(W, W0)
    unfitted = ScratchMLPClassifier()
    check_gradients(unfitted, X, y)
    assert not hasattr(unfitted, "coefs_")


# -------------------------------------------------------------------- trace


def test_trace_lists_the_derivation_in_order(binary_data):
    X, y = binary_data
    steps = trace(fitted((X, y)), X[3], y[3])
    assert list(steps) == [
        "Z1",
        "a1",
        "Z2",
        "y_hat",
        "y",
        "loss",
        "dL/dZ2",
        "dL/dW2",
        "dL/db2",
        "dL/da1",
        "f'(Z1)",
        "dL/dZ1",
        "dL/dW1",
        "dL/db1",
    ]
    shapes = {name: np.shape(value) for name, value in steps.items()}
    assert shapes["Z1"] == (1, 8) and shapes["dL/dW1"] == (13, 8)
    assert shapes["dL/dW2"] == (8, 1) and shapes["dL/da1"] == (1, 8)
    text = str(steps)
    assert "dL/dW1" in text and "(13, 8)" in text


@pytest.mark.parametrize("multiclass", [False, True])
def test_trace_follows_every_equation(multiclass, binary_data, multiclass_data):
    X, y = multiclass_data if multiclass else binary_data
    model = fitted((X, y))
    W1, W2 = model.coefs_
    b1, b2 = model.intercepts_
    x = X[5:6]
    s = model.trace(X[5], y[5])
    np.testing.assert_allclose(s["Z1"], x @ W1 + b1, rtol=1e-12)  # F1
    np.testing.assert_array_equal(s["a1"], np.maximum(s["Z1"], 0))  # F2
    np.testing.assert_allclose(s["Z2"], s["a1"] @ W2 + b2, rtol=1e-12)
    np.testing.assert_allclose(s["y_hat"], model.predict_proba(x)[:, -W2.shape[1] :])
    np.testing.assert_allclose(s["dL/dZ2"], s["y_hat"] - s["y"], rtol=1e-12)  # B1
    np.testing.assert_allclose(s["dL/dW2"], s["a1"].T @ s["dL/dZ2"], rtol=1e-12)
    np.testing.assert_allclose(s["dL/db2"], s["dL/dZ2"][0], rtol=1e-12)  # B3
    np.testing.assert_allclose(s["dL/da1"], s["dL/dZ2"] @ W2.T, rtol=1e-12)  # B4
    np.testing.assert_array_equal(s["f'(Z1)"], s["Z1"] > 0)  # the ReLU mask
    np.testing.assert_array_equal(s["dL/dZ1"], s["dL/da1"] * s["f'(Z1)"])  # B5
    np.testing.assert_allclose(s["dL/dW1"], x.T @ s["dL/dZ1"], rtol=1e-12)  # B2
    assert s["Z1"] is not s["f'(Z1)"] and (s["Z1"] < 0).any()  # Z1 kept intact


@pytest.mark.parametrize("multiclass", [False, True])
def test_trace_equals_the_gradients_training_uses(
    multiclass, binary_data, multiclass_data
):
    X, y = multiclass_data if multiclass else binary_data
    model = fitted((X, y), hidden_layer_sizes=(6, 5), activation="tanh")
    Y = model._label_binarizer.transform(y).astype(float)
    kwargs = dict(activation="tanh", out_activation=model.out_activation_)
    total = [np.zeros_like(W) for W in model.coefs_]
    for i in range(len(y)):
        steps = model.trace(X[i], y[i])
        _, coef_grads, intercept_grads = network.loss_and_gradients(
            X[i : i + 1], Y[i : i + 1], model.coefs_, model.intercepts_, **kwargs
        )
        for layer, (dW, db) in enumerate(zip(coef_grads, intercept_grads, strict=True)):
            np.testing.assert_array_equal(steps[f"dL/dW{layer + 1}"], dW)
            np.testing.assert_array_equal(steps[f"dL/db{layer + 1}"], db)
            total[layer] += dW
    # The batch gradient is the mean of the samples' gradients plus alpha/n W.
    _, batch_grads, _ = network.loss_and_gradients(
        X, Y, model.coefs_, model.intercepts_, alpha=model.alpha, **kwargs
    )
    for dW_sum, dW, W in zip(total, batch_grads, model.coefs_, strict=True):
        np.testing.assert_allclose(
            dW_sum / len(y) + model.alpha / len(y) * W, dW, rtol=1e-10, atol=1e-14
        )


def test_trace_needs_a_fitted_model(binary_data):
    X, y = binary_data
    with pytest.raises(NotFittedError):
        trace(ScratchMLPClassifier(), X[0], y[0])


# ---------------------------------------------------------------- display


# ---------------------------------------------------------------- export
