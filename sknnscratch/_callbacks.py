"""Support for scikit-learn's callback API (``sklearn.callback``, new in 1.9).

With scikit-learn >= 1.9, ``ScratchMLPClassifier.set_callbacks(...)`` accepts
its callbacks (``ProgressBar``, ``ScoringMonitor``, or your own): ``fit`` is the
root task and every epoch (or L-BFGS iteration) a subtask, whose end hook gets
the training data and an estimator fitted up to that point. A callback that
asks to stop ends training after the current epoch. With older versions the
mixin and decorator below are inert stand-ins, so nothing else changes.
"""

import functools

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    CALLBACKS_AVAILABLE = True
except ImportError:  # scikit-learn < 1.9
    CALLBACKS_AVAILABLE = False

    class CallbackSupportMixin:  # noqa: D101 - stand-in without behaviour
        pass

    def with_callbacks(method):
        # A wrapper as scikit-learn's is, so that a warning's stack level
        # counts the same frames with either version.
        @functools.wraps(method)
        def run(estimator, *args, **kwargs):
            return method(estimator, *args, **kwargs)

        return run


class FitProgress:
    """The callback contexts of one call to ``fit`` or ``partial_fit``.

    Does nothing when scikit-learn has no callback API or no callback is set.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        The estimator being trained.
    max_steps : int
        The most epochs (or iterations) this call can run.
    data : TrainingData
        The training data handed to the callbacks' hooks (sample weights as
        metadata).
    fitted_attributes : callable
        Returns every fitted attribute of the model at the current step: a
        callback's ``fitted_estimator`` is a consistent fitted model.
    """

    def __init__(self, estimator, max_steps, data, fitted_attributes):
        self.estimator = estimator
        self._fitted_attributes = fitted_attributes
        X, y, sample_weight = data.X, data.y, data.sample_weight
        self.active = CALLBACKS_AVAILABLE and bool(
            getattr(estimator, "_skl_callbacks", None)
        )
        self.data = dict(
            X=X,
            y=y,
            metadata={} if sample_weight is None else {"sample_weight": sample_weight},
        )
        self._step = None
        if self.active:
            self._root = estimator._init_callback_context(max_subtasks=max_steps)
            self._root.call_on_fit_task_begin(estimator=estimator, **self.data)

    def begin_step(self):
        """Open the subtask of the next epoch or iteration."""
        if self.active:
            self._step = self._root.subcontext(task_name="epoch")
            self._step.call_on_fit_task_begin(estimator=self.estimator, **self.data)

    def end_step(self):
        """Close the current subtask; True when a callback asks to stop."""
        if not self.active or self._step is None:
            return False
        step, self._step = self._step, None
        return bool(
            step.call_on_fit_task_end(
                estimator=self.estimator,
                reconstruction_attributes=self._fitted_attributes,
                **self.data,
            )
        )

    def abandon_step(self):
        """Close a subtask that never ran (the extra one L-BFGS opens)."""
        if self.active and self._step is not None:
            self._step.call_on_fit_task_end(estimator=self.estimator)
            self._step = None

    def finish(self):
        """Close the root task once training is over."""
        if self.active:
            self.abandon_step()
            self._root.call_on_fit_task_end(
                estimator=self.estimator, reconstruction_attributes={}, **self.data
            )
