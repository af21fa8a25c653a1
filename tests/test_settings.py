"""A call's settings (``_settings.py``): read once from the parameters, frozen,
with the solver and the batch rule decided there."""

import dataclasses

import numpy as np
import pytest

from sknnscratch import ScratchMLPClassifier
from sknnscratch._settings import (
    AdamSettings,
    SGDSettings,
    batch_rows,
    hidden_layer_widths,
    optimizer_key,
    training_settings,
)


def _settings(incremental=False, n_samples=300, **params):
    estimator = ScratchMLPClassifier(**params)
    return training_settings(
        estimator.get_params(),
        n_samples=n_samples,
        n_features=13,
        n_outputs=1,
        incremental=incremental,
        scorer_for=lambda scoring: ("scorer", scoring),
    )


def test_settings_are_frozen():
    settings = _settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.solver = "sgd"
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.objective.alpha = 0.0


def test_the_solver_and_its_settings_are_decided_once():
    assert _settings().solver == "lbfgs" and _settings().optimizer is None
    adam = _settings(incremental=True)
    assert adam.solver == "adam"
    assert adam.optimizer == AdamSettings(0.001, 0.9, 0.999, 1e-8)
    sgd = _settings(solver="sgd", momentum=0.5, learning_rate="adaptive")
    assert sgd.optimizer == SGDSettings(0.001, "adaptive", 0.5, True, 0.5)
    assert _settings(n_samples=10**6).solver == "adam"  # too large for L-BFGS
    assert _settings().units == [13, 8, 1]
    assert _settings(hidden_layer_sizes=(5, 3)).units == [13, 5, 3, 1]


def test_optimizer_keys_keep_the_saved_layout():
    # The tuples saved optimisers record (see _plain_data): name, then values.
    assert optimizer_key(SGDSettings(0.1, "constant", 0.9, True, 0.5)) == (
        "sgd", 0.1, "constant", 0.9, True, 0.5,
    )  # fmt: skip
    assert optimizer_key(AdamSettings(0.01, 0.9, 0.999, 1e-8)) == (
        "adam", 0.01, 0.9, 0.999, 1e-8,
    )  # fmt: skip


def test_early_stopping_settings_only_where_the_call_stops_early():
    assert _settings(early_stopping=True, solver="lbfgs").early_stopping is None
    assert _settings(early_stopping=True, incremental=True).early_stopping is None
    plain = _settings(early_stopping=True).early_stopping
    assert plain.scoring is None and plain.scorer is None
    assert _settings(early_stopping=True, scoring="loss").early_stopping.scorer is None
    scored = _settings(early_stopping=True, scoring="roc_auc").early_stopping
    assert scored.scorer == ("scorer", "roc_auc")


def test_the_objective_key_is_what_saved_states_record():
    settings = _settings(alpha=3, class_weight={0: 2.0})
    assert settings.objective.key == (3.0, "{0: 2.0}")
    assert settings.max_steps == 3001  # L-BFGS opens one step more
    assert _settings(incremental=True).max_steps == 1


@pytest.mark.parametrize(
    "batch_size, n, expected", [("auto", 50, 50), ("auto", 500, 200), (64, 500, 64)]
)
def test_the_one_batch_rule(batch_size, n, expected):
    assert batch_rows(batch_size, n) == expected
    assert batch_rows(1000, 30) == 30


@pytest.mark.parametrize(
    "sizes, expected",
    [((8,), (8,)), (5, (5,)), (np.array(4), (4,)), ([], ()), ([3, 2], (3, 2))],
)
def test_hidden_layer_widths(sizes, expected):
    assert hidden_layer_widths(sizes) == expected


def test_hidden_layer_widths_refuse_non_positive_sizes():
    with pytest.raises(ValueError, match="positive integers"):
        hidden_layer_widths((8, 0))
