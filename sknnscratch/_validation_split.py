"""The early-stopping split: which training rows are held out for validation.

Stratified by class and by sample weight, and decided by a hash of each row's
content, so that identical rows fall on the same side: a row of weight 3 is
split exactly like three copies of it.
"""

import numpy as np
import scipy.sparse as sp

from sknnscratch._utils import canonical_sparse


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
