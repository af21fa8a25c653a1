"""The search the CV estimators share (``_cv_search.py``): dropping penalties,
the choice, the held-out outputs and what each estimator adds to the search."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_moons

from sknnscratch import (
    ScratchMLPClassifier,
    ScratchMLPClassifierCV,
    ScratchMLPRegressor,
    ScratchMLPRegressorCV,
)
from sknnscratch._cv_search import (
    NOT_TAKEN,
    _check_saved_selection,
    _dropped,
    _PathResults,
    _selection,
    cv_parameter_constraints,
    held_out_logits,
)


def test_after_the_first_folds_only_the_best_and_its_neighbours_stay():
    scores = np.array([[0.1, 0.2], [0.5, 0.6], [0.9, 0.8], [0.4, 0.3], [0.0, 0.1]])
    np.testing.assert_array_equal(_dropped(scores), [True, False, False, False, True])
    np.testing.assert_array_equal(_dropped(scores[:, :1]), False)  # one fold: wait


def test_the_choice_is_the_best_mean_over_complete_finite_folds():
    path = _PathResults(3, 3)
    path.scores[:] = [[-1.0, -1.0, -1.0], [-0.5, np.nan, -0.5], [-0.8, -0.7, -0.9]]
    path.ran[:] = True
    with pytest.warns(UserWarning, match=r"non-finite held-out scores for alpha \[1"):
        chosen = _selection(np.array([0.1, 1.0, 10.0]), path, np.ones(3, bool), "s")
    assert chosen["alpha_"] == 10.0 and chosen["best_index_"] == 2
    np.testing.assert_array_equal(chosen["cv_results_"]["rank_test_score"], [2, 3, 1])
    assert chosen["best_score_"] == pytest.approx(-0.8)


@pytest.mark.parametrize(
    "cv_class, network_class",
    [
        (ScratchMLPClassifierCV, ScratchMLPClassifier),
        (ScratchMLPRegressorCV, ScratchMLPRegressor),
    ],
)
def test_each_cv_estimator_takes_its_networks_parameters(cv_class, network_class):
    search = {"alphas", "cv", "n_jobs", "refit"}
    network = set(network_class().get_params()) - set(NOT_TAKEN)
    assert set(cv_class().get_params()) == network | search
    assert set(cv_parameter_constraints(network_class)) == network | search
    assert cv_class._parameter_constraints.keys() == (
        cv_parameter_constraints(network_class).keys()
    )
    with pytest.raises(AttributeError) as error:
        cv_class().partial_fit  # noqa: B018
    message = str(error.value.__cause__)
    assert f"{cv_class.__name__} has no partial_fit" in message
    assert f"Use {network_class.__name__}(alpha=model.alpha_)" in message


@pytest.mark.parametrize("cv_class", [ScratchMLPClassifierCV, ScratchMLPRegressorCV])
def test_held_out_outputs_are_those_predict_computes(cv_class):
    X, y = make_moons(n_samples=60, noise=0.2, random_state=0)
    model = cv_class(alphas=[0.1], cv=2, random_state=0).fit(X, y)
    frame = pd.DataFrame(X, columns=["a", "b"])
    np.testing.assert_array_equal(
        held_out_logits(model, X), model._logits(X, "predict")
    )
    named = cv_class(alphas=[0.1], cv=2, random_state=0).fit(frame, y)
    np.testing.assert_array_equal(
        held_out_logits(named, frame), named._logits(frame, "predict")
    )


def test_a_saved_choice_must_be_one_of_the_saved_penalties():
    state = {
        "alpha_": 1.0,
        "alphas_": np.array([0.1, 1.0]),
        "scores_": np.zeros((2, 3)),
    }
    _check_saved_selection(state)  # consistent
    _check_saved_selection({})  # nothing chosen: nothing to check
    with pytest.raises(ValueError, match="alphas_ is .*not a 1-D float array"):
        _check_saved_selection({**state, "alphas_": [0.1, 1.0]})
    with pytest.raises(ValueError, match="scores_ is .*one row of scores per alpha"):
        _check_saved_selection({**state, "scores_": np.zeros((3, 3))})
    with pytest.raises(ValueError, match="alpha_=2.0 is not one of alphas_"):
        _check_saved_selection({**state, "alpha_": 2.0})
