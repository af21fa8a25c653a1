"""Array API support: fitting and predicting on arrays of other namespaces.

Every test runs on CPU with array-api-strict (the ``test`` extra); the
PyTorch tests run where PyTorch is installed, on its CPU (and on CUDA where
one is present).
"""

import warnings
from typing import NamedTuple

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    check_array_api_input,
    check_array_api_input_and_values,
    check_array_api_mixed_inputs,
    check_array_api_same_namespace,
)

from sknnscratch import (
    ScratchMLPClassifier,
    ScratchMLPClassifierCV,
    ScratchMLPRegressor,
    ScratchMLPRegressorCV,
    move_to,
)
from sknnscratch._namespace import to_numpy

xps = pytest.importorskip("array_api_strict")


def dispatch():
    return sklearn.config_context(array_api_dispatch=True)


def _data(n_classes=2, n=120, seed=0):
    X, y = make_classification(
        n, 6, n_informative=4, n_classes=n_classes, random_state=seed
    )
    return X, y


def _quiet(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit()


ESTIMATORS = [
    ScratchMLPClassifier(random_state=0, max_iter=30),
    ScratchMLPClassifier(solver="adam", random_state=0, max_iter=5),
    ScratchMLPClassifierCV(alphas=[0.1, 1.0], cv=2, max_iter=30, random_state=0),
    ScratchMLPRegressor(random_state=0, max_iter=30),
    ScratchMLPRegressor(solver="adam", early_stopping=True, random_state=0, max_iter=5),
    ScratchMLPRegressorCV(alphas=[0.1, 1.0], cv=2, max_iter=30, random_state=0),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_the_tag_says_array_api_support(estimator):
    assert get_tags(estimator).array_api_support


try:
    import torch
except ImportError:
    torch = None

NAMESPACES = [
    "array_api_strict",
    pytest.param(
        "torch",
        marks=pytest.mark.skipif(torch is None, reason="PyTorch is not installed"),
    ),
]


@pytest.mark.parametrize(
    "check",
    [
        check_array_api_input,
        check_array_api_input_and_values,
        check_array_api_same_namespace,
    ],
)
@pytest.mark.parametrize("namespace", NAMESPACES)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_scikit_learns_array_api_checks_pass(estimator, namespace, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(type(estimator).__name__, estimator, array_namespace=namespace)


@pytest.mark.skipif(
    torch is None or not torch.cuda.is_available(), reason="no CUDA device"
)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_scikit_learns_array_api_check_passes_on_cuda(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_array_api_input_and_values(
            type(estimator).__name__, estimator, "torch", device_name="cuda"
        )


class Where(NamedTuple):
    """A namespace and device by name, as scikit-learn's mixed-input check takes."""

    xp: str
    device: object = None


@pytest.mark.parametrize(
    "X_at, other",
    [
        (Where("array_api_strict"), Where("numpy")),
        (Where("numpy"), Where("array_api_strict")),
        (Where("array_api_strict", "device1"), Where("array_api_strict")),
    ],
    ids=["X-strict-y-numpy", "X-numpy-y-strict", "X-on-device1"],
)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_scikit_learns_mixed_inputs_check_passes(estimator, X_at, other):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_array_api_mixed_inputs(
            "est", estimator, X_ns_and_device=X_at, other_ns_and_device=other
        )


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
def test_same_model_as_numpy(n_classes, solver):
    X, y = _data(n_classes)
    params = dict(solver=solver, random_state=0, max_iter=40, alpha=0.1)
    expected = _quiet(lambda: ScratchMLPClassifier(**params).fit(X, y))
    with dispatch():
        got = _quiet(
            lambda: ScratchMLPClassifier(**params).fit(xps.asarray(X), xps.asarray(y))
        )
        proba = got.predict_proba(xps.asarray(X))
    # float64 rounding only: L-BFGS may amplify last bits over 40 iterations.
    for W, W_xp in zip(expected.coefs_, got.coefs_, strict=True):
        np.testing.assert_allclose(to_numpy(W_xp), W, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(to_numpy(proba), expected.predict_proba(X), atol=1e-7)
    assert got.solver_ == expected.solver_
    np.testing.assert_allclose(got.loss_curve_, expected.loss_curve_, rtol=1e-7)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_outputs_are_in_the_inputs_namespace(n_classes):
    X, y = _data(n_classes)
    with dispatch():
        model = _quiet(
            lambda: ScratchMLPClassifier(random_state=0, max_iter=20).fit(
                xps.asarray(X), xps.asarray(y)
            )
        )
        X_xp = xps.asarray(X)
        for method in (
            "predict",
            "predict_proba",
            "predict_log_proba",
            "decision_function",
        ):
            assert type(getattr(model, method)(X_xp)) is type(X_xp), method
        assert isinstance(model.score(X_xp, xps.asarray(y)), float)
    assert all(type(W) is type(X_xp) for W in model.coefs_ + model.intercepts_)


def test_float32_input_trains_in_float32():
    X, y = _data()
    with dispatch():
        model = _quiet(
            lambda: ScratchMLPClassifier(random_state=0, max_iter=20).fit(
                xps.asarray(X.astype(np.float32)), xps.asarray(y)
            )
        )
        proba = model.predict_proba(xps.asarray(X.astype(np.float32)))
    assert model.coefs_[0].dtype == xps.float32
    assert proba.dtype == xps.float32


def test_string_labels_come_back_as_numpy():
    X, y = _data()
    labels = np.array(["no", "yes"])[y]
    with dispatch():
        model = _quiet(
            lambda: ScratchMLPClassifier(random_state=0, max_iter=20).fit(
                xps.asarray(X), labels
            )
        )
        predicted = model.predict(xps.asarray(X))
    assert predicted.dtype.kind == "U" and set(predicted) <= {"no", "yes"}


def test_without_dispatch_nothing_changes():
    X, y = _data()
    model = _quiet(lambda: ScratchMLPClassifier(random_state=0, max_iter=20).fit(X, y))
    assert all(isinstance(W, np.ndarray) for W in model.coefs_)


def test_early_stopping_sample_weight_and_scoring_on_the_device():
    X, y = _data(n=300)
    w = np.random.default_rng(0).uniform(0.5, 2, len(y))
    for scoring in (None, "loss", "neg_log_loss"):
        params = dict(
            solver="adam",
            early_stopping=True,
            scoring=scoring,
            random_state=0,
            max_iter=15,
            learning_rate_init=0.01,
        )
        expected = _quiet(
            lambda p=params: ScratchMLPClassifier(**p).fit(X, y, sample_weight=w)
        )
        with dispatch():
            got = _quiet(
                lambda p=params: ScratchMLPClassifier(**p).fit(
                    xps.asarray(X), xps.asarray(y), sample_weight=xps.asarray(w)
                )
            )
        np.testing.assert_allclose(
            got.validation_scores_, expected.validation_scores_, atol=1e-9
        )
        np.testing.assert_allclose(
            got.validation_loss_curve_, expected.validation_loss_curve_, rtol=1e-7
        )


def test_warm_start_and_partial_fit_continue_on_the_device():
    X, y = _data()
    params = dict(solver="adam", random_state=0, max_iter=4, warm_start=True)
    expected = _quiet(lambda: ScratchMLPClassifier(**params).fit(X, y).fit(X, y))
    expected.partial_fit(X, y)
    with dispatch():
        got = ScratchMLPClassifier(**params)
        _quiet(lambda: got.fit(xps.asarray(X), xps.asarray(y)))
        _quiet(lambda: got.fit(xps.asarray(X), xps.asarray(y)))
        got.partial_fit(xps.asarray(X), xps.asarray(y))
    assert got.t_ == expected.t_
    np.testing.assert_allclose(got.loss_curve_, expected.loss_curve_, rtol=1e-7)
    np.testing.assert_allclose(to_numpy(got.coefs_[0]), expected.coefs_[0], atol=1e-9)


def test_a_diverging_fit_on_the_device_raises_and_changes_nothing():
    X, y = _data()
    model = ScratchMLPClassifier(
        solver="sgd", learning_rate_init=1e6, momentum=0.99, random_state=0, alpha=0
    )
    with dispatch(), pytest.raises(ValueError, match="epoch"):
        model.fit(xps.asarray(X * 1e3), xps.asarray(y))
    assert not hasattr(model, "coefs_")


def test_an_interrupt_keeps_the_completed_epochs_on_the_device():
    X, y = _data(n=200)
    calls = []

    def interrupting_scorer(estimator, X_val, y_val):
        # The scorer of early stopping gets the rows where training runs.
        assert type(X_val) is type(xps.asarray(X))
        calls.append(1)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return estimator.score(X_val, y_val)

    model = ScratchMLPClassifier(
        solver="adam",
        early_stopping=True,
        scoring=interrupting_scorer,
        random_state=0,
        max_iter=10,
    )
    with dispatch(), pytest.warns(UserWarning, match="nterrupt"):
        model.fit(xps.asarray(X), xps.asarray(y))
    assert model.n_iter_ == 2
    assert type(model.coefs_[0]) is type(xps.asarray(X))


def test_move_to_brings_a_device_model_to_numpy_and_back():
    import pickle

    X, y = _data()
    with dispatch():
        model = _quiet(
            lambda: ScratchMLPClassifier(random_state=0, max_iter=20).fit(
                xps.asarray(X), xps.asarray(y)
            )
        )
        device_proba = to_numpy(model.predict_proba(xps.asarray(X)))
    on_host = move_to(model)
    assert all(isinstance(W, np.ndarray) for W in on_host.coefs_)
    restored = pickle.loads(pickle.dumps(on_host))
    np.testing.assert_allclose(restored.predict_proba(X), device_proba, atol=1e-12)
    assert restored.to_sklearn().predict_proba(X).shape == device_proba.shape
    back = move_to(restored, xps)
    with dispatch():
        np.testing.assert_allclose(
            to_numpy(back.predict_proba(xps.asarray(X))), device_proba, atol=1e-12
        )
    assert type(model.coefs_[0]) is type(xps.asarray(X))  # the original unchanged


def test_a_numpy_model_refuses_device_input_with_the_way_out():
    X, y = _data()
    model = _quiet(lambda: ScratchMLPClassifier(random_state=0, max_iter=20).fit(X, y))
    with dispatch(), pytest.raises(ValueError, match="move_to"):
        model.predict(xps.asarray(X))


def test_cv_folds_train_on_the_device():
    X, y = _data(n=90)
    params = dict(alphas=[0.1, 1.0], cv=3, max_iter=30, random_state=0)
    expected = _quiet(lambda: ScratchMLPClassifierCV(**params).fit(X, y))
    with dispatch():
        got = _quiet(
            lambda: ScratchMLPClassifierCV(**params).fit(xps.asarray(X), xps.asarray(y))
        )
    assert got.alpha_ == expected.alpha_
    np.testing.assert_allclose(got.scores_, expected.scores_, rtol=1e-6)
    assert type(got.coefs_[0]) is type(xps.asarray(X))


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_same_model_as_numpy_on_pytorch(solver, n_classes):
    X, y = _data(n_classes)
    params = dict(solver=solver, random_state=0, max_iter=30, alpha=0.1)
    expected = _quiet(lambda: ScratchMLPClassifier(**params).fit(X, y))
    with dispatch():
        got = _quiet(
            lambda: ScratchMLPClassifier(**params).fit(
                torch.asarray(X), torch.asarray(y)
            )
        )
        proba = got.predict_proba(torch.asarray(X))
    assert isinstance(proba, torch.Tensor) and isinstance(got.coefs_[0], torch.Tensor)
    np.testing.assert_allclose(proba.numpy(), expected.predict_proba(X), atol=1e-7)
    np.testing.assert_allclose(got.loss_curve_, expected.loss_curve_, rtol=1e-7)


def test_a_device_model_pickles_in_numpy_and_exports_and_inspects():
    import pickle

    from sknnscratch import check_gradients, trace

    X, y = _data()
    X_xp, y_xp = xps.asarray(X), xps.asarray(y)
    with dispatch():
        model = _quiet(
            lambda: ScratchMLPClassifier(random_state=0, max_iter=20).fit(X_xp, y_xp)
        )
        expected = to_numpy(model.predict_proba(X_xp))
        # trace and check_gradients compute in numpy from device rows.
        traced = trace(model, X_xp[:3, ...], y_xp[:3])
        assert isinstance(traced["J"], float)
        assert check_gradients(model, X_xp[:5, ...], y_xp[:5]).passed
    loaded = pickle.loads(pickle.dumps(model))
    assert isinstance(loaded.coefs_[0], np.ndarray)
    np.testing.assert_allclose(loaded.predict_proba(X), expected, atol=1e-12)
    np.testing.assert_allclose(
        model.to_sklearn().predict_proba(X), expected, atol=1e-12
    )
    assert type(model.coefs_[0]) is type(X_xp)  # none of it moved the model


def test_a_cv_model_pickles_in_numpy():
    import pickle

    X, y = _data(n=60)
    with dispatch():
        model = _quiet(
            lambda: ScratchMLPClassifierCV(alphas=[0.1, 1.0], cv=2, max_iter=20).fit(
                xps.asarray(X), xps.asarray(y)
            )
        )
    loaded = pickle.loads(pickle.dumps(model))
    assert isinstance(loaded.alphas_, np.ndarray)
    assert isinstance(loaded.coefs_[0], np.ndarray)
    assert loaded.predict(X).shape == (60,)


# ---------------------------------------------------------------- regressor


def _regression(n=150, outputs=1, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    Y = np.column_stack([np.sin(X[:, 0]) + k * X[:, 1] for k in range(outputs)])
    return X, Y[:, 0] if outputs == 1 else Y


@pytest.mark.parametrize("outputs", [1, 2])
@pytest.mark.parametrize("solver", ["lbfgs", "adam", "sgd"])
def test_the_regressor_is_the_numpy_model_in_the_inputs_namespace(solver, outputs):
    X, y = _regression(outputs=outputs)
    params = dict(solver=solver, random_state=0, max_iter=20)
    ref = _quiet(lambda: ScratchMLPRegressor(**params).fit(X, y))
    with dispatch():
        model = _quiet(
            lambda: ScratchMLPRegressor(**params).fit(xps.asarray(X), xps.asarray(y))
        )
        predicted = model.predict(xps.asarray(X))
        score = model.score(xps.asarray(X), xps.asarray(y))
    assert isinstance(predicted, type(xps.asarray(X)))
    assert predicted.shape == ref.predict(X).shape
    np.testing.assert_allclose(
        to_numpy(predicted), ref.predict(X), rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(score, ref.score(X, y), rtol=1e-9)
    assert isinstance(model.coefs_[0], type(xps.asarray(X)))


@pytest.mark.parametrize("weighted", [False, True])
def test_the_regressors_early_stopping_scores_r2_on_the_device(weighted):
    X, Y = _regression(n=200, outputs=2)
    Y[:, 1] = 3.0  # a constant output: scikit-learn's force_finite rule
    weights = np.linspace(0.5, 2, 200) if weighted else None
    params = dict(
        solver="adam",
        early_stopping=True,
        random_state=0,
        max_iter=8,
        n_iter_no_change=99,
        learning_rate_init=0.01,
    )
    ref = _quiet(lambda: ScratchMLPRegressor(**params).fit(X, Y, weights))
    with dispatch():
        model = _quiet(
            lambda: ScratchMLPRegressor(**params).fit(
                xps.asarray(X),
                xps.asarray(Y),
                None if weights is None else xps.asarray(weights),
            )
        )
    np.testing.assert_allclose(
        model.validation_scores_, ref.validation_scores_, rtol=1e-9, atol=1e-12
    )


def test_a_regressor_on_the_device_pickles_in_numpy_and_exports():
    import pickle

    X, y = _regression()
    with dispatch():
        model = _quiet(
            lambda: ScratchMLPRegressor(random_state=0, max_iter=20).fit(
                xps.asarray(X), xps.asarray(y)
            )
        )
        on_device = to_numpy(model.predict(xps.asarray(X)))
    loaded = pickle.loads(pickle.dumps(model))
    assert isinstance(loaded.coefs_[0], np.ndarray)
    np.testing.assert_allclose(loaded.predict(X), on_device, rtol=1e-12)
    np.testing.assert_allclose(model.to_sklearn().predict(X), on_device, rtol=1e-12)
