"""Saving and loading (``_persistence.py``): pickle, joblib, deepcopy, skops.

A round trip keeps the whole training state, so training resumes bit for bit;
the package version travels with the model; a model whose arrays were
altered is refused with a clear error.
"""

import copy
import gzip
import importlib.util
import io
import pickle
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknnscratch
from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
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
    class_path = f"{type(model).__module__}.{type(model).__name__}"
    assert sio.get_untrusted_types(data=data) == [class_path]
    return sio.loads(data, trusted=[class_path])


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


@pytest.mark.parametrize("cls", [ScratchMLPClassifier, ScratchMLPClassifierCV])
def test_a_version_warning_names_the_line_that_loads_the_model(cls):
    X, y = make_classification(80, 4, random_state=0)
    params = {"alphas": [1.0], "cv": 2} if cls is ScratchMLPClassifierCV else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cls(max_iter=5, random_state=0, **params).fit(X, y)
    older = {**model.__getstate__(), VERSION_KEY: "0.0.1"}
    restored = cls.__new__(cls)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restored.__setstate__(older)  # what pickle.load calls, from C
    assert caught and all(w.filename == __file__ for w in caught)


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


def test_a_model_imported_from_mlpclassifier_keeps_its_curve_and_history_aligned():
    from sklearn.neural_network import MLPClassifier

    mlp = _quiet(
        MLPClassifier((8,), solver="adam", max_iter=20, random_state=0).fit, X, y
    )
    ours = ScratchMLPClassifier.from_sklearn(mlp).set_params(warm_start=True)
    _quiet(ours.fit, X, y)
    assert len(ours.history_) == len(ours.loss_curve_) == 40
    assert ours.history_[0]["train_loss"] == mlp.loss_curve_[0]


# ---------------------------------------------------- hostile saved files


def _zip_with(data, replace):
    """A skops file's bytes with ``replace(schema_text)`` as its schema."""
    import zipfile

    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            content = old.read(item.filename)
            if item.filename == "schema.json":
                changed = replace(content.decode())
                assert changed != content.decode()  # the tampering took place
                content = changed.encode()
            new.writestr(item, content)
    return target.getvalue()


def _set(path, value):
    """A change to a fitted model: ``path`` (``"a.b"``) set to ``value``."""

    def change(model):
        *owners, name = path.split(".")
        owner = model
        for attribute in owners:
            owner = getattr(owner, attribute)
        setattr(owner, name, value(model) if callable(value) else value)

    return change


def _with_item(name, index, value):
    def change(model):
        getattr(model, name)[index] = value(model)

    return change


# In-memory changes to a fitted Adam model with early stopping, and the words
# the refusal at load must hold: the attribute's name and what is wrong.
ALTERED = {
    "coefs_[0] of strings": (
        _with_item("coefs_", 0, lambda m: np.full(m.coefs_[0].shape, "a")),
        r"coefs_\[0\] is an array of dtype <U1",
    ),
    "NaN in an intercept": (
        _with_item("intercepts_", 1, lambda m: np.array([np.nan])),
        r"intercepts_\[1\] holds non-finite values \(nan",
    ),
    "intercepts_ of integers": (
        _with_item("intercepts_", 1, lambda m: np.array([1])),
        r"intercepts_\[1\] is an array of dtype int64",
    ),
    "unknown activation": (_set("activation", "bogus"), "'activation' parameter"),
    "unknown solver": (_set("solver", "newton"), "'solver' parameter"),
    "unknown scorer": (_set("scoring", "bogus_score"), "scoring is 'bogus_score'"),
    "unknown output function": (
        _set("out_activation_", "bogus"),
        "out_activation_ is 'bogus'",
    ),
    "unknown solver_": (_set("solver_", "newton"), "solver_ is 'newton'"),
    "unknown target type": (
        _set("_label_binarizer.y_type_", "continuous"),
        "y_type_='continuous'",
    ),
    "classes_ unlike the binarizer's": (
        _set("classes_", np.array([5, 6])),
        "classes_ is .* equal to the label binarizer's classes",
    ),
    "n_iter_ of text": (_set("n_iter_", "3"), "n_iter_ is str '3'"),
    "loss_curve_ of 2-D": (
        _set("loss_curve_", lambda m: np.ones((2, len(m.loss_curve_)))),
        "loss_curve_ must be a 1-D array of numbers",
    ),
    "history_ of text": (
        _set("history_", "epochs"),
        "history_ must be a record array of numbers, got str",
    ),
    "Adam moments of the wrong shape": (
        _set("_training_state.optimizer.moments", np.zeros((2, 5))),
        r"Adam's moments must be an array of dtype float64 and shape \(2, 81\)",
    ),
    "Adam step count of text": (
        _set("_training_state.optimizer.t", "7"),
        "Adam's t must be an integer",
    ),
    "a random stream of 5 numbers": (
        _set(
            "_training_state.split_state",
            ("MT19937", np.zeros(5, np.uint32), 0, 0, 0.0),
        ),
        "split_state must be numpy.random.RandomState.get_state",
    ),
    "unknown training solver": (
        _set("_training_state.solver", "newton"),
        "solver='newton' is not one of 'lbfgs', 'sgd', 'adam' or None",
    ),
    "best weights of another size": (
        _set("_training_state.best_theta", np.zeros(3)),
        r"best weights of shape \(3,\), not \(81,\)",
    ),
}


def _altered_adam_model(change):
    model = _fitted("adam, early stopping")
    change(model)
    return model


@pytest.mark.parametrize("case", list(ALTERED))
@pytest.mark.parametrize("trip", ["pickle", "skops"])
def test_an_altered_model_is_refused_by_name_at_load(case, trip):
    change, message = ALTERED[case]
    model = _altered_adam_model(change)
    with pytest.raises(ValueError, match="altered after fitting") as caught:
        ROUND_TRIPS[trip](model)
    assert caught.match(message)


@pytest.mark.parametrize(
    "replace, message",
    [
        (lambda text: text.replace('"\\"Adam\\""', '"\\"Bogus\\""'), "'Bogus'"),
        (
            lambda text: text.replace('"\\"adam\\""', '"\\"sgd\\""', 1),
            "settings start with 'adam'",
        ),
    ],
    ids=["unknown optimiser class", "optimiser settings of another kind"],
)
def test_an_edited_skops_file_is_refused_by_name(replace, message):
    sio = pytest.importorskip("skops.io")
    data = _zip_with(sio.dumps(_fitted("adam, early stopping")), replace)
    with pytest.raises(ValueError, match="training state is invalid: optimizer") as e:
        sio.loads(data, trusted=[CLASS_PATH])
    assert e.match(message)


@pytest.mark.parametrize(
    "case",
    ["unknown activation", "unknown output function", "coefs_[0] of strings"],
)
def test_an_altered_model_is_refused_by_name_at_prediction(case):
    change, message = ALTERED[case]
    model = _altered_adam_model(change)
    message = message.replace("'activation' parameter", "activation is 'bogus'")
    with pytest.raises(ValueError, match=message):
        model.predict(X)


# ------------------------------------------------------ files of 0.1.0

SAVED_0_1_0 = Path(__file__).parent / "saved_0_1_0"


def _recipe():
    """tests/saved_0_1_0/recipe.py, the recipe of the files of 0.1.0."""
    spec = importlib.util.spec_from_file_location("recipe", SAVED_0_1_0 / "recipe.py")
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    return recipe


def _load_0_1_0(kind):
    with warnings.catch_warnings():
        # Saved by scikit-learn 1.9.1: another version warns, as it should.
        warnings.simplefilter("ignore", InconsistentVersionWarning)
        if kind == "pickle":
            with gzip.open(SAVED_0_1_0 / "models.pkl.gz") as file:
                return pickle.load(file)
        sio = pytest.importorskip("skops.io")
        trusted = [CLASS_PATH, "sknnscratch._cv.ScratchMLPClassifierCV"]
        return sio.load(SAVED_0_1_0 / "models.skops", trusted=trusted)


@pytest.mark.parametrize("kind", ["pickle", "skops"])
def test_files_of_0_1_0_load_predict_and_continue_as_0_1_0_did(kind):
    saved = _load_0_1_0(kind)
    got = _recipe().expected_outputs(saved)
    expected = np.load(SAVED_0_1_0 / "expected.npz")
    assert sorted(got) == sorted(expected.files)
    for name in expected.files:
        # Made where OpenBLAS runs its SkylakeX kernel: another kernel may
        # move the last bits of a few short Adam and SGD runs.
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-9, err_msg=name)
    for model in saved["models"].values():
        assert isinstance(model.history_, list) and isinstance(model.history_[0], dict)
        assert all(type(value) is float for value in model.loss_curve_)


@pytest.mark.parametrize("kind", ["pickle", "skops"])
@pytest.mark.parametrize("trip", ["pickle", "skops"])
def test_a_file_of_0_1_0_saved_again_continues_bit_for_bit(kind, trip):
    recipe = _recipe()
    old = _load_0_1_0(kind)
    again = {
        **old,
        "models": {k: ROUND_TRIPS[trip](m) for k, m in old["models"].items()},
    }
    for model, resaved in zip(
        old["models"].values(), again["models"].values(), strict=True
    ):
        assert resaved.history_ == model.history_
        assert resaved.loss_curve_ == model.loss_curve_
    continued, continued_again = (recipe.expected_outputs(s) for s in (old, again))
    for name, values in continued.items():
        np.testing.assert_array_equal(continued_again[name], values, err_msg=name)


# ------------------------------------------------------------ file sizes


def _file_sizes(model):
    """Bytes of ``model`` saved by skops and by joblib."""
    sio = pytest.importorskip("skops.io")
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    return len(sio.dumps(model)), len(buffer.getvalue())


def test_a_skops_file_is_at_most_three_times_the_joblib_file():
    # A 30-8-1 pipeline, trained to convergence (574 L-BFGS iterations):
    # 0.1.0 wrote 6.2 MB with skops, 38 KB with joblib.
    X_wide, y_wide = load_breast_cancer(return_X_y=True)
    pipeline = make_pipeline(StandardScaler(), ScratchMLPClassifier(random_state=0))
    pipeline.fit(X_wide, y_wide)
    assert pipeline[-1].n_iter_ > 300
    skops_size, joblib_size = _file_sizes(pipeline)
    assert skops_size <= 3 * joblib_size
    assert skops_size < 100_000


@pytest.mark.slow
def test_each_partial_fit_call_adds_a_few_bytes_to_a_saved_file():
    # 0.1.0 added about 10.7 KB per call to a skops file, 57 bytes to joblib's.
    X_wide, y_wide = load_breast_cancer(return_X_y=True)
    X_wide = StandardScaler().fit_transform(X_wide)
    model = ScratchMLPClassifier(random_state=0)
    sizes = {}
    for calls in range(1, 401):
        model.partial_fit(X_wide, y_wide, classes=[0, 1])
        if calls in (200, 400):
            sizes[calls] = _file_sizes(model)
    skops_growth, joblib_growth = (
        (sizes[400][i] - sizes[200][i]) / 200 for i in range(2)
    )
    # A row of history_ (6 numbers, 2 flags of None values) and a loss: 58 bytes.
    assert skops_growth < 80 and joblib_growth < 80
    assert sizes[400][0] <= 3 * sizes[400][1]


@pytest.mark.parametrize("trip", ["pickle", "skops"])
def test_an_sgd_schedule_that_does_not_exist_is_refused_by_name(trip):
    model = _fitted("sgd, class_weight")
    optimizer = model._training_state.optimizer
    settings, n_params, dtype = optimizer.key
    optimizer.key = (("sgd", settings[1], "bogus", *settings[3:]), n_params, dtype)
    with pytest.raises(ValueError, match="'bogus'.* not the settings of a SGD"):
        ROUND_TRIPS[trip](model)
