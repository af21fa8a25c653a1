"""ScratchMLPClassifierCV (``_cv.py``): alpha chosen by cross-validation."""

import os
import pickle
import signal
import sys
import threading
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import (
    make_classification,
    make_moons,
    make_multilabel_classification,
)
from sklearn.exceptions import (
    ConvergenceWarning,
    NotFittedError,
    UndefinedMetricWarning,
)
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import log_loss
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
from sknnscratch._cv import DEFAULT_ALPHAS
from sknnscratch._cv_search import PATH_MAX_ITER

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
    for method in ("predict", "predict_proba", "decision_function", "score"):
        with pytest.raises(NotFittedError, match="refit=False"):
            getattr(cv, method)(X, *([y] if method == "score" else []))


def test_refit_false_after_a_refit_drops_the_old_network(moons):
    X, y = moons
    cv = ScratchMLPClassifierCV(alphas=ALPHAS, cv=3, random_state=0).fit(X, y)
    cv.set_params(refit=False, alphas=[0.5]).fit(X, y)
    assert cv.alpha_ == 0.5
    assert not hasattr(cv, "coefs_") and not hasattr(cv, "refit_time_")
    with pytest.raises(NotFittedError, match="refit=False"):
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


# ----------------------------------------------------- hostile probes


def _snapshot(model):
    return pickle.dumps(model)


def _previously_fitted(moons):
    X, y = moons
    return ScratchMLPClassifierCV(alphas=[0.3], cv=2, random_state=1).fit(X, y)


def _calls_scorer(on_call, action):
    """An early-stopping scorer whose call ``on_call(calls)`` does ``action``."""
    calls = []

    def scorer(estimator, X, y, sample_weight=None):
        calls.append(len(X))
        if on_call(calls):
            action()
        return estimator.score(X, y)

    return scorer


def _raise_interrupt():
    raise KeyboardInterrupt


def _send_sigint():
    os.kill(os.getpid(), signal.SIGINT)
    raise AssertionError("SIGINT did not interrupt")  # pragma: no cover


needs_sigint = pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
    reason="SIGINT does not raise KeyboardInterrupt in this process",
)
EARLY_STOPPING = dict(
    alphas=[0.01, 1.0],
    cv=3,
    solver="adam",
    early_stopping=True,
    n_iter_no_change=100,
    max_iter=30,
    random_state=0,
)
# The validation rows of a fold's network (106 or 107 training rows) and the
# refit's (160).
IN_A_FOLD, IN_THE_REFIT = 12, 16


@pytest.mark.parametrize("where", [IN_A_FOLD, IN_THE_REFIT], ids=["fold", "refit"])
@pytest.mark.parametrize(
    "interrupt",
    [_raise_interrupt, pytest.param(_send_sigint, marks=needs_sigint)],
    ids=["raised", "real SIGINT"],
)
def test_an_interrupt_anywhere_leaves_the_cv_estimator_as_it_was(
    where, interrupt, moons
):
    X, y = moons
    model = _previously_fitted(moons)
    before = _snapshot(model)
    # The fourth epoch of the first network trained on these rows.
    scorer = _calls_scorer(
        lambda calls: calls[-1] == where and calls.count(where) == 4, interrupt
    )
    model.set_params(**EARLY_STOPPING, scoring=scorer)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    model.set_params(**_previously_fitted(moons).get_params())
    assert _snapshot(model) == before


def test_an_interrupt_in_the_held_out_scorer_propagates(moons):
    X, y = moons
    model = _previously_fitted(moons)
    before = _snapshot(model)
    scorer = _calls_scorer(lambda calls: len(calls) == 3, _raise_interrupt)
    model.set_params(alphas=ALPHAS, cv=3, scoring=scorer)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    model.set_params(**_previously_fitted(moons).get_params())
    assert _snapshot(model) == before


@needs_sigint
def test_a_real_ctrl_c_inside_a_folds_network_stops_the_search():
    # Slow enough networks (no convergence before 75 iterations) that the
    # signal, sent 20 ms after the first score, lands in the second fit.
    X, y = make_classification(2000, 30, flip_y=0.3, random_state=0)
    timer = threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT))

    def arm_the_timer(estimator, X, y):
        if timer.ident is None:
            timer.start()
        return -log_loss(y, estimator.predict_proba(X))

    model = ScratchMLPClassifierCV(
        (64,), alphas=[1e-4, 1e-3, 1e-2], cv=3, tol=0.0, scoring=arm_the_timer
    )
    try:
        with pytest.raises(KeyboardInterrupt), warnings.catch_warnings():
            warnings.simplefilter("error")  # no "keeping the model" either
            model.fit(X, y)
    finally:
        timer.cancel()
    assert not hasattr(model, "alpha_") and not hasattr(model, "coefs_")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_error_in_the_refit_leaves_the_cv_estimator_as_it_was(moons):
    X, y = moons
    model = _previously_fitted(moons)
    before = _snapshot(model)

    def fails_in_the_refit(estimator, X, y):
        if len(X) == IN_THE_REFIT:
            raise RuntimeError("scorer bug")
        return estimator.score(X, y)

    model.set_params(**EARLY_STOPPING, scoring=fails_in_the_refit)
    with pytest.raises(RuntimeError, match="scorer bug"):
        model.fit(X, y)
    model.set_params(**_previously_fitted(moons).get_params())
    assert _snapshot(model) == before


def test_groups_go_to_the_splitter_as_in_grid_search(moons):
    X, y = moons
    groups = np.arange(len(y)) % 8
    cv = ScratchMLPClassifierCV(alphas=[0.01, 1.0], cv=GroupKFold(4), random_state=0)
    cv.fit(X, y, groups=groups)
    folds = list(GroupKFold(4).split(X, y, groups))
    by_hand = ScratchMLPClassifierCV(alphas=[0.01, 1.0], cv=folds, random_state=0)
    np.testing.assert_array_equal(cv.scores_, by_hand.fit(X, y).scores_)
    search = GridSearchCV(
        ScratchMLPClassifier(random_state=0), {"alpha": [0.01, 1.0]}, cv=GroupKFold(4)
    )
    search.fit(X, y, groups=groups)  # the anchor takes them the same way
    assert search.n_splits_ == cv.n_splits_ == 4


def test_a_group_splitter_without_groups_says_what_works(moons):
    X, y = moons
    model = ScratchMLPClassifierCV(alphas=[0.01, 1.0], cv=GroupKFold(4))
    with pytest.raises(ValueError, match=r"fit\(X, y, groups=groups\).*list of"):
        model.fit(X, y)
    with pytest.raises(TypeError, match="unexpected argument.*'group'"):
        model.fit(X, y, group=np.zeros(len(y)))


def test_groups_and_weights_are_routed_as_scikit_learn_routes_them(moons):
    X, y = moons
    groups = np.arange(len(y)) % 8
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    plain = ScratchMLPClassifierCV(
        alphas=[0.01, 1.0], cv=GroupKFold(4), random_state=0
    ).fit(X, y, sample_weight=weights, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = clone(plain).fit(X, y, sample_weight=weights, groups=groups)
        np.testing.assert_array_equal(routed.scores_, plain.scores_)
        # Nothing requests groups with the default splitter: refused, as
        # GridSearchCV refuses them under routing.
        with pytest.raises(TypeError, match="not routed"):
            clone(plain).set_params(cv=3).fit(X, y, groups=groups)
        # An outer cross-validation routes the groups to the inner splitter.
        outer = cross_val_score(
            clone(plain), X, y, cv=GroupKFold(2), params={"groups": groups}
        )
        assert outer.shape == (2,)


def test_a_class_of_one_sample_fits_as_the_anchors_fit(moons):
    X, y = moons
    y = y.copy()
    y[0] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # StratifiedKFold's
        ours = ScratchMLPClassifierCV(alphas=[0.01, 1.0], random_state=0).fit(X, y)
        LogisticRegressionCV(Cs=2).fit(X, y)
    assert list(ours.classes_) == [0, 1, 2]
    assert np.isfinite(ours.scores_).all()  # the fold without class 2 scores too
    assert ours.predict_proba(X).shape == (len(y), 3)


def test_zero_held_out_weights_leave_the_fold_out_by_name(moons):
    X, y = moons
    weights = np.ones(len(y))
    weights[:40] = 0  # the first fold's held-out rows
    model = ScratchMLPClassifierCV(alphas=[0.01, 1.0], cv=KFold(4), random_state=0)
    with pytest.warns(UserWarning, match="Fold 1 of 4 is left out.*held-out rows"):
        model.fit(X, y, sample_weight=weights)
    assert (
        np.isnan(model.scores_[:, 0]).all() and np.isfinite(model.scores_[:, 1:]).all()
    )
    assert (model.cv_results_["n_folds_run"] == 3).all()


def test_zero_training_weights_name_the_fold(moons):
    X, y = moons
    weights = np.zeros(len(y))
    weights[:40] = 1
    rows = np.arange(len(y))
    folds = [(rows[40:], rows[:40]), (np.r_[rows[:20], rows[60:]], rows[20:60])]
    model = ScratchMLPClassifierCV(alphas=[0.01, 1.0], cv=folds, random_state=0)
    with pytest.warns(UserWarning, match="Fold 1 of 2 is left out.*training rows"):
        model.fit(X, y, sample_weight=weights)
    assert np.isnan(model.scores_[:, 0]).all()
    weights[:] = 0
    weights[:10] = 1
    with pytest.raises(
        ValueError, match="No fold can score.*Fold 1 of 2: its training"
    ):
        model.fit(X, y, sample_weight=weights)


def _nan_for(alpha):
    def scorer(estimator, X, y):
        return np.nan if estimator.alpha == alpha else estimator.score(X, y)

    return scorer


def test_a_non_finite_score_is_never_chosen(moons):
    X, y = moons
    model = ScratchMLPClassifierCV(
        alphas=[0.01, 1.0, 100.0], cv=3, scoring=_nan_for(0.01), random_state=0
    )
    with pytest.warns(
        UserWarning, match=r"non-finite held-out scores for alpha \[0.01\]"
    ):
        model.fit(X, y)
    assert model.alpha_ != 0.01
    assert np.isnan(model.cv_results_["mean_test_score"][0])
    assert model.cv_results_["rank_test_score"][0] == 3
    search = GridSearchCV(
        ScratchMLPClassifier(random_state=0),
        {"alpha": [0.01, 1.0, 100.0]},
        cv=3,
        scoring=_nan_for(0.01),
    )
    with pytest.warns(UserWarning, match="non-finite"):  # the anchor warns too
        assert search.fit(X, y).best_params_["alpha"] != 0.01


@pytest.mark.parametrize(
    "scoring, message",
    [
        (lambda estimator, X, y: np.nan, r"no finite score on any fold \(nan\)"),
        (lambda estimator, X, y: 1 / 0, "ZeroDivisionError"),
    ],
    ids=["always NaN", "always raising"],
)
def test_a_scorer_with_nothing_to_choose_is_named(scoring, message, moons):
    X, y = moons
    model = ScratchMLPClassifierCV(alphas=[0.01, 1.0], cv=3, scoring=scoring)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(ValueError, match="No penalty got a finite.*scoring=") as e:
            model.fit(X, y)
    assert e.match(message)
    assert not hasattr(model, "alpha_")


def test_a_fold_without_a_defined_score_is_left_out_as_grid_search_scores_it_nan(
    moons,
):
    X, y = moons
    y = np.r_[np.zeros(40, dtype=int), y[40:]]  # the first fold's rows: one class
    model = ScratchMLPClassifierCV(
        alphas=[0.01, 1.0], cv=KFold(4), scoring="roc_auc", random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        with pytest.warns(UserWarning, match="Fold 1 of 4 is left out.*roc_auc"):
            model.fit(X, y)
    assert np.isnan(model.scores_[:, 0]).all() and np.isfinite(model.best_score_)


def test_a_fold_error_names_the_fold_and_alpha(moons):
    X, y = moons
    model = ScratchMLPClassifierCV(
        alphas=[0.01, 1.0], cv=3, solver="sgd", learning_rate_init=1e6, max_iter=5
    )
    with pytest.raises(ValueError, match="diverged") as e:
        model.fit(X * 1e3, y)
    if sys.version_info >= (3, 11):
        assert "on fold 1 of 3" in "".join(e.value.__notes__)


def test_weights_that_overflow_are_named_before_any_fold_runs(moons):
    X, y = moons
    model = ScratchMLPClassifierCV(alphas=[0.01, 1.0], cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"sample weights sum to more than"):
            model.fit(X, y, sample_weight=np.full(len(y), 1e308))
        with pytest.raises(ValueError, match=r"sample weights sum to .* alpha / S"):
            model.fit(X, y, sample_weight=np.full(len(y), 1e-300))


def test_a_tampered_saved_choice_is_refused_by_name(fitted_cv):
    state = fitted_cv.__getstate__()
    restored = ScratchMLPClassifierCV.__new__(ScratchMLPClassifierCV)
    with pytest.raises(ValueError, match="alpha_=7.0 is not one of alphas_"):
        restored.__setstate__({**state, "alpha_": 7.0})
    with pytest.raises(ValueError, match="scores_ is"):
        restored.__setstate__({**state, "scores_": np.zeros((2, 2))})
