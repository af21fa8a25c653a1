"""The defaults and the CV estimator on the data set this package is built around."""

import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
from sknnscratch.datasets import load_heart_disease


def _cross_validate(estimator):
    X, y = load_heart_disease(return_X_y=True)
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), estimator)
    cv = RepeatedStratifiedKFold(n_splits=10, n_repeats=5, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        scores = cross_validate(model, X, y, cv=cv, scoring=["accuracy", "roc_auc"])
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return scores["test_accuracy"].mean(), scores["test_roc_auc"].mean(), n_warnings


@pytest.fixture(scope="module")
def logistic_regression():
    return _cross_validate(LogisticRegression())


def test_the_defaults_train_without_warnings_close_to_logistic_regression(
    logistic_regression,
):
    # The general-purpose default alpha gives up a little on this data,
    # which wants a stronger penalty (README, "Defaults that differ").
    accuracy, auc, n_warnings = _cross_validate(ScratchMLPClassifier(random_state=0))
    assert n_warnings == 0
    lr_accuracy, lr_auc, _ = logistic_regression
    assert accuracy >= lr_accuracy - 0.03
    assert auc >= lr_auc - 0.03


@pytest.mark.slow
def test_the_cv_estimator_nested_beats_logistic_regression(logistic_regression):
    # Nested: each outer fold's inner CV sees only the outer training rows.
    accuracy, auc, n_warnings = _cross_validate(ScratchMLPClassifierCV(random_state=0))
    assert n_warnings == 0
    assert accuracy >= 0.83
    assert auc >= 0.90
    lr_accuracy, lr_auc, _ = logistic_regression
    assert accuracy > lr_accuracy
    assert auc > lr_auc
