"""Properties that hold for every input (hypothesis).

Each test draws data of random shape, dtype, scale and label type, and a
network of random shape and settings. The short "ci" profile runs in every
test run; SKNNSCRATCH_HYPOTHESIS=long runs 500 examples per property.
"""

import warnings

import numpy as np
from hypothesis import given, reject
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from sknnscratch import ScratchMLPClassifier, check_gradients

SCALES = [1e-3, 1.0, 1e3, 1e30]


@st.composite
def problems(draw, scales=SCALES):
    """(X, y): random shape, dtype, scale and labels (ints or strings)."""
    n_classes = draw(st.integers(2, 4))
    n_samples = draw(st.integers(3 * n_classes, 40))
    n_features = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from(scales))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    centers = rng.normal(size=(n_classes, n_features))
    X = (centers[y] + rng.normal(size=(n_samples, n_features))) * scale
    if draw(st.booleans()):
        y = np.array(["class_" + str(label) for label in y], dtype=object)
    return X.astype(dtype), y


@st.composite
def models(draw):
    """A small network with random activation, shape, solver and penalty."""
    return ScratchMLPClassifier(
        hidden_layer_sizes=draw(st.sampled_from([(), (3,), (5, 3)])),
        activation=draw(st.sampled_from(["relu", "tanh", "logistic", "identity"])),
        solver=draw(st.sampled_from(["lbfgs", "adam"])),
        alpha=draw(st.sampled_from([0.0, 1e-4, 1.0, 13.0])),
        learning_rate_init=0.01,
        max_iter=30,
        random_state=draw(st.integers(0, 1000)),
    )


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            return model.fit(X, y)
        except ValueError as error:  # a clear divergence error is allowed
            assert "diverged" in str(error)
            reject()


@given(problems(), models(), st.sampled_from([1.0, 1e10, 1e30]))
def test_probabilities_are_finite_distributions_at_any_scale(problem, model, zoom):
    X, y = problem
    model = _fit(model, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        big = np.finfo(X.dtype).max
        X_new = np.clip(X.astype(np.float64) * zoom, -big, big).astype(X.dtype)
        proba = model.predict_proba(X_new)
        log_proba = model.predict_log_proba(X_new)
        decision = model.decision_function(X_new)
        predicted = model.predict(X_new)
    assert np.isfinite(proba).all() and np.isfinite(log_proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(predicted, model.classes_[proba.argmax(axis=1)])
    if decision.ndim == 1:
        confident = np.abs(decision) > 1e-6
        np.testing.assert_array_equal(
            (decision > 0)[confident], (predicted == model.classes_[1])[confident]
        )
    else:
        np.testing.assert_array_equal(decision.argmax(axis=1), proba.argmax(axis=1))
    visible = proba > 1e-30
    np.testing.assert_allclose(
        log_proba[visible], np.log(proba[visible]), rtol=1e-4, atol=1e-6
    )


@given(problems(), models())
def test_the_same_random_state_gives_bit_identical_weights(problem, model):
    X, y = problem
    first = _fit(model, X, y)
    coefs = [W.copy() for W in first.coefs_]
    second = _fit(ScratchMLPClassifier(**model.get_params()), X, y)
    for W1, W2 in zip(coefs, second.coefs_, strict=True):
        np.testing.assert_array_equal(W1, W2)


@given(problems(), models(), st.data())
def test_predictions_on_a_subset_are_the_subset_of_predictions(problem, model, data):
    X, y = problem
    model = _fit(model, X, y)
    rows = data.draw(
        st.lists(st.integers(0, len(y) - 1), min_size=1, max_size=len(y), unique=True)
    )
    # BLAS may sum a product's terms in another order for another number of
    # rows: float32 logits then differ in their last bits, which a sigmoid
    # turns into relative differences of a few 1e-5 in small probabilities.
    rtol = 1e-4 if X.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(
        model.predict_proba(X[rows]), model.predict_proba(X)[rows], rtol=rtol, atol=1e-7
    )


@given(problems(scales=[1.0]), models())
def test_relabelling_classes_gives_the_same_probabilities(problem, model):
    X, y = problem
    as_ints = np.unique(y, return_inverse=True)[1].reshape(-1)
    as_strings = np.array([f"label {i}" for i in as_ints])  # same sorted order
    a = _fit(ScratchMLPClassifier(**model.get_params()), X, as_ints)
    b = _fit(ScratchMLPClassifier(**model.get_params()), X, as_strings)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    # The order in which partial_fit is told the classes does not matter.
    stochastic = dict(model.get_params(), solver="adam")
    c = ScratchMLPClassifier(**stochastic)
    d = ScratchMLPClassifier(**stochastic)
    c.partial_fit(X, as_strings, classes=np.unique(as_strings))
    d.partial_fit(X, as_strings, classes=np.unique(as_strings)[::-1])
    np.testing.assert_array_equal(c.predict_proba(X), d.predict_proba(X))


@given(problems(scales=[1.0]), models())
def test_backprop_matches_finite_differences(problem, model):
    X, y = problem
    report = check_gradients(model, X, y, rtol=1e-5)
    assert report.passed, str(report)
    model = _fit(model, X, y)
    assert check_gradients(model, X, y, rtol=1e-5).passed


@given(problems(), models())
def test_float32_in_float32_out(problem, model):
    X, y = problem
    model = _fit(model, X, y)
    for array in (*model.coefs_, *model.intercepts_):
        assert array.dtype == X.dtype
    assert model.predict_proba(X).dtype == X.dtype
    assert model.predict_log_proba(X).dtype == X.dtype
