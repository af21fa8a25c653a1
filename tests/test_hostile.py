"""Hostile and broken input: clear errors, models never half-updated, inputs
never touched, and scikit-learn's checks that check_estimator leaves out."""

import gc
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from conftest import fitted_attributes
from scipy import sparse
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
)

from sknnscratch import ScratchMLPClassifier

SOLVERS = ["lbfgs", "sgd", "adam"]


def _data(n=60, n_features=4):
    return make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=3,
        n_redundant=0,
        random_state=0,
    )


def _with(X, row, column, value):
    X = X.astype(float)
    X[row, column] = value
    return X


X0, y0 = _data()
BAD_TRAINING_DATA = {
    "NaN in X": (_with(X0, 0, 0, np.nan), y0, None, "contains NaN"),
    "inf in X": (_with(X0, 0, 0, np.inf), y0, None, "infinity"),
    "empty X": (X0[:0], y0[:0], None, "0 sample"),
    "1-D X": (X0[:, 0], y0, None, "Expected 2D array"),
    "3-D X": (X0[:, :, None], y0, None, "dim 3"),
    "text X": (np.full(X0.shape, "a", dtype=object), y0, None, "convert string"),
    "complex X": (X0 + 1j, y0, None, "Complex data"),
    "NaN in y": (X0, np.r_[np.nan, y0[1:]], None, "y contains NaN"),
    "inf in y": (X0, np.r_[np.inf, y0[1:]], None, "y contains infinity"),
    "short y": (X0, y0[:-1], None, "inconsistent numbers of samples"),
    "short weights": (X0, y0, np.ones(59), r"sample_weight.shape"),
    "negative weight": (X0, y0, np.r_[-1.0, np.ones(59)], "Negative values"),
    "NaN weight": (X0, y0, np.r_[np.nan, np.ones(59)], "sample_weight contains NaN"),
    "all weights zero": (X0, y0, np.zeros(60), "positive sum"),
}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", BAD_TRAINING_DATA)
def test_bad_training_data_gets_a_clear_error_and_changes_nothing(case, solver):
    X, y, sample_weight, message = BAD_TRAINING_DATA[case]
    model = ScratchMLPClassifier(solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X0, y0)
    before = fitted_attributes(model)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y, sample_weight=sample_weight)
    assert fitted_attributes(model) == before
    if solver != "lbfgs":
        with pytest.raises(ValueError, match=message):
            model.partial_fit(X, y, sample_weight=sample_weight)
        assert fitted_attributes(model) == before


def test_numbers_stored_as_text_are_read_as_numbers():
    # scikit-learn's convention: an object array of numeric strings converts.
    as_text = X0.astype(str).astype(object)
    a = ScratchMLPClassifier(random_state=0).fit(as_text, y0)
    b = ScratchMLPClassifier(random_state=0).fit(X0, y0)
    np.testing.assert_array_equal(a.predict_proba(X0), b.predict_proba(X0))


@pytest.mark.parametrize(
    "X, message",
    [
        (_with(X0, 0, 0, np.nan), "contains NaN"),
        (X0[:, :3], "3 features, but ScratchMLPClassifier is expecting 4"),
        (X0[:0], "0 sample"),
        (X0[0], "Expected 2D array"),
        (X0[:, :, None], "dim 3"),
    ],
)
def test_bad_prediction_input_gets_a_clear_error(X, message):
    model = ScratchMLPClassifier(random_state=0).fit(X0, y0)
    before = fitted_attributes(model)
    for method in (
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ):
        with pytest.raises(ValueError, match=message):
            getattr(model, method)(X)
    assert fitted_attributes(model) == before


def test_renamed_or_reordered_columns_are_refused():
    frame = pd.DataFrame(X0, columns=["a", "b", "c", "d"])
    model = ScratchMLPClassifier(random_state=0).fit(frame, y0)
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(frame.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(frame[["b", "a", "c", "d"]])
    np.testing.assert_array_equal(model.predict(frame), model.predict(frame.copy()))


def test_sparse_input_is_supported():
    # A strong penalty makes the minimum sharp: L-BFGS then stops at the same
    # point whatever the order in which sparse and dense products sum.
    strong = dict(alpha=13.0, random_state=0)
    for container in (sparse.csr_matrix, sparse.csc_array):
        model = ScratchMLPClassifier(**strong).fit(container(X0), y0)
        dense = ScratchMLPClassifier(**strong).fit(X0, y0)
        np.testing.assert_allclose(
            model.predict_proba(container(X0)), dense.predict_proba(X0), rtol=1e-10
        )


def test_a_class_unknown_to_partial_fit_is_refused():
    model = ScratchMLPClassifier(solver="adam").partial_fit(X0, y0, classes=[0, 1])
    before = fitted_attributes(model)
    with pytest.raises(ValueError, match=r"classes \[2\] that are not in classes_"):
        model.partial_fit(X0, np.where(y0 == 1, 2, y0))
    assert fitted_attributes(model) == before


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes must hold positive"),
        (dict(hidden_layer_sizes=(4, -1)), "hidden_layer_sizes must hold positive"),
        (dict(alpha=-1.0), "'alpha' parameter"),
        (dict(learning_rate_init=np.inf), "'learning_rate_init' parameter"),
        (dict(learning_rate_init=0.0), "'learning_rate_init' parameter"),
        (dict(batch_size=0), "'batch_size' parameter"),
        (dict(max_iter=0), "'max_iter' parameter"),
        (dict(momentum=1.5), "'momentum' parameter"),
        (dict(validation_fraction=1.0), "'validation_fraction' parameter"),
        (dict(class_weight="even"), "'class_weight' parameter"),
        (dict(solver="newton"), "'solver' parameter"),
    ],
)
def test_absurd_hyper_parameters_are_named_in_the_error(params, message):
    model = ScratchMLPClassifier(**params)
    with pytest.raises((InvalidParameterError, ValueError), match=message):
        model.fit(X0, y0)
    assert not hasattr(model, "coefs_")


def test_hidden_layer_sizes_as_a_0_d_array_is_its_value():
    from sklearn.neural_network import MLPClassifier

    model = ScratchMLPClassifier(hidden_layer_sizes=np.array(5), random_state=0)
    model.fit(X0, y0)
    assert [W.shape for W in model.coefs_] == [(4, 5), (5, 1)]
    exported = model.to_sklearn()  # MLPClassifier itself cannot read it
    assert exported.hidden_layer_sizes == (5,)
    with pytest.raises(TypeError, match="iteration over a 0-d array"):
        MLPClassifier(hidden_layer_sizes=np.array(5), max_iter=5).fit(X0, y0)
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold positive"):
        ScratchMLPClassifier(hidden_layer_sizes=np.array(0)).fit(X0, y0)


# ------------------------------------------------------------ labels

_STRINGS = np.where(y0 == 1, "yes", "no").astype(object)


def _with_label(labels, position, value):
    labels = np.array(labels, dtype=object)
    labels[position] = value
    return labels


BAD_LABELS = {
    "numpy bytes": (
        np.where(y0 == 1, b"yes", b"no"),
        TypeError,
        r"labels of bytes \(for example b'(yes|no)'\).*decode",
    ),
    "bytes among objects": (
        _with_label(_STRINGS, 3, b"no"),
        TypeError,
        r"labels of bytes \(for example b'no'\)",
    ),
    "None among strings": (
        _with_label(_STRINGS, 7, None),
        ValueError,
        r"y has a missing label \(None\) at position 7",
    ),
    "NaN among strings": (
        _with_label(_STRINGS, 2, np.nan),
        ValueError,
        r"y has a missing label \(nan\) at position 2",
    ),
    "pandas NA in a string array": (
        pd.array(_with_label(_STRINGS, 5, None), dtype="string"),
        ValueError,
        r"y has a missing label \(<NA>\) at position 5",
    ),
    "integers and strings": (
        _with_label(y0, 0, "one"),
        ValueError,
        r"y mixes labels of different types \(string 'one', integer",
    ),
    "booleans and integers": (
        _with_label(y0, 0, True),
        ValueError,
        r"y mixes labels of different types \(boolean True, integer",
    ),
}


@pytest.mark.parametrize("case", list(BAD_LABELS))
def test_bad_labels_get_one_error_naming_the_value(case):
    labels, error, message = BAD_LABELS[case]
    model = ScratchMLPClassifier(max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and nothing else
        with pytest.raises(error, match=message):
            model.fit(X0, labels)
    assert not hasattr(model, "coefs_")


def test_pandas_na_among_pyarrow_strings_is_named():
    pytest.importorskip("pyarrow")
    labels = pd.array(_with_label(_STRINGS, 5, None), dtype="string[pyarrow]")
    with pytest.raises(ValueError, match=r"missing label \(<NA>\) at position 5"):
        ScratchMLPClassifier(max_iter=5).fit(X0, labels)


@pytest.mark.parametrize(
    "labels, expected",
    [
        (y0.astype(object), y0),
        ((y0 == 1).astype(object), y0 == 1),
        (pd.Series(y0, dtype=object), y0),
    ],
    ids=["object integers", "object booleans", "object Series of integers"],
)
def test_labels_held_as_objects_behave_as_their_type(labels, expected):
    model = ScratchMLPClassifier(random_state=0).fit(X0, labels)
    plain = ScratchMLPClassifier(random_state=0).fit(X0, expected)
    assert model.classes_.dtype == plain.classes_.dtype
    np.testing.assert_array_equal(model.classes_, plain.classes_)
    np.testing.assert_array_equal(model.predict(X0), plain.predict(X0))
    streamed = ScratchMLPClassifier(solver="adam", random_state=0)
    streamed.partial_fit(X0, labels, classes=np.unique(expected).astype(object))
    np.testing.assert_array_equal(streamed.classes_, plain.classes_)


# ------------------------------------------------------ extreme sample weights

EXTREME_WEIGHTS = {
    "1e308 each: the sum overflows": (
        np.float64,
        1e308,
        r"sample weights sum to more than the largest float64",
    ),
    "1e-300 each: alpha / S overflows": (
        np.float64,
        1e-300,
        r"sample weights sum to 6e-299 for 60 rows, so little that the L2 "
        r"penalty's factor alpha / S = 4.17e\+298 overflows",
    ),
    "1e-320 each: a subnormal sum": (
        np.float64,
        1e-320,
        r"sample weights sum to 6e-319, below the smallest normal float64",
    ),
    "1e36 each in float32": (
        np.float32,
        1e36,
        r"sample weights sum to 6e\+37, too close to the largest float32",
    ),
    "1e-50 each in float32": (
        np.float32,
        1e-50,
        r"sample_weight does not fit the float32 input: .* round to zero",
    ),
}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", list(EXTREME_WEIGHTS))
def test_weights_whose_sum_breaks_the_objective_are_named(case, solver):
    dtype, weight, message = EXTREME_WEIGHTS[case]
    X = X0.astype(dtype)
    model = ScratchMLPClassifier(solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y0)
    before = fitted_attributes(model)
    for warm_start in (False, True):
        model.set_params(warm_start=warm_start)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no RuntimeWarning on the way
            with pytest.raises(ValueError, match=message):
                model.fit(X, y0, sample_weight=np.full(60, weight))
            if solver != "lbfgs":
                with pytest.raises(ValueError, match=message):
                    model.partial_fit(X, y0, sample_weight=np.full(60, weight))
        assert fitted_attributes(model) == before


def test_weights_and_alpha_scaled_together_give_the_same_model():
    # What the errors above advise: the objective only sees alpha / S.
    weights = np.linspace(0.5, 1.5, 60)
    a = ScratchMLPClassifier(alpha=1.0, random_state=0)
    b = ScratchMLPClassifier(alpha=1.0 * 2.0**-20, random_state=0)
    a.fit(X0, y0, sample_weight=weights)
    b.fit(X0, y0, sample_weight=weights * 2.0**-20)
    np.testing.assert_allclose(b.predict_proba(X0), a.predict_proba(X0), rtol=1e-6)


def test_tiny_weights_without_a_penalty_train():
    weights = np.full(60, 1e-300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny = ScratchMLPClassifier(alpha=0.0, max_iter=50, random_state=0)
        tiny.fit(X0, y0, sample_weight=weights)
    assert np.isfinite(tiny.loss_)


def test_class_weights_that_overflow_the_weights_are_named():
    model = ScratchMLPClassifier(class_weight={0: 1e308, 1: 1e308})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            ValueError,
            match=r"sum to more than .*\(sample_weight times class_weight\)",
        ):
            model.fit(X0, y0, sample_weight=np.ones(60))


# ------------------------------------------------------ inputs never touched


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="lbfgs"),
        dict(solver="sgd", max_iter=5),
        dict(solver="adam", max_iter=5, early_stopping=True, class_weight="balanced"),
    ],
)
def test_inputs_are_never_modified(params):
    X, y = _data(80)
    weights = np.linspace(0.5, 1.5, 80)
    copies = X.copy(), y.copy(), weights.copy()
    model = ScratchMLPClassifier(random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, sample_weight=weights)
        if params["solver"] != "lbfgs":
            model.set_params(early_stopping=False, class_weight=None)
            model.partial_fit(X, y, sample_weight=weights)
    model.predict_proba(X)
    for array, copy in zip((X, y, weights), copies, strict=True):
        np.testing.assert_array_equal(array, copy)


@pytest.mark.parametrize("solver", SOLVERS)
def test_read_only_memmaps_work(solver, tmp_path):
    X, y = _data(80)
    weights = np.linspace(0.5, 1.5, 80)
    arrays = []
    for name, array in (("X", X), ("y", y), ("w", weights)):
        path = tmp_path / f"{name}.npy"
        np.save(path, array)
        arrays.append(np.load(path, mmap_mode="r"))
    X_map, y_map, w_map = arrays
    assert not X_map.flags.writeable
    model = ScratchMLPClassifier(solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_map, y_map, sample_weight=w_map)
    reference = ScratchMLPClassifier(solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference.fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(
        model.predict_proba(X_map), reference.predict_proba(X)
    )


def test_concurrent_predictions_equal_serial_ones():
    X, y = _data(2000, 13)
    model = ScratchMLPClassifier(hidden_layer_sizes=(16, 8), random_state=0).fit(X, y)
    chunks = np.array_split(X, 40)
    serial = [model.predict_proba(chunk) for chunk in chunks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(model.predict_proba, chunks))
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------- scikit-learn checks beyond check_estimator


@pytest.mark.parametrize("solver", SOLVERS)
def test_extra_scikit_learn_checks(solver):
    estimator = ScratchMLPClassifier(solver=solver, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_param_validation("ScratchMLPClassifier", estimator)
        check_dataframe_column_names_consistency("ScratchMLPClassifier", estimator)
    try:
        from sklearn.utils.estimator_checks import check_inplace_ensure_writeable
    except ImportError:  # not in every scikit-learn version
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_inplace_ensure_writeable("ScratchMLPClassifier", estimator)


# --------------------------------------------------------------------- stress


@pytest.mark.slow
def test_a_million_rows_train_without_a_warning():
    X, y = make_classification(
        n_samples=1_000_000, n_features=13, n_informative=8, random_state=0
    )
    model = ScratchMLPClassifier(
        solver="adam", batch_size=1000, tol=1e-3, n_iter_no_change=2, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert model.n_iter_ < model.max_iter
    assert model.score(X[:10_000], y[:10_000]) > 0.9


@pytest.mark.slow
def test_a_hundred_classes_train_without_a_warning():
    X, y = make_classification(
        n_samples=5000,
        n_features=13,
        n_informative=10,
        n_redundant=0,
        n_classes=100,
        n_clusters_per_class=1,
        class_sep=3.0,
        random_state=0,
    )
    model = ScratchMLPClassifier(
        hidden_layer_sizes=(64,),
        solver="adam",
        learning_rate_init=0.01,
        alpha=1.0,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert model.predict_proba(X).shape == (5000, 100)
    assert model.score(X, y) > 0.9  # chance is 0.01


@pytest.mark.slow
def test_a_long_partial_fit_stream_keeps_memory_flat():
    X, y = _data(100, 13)
    model = ScratchMLPClassifier(solver="sgd", random_state=0)
    for _ in range(100):  # warm up caches and the first allocations
        model.partial_fit(X, y, classes=[0, 1])
    tracemalloc.start()  # slows every allocation: few calls are traced
    for _ in range(20):
        model.partial_fit(X, y)
    gc.collect()  # what is still held, not what awaits collection
    after_20 = tracemalloc.get_traced_memory()[0]
    for _ in range(150):
        model.partial_fit(X, y)
    gc.collect()
    after_170 = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert model.n_iter_ == 1 and len(model.loss_curve_) == 270
    # Only the per-call records grow (loss_curve_ and history_: one float and
    # one small dict per call); nothing proportional to the data is kept.
    assert (after_170 - after_20) / 150 < 1024
