"""scikit-learn callbacks (``_callbacks.py``): they see every step, can stop
training, and get a consistent fitted model."""

import copy
import os
import pickle
import signal
import warnings

import numpy as np
import pytest
from conftest import NoOpCallback, quiet
from sklearn.exceptions import ConvergenceWarning

from sknnscratch import ScratchMLPClassifier
from sknnscratch._callbacks import CALLBACKS_AVAILABLE


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_scoring_monitor_sees_every_epoch(solver, binary_data):
    from sklearn.callback import ScoringMonitor

    X, y = binary_data
    monitor = ScoringMonitor(scoring="accuracy")
    model = ScratchMLPClassifier(solver=solver, max_iter=8, random_state=0)
    quiet(model.set_callbacks(monitor), X, y)
    scores = [row["accuracy"] for row in monitor.get_logs().data]
    # One score per epoch (or iteration) and one for the finished fit.
    assert len(scores) == model.n_iter_ + 1
    assert scores[-1] == model.score(X, y)


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_a_callback_can_stop_training(solver, binary_data):
    class StopAfterThree(NoOpCallback):
        def __init__(self):
            self.ends = 0

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


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_progress_bar_shows_training_and_changes_nothing(solver, binary_data):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar

    X, y = binary_data
    settings = dict(solver=solver, max_iter=15, random_state=0)
    plain = quiet(ScratchMLPClassifier(**settings), X, y)
    watched = ScratchMLPClassifier(**settings).set_callbacks(ProgressBar())
    quiet(watched, X, y)
    assert watched.n_iter_ == plain.n_iter_
    np.testing.assert_array_equal(watched.coefs_[0], plain.coefs_[0])


class KeepFittedCopies(NoOpCallback):
    """A scikit-learn callback that deep-copies and pickles each step's model."""

    def __init__(self):
        self.copies = []

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if fitted_estimator is not None and hasattr(fitted_estimator, "n_iter_"):
            # Without its callbacks, which hold the copies made so far.
            model = copy.copy(fitted_estimator).set_callbacks()
            self.copies.append(copy.deepcopy(model))
            self.copies.append(pickle.loads(pickle.dumps(model)))
        return False


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_a_model_copied_in_a_callback_is_a_consistent_fitted_model(solver, binary_data):
    X, y = binary_data
    callback = KeepFittedCopies()
    settings = dict(solver=solver, max_iter=5, tol=0.0, random_state=0)
    model = quiet(ScratchMLPClassifier(**settings).set_callbacks(callback), X, y)
    # Two copies per step, then two of the finished fit.
    assert len(callback.copies) == 2 * 5 + 2
    for copied in callback.copies[-2:]:
        np.testing.assert_array_equal(copied.coefs_[0], model.coefs_[0])
    references = {
        step: quiet(ScratchMLPClassifier(**{**settings, "max_iter": step}), X, y)
        for step in range(1, 6)
    }
    for i, copied in enumerate(callback.copies[:-2]):
        step = i // 2 + 1
        assert copied.n_iter_ == step == len(copied.loss_curve_) == len(copied.history_)
        assert copied.loss_ == copied.loss_curve_[-1] == model.loss_curve_[step - 1]
        assert np.isfinite(copied.predict_proba(X)).all()
        # It is the model of that step: resuming it with warm start is possible.
        np.testing.assert_array_equal(copied.coefs_[0], references[step].coefs_[0])


class FailsAtTheEndOfFit(NoOpCallback):
    """A callback whose end-of-fit hook (the root task's) raises ``error``, or
    sends a real SIGINT."""

    def __init__(self, error):
        self.error, self.saw_the_fitted_model = error, None

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        if context.task_name != "fit":
            return False
        # The end of fit sees the model committed, as after scikit-learn's fits.
        self.saw_the_fitted_model = estimator.n_iter_ == fitted_estimator.n_iter_
        if self.error == "SIGINT":
            os.kill(os.getpid(), signal.SIGINT)
        raise self.error


ERRORS_AT_THE_END = [
    KeyboardInterrupt,
    pytest.param(
        "SIGINT",
        marks=pytest.mark.skipif(
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler,
            reason="SIGINT does not raise KeyboardInterrupt in this process",
        ),
    ),
]


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("error", ERRORS_AT_THE_END)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_an_interrupt_at_the_end_of_partial_fit_changes_nothing(
    solver, error, binary_data
):
    X, y = binary_data
    model = ScratchMLPClassifier(solver=solver, random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    before = pickle.dumps(model)
    callback = FailsAtTheEndOfFit(error)
    with pytest.raises(KeyboardInterrupt):
        model.set_callbacks(callback).partial_fit(X, y)
    assert callback.saw_the_fitted_model
    assert pickle.dumps(model.set_callbacks()) == before


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("error", ERRORS_AT_THE_END)
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_an_interrupt_at_the_end_of_fit_keeps_the_model_as_fit_does(
    solver, error, binary_data
):
    X, y = binary_data
    settings = dict(solver=solver, max_iter=5, random_state=0)
    model = ScratchMLPClassifier(**settings).set_callbacks(FailsAtTheEndOfFit(error))
    with pytest.warns(UserWarning, match="interrupted .* keeping the model of the 5"):
        quiet(model, X, y)
    reference = quiet(ScratchMLPClassifier(**settings), X, y)
    np.testing.assert_array_equal(model.coefs_[0], reference.coefs_[0])
    assert len(model.history_) == 5


@pytest.mark.skipif(not CALLBACKS_AVAILABLE, reason="scikit-learn < 1.9")
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_an_error_at_the_end_of_fit_leaves_the_model_as_it_was(method, binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="adam", max_iter=5, random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    before = pickle.dumps(model)
    model.set_callbacks(FailsAtTheEndOfFit(RuntimeError("callback bug")))
    with pytest.raises(RuntimeError, match="callback bug"):
        quiet(model, X, y, method=method)
    assert pickle.dumps(model.set_callbacks()) == before
