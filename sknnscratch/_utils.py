"""Small helpers for every layer: warnings at the caller's line, canonical sparse X.

A warning should name the line of the user's code that called into the
package, not a line inside it. As in scikit-learn and numpy, each warning
says how many frames up that line is (``stacklevel``); the package emits
its warnings only from places whose depth below the user's call is fixed
(the estimators' public methods and what they call directly).
"""

import warnings


def warn(message, category=UserWarning, *, stacklevel=1):
    """``warnings.warn`` counting ``stacklevel`` from the caller of this function.

    ``stacklevel=1`` names the line that calls :func:`warn`, 2 its caller's
    line, and so on.
    """
    warnings.warn(message, category, stacklevel=stacklevel + 1)


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
