"""Watching training: the one recorder every solver reports each step to.

The monitor is the only writer of what training records of each step, the
same for every solver: the counters, the loss curve and ``history_``, the
best loss, early stopping's validation curves and best weights, the
divergence reference, the checkpoint an interrupt returns to. It also checks
each step for divergence, prints the verbose lines and runs the callbacks.
The training loops own the schedule of their optimiser and decide when to
stop; what the user reads is written in ``_advice.py``.
"""

import math
import time
from numbers import Real

import numpy as np
from sklearn.metrics import r2_score

from sknnscratch._activations import CROSS_ENTROPY, OUTPUT_PROBA
from sknnscratch._advice import (
    NON_FINITE_GRADIENT,
    NON_FINITE_WEIGHTS,
    divergence_error,
    loss_reason,
    progress_line,
    scorer_error,
    small_validation_set_error,
    stall_line,
)
from sknnscratch._network import output_logits

DIVERGENCE_FACTOR = 1e4
"""A loss more than this many times its starting value (or 1) has diverged."""


class DivergenceGuard:
    """Stop training with a clear error as soon as the loss explodes.

    The first finite loss of a training run (``reference``, kept in the
    training state across calls) sets the bound ``DIVERGENCE_FACTOR * max(1,
    reference)``. A loss that is not finite, or above the bound, raises a
    ``ValueError`` that names the step, instead of training on to ``inf`` or
    ``nan`` weights.

    Parameters
    ----------
    step_name : str
        What a step is called in the message ("epoch", "L-BFGS iteration").
    advice : str or callable
        What the user can do about it, or a function that tells it from the
        state of training when it failed (see ``_advice.divergence_advice``).
    reference : float or None, default=None
        The run's first finite loss, if one was seen in an earlier call.
    """

    def __init__(self, step_name, advice, reference=None):
        self.step_name = step_name
        self.advice = advice
        self.start = None
        # Losses up to the bound pass without a call (the training loop
        # compares first); -inf sends the first loss here to set it.
        self.bound = -np.inf
        if reference is not None:
            self._set_start(reference)

    def _set_start(self, loss):
        self.start = float(loss)
        self.bound = DIVERGENCE_FACTOR * max(1.0, self.start)

    def check_loss(self, loss, step):
        """Raise if ``loss`` is not finite or past the bound."""
        if self.start is None and np.isfinite(loss):
            self._set_start(loss)
        # Before any finite loss, the bound is DIVERGENCE_FACTOR * 1.
        if not loss <= max(self.bound, DIVERGENCE_FACTOR):  # also true for nan
            start = self.start if np.isfinite(loss) else None
            self._fail(step, loss_reason(loss, DIVERGENCE_FACTOR, start))

    def check_finite(self, loss, step):
        """Raise if ``loss`` is not finite (no bound: for line-search trials)."""
        if not math.isfinite(loss):
            self._fail(step, loss_reason(loss))

    def check_gradient(self, grad, step):
        """Raise if the gradient's squared norm is not finite."""
        if not math.isfinite(grad @ grad):
            self._fail(step, NON_FINITE_GRADIENT)

    def check_weights(self, theta, step):
        """Raise if the weights' squared norm is not finite.

        Call under ``np.errstate(over="ignore")``. Weights that large are no
        longer a network (their L2 term alone overflows) and would turn
        predictions into ``inf - inf``.
        """
        if not np.isfinite(theta @ theta):
            self._fail(step, NON_FINITE_WEIGHTS)

    def _fail(self, step, reason):
        advice = self.advice() if callable(self.advice) else self.advice
        raise ValueError(divergence_error(self.step_name, step, reason, advice))


class ValidationSet:
    """The rows held out for early stopping, and how to score the network on them.

    Parameters
    ----------
    X, y, Y : arrays
        Validation inputs, labels (as given to ``fit``) and their 0/1 targets.
    sample_weight : ndarray or None
        Their weights.
    early_stopping : EarlyStopping
        ``scoring`` and its ``scorer``: ``scoring=None`` scores accuracy
        (MLPClassifier's rule), ``'loss'`` minus the validation
        cross-entropy, anything else calls the scorer. For the regressor
        (``binarizer=None``), ``scoring=None`` scores R^2 of the predictions
        (MLPRegressor's rule: of ``exp(Z)`` with the Poisson loss) and
        ``'loss'`` minus the validation loss (squared error or deviance); R^2 needs
        two rows of positive weight (else a ValueError).
    activation, out_activation : str
        The network's hidden activation and output function.
    binarizer : LabelBinarizer or None
        The target encoding, to turn logits into predicted labels; None for
        numeric targets.
    placement : Placement or None, default=None
        The device the rows are moved to and scored on (None: numpy). The
        validation loss and accuracy are then computed there, and only
        their values read back; a scorer gets the rows there too.
    """

    def __init__(
        self,
        X,
        y,
        Y,
        sample_weight,
        early_stopping,
        activation,
        out_activation,
        binarizer,
        placement=None,
    ):
        if scoring_r2(early_stopping, binarizer):
            rows = X.shape[0] if sample_weight is None else np.sum(sample_weight > 0)
            if rows < 2:
                raise ValueError(small_validation_set_error(int(rows)))
        if placement is not None:
            X, Y, sample_weight = map(placement.put, (X, Y, sample_weight))
            if y.dtype.kind in "biuf":  # labels a namespace can hold
                y = placement.put(y)
        self.placement = placement
        self.X, self.y, self.Y, self.sample_weight = X, y, Y, sample_weight
        self.scoring, self.scorer = early_stopping.scoring, early_stopping.scorer
        self.activation, self.out_activation = activation, out_activation
        self.binarizer = binarizer

    def evaluate(self, coefs, intercepts, fitted_estimator):
        """Validation cross-entropy (no L2 term) and validation score.

        Parameters
        ----------
        coefs, intercepts : list of ndarray
            The network's current parameters.
        fitted_estimator : callable
            Returns the model at its current weights, for a scorer.
        """
        if self.placement is not None:
            return self._evaluate_on_device(coefs, intercepts, fitted_estimator)
        Z = output_logits(self.X, coefs, intercepts, self.activation)
        per_sample = CROSS_ENTROPY[self.out_activation](Z, self.Y)
        loss = float(np.average(per_sample, weights=self.sample_weight))
        if self.scorer is not None:
            score = self._score(fitted_estimator())
        elif self.scoring is None and self.binarizer is None:
            predicted = OUTPUT_PROBA[self.out_activation](Z)  # Z or exp(Z)
            score = float(r2_score(self.Y, predicted, sample_weight=self.sample_weight))
        elif self.scoring is None:
            predicted = self.binarizer.inverse_transform(Z, threshold=0.0)
            score = accuracy(self.y, predicted, self.sample_weight)
        else:
            score = -loss
        return loss, score

    def _evaluate_on_device(self, coefs, intercepts, fitted_estimator):
        """:meth:`evaluate` on the device: the parameters go there, two numbers back."""
        put, xp = self.placement.put, self.placement.xp
        coefs, intercepts = [put(W) for W in coefs], [put(b) for b in intercepts]
        Z = output_logits(self.X, coefs, intercepts, self.activation)
        per_sample = CROSS_ENTROPY[self.out_activation](Z, self.Y)
        loss = float(_weighted_mean(xp, per_sample, self.sample_weight))
        if self.scorer is not None:
            return loss, self._score(fitted_estimator())
        if self.scoring is not None:
            return loss, -loss
        if self.binarizer is None:
            predicted = OUTPUT_PROBA[self.out_activation](Z)  # Z or exp(Z)
            return loss, _r2_score(xp, self.Y, predicted, self.sample_weight)
        if self.binarizer.y_type_ == "multiclass":
            correct = xp.argmax(Z, axis=1) == xp.argmax(self.Y, axis=1)
        elif len(self.binarizer.classes_) == 1:  # always predicts that class
            correct = xp.ones_like(per_sample)
        else:  # each sigmoid unit: the label is predicted where its logit > 0
            correct = xp.all((Z > 0) == (self.Y > 0.5), axis=1)
        correct = xp.astype(correct, per_sample.dtype)
        return loss, float(_weighted_mean(xp, correct, self.sample_weight))

    def _score(self, fitted):
        # The rows were validated already: score them as plain arrays.
        fitted.__dict__.pop("feature_names_in_", None)
        kwargs = (
            {} if self.sample_weight is None else {"sample_weight": self.sample_weight}
        )
        value = self.scorer(fitted, self.X, self.y, **kwargs)
        number = isinstance(value, Real | np.number) and not isinstance(value, bool)
        score = float(value) if number else None
        if score is None or not math.isfinite(score):
            raise ValueError(scorer_error(self.scoring, value))
        return score


def scoring_r2(early_stopping, binarizer):
    """Whether early stopping scores R^2: the regressor's default, which
    needs two validation rows of positive weight."""
    return early_stopping.scoring is None and binarizer is None


def _weighted_mean(xp, values, weights):
    """``np.average(values, weights=weights)`` in namespace ``xp``."""
    if weights is None:
        return xp.mean(values)
    return xp.sum(values * weights) / xp.sum(weights)


def _r2_score(xp, Y, Z, weights):
    """scikit-learn's ``r2_score`` (uniform average over the outputs) in ``xp``.

    Per output ``1 - SS_res / SS_tot`` with the weighted mean target; an
    output whose target is constant scores 1 if predicted exactly, else 0,
    as scikit-learn's ``force_finite`` gives it.
    """
    w = xp.ones_like(Y[:, 0]) if weights is None else weights
    w = w[:, None]
    mean = xp.sum(w * Y, axis=0) / xp.sum(w)
    residual = xp.sum(w * (Y - Z) ** 2, axis=0)
    total = xp.sum(w * (Y - mean) ** 2, axis=0)
    one = xp.ones_like(total)
    exact = xp.where(residual == 0, one, 0 * one)
    safe_total = xp.where(total == 0, one, total)
    scores = xp.where(total == 0, exact, 1.0 - residual / safe_total)
    return float(xp.mean(scores))


def accuracy(actual, predicted, sample_weight):
    """Weighted share of rows predicted right (every label, for multilabel)."""
    correct = np.asarray(actual) == predicted
    if correct.ndim > 1:
        correct = correct.all(axis=1)
    return float(np.average(correct, weights=sample_weight))


class TrainingMonitor:
    """What every solver reports each completed step to.

    A step is opened by :meth:`begin_step`, recorded by :meth:`record_step`
    and closed by :meth:`end_step`; between the last two the loop may
    advance its optimiser's schedule and decide to stop.

    Parameters
    ----------
    settings : Settings
        The call's settings (``verbose``, ``tol``, ``n_iter_no_change``).
    state : TrainingState
        The state being trained; the monitor records into it.
    progress : FitProgress
        The scikit-learn callbacks of this call.
    network : tuple of two lists
        ``coefs`` and ``intercepts``, views of ``state.theta``.
    fitted_estimator : callable
        Returns a consistent fitted copy of the estimator at the current
        weights (for scorers).
    step_name : str
        "epoch" or "L-BFGS iteration", in messages.
    advice : str or callable
        What to do when training diverges.
    validation : ValidationSet or None, default=None
        Early stopping's held-out rows.
    """

    def __init__(
        self,
        settings,
        state,
        progress,
        network,
        fitted_estimator,
        *,
        step_name,
        advice,
        validation=None,
    ):
        self.settings = settings
        self.state = state
        self.progress = progress
        self.network = network
        self.fitted_estimator = fitted_estimator
        self.step_name = step_name
        self.validation = validation
        # Stochastic solvers count epochs without improvement; L-BFGS has its
        # own stopping rules, and its accepted losses only fall.
        self.stochastic = settings.solver != "lbfgs"
        self.guard = DivergenceGuard(step_name, advice, state.divergence_reference)
        self.callers_errstate = np.geterr()
        state.n_iter = 0
        state.early_stopping = validation is not None
        if validation is not None:
            self._start_validation_records()
        # The last completed step (or the start): where an interrupt returns.
        self._checkpoint = state.checkpoint()
        self._started = None

    def _start_validation_records(self):
        """Prepare the state's validation curves and best epoch for this call."""
        state = self.state
        if state.validation_scores is None:
            state.validation_scores, state.validation_loss_curve = [], []
        # The best epoch so far counts only if training has not moved on since
        # (partial_fit, a fit without early stopping, weights set by hand).
        if state.best_theta is None or not np.array_equal(
            state.best_theta, state.theta
        ):
            state.best_validation_score = -np.inf
            state.best_validation_loss = np.inf
            state.best_theta = None
        state.best_loss = np.inf

    @property
    def step(self):
        """The number of the step under way, counted as ``history_`` counts."""
        return len(self.state.history) + 1

    def begin_step(self):
        """Open the next step: start its clock and its callback subtask."""
        self._started = time.perf_counter()
        if self.progress.active:  # callbacks see the caller's error settings
            with np.errstate(**self.callers_errstate):
                self.progress.begin_step()

    def record_step(self, loss, n_samples, learning_rate=None):
        """Record a completed step: curves, counters, best epoch, verbose line.

        Parameters
        ----------
        loss : float
            The training objective of the step.
        n_samples : int
            Training rows the step processed.
        learning_rate : float or None
            The learning rate after the step (stochastic solvers).
        """
        state = self.state
        if self.stochastic:
            self.guard.check_loss(loss, self.step)
        validation_loss = score = None
        if self.validation is not None:
            with np.errstate(**self.callers_errstate):
                validation_loss, score = self.validation.evaluate(
                    *self.network, self.fitted_estimator
                )
        seconds = time.perf_counter() - self._started
        state.divergence_reference = self.guard.start
        state.n_iter += 1
        state.t += n_samples
        state.loss = loss
        state.loss_curve.append(loss)
        state.history.append(
            {
                "epoch": len(state.history) + 1,
                "train_loss": loss,
                "validation_loss": validation_loss,
                "validation_score": score,
                "learning_rate": learning_rate,
                "seconds": seconds,
            }
        )
        best = False
        if self.validation is not None:
            best = self._track_validation(validation_loss, score)
        elif self.stochastic:
            self._track_loss(loss)
        else:
            state.best_loss = min(state.best_loss, loss)
        if self.settings.verbose:
            print(
                progress_line(state.n_iter, loss, validation_loss, score, best, seconds)
            )

    def record_start(self, loss):
        """Record the objective at the start, for a run that completed no step.

        L-BFGS may stop before its first iteration (the gradient at the
        starting point is already below ``tol``): the model's loss is then
        the objective there.
        """
        self.state.loss = loss
        self.state.best_loss = min(self.state.best_loss, loss)

    def end_step(self):
        """Close the step: checkpoint it, run the callbacks.

        Returns True when a callback asks training to stop.
        """
        self._checkpoint = self.state.checkpoint()
        if not self.progress.active:
            return False
        with np.errstate(**self.callers_errstate):
            return self.progress.end_step()

    def _track_loss(self, loss):
        """Count epochs without improvement of the training loss by tol."""
        state = self.state
        if loss > state.best_loss - self.settings.tol:
            state.no_improvement_count += 1
        else:
            state.no_improvement_count = 0
        state.best_loss = min(state.best_loss, loss)

    def _track_validation(self, loss, score):
        """Count epochs without improvement; keep the weights of the best one.

        An epoch improves when its score beats the best by more than ``tol``,
        or ties the best and lowers the validation loss by more than ``tol``:
        a coarse score such as accuracy on a small validation set often ties
        for many epochs while the model still gets better. The weights kept
        are those of the best score, ties going to the lower loss. Returns
        whether this epoch is now the best.
        """
        state, tol = self.state, self.settings.tol
        state.validation_loss_curve.append(loss)
        state.validation_scores.append(score)
        best_score, best_loss = state.best_validation_score, state.best_validation_loss
        ties = score >= best_score
        if score > best_score + tol or (ties and loss < best_loss - tol):
            state.no_improvement_count = 0
        else:
            state.no_improvement_count += 1
        if score > best_score or (ties and loss < best_loss):
            state.best_validation_score = score
            state.best_validation_loss = loss
            state.best_theta = state.theta.copy()
            return True
        return False

    def patience_ran_out(self):
        """Whether more than ``n_iter_no_change`` epochs in a row failed to improve."""
        return self.state.no_improvement_count > self.settings.n_iter_no_change

    def stall_handled(self, stop, learning_rate):
        """The loop's answer to a stall: stop, or go on at ``learning_rate``.

        Going on (the 'adaptive' schedule lowered its rate) starts the count
        of epochs without improvement anew.
        """
        settings = self.settings
        if settings.verbose:
            print(
                stall_line(
                    self.validation is not None,
                    settings.tol,
                    settings.n_iter_no_change,
                    stop,
                    learning_rate,
                )
            )
        if not stop:
            self.state.no_improvement_count = 0

    def keep_completed_steps(self):
        """After a KeyboardInterrupt: return to the last completed step.

        Returns False when nothing is left to keep, and the interrupt must
        propagate: in ``partial_fit`` (all or nothing) and before the first
        step of ``fit`` completed. Otherwise returns True: training ends as if
        it had stopped after that step.
        """
        self.state.rollback(self._checkpoint)
        return not (self.settings.incremental or self.state.n_iter == 0)
