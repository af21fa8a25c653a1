"""scikit-learn's own estimator checks, with no expected failures."""

import pytest
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from sknnscratch import ScratchMLPClassifier

ESTIMATORS = [
    ScratchMLPClassifier(),
    ScratchMLPClassifier(solver="sgd", max_iter=100),
    ScratchMLPClassifier(solver="adam", learning_rate_init=0.01, max_iter=100),
    ScratchMLPClassifier(hidden_layer_sizes=(6, 4), activation="tanh"),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_param_validation(solver):
    check_param_validation("ScratchMLPClassifier", ScratchMLPClassifier(solver=solver))
