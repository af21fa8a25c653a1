"""Export to and import from scikit-learn's MLPClassifier (``_interop.py``)."""

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
