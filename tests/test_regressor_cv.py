"""ScratchMLPRegressorCV (``_cv.py``): alpha chosen by cross-validation."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import make_scorer, mean_squared_error
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from sknnscratch import ScratchMLPRegressor, ScratchMLPRegressorCV
from sknnscratch._cv import DEFAULT_ALPHAS
from sknnscratch._cv_search import PATH_MAX_ITER

ALPHAS = [1e-3, 0.1, 1.0, 10.0]


def _wave(n_samples=150, n_outputs=1, noise=0.3, seed=0):
    """A smooth non-linear target of two features, with Gaussian noise."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-3, 3, (n_samples, 2))
    columns = [
        np.sin(X[:, 0]) + 0.5 * X[:, 1],
        np.cos(X[:, 1]) - 0.3 * X[:, 0],
        X[:, 0] * X[:, 1] / 3,
    ]
    Y = np.column_stack(columns[:n_outputs]) + rng.normal(0, noise, (n_samples, 1))
    return X, Y[:, 0] if n_outputs == 1 else Y


@pytest.fixture(scope="module")
def wave():
    return _wave()


@pytest.fixture(scope="module")
def fitted_cv(wave):
    X, y = wave
    return ScratchMLPRegressorCV(alphas=ALPHAS, cv=4, random_state=0).fit(X, y)


def _first_fold_scores_by_hand(X, y, weights=None, n_splits=4):
    """Minus the mean squared error of the path on the first fold of
    ``KFold(n_splits)``, computed plainly with scikit-learn's metric."""
    train, test = next(KFold(n_splits).split(X, y))
    w_train, w_test = (
        (None, None) if weights is None else (weights[train], weights[test])
    )
    network = ScratchMLPRegressor(
        random_state=0, warm_start=True, max_iter=PATH_MAX_ITER
    )
    scores = []
    for alpha in ALPHAS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            network.set_params(alpha=alpha).fit(X[train], y[train], w_train)
        predicted = network.predict(X[test])
        scores.append(-mean_squared_error(y[test], predicted, sample_weight=w_test))
    return scores


def test_the_default_score_is_minus_the_mean_squared_error(wave, fitted_cv):
    X, y = wave
    assert fitted_cv.scoring == "loss"  # 'neg_mean_squared_error' for this loss
    expected = _first_fold_scores_by_hand(X, y)
    np.testing.assert_allclose(fitted_cv.scores_[:, 0], expected, rtol=1e-9)


def test_the_direct_score_is_scikit_learns_scorer(wave, fitted_cv):
    # The same folds, paths and networks scored through scikit-learn's
    # metric: only the arithmetic of the score differs.
    X, y = wave
    by_sklearn = clone(fitted_cv).set_params(
        scoring=make_scorer(mean_squared_error, greater_is_better=False)
    )
    by_sklearn.fit(X, y)
    np.testing.assert_allclose(by_sklearn.scores_, fitted_cv.scores_, rtol=1e-12)
    assert by_sklearn.alpha_ == fitted_cv.alpha_


def test_the_fitted_attributes_describe_the_choice(fitted_cv):
    cv = fitted_cv
    assert list(cv.alphas_) == ALPHAS
    assert cv.scores_.shape == (len(ALPHAS), cv.n_splits_) == (4, 4)
    results = cv.cv_results_
    complete = results["n_folds_run"] == cv.n_splits_
    np.testing.assert_allclose(
        results["mean_test_score"][complete], cv.scores_[complete].mean(axis=1)
    )
    best = int(np.argmax(np.where(complete, results["mean_test_score"], -np.inf)))
    assert cv.best_index_ == best and cv.alpha_ == ALPHAS[best] == cv.alpha
    assert results["rank_test_score"][best] == 1
    assert cv.best_score_ == results["mean_test_score"][best]


def test_the_refit_is_the_path_up_to_alpha(wave, fitted_cv):
    X, y = wave
    kept = fitted_cv.cv_results_["n_folds_run"] == fitted_cv.n_splits_
    path = fitted_cv.alphas_[kept & (fitted_cv.alphas_ <= fitted_cv.alpha_)]
    network = ScratchMLPRegressor(random_state=0, warm_start=True)
    for alpha in path:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            network.set_params(alpha=alpha).fit(X, y)
    np.testing.assert_array_equal(fitted_cv.coefs_[0], network.coefs_[0])
    np.testing.assert_array_equal(fitted_cv.predict(X), network.predict(X))
    assert fitted_cv.loss_curve_ == network.loss_curve_


@pytest.mark.parametrize(
    "noise, alphas, expected",
    [(0.3, [0.01, 3.0, 300.0], 0.01), (3.0, [1e-4, 0.01, 30.0], 30.0)],
    ids=["signal: weak penalty", "noise: strong penalty"],
)
def test_alpha_is_the_best_of_independent_cross_validation(noise, alphas, expected):
    # A clear case each way: cold fits of ScratchMLPRegressor at each alpha,
    # scored on the same folds by cross_val_score, rank the penalties as
    # the warm path does.
    X, y = _wave(noise=noise)
    if noise > 1:
        y = y - np.sin(X[:, 0]) - 0.5 * X[:, 1]  # nothing left but noise
    folds = KFold(3, shuffle=True, random_state=0)
    model = ScratchMLPRegressorCV(alphas=alphas, cv=folds, random_state=0)
    model.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        means = [
            cross_val_score(
                ScratchMLPRegressor(alpha=alpha, random_state=0),
                X,
                y,
                cv=folds,
                scoring="neg_mean_squared_error",
            ).mean()
            for alpha in alphas
        ]
    assert alphas[int(np.argmax(means))] == expected == model.alpha_


def test_the_folds_are_plain_kfold_even_for_integer_targets():
    # Integer targets look like classes to scikit-learn's type_of_target: a
    # regressor still splits them with KFold (check_cv, classifier=False).
    X, y = _wave(n_samples=90)
    y = np.round(y).astype(int)
    model = ScratchMLPRegressorCV(alphas=[0.01, 1.0], cv=3, random_state=0)
    by_folds = clone(model).set_params(cv=list(KFold(3).split(X, y)))
    np.testing.assert_array_equal(model.fit(X, y).scores_, by_folds.fit(X, y).scores_)
    assert model.predict(X).dtype == np.float64


def test_a_constant_target_is_a_target_like_any_other():
    # No class logic: the classifier's "one class" refusal does not apply.
    X, _ = _wave(n_samples=60)
    model = ScratchMLPRegressorCV(alphas=[0.01, 1.0], cv=3, random_state=0)
    model.fit(X, np.full(60, 2.5))
    assert np.isfinite(model.scores_).all()
    np.testing.assert_allclose(model.predict(X), 2.5, atol=1e-3)


def test_multi_output_targets_average_the_outputs_mean_squared_errors():
    # Three outputs: their mean is neither their sum nor half of it.
    X, Y = _wave(n_outputs=3)
    model = ScratchMLPRegressorCV(alphas=ALPHAS, cv=4, random_state=0).fit(X, Y)
    assert model.predict(X).shape == Y.shape and model.n_outputs_ == 3
    expected = _first_fold_scores_by_hand(X, Y)
    np.testing.assert_allclose(model.scores_[:, 0], expected, rtol=1e-9)


def test_sample_weights_weigh_training_and_held_out_scores(wave):
    X, y = wave
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    model = ScratchMLPRegressorCV(alphas=ALPHAS, cv=4, random_state=0)
    model.fit(X, y, sample_weight=weights)
    expected = _first_fold_scores_by_hand(X, y, weights)
    np.testing.assert_allclose(model.scores_[:, 0], expected, rtol=1e-9)
    unweighted = _first_fold_scores_by_hand(X, y)
    assert not np.allclose(model.scores_[:, 0], unweighted, rtol=1e-6)


def test_other_scorings(wave):
    X, y = wave
    r2 = ScratchMLPRegressorCV(alphas=ALPHAS, cv=3, scoring=None, random_state=0)
    assert np.nanmax(r2.fit(X, y).scores_) <= 1.0
    loss = ScratchMLPRegressorCV(alphas=ALPHAS, cv=3, scoring="loss", random_state=0)
    default = clone(loss).set_params(scoring="neg_mean_squared_error")
    np.testing.assert_array_equal(loss.fit(X, y).scores_, default.fit(X, y).scores_)


def test_parallel_folds_give_the_same_choice(wave):
    X, y = wave
    serial = ScratchMLPRegressorCV(alphas=ALPHAS, cv=4, random_state=0).fit(X, y)
    parallel = clone(serial).set_params(n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(serial.scores_, parallel.scores_)
    np.testing.assert_array_equal(serial.coefs_[0], parallel.coefs_[0])


def test_it_works_in_pipelines_searches_and_outer_cross_validation():
    X, y = _wave(n_samples=120)
    model = make_pipeline(
        StandardScaler(),
        ScratchMLPRegressorCV(alphas=[0.01, 10.0], cv=3, random_state=0),
    )
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.mean() > 0.8  # R^2
    search = GridSearchCV(
        model, {"scratchmlpregressorcv__hidden_layer_sizes": [(4,), (8,)]}, cv=2
    )
    assert search.fit(X, y).best_estimator_[-1].alpha_ in (0.01, 10.0)
    scaled = TransformedTargetRegressor(model, transformer=StandardScaler())
    assert scaled.fit(X, 1000 * y).score(X, 1000 * y) > 0.8


def test_float32_input_trains_a_float32_network(wave):
    X, y = wave
    model = ScratchMLPRegressorCV(alphas=[0.01, 1.0], cv=3, random_state=0)
    model.fit(X.astype(np.float32), y)
    assert model.coefs_[0].dtype == np.float32
    assert np.isfinite(model.scores_).all()


def test_a_pickle_round_trip_keeps_the_model_and_the_choice(fitted_cv, wave):
    X, _ = wave
    restored = pickle.loads(pickle.dumps(fitted_cv))
    np.testing.assert_array_equal(restored.predict(X), fitted_cv.predict(X))
    np.testing.assert_array_equal(restored.scores_, fitted_cv.scores_)
    assert restored.alpha_ == fitted_cv.alpha_ and restored.cv_results_.keys() == (
        fitted_cv.cv_results_.keys()
    )


def test_a_tampered_saved_choice_is_refused_by_name(fitted_cv):
    state = fitted_cv.__getstate__()
    restored = ScratchMLPRegressorCV.__new__(ScratchMLPRegressorCV)
    with pytest.raises(ValueError, match="alpha_=7.0 is not one of alphas_"):
        restored.__setstate__({**state, "alpha_": 7.0})
    with pytest.raises(ValueError, match="n_outputs_"):
        restored.__setstate__({**state, "n_outputs_": 3})


def test_refit_false_chooses_without_a_network_and_survives_pickling(wave):
    X, y = wave
    model = ScratchMLPRegressorCV(alphas=ALPHAS, cv=3, refit=False, random_state=0)
    model = pickle.loads(pickle.dumps(model.fit(X, y)))
    assert model.alpha_ in ALPHAS and not hasattr(model, "coefs_")
    for method in ("predict", "score"):
        with pytest.raises(NotFittedError, match=r"refit=False.*ScratchMLPRegressor\("):
            getattr(model, method)(X, *([y] if method == "score" else []))


def test_alpha_is_read_only_and_there_is_no_partial_fit():
    model = ScratchMLPRegressorCV()
    with pytest.raises(NotFittedError):
        model.alpha  # noqa: B018
    params = model.get_params()
    assert "alpha" not in params and "warm_start" not in params
    assert "class_weight" not in params and params["alphas"] == DEFAULT_ALPHAS
    assert set(params) - {"alphas", "cv", "n_jobs", "refit"} == (
        set(ScratchMLPRegressor().get_params()) - {"alpha", "warm_start"}
    )
    assert not hasattr(model, "partial_fit")
    with pytest.raises(AttributeError) as error:
        model.partial_fit  # noqa: B018
    assert "Use ScratchMLPRegressor(alpha=model.alpha_)" in str(error.value.__cause__)


def _snapshot(model):
    return pickle.dumps(model)


def _previously_fitted(wave):
    X, y = wave
    return ScratchMLPRegressorCV(alphas=[0.3], cv=2, random_state=1).fit(X, y)


# The validation rows of a fold's network (100 training rows) and the
# refit's (150).
IN_A_FOLD, IN_THE_REFIT = 10, 15


@pytest.mark.parametrize("where", [IN_A_FOLD, IN_THE_REFIT], ids=["fold", "refit"])
@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_interrupt_or_error_anywhere_leaves_the_estimator_as_it_was(
    where, error, wave
):
    X, y = wave
    model = _previously_fitted(wave)
    before = _snapshot(model)
    calls = []

    def scorer(estimator, X, y, sample_weight=None):
        calls.append(len(X))
        if calls[-1] == where and calls.count(where) == 4:
            raise error("stop")
        return estimator.score(X, y)

    model.set_params(
        alphas=[0.01, 1.0],
        cv=3,
        solver="adam",
        early_stopping=True,
        n_iter_no_change=100,
        max_iter=30,
        scoring=scorer,
    )
    with pytest.raises(error):
        model.fit(X, y)
    assert calls.count(where) == 4  # the network was stopped where meant
    model.set_params(**_previously_fitted(wave).get_params())
    assert _snapshot(model) == before


def test_groups_and_weights_are_routed_as_scikit_learn_routes_them(wave):
    X, y = wave
    groups = np.arange(len(y)) % 6
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    plain = ScratchMLPRegressorCV(
        alphas=[0.01, 1.0], cv=GroupKFold(3), random_state=0
    ).fit(X, y, sample_weight=weights, groups=groups)
    folds = list(GroupKFold(3).split(X, y, groups))
    by_hand = clone(plain).set_params(cv=folds).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(plain.scores_, by_hand.scores_)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = clone(plain).fit(X, y, sample_weight=weights, groups=groups)
        np.testing.assert_array_equal(routed.scores_, plain.scores_)
        outer = cross_val_score(
            clone(plain), X, y, cv=GroupKFold(2), params={"groups": groups}
        )
        assert outer.shape == (2,)
    with pytest.raises(TypeError, match="ScratchMLPRegressorCV.fit got unexpected"):
        plain.fit(X, y, group=groups)


def test_zero_held_out_weights_leave_the_fold_out_by_name(wave):
    X, y = wave
    weights = np.ones(len(y))
    weights[:50] = 0  # the first fold's held-out rows
    model = ScratchMLPRegressorCV(alphas=[0.01, 1.0], cv=3, random_state=0)
    with pytest.warns(UserWarning, match="Fold 1 of 3 is left out.*held-out rows"):
        model.fit(X, y, sample_weight=weights)
    assert np.isnan(model.scores_[:, 0]).all()
    assert np.isfinite(model.scores_[:, 1:]).all()


def test_bad_data_is_refused_before_any_fold_runs(wave):
    X, y = wave
    model = ScratchMLPRegressorCV(alphas=[0.01, 1.0], cv=3)
    with pytest.raises(ValueError, match="squared errors overflow"):
        model.fit(X, np.full(len(y), 1e300))
    with pytest.raises(ValueError, match="alphas must hold"):
        model.set_params(alphas=[-1.0]).fit(X, y)
    assert not hasattr(model, "alpha_")


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "sgd", "adam"])
def test_param_validation(solver):
    check_param_validation(
        "ScratchMLPRegressorCV", ScratchMLPRegressorCV(solver=solver)
    )


# scikit-learn's checks pass with no expected failure: the regressor CV
# fails none (test_common.py explains the classifier's, which come from
# early stopping and tanh fits, configurations not listed here).
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [
        ScratchMLPRegressorCV(),
        ScratchMLPRegressorCV(
            solver="adam", learning_rate_init=0.01, max_iter=50, cv=3
        ),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
