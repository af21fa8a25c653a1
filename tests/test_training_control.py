"""Training control beyond MLPClassifier: weights, early stopping on any metric,
history, resumable training, divergence, and failed fits that change nothing."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import sknnscratch._classifier as classifier
import sknnscratch._kernels as kernels
import sknnscratch._network as network
from sknnscratch import ScratchMLPClassifier
from sknnscratch._callbacks import CALLBACKS_AVAILABLE
from sknnscratch._monitoring import DIVERGENCE_FACTOR, validation_split


def _quiet(model, *args, method="fit", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return getattr(model, method)(*args, **kwargs)


def _state(model):
    """Every fitted attribute, pickled: equal bytes mean an unchanged model."""
    public = {k: v for k, v in vars(model).items() if k.endswith("_")}
    return pickle.dumps(public)


# ------------------------------------------------------------ sample weights


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
    _quiet(weighted, X, y, sample_weight=counts)
    _quiet(repeated, np.repeat(X, counts, axis=0), np.repeat(y, counts))
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
    _quiet(weighted, X, y, sample_weight=counts)
    _quiet(repeated, np.repeat(X, counts, axis=0), np.repeat(y, counts))
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


# -------------------------------------------------------------- class_weight


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
    manual = ScratchMLPClassifier(random_state=0)
    balanced.fit(X, y, sample_weight=weights)
    # Classes are counted by weight: S / (n_classes * S_c).
    per_class = {c: weights.sum() / (2 * weights[y == c].sum()) for c in (0, 1)}
    manual.fit(X, y, sample_weight=weights * np.vectorize(per_class.get)(y))
    np.testing.assert_allclose(
        balanced.predict_proba(X), manual.predict_proba(X), rtol=1e-6
    )


def test_partial_fit_refuses_balanced_class_weight(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="adam", class_weight="balanced")
    with pytest.raises(ValueError, match="balanced.*partial_fit"):
        model.partial_fit(X, y, classes=[0, 1])
    model.set_params(class_weight={0: 1, 1: 2}).partial_fit(X, y, classes=[0, 1])
    assert model.n_iter_ == 1


# ------------------------------------------------------------ early stopping


@pytest.fixture
def held_out(monkeypatch):
    """Records the validation rows of every early-stopping fit."""
    seen = []
    real = classifier.ValidationSet

    def recording(X, y, *args, **kwargs):
        seen.append((X, y))
        return real(X, y, *args, **kwargs)

    monkeypatch.setattr(classifier, "ValidationSet", recording)
    return seen


def _best_epoch(scores, losses):
    """The documented rule: best score, ties going to the lower loss."""
    best = 0
    for epoch in range(1, len(scores)):
        if scores[epoch] > scores[best] or (
            scores[epoch] == scores[best] and losses[epoch] < losses[best]
        ):
            best = epoch
    return best


def _early_stopping_model(scoring, n_iter_no_change=5):
    return ScratchMLPClassifier(
        hidden_layer_sizes=(32,),
        solver="adam",
        alpha=1e-4,
        learning_rate_init=0.01,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=n_iter_no_change,
        tol=0.0,
        max_iter=300,
        scoring=scoring,
        random_state=0,
    )


def _noisy_data():
    return make_classification(n_samples=400, n_features=13, flip_y=0.2, random_state=1)


@pytest.mark.parametrize("scoring", ["loss", "roc_auc", None])
def test_early_stopping_stops_at_the_best_epoch_and_restores_it(scoring, held_out):
    X, y = _noisy_data()
    model = _early_stopping_model(scoring).fit(X, y)
    scores, losses = model.validation_scores_, model.validation_loss_curve_
    best_epoch = _best_epoch(scores, losses)
    assert model.best_validation_score_ == scores[best_epoch] == max(scores)
    # It stopped after n_iter_no_change + 1 epochs without improvement.
    assert model.n_iter_ == best_epoch + 1 + model.n_iter_no_change + 1
    assert model.n_iter_ < model.max_iter
    ((X_val, y_val),) = held_out
    assert abs(len(y_val) - 120) <= 2  # validation_fraction=0.3 of 400 rows
    proba = model.predict_proba(X_val)[:, 1]
    expected = {
        "loss": -log_loss(y_val, proba),
        "roc_auc": roc_auc_score(y_val, proba),
        None: np.mean(model.predict(X_val) == y_val),
    }[scoring]
    np.testing.assert_allclose(model.best_validation_score_, expected, rtol=1e-10)
    np.testing.assert_allclose(losses[best_epoch], log_loss(y_val, proba), rtol=1e-10)


def test_accuracy_ties_are_broken_by_the_validation_loss(held_out):
    X, y = _noisy_data()
    model = _early_stopping_model(None, n_iter_no_change=3).fit(X, y)
    scores, losses = model.validation_scores_, model.validation_loss_curve_
    best_epoch = _best_epoch(scores, losses)
    tied = [e for e in range(len(scores)) if scores[e] == scores[best_epoch]]
    assert len(tied) > 1  # accuracy on 120 rows ties
    assert losses[best_epoch] == min(losses[e] for e in tied)


def test_a_warm_start_holds_out_the_same_rows(held_out, binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(
        solver="adam", early_stopping=True, max_iter=3, warm_start=True
    )
    _quiet(model, X, y)
    _quiet(model, X, y)
    (X1, y1), (X2, y2) = held_out
    np.testing.assert_array_equal(X1, X2)
    assert len(model.validation_scores_) == 6


def test_validation_split_keeps_weights_equivalent_to_repeated_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = rng.randint(0, 2, size=40)
    counts = rng.randint(0, 4, size=40)
    _, val_weighted = validation_split(
        X, y, counts.astype(float), 0.25, np.random.RandomState(5)
    )
    _, val_repeated = validation_split(
        np.repeat(X, counts, axis=0),
        np.repeat(y, counts),
        None,
        0.25,
        np.random.RandomState(5),
    )
    held_weighted = {tuple(row) for row in X[val_weighted][counts[val_weighted] > 0]}
    held_repeated = {tuple(row) for row in np.repeat(X, counts, axis=0)[val_repeated]}
    assert held_weighted == held_repeated
    for c in (0, 1):  # stratified by weight: about a quarter of each class
        share = counts[val_weighted][y[val_weighted] == c].sum() / counts[y == c].sum()
        assert 0.2 <= share <= 0.4


def test_early_stopping_accepts_a_callable_scorer():
    X, y = _noisy_data()
    seen = []

    def balanced_accuracy(estimator, X_val, y_val):
        seen.append(len(y_val))
        return np.mean(
            [np.mean(estimator.predict(X_val[y_val == c]) == c) for c in (0, 1)]
        )

    model = _early_stopping_model(balanced_accuracy).fit(X, y)
    assert len(set(seen)) == 1 and abs(seen[0] - 120) <= 2
    assert len(seen) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)


def test_a_bad_scorer_name_fails_before_training(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="adam", early_stopping=True, scoring="nope")
    with pytest.raises(ValueError, match="nope"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_history_is_a_table_of_every_epoch():
    X, y = _noisy_data()
    model = _early_stopping_model("loss").fit(X, y)
    history = pd.DataFrame(model.history_)
    assert list(history.columns) == [
        "epoch",
        "train_loss",
        "validation_loss",
        "validation_score",
        "learning_rate",
        "seconds",
    ]
    assert history["epoch"].tolist() == list(range(1, model.n_iter_ + 1))
    assert history["train_loss"].tolist() == model.loss_curve_
    assert history["validation_loss"].tolist() == model.validation_loss_curve_
    assert history["validation_score"].tolist() == model.validation_scores_
    assert (history["seconds"] > 0).all()
    assert (history["learning_rate"] > 0).all()


def test_history_without_early_stopping_and_for_lbfgs(binary_data):
    X, y = binary_data
    sgd = _quiet(
        ScratchMLPClassifier(solver="sgd", learning_rate="invscaling", max_iter=4),
        X,
        y,
    )
    rates = [row["learning_rate"] for row in sgd.history_]
    assert rates[0] == 0.001 and rates[1] < rates[0]  # the schedule, epoch by epoch
    assert sgd.validation_loss_curve_ is None
    assert all(row["validation_loss"] is None for row in sgd.history_)
    lbfgs = ScratchMLPClassifier(random_state=0).fit(X, y)
    assert [row["train_loss"] for row in lbfgs.history_] == lbfgs.loss_curve_
    assert len(lbfgs.history_) == lbfgs.n_iter_


def test_verbose_prints_validation_loss_and_score(binary_data, capsys):
    X, y = binary_data
    _quiet(
        ScratchMLPClassifier(
            solver="adam", early_stopping=True, max_iter=2, verbose=True
        ),
        X,
        y,
    )
    out = capsys.readouterr().out
    assert "Iteration 2, loss = " in out
    assert out.count("Validation loss: ") == 2
    assert out.count("Validation score: ") == 2


@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="adam", max_iter=5),
        dict(solver="sgd", max_iter=500, learning_rate_init=0.1),
        dict(solver="adam", max_iter=300, learning_rate_init=0.01),
        dict(solver="lbfgs", max_iter=5),
        dict(solver="lbfgs", max_iter=1000),
    ],
)
def test_convergence_warning_exactly_when_mlpclassifier_gives_it(settings, binary_data):
    X, y = binary_data
    warned = []
    for cls in (ScratchMLPClassifier, MLPClassifier):
        model = cls(hidden_layer_sizes=(8,), alpha=1e-4, random_state=0, **settings)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X, y)
        warned.append(sum(w.category is ConvergenceWarning for w in caught))
    assert warned[0] == warned[1]


# ------------------------------------------------------- resumable training


@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="adam", shuffle=False),
        dict(solver="adam", shuffle=True),
        dict(solver="sgd", learning_rate="invscaling", momentum=0.5),
        dict(solver="sgd", learning_rate="adaptive", n_iter_no_change=1),
    ],
)
def test_warm_start_in_two_halves_equals_one_fit(settings, multiclass_data):
    X, y = multiclass_data
    once = ScratchMLPClassifier(random_state=0, max_iter=20, batch_size=40, **settings)
    twice = ScratchMLPClassifier(
        random_state=0, max_iter=10, batch_size=40, warm_start=True, **settings
    )
    _quiet(once, X, y)
    _quiet(twice, X, y)
    _quiet(twice, X, y)
    assert twice.loss_curve_ == once.loss_curve_
    for W1, W2 in zip(twice.coefs_, once.coefs_, strict=True):
        np.testing.assert_array_equal(W1, W2)
    assert twice.t_ == once.t_
    assert twice._optimizer.learning_rate == once._optimizer.learning_rate


def test_mlpclassifier_warm_start_differs_ours_does_not(binary_data):
    # MLPClassifier re-creates Adam on every warm-started fit (scikit-learn
    # issue #6091); continuing the moments is what makes the halves add up.
    X, y = binary_data

    def two_halves(cls):
        model = cls(max_iter=10, warm_start=True, **settings)
        _quiet(model, X, y)
        return _quiet(model, X, y).coefs_[0]

    settings = dict(
        hidden_layer_sizes=(8,),
        alpha=1e-4,
        solver="adam",
        shuffle=False,
        random_state=0,
    )
    ours_once = _quiet(ScratchMLPClassifier(max_iter=20, **settings), X, y).coefs_[0]
    mlp_once = _quiet(MLPClassifier(max_iter=20, **settings), X, y).coefs_[0]
    np.testing.assert_allclose(ours_once, mlp_once, rtol=1e-6)  # same network
    np.testing.assert_array_equal(two_halves(ScratchMLPClassifier), ours_once)
    assert not np.allclose(two_halves(MLPClassifier), ours_once)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_calls_equal_fit_epochs(solver, binary_data):
    X, y = binary_data
    settings = dict(solver=solver, batch_size=50, random_state=0, tol=0.0)
    fitted = _quiet(
        ScratchMLPClassifier(max_iter=6, n_iter_no_change=100, **settings), X, y
    )
    streamed = ScratchMLPClassifier(**settings)
    for _ in range(6):
        streamed.partial_fit(X, y, classes=[0, 1])
    assert streamed.loss_curve_ == fitted.loss_curve_
    for W1, W2 in zip(streamed.coefs_, fitted.coefs_, strict=True):
        np.testing.assert_array_equal(W1, W2)


def test_fit_then_partial_fit_continues(binary_data):
    X, y = binary_data
    settings = dict(solver="adam", batch_size=50, random_state=0)
    fitted = _quiet(ScratchMLPClassifier(max_iter=5, **settings), X, y)
    resumed = _quiet(ScratchMLPClassifier(max_iter=3, **settings), X, y)
    resumed.partial_fit(X, y)
    resumed.partial_fit(X, y)
    assert resumed.loss_curve_ == fitted.loss_curve_
    np.testing.assert_array_equal(resumed.coefs_[0], fitted.coefs_[0])


def test_changing_the_solver_settings_starts_a_new_optimiser(binary_data):
    X, y = binary_data
    model = _quiet(
        ScratchMLPClassifier(solver="adam", max_iter=3, warm_start=True), X, y
    )
    assert model._optimizer.t > 0
    _quiet(model.set_params(learning_rate_init=0.01, max_iter=1), X, y)
    assert model._optimizer.t == 1  # one epoch of one batch, from scratch


# ------------------------------------------------------------- multilabel


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_multilabel_with_every_solver_and_early_stopping(solver):
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=13, n_classes=4, random_state=0
    )
    model = _quiet(
        ScratchMLPClassifier(
            hidden_layer_sizes=(16,),
            alpha=1e-3,
            solver=solver,
            learning_rate_init=0.01,
            early_stopping=solver != "lbfgs",
            n_iter_no_change=30,
            random_state=0,
        ),
        X,
        Y,
    )
    assert model.predict(X).shape == Y.shape
    assert model.predict_proba(X).shape == Y.shape
    assert model.n_outputs_ == 4 and model.out_activation_ == "logistic"
    assert model.score(X, Y) > 0.3  # subset accuracy; chance is about 0.06


# --------------------------------------------------------------- divergence


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_divergence_raises_a_clear_error_without_runtime_warnings(solver, binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(
        solver=solver, learning_rate_init=1e3, alpha=1e-4, max_iter=50
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning first
        with pytest.raises(ValueError, match=r"diverged in epoch \d+.*StandardScaler"):
            model.fit(X * 1e6, y)
    assert not hasattr(model, "loss_")


def test_mlpclassifier_returns_an_exploded_loss_silently(binary_data):
    # The behaviour our divergence check replaces (scikit-learn issue #17925).
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(
            solver="sgd", learning_rate_init=10.0, alpha=1e-4, max_iter=50
        ).fit(X * 1e6, y)
    assert not model.loss_ < DIVERGENCE_FACTOR


def _patch_losses(monkeypatch, change):
    """Make every forward/backward pass return ``change(call_number, loss)``."""
    real = kernels.Backprop.__call__
    calls = []

    def patched(self, *args, **kwargs):
        calls.append(real(self, *args, **kwargs))
        return change(len(calls), calls[-1])

    monkeypatch.setattr(kernels.Backprop, "__call__", patched)


def test_divergence_names_its_epoch(binary_data, monkeypatch):
    X, y = binary_data
    _patch_losses(monkeypatch, lambda call, loss: 1e30 if call == 3 else loss)
    model = ScratchMLPClassifier(solver="adam", batch_size=len(y), max_iter=10)
    with pytest.raises(ValueError, match="diverged in epoch 3: the loss became 1e"):
        model.fit(X, y)


def test_lbfgs_stops_on_a_non_finite_loss(binary_data, monkeypatch):
    X, y = binary_data
    _patch_losses(monkeypatch, lambda call, loss: np.nan)
    with pytest.raises(ValueError, match="diverged in L-BFGS iteration 1"):
        ScratchMLPClassifier().fit(X, y)


# ------------------------------------------------ failed fits change nothing


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_a_failing_refit_leaves_the_model_as_it_was(solver, binary_data, monkeypatch):
    X, y = binary_data
    model = _quiet(ScratchMLPClassifier(solver=solver, random_state=0), X, y)
    before = _state(model)
    coefs = [W.copy() for W in model.coefs_]
    frame = pd.DataFrame(X[:, :5], columns=list("abcde"))
    with pytest.raises(ValueError, match="only one class"):
        model.fit(frame, np.zeros_like(y))  # fails after reading the new columns
    with monkeypatch.context() as patch:
        _patch_losses(patch, lambda call, loss: np.nan if call == 3 else loss)
        with pytest.raises(ValueError, match="diverged"):
            model.fit(X, y)  # fails in the middle of training
    assert _state(model) == before
    for W, W_before in zip(model.coefs_, coefs, strict=True):
        np.testing.assert_array_equal(W, W_before)
    assert model.n_features_in_ == 13
    assert not hasattr(model, "feature_names_in_")


def test_a_diverging_warm_start_leaves_weights_and_optimiser_unchanged(binary_data):
    X, y = binary_data
    model = _quiet(
        ScratchMLPClassifier(solver="sgd", max_iter=5, warm_start=True), X, y
    )
    before = _state(model)
    velocity = model._optimizer.velocity.copy()
    with pytest.raises(ValueError, match="diverged"):
        _quiet(model, X * 1e30, y)
    assert _state(model) == before
    np.testing.assert_array_equal(model._optimizer.velocity, velocity)
    assert model._optimizer.velocity.any()


def test_a_failing_partial_fit_leaves_the_model_as_it_was(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="sgd").partial_fit(X, y, classes=[0, 1])
    before = _state(model)
    with pytest.raises(ValueError, match="not in classes_"):
        model.partial_fit(X, y + 7)
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :3], y)
    assert _state(model) == before


# ----------------------------------------------------------------- callbacks


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_scoring_monitor_sees_every_epoch(solver, binary_data):
    from sklearn.callback import ScoringMonitor

    X, y = binary_data
    monitor = ScoringMonitor(scoring="accuracy")
    model = ScratchMLPClassifier(solver=solver, max_iter=8, random_state=0)
    _quiet(model.set_callbacks(monitor), X, y)
    scores = [row["accuracy"] for row in monitor.get_logs().data]
    # One score per epoch (or iteration) and one for the finished fit.
    assert len(scores) == model.n_iter_ + 1
    assert scores[-1] == model.score(X, y)


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_a_callback_can_stop_training(solver, binary_data):
    class StopAfterThree:
        def __init__(self):
            self.ends = 0

        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            if fitted_estimator is None:
                return False
            self.ends += 1
            return self.ends == 3

    X, y = binary_data
    model = ScratchMLPClassifier(solver=solver, max_iter=50, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping is not failing
        model.set_callbacks(StopAfterThree()).fit(X, y)
    assert model.n_iter_ == 3


def test_a_small_last_batch_gets_the_training_sets_penalty(binary_data):
    # 120 rows in batches of 100 and 20, plain SGD: each step applies the
    # gradient of its batch's mean loss + alpha / (2 * 120) ||W||^2, the
    # penalty of the whole training set (MLPClassifier would use 2 * 20).
    X, y = binary_data
    Y = np.c_[y].astype(float)
    model = ScratchMLPClassifier(
        solver="sgd",
        momentum=0.0,
        shuffle=False,
        alpha=3.0,
        batch_size=100,
        max_iter=1,
        warm_start=True,
        random_state=0,
    )
    _quiet(model, X, y)
    coefs = [W.copy() for W in model.coefs_]
    intercepts = [b.copy() for b in model.intercepts_]
    for batch in (slice(0, 100), slice(100, 120)):
        _, dW, db = network.loss_and_gradients(
            X[batch],
            Y[batch],
            coefs,
            intercepts,
            activation="relu",
            out_activation="logistic",
            alpha=0.0,
        )
        coefs = [
            W - 0.001 * (g + 3.0 / 120 * W) for W, g in zip(coefs, dW, strict=True)
        ]
        intercepts = [b - 0.001 * g for b, g in zip(intercepts, db, strict=True)]
    _quiet(model, X, y)  # one more epoch from the same weights
    for W, expected in zip(model.coefs_, coefs, strict=True):
        np.testing.assert_allclose(W, expected, rtol=1e-10)


def test_convergence_warnings_point_at_the_callers_line(binary_data):
    X, y = binary_data
    for solver in ("lbfgs", "adam"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            ScratchMLPClassifier(solver=solver, max_iter=2).fit(X, y)
        assert caught[0].filename == __file__


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_progress_bar_shows_training_and_changes_nothing(solver, binary_data):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    X, y = binary_data
    settings = dict(solver=solver, max_iter=15, random_state=0)
    plain = _quiet(ScratchMLPClassifier(**settings), X, y)
    watched = ScratchMLPClassifier(**settings).set_callbacks(ProgressBar())
    _quiet(watched, X, y)
    assert watched.n_iter_ == plain.n_iter_
    np.testing.assert_array_equal(watched.coefs_[0], plain.coefs_[0])
