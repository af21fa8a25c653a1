"""Recognising a mistaken backprop (``_diagnosis.py``).

Each classic mistake is made on purpose in a learner's backprop, on binary
(sigmoid) and multiclass (softmax) data, and ``check_gradients`` must name
its cause and the tags to read, in a report that fits 80 columns; then the
same for a learner's intermediates against a trace (``Trace.compare``).
"""

import functools

import numpy as np
import pytest
from scipy.special import expit, softmax

from sknnscratch import ScratchMLPClassifier, check_gradients, trace


def learner(mistake=None, alpha=2.5, activation="relu"):
    """A learner's 1-hidden-layer backprop, with at most one mistake."""

    def backprop(X, Y, coefs, intercepts):
        (W1T, W2T), (b1, b2) = coefs, intercepts
        n = len(X)
        Z1 = X @ W1T + b1
        A1 = np.maximum(Z1, 0) if activation == "relu" else np.tanh(Z1)
        Z2 = A1 @ W2T + b2
        P = expit(Z2) if Y.shape[1] == 1 else softmax(Z2, axis=1)
        dZ2 = (P - Y) / n
        if mistake == "sum":
            dZ2 = P - Y
        if mistake == "sign":
            dZ2 = (Y - P) / n
        if mistake == "sigmoid slope again":
            dZ2 = dZ2 * P * (1 - P)
        penalty = 0.0 if mistake == "no L2" else alpha / n
        if mistake == "L2 without 1/S":
            penalty = alpha
        signal = Z1 if mistake == "Z as signal" else A1
        dW2 = signal.T @ dZ2 + penalty * W2T
        if mistake == "transposed dW2":
            dW2 = dZ2.T @ signal + penalty * W2T.T
        if activation == "relu":
            slope = (Z1 > 0) * 1.0
        else:
            slope = 1 - (Z1 if mistake == "tanh slope from Z" else A1) ** 2
        if mistake == "no slope":
            slope = 1.0
        dA1 = dZ2 @ W2T.T
        if mistake == "half dA1":
            dA1 = 0.5 * dA1
        dZ1 = dA1 * slope
        dW1 = X.T @ dZ1 + penalty * W1T
        db1 = dZ1.sum(axis=0)
        if mistake == "bias mean":
            db1 = dZ1.mean(axis=0)
        if mistake == "bias not summed":
            db1 = dZ1
        if mistake == "bias keepdims":
            db1 = dZ1.sum(axis=0, keepdims=True)
        if mistake == "bias offset":
            db1 = db1 + 1e-3
        return [dW1, dW2], [db1, dZ2.sum(axis=0)]

    return backprop


@pytest.fixture(params=["binary", "multiclass"])
def data(request, binary_data, multiclass_data):
    return binary_data if request.param == "binary" else multiclass_data


def check(data, mistake, **params):
    X, y = data
    model = ScratchMLPClassifier(random_state=0, **params)
    activation = params.get("activation", "relu")
    report = check_gradients(
        model, X, y, gradient=learner(mistake, model.alpha, activation)
    )
    text = str(report)
    assert max(len(line) for line in text.splitlines()) <= 80, text
    failing = {row.gradient: row for row in report if row.status == "FAIL"}
    return report, failing, text


def test_the_right_backprop_passes_on_both(data):
    report, failing, _ = check(data, None)
    assert report.passed and not failing


def test_a_missing_mean_is_a_factor_of_s_on_every_array(data):
    report, failing, text = check(data, "sum")
    S = report.S
    assert len(failing) == 4
    for row in failing.values():
        assert (
            row.cause == f"{S:g} x too large: a sum over the rows, not a mean? see (B1)"
        )
        assert row.tags == ("B1",)
    assert f"(S-1)/(S+1) = {(S - 1) / (S + 1):.3f}" in text.replace("\n    ", " ")


def test_a_flipped_sign_is_minus_one_on_every_array(data):
    report, failing, _ = check(data, "sign")
    assert len(failing) == 4
    assert {row.cause for row in failing.values()} == {
        "the opposite sign: y - y_hat for y_hat - y? see (B1)"
    }
    # Exactly 1 where no L2 term blunts the flip: the biases.
    assert abs(failing["dJ/db2"].rel_error - 1) < 1e-9
    assert all(row.rel_error > 0.9 for row in failing.values())


def test_a_forgotten_penalty_fails_the_weights_only_and_says_alpha_and_s(data):
    report, failing, text = check(data, "no L2")
    assert set(failing) == {"dJ/dW1^T", "dJ/dW2^T"}
    assert failing["dJ/dW1^T"].cause == (
        "off by alpha/S * W1^T: the L2 term forgotten? see (B3), (B4)"
    )
    assert failing["dJ/dW1^T"].tags == ("B3", "B4")
    flat = " ".join(text.split())
    assert f"(alpha = 2.5, S = {report.S:g})" in flat
    assert "alpha    2.5" in text  # the header gives alpha too


def test_a_penalty_without_its_1_over_s_is_named_with_its_coefficient(data):
    report, failing, _ = check(data, "L2 without 1/S")
    assert set(failing) == {"dJ/dW1^T", "dJ/dW2^T"}
    row = failing["dJ/dW2^T"]
    assert row.cause.startswith("L2 term 2.5 * W^T, not alpha/S = ")
    assert "divide it by S too" in row.explanation


def test_a_transposed_dw2_is_told_by_its_actual_shapes(data):
    report, failing, _ = check(data, "transposed dW2")
    assert set(failing) == {"dJ/dW2^T"}
    k = report[1].shape[1]  # output units: 1 (sigmoid) or 3 (softmax)
    row = failing["dJ/dW2^T"]
    assert row.cause == f"shape ({k}, 8) is (8, {k}) transposed: see (B2)"
    assert f"A1.T @ dZ2, (8, {k}); dZ2.T @ A1 gives" in row.explanation
    assert "coefs_[1]" in row.explanation and "X.T" not in row.explanation


def test_a_missing_relu_slope_fails_the_first_layer_and_points_at_b7_b8(data):
    _, failing, _ = check(data, "no slope")
    assert set(failing) == {"dJ/dW1^T", "dJ/db1"}
    for row in failing.values():
        assert row.cause == "the relu's slope f'(Z) missing? see (B7), (B8)"
        assert row.tags == ("B7", "B8")


def test_a_tanh_slope_from_z_is_named(data):
    _, failing, _ = check(data, "tanh slope from Z", activation="tanh")
    assert set(failing) == {"dJ/dW1^T", "dJ/db1"}
    assert failing["dJ/db1"].cause == "tanh's slope as 1 - Z**2, not 1 - A**2? see (B7)"


def test_the_pre_activation_as_input_signal_fails_dw2_only(data):
    _, failing, _ = check(data, "Z as signal")
    assert set(failing) == {"dJ/dW2^T"}
    assert failing["dJ/dW2^T"].cause.endswith("not A? see (B2)")


@pytest.mark.parametrize(
    "mistake, cause",
    [
        ("bias mean", "1/S = 1/{S:g} of the right value: .mean() for .sum()? see (B5)"),
        ("bias not summed", "shape ({S:g}, 8): not summed over the rows? see (B5)"),
        ("bias keepdims", "shape (1, 8): an extra axis; want (8,): see (B5)"),
        ("bias offset", "biases only (layer 1), weights right: see (B5)"),
    ],
)
def test_bias_mistakes_point_at_b5(data, mistake, cause):
    report, failing, _ = check(data, mistake)
    assert set(failing) == {"dJ/db1"}
    assert failing["dJ/db1"].cause == cause.format(S=report.S)


def test_the_sigmoid_slope_taken_twice_is_named(binary_data):
    _, failing, _ = check(binary_data, "sigmoid slope again")
    assert len(failing) == 4
    assert {row.cause for row in failing.values()} == {
        "y_hat - y times sigma'(z) again? see (B1)"
    }


def test_an_error_between_the_layers_points_at_b6_to_b8(data):
    _, failing, text = check(data, "half dA1")
    assert set(failing) == {"dJ/dW1^T", "dJ/db1"}
    assert failing["dJ/db1"].cause == (
        "layer 1 and below off, layer 2 right: see (B6)-(B8)"
    )
    assert "(B6) dL/dA1 = dL/dZ2 @ W2" in " ".join(text.split())


def test_each_cause_is_explained_once_and_numbered(binary_data):
    _, failing, text = check(binary_data, "sum")
    assert text.count("[1] The failing arrays are S") == 1
    assert text.count("see (B1) [1]") == 4


def test_the_report_shows_as_a_table_in_a_notebook(binary_data):
    report, _, _ = check(binary_data, "no L2")
    page = report._repr_html_()
    assert page.count("<tr") == 1 + len(report)
    assert "the L2 term forgotten? see (B3), (B4) [1]" in page
    assert "alpha = 2.5" in page.replace("alpha    2.5", "alpha = 2.5") or "2.5" in page


def test_a_partial_is_named_by_its_function(binary_data):
    X, y = binary_data

    def backprop(X, Y, coefs, intercepts, alpha):
        return learner(None, alpha)(X, Y, coefs, intercepts)

    gradient = functools.partial(backprop, alpha=2.5)
    report = check_gradients(
        ScratchMLPClassifier(random_state=0), X, y, gradient=gradient
    )
    assert report.passed and "your backprop(...)" in str(report)


# ------------------------------------------------------------ compare


def _intermediates(steps):
    """A learner's own forward and backward pass at the trace's weights."""
    X, W1T, b1, W2T, b2 = (steps[k] for k in ("X", "W1^T", "b1", "W2^T", "b2"))
    Y, n = steps["y"], len(steps["X"])
    Z1 = X @ W1T + b1
    A1 = np.maximum(Z1, 0)
    P = expit(A1 @ W2T + b2)
    dZ2 = (P - Y) / n
    dA1 = dZ2 @ W2T.T
    dZ1 = dA1 * (Z1 > 0)
    return {
        "Z1": Z1,
        "A1": A1,
        "dL/dZ2": dZ2,
        "dL/dW2^T": A1.T @ dZ2,
        "dJ/db2": dZ2.sum(axis=0),
        "dL/dA1": dA1,
        "dL/dZ1": dZ1,
        "dL/dW1^T": X.T @ dZ1,
        "dJ/db1": dZ1.sum(axis=0),
    }


@pytest.fixture
def steps(binary_data):
    X, y = binary_data
    return trace(ScratchMLPClassifier(random_state=0), X[:20], y[:20])


def test_compare_passes_the_right_intermediates(steps):
    report = steps.compare(_intermediates(steps))
    assert report.passed, str(report)
    assert [row.name for row in report] == [
        "Z1", "A1", "dL/dZ2", "dL/dW2^T", "dJ/db2",
        "dL/dA1", "dL/dZ1", "dL/dW1^T", "dJ/db1",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "name, change, cause",
    [
        ("dL/dZ2", lambda v, s: 20 * v, "20 x too large: a sum over the rows"),
        ("dL/dZ2", lambda v, s: -v, "the opposite sign"),
        ("Z1", lambda v, s: v.T, "shape (8, 20) is (20, 8) transposed"),
        ("dJ/db1", lambda v, s: v[np.newaxis], "shape (1, 8): an extra axis"),
        ("dL/dZ1", lambda v, s: s["dL/dA1"], "equals dL/dA1: the slope f'(Z1) not"),
        ("dL/dW1^T", lambda v, s: v * 1.5, "1.5 x the right value"),
    ],
)
def test_compare_names_the_first_difference_and_how(steps, name, change, cause):
    mine = _intermediates(steps)
    mine[name] = change(mine[name], steps)
    report = steps.compare(mine)
    first = report.first_failure()
    assert first.name == name and first.cause.startswith(cause), first.cause
    text = str(report)
    assert f"First difference: {name}" in " ".join(text.split())
    assert max(len(line) for line in text.splitlines()) <= 80


def test_compare_names_the_tag_of_the_quantity(steps):
    mine = _intermediates(steps)
    mine["dL/dZ2"] = mine["dL/dZ2"] + 0.1
    first = steps.compare(mine).first_failure()
    assert first.tags == ("B1",) and "see (B1)" in first.cause


def test_compare_refuses_unknown_names(steps):
    with pytest.raises(KeyError, match="compare uses its names: X, W1\\^T"):
        steps.compare({"dZ2": np.zeros((20, 1))})


# ------------------------------------------------------------- the regressor


def test_a_non_finite_regression_quantity_is_blamed_on_an_overflow_not_a_sigmoid():
    from sklearn.datasets import make_regression

    from sknnscratch import ScratchMLPRegressor, _diagnosis

    X, y = make_regression(n_samples=6, n_features=3, n_targets=2, random_state=0)
    steps = trace(ScratchMLPRegressor(random_state=0), X, y / y.std())
    report = steps.compare({"dL/dZ2": np.full((6, 2), np.inf)})
    row = report.first_failure()
    assert row.reason == "not finite"
    assert "overflow" in row.cause and "sigma" not in row.explanation
    assert "sigma'(z)" in _diagnosis.not_finite(0).note
