"""The base the classifier and the regressor share."""

import pytest

from sknnscratch import (
    ScratchMLPClassifier,
    ScratchMLPClassifierCV,
    ScratchMLPRegressor,
    ScratchMLPRegressorCV,
)
from sknnscratch._estimator import BaseScratchMLP, network_class, parameter_defaults


def test_each_estimator_finds_its_network_class():
    assert network_class(ScratchMLPClassifier) is ScratchMLPClassifier
    assert network_class(ScratchMLPClassifierCV) is ScratchMLPClassifier
    assert network_class(ScratchMLPRegressor) is ScratchMLPRegressor


def test_the_parameters_are_those_of_the_network_class():
    classifier = parameter_defaults(ScratchMLPClassifier)
    regressor = parameter_defaults(ScratchMLPRegressor)
    assert "class_weight" in classifier and "class_weight" not in regressor
    assert set(classifier) - set(regressor) == {"class_weight"}
    assert regressor == ScratchMLPRegressor().get_params()


def test_a_subclass_that_fixes_a_parameter_keeps_the_others_defaults():
    class Fixed(ScratchMLPRegressor):
        def __init__(self, hidden_layer_sizes=(3,)):
            super().__init__(hidden_layer_sizes=hidden_layer_sizes)

    defaults = parameter_defaults(Fixed)
    assert defaults["hidden_layer_sizes"] == (3,)
    assert defaults["alpha"] == ScratchMLPRegressor().alpha


@pytest.mark.parametrize("cls", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_both_estimators_share_the_base_and_its_constraints(cls):
    assert issubclass(cls, BaseScratchMLP)
    for name in parameter_defaults(cls):
        assert name in cls._parameter_constraints


@pytest.mark.parametrize(
    "cv_class, network",
    [
        (ScratchMLPClassifierCV, ScratchMLPClassifier),
        (ScratchMLPRegressorCV, ScratchMLPRegressor),
    ],
)
def test_a_cv_estimator_has_its_networks_defaults(cv_class, network):
    # scoring is the search's (its default held-out score), alpha and
    # warm_start are not taken; every other parameter defaults as the network.
    ours, theirs = cv_class().get_params(), network().get_params()
    differing = {name for name in ours if name in theirs and ours[name] != theirs[name]}
    assert differing <= {"scoring"}
