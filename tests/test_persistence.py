"""Saving and loading (``_persistence.py``): pickle, joblib, deepcopy, skops.

A round trip keeps the whole training state, so training resumes bit for bit;
the package version travels with the model; a model whose arrays were
altered is refused with a clear error.
"""

import copy
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknnscratch
from sknnscratch import ScratchMLPClassifier
from sknnscratch._persistence import VERSION_KEY, SknnscratchVersionWarning
from sknnscratch._plain_data import pack_numbers

CLASS_PATH = "sknnscratch._classifier.ScratchMLPClassifier"
X, y = make_classification(200, 8, n_informative=5, random_state=0)
MODELS = {
    "lbfgs": dict(solver="lbfgs"),
    "adam, early stopping": dict(solver="adam", early_stopping=True),
    "sgd, class_weight": dict(solver="sgd", class_weight={0: 1.0, 1: 2.0}),
}


def _quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return call(*args, **kwargs)


def _fitted(name, **extra):
    model = ScratchMLPClassifier(random_state=0, max_iter=20, **MODELS[name], **extra)
    return _quiet(model.fit, X, y)


def _skops_round_trip(model):
    sio = pytest.importorskip("skops.io")
    data = sio.dumps(model)
    assert sio.get_untrusted_types(data=data) == [CLASS_PATH]
    return sio.loads(data, trusted=[CLASS_PATH])


def _joblib_round_trip(model):
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


ROUND_TRIPS = {
    "pickle": lambda model: pickle.loads(pickle.dumps(model)),
    "joblib": _joblib_round_trip,
    "deepcopy": copy.deepcopy,
    "skops": _skops_round_trip,
}


@pytest.mark.parametrize("trip", list(ROUND_TRIPS))
@pytest.mark.parametrize("name", list(MODELS))
def test_a_round_trip_predicts_the_same(trip, name):
    model = _fitted(name)
    restored = ROUND_TRIPS[trip](model)
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert restored.get_params() == model.get_params()
    assert restored.history_ == model.history_


@pytest.mark.parametrize("trip", list(ROUND_TRIPS))
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_training_resumes_bit_for_bit_after_a_round_trip(trip, solver):
    settings = dict(solver=solver, warm_start=True, random_state=0, batch_size=32)
    once = _quiet(ScratchMLPClassifier(max_iter=20, **settings).fit, X, y)
    half = _quiet(ScratchMLPClassifier(max_iter=10, **settings).fit, X, y)
    twice = _quiet(ROUND_TRIPS[trip](half).fit, X, y)
    for a, b in zip(twice.coefs_, once.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert twice.loss_curve_ == once.loss_curve_
    # partial_fit continues the same way.
    streamed = ROUND_TRIPS[trip](twice).partial_fit(X, y)
    twice.partial_fit(X, y)
    np.testing.assert_array_equal(streamed.coefs_[0], twice.coefs_[0])


def test_pickling_never_changes_the_model():
    model = _fitted("adam, early stopping")
    before = dict(vars(model))
    pickle.dumps(model)
    copy.deepcopy(model)
    assert vars(model).keys() == before.keys()
    assert all(vars(model)[k] is v for k, v in before.items())


def test_the_model_stores_plain_data_only():
    allowed = (np.ndarray, np.generic, int, float, str, bool, type(None))

    def plain(value):
        if isinstance(value, list | tuple):
            return all(plain(item) for item in value)
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        return isinstance(value, allowed)

    for name in MODELS:
        model = _fitted(name)
        for attribute, value in model.__getstate__().items():
            # the binarizer is a scikit-learn object; parameters are the user's
            if attribute != "_label_binarizer" and attribute not in model.get_params():
                assert plain(value), attribute


def test_a_pipeline_round_trip_needs_only_the_class_trusted():
    sio = pytest.importorskip("skops.io")
    pipeline = make_pipeline(StandardScaler(), ScratchMLPClassifier(random_state=0))
    pipeline.fit(X, y)
    data = sio.dumps(pipeline)
    assert sio.get_untrusted_types(data=data) == [CLASS_PATH]
    for restored in (
        sio.loads(data, trusted=[CLASS_PATH]),
        pickle.loads(pickle.dumps(pipeline)),
    ):
        np.testing.assert_array_equal(
            restored.predict_proba(X), pipeline.predict_proba(X)
        )


def test_the_package_version_is_stored_and_checked():
    model = _fitted("lbfgs")
    state = model.__getstate__()
    assert state[VERSION_KEY] == sknnscratch.__version__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(pickle.dumps(model))  # the same version: no warning
    restored = ScratchMLPClassifier.__new__(ScratchMLPClassifier)
    with pytest.warns(SknnscratchVersionWarning, match="saved by sknnscratch 0.0.1"):
        restored.__setstate__({**state, VERSION_KEY: "0.0.1"})
    with pytest.warns(InconsistentVersionWarning, match="sknnscratch"):
        restored.__setstate__({**state, VERSION_KEY: "0.0.1"})
    with pytest.warns(InconsistentVersionWarning, match="1.0.0"):
        restored.__setstate__({**state, "_sklearn_version": "1.0.0"})


def _tampered(change):
    model = _fitted("lbfgs")
    state = model.__getstate__()
    change(state)
    return state


TAMPERING = {
    "output layer (8, 2) for 2 classes": lambda s: s["coefs_"].__setitem__(
        1, np.zeros((8, 2))
    ),
    "bias of the wrong length": lambda s: s["intercepts_"].__setitem__(0, np.zeros(5)),
    "NaN weights": lambda s: s["coefs_"].__setitem__(
        0, np.full_like(s["coefs_"][0], np.nan)
    ),
    "another n_features_in_": lambda s: s.__setitem__("n_features_in_", 9),
    "coefs_ missing": lambda s: s.pop("coefs_"),
}


@pytest.mark.parametrize("change", list(TAMPERING))
def test_a_tampered_model_is_refused_at_load(change):
    state = _tampered(TAMPERING[change])
    restored = ScratchMLPClassifier.__new__(ScratchMLPClassifier)
    with pytest.raises(ValueError, match="altered after fitting"):
        restored.__setstate__(state)


@pytest.mark.parametrize("change", ["output layer (8, 2) for 2 classes", "NaN weights"])
def test_a_tampered_skops_file_is_refused(change):
    sio = pytest.importorskip("skops.io")
    model = _fitted("lbfgs")
    TAMPERING[change](model.__dict__)
    with pytest.raises(ValueError, match="altered after fitting"):
        sio.loads(sio.dumps(model), trusted=[CLASS_PATH])


def test_arrays_altered_in_memory_are_refused_at_first_use():
    model = _fitted("lbfgs")
    model.intercepts_[1] = np.zeros(3)
    with pytest.raises(ValueError, match="altered after fitting"):
        model.predict_proba(X)


def _repacked(numbers, **changes):
    """The structured array ``numbers`` with some fields changed or added."""
    values = {name: numbers[name] for name in numbers.dtype.names}
    values.update(changes)
    return pack_numbers(values)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.__setitem__(
            "numbers",
            _repacked(s["numbers"], shuffle_order=np.zeros(160, dtype=np.int64)),
        ),
        lambda s: s.__setitem__(
            "numbers", _repacked(s["numbers"], best_theta=np.zeros(3))
        ),
        lambda s: s.__setitem__(
            "numbers", _repacked(s["numbers"], units=np.array([8, 4, 1]))
        ),
        lambda s: s.__setitem__("unknown_field", 1),
    ],
    ids=["shuffle order", "best weights", "layer widths", "unknown field"],
)
def test_a_tampered_training_state_is_refused_at_load(change):
    model = _fitted("adam, early stopping")
    state = model.__getstate__()
    change(state["_training_state"])
    restored = ScratchMLPClassifier.__new__(ScratchMLPClassifier)
    with pytest.raises(ValueError, match="training state"):
        restored.__setstate__(state)


def test_a_model_whose_parameters_changed_after_fitting_still_loads():
    model = _fitted("lbfgs").set_params(hidden_layer_sizes=(20,), alpha=3.0)
    for trip in ROUND_TRIPS.values():
        restored = trip(model)
        np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
        assert restored.hidden_layer_sizes == (20,)


def _legacy_state(model):
    """The attributes a model saved before the training state was one object."""
    state = model.__getstate__()
    state.pop("_training_state")
    state.pop(VERSION_KEY)
    training = model._training_state
    optimizer = training.optimizer
    settings, n_params, dtype = optimizer.key
    state.update(
        _optimizer={  # as optimisers were stored then: their attributes
            "class": type(optimizer).__name__,
            "state": {**vars(optimizer), "key": [list(settings), n_params, str(dtype)]},
        },
        _random_state=copy.deepcopy(training.rng),
        _split_state=training.split_state,
        _shuffle_order=training.shuffle_order,
        _best_theta=training.best_theta,
        _best_validation_loss=training.best_validation_loss,
        _no_improvement_count=training.no_improvement_count,
    )
    return state


@pytest.mark.parametrize("name", ["adam, early stopping", "sgd, class_weight"])
def test_a_model_saved_before_the_training_state_resumes(name):
    model = _fitted(name, warm_start=True)
    restored = ScratchMLPClassifier.__new__(ScratchMLPClassifier)
    with pytest.warns(SknnscratchVersionWarning, match="without a version stamp"):
        restored.__setstate__(_legacy_state(model))
    assert not any(k in vars(restored) for k in ("_optimizer", "_random_state"))
    state = restored._training_state
    np.testing.assert_array_equal(
        state.optimizer.snapshot()[0], model._training_state.optimizer.snapshot()[0]
    )
    resumed = _quiet(restored.fit, X, y)
    assert len(resumed.history_) == len(resumed.loss_curve_) == 40
    assert [row["epoch"] for row in resumed.history_] == list(range(1, 41))


def test_a_model_imported_from_mlpclassifier_keeps_its_curve_and_history_aligned():
    from sklearn.neural_network import MLPClassifier

    mlp = _quiet(
        MLPClassifier((8,), solver="adam", max_iter=20, random_state=0).fit, X, y
    )
    ours = ScratchMLPClassifier.from_sklearn(mlp).set_params(warm_start=True)
    _quiet(ours.fit, X, y)
    assert len(ours.history_) == len(ours.loss_curve_) == 40
    assert ours.history_[0]["train_loss"] == mlp.loss_curve_[0]
