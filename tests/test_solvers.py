"""The training loops (``_solvers.py``): what an interrupt keeps.

A KeyboardInterrupt during ``fit`` keeps the last completed epoch (or L-BFGS
iteration) with everything that describes it; before anything completed, or
in ``partial_fit``, the model stays as it was and the interrupt propagates.
Interrupts come through public seams: a scorer, a scikit-learn callback, or
a real SIGINT.
"""

import os
import pickle
import signal
import threading
import warnings

import numpy as np
import pytest
from conftest import NoOpCallback, quiet
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknnscratch._network as network
from sknnscratch import ScratchMLPClassifier
from sknnscratch._callbacks import CALLBACKS_AVAILABLE

needs_callbacks = pytest.mark.skipif(
    not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9 has no callback API"
)


def _interrupting_scorer(after):
    """A validation scorer that raises KeyboardInterrupt on call ``after + 1``."""
    calls = []

    def scorer(estimator, X, y):
        calls.append(1)
        if len(calls) > after:
            raise KeyboardInterrupt
        return estimator.score(X, y)

    return scorer


class InterruptAfter(NoOpCallback):
    """A scikit-learn callback whose k-th step raises KeyboardInterrupt."""

    def __init__(self, k, real_signal=False):
        self.k, self.ends, self.real_signal = k, 0, real_signal

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if fitted_estimator is None:
            return False
        self.ends += 1
        if self.ends == self.k:
            if self.real_signal:
                os.kill(os.getpid(), signal.SIGINT)
            raise KeyboardInterrupt
        return False


def _same_model(interrupted, reference):
    for a, b in zip(
        [*interrupted.coefs_, *interrupted.intercepts_],
        [*reference.coefs_, *reference.intercepts_],
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    for name in ("n_iter_", "t_", "loss_", "loss_curve_", "best_loss_"):
        assert getattr(interrupted, name) == getattr(reference, name), name
    assert len(interrupted.history_) == len(interrupted.loss_curve_)
    curves = interrupted.validation_scores_, interrupted.validation_loss_curve_
    if curves[0] is not None:
        assert curves == (
            reference.validation_scores_,
            reference.validation_loss_curve_,
        )
        assert len(curves[0]) == len(interrupted.loss_curve_)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_an_interrupt_in_the_scorer_keeps_the_completed_epochs(solver, binary_data):
    X, y = binary_data
    settings = dict(
        solver=solver,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=100,
        learning_rate_init=0.01,
        random_state=0,
    )
    model = ScratchMLPClassifier(scoring=_interrupting_scorer(3), **settings)
    with pytest.warns(UserWarning, match="interrupted") as caught:
        model.fit(X, y)
    assert len([w for w in caught if "interrupted" in str(w.message)]) == 1
    reference = ScratchMLPClassifier(
        scoring=_interrupting_scorer(1000), max_iter=3, **settings
    )
    _same_model(model, quiet(reference, X, y))


@needs_callbacks
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
@pytest.mark.parametrize("real_signal", [False, True])
def test_an_interrupt_keeps_what_fit_with_fewer_iterations_gives(
    solver, real_signal, binary_data
):
    X, y = binary_data
    settings = dict(solver=solver, alpha=1e-3, tol=0.0, random_state=0)
    model = ScratchMLPClassifier(max_iter=100, **settings)
    model.set_callbacks(InterruptAfter(4, real_signal))
    with pytest.warns(UserWarning, match="keeping the model of the 4"):
        model.fit(X, y)
    reference = quiet(ScratchMLPClassifier(max_iter=4, **settings), X, y)
    _same_model(model, reference)
    assert len(model.history_) == 4


class InterruptFirstStep(InterruptAfter):
    """A scikit-learn callback that interrupts as the first step begins."""

    def __init__(self):
        super().__init__(k=None)
        self.begins = 0

    def on_fit_task_begin(self, estimator, context):
        self.begins += 1
        if self.begins == 2:  # the first is the whole fit's task
            raise KeyboardInterrupt


@needs_callbacks
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_an_interrupt_before_anything_completed_changes_nothing(solver, binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver=solver, max_iter=10, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        model.set_callbacks(InterruptFirstStep()).fit(X, y)
    assert not hasattr(model, "coefs_") and not hasattr(model, "classes_")
    # A fitted model refitted and interrupted at once is left as it was.
    quiet(model.set_callbacks(), X, y)
    before = pickle.dumps(model)
    with pytest.raises(KeyboardInterrupt):
        model.set_callbacks(InterruptFirstStep()).fit(X, y)
    assert pickle.dumps(model.set_callbacks()) == before


def test_an_interrupt_in_the_first_epochs_scorer_propagates(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(
        solver="adam", early_stopping=True, scoring=_interrupting_scorer(0)
    )
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


class SigintSoonAfterFirstStep(InterruptAfter):
    """A callback that arms a real SIGINT once the first step has completed."""

    def __init__(self):
        super().__init__(k=None)
        self.timer = threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if fitted_estimator is not None and self.timer.ident is None:
            self.timer.start()
        return False


@needs_callbacks
@pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
    reason="SIGINT does not raise KeyboardInterrupt in this process",
)
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_a_real_sigint_mid_step_keeps_the_last_completed_one(solver):
    # Noisy labels and a wide layer: no solver converges before the signal.
    X, y = make_classification(3_000, 40, flip_y=0.3, random_state=0)
    settings = dict(
        solver=solver, hidden_layer_sizes=(64,), tol=0.0, alpha=0.0, random_state=0
    )
    model = ScratchMLPClassifier(max_iter=1_000_000, max_fun=10**9, **settings)
    callback = SigintSoonAfterFirstStep()
    try:
        with pytest.warns(UserWarning, match="interrupted"):
            model.set_callbacks(callback).fit(X, y)
    finally:
        callback.timer.cancel()
    assert 0 < model.n_iter_ < 1_000_000
    reference = ScratchMLPClassifier(max_iter=model.n_iter_, **settings)
    _same_model(model, quiet(reference, X, y))


@needs_callbacks
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_an_interrupted_partial_fit_changes_nothing_and_reraises(solver, binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver=solver, random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    before = pickle.dumps(model)
    model.set_callbacks(InterruptAfter(1))
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X, y)
    model.set_callbacks()
    assert pickle.dumps(model) == before


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
    quiet(once, X, y)
    quiet(twice, X, y)
    quiet(twice, X, y)
    assert twice.loss_curve_ == once.loss_curve_
    for W1, W2 in zip(twice.coefs_, once.coefs_, strict=True):
        np.testing.assert_array_equal(W1, W2)
    assert twice.t_ == once.t_
    assert (
        twice._training_state.optimizer.learning_rate
        == once._training_state.optimizer.learning_rate
    )


def test_mlpclassifier_warm_start_differs_ours_does_not(binary_data):
    # MLPClassifier re-creates Adam on every warm-started fit (scikit-learn
    # issue #6091); continuing the moments is what makes the halves add up.
    X, y = binary_data

    def two_halves(cls):
        model = cls(max_iter=10, warm_start=True, **settings)
        quiet(model, X, y)
        return quiet(model, X, y).coefs_[0]

    settings = dict(
        hidden_layer_sizes=(8,),
        alpha=1e-4,
        solver="adam",
        shuffle=False,
        random_state=0,
    )
    ours_once = quiet(ScratchMLPClassifier(max_iter=20, **settings), X, y).coefs_[0]
    mlp_once = quiet(MLPClassifier(max_iter=20, **settings), X, y).coefs_[0]
    np.testing.assert_allclose(ours_once, mlp_once, rtol=1e-6)  # same network
    np.testing.assert_array_equal(two_halves(ScratchMLPClassifier), ours_once)
    assert not np.allclose(two_halves(MLPClassifier), ours_once)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_calls_equal_fit_epochs(solver, binary_data):
    X, y = binary_data
    settings = dict(solver=solver, batch_size=50, random_state=0, tol=0.0)
    fitted = quiet(
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
    fitted = quiet(ScratchMLPClassifier(max_iter=5, **settings), X, y)
    resumed = quiet(ScratchMLPClassifier(max_iter=3, **settings), X, y)
    resumed.partial_fit(X, y)
    resumed.partial_fit(X, y)
    assert resumed.loss_curve_ == fitted.loss_curve_
    np.testing.assert_array_equal(resumed.coefs_[0], fitted.coefs_[0])


def test_changing_the_solver_settings_starts_a_new_optimiser(binary_data):
    X, y = binary_data
    model = quiet(
        ScratchMLPClassifier(solver="adam", max_iter=3, warm_start=True), X, y
    )
    assert model._training_state.optimizer.t > 0
    quiet(model.set_params(learning_rate_init=0.01, max_iter=1), X, y)
    assert (
        model._training_state.optimizer.t == 1
    )  # one epoch of one batch, from scratch


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_multilabel_with_every_solver_and_early_stopping(solver):
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=13, n_classes=4, random_state=0
    )
    model = quiet(
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
    quiet(model, X, y)
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
    quiet(model, X, y)  # one more epoch from the same weights
    for W, expected in zip(model.coefs_, coefs, strict=True):
        np.testing.assert_allclose(W, expected, rtol=1e-10)


# ------------------------------------------------- state across calls


def test_best_weights_of_an_earlier_early_stopping_fit_are_not_restored_later():
    X, y = make_classification(300, 8, random_state=0)
    settings = dict(solver="adam", early_stopping=True, warm_start=True)
    model = quiet(ScratchMLPClassifier(max_iter=30, random_state=0, **settings), X, y)
    model.set_params(early_stopping=False)
    for _ in range(5):  # training moves on without early stopping
        model.partial_fit(X[:100], 1 - y[:100])
    moved = [W.copy() for W in model.coefs_]
    quiet(model.set_params(max_iter=1, early_stopping=True), X, y)
    # One epoch from the moved weights, not a jump back to the old best ones.
    reference = ScratchMLPClassifier(max_iter=30, random_state=0, **settings)
    quiet(reference, X, y)
    assert not np.array_equal(model.coefs_[0], reference.coefs_[0])
    assert not np.array_equal(model.coefs_[0], moved[0])
    assert model.best_validation_score_ == model.validation_scores_[-1]


def test_lbfgs_drops_a_stochastic_optimisers_state(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="adam", max_iter=5, warm_start=True)
    quiet(model, X, y)
    quiet(model.set_params(solver="lbfgs", max_iter=20), X, y)
    assert model._training_state.optimizer is None
    quiet(model.set_params(solver="adam", max_iter=1), X, y)
    assert model._training_state.optimizer.t == 1  # a fresh Adam


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_a_warm_start_with_a_stronger_penalty_is_not_divergence(solver, binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver=solver, alpha=1e-4, max_iter=5, warm_start=True)
    quiet(model, X, y)
    quiet(model.set_params(alpha=1e6), X, y)  # the loss's scale changes
    assert np.isfinite(model.loss_)


def test_plain_gradient_descent_that_stops_short_says_why_and_what_to_do():
    from sknnscratch.datasets import load_heart_disease

    X, y = load_heart_disease(return_X_y=True)
    X = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit_transform(
        X
    )
    seed_post = dict(solver="sgd", momentum=0, batch_size=len(X), random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"1 per epoch.*without momentum") as w:
        ScratchMLPClassifier(max_iter=200, **seed_post).fit(X, y)
    message = str(w[0].message)
    assert "still falling: raise max_iter or learning_rate_init" in message
    assert "plain gradient descent often takes 0.1" in message
    # The advice works: the same full-batch descent with a larger step learns.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ScratchMLPClassifier(learning_rate_init=0.1, max_iter=300, **seed_post)
        assert model.fit(X, y).score(X, y) > 0.8
