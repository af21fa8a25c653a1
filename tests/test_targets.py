"""Training data validation and target encoding (``_targets.py``).

The kind of target is fixed by the first fit: every later call that
continues training must bring the same kind, or get a clear error and leave
the model as it was.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import quiet
from scipy import sparse
from scipy.special import expit
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelBinarizer

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
from sknnscratch._inspect import training_objective
from sknnscratch._targets import fit_label_binarizer

RNG = np.random.RandomState(0)
X = RNG.normal(size=(60, 5))
TARGETS = {
    "binary": (X[:, 0] > 0).astype(int),
    "multiclass": np.digitize(X[:, 0], [-0.5, 0.5]),
    "multilabel": (X[:, :3] > 0).astype(int),
    "indicator of 2": np.column_stack([X[:, 0] > 0, X[:, 0] <= 0]).astype(int),
    "multilabel of 4": (X[:, :4] > 0).astype(int),
}
SWITCHES = [
    ("binary", "indicator of 2"),
    ("binary", "multilabel"),
    ("multiclass", "multilabel"),
    ("multilabel", "binary"),
    ("multilabel", "multilabel of 4"),
    ("multiclass", "indicator of 2"),
]


def _snapshot(model):
    return pickle.dumps(model)


def _quietly(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return call(*args, **kwargs)


@pytest.mark.parametrize("first, then", SWITCHES)
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_a_warm_start_with_another_kind_of_target_is_refused(first, then, solver):
    model = ScratchMLPClassifier(solver=solver, warm_start=True, max_iter=3)
    _quietly(model.fit, X, TARGETS[first])
    before = _snapshot(model)
    with pytest.raises(ValueError, match="This model was fitted on .* but y holds"):
        model.fit(X, TARGETS[then])
    assert _snapshot(model) == before


@pytest.mark.parametrize("first, then", SWITCHES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_with_another_kind_of_target_is_refused(first, then, solver):
    model = ScratchMLPClassifier(solver=solver)
    classes = [0, 1] if first == "binary" else [0, 1, 2]
    model.partial_fit(X, TARGETS[first], classes=classes)
    before = _snapshot(model)
    with pytest.raises(ValueError, match="This model was fitted on"):
        model.partial_fit(X, TARGETS[then])
    assert _snapshot(model) == before


def test_the_error_says_what_the_model_was_fitted_on_and_what_it_got():
    model = ScratchMLPClassifier(solver="adam", max_iter=2)
    _quietly(model.fit, X, TARGETS["binary"])
    with pytest.raises(ValueError) as error:
        model.partial_fit(X, TARGETS["indicator of 2"])
    assert "binary targets (classes [0, 1])" in str(error.value)
    assert "multilabel targets with 2 labels" in str(error.value)


def test_partial_fit_with_other_classes_raises_as_mlpclassifier_does():
    y = TARGETS["multiclass"]
    ours = ScratchMLPClassifier(solver="sgd").partial_fit(X, y, classes=[0, 1, 2])
    theirs = MLPClassifier(solver="sgd").partial_fit(X, y, classes=[0, 1, 2])
    before = _snapshot(ours)
    for model in (ours, theirs):
        with pytest.raises(ValueError, match="is not the same as on last call"):
            model.partial_fit(X, y, classes=[0, 1, 2, 3])
    assert _snapshot(ours) == before
    ours.partial_fit(X, y, classes=[2, 1, 0])  # the same classes, in any order


def test_a_warm_start_needs_the_same_classes_in_mlpclassifier_words():
    model = ScratchMLPClassifier(warm_start=True, max_iter=3)
    _quietly(model.fit, X, TARGETS["multiclass"])
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has"):
        model.fit(X, np.minimum(TARGETS["multiclass"], 1))


def test_partial_fit_accepts_a_batch_with_some_of_the_classes():
    model = ScratchMLPClassifier(solver="adam")
    model.partial_fit(X, TARGETS["multiclass"], classes=[0, 1, 2])
    only_two = TARGETS["multiclass"] > 0
    model.partial_fit(X[only_two], TARGETS["multiclass"][only_two])
    assert model.n_outputs_ == 3


def test_multioutput_targets_get_a_clear_error_when_training_continues():
    model = ScratchMLPClassifier(solver="adam", max_iter=2, warm_start=True)
    _quietly(model.fit, X, TARGETS["binary"])
    y = np.column_stack([TARGETS["multiclass"], TARGETS["binary"]])
    with pytest.raises(ValueError, match="Multioutput target data"):
        model.fit(X, y)


def test_sparse_input_is_canonicalised():
    dense = sparse.csr_matrix(X)
    # The same values stored with every entry split in two halves, the
    # halves of a row in reverse column order: duplicates, unsorted.
    rows = [slice(a, b) for a, b in zip(dense.indptr, dense.indptr[1:], strict=False)]
    indices = np.concatenate(
        [np.r_[dense.indices[r], dense.indices[r]][::-1] for r in rows]
    )
    data = np.concatenate([np.r_[dense.data[r], dense.data[r]][::-1] / 2 for r in rows])
    halves = sparse.csr_matrix((data, indices, 2 * dense.indptr), shape=X.shape)
    assert halves.nnz == 2 * dense.nnz and not halves.has_canonical_format
    np.testing.assert_array_equal(halves.toarray(), X)
    y = TARGETS["binary"]
    settings = dict(solver="adam", early_stopping=True, max_iter=5, random_state=0)
    a = _quietly(ScratchMLPClassifier(**settings).fit, dense, y)
    b = _quietly(ScratchMLPClassifier(**settings).fit, halves, y)
    # Equal up to rounding: numpy's vectorised sums may group terms
    # differently for arrays at different memory alignments.
    np.testing.assert_allclose(
        a.predict_proba(dense), b.predict_proba(halves), rtol=1e-12, atol=1e-15
    )
    np.testing.assert_allclose(a.coefs_[0], b.coefs_[0], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "y",
    [
        np.array([0, 1, 1, 0]),
        np.array(["b", "a", "b"]),
        np.array([2.0, 1.0, 1.0, 3.0]),
        np.array([True, False, True]),
        np.array([3, 1, 2, 3], dtype=np.uint8),
        np.array([7, 7, 7]),
        np.array(["x", "yy", "zzz", "x"], dtype=object),
        np.array([[1, 0, 1], [0, 1, 1]]),
        sparse.csr_matrix(np.array([[1, 0, 1], [0, 1, 1]])),
    ],
    ids=[
        "int",
        "str",
        "float",
        "bool",
        "uint8",
        "one class",
        "object",
        "multilabel",
        "sparse",
    ],  # fmt: skip
)
def test_label_binarizer_is_fitted_as_scikit_learn_fits_it(y):

    ours, theirs = vars(fit_label_binarizer(y)), vars(LabelBinarizer().fit(y))
    assert ours.keys() == theirs.keys()
    for name, value in theirs.items():
        if isinstance(value, np.ndarray):
            assert ours[name].dtype == value.dtype
            np.testing.assert_array_equal(ours[name], value)
        else:
            assert ours[name] == value


@pytest.mark.parametrize("multiclass", [False, True])
def test_integer_weights_equal_repeated_rows_with_lbfgs(
    multiclass, binary_data, multiclass_data
):
    X, y = multiclass_data if multiclass else binary_data
    counts = np.random.RandomState(0).randint(0, 4, size=len(y))
    counts[:3] = 1  # keep every class
    # A few iterations: over hundreds, rounding differences between a sum
    # of repeated rows and a weighted sum can send L-BFGS down another path.
    weighted = ScratchMLPClassifier(alpha=1.0, random_state=0, max_iter=30)
    repeated = ScratchMLPClassifier(alpha=1.0, random_state=0, max_iter=30)
    quiet(weighted, X, y, sample_weight=counts)
    quiet(repeated, np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-6
    )
    np.testing.assert_allclose(weighted.loss_, repeated.loss_, rtol=1e-8)


def test_weights_follow_their_rows_into_minibatches(binary_data):
    # Doubling one half's weight is the same as duplicating it only if each
    # weight travels with its row; a full-batch step makes this exact.
    X, y = binary_data
    counts = np.where(np.arange(len(y)) % 2 == 0, 2, 1)
    settings = dict(solver="sgd", max_iter=3, shuffle=False, random_state=0)
    weighted = ScratchMLPClassifier(batch_size=len(y), **settings)
    repeated = ScratchMLPClassifier(batch_size=counts.sum(), **settings)
    quiet(weighted, X, y, sample_weight=counts)
    quiet(repeated, np.repeat(X, counts, axis=0), np.repeat(y, counts))
    for W1, W2 in zip(weighted.coefs_, repeated.coefs_, strict=True):
        np.testing.assert_allclose(W1, W2, rtol=1e-10)


def test_partial_fit_takes_sample_weights(binary_data):
    X, y = binary_data
    zero_tail = np.r_[np.ones(60), np.zeros(60)]
    a = ScratchMLPClassifier(solver="sgd", shuffle=False, random_state=0)
    b = ScratchMLPClassifier(solver="sgd", shuffle=False, random_state=0)
    a.partial_fit(X, y, sample_weight=zero_tail, classes=[0, 1])
    b.partial_fit(X[:60], y[:60], classes=[0, 1])
    for W1, W2 in zip(a.coefs_, b.coefs_, strict=True):
        np.testing.assert_allclose(W1, W2, rtol=1e-12)


def _imbalanced():
    return make_classification(
        n_samples=600,
        n_features=13,
        weights=[0.9, 0.1],
        class_sep=0.6,
        random_state=0,
    )


def test_balanced_class_weight_raises_minority_recall():
    X, y = _imbalanced()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, random_state=0
    )
    plain = ScratchMLPClassifier(alpha=1.0, random_state=0).fit(X_train, y_train)
    balanced = ScratchMLPClassifier(
        alpha=1.0, class_weight="balanced", random_state=0
    ).fit(X_train, y_train)
    recall_plain = recall_score(y_test, plain.predict(X_test))
    recall_balanced = recall_score(y_test, balanced.predict(X_test))
    assert recall_balanced > recall_plain + 0.15


def test_class_weight_is_a_sample_weight_per_class(binary_data):
    X, y = binary_data
    by_class = ScratchMLPClassifier(class_weight={0: 1.0, 1: 3.0}, random_state=0)
    by_sample = ScratchMLPClassifier(random_state=0)
    by_class.fit(X, y, sample_weight=np.full(len(y), 2.0))
    by_sample.fit(X, y, sample_weight=2.0 * np.where(y == 1, 3.0, 1.0))
    np.testing.assert_array_equal(by_class.predict_proba(X), by_sample.predict_proba(X))


def test_balanced_class_weight_multiplies_the_sample_weight(binary_data):
    X, y = binary_data
    weights = np.linspace(0.5, 2.0, len(y))
    balanced = ScratchMLPClassifier(class_weight="balanced", random_state=0)
    # Classes are counted by weight: S / (n_classes * S_c).
    per_class = {c: weights.sum() / (2 * weights[y == c].sum()) for c in (0, 1)}
    objective = training_objective(balanced, X, y, weights)
    np.testing.assert_allclose(
        objective["sample_weight"],
        weights * np.vectorize(per_class.get)(y),
        rtol=1e-15,
    )


def test_partial_fit_refuses_balanced_class_weight(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="adam", class_weight="balanced")
    assert not hasattr(model, "partial_fit")
    with pytest.raises(AttributeError) as error:
        model.partial_fit(X, y, classes=[0, 1])
    assert "balanced" in str(error.value.__cause__)  # available_if keeps the reason
    model.set_params(class_weight={0: 1, 1: 2}).partial_fit(X, y, classes=[0, 1])
    assert model.n_iter_ == 1


def test_a_first_partial_fit_on_multilabel_targets_checks_its_classes():
    y = TARGETS["multilabel"]
    with pytest.raises(ValueError, match="column numbers"):
        ScratchMLPClassifier(solver="adam").partial_fit(X, y, classes=["a", "b"])
    model = ScratchMLPClassifier(solver="adam").partial_fit(X, y, classes=[0, 1, 2])
    model.partial_fit(X, y, classes=[0, 1, 2])


def test_a_sparse_label_indicator_matrix_trains_like_a_dense_one():
    y = TARGETS["multilabel"]
    dense = quiet(ScratchMLPClassifier(random_state=0, max_iter=20), X, y)
    sparse_y = quiet(
        ScratchMLPClassifier(random_state=0, max_iter=20), X, sparse.csr_matrix(y)
    )
    np.testing.assert_array_equal(dense.coefs_[0], sparse_y.coefs_[0])


# ---------------------------------------------------------------- one class
# A target with a single class is accepted, as MLPClassifier accepts it: the
# model predicts that class everywhere, and a fit says nothing about it.

ONE_CLASS_SETTINGS = {
    "lbfgs": dict(solver="lbfgs"),
    "sgd": dict(solver="sgd"),
    "adam": dict(solver="adam"),
    "auto, early stopping": dict(early_stopping=True, validation_fraction=0.2),
    "sgd, early stopping": dict(
        solver="sgd", early_stopping=True, validation_fraction=0.2
    ),
    "adam, early stopping, loss": dict(
        solver="adam", early_stopping=True, validation_fraction=0.2, scoring="loss"
    ),
}


def _one_class_frame(n=20, label="rare"):
    frame = pd.DataFrame(RNG.normal(size=(n, 3)), columns=["age", "chol", "thalach"])
    return frame, pd.Series(np.full(n, label), name="target")


def _fit_strictly(model, X, y, **kwargs):
    """Fit turning every warning and floating-point error into an error."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        return model.fit(X, y, **kwargs)


@pytest.mark.parametrize("settings", ONE_CLASS_SETTINGS)
def test_one_class_fits_without_a_warning(settings):
    X_frame, y = _one_class_frame()
    model = ScratchMLPClassifier(random_state=0, **ONE_CLASS_SETTINGS[settings])
    _fit_strictly(model, X_frame, y)
    assert model.classes_.tolist() == ["rare"]
    assert model.n_outputs_ == 1 and model.out_activation_ == "logistic"
    assert model.feature_names_in_.tolist() == ["age", "chol", "thalach"]
    # Trained like any fit: every fitted attribute is there and finite.
    assert model.n_iter_ >= 1 and len(model.loss_curve_) == model.n_iter_
    assert np.all(np.isfinite(model.loss_curve_)) and model.loss_ >= 0
    for array in (*model.coefs_, *model.intercepts_):
        assert np.all(np.isfinite(array))
    if model.early_stopping:
        assert model.validation_scores_ and model.best_validation_score_ is not None
    assert model.score(X_frame, y) == 1.0


def test_one_class_as_in_scikit_learns_test_preserve_feature_names():
    # sklearn/neural_network/tests/test_mlp.py::test_preserve_feature_names.
    rng = np.random.RandomState(0)
    X_frame = pd.DataFrame(data=rng.randn(10, 2), columns=["colname_a", "colname_b"])
    y = pd.Series(data=np.full(10, 1), name="colname_y")
    model = ScratchMLPClassifier(early_stopping=True, validation_fraction=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model.fit(X_frame, y)
    assert model.feature_names_in_.tolist() == ["colname_a", "colname_b"]
    assert model.predict(X_frame).tolist() == [1] * 10


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_class_predictions_have_one_column_of_certainty(dtype):
    X_frame, y = _one_class_frame()
    X_train = X_frame.to_numpy(dtype=dtype)
    model = _fit_strictly(ScratchMLPClassifier(random_state=0), X_train, y)
    # Far from the training data too, where the logits are large.
    X_new = np.vstack([X_train, 1e6 * X_train])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        labels = model.predict(X_new)
        proba = model.predict_proba(X_new)
        log_proba = model.predict_log_proba(X_new)
        scores = model.decision_function(X_new)
    n = len(X_new)
    assert labels.tolist() == ["rare"] * n
    assert proba.shape == log_proba.shape == (n, 1)
    assert proba.dtype == log_proba.dtype == dtype
    np.testing.assert_array_equal(proba, 1.0)
    np.testing.assert_array_equal(log_proba, 0.0)
    # The network's logit: trained towards negative, the side of classes_[0].
    assert scores.shape == (n,) and np.all(np.isfinite(scores))
    hidden = np.maximum(X_new[:20] @ model.coefs_[0] + model.intercepts_[0], 0)
    by_hand = (hidden @ model.coefs_[1] + model.intercepts_[1])[:, 0]
    np.testing.assert_allclose(scores[:20], by_hand, rtol=1e-5)
    assert np.all(scores[:20] < 0)


def test_one_class_with_class_weights():
    X_frame, y = _one_class_frame()
    plain = _fit_strictly(ScratchMLPClassifier(random_state=0), X_frame, y)
    # 'balanced' gives the one class the weight S / (1 * S) = 1.
    balanced = ScratchMLPClassifier(class_weight="balanced", random_state=0)
    _fit_strictly(balanced, X_frame, y)
    for W1, W2 in zip(plain.coefs_, balanced.coefs_, strict=True):
        np.testing.assert_allclose(W1, W2, rtol=1e-10, atol=1e-12)
    by_class = ScratchMLPClassifier(class_weight={"rare": 3.0}, random_state=0)
    by_sample = ScratchMLPClassifier(random_state=0)
    _fit_strictly(by_class, X_frame, y)
    _fit_strictly(by_sample, X_frame, y, sample_weight=np.full(len(y), 3.0))
    for W1, W2 in zip(by_class.coefs_, by_sample.coefs_, strict=True):
        np.testing.assert_array_equal(W1, W2)
    np.testing.assert_array_equal(by_class.predict_proba(X_frame), 1.0)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_on_one_class_then_another_class_is_refused(solver):
    X_frame, y = _one_class_frame()
    model = ScratchMLPClassifier(solver=solver, random_state=0)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for _ in range(3):
            model.partial_fit(X_frame, y, classes=["rare"])
    assert model.classes_.tolist() == ["rare"] and model.n_iter_ == 1
    assert model.t_ == 3 * len(y)
    np.testing.assert_array_equal(model.predict_proba(X_frame), 1.0)
    before = _snapshot(model)
    second = y.where(np.arange(len(y)) % 2 == 0, "common")
    with pytest.raises(ValueError, match=r"\['common'\] that are not in classes_"):
        model.partial_fit(X_frame, second)
    with pytest.raises(ValueError, match="is not the same as on last call"):
        model.partial_fit(X_frame, second, classes=["common", "rare"])
    assert _snapshot(model) == before


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_a_warm_start_keeps_the_one_class_of_the_first_fit(solver):
    X_frame, y = _one_class_frame()
    model = ScratchMLPClassifier(solver=solver, warm_start=True, random_state=0)
    _fit_strictly(model, X_frame, y)
    _fit_strictly(model, X_frame, y)  # the same single class: fine
    before = _snapshot(model)
    second = y.where(np.arange(len(y)) % 2 == 0, "common")
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has"):
        model.fit(X_frame, second)
    assert _snapshot(model) == before
    # Without warm_start, a new fit starts anew with the new classes.
    model.set_params(warm_start=False, alpha=1e-4, max_iter=5)
    assert _quietly(model.fit, X_frame, second).classes_.tolist() == ["common", "rare"]


def test_a_binary_model_trains_on_a_batch_of_one_class_but_keeps_both():
    y = TARGETS["binary"]
    model = ScratchMLPClassifier(solver="adam", random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    model.partial_fit(X[y == 1], y[y == 1])  # a batch of one class
    assert model.classes_.tolist() == [0, 1]
    assert model.predict_proba(X).shape == (len(X), 2)
    model.set_params(warm_start=True)
    with pytest.raises(ValueError, match="warm_start can only be used where `y` has"):
        model.fit(X[y == 1], y[y == 1])


def test_a_one_class_model_survives_pickling():
    X_frame, y = _one_class_frame()
    model = ScratchMLPClassifier(solver="adam", max_iter=5, random_state=0)
    model.partial_fit(X_frame, y, classes=["rare"])
    restored = pickle.loads(pickle.dumps(model))
    assert restored.classes_.tolist() == ["rare"]
    for method in ("predict", "predict_proba", "predict_log_proba"):
        np.testing.assert_array_equal(
            getattr(restored, method)(X_frame), getattr(model, method)(X_frame)
        )
    np.testing.assert_array_equal(
        restored.decision_function(X_frame), model.decision_function(X_frame)
    )
    # Training continues from the same state in both.
    model.partial_fit(X_frame, y)
    restored.partial_fit(X_frame, y)
    for W1, W2 in zip(model.coefs_, restored.coefs_, strict=True):
        np.testing.assert_array_equal(W1, W2)


def test_a_multilabel_target_with_a_constant_label_keeps_its_columns():
    y = np.column_stack([TARGETS["binary"], np.ones(len(X), dtype=int)])
    model = _quietly(ScratchMLPClassifier(random_state=0, max_iter=50).fit, X, y)
    assert model.n_outputs_ == 2 and model.classes_.tolist() == [0, 1]
    assert model.predict(X).shape == (len(X), 2)
    assert model.predict_proba(X).shape == (len(X), 2)


def test_the_cv_estimator_refuses_one_class_clearly():
    # Every penalty predicts the one class: there is nothing to choose by.
    X_frame, y = _one_class_frame()
    with pytest.raises(ValueError, match="at least 2 classes.* only one class: 'rare'"):
        ScratchMLPClassifierCV(alphas=[0.1, 1.0]).fit(X_frame, y)


def test_a_one_class_model_converts_to_and_from_mlpclassifier():
    X_frame, y = _one_class_frame()
    X_train = X_frame.to_numpy()
    ours = _fit_strictly(ScratchMLPClassifier(random_state=0), X_train, y)
    theirs = ours.to_sklearn()
    assert theirs.predict(X_train).tolist() == ours.predict(X_train).tolist()
    # MLPClassifier's two columns: one minus the sigmoid, and the sigmoid.
    np.testing.assert_allclose(
        theirs.predict_proba(X_train)[:, 1], expit(ours.decision_function(X_train))
    )
    back = ScratchMLPClassifier.from_sklearn(theirs)
    np.testing.assert_array_equal(back.predict_proba(X_train), 1.0)
