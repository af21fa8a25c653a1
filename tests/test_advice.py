"""What a user is told when training goes wrong (``_advice.py``).

Each case is one a user met: the message must name the cause the numbers
point at, for the solver used, and stay quiet where nothing went wrong.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SequentialFeatureSelector
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier, ScratchMLPRegressor
from sknnscratch._advice import (
    RunFacts,
    convergence_advice,
    divergence_advice,
    prior_loss,
)
from sknnscratch.datasets import load_heart_disease


@pytest.fixture(scope="module")
def heart():
    X, y = load_heart_disease(return_X_y=True)
    steps = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    return steps.fit_transform(X), y


def _caught(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [w for w in caught if issubclass(w.category, UserWarning)]


def _facts(**changes):
    facts = dict(
        solver="sgd",
        alpha=2.5,
        learning_rate_init=0.001,
        momentum=0.9,
        activation="relu",
        hidden_layer_sizes=(8,),
        n_samples=300,
        total_weight=300.0,
    )
    return RunFacts(**(facts | changes))


# ------------------------------------------------------------ collapse


def test_adam_with_a_huge_step_is_told_to_lower_it_not_alpha(heart):
    X, y = heart
    model = ScratchMLPClassifier(solver="adam", learning_rate_init=10, random_state=0)
    caught = _caught(lambda: model.fit(X, y))
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "collapsed" in message and "The penalty is not the cause" in message
    assert "lower learning_rate_init" in message and "Lower alpha" not in message
    # What the message claims: L-BFGS with that alpha fits these rows.
    lbfgs = ScratchMLPClassifier(solver="lbfgs", random_state=0).fit(X, y)
    assert lbfgs.score(X, y) > 0.8 > model.score(X, y)


def test_a_weak_single_feature_is_no_collapse_to_warn_about(heart):
    # fbs (fasting blood sugar) tells almost nothing about heart disease:
    # logistic regression's probabilities spread by a few hundredths.
    X, y = heart
    fbs = X[:, [5]]
    proba = LogisticRegression().fit(fbs, y).predict_proba(fbs)[:, 1]
    assert np.ptp(proba) < 0.05
    assert _caught(lambda: ScratchMLPClassifier(random_state=0).fit(fbs, y)) == []


@pytest.mark.slow
def test_sequential_feature_selection_on_heart_does_not_warn(heart):
    X, y = heart
    selector = SequentialFeatureSelector(
        ScratchMLPClassifier(random_state=0), n_features_to_select=1
    )
    caught = _caught(lambda: selector.fit(X, y))
    assert [str(w.message) for w in caught if "collapsed" in str(w.message)] == []


@pytest.mark.parametrize(
    "check",
    [
        "check_estimators_nan_inf",
        "check_supervised_y_2d",
        "check_class_weight_classifiers",
    ],
)
def test_scikit_learns_checks_on_random_data_do_not_warn(check):
    # Random labels, or labels one class outweighs a million times: a flat
    # model is the right answer there, as for MLPClassifier and
    # LogisticRegression, which say nothing. Unseeded, as a user runs them.
    from sklearn.utils import estimator_checks

    run = getattr(estimator_checks, check)
    for _ in range(3):
        caught = _caught(lambda: run("ScratchMLPClassifier", ScratchMLPClassifier()))
        assert [str(w.message) for w in caught if "collapsed" in str(w.message)] == []


def test_a_penalty_strong_for_tiny_data_still_warns():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    caught = _caught(lambda: ScratchMLPClassifier(random_state=0).fit(X, [0, 1, 1, 0]))
    assert len(caught) == 1 and "The L2 penalty outweighs the data" in str(
        caught[0].message
    )


# ---------------------------------------------------- worse than priors


def test_a_fit_far_worse_than_the_class_priors_warns_whatever_its_first_loss(heart):
    # Unscaled input and a huge step: MLPClassifier ends at a loss of a few
    # units, ours used to end in the tens of thousands without a word.
    X, y = heart
    model = ScratchMLPClassifier(solver="adam", learning_rate_init=10, random_state=0)
    with pytest.warns(ConvergenceWarning, match="worse than none") as caught:
        model.fit(X * 1000, y)
    message = str(caught[0].message)
    assert "scale it" in message and "lower learning_rate_init (now 10)" in message
    assert prior_loss(np.c_[y], None, "logistic") == pytest.approx(0.6897, abs=1e-4)


def test_a_penalty_too_large_to_shrink_is_named(heart):
    X, y = heart
    model = ScratchMLPClassifier(solver="adam", alpha=1e300, max_iter=20)
    with pytest.warns(ConvergenceWarning) as caught:
        model.fit(X, y)
    messages = [str(w.message) for w in caught]
    # One warning, the one with the cause: not "raise max_iter".
    assert len(messages) == 1, messages
    assert "The L2 term is" in messages[0] and "lower alpha" in messages[0]


def test_a_sound_fit_is_not_worse_than_the_priors(heart):
    X, y = heart
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ScratchMLPClassifier(random_state=0).fit(X, y)
        ScratchMLPClassifier(solver="adam", max_iter=2000, random_state=0).fit(X, y)


def test_the_prior_loss_is_the_best_constant_prediction():
    Y = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    p = np.array([0.25, 0.5, 0.25])
    assert prior_loss(Y, None, "softmax") == pytest.approx(-(p * np.log(p)).sum())
    weights = np.array([1.0, 1.0, 1.0, 3.0])
    p = np.array([1, 2, 3]) / 6
    assert prior_loss(Y, weights, "softmax") == pytest.approx(-(p * np.log(p)).sum())
    multilabel = np.array([[1, 1], [0, 1]], dtype=float)  # the second always on
    assert prior_loss(multilabel, None, "logistic") == pytest.approx(np.log(2))


# ------------------------------------------------------------ divergence


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_an_overflowing_penalty_says_lower_alpha(solver, heart):
    X, y = heart
    with pytest.raises(ValueError, match="diverged") as error:
        ScratchMLPClassifier(solver=solver, alpha=1e300).fit(X, y)
    message = str(error.value)
    assert "lower alpha" in message and "increase alpha" not in message
    assert "StandardScaler" not in message  # the input is scaled


def test_a_too_large_sgd_step_on_scaled_data_says_lower_it(heart):
    X, y = heart
    with pytest.raises(ValueError, match="diverged") as error:
        ScratchMLPClassifier(solver="sgd", learning_rate_init=5, random_state=0).fit(
            X, y
        )
    message = str(error.value)
    assert "lower learning_rate_init (now 5)" in message
    assert "StandardScaler" not in message


def test_unscaled_input_that_diverges_is_told_to_scale_first():
    X, y = make_classification(300, 13, random_state=0)
    X = X * 1000
    with pytest.raises(ValueError, match="diverged") as error:
        ScratchMLPClassifier(solver="sgd", learning_rate_init=1, random_state=0).fit(
            X, y
        )
    message = str(error.value)
    assert message.index("StandardScaler") < message.index("learning_rate_init")


def test_light_sample_weights_are_named_before_alpha():
    facts = _facts(total_weight=300e-300)
    advice = divergence_advice(facts, np.zeros(13 * 8 + 8 + 8 + 1), [13, 8, 1], None)
    assert advice.index("sample weights sum to") < advice.index("lower alpha")
    assert "scale the weights up" in advice and "increase alpha" not in advice


def test_an_sgd_step_that_the_penalty_makes_overshoot_is_explained():
    facts = _facts(alpha=1e4, learning_rate_init=0.1)  # 0.1 * 1e4 / 300 = 3.3
    theta = np.full(13 * 8 + 8 + 8 + 1, 0.1)
    X = np.ones((5, 13))
    advice = divergence_advice(facts, theta, [13, 8, 1], X)
    assert "learning_rate_init * alpha / S = 3.33" in advice
    assert "below 0.06" in advice  # 2 * S / alpha


def test_ruined_weights_do_not_make_the_penalty_the_cause():
    theta = np.full(13 * 8 + 8 + 8 + 1, np.nan)
    advice = divergence_advice(_facts(), theta, [13, 8, 1], np.ones((5, 13)))
    assert "alpha" not in advice and "lower learning_rate_init" in advice


# --------------------------------------------------------- max_iter


def test_a_steady_fall_asks_for_more_or_larger_steps():
    curve = np.linspace(1.0, 0.5, 50)
    advice = convergence_advice(_facts(solver="adam"), curve, 2, np.ones((4, 3)))
    assert "still falling: raise max_iter or learning_rate_init," in advice
    assert "plain gradient descent" not in advice


def test_plain_gradient_descent_is_named_only_without_momentum():
    curve = np.linspace(1.0, 0.5, 50)
    plain = convergence_advice(_facts(momentum=0.0), curve, 1, np.ones((4, 3)))
    heavy = convergence_advice(_facts(momentum=0.9), curve, 1, np.ones((4, 3)))
    assert "without momentum" in plain and "plain gradient descent" in plain
    assert "momentum" not in heavy and "plain gradient descent" not in heavy


def test_a_curve_that_does_not_settle_asks_for_smaller_steps():
    rng = np.random.RandomState(0)
    curve = 0.5 + 0.2 * rng.rand(60)
    advice = convergence_advice(_facts(solver="adam"), curve, 2, np.ones((4, 3)))
    assert "up and down instead of settling" in advice
    assert "Lower learning_rate_init" in advice
    assert "raise" not in advice


def test_an_unsettled_adam_run_gets_the_advice_to_lower_its_step(heart):
    X, y = heart
    model = ScratchMLPClassifier(
        solver="adam",
        learning_rate_init=0.5,
        max_iter=60,
        n_iter_no_change=1000,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="maximum iterations") as caught:
        model.fit(X, y)
    message = str(caught[0].message)
    assert "Lower learning_rate_init" in message, message


def test_the_large_input_scale_is_named_in_the_convergence_advice():
    curve = np.linspace(1.0, 0.5, 10)
    advice = convergence_advice(_facts(), curve, 1, np.full((4, 3), 500.0))
    assert "root mean square is 500" in advice


def test_a_single_class_has_no_advice_to_give():
    X = np.random.RandomState(0).rand(20, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ScratchMLPClassifier(solver="adam", max_iter=3).fit(X, np.zeros(20))


# ------------------------------------------------------------ the regressor


@pytest.fixture(scope="module")
def linear_target():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 5))
    y = X @ rng.normal(size=5) + 0.1 * rng.normal(size=200)
    return X, (y - y.mean()) / y.std()


def _convergence_warnings(fit):
    return [str(w.message) for w in _caught(fit) if w.category is ConvergenceWarning]


def test_regression_baseline_is_half_the_weighted_variance_per_output():
    from sknnscratch._activations import CROSS_ENTROPY

    rng = np.random.RandomState(0)
    Y = rng.normal(size=(30, 2)) * [1.0, 3.0] + [5.0, -2.0]
    w = rng.uniform(0.1, 2.0, size=30)
    mean = np.average(Y, axis=0, weights=w)
    # What a network with zero weights reaches: the mean target on every row.
    at_mean = np.average(
        CROSS_ENTROPY["identity"](np.tile(mean, (30, 1)), Y), weights=w
    )
    variance = np.average((Y - mean) ** 2, axis=0, weights=w)
    assert prior_loss(Y, w, "identity") == pytest.approx(at_mean, rel=1e-12)
    assert prior_loss(Y, w, "identity") == pytest.approx(variance.sum() / 2, rel=1e-12)


def test_regressor_worse_than_the_mean_from_a_penalty_names_alpha(linear_target):
    X, y = linear_target
    model = ScratchMLPRegressor(alpha=2.5, tol=0.5, random_state=0)
    (message,) = _convergence_warnings(lambda: model.fit(X[:2], y[:2]))
    assert "far above the" in message and "predicting the mean target" in message
    assert "class priors" not in message
    assert "The L2 term is" in message and "alpha=2.5 is too large" in message


def test_regressor_worse_than_the_mean_from_large_steps_names_the_step(linear_target):
    X, y = linear_target
    model = ScratchMLPRegressor(
        solver="adam", learning_rate_init=1.0, max_iter=50, random_state=0
    )
    (message,) = _convergence_warnings(lambda: model.fit(X, y))
    assert "predicting the mean target" in message and "worse than none" in message
    assert "lower learning_rate_init (now 1)" in message


def test_regressor_worse_than_the_mean_on_unscaled_input_says_scale_it(linear_target):
    X, y = linear_target
    model = ScratchMLPRegressor(max_iter=1, alpha=1e-4, random_state=0)
    (message,) = _convergence_warnings(lambda: model.fit(X * 1000, y))
    assert "predicting the mean target" in message
    assert "The input is on a large scale" in message


def test_a_sound_regressor_fit_and_a_flat_target_get_no_judgement(linear_target):
    X, y = linear_target
    assert not _caught(lambda: ScratchMLPRegressor(random_state=0).fit(X, y))
    # Ten times the scale: the judgement has none of its own.
    assert not _caught(lambda: ScratchMLPRegressor(random_state=0).fit(X, 10 * y))
    flat = np.full_like(y, 3.0)
    assert not _caught(lambda: ScratchMLPRegressor(random_state=0).fit(X, flat))
