"""A validation set passed to ``fit`` (``X_val``, ``y_val``, ``sample_weight_val``).

The convention of HistGradientBoostingClassifier: with early stopping, the
rows given replace the ``validation_fraction`` split.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from conftest import fitted_attributes, quiet
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier


@pytest.fixture
def split():
    X, y = make_classification(n_samples=400, n_features=8, random_state=0)
    X = StandardScaler().fit_transform(X)
    return X[:300], y[:300], X[300:], y[300:]


def _model(**params):
    settings = dict(
        solver="adam",
        early_stopping=True,
        learning_rate_init=0.01,
        max_iter=60,
        random_state=0,
        alpha=1e-3,
    )
    return ScratchMLPClassifier(**(settings | params))


def test_every_training_row_is_trained_on(split):
    X, y, X_val, y_val = split
    model = quiet(_model(), X, y, X_val=X_val, y_val=y_val)
    assert model.t_ == model.n_iter_ * len(y)
    split_model = quiet(_model(), X, y)  # holds out a tenth of the rows
    assert split_model.t_ < split_model.n_iter_ * len(y)


def test_the_validation_curves_and_best_epoch_are_measured_on_it(split):
    X, y, X_val, y_val = split
    weights = np.linspace(0.5, 2.0, len(y_val))
    model = quiet(
        _model(scoring="loss"),
        X,
        y,
        X_val=X_val,
        y_val=y_val,
        sample_weight_val=weights,
    )
    # The restored weights are those of the best epoch, measured on X_val.
    restored = log_loss(y_val, model.predict_proba(X_val), sample_weight=weights)
    best = int(np.argmax(model.validation_scores_))
    assert model.validation_loss_curve_[best] == pytest.approx(restored, rel=1e-9)
    assert model.best_validation_score_ == pytest.approx(-restored, rel=1e-9)
    accuracy = quiet(_model(), X, y, X_val=X_val, y_val=y_val)
    assert accuracy.best_validation_score_ == accuracy_score(
        y_val, accuracy.predict(X_val)
    )


def test_a_scorer_sees_the_validation_rows(split):
    X, y, X_val, y_val = split
    seen = []

    def scorer(estimator, X_scored, y_scored, sample_weight=None):
        seen.append((X_scored.shape, np.array_equal(y_scored, y_val)))
        return accuracy_score(y_scored, estimator.predict(X_scored))

    quiet(_model(scoring=scorer, max_iter=3), X, y, X_val=X_val, y_val=y_val)
    assert seen == [(X_val.shape, True)] * 3


def test_class_weights_weigh_the_validation_rows_with_the_training_factors(split):
    X, y, X_val, y_val = split
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:50]]
    X, y = X[keep], y[keep]  # imbalanced training rows
    model = quiet(
        _model(class_weight="balanced", scoring="loss", max_iter=5),
        X,
        y,
        X_val=X_val,
        y_val=y_val,
    )
    factors = len(y) / (2 * np.bincount(y))
    expected = log_loss(y_val, model.predict_proba(X_val), sample_weight=factors[y_val])
    best = int(np.argmax(model.validation_scores_))
    assert model.validation_loss_curve_[best] == pytest.approx(expected, rel=1e-9)
    with_dict = quiet(
        _model(class_weight={0: 1.0, 1: 3.0}, scoring="loss", max_iter=5),
        X,
        y,
        X_val=X_val,
        y_val=y_val,
        sample_weight_val=np.full(len(y_val), 2.0),
    )
    weights = np.where(y_val == 1, 6.0, 2.0)
    expected = log_loss(y_val, with_dict.predict_proba(X_val), sample_weight=weights)
    best = int(np.argmax(with_dict.validation_scores_))
    assert with_dict.validation_loss_curve_[best] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    "estimator",
    [
        HistGradientBoostingClassifier(early_stopping=True, max_iter=5),
        _model(max_iter=5),
    ],
    ids=["HistGradientBoostingClassifier", "ScratchMLPClassifier"],
)
@pytest.mark.parametrize(
    "passed, message",
    [
        ({"y_val": "y"}, "y_val is provided, but X_val was not provided"),
        ({"X_val": "X"}, "X_val is provided, but y_val was not provided"),
    ],
)
def test_half_a_validation_set_is_refused_as_by_the_anchor(
    split, estimator, passed, message
):
    X, y, X_val, y_val = split
    values = {"X": X_val, "y": y_val}
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y, **{key: values[v] for key, v in passed.items()})


@pytest.mark.parametrize(
    "estimator",
    [
        HistGradientBoostingClassifier(early_stopping=False, max_iter=5),
        _model(early_stopping=False, max_iter=5),
    ],
    ids=["HistGradientBoostingClassifier", "ScratchMLPClassifier"],
)
def test_a_validation_set_without_early_stopping_is_refused_as_by_the_anchor(
    split, estimator
):
    X, y, X_val, y_val = split
    with pytest.raises(ValueError, match="early_stopping is False"):
        estimator.fit(X, y, X_val=X_val, y_val=y_val)


@pytest.mark.parametrize(
    "params, passed, message",
    [
        (
            dict(solver="lbfgs"),
            {"X_val": "X", "y_val": "y"},
            "solver='lbfgs' does not stop early",
        ),
        ({}, {"sample_weight_val": "w"}, "sample_weight_val is provided, but X_val"),
        ({}, {"X_val": "X_narrow", "y_val": "y"}, "X_val .*X has 7 features"),
        ({}, {"X_val": "X_nan", "y_val": "y"}, "X_val .*contains NaN"),
        ({}, {"X_val": "X", "y_val": "y_nan"}, "y_val contains NaN"),
        ({}, {"X_val": "X", "y_val": "y_short"}, "X_val has 100 rows but y_val has 99"),
        ({}, {"X_val": "X", "y_val": "y_unknown"}, r"y_val has classes \[7\]"),
        ({}, {"X_val": "X", "y_val": "Y_2d"}, "y_val must hold the kind of target"),
        (
            {},
            {"X_val": "X", "y_val": "y", "sample_weight_val": "w_negative"},
            "Negative values in sample_weight",
        ),
    ],
)
def test_a_wrong_validation_set_says_what_is_wrong_and_changes_nothing(
    split, params, passed, message
):
    X, y, X_val, y_val = split
    values = {
        "X": X_val,
        "X_narrow": X_val[:, 1:],
        "X_nan": np.where(
            np.arange(X_val.size).reshape(X_val.shape) == 5, np.nan, X_val
        ),
        "y_nan": np.where(np.arange(len(y_val)) == 3, np.nan, y_val),
        "y": y_val,
        "y_short": y_val[1:],
        "y_unknown": np.where(np.arange(len(y_val)) == 3, 7, y_val),
        "Y_2d": np.c_[y_val, y_val],
        "w": np.ones(len(y_val)),
        "w_negative": -np.ones(len(y_val)),
    }
    model = quiet(_model(max_iter=3), X, y)
    before = fitted_attributes(model)
    model.set_params(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # lbfgs: early_stopping unused
        with pytest.raises(ValueError, match=message):
            model.fit(X, y, **{key: values[v] for key, v in passed.items()})
    assert fitted_attributes(model) == before


def test_column_names_of_the_validation_set_must_be_the_training_ones(split):
    X, y, X_val, y_val = split
    columns = [f"x{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    renamed = pd.DataFrame(X_val, columns=columns[::-1])
    with pytest.raises(ValueError, match="feature names"):
        _model(max_iter=2).fit(frame, y, X_val=renamed, y_val=y_val)
    model = quiet(
        _model(max_iter=2),
        frame,
        y,
        X_val=pd.DataFrame(X_val, columns=columns),
        y_val=y_val,
    )
    assert list(model.feature_names_in_) == columns


def test_float32_training_validates_the_validation_set_in_float32(split):
    X, y, X_val, y_val = split
    seen = []

    def scorer(estimator, X_scored, y_scored, sample_weight=None):
        seen.append(X_scored.dtype)
        return 0.0

    quiet(
        _model(max_iter=2, scoring=scorer),
        X.astype(np.float32),
        y,
        X_val=X_val,
        y_val=y_val,
    )
    assert seen == [np.float32, np.float32]


def test_a_changed_validation_fraction_is_named_as_unused(split):
    X, y, X_val, y_val = split
    with pytest.warns(UserWarning, match=r"validation_fraction=0\.3 \(X_val is"):
        quiet(
            _model(validation_fraction=0.3, max_iter=2), X, y, X_val=X_val, y_val=y_val
        )


def test_multilabel_validation_sets(split):
    X, y, X_val, y_val = split
    Y, Y_val = np.c_[y, 1 - y, y], np.c_[y_val, 1 - y_val, y_val]
    model = quiet(_model(max_iter=5), X, Y, X_val=X_val, y_val=Y_val)
    best = int(np.argmax(model.validation_scores_))
    assert model.validation_scores_[best] == accuracy_score(Y_val, model.predict(X_val))


def test_in_a_pipeline_the_validation_set_is_transformed_like_x(split):
    X, y, X_val, y_val = split
    X, X_val = 100 * X + 5, 100 * X_val + 5
    with sklearn.config_context(enable_metadata_routing=True):
        pipeline = make_pipeline(
            StandardScaler(),
            _model().set_fit_request(X_val=True, y_val=True),
            transform_input=["X_val"],
        )
        quiet(pipeline, X, y, X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X)
    by_hand = quiet(
        _model(), scaler.transform(X), y, X_val=scaler.transform(X_val), y_val=y_val
    )
    for ours, theirs in zip(pipeline[-1].coefs_, by_hand.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert pipeline[-1].validation_scores_ == by_hand.validation_scores_


@pytest.mark.parametrize("given", [False, True])
def test_r2_early_stopping_refuses_fewer_than_two_validation_rows(given):
    from sknnscratch import ScratchMLPRegressor

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    model = ScratchMLPRegressor(early_stopping=True, random_state=0)
    if given:  # one row of positive weight among those passed
        fit = dict(X_val=X[:2], y_val=y[:2], sample_weight_val=[1.0, 0.0])
    else:  # 2 rows: the split holds out one
        X, y, fit = X[:2], y[:2], {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # R^2 of one row would warn, then be nan
        with pytest.raises(ValueError, match="validation set is too small.* 1 row"):
            model.fit(X, y, **fit)
    assert not hasattr(model, "coefs_")
    # Minus the squared error is defined on one row.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.set_params(scoring="loss").fit(X, y, **fit)
    assert np.isfinite(model.validation_scores_).all()
