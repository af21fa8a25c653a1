"""Watching training: one monitor that every solver reports each step to.

What every solver records of each step is decided here, the same for every
solver: the loss curve and ``history_``, the verbose lines, the divergence
check, callbacks, early stopping on a validation set with its best weights,
and the handling of an interrupt. What a user is told when a run goes wrong,
and why, is written in ``_advice.py``.
"""

import math
import sys
import time
import warnings
from numbers import Real
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import check_scoring

from sknnscratch._activations import CROSS_ENTROPY
from sknnscratch._network import output_logits

DIVERGENCE_FACTOR = 1e4
"""A loss more than this many times its starting value (or 1) has diverged."""

_PACKAGE = str(Path(__file__).resolve().parent)
# Frames of these files stand between the user's call and ours: warnings
# skip them (the callback API wraps fit in sklearn/callback).
_SKIPPED = (
    _PACKAGE,
    str(Path(sys.modules["sklearn"].__file__).parent / "callback"),
)


def warn(message, category=UserWarning):
    """``warnings.warn`` pointing at the first caller outside this package."""
    # stacklevel=2 would name warn's caller, frame 1 here.
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_SKIPPED):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


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
            reason = f"the loss became {loss:.4g}"
            if np.isfinite(loss):
                reason += (
                    f", more than {DIVERGENCE_FACTOR:g} times its starting value "
                    f"{self.start:.4g}"
                )
            self._fail(step, reason)

    def check_finite(self, loss, step):
        """Raise if ``loss`` is not finite (no bound: for line-search trials)."""
        if not math.isfinite(loss):
            self._fail(step, f"the loss became {loss}")

    def check_gradient(self, grad, step):
        """Raise if the gradient's squared norm is not finite."""
        if not np.isfinite(grad @ grad):
            self._fail(step, "the gradient became non-finite")

    def check_weights(self, theta, step):
        """Raise if the weights' squared norm is not finite.

        Call under ``np.errstate(over="ignore")``. Weights that large are no
        longer a network (their L2 term alone overflows) and would turn
        predictions into ``inf - inf``.
        """
        if not np.isfinite(theta @ theta):
            self._fail(step, "the weights became non-finite")

    def _fail(self, step, reason):
        advice = self.advice() if callable(self.advice) else self.advice
        raise ValueError(
            f"Training diverged in {self.step_name} {step}: {reason}. {advice}"
        )


class ValidationSet:
    """The rows held out for early stopping, and how to score the network on them.

    Parameters
    ----------
    X, y, Y : arrays
        Validation inputs, labels (as given to ``fit``) and their 0/1 targets.
    sample_weight : ndarray or None
        Their weights.
    scoring : None, "loss", str or callable
        ``None``: accuracy (MLPClassifier's rule); ``"loss"``: minus the
        validation cross-entropy; otherwise a scikit-learn scorer name or a
        callable ``scorer(estimator, X, y)``.
    estimator : ScratchMLPClassifier
        The estimator being trained (to build the scorer).
    """

    def __init__(self, X, y, Y, sample_weight, scoring, estimator):
        self.X, self.y, self.Y, self.sample_weight = X, y, Y, sample_weight
        self.scoring = scoring
        self.scorer = (
            None
            if scoring is None or (isinstance(scoring, str) and scoring == "loss")
            else check_scoring(estimator, scoring)
        )

    def evaluate(self, network, fitted_estimator):
        """Validation cross-entropy (no L2 term) and validation score.

        Parameters
        ----------
        network : dict
            ``coefs``, ``intercepts``, ``activation``, ``out_activation`` and
            ``binarizer`` of the network being trained.
        fitted_estimator : callable
            Returns the model at its current weights, for a scorer.
        """
        Z = output_logits(
            self.X, network["coefs"], network["intercepts"], network["activation"]
        )
        per_sample = CROSS_ENTROPY[network["out_activation"]](Z, self.Y)
        loss = float(np.average(per_sample, weights=self.sample_weight))
        if self.scorer is not None:
            score = self._score(fitted_estimator())
        elif self.scoring is None:
            predicted = network["binarizer"].inverse_transform(Z, threshold=0.0)
            score = accuracy(self.y, predicted, self.sample_weight)
        else:
            score = -loss
        return loss, score

    def _score(self, estimator):
        # The rows were validated already: score them as plain arrays.
        estimator.__dict__.pop("feature_names_in_", None)
        kwargs = (
            {} if self.sample_weight is None else {"sample_weight": self.sample_weight}
        )
        value = self.scorer(estimator, self.X, self.y, **kwargs)
        number = isinstance(value, Real | np.number) and not isinstance(value, bool)
        score = float(value) if number else None
        if score is None or not math.isfinite(score):
            raise ValueError(
                f"The early-stopping scorer scoring={self.scoring!r} returned "
                f"{value!r}; it must return one finite number (higher is better)."
            )
        return score


def accuracy(actual, predicted, sample_weight):
    """Weighted share of rows predicted right (every label, for multilabel)."""
    correct = np.asarray(actual) == predicted
    if correct.ndim > 1:
        correct = correct.all(axis=1)
    return float(np.average(correct, weights=sample_weight))


def validation_split(X, y, sample_weight, fraction, rng):
    """Split rows into training and validation, stratified by class and weight.

    Rows are taken in a random order until the validation side holds
    ``fraction`` of each class's total sample weight. The order comes from a
    hash of each row's content, so identical rows (of the same class) always
    land on the same side: a row of weight 3 is split exactly like three
    copies of it, and early stopping keeps weights equivalent to repeated
    rows. A class always keeps at least one distinct row for training.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The training input.
    y : ndarray of shape (n_samples,) or None
        Class labels to stratify by (None: no stratification).
    sample_weight : ndarray of shape (n_samples,) or None
        Row weights (None: all ones).
    fraction : float
        The share of weight to hold out, in ``(0, 1)``.
    rng : numpy.random.RandomState
        Draws the hash; the same state gives the same split.

    Returns
    -------
    train, validation : ndarray of int
        Row indices of the two sides.
    """
    n_samples = X.shape[0]
    weight = np.ones(n_samples) if sample_weight is None else sample_weight
    key = _row_hash(X, rng)
    groups = np.zeros(n_samples, dtype=np.intp)
    if y is not None:
        groups = np.unique(y, return_inverse=True)[1].reshape(-1)

    in_validation = np.zeros(n_samples, dtype=bool)
    for group in np.unique(groups):
        # Rows of zero weight count for nothing; they stay in training.
        rows = np.flatnonzero((groups == group) & (weight > 0))
        if rows.size == 0:
            continue
        rows = rows[np.argsort(key[rows], kind="stable")]
        new_row = np.r_[True, key[rows][1:] != key[rows][:-1]]
        distinct = np.cumsum(new_row) - 1  # which distinct row each row is
        if distinct[-1] == 0:
            continue  # a single distinct row stays in training
        distinct_weight = np.bincount(distinct, weights=weight[rows])
        before = np.cumsum(distinct_weight) - distinct_weight
        chosen = before < fraction * distinct_weight.sum()
        chosen[-1] = False  # keep one distinct row for training
        in_validation[rows] = chosen[distinct]

    validation = np.flatnonzero(in_validation)
    if not weight[validation].sum() > 0 or not weight[~in_validation].sum() > 0:
        raise ValueError(
            "early_stopping needs rows of positive weight on both sides of the "
            f"validation split; validation_fraction={fraction} of these "
            f"{n_samples} samples gives none. Increase validation_fraction or "
            "use more data."
        )
    return np.flatnonzero(~in_validation), validation


def _row_hash(X, rng):
    """A random 64-bit key per row, equal for rows with equal content.

    Integer arithmetic on the bits of every non-zero entry, added with
    wrap-around: exact and independent of the order of the additions, which
    floating-point dot products (BLAS) are not.
    """
    n_samples, n_features = X.shape
    salts = rng.randint(1, 2**62, size=n_features).astype(np.uint64)
    key = np.zeros(n_samples, dtype=np.uint64)
    if sp.issparse(X):
        X = canonical_sparse(X).tocoo()
        nonzero = X.data != 0
        bits = _bits(X.data[nonzero])
        np.add.at(key, X.row[nonzero], _mix(bits ^ salts[X.col[nonzero]]))
        return _mix(key)
    for j in range(n_features):
        column = np.ascontiguousarray(X[:, j])
        key += np.where(column != 0, _mix(_bits(column) ^ salts[j]), np.uint64(0))
    return _mix(key)


def _bits(values):
    """The IEEE bits of float32 or float64 values, as uint64."""
    unsigned = np.uint32 if values.dtype == np.float32 else np.uint64
    return values.view(unsigned).astype(np.uint64)


def _mix(bits):
    """splitmix64's finaliser: spreads the bits of a uint64 array."""
    bits = (bits ^ (bits >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    bits = (bits ^ (bits >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return bits ^ (bits >> np.uint64(31))


def canonical_sparse(X):
    """``X`` with sorted indices and no duplicate entries (a copy if needed).

    The same matrix can be stored in several ways; in this form every
    computation on it (the row hash, products) sees the same numbers in the
    same order, however the caller stored them.
    """
    if X.has_canonical_format:
        return X
    X = X.copy()
    X.sum_duplicates()
    return X


def progress_line(step, loss, validation_loss, score, best, seconds):
    """The one line ``verbose=True`` prints after an epoch or L-BFGS iteration.

    It starts as MLPClassifier's line does (``Iteration N, loss = ...``), then
    gives the validation loss and score with early stopping, marks the epoch
    whose weights early stopping keeps so far, and ends with the step's time.
    """
    line = f"Iteration {step}, loss = {loss:.8f}"
    if validation_loss is not None:
        line += f", validation loss = {validation_loss:.8f}, score = {score:.6f}"
        if best:
            line += " (best)"
    return line + f", {seconds:.3f} s"


class TrainingMonitor:
    """What every solver reports each completed step to.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        Gives the settings (``verbose``, ``tol``, ``n_iter_no_change``,
        ``max_iter``); it is not changed.
    state : TrainingState
        The state being trained; the monitor records into it.
    progress : FitProgress
        The scikit-learn callbacks of this call.
    network : dict
        ``coefs``, ``intercepts`` (views of ``state.theta``),
        ``activation``, ``out_activation`` and ``binarizer``.
    fitted_estimator : callable
        Returns a consistent fitted copy of the estimator at the current
        weights (for scorers).
    step_name : str
        "epoch" or "L-BFGS iteration", in messages.
    advice : str
        What to do when training diverges.
    validation : ValidationSet or None, default=None
        Early stopping's held-out rows.
    optimizer : SGD, Adam or None, default=None
        The minibatch solvers' optimiser: its schedule advances after each
        epoch, and epochs count towards ``n_iter_no_change``. None for
        L-BFGS, which has its own stopping rules.
    """

    def __init__(
        self,
        estimator,
        state,
        progress,
        network,
        fitted_estimator,
        *,
        step_name,
        advice,
        validation=None,
        optimizer=None,
    ):
        self.settings = estimator
        self.state = state
        self.progress = progress
        self.network = network
        self.fitted_estimator = fitted_estimator
        self.step_name = step_name
        self.validation = validation
        self.guard = DivergenceGuard(step_name, advice, state.divergence_reference)
        self.optimizer = optimizer
        self.callers_errstate = np.geterr()
        # The last completed step (or the start): where an interrupt returns.
        self._checkpoint = state.checkpoint()
        self._started = None

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

    def end_step(self, loss, n_samples, learning_rate=None):
        """Record a completed step; True when training should stop.

        It stops when a callback asks to, or when ``n_iter_no_change`` epochs
        in a row failed to improve and the optimiser gives up.

        Parameters
        ----------
        loss : float
            The training objective of the step.
        n_samples : int
            Training rows the step processed.
        learning_rate : float or None
            The learning rate after the step (stochastic solvers).
        """
        state, settings = self.state, self.settings
        if self.optimizer is not None:  # L-BFGS's accepted losses only fall
            self.guard.check_loss(loss, self.step)
        validation_loss = score = None
        if self.validation is not None:
            with np.errstate(**self.callers_errstate):
                validation_loss, score = self.validation.evaluate(
                    self.network, self.fitted_estimator
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
        stalled = best = False
        if self.validation is not None:
            best = self._track_validation(validation_loss, score)
        elif self.optimizer is not None:
            self._track_loss(loss)
        if settings.verbose:
            print(
                progress_line(state.n_iter, loss, validation_loss, score, best, seconds)
            )
        if self.optimizer is not None:
            self.optimizer.epoch_ends(state.t)
            stalled = self._stalled()
        self._checkpoint = state.checkpoint()
        if not self.progress.active:
            return stalled
        with np.errstate(**self.callers_errstate):
            return self.progress.end_step() or stalled

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

    def _stalled(self):
        """True when ``n_iter_no_change`` epochs failed to improve and the
        optimiser gives up (the 'adaptive' schedule lowers its rate instead)."""
        state, settings = self.state, self.settings
        if state.no_improvement_count <= settings.n_iter_no_change:
            return False
        stop = self.optimizer.should_stop()
        if settings.verbose:
            what = "Validation score" if self.validation else "Training loss"
            print(
                f"{what} did not improve more than tol={settings.tol} for "
                f"{settings.n_iter_no_change} consecutive epochs. "
                + (
                    "Stopping."
                    if stop
                    else f"Setting learning rate to {self.optimizer.learning_rate:g}."
                )
            )
        if stop:
            return True
        state.no_improvement_count = 0
        return False

    def keep_completed_steps(self, incremental):
        """After a KeyboardInterrupt: return to the last completed step.

        Returns False when nothing is left to keep, and the interrupt must
        propagate: in ``partial_fit`` (all or nothing) and before the first
        step of ``fit`` completed. Otherwise warns once and returns True:
        training ends as if it had stopped after that step.
        """
        self.state.rollback(self._checkpoint)
        if incremental or self.state.n_iter == 0:
            return False
        warn(
            f"Training interrupted (KeyboardInterrupt); keeping the model of the "
            f"{self.state.n_iter} {self.step_name}(s) this call completed.",
            UserWarning,
        )
        return True
