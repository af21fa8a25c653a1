"""The training state (``_state.py``): copies, checkpoints, plain data."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

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
    adam.key = (("adam", 0.01, 0.9, 0.999, 1e-8), 11, np.dtype(np.float64))
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


def test_a_copied_random_stream_continues_as_the_original():
    state = _state()
    state.rng.normal(size=3)  # a position inside the stream
    copied = state.copy()
    assert copied.rng is not state.rng
    np.testing.assert_array_equal(copied.rng.normal(size=5), state.rng.normal(size=5))


def test_only_lbfgs_calls_share_the_stream_and_none_advances_it():
    from sklearn.datasets import make_classification

    from sknnscratch import ScratchMLPClassifier

    X, y = make_classification(120, 5, random_state=0)
    model = ScratchMLPClassifier(
        solver="lbfgs", warm_start=True, max_iter=5, random_state=0
    )
    with pytest.warns(Warning):
        model.fit(X, y)
        first = model._training_state
        stream = first.rng.get_state()
        model.fit(X, y)  # L-BFGS draws nothing: the stream is shared
        assert model._training_state.rng is first.rng
        model.set_params(solver="sgd").fit(X, y)  # shuffles: on its own copy
    assert model._training_state.rng is not first.rng
    after = first.rng.get_state()
    np.testing.assert_array_equal(after[1], stream[1])
    assert after[2] == stream[2]


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


def _sgd():
    settings = ("sgd", 0.1, "invscaling", 0.9, True, 0.5)
    sgd = SGD(11, np.float64, *settings[1:])
    sgd.key = (settings, 11, np.dtype(np.float64))
    sgd.step(np.zeros(11), np.ones(11))
    sgd.epoch_ends(100)
    return sgd


def _assert_same_state(restored, state):
    for name, value in vars(state).items():
        other = getattr(restored, name)
        if name == "rng":
            assert other.randint(10**6) == value.randint(10**6)
        elif name == "split_state":
            assert other[0] == value[0] and other[2:] == value[2:]
            np.testing.assert_array_equal(other[1], value[1])
        elif name == "optimizer" and value is not None:
            assert type(other) is type(value) and other.key == value.key
            for a, b in zip(other.snapshot(), value.snapshot(), strict=True):
                np.testing.assert_array_equal(a, b)
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(other, value)
        else:  # repr: the same types, and NaN where NaN was
            assert repr(other) == repr(value), name


@pytest.mark.parametrize("optimizer", [None, _sgd, _adam])
def test_plain_data_round_trip(optimizer):
    state = _state(optimizer and optimizer())
    state.best_theta = state.theta * 2
    state.history = [
        {"epoch": 1, "train_loss": 0.9, "validation_loss": None, "seconds": 0.5},
        {"epoch": 2, "train_loss": 0.8, "validation_loss": np.nan, "seconds": 0.25},
    ]
    state.objective = (2.5, "None")
    restored = TrainingState.from_dict({**state.to_dict(), "theta": state.theta})
    _assert_same_state(restored, state)
    assert np.isnan(restored.history[1]["validation_loss"])


def test_the_plain_data_holds_arrays_not_lists_of_numbers():
    state = _state(_adam())
    state.history = [
        {"epoch": k, "train_loss": 1.0 / k, "validation_loss": None} for k in (1, 2)
    ]
    data = state.to_dict()
    assert "theta" not in data  # saved once, as the model's weights
    for name in ("loss_curve", "validation_scores", "validation_loss_curve"):
        assert isinstance(data[name], np.ndarray) and data[name].dtype == np.float64
    history = data["history"]
    assert history.dtype.names == (
        "epoch",
        "train_loss",
        "validation_loss",
        "validation_loss is None",
    )
    assert history["epoch"].dtype == np.int64
    np.testing.assert_array_equal(history["train_loss"], [1.0, 0.5])
    np.testing.assert_array_equal(history["validation_loss is None"], [True, True])
    numbers = data["numbers"]
    assert numbers.shape == () and numbers["t"] == 20
    np.testing.assert_array_equal(numbers["shuffle_order"], np.arange(10))
    assert "best_theta" not in numbers.dtype.names  # None: left out
    assert set(data["optimizer"]) == {
        "class",
        "settings",
        "n_params",
        "dtype",
        "snapshot",
    }


def test_a_history_that_is_not_a_table_of_numbers_is_kept_as_it_is():
    state = _state()
    state.history = [{"epoch": 1, "note": "warm"}, {"epoch": 2, "note": None}]
    assert state.to_dict()["history"] == state.history
    state.history = [{"epoch": 1}, {"epoch": 2, "extra": 1.0}]
    data = {**state.to_dict(), "theta": state.theta}
    assert TrainingState.from_dict(data).history == state.history


def test_a_history_column_of_booleans_is_a_boolean_field():
    state = _state()
    state.history = [
        {"epoch": 1, "best": True, "score": None},
        {"epoch": 2, "best": False, "score": 0.5},
    ]
    history = state.to_dict()["history"]
    assert history.dtype["best"] == np.bool_
    restored = TrainingState.from_dict({**state.to_dict(), "theta": state.theta})
    assert repr(restored.history) == repr(state.history)


def test_a_warm_start_on_another_objective_tracks_its_improvement_anew():
    from sklearn.datasets import make_classification

    from sknnscratch import ScratchMLPClassifier

    X, y = make_classification(300, 8, random_state=0)
    params = dict(solver="adam", learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ScratchMLPClassifier(alpha=0.1, warm_start=True, **params).fit(X, y)
        model.set_params(alpha=10).fit(X, y)
        cold = ScratchMLPClassifier(alpha=10, **params).fit(X, y)
    # The best loss of the weaker penalty no longer stops it after
    # n_iter_no_change + 1 epochs: it trains to about the cold fit's loss.
    assert model.n_iter_ > model.n_iter_no_change + 1
    assert model.best_loss_ <= model.loss_
    assert model.loss_ == pytest.approx(cold.loss_, rel=0.05)
