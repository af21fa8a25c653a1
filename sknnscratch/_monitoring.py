"""Watching training: divergence, the validation set, accuracy.

Kept apart from the training loops so that each rule can be read (and
tested) on its own.
"""

import copy

import numpy as np
from sklearn.metrics import check_scoring

from sknnscratch._activations import CROSS_ENTROPY
from sknnscratch._network import output_logits

DIVERGENCE_FACTOR = 1e4
"""A loss more than this many times its starting value (or 1) has diverged."""


class DivergenceGuard:
    """Stop training with a clear error as soon as the loss explodes.

    The first finite loss seen sets the bound ``DIVERGENCE_FACTOR * max(1,
    loss)``. A loss that is not finite, or above the bound, raises a
    ``ValueError`` that names the step, instead of training on to ``inf`` or
    ``nan`` weights.

    Parameters
    ----------
    step_name : str
        What a step is called in the message ("epoch", "L-BFGS iteration").
    advice : str
        What the user can do about it.
    """

    def __init__(self, step_name, advice):
        self.step_name = step_name
        self.advice = advice
        self.start = None

    def check_loss(self, loss, step):
        """Raise if ``loss`` is not finite or past the bound."""
        if self.start is None and np.isfinite(loss):
            self.start = float(loss)
        bound = DIVERGENCE_FACTOR * max(1.0, self.start or 0.0)
        if not loss <= bound:  # also true for nan
            reason = f"the loss became {loss:.4g}"
            if np.isfinite(loss):
                reason += (
                    f", more than {DIVERGENCE_FACTOR:g} times its starting value "
                    f"{self.start:.4g}"
                )
            self._fail(step, reason)

    def check_finite(self, loss, step):
        """Raise if ``loss`` is not finite (no bound: for line-search trials)."""
        if not np.isfinite(loss):
            self._fail(step, f"the loss became {loss}")

    def check_weights(self, theta, step):
        """Raise if any weight is not finite."""
        if not np.isfinite(theta).all():
            self._fail(step, "the weights became non-finite")

    def _fail(self, step, reason):
        raise ValueError(
            f"Training diverged in {self.step_name} {step}: {reason}. {self.advice}"
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

    def evaluate(self, estimator):
        """Validation cross-entropy (no L2 term) and validation score."""
        Z = output_logits(
            self.X, estimator.coefs_, estimator.intercepts_, estimator.activation
        )
        per_sample = CROSS_ENTROPY[estimator.out_activation_](Z, self.Y)
        loss = float(np.average(per_sample, weights=self.sample_weight))
        if self.scorer is not None:
            # The rows were validated already: score them as plain arrays.
            probe = copy.copy(estimator)
            probe.__dict__.pop("feature_names_in_", None)
            kwargs = (
                {}
                if self.sample_weight is None
                else {"sample_weight": self.sample_weight}
            )
            score = float(self.scorer(probe, self.X, self.y, **kwargs))
        elif self.scoring is None:
            predicted = estimator._label_binarizer.inverse_transform(Z, threshold=0.0)
            score = accuracy(self.y, predicted, self.sample_weight)
        else:
            score = -loss
        return loss, score


def accuracy(actual, predicted, sample_weight):
    """Weighted share of rows predicted right (every label, for multilabel)."""
    correct = np.asarray(actual) == predicted
    if correct.ndim > 1:
        correct = correct.all(axis=1)
    return float(np.average(correct, weights=sample_weight))
