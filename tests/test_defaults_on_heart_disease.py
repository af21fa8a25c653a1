"""The defaults must train well on the data set this package is built around."""

import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier
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


def test_default_network_beats_logistic_regression_without_warnings():
    accuracy, auc, n_warnings = _cross_validate(ScratchMLPClassifier(random_state=0))
    assert n_warnings == 0
    assert accuracy >= 0.83
    assert auc >= 0.90
    lr_accuracy, lr_auc, _ = _cross_validate(LogisticRegression())
    assert accuracy > lr_accuracy
    assert auc > lr_auc
