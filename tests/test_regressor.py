"""ScratchMLPRegressor: the regressor's own behaviour (the shared machinery is
tested through the classifier)."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.metrics import r2_score

from sknnscratch import ScratchMLPRegressor
from sknnscratch._network import loss_and_gradients


def _data(n=120, outputs=1, seed=0):
    X, y = make_regression(
        n_samples=n, n_features=5, n_targets=outputs, noise=5.0, random_state=seed
    )
    return X, (y - y.mean(axis=0)) / y.std(axis=0)


@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
def test_every_solver_fits_a_regression(solver):
    X, y = _data()
    model = ScratchMLPRegressor(solver=solver, random_state=0, max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    assert model.solver_ == solver
    assert model.out_activation_ == "identity"
    assert model.predict(X).shape == (120,)
    assert model.score(X, y) > 0.8


def test_auto_takes_lbfgs_for_a_small_fit():
    X, y = _data()
    assert ScratchMLPRegressor(random_state=0).fit(X, y).solver_ == "lbfgs"


def test_multi_output_predicts_every_column():
    X, y = _data(outputs=3)
    model = ScratchMLPRegressor(random_state=0).fit(X, y)
    assert model.n_outputs_ == 3
    assert model.predict(X).shape == (120, 3)
    assert model.score(X, y) > 0.8


def test_loss_is_the_objective_of_the_reference_math():
    X, y = _data()
    model = ScratchMLPRegressor(random_state=0, alpha=0.5).fit(X, y)
    J, _, _ = loss_and_gradients(
        X,
        y.reshape(-1, 1),
        model.coefs_,
        model.intercepts_,
        activation="relu",
        out_activation="identity",
        alpha=0.5,
    )
    np.testing.assert_allclose(model.loss_, J, rtol=1e-12)


def test_sample_weights_count_as_repeated_rows():
    X, y = _data(n=40)
    weights = np.arange(40) % 3
    weighted = ScratchMLPRegressor(random_state=0, solver="lbfgs", tol=1e-10)
    weighted.fit(X, y, sample_weight=weights)
    rows = np.repeat(np.arange(40), weights)
    J, _, _ = loss_and_gradients(
        X[rows],
        y[rows].reshape(-1, 1),
        weighted.coefs_,
        weighted.intercepts_,
        activation="relu",
        out_activation="identity",
        alpha=weighted.alpha,
    )
    np.testing.assert_allclose(weighted.loss_, J, rtol=1e-10)


def test_early_stopping_scores_r2_on_the_held_out_rows():
    X, y = _data(n=200)
    model = ScratchMLPRegressor(
        random_state=0, early_stopping=True, max_iter=30, learning_rate_init=0.01
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, X_val=X[:50], y_val=y[:50])
    best = model.best_validation_score_
    assert model.solver_ == "adam"
    assert best == max(model.validation_scores_)
    np.testing.assert_allclose(best, r2_score(y[:50], model.predict(X[:50])))


def test_partial_fit_continues_like_fit_epoch_by_epoch():
    X, y = _data()
    params = dict(solver="adam", random_state=0, max_iter=3, n_iter_no_change=99)
    streamed = ScratchMLPRegressor(**params)
    for _ in range(3):
        streamed.partial_fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = ScratchMLPRegressor(**params).fit(X, y)
    for a, b in zip(streamed.coefs_, whole.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_continued_fit_refuses_other_target_columns_and_changes_nothing():
    X, y = _data(outputs=2)
    model = ScratchMLPRegressor(random_state=0, warm_start=True).fit(X, y)
    before = [W.copy() for W in model.coefs_]
    with pytest.raises(ValueError, match="target column"):
        model.fit(X, y[:, 0])
    for a, b in zip(model.coefs_, before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_pickle_round_trip_predicts_the_same():
    X, y = _data(outputs=2)
    model = ScratchMLPRegressor(random_state=0).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_loaded_model_with_altered_outputs_is_refused():
    X, y = _data()
    model = ScratchMLPRegressor(random_state=0).fit(X, y)
    state = model.__getstate__()
    state["n_outputs_"] = 2
    with pytest.raises(ValueError, match="n_outputs_"):
        ScratchMLPRegressor().__setstate__(state)


def test_float32_input_trains_a_float32_network():
    X, y = _data()
    model = ScratchMLPRegressor(random_state=0).fit(X.astype(np.float32), y)
    assert model.coefs_[0].dtype == np.float32
    assert model.predict(X.astype(np.float32)).dtype == np.float32


def test_unweighted_fit_has_no_class_weight_parameter():
    assert "class_weight" not in ScratchMLPRegressor().get_params()
    with pytest.raises(TypeError):
        ScratchMLPRegressor(class_weight="balanced")


# ------------------------------ the objective against scikit-learn's MLPRegressor


def test_one_output_gives_mlpregressors_loss_at_the_same_weights():
    from sklearn.neural_network import MLPRegressor

    X, y = _data()
    mlp = MLPRegressor(
        hidden_layer_sizes=(4,), alpha=0.0, max_iter=5, random_state=0, solver="sgd"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X, y)
    ours = ScratchMLPRegressor.from_sklearn(mlp)
    np.testing.assert_allclose(ours.predict(X), mlp.predict(X), rtol=1e-13)
    J, _, _ = loss_and_gradients(
        X,
        y.reshape(-1, 1),
        ours.coefs_,
        ours.intercepts_,
        activation="relu",
        out_activation="identity",
    )
    expected = ((mlp.predict(X) - y) ** 2).mean() / 2
    np.testing.assert_allclose(J, expected, rtol=1e-12)
    assert ours.trace(X, y)["J"] == pytest.approx(expected, rel=1e-12)


def test_the_output_error_is_prediction_minus_target():
    X, y = _data(n=7)
    model = ScratchMLPRegressor(random_state=0, max_iter=3, solver="lbfgs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    steps = model.trace(X, y)
    np.testing.assert_allclose(
        steps["dL/dZ2"], (model.predict(X) - y).reshape(-1, 1) / 7, rtol=1e-12
    )
    np.testing.assert_array_equal(steps["y_hat"], steps["Z2"])


# ----------------------------------------------------------------- ONNX export


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("outputs", [1, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("in_pipeline", [False, True])
def test_onnx_predictions_match(activation, outputs, dtype, in_pipeline):
    pytest.importorskip("skl2onnx")
    rt = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import sknnscratch.onnx  # noqa: F401  (registers the converters)

    X, y = _data(n=80, outputs=outputs)
    network = ScratchMLPRegressor((5, 4), activation=activation, random_state=0)
    model = make_pipeline(StandardScaler(), network) if in_pipeline else network
    X = (X * 10 + 3 if in_pipeline else X).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    onnx_model = to_onnx(model, X[:1])
    session = rt.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (predicted,) = session.run(None, {session.get_inputs()[0].name: X})
    assert predicted.shape == (80, outputs) and predicted.dtype == dtype
    expected = model.predict(X).reshape(80, outputs)
    # float32: the same products in another order, to float32's precision.
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(predicted, expected, rtol=tolerance, atol=tolerance)


def test_onnx_keeps_the_rows_of_several_outputs_apart():
    # skl2onnx's own MLPRegressor converter reshapes the output to one
    # column: (n * n_outputs, 1), the rows of the outputs interleaved.
    pytest.importorskip("skl2onnx")
    rt = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx

    import sknnscratch.onnx  # noqa: F401

    X, y = _data(n=30, outputs=2)
    model = ScratchMLPRegressor(random_state=0).fit(X, y)
    session = rt.InferenceSession(
        to_onnx(model, X[:1]).SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (predicted,) = session.run(None, {session.get_inputs()[0].name: X})
    np.testing.assert_allclose(predicted, model.predict(X), rtol=1e-12, atol=1e-12)
