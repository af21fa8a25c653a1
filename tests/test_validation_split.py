"""The early-stopping split (``_validation_split.py``): stratified by class and
weight, decided by row content, reproducible from the random state."""

import numpy as np
import pytest
import scipy.sparse as sp

from sknnscratch._validation_split import validation_split


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


def test_identical_rows_fall_on_the_same_side():
    rng = np.random.RandomState(1)
    X = np.repeat(rng.normal(size=(30, 4)), 3, axis=0)
    y = np.repeat(rng.randint(0, 2, size=30), 3)
    train, validation = validation_split(X, y, None, 0.3, np.random.RandomState(0))
    held = {tuple(row) for row in X[validation]}
    assert held and not held & {tuple(row) for row in X[train]}
    assert sorted(np.r_[train, validation].tolist()) == list(range(90))


def test_the_split_depends_on_the_random_state_only_through_its_draw():
    rng = np.random.RandomState(2)
    X, y = rng.normal(size=(50, 3)), rng.randint(0, 3, size=50)
    first = validation_split(X, y, None, 0.2, np.random.RandomState(7))
    again = validation_split(X, y, None, 0.2, np.random.RandomState(7))
    other = validation_split(X, y, None, 0.2, np.random.RandomState(8))
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[1], other[1])


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_splits_as_its_dense_rows(fmt):
    rng = np.random.RandomState(3)
    X = rng.normal(size=(60, 5)) * (rng.uniform(size=(60, 5)) < 0.4)
    y = rng.randint(0, 2, size=60)
    dense = validation_split(X, y, None, 0.25, np.random.RandomState(4))
    sparse = validation_split(
        sp.csr_matrix(X).asformat(fmt), y, None, 0.25, np.random.RandomState(4)
    )
    np.testing.assert_array_equal(dense[1], sparse[1])


def test_every_class_keeps_a_distinct_row_for_training():
    X = np.array([[0.0], [1.0], [2.0], [3.0], [3.0]])
    y = np.array([0, 0, 0, 1, 1])  # class 1: one distinct row
    train, validation = validation_split(X, y, None, 0.5, np.random.RandomState(0))
    assert set(y[train]) == {0, 1}
    assert 1 not in set(y[validation])


def test_a_split_with_an_empty_side_is_refused():
    X = np.ones((4, 2))  # one distinct row: nothing can be held out
    with pytest.raises(ValueError, match="both sides of the validation split"):
        validation_split(X, np.zeros(4), None, 0.5, np.random.RandomState(0))
