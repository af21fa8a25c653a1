"""The plain data of a saved model (``_plain_data.py``): each form read back.

Every ``*_to_plain`` (or packing) function is read back exactly by its
counterpart, 0.1.0's forms are read as well, and each refusal names the value
and what is wrong with it.
"""

import copy

import numpy as np
import pytest

from sknnscratch._optimizers import SGD, Adam
from sknnscratch._plain_data import (
    HISTORY_COLUMNS,
    curve_from_plain,
    curve_to_array,
    describe,
    history_from_plain,
    history_to_array,
    is_integer,
    is_real,
    optimizer_from_plain,
    optimizer_to_plain,
    pack_numbers,
    random_state_from_numbers,
    random_state_from_plain,
    random_state_to_numbers,
    unpack_numbers,
)

# ------------------------------------------------------------ small checks


@pytest.mark.parametrize(
    "value, integer, real",
    [
        (3, True, True),
        (np.int32(-3), True, True),
        (np.uint64(2**63), True, True),
        (2.5, False, True),
        (np.float32(0.5), False, True),
        (float("nan"), False, True),
        (True, False, False),
        (np.bool_(False), False, False),
        ("3", False, False),
        (None, False, False),
        (np.array(3), False, False),
    ],
)
def test_integers_and_reals_exclude_booleans(value, integer, real):
    assert is_integer(value) is integer
    assert is_real(value) is real


def test_a_description_names_an_array_by_dtype_and_shape_and_shortens_others():
    assert describe(np.zeros((2, 3), np.float32)) == (
        "an array of dtype float32 and shape (2, 3)"
    )
    assert describe({"a": 1}) == "dict {'a': 1}"
    long = describe("x" * 100)
    assert long.startswith("str 'xxx") and long.endswith("...")
    assert len(long) == len("str ") + 60


# ---------------------------------------------------------------- numbers


def test_numbers_round_trip_with_their_types_dtypes_and_shapes():
    numbers = {
        "count": 7,
        "loss": 0.25,
        "best": np.inf,
        "small": np.float32(1.5),
        "order": np.array([2, 0, 1]),
        "theta": np.arange(6, dtype=np.float32).reshape(2, 3),
    }
    packed = pack_numbers(numbers)
    assert packed.shape == () and packed.dtype.names == tuple(numbers)
    back = unpack_numbers(packed, "numbers")
    assert list(back) == list(numbers)
    assert type(back["count"]) is int and back["count"] == 7
    assert type(back["loss"]) is float and back["loss"] == 0.25
    assert back["best"] == np.inf
    assert type(back["small"]) is np.float32 and back["small"] == 1.5
    for name in ("order", "theta"):
        np.testing.assert_array_equal(back[name], numbers[name])
        assert back[name].dtype == numbers[name].dtype
    back["order"][0] = 99  # a copy, not a view into the packed array
    assert packed["order"][0] == 2


@pytest.mark.parametrize(
    "packed",
    [
        {"count": 7},
        np.zeros(3),
        np.zeros(2, dtype=[("count", np.int64)]),  # 1-D, not one record
        np.zeros((), dtype=[("name", "U3")]),  # not numbers
    ],
    ids=["a dict", "plain array", "1-D record array", "strings"],
)
def test_unpacking_refuses_anything_but_one_record_of_numbers(packed):
    with pytest.raises(ValueError, match="^numbers must be a 0-d structured array"):
        unpack_numbers(packed, "numbers")


# ------------------------------------------------------------------ curves


def test_a_curve_is_saved_as_floats_and_read_back_as_a_list_of_floats():
    assert curve_to_array(None) is None
    array = curve_to_array([1, 0.5, np.float32(0.25)])
    assert array.dtype == np.float64
    np.testing.assert_array_equal(array, [1.0, 0.5, 0.25])
    back = curve_from_plain(array, "loss_curve_")
    assert back == [1.0, 0.5, 0.25] and all(type(v) is float for v in back)
    assert curve_from_plain(np.array([3, 2], dtype=np.int64), "c") == [3.0, 2.0]
    assert curve_from_plain(None, "c") is None


def test_a_curve_of_0_1_0_is_a_list_of_numbers():
    assert curve_from_plain([0.5, 0.25], "c") == [0.5, 0.25]
    assert curve_from_plain((0.5, 1), "c") == [0.5, 1]


@pytest.mark.parametrize(
    "curve, message",
    [
        (np.zeros((2, 2)), "1-D array of numbers, got an array of dtype float64"),
        (np.array(["a", "b"]), "1-D array of numbers, got an array of dtype <U1"),
        ([0.5, "0.25"], "list of numbers, got list"),
        ([0.5, True], "list of numbers, got list"),
        ("0.5", "list of numbers, got str"),
    ],
)
def test_a_curve_of_anything_else_is_refused_by_name(curve, message):
    with pytest.raises(ValueError, match=f"^loss_curve_ must be a {message}"):
        curve_from_plain(curve, "loss_curve_")


# ----------------------------------------------------------------- history


def _history():
    return [
        {
            "epoch": 1,
            "train_loss": 0.75,
            "validation_loss": None,
            "validation_score": np.nan,
            "learning_rate": 0.001,
            "seconds": 0.5,
            "improved": True,
        },
        {
            "epoch": 2,
            "train_loss": 0.5,
            "validation_loss": 0.625,
            "validation_score": 0.5,
            "learning_rate": None,
            "seconds": 1,
            "improved": False,
        },
    ]


def test_a_history_is_a_record_array_with_a_field_per_column():
    records = history_to_array(_history())
    assert records.shape == (2,)
    assert records.dtype.names == (
        "epoch",
        "train_loss",
        "validation_loss",
        "validation_loss is None",
        "validation_score",
        "learning_rate",
        "learning_rate is None",
        "seconds",
        "improved",
    )
    assert records.dtype["epoch"] == np.int64
    assert records.dtype["improved"] == np.bool_
    assert records.dtype["seconds"] == np.float64  # an int among floats
    np.testing.assert_array_equal(records["validation_loss is None"], [True, False])


def test_a_history_round_trips_with_none_apart_from_nan():
    history = _history()
    back = history_from_plain(history_to_array(history), "history_")
    assert [list(row) for row in back] == [list(row) for row in history]
    assert back[0]["validation_loss"] is None and back[1]["learning_rate"] is None
    assert np.isnan(back[0]["validation_score"])
    assert back[1]["validation_score"] == 0.5 and back[1]["seconds"] == 1.0
    assert type(back[0]["epoch"]) is int and back[0]["improved"] is True


def test_an_empty_history_round_trips():
    records = history_to_array([])
    assert records.shape == (0,) and records.dtype.names == HISTORY_COLUMNS
    assert history_from_plain(records, "history_") == []


@pytest.mark.parametrize(
    "history",
    [
        [{"epoch": 1, "note": "warm start"}],
        [{"epoch": 1}, {"epoch": 2, "seconds": 0.5}],
        [{"epoch": 2**63}],
        [{"epoch": 2**53 + 1}, {"epoch": 0.5}],
        [{"epoch 1 is None": 1}],
        [{1: 0.5}],
    ],
    ids=[
        "a string value",
        "rows with other keys",
        "an integer past int64",
        "an integer a float64 would round",
        "a column named like a mark",
        "a key that is not a string",
    ],
)
def test_a_history_a_record_array_cannot_hold_stays_a_list(history):
    saved = history_to_array(history)
    assert saved == history and saved is not history


def test_a_history_of_0_1_0_is_a_list_of_dicts_and_is_copied():
    history = _history()
    back = history_from_plain(history, "history_")
    assert back == history and back[0] is not history[0]
    back[0]["epoch"] = 99
    assert history[0]["epoch"] == 1


@pytest.mark.parametrize(
    "history, message",
    [
        ([{"epoch": 1}, 2], "must be a list of dicts, got list"),
        ([{1: 0.5}], "must be a list of dicts, got list"),
        (np.zeros(2), "must be a record array of numbers, got an array"),
        (
            np.zeros(2, dtype=[("epoch", np.int64), ("note", "U4")]),
            "must be a record array of numbers",
        ),
        (
            np.zeros(2, dtype=[("epoch", np.int64), ("seconds is None", bool)]),
            "marks None values of unknown columns",
        ),
        ("epoch", "must be a record array of numbers, got str"),
    ],
)
def test_a_history_of_anything_else_is_refused_by_name(history, message):
    with pytest.raises(ValueError, match=f"^history_ {message}"):
        history_from_plain(history, "history_")


# ----------------------------------------------------------- random states


def test_a_random_state_round_trips_through_packed_numbers():
    rng = np.random.RandomState(3)
    rng.normal(size=3)  # a cached gaussian too
    numbers = random_state_to_numbers(rng.get_state(), "rng")
    unpacked = unpack_numbers(pack_numbers(numbers), "numbers")
    state = random_state_from_numbers(unpacked, "rng")
    assert unpacked == {}  # its numbers taken out of the dict
    restored = np.random.RandomState()
    restored.set_state(state)
    np.testing.assert_array_equal(restored.normal(size=5), rng.normal(size=5))


def test_a_random_state_without_one_of_its_numbers_is_refused_by_name():
    numbers = random_state_to_numbers(np.random.RandomState(0).get_state(), "rng")
    del numbers["rng.pos"]
    with pytest.raises(ValueError, match="^rng lacks its 'rng.pos'"):
        random_state_from_numbers(numbers, "rng")


@pytest.mark.parametrize("as_list", [False, True])
def test_a_saved_get_state_tuple_is_a_random_state_again(as_list):
    rng = np.random.RandomState(5)
    rng.uniform(size=2)
    state = rng.get_state()
    restored = random_state_from_plain(list(state) if as_list else state, "rng")
    assert isinstance(restored, np.random.RandomState)
    np.testing.assert_array_equal(restored.uniform(size=4), rng.uniform(size=4))


def _mt_state():
    return np.random.RandomState(0).get_state()


@pytest.mark.parametrize(
    "state",
    [
        None,
        ("PCG64", *_mt_state()[1:]),
        (_mt_state()[0], _mt_state()[1][:10], *_mt_state()[2:]),
        (_mt_state()[0], _mt_state()[1].astype(float), *_mt_state()[2:]),
        _mt_state()[:4],
        (*_mt_state()[:2], "pos", *_mt_state()[3:]),
    ],
    ids=[
        "None",
        "another algorithm",
        "a short key",
        "a float key",
        "four parts",
        "a position that is text",
    ],
)
def test_anything_but_a_mersenne_twister_state_is_refused_by_name(state):
    with pytest.raises(ValueError, match="^split_state must be numpy.random"):
        random_state_from_plain(state, "split_state")


# -------------------------------------------------------------- optimisers


def _sgd(dtype=np.float64):
    settings = ("sgd", 0.1, "invscaling", 0.9, True, 0.5)
    sgd = SGD(5, np.dtype(dtype), *settings[1:])
    sgd.key = (settings, 5, np.dtype(dtype))
    sgd.step(np.zeros(5, dtype), np.arange(5, dtype=dtype))
    sgd.epoch_ends(50)
    return sgd


def _adam(dtype=np.float64):
    settings = ("adam", 0.01, 0.9, 0.999, 1e-8)
    adam = Adam(5, np.dtype(dtype), *settings[1:])
    adam.key = (settings, 5, np.dtype(dtype))
    for _ in range(3):
        adam.step(np.zeros(5, dtype), np.arange(5, dtype=dtype))
    return adam


OPTIMIZERS = {"sgd": _sgd, "adam": _adam}


def _assert_same_optimizer(got, expected):
    assert type(got) is type(expected) and got.key == expected.key
    for a, b in zip(got.snapshot(), expected.snapshot(), strict=True):
        np.testing.assert_array_equal(a, b)
        assert type(a) is type(b) and np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_an_optimizer_round_trips_and_steps_on_the_same(kind, dtype):
    optimizer = OPTIMIZERS[kind](dtype)
    plain = optimizer_to_plain(optimizer)
    assert set(plain) == {"class", "settings", "n_params", "dtype", "snapshot"}
    assert plain["dtype"] == np.dtype(dtype).name
    restored = optimizer_from_plain(copy.deepcopy(plain))
    _assert_same_optimizer(restored, optimizer)
    theta, again = np.ones(5, dtype), np.ones(5, dtype)
    optimizer.step(theta, np.full(5, 0.5, dtype))
    restored.step(again, np.full(5, 0.5, dtype))
    np.testing.assert_array_equal(again, theta)


def test_no_optimizer_or_one_without_settings_is_saved_as_none():
    assert optimizer_to_plain(None) is None
    bare = Adam(5, np.dtype(np.float64), 0.01, 0.9, 0.999, 1e-8)
    assert optimizer_to_plain(bare) is None  # never continued: no settings
    bare.key = (("adam", 0.01, 0.9, 0.999, 1e-8), 5, np.dtype(np.float64))
    assert optimizer_to_plain(bare)["class"] == "Adam"
    assert optimizer_from_plain(None) is None


@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_an_optimizer_of_0_1_0_is_read_from_its_attributes(kind):
    optimizer = OPTIMIZERS[kind]()
    settings, n_params, dtype = optimizer.key
    saved = {
        "class": type(optimizer).__name__,
        "state": {**vars(optimizer), "key": [list(settings), n_params, dtype.name]},
    }
    _assert_same_optimizer(optimizer_from_plain(saved), optimizer)
    saved["state"]["key"] = None  # an optimiser 0.1.0 would not continue
    assert optimizer_from_plain(saved) is None


def _changed(kind, **changes):
    return {**optimizer_to_plain(OPTIMIZERS[kind]()), **changes}


@pytest.mark.parametrize(
    "data, message",
    [
        (5, "optimizer must be an 'SGD' or 'Adam' optimiser, got int 5"),
        ({"class": "RMSprop"}, "optimizer must be an 'SGD' or 'Adam' optimiser"),
        (
            {"class": "Adam", "settings": ["adam"]},
            "optimizer lacks 'n_params'",
        ),
        ({"class": "SGD", "state": 5}, "optimizer's state must be a dict, got int"),
        (
            {"class": "SGD", "state": {"key": [["sgd"], 5, "float64"]}},
            "optimizer's state lacks 'velocity'",
        ),
        (
            _changed("adam", settings=["sgd", 0.1, "constant", 0.9, True, 0.5]),
            "a Adam optimiser's settings start with 'adam'",
        ),
        (
            _changed("sgd", settings=["sgd", 0.1, "bogus", 0.9, True, 0.5]),
            r"\['sgd', 0.1, 'bogus', 0.9, True, 0.5\] are not the settings of a "
            r"SGD optimiser \('sgd', learning rate, schedule",
        ),
        (
            _changed("adam", settings=["adam", 0.01, "0.9", 0.999, 1e-8]),
            "are not the settings of a Adam optimiser",
        ),
        (
            _changed("adam", dtype="int64"),
            "n_params=5 and dtype='int64' must be a count and 'float32' or",
        ),
        (_changed("sgd", n_params=-1), "n_params=-1 and dtype='float64'"),
        (_changed("sgd", n_params=5.0), "n_params=5.0 and dtype='float64'"),
        (
            _changed("adam", snapshot=[np.zeros((2, 5))]),
            r"a Adam state has 3 parts \('moments', 't', 'learning_rate'\)",
        ),
        (
            _changed("sgd", snapshot=[np.zeros(4), 0.1]),
            "SGD's velocity must be an array of dtype float64 and shape",
        ),
        (
            _changed("sgd", snapshot=[np.zeros(5, np.float32), 0.1]),
            r"SGD's velocity must be an array of dtype float64 and shape \(5,\) "
            r"\(its settings give 5 parameters of float64\), got an array of "
            "dtype float32",
        ),
        (
            _changed("adam", snapshot=[np.zeros((2, 5)), 2.0, 0.01]),
            "Adam's t must be an integer .* got float 2.0",
        ),
        (
            _changed("adam", snapshot=[np.zeros((2, 5)), 2, "0.01"]),
            "Adam's learning_rate must be a number .* got str '0.01'",
        ),
    ],
    ids=[
        "not a dict",
        "an unknown class",
        "missing parts",
        "0.1.0, state not a dict",
        "0.1.0, state without its arrays",
        "settings of another kind",
        "an unknown schedule",
        "a setting that is text",
        "an integer dtype",
        "a negative size",
        "a size that is a float",
        "a state of one part",
        "moments of another shape",
        "moments of another dtype",
        "a step count that is a float",
        "a rate that is text",
    ],
)
def test_an_optimizer_that_cannot_be_continued_is_refused_by_name(data, message):
    with pytest.raises(ValueError, match=message) as refusal:
        optimizer_from_plain(data, "optimizer")
    assert str(refusal.value).startswith("optimizer")
