"""The training state (``_state.py``): copies, checkpoints, plain data."""

import numpy as np
import pytest

from sknnscratch._optimizers import SGD, Adam
from sknnscratch._state import TrainingState


def _state(optimizer=None):
    rng = np.random.RandomState(0)
    state = TrainingState.fresh([3, 2, 1], rng.normal(size=11), rng)
    state.optimizer = optimizer
    state.shuffle_order = np.arange(10)
    state.loss_curve, state.history = [0.9, 0.8], [{"epoch": 1}, {"epoch": 2}]
    state.validation_scores, state.validation_loss_curve = [0.5, 0.6], [0.7, 0.6]
    state.t, state.n_iter, state.loss = 20, 2, 0.8
    return state


def _adam():
    adam = Adam(11, np.float64, 0.01, 0.9, 0.999, 1e-8)
    adam.step(np.zeros(11), np.ones(11))
    return adam


def test_a_copy_is_independent():
    state = _state(_adam())
    copied = state.copy()
    copied.theta += 1
    copied.loss_curve.append(0.7)
    copied.optimizer.step(copied.theta, np.ones(11))
    copied.rng.shuffle(copied.shuffle_order)
    assert state.loss_curve == [0.9, 0.8] and state.optimizer.t == 1
    assert not np.array_equal(state.theta, copied.theta)
    np.testing.assert_array_equal(state.shuffle_order, np.arange(10))


@pytest.mark.parametrize("optimizer", [None, "sgd", "adam"])
def test_rollback_returns_to_the_checkpoint(optimizer):
    make = {None: lambda: None, "adam": _adam}
    make["sgd"] = lambda: SGD(11, np.float64, 0.1, "invscaling", 0.9, True, 0.5)
    state = _state(make[optimizer]())
    theta = state.theta.copy()
    point = state.checkpoint()
    # A step that completes half its bookkeeping.
    if state.optimizer is not None:
        state.optimizer.step(state.theta, np.ones(11))
        state.optimizer.epoch_ends(1000)
    state.theta += 3
    state.loss_curve.append(0.1)
    state.validation_scores.append(0.9)
    state.t, state.n_iter, state.best_theta = 30, 3, state.theta.copy()
    state.rollback(point)
    np.testing.assert_array_equal(state.theta, theta)
    assert state.loss_curve == [0.9, 0.8] and state.validation_scores == [0.5, 0.6]
    assert (state.t, state.n_iter, state.best_theta) == (20, 2, None)
    if optimizer is not None:
        fresh = make[optimizer]()
        assert state.optimizer.learning_rate == fresh.learning_rate
        assert getattr(state.optimizer, "t", 1) == getattr(fresh, "t", 1)


def test_replayed_shuffles_equal_the_epochs_shuffles():
    state = _state()
    rng_state, order = state.rng.get_state(), state.shuffle_order.copy()
    for _ in range(3):
        state.rng.shuffle(state.shuffle_order)
    expected_order = state.shuffle_order.copy()
    expected_draw = state.rng.randint(10**6)
    state.rng.shuffle(state.shuffle_order)  # an epoch that did not complete
    state.replay_shuffles(rng_state, order, n_epochs=3)
    np.testing.assert_array_equal(state.shuffle_order, expected_order)
    assert state.rng.randint(10**6) == expected_draw


def test_plain_data_round_trip():
    state = _state(_adam())
    state.best_theta = state.theta * 2
    restored = TrainingState.from_dict(state.to_dict())
    for name, value in vars(state).items():
        other = getattr(restored, name)
        if name == "rng":
            assert other.randint(10**6) == value.randint(10**6)
        elif name == "optimizer":
            np.testing.assert_array_equal(other.moments, value.moments)
            assert other.t == value.t
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(other, value)
        else:
            assert other == value, name
