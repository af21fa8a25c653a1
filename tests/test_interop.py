"""Export to and import from scikit-learn's MLPClassifier (``_interop.py``)."""

import copy

import numpy as np
import pytest
from conftest import fitted
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor

from sknnscratch import ScratchMLPClassifier

ACTIVATIONS = ["relu", "tanh", "logistic", "identity"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("multiclass", [False, True])
def test_to_sklearn_predicts_the_same(
    activation, multiclass, binary_data, multiclass_data
):
    X, y = multiclass_data if multiclass else binary_data
    model = fitted((X, y), activation=activation, hidden_layer_sizes=(6, 3))
    mlp = model.to_sklearn()
    assert isinstance(mlp, MLPClassifier)
    assert mlp.get_params()["activation"] == activation
    np.testing.assert_allclose(
        mlp.predict_proba(X), model.predict_proba(X), rtol=0, atol=1e-15
    )
    np.testing.assert_array_equal(mlp.predict(X), model.predict(X))
    back = ScratchMLPClassifier.from_sklearn(mlp)
    np.testing.assert_array_equal(back.predict_proba(X), model.predict_proba(X))
    # MLPClassifier has no solver='auto': the export names the solver used.
    assert mlp.solver == back.solver == back.solver_ == model.solver_ == "lbfgs"
    assert back.get_params() == model.get_params() | {"solver": "lbfgs"}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("multiclass", [False, True])
def test_from_sklearn_imports_a_trained_mlpclassifier(
    multiclass, binary_data, multiclass_data
):
    X, y = multiclass_data if multiclass else binary_data
    mlp = MLPClassifier(hidden_layer_sizes=(7,), max_iter=50, random_state=0)
    with pytest.warns(Warning):
        mlp.fit(X, y)
    ours = ScratchMLPClassifier.from_sklearn(mlp)
    np.testing.assert_allclose(
        ours.predict_proba(X), mlp.predict_proba(X), rtol=0, atol=1e-15
    )
    assert ours.hidden_layer_sizes == (7,) and ours.solver == "adam"
    for W, W_mlp in zip(ours.coefs_, mlp.coefs_, strict=True):
        assert W is not W_mlp
    ours.set_params(warm_start=True, max_iter=5).fit(X, y)  # trains on from there


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_export_errors_are_clear(binary_data):
    X, y = binary_data
    with pytest.raises(NotFittedError):
        ScratchMLPClassifier().to_sklearn()
    with pytest.raises(ValueError, match="class_weight"):
        fitted((X, y), class_weight="balanced").to_sklearn()
    regressor = MLPRegressor(max_iter=5).fit(X, y.astype(float))
    with pytest.raises(TypeError, match="MLPRegressor"):
        ScratchMLPClassifier.from_sklearn(regressor)
    with pytest.raises(NotFittedError):
        ScratchMLPClassifier.from_sklearn(MLPClassifier())


def _same_network(a, b):
    for x, y in zip(
        [*a.coefs_, *a.intercepts_], [*b.coefs_, *b.intercepts_], strict=True
    ):
        np.testing.assert_array_equal(x, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_an_exported_model_continues_as_one_scikit_learn_fitted(
    solver, early_stopping, binary_data
):
    X, y = binary_data
    settings = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        early_stopping=early_stopping,
        max_iter=8,
        random_state=0,
    )
    fitted_by_sklearn = MLPClassifier(**settings).fit(X, y)
    exported = ScratchMLPClassifier.from_sklearn(fitted_by_sklearn).to_sklearn()
    if not early_stopping:
        # partial_fit: MLPClassifier's optimiser object does not travel (see
        # to_sklearn), so the copy continues as a model without one does.
        without_optimizer = copy.deepcopy(fitted_by_sklearn)
        del without_optimizer._optimizer
        streamed = copy.deepcopy(exported).partial_fit(X, y)
        _same_network(streamed, without_optimizer.partial_fit(X, y))
    for model in (fitted_by_sklearn, exported):
        model.set_params(warm_start=True).fit(X, y)
    _same_network(exported, fitted_by_sklearn)
    assert exported.loss_curve_ == fitted_by_sklearn.loss_curve_
    assert exported.t_ == fitted_by_sklearn.t_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="adam"),
        dict(solver="sgd"),
        dict(solver="adam", early_stopping=True),
        dict(solver="lbfgs"),
    ],
)
def test_an_exported_model_trains_on_with_partial_fit_and_warm_starts(
    settings, binary_data
):
    X, y = binary_data
    model = ScratchMLPClassifier(max_iter=10, random_state=0, **settings).fit(X, y)
    mlp = model.to_sklearn()
    t, epochs = mlp.t_, len(mlp.loss_curve_)
    mlp.set_params(solver="adam", max_iter=3, warm_start=True).fit(X, y)
    assert mlp.t_ > t and len(mlp.loss_curve_) > epochs
    if not mlp.early_stopping:
        mlp.partial_fit(X, y)
    assert np.isfinite(mlp.predict_proba(X)).all()


def test_the_cv_estimator_exports_the_penalty_it_chose(binary_data):
    from sknnscratch import ScratchMLPClassifierCV

    X, y = binary_data
    model = ScratchMLPClassifierCV(alphas=[0.01, 30.0], cv=2, random_state=0)
    mlp = model.fit(X, y).to_sklearn()
    assert mlp.alpha == model.alpha_
    np.testing.assert_allclose(
        mlp.predict_proba(X), model.predict_proba(X), rtol=0, atol=1e-15
    )


# ------------------------------------------------ ScratchMLPRegressor and MLPRegressor


def _regression_data(outputs=1, n=100):
    from sklearn.datasets import make_regression

    X, y = make_regression(
        n_samples=n, n_features=6, n_targets=outputs, noise=2.0, random_state=0
    )
    return X / X.std(axis=0), (y - y.mean(axis=0)) / y.std(axis=0)


def _regressor(**params):
    from sknnscratch import ScratchMLPRegressor

    return ScratchMLPRegressor(**{"random_state": 0, **params})


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("outputs", [1, 3])
@pytest.mark.parametrize("solver", ["auto", "adam"])
def test_a_regressor_exports_to_an_mlpregressor_that_predicts_the_same(
    activation, outputs, solver
):
    from sknnscratch import ScratchMLPRegressor

    X, y = _regression_data(outputs)
    model = _regressor(
        activation=activation, hidden_layer_sizes=(6, 3), solver=solver, max_iter=40
    ).fit(X, y)
    mlp = model.to_sklearn()
    assert type(mlp) is MLPRegressor
    assert mlp.loss == "squared_error" and mlp.activation == activation
    assert mlp.alpha == model.alpha and mlp.hidden_layer_sizes == (6, 3)
    assert mlp.solver == model.solver_
    assert mlp.out_activation_ == "identity" and mlp.n_outputs_ == outputs
    # Two implementations of the same products: equal up to the last bits.
    np.testing.assert_allclose(mlp.predict(X), model.predict(X), rtol=1e-13, atol=1e-13)
    assert mlp.predict(X).shape == model.predict(X).shape
    back = ScratchMLPRegressor.from_sklearn(mlp)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    assert back.get_params() == model.get_params() | {"solver": model.solver_}
    for W, W_mlp in zip(back.coefs_, mlp.coefs_, strict=True):
        assert W is not W_mlp


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("outputs", [1, 2])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_from_sklearn_imports_a_trained_mlpregressor(outputs, early_stopping):
    from sknnscratch import ScratchMLPRegressor

    X, y = _regression_data(outputs)
    mlp = MLPRegressor(
        hidden_layer_sizes=(7,),
        max_iter=30,
        early_stopping=early_stopping,
        random_state=0,
    ).fit(X, y)
    ours = ScratchMLPRegressor.from_sklearn(mlp)
    np.testing.assert_allclose(ours.predict(X), mlp.predict(X), rtol=1e-13, atol=1e-13)
    assert ours.hidden_layer_sizes == (7,) and ours.solver == "adam"
    assert ours.alpha == mlp.alpha and ours.n_outputs_ == outputs
    assert ours.validation_scores_ == mlp.validation_scores_
    if early_stopping:
        assert ours.best_loss_ is None
    ours.set_params(warm_start=True, max_iter=5).fit(X, y)  # trains on from there
    assert np.isfinite(ours.predict(X)).all()


def test_regression_export_errors_are_clear():
    from sknnscratch import ScratchMLPClassifier, ScratchMLPRegressor

    X, y = _regression_data()
    with pytest.raises(NotFittedError):
        _regressor().to_sklearn()
    with pytest.raises(NotFittedError):
        ScratchMLPRegressor.from_sklearn(MLPRegressor())
    classifier = MLPClassifier(max_iter=5)
    with pytest.warns(Warning):
        classifier.fit(X, y > 0)
    with pytest.raises(TypeError, match="needs a fitted sklearn MLPRegressor, got M"):
        ScratchMLPRegressor.from_sklearn(classifier)
    regressor = MLPRegressor(max_iter=5)
    with pytest.warns(Warning):
        regressor.fit(X, y)
    with pytest.raises(TypeError, match="ScratchMLPRegressor.from_sklearn"):
        ScratchMLPClassifier.from_sklearn(regressor)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_an_exported_regressor_continues_as_one_scikit_learn_fitted(
    solver, early_stopping
):
    from sknnscratch import ScratchMLPRegressor

    X, y = _regression_data()
    settings = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        early_stopping=early_stopping,
        max_iter=8,
        random_state=0,
    )
    fitted_by_sklearn = MLPRegressor(**settings).fit(X, y)
    exported = ScratchMLPRegressor.from_sklearn(fitted_by_sklearn).to_sklearn()
    for model in (fitted_by_sklearn, exported):
        model.set_params(warm_start=True).fit(X, y)
    _same_network(exported, fitted_by_sklearn)
    assert exported.loss_curve_ == fitted_by_sklearn.loss_curve_
    assert exported.t_ == fitted_by_sklearn.t_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_several_outputs_leave_the_losses_of_the_other_scale_behind():
    # MLPRegressor's loss of several columns is their mean, ours their sum:
    # a copied best loss would stop the copy's training on a wrong comparison.
    from sknnscratch import ScratchMLPRegressor

    X, y = _regression_data(outputs=3)
    mlp = MLPRegressor(
        hidden_layer_sizes=(6,), max_iter=20, random_state=0, tol=0.0
    ).fit(X, y)
    ours = ScratchMLPRegressor.from_sklearn(mlp)
    assert ours.loss_ is None and ours.loss_curve_ == [] and ours.best_loss_ == np.inf
    ours.set_params(warm_start=True, max_iter=15, n_iter_no_change=2, tol=0.0)
    ours.fit(X, y)
    assert ours.n_iter_ == 15  # still improving: not stopped by mlp's best loss
    assert len(ours.loss_curve_) == 15
    exported = ours.to_sklearn()
    assert exported.loss_curve_ == [] and exported.best_loss_ == np.inf
    exported.set_params(max_iter=15, n_iter_no_change=2, warm_start=True)
    exported.fit(X, y)
    assert exported.n_iter_ == 15 and len(exported.loss_curve_) == 15


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_regression_loss_record_of_one_output_travels_both_ways():
    X, y = _regression_data()
    model = _regressor(max_iter=30).fit(X, y)
    mlp = model.to_sklearn()
    assert mlp.loss_ == model.loss_ and mlp.best_loss_ == model.best_loss_
    assert mlp.loss_curve_ == model.loss_curve_
