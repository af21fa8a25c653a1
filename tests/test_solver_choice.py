"""solver='auto' and the warning for settings a solver cannot use."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from sknnscratch import ScratchMLPClassifier
from sknnscratch._network import n_parameters
from sknnscratch._solver_choice import LBFGS_MAX_WORK


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=120, n_features=5, random_state=0)


def _fit_quietly(model, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kwargs)


def test_auto_fits_with_lbfgs_and_gives_its_exact_model(data):
    X, y = data
    auto = ScratchMLPClassifier(random_state=0).fit(X, y)
    lbfgs = ScratchMLPClassifier(solver="lbfgs", random_state=0).fit(X, y)
    assert auto.solver_ == lbfgs.solver_ == "lbfgs"
    np.testing.assert_array_equal(auto.coefs_[0], lbfgs.coefs_[0])
    assert auto.loss_curve_ == lbfgs.loss_curve_


def test_auto_takes_adam_for_partial_fit(data):
    X, y = data
    auto = ScratchMLPClassifier(random_state=0).partial_fit(X, y, classes=[0, 1])
    adam = ScratchMLPClassifier(solver="adam", random_state=0)
    adam.partial_fit(X, y, classes=[0, 1])
    assert auto.solver_ == "adam"
    np.testing.assert_array_equal(auto.coefs_[0], adam.coefs_[0])
    assert auto.t_ == adam.t_ == len(X)


def test_auto_takes_adam_for_early_stopping(data):
    X, y = data
    model = _fit_quietly(
        ScratchMLPClassifier(early_stopping=True, random_state=0), X, y
    )
    assert model.solver_ == "adam"
    assert len(model.validation_scores_) == model.n_iter_ > 0
    assert model.best_validation_score_ == max(model.validation_scores_)


def test_auto_takes_adam_above_the_lbfgs_work_limit():
    wide = dict(hidden_layer_sizes=(100,), max_iter=1, random_state=0)
    limit = LBFGS_MAX_WORK // n_parameters([4, 100, 1])  # rows x parameters
    X, y = make_classification(n_samples=limit + 1, n_features=4, random_state=0)
    assert _fit_quietly(ScratchMLPClassifier(**wide), X, y).solver_ == "adam"
    model = _fit_quietly(ScratchMLPClassifier(**wide), X[:-1], y[:-1])
    assert model.solver_ == "lbfgs"


def test_a_warm_start_after_partial_fit_follows_the_rule_of_its_own_call(data):
    X, y = data
    model = ScratchMLPClassifier(warm_start=True, random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    model.fit(X, y)
    assert model.solver_ == "lbfgs"
    assert model.n_iter_ > 1


def test_the_chosen_solver_survives_pickling(data):
    X, y = data
    model = ScratchMLPClassifier(random_state=0).partial_fit(X, y, classes=[0, 1])
    assert pickle.loads(pickle.dumps(model)).solver_ == "adam"


def test_partial_fit_exists_for_auto_and_the_stochastic_solvers_only():
    assert hasattr(ScratchMLPClassifier(), "partial_fit")
    assert hasattr(ScratchMLPClassifier(solver="sgd"), "partial_fit")
    with pytest.raises(AttributeError) as error:
        ScratchMLPClassifier(solver="lbfgs").partial_fit  # noqa: B018
    assert "solver='lbfgs'" in str(error.value.__cause__)


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "sgd", "adam"])
def test_the_defaults_warn_about_nothing(solver, data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        ScratchMLPClassifier(solver=solver, max_iter=3, random_state=0).fit(X, y)


@pytest.mark.parametrize(
    "params, named",
    [
        (
            dict(solver="lbfgs", learning_rate_init=0.01, early_stopping=True),
            ["learning_rate_init=0.01", "early_stopping=True"],
        ),
        (
            dict(learning_rate_init=0.01, batch_size=32),
            ["learning_rate_init", "batch_size"],
        ),
        (
            dict(solver="adam", momentum=0.5, max_fun=100),
            ["momentum=0.5", "max_fun=100"],
        ),
        (dict(solver="sgd", beta_1=0.8), ["beta_1=0.8"]),
        (dict(solver="sgd", power_t=0.2), ["power_t=0.2", "invscaling"]),
        (dict(solver="sgd", momentum=0, nesterovs_momentum=False), ["nesterovs"]),
        (dict(solver="adam", validation_fraction=0.2), ["validation_fraction=0.2"]),
        (dict(solver="adam", scoring="roc_auc"), ["scoring='roc_auc'"]),
    ],
)
def test_settings_the_solver_cannot_use_are_named_in_one_warning(params, named, data):
    X, y = data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ScratchMLPClassifier(max_iter=3, random_state=0, **params).fit(X, y)
    unused = [w for w in caught if "does not use" in str(w.message)]
    assert len(unused) == 1
    message = str(unused[0].message)
    for text in named:
        assert text in message
    assert unused[0].filename == __file__  # it points at the user's call


def test_the_auto_warning_says_which_solver_it_chose(data):
    X, y = data
    with pytest.warns(UserWarning, match="solver='auto' trains this call with 'lbfgs'"):
        ScratchMLPClassifier(learning_rate_init=0.01, random_state=0).fit(X, y)


def test_partial_fit_refuses_early_stopping_as_mlpclassifier_does(data):
    X, y = data
    model = ScratchMLPClassifier(early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match="partial_fit does not support early_stop"):
        model.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(model, "coefs_")


def test_settings_in_use_are_not_reported(data):
    X, y = data
    used = [
        dict(solver="sgd", learning_rate="invscaling", power_t=0.3, momentum=0.5),
        dict(solver="adam", beta_1=0.8, batch_size=16, shuffle=np.bool_(True)),
        dict(early_stopping=True, validation_fraction=0.2, scoring="loss"),
        dict(solver="lbfgs", max_fun=500),
    ]
    for params in used:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", ConvergenceWarning)
            ScratchMLPClassifier(max_iter=3, random_state=0, **params).fit(X, y)
