"""scikit-learn's own estimator checks, with no expected failures."""

import pytest
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV

ESTIMATORS = [
    ScratchMLPClassifier(),
    ScratchMLPClassifier(solver="sgd", max_iter=100),
    ScratchMLPClassifier(solver="adam", learning_rate_init=0.01, max_iter=100),
    ScratchMLPClassifier(hidden_layer_sizes=(6, 4), activation="tanh"),
    ScratchMLPClassifier(class_weight="balanced"),
    # The checks train on as few as 50 rows. With the default 10 % held out,
    # early stopping judges on 3 to 5 rows and can stop at epoch 1; 30 %
    # gives it enough rows to judge by.
    ScratchMLPClassifier(
        solver="adam",
        learning_rate_init=0.01,
        max_iter=100,
        early_stopping=True,
        validation_fraction=0.3,
    ),
    ScratchMLPClassifier(
        solver="sgd",
        learning_rate_init=0.01,
        max_iter=100,
        early_stopping=True,
        validation_fraction=0.3,
        scoring="loss",
    ),
    ScratchMLPClassifierCV(),
    ScratchMLPClassifierCV(solver="adam", learning_rate_init=0.01, max_iter=50, cv=3),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "sgd", "adam"])
def test_param_validation(solver):
    check_param_validation("ScratchMLPClassifier", ScratchMLPClassifier(solver=solver))
    check_param_validation(
        "ScratchMLPClassifierCV", ScratchMLPClassifierCV(solver=solver)
    )
