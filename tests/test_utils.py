"""Small helpers (``_utils.py``): warnings at a given stack level, canonical
sparse input."""

import warnings

import numpy as np
import scipy.sparse as sp

from sknnscratch._utils import canonical_sparse, warn


def _calls_warn(stacklevel):
    warn("a note", UserWarning, stacklevel=stacklevel)


def test_warn_counts_the_stack_level_from_its_caller():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _calls_warn(1)
        line_of_this_call = _calls_warn.__code__.co_firstlineno + 1
        _calls_warn(2)
    assert caught[0].lineno == line_of_this_call
    assert caught[1].filename == __file__
    assert caught[1].lineno != line_of_this_call  # the line of this test


def test_canonical_sparse_sums_duplicates_and_sorts_without_touching_the_input():
    X = sp.csr_matrix(
        (np.array([1.0, 2.0, 3.0]), np.array([1, 0, 1]), np.array([0, 3])),
        shape=(1, 2),
    )
    assert not X.has_canonical_format
    canonical = canonical_sparse(X)
    assert canonical.has_canonical_format and canonical is not X
    np.testing.assert_array_equal(canonical.toarray(), [[2.0, 4.0]])
    assert X.nnz == 3  # the caller's matrix is left as it was
    assert canonical_sparse(canonical) is canonical
