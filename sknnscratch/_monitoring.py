"""Watching training: divergence, the validation set, accuracy.

Kept apart from the training loops so that each rule can be read (and
tested) on its own.
"""

import copy
import math

import numpy as np
import scipy.sparse as sp
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
        # Losses up to the bound pass without a call (the training loop
        # compares first); -inf sends the first loss here to set it.
        self.bound = -np.inf

    def check_loss(self, loss, step):
        """Raise if ``loss`` is not finite or past the bound."""
        if self.start is None and np.isfinite(loss):
            self.start = float(loss)
            self.bound = DIVERGENCE_FACTOR * max(1.0, self.start)
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

    def check_weights(self, theta, step):
        """Raise if any weight is not finite (call under ``np.errstate(over=...)``)."""
        # theta @ theta is finite when every entry is (one fast call); only
        # when it is not, because of an entry or of overflow, look closer.
        if not np.isfinite(theta @ theta) and not np.isfinite(theta).all():
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
        X = X.tocoo()
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
