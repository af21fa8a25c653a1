"""ScratchMLPRegressor(loss='poisson'): the exponential output and the Poisson
deviance, against MLPRegressor(loss='poisson') and by finite differences."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_poisson_deviance
from sklearn.neural_network import MLPRegressor

from sknnscratch import ScratchMLPRegressor, ScratchMLPRegressorCV, check_gradients
from sknnscratch._activations import CROSS_ENTROPY, OUTPUT_PROBA
from sknnscratch._network import init_parameters, loss_and_gradients, pack, unpack


def _counts(n_samples=120, n_outputs=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    rates = np.exp(X @ rng.normal(scale=0.4, size=(3, n_outputs)) + 0.5)
    y = rng.poisson(rates).astype(float)
    return X, (y[:, 0] if n_outputs == 1 else y)


@pytest.fixture(scope="module")
def counts():
    return _counts()


@pytest.fixture(scope="module")
def fitted(counts):
    X, y = counts
    return ScratchMLPRegressor(loss="poisson", random_state=0).fit(X, y)


def test_predictions_are_exp_of_the_logits(fitted, counts):
    X, _ = counts
    assert fitted.out_activation_ == "exp"
    Z = X
    for layer, (W, b) in enumerate(zip(fitted.coefs_, fitted.intercepts_, strict=True)):
        Z = (np.maximum(Z, 0) if layer else Z) @ W + b
    np.testing.assert_allclose(fitted.predict(X), np.exp(Z[:, 0]), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_the_loss_is_mlpregressors_at_the_same_weights(counts, weighted):
    # One full-batch SGD step: MLPRegressor's loss_ is its objective at the
    # initial weights, which the same seed draws for both estimators.
    X, y = counts
    w = np.random.default_rng(1).uniform(0.2, 2.0, y.size) if weighted else None
    mlp = MLPRegressor(
        loss="poisson",
        hidden_layer_sizes=(5,),
        solver="sgd",
        batch_size=y.size,
        alpha=0.3,
        random_state=0,
    ).partial_fit(X, y, sample_weight=w)
    units = [X.shape[1], 5, 1]
    coefs, intercepts = init_parameters(units, "relu", np.random.RandomState(0))
    loss, _, _ = loss_and_gradients(
        X,
        y[:, None],
        coefs,
        intercepts,
        activation="relu",
        out_activation="exp",
        alpha=0.3,
        sample_weight=w,
    )
    np.testing.assert_allclose(loss, mlp.loss_, rtol=1e-12)


def test_the_loss_has_y_log_y_zero_at_y_zero():
    Z = np.array([[0.0], [2.0]])
    Y = np.array([[0.0], [0.0]])
    np.testing.assert_allclose(CROSS_ENTROPY["exp"](Z, Y), np.exp(Z[:, 0]))
    # its minimum, y_hat = y, is 0
    Y = np.array([[3.0], [0.5]])
    np.testing.assert_allclose(CROSS_ENTROPY["exp"](np.log(Y), Y), 0.0, atol=1e-15)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_central_differences_match_the_gradient(n_outputs):
    X, y = _counts(n_samples=15, n_outputs=n_outputs, seed=2)
    Y = y.reshape(len(X), -1)
    w = np.random.default_rng(3).uniform(0.1, 3.0, len(X))
    rng = np.random.RandomState(0)
    units = [3, 4, n_outputs]
    coefs = [rng.normal(scale=0.5, size=s) for s in [(3, 4), (4, n_outputs)]]
    intercepts = [rng.normal(scale=0.5, size=u) for u in units[1:]]
    theta = pack(coefs, intercepts)
    settings = dict(activation="tanh", out_activation="exp", alpha=0.7, sample_weight=w)

    def objective(t):
        return loss_and_gradients(X, Y, *unpack(t, units), **settings)[0]

    _, dW, db = loss_and_gradients(X, Y, coefs, intercepts, **settings)
    grad = pack(dW, db)
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = 1e-6
        numeric[i] = (objective(theta + step) - objective(theta - step)) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_the_glm_without_hidden_nonlinearity_is_poisson_regression():
    from sklearn.linear_model import PoissonRegressor

    X, y = _counts(n_samples=200, seed=4)
    glm = PoissonRegressor(alpha=0, tol=1e-8).fit(X, y)
    mlp = ScratchMLPRegressor(
        loss="poisson",
        hidden_layer_sizes=(3,),
        activation="identity",
        alpha=0,
        tol=1e-8,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_allclose(mlp.predict(X), glm.predict(X), rtol=1e-4)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_to_and_from_sklearn_keep_the_predictions(n_outputs):
    X, y = _counts(n_outputs=n_outputs)
    model = ScratchMLPRegressor(loss="poisson", random_state=0).fit(X, y)
    mlp = model.to_sklearn()
    assert mlp.loss == "poisson" and mlp.out_activation_ == "exp"
    np.testing.assert_allclose(mlp.predict(X), model.predict(X), rtol=1e-12)
    back = ScratchMLPRegressor.from_sklearn(mlp)
    assert back.loss == "poisson"
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    assert back.loss_ == model.loss_  # the deviance sums the columns in both


def test_pickle_keeps_the_model_and_refuses_a_mismatched_output(fitted, counts):
    X, _ = counts
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.loss == "poisson"
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    altered = clone(fitted)
    altered.__dict__.update({k: v for k, v in vars(fitted).items() if k.endswith("_")})
    altered.loss = "squared_error"  # exp output, squared-error model: refused
    with pytest.raises(ValueError, match="out_activation_"):
        pickle.loads(pickle.dumps(altered))


def test_onnx_equals_predict(fitted, counts):
    pytest.importorskip("onnxruntime")
    import onnxruntime as rt
    from skl2onnx import to_onnx

    import sknnscratch.onnx  # noqa: F401

    X, _ = counts
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        onx = to_onnx(fitted, X[:1].astype(dtype))
        session = rt.InferenceSession(
            onx.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        (out,) = session.run(None, {session.get_inputs()[0].name: X.astype(dtype)})
        np.testing.assert_allclose(out[:, 0], fitted.predict(X), rtol=rtol)


@pytest.mark.parametrize("bad", [-1.0, -1e-9])
def test_negative_targets_are_refused_and_the_model_kept(fitted, counts, bad):
    X, y = counts
    y_bad = y.copy()
    y_bad[3] = bad
    before = fitted.predict(X)
    model = clone(fitted).set_params(warm_start=True)
    model.__dict__.update({k: v for k, v in vars(fitted).items() if k.endswith("_")})
    with pytest.raises(ValueError, match="negative values"):
        model.fit(X, y_bad)
    np.testing.assert_array_equal(model.predict(X), before)
    with pytest.raises(ValueError, match="y_val holds negative"):
        ScratchMLPRegressor(loss="poisson", early_stopping=True).fit(
            X, y, X_val=X[:5], y_val=y_bad[:5]
        )
    # the squared error takes them
    ScratchMLPRegressor(max_iter=5, solver="adam").fit(X, y_bad)


def test_a_column_of_zeros_is_refused_by_fit_but_not_partial_fit(counts):
    X, _ = counts
    Y = np.c_[np.ones(len(X)), np.zeros(len(X))]
    with pytest.raises(ValueError, match=r"positive sum.*column\(s\) \[1\]"):
        ScratchMLPRegressor(loss="poisson").fit(X, Y)
    model = ScratchMLPRegressor(loss="poisson", solver="adam", random_state=0)
    model.partial_fit(X, Y)
    assert np.all(model.predict(X) >= 0)


def test_a_changed_loss_is_refused_when_training_continues(fitted, counts):
    X, y = counts
    model = clone(fitted).set_params(warm_start=True, loss="squared_error")
    model.__dict__.update({k: v for k, v in vars(fitted).items() if k.endswith("_")})
    with pytest.raises(ValueError, match="continues with the loss"):
        model.fit(X, y)


def test_huge_logits_give_finite_predictions_and_losses_without_warnings(fitted):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X = np.full((2, 3), 1e200)
        X[1] *= -1
        predicted = fitted.predict(X)
        assert np.all(np.isfinite(predicted)) and np.all(predicted >= 0)
        for dtype in (np.float32, np.float64):
            Z = np.array([[1e30], [-1e30], [800.0]], dtype=dtype)
            Y = np.array([[2.0], [3.0], [0.0]], dtype=dtype)
            assert np.all(np.isfinite(OUTPUT_PROBA["exp"](Z)))
            assert np.all(np.isfinite(CROSS_ENTROPY["exp"](Z, Y)))


def test_a_diverging_fit_raises_the_divergence_error(counts):
    X, y = counts
    model = ScratchMLPRegressor(
        loss="poisson",
        solver="sgd",
        learning_rate_init=10.0,
        momentum=0.0,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="diverg"):
            model.fit(X * 10, y * 50)


def test_early_stopping_scores_r2_of_the_predictions(counts):
    X, y = counts
    X_val, y_val = _counts(n_samples=60, seed=9)
    model = ScratchMLPRegressor(
        loss="poisson",
        solver="adam",
        early_stopping=True,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    assert model.best_validation_score_ == pytest.approx(
        model.score(X_val, y_val), rel=1e-9
    )


def test_the_cv_scores_minus_the_mean_poisson_deviance(counts):
    from sklearn.metrics import make_scorer

    X, y = counts
    cv = ScratchMLPRegressorCV(
        loss="poisson", alphas=[0.1, 3.0], cv=3, random_state=0, max_iter=200
    )
    by_sklearn = clone(cv).set_params(
        scoring=make_scorer(mean_poisson_deviance, greater_is_better=False)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv.fit(X, y)
        by_sklearn.fit(X, y)
    assert cv.out_activation_ == "exp"
    np.testing.assert_allclose(cv.scores_, by_sklearn.scores_, rtol=1e-9)


def test_trace_and_check_gradients_explain_the_exponential_output(fitted, counts):
    X, y = counts
    trace = fitted.trace(X[:4], y[:4])
    np.testing.assert_allclose(trace["y_hat"], np.exp(trace["Z2"]), rtol=1e-12)
    np.testing.assert_allclose(
        trace["dL/dZ2"], (trace["y_hat"] - y[:4, None]) / 4, rtol=1e-12
    )
    assert "exp output" in str(trace) and "Poisson deviance" in str(trace)
    report = check_gradients(
        ScratchMLPRegressor(loss="poisson", random_state=0),
        X[:6],
        np.c_[y[:6], y[6:12]],
        sample_weight=np.arange(1.0, 7.0),
    )
    assert report.passed


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_array_api_arrays_give_the_numpy_model(counts, solver):
    xps = pytest.importorskip("array_api_strict")
    X, y = counts
    Y = np.c_[y, y[::-1]]
    params = dict(loss="poisson", solver=solver, random_state=0, max_iter=20)
    if solver == "adam":
        params.update(early_stopping=True, n_iter_no_change=99)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = ScratchMLPRegressor(**params).fit(X, Y)
        with config_context(array_api_dispatch=True):
            model = ScratchMLPRegressor(**params).fit(xps.asarray(X), xps.asarray(Y))
            predicted = model.predict(xps.asarray(X))
    assert isinstance(predicted, type(xps.asarray(X)))
    np.testing.assert_allclose(np.asarray(predicted), ref.predict(X), rtol=1e-9)
    if solver == "adam":
        np.testing.assert_allclose(
            model.validation_scores_, ref.validation_scores_, rtol=1e-9
        )
