"""ScratchMLPClassifierCV (``_cv.py``): alpha chosen by cross-validation."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import (
    make_classification,
    make_moons,
    make_multilabel_classification,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
from sknnscratch._cv import DEFAULT_ALPHAS, PATH_MAX_ITER

ALPHAS = [1e-3, 0.1, 1.0, 10.0]


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(n_samples=160, noise=0.25, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def fitted_cv(moons):
    X, y = moons
    return ScratchMLPClassifierCV(alphas=ALPHAS, cv=4, random_state=0).fit(X, y)


def _path(alphas, X, y):
    """A network fitted along ``alphas``, warm-started, each fit to convergence,
    as the CV estimator's refit is."""
    network = ScratchMLPClassifier(random_state=0, warm_start=True)
    for alpha in alphas:
        network.set_params(alpha=alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            network.fit(X, y)
    return network


def test_the_fitted_attributes_describe_the_choice(fitted_cv):
    cv = fitted_cv
    assert list(cv.alphas_) == ALPHAS
    assert cv.scores_.shape == (4, 4) == (len(ALPHAS), cv.n_splits_)
    results = cv.cv_results_
    assert list(results["param_alpha"]) == ALPHAS
    for k in range(4):
        np.testing.assert_array_equal(results[f"split{k}_test_score"], cv.scores_[:, k])
    complete = results["n_folds_run"] == 4
    np.testing.assert_allclose(
        results["mean_test_score"][complete], cv.scores_[complete].mean(axis=1)
    )
    best = int(np.argmax(np.where(complete, results["mean_test_score"], -np.inf)))
    assert cv.best_index_ == best and cv.alpha_ == ALPHAS[best] == cv.alpha
    assert results["rank_test_score"][best] == 1
    assert cv.best_score_ == results["mean_test_score"][best]


def _first_fold_scores_by_hand(X, y, weights=None):
    """Minus the log loss of the path on the first of 4 folds, computed plainly."""
    train, test = next(StratifiedKFold(4).split(X, y))
    w_train, w_test = (
        (None, None) if weights is None else (weights[train], weights[test])
    )
    network = ScratchMLPClassifier(
        random_state=0, warm_start=True, max_iter=PATH_MAX_ITER
    )
    scores = []
    for alpha in ALPHAS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            network.set_params(alpha=alpha).fit(X[train], y[train], w_train)
        proba = network.predict_proba(X[test])
        scores.append(-log_loss(y[test], proba, sample_weight=w_test))
    return scores


def test_the_first_folds_score_the_whole_path_as_computed_by_hand(moons, fitted_cv):
    X, y = moons
    expected = _first_fold_scores_by_hand(X, y)
    np.testing.assert_allclose(fitted_cv.scores_[:, 0], expected, rtol=1e-9)


def test_penalties_dropped_after_the_first_folds_are_nan_later(fitted_cv):
    ran = ~np.isnan(fitted_cv.scores_)
    assert ran[:, :2].all()  # the first two folds run every penalty
    dropped = ~ran[:, 2:].all(axis=1)
    assert not dropped[fitted_cv.best_index_]
    np.testing.assert_array_equal(fitted_cv.cv_results_["n_folds_run"][dropped], 2)


def test_the_refit_is_the_path_up_to_alpha(moons, fitted_cv):
    X, y = moons
    kept = fitted_cv.cv_results_["n_folds_run"] == fitted_cv.n_splits_
    path = fitted_cv.alphas_[kept & (fitted_cv.alphas_ <= fitted_cv.alpha_)]
    network = _path(path, X, y)
    np.testing.assert_array_equal(fitted_cv.coefs_[0], network.coefs_[0])
    np.testing.assert_array_equal(fitted_cv.predict_proba(X), network.predict_proba(X))
    assert fitted_cv.loss_curve_ == network.loss_curve_
    assert fitted_cv.solver_ == "lbfgs" and not hasattr(fitted_cv, "warm_start_")


def test_a_clear_choice_is_found(moons):
    # Moons are non-linear: the strongest penalty (a nearly linear network)
    # must lose to a weak one.
    X, y = moons
    cv = ScratchMLPClassifierCV(alphas=[0.01, 100.0], cv=3, random_state=0).fit(X, y)
    assert cv.alpha_ == 0.01
    assert cv.score(X, y) > 0.9


def test_refit_false_chooses_without_a_network(moons):
    X, y = moons
    cv = ScratchMLPClassifierCV(alphas=ALPHAS, cv=3, refit=False, random_state=0)
    cv.fit(X, y)
    assert cv.alpha_ in ALPHAS and not hasattr(cv, "coefs_")
    with pytest.raises(NotFittedError):
        cv.predict(X)


def test_alpha_is_read_only_and_not_a_parameter():
    cv = ScratchMLPClassifierCV()
    with pytest.raises(NotFittedError):
        cv.alpha  # noqa: B018
    assert "alpha" not in cv.get_params() and "warm_start" not in cv.get_params()
    assert cv.get_params()["alphas"] == DEFAULT_ALPHAS
    with pytest.raises(ValueError, match="Invalid parameter 'alpha'"):
        cv.set_params(alpha=1.0)
    assert not hasattr(cv, "partial_fit")


@pytest.mark.parametrize("alphas", [[], [-1.0, 1.0], [np.nan]])
def test_bad_alphas_are_refused(alphas, moons):
    X, y = moons
    with pytest.raises(ValueError, match="alphas must hold"):
        ScratchMLPClassifierCV(alphas=alphas).fit(X, y)


def test_sample_weights_weigh_training_and_held_out_scores(moons):
    X, y = moons
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    cv = ScratchMLPClassifierCV(alphas=ALPHAS, cv=4, random_state=0)
    cv.fit(X, y, sample_weight=weights)
    expected = _first_fold_scores_by_hand(X, y, weights)
    np.testing.assert_allclose(cv.scores_[:, 0], expected, rtol=1e-9)


def test_other_scorings(moons):
    X, y = moons
    accuracy = ScratchMLPClassifierCV(
        alphas=ALPHAS, cv=3, scoring="accuracy", random_state=0
    ).fit(X, y)
    assert np.nanmax(accuracy.scores_) <= 1.0 and np.nanmin(accuracy.scores_) >= 0.0

    def minus_brier(estimator, X, y):
        return -np.mean((estimator.predict_proba(X)[:, 1] - y) ** 2)

    brier = ScratchMLPClassifierCV(
        alphas=ALPHAS, cv=3, scoring=minus_brier, random_state=0
    ).fit(X, y)
    assert np.nanmax(brier.scores_) <= 0


def test_parallel_folds_give_the_same_choice(moons):
    X, y = moons
    serial = ScratchMLPClassifierCV(alphas=ALPHAS, cv=4, random_state=0).fit(X, y)
    parallel = clone(serial).set_params(n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(serial.scores_, parallel.scores_)
    np.testing.assert_array_equal(serial.coefs_[0], parallel.coefs_[0])


def test_it_works_in_pipelines_searches_and_outer_cross_validation():
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    model = make_pipeline(
        StandardScaler(),
        ScratchMLPClassifierCV(alphas=[0.1, 10.0], cv=3, random_state=0),
    )
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.mean() > 0.8
    search = GridSearchCV(
        model, {"scratchmlpclassifiercv__hidden_layer_sizes": [(4,), (8,)]}, cv=2
    )
    assert search.fit(X, y).best_estimator_[-1].alpha_ in (0.1, 10.0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_multiclass_and_multilabel_targets():
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    cv = ScratchMLPClassifierCV(alphas=[0.1, 10.0], cv=3, random_state=0).fit(X, y)
    assert cv.predict_proba(X).shape == (150, 3)
    X, Y = make_multilabel_classification(n_samples=120, n_classes=3, random_state=0)
    cv = ScratchMLPClassifierCV(alphas=[0.1, 10.0], cv=3, random_state=0).fit(X, Y)
    assert cv.predict(X).shape == Y.shape
    assert np.isfinite(cv.scores_).all()


def test_the_path_warnings_stay_inside_only_the_refit_speaks(moons):
    X, y = moons
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ScratchMLPClassifierCV(alphas=[1e-4, 1.0], cv=3, random_state=0).fit(X, y)
    assert not [w for w in caught if "does not use" in str(w.message)]


def test_verbose_prints_the_path_scores_and_the_choice(moons, capsys):
    X, y = moons
    ScratchMLPClassifierCV(alphas=ALPHAS, cv=3, verbose=True, random_state=0).fit(X, y)
    printed = capsys.readouterr().out
    assert printed.count("Fold ") == 3 and "Chosen alpha" in printed
    assert "Iteration 1, loss" in printed  # the refit's own lines
