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
