"""Look inside the network: check its gradients, trace one sample through it.

Both work on the exact training objective of a ``ScratchMLPClassifier``
(cross-entropy, L2 term, sample and class weights) at its current weights,
or at the initial weights its ``random_state`` draws when it is not fitted.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from sknnscratch._network import forward, loss_and_gradients, pack, unpack
from sknnscratch._state import starting_state
from sknnscratch._targets import validate_training_data


@dataclass(frozen=True)
class GradientCheck:
    """The comparison for one parameter array (see :func:`check_gradients`)."""

    name: str
    shape: tuple
    max_abs_error: float
    rel_error: float
    status: str


class GradientReport(list):
    """A :class:`GradientCheck` per parameter array, printable as a table.

    Attributes
    ----------
    near_kink : int
        How many rows were left out of the comparison because a hidden ReLU
        pre-activation lies within reach of a finite-difference step of 0,
        where the function has no derivative.
    rtol : float
        The relative error below which an array passes.
    """

    def __init__(self, rows, near_kink, rtol):
        super().__init__(rows)
        self.near_kink = near_kink
        self.rtol = rtol

    @property
    def passed(self):
        """True when no array failed ('near kink' is not a failure)."""
        return all(row.status != "FAIL" for row in self)

    def __str__(self):
        lines = [
            f"{'parameter':<16}{'shape':>10}{'max abs error':>16}"
            f"{'rel error':>12}  status"
        ]
        for row in self:
            lines.append(
                f"{row.name:<16}{str(row.shape):>10}{row.max_abs_error:>16.2e}"
                f"{row.rel_error:>12.2e}  {row.status}"
            )
        if self.near_kink:
            lines.append(
                f"{self.near_kink} row(s) left out: a ReLU pre-activation within "
                "reach of the kink at 0, where finite differences are unreliable."
            )
        return "\n".join(lines)


def check_gradients(
    estimator, X, y, sample_weight=None, *, eps=1e-6, rtol=1e-6, atol=1e-8
):
    """Compare the hand-written backprop with central finite differences.

    The objective is exactly the one training minimises,
    ``J = sum(s_i * loss_i) / S + alpha / (2 S) * sum ||W||^2``, at the
    estimator's current weights (a fresh initialisation if it is not
    fitted). Every parameter is moved by ``+eps`` and ``-eps`` in turn:
    ``2 * n_parameters`` forward passes over ``X``, so pass a sample of a
    large data set.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        Fitted or not; it is not modified.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Input rows.
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Their labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, as in ``fit``.
    eps : float, default=1e-6
        The finite-difference step.
    rtol : float, default=1e-6
        An array passes when ``||analytic - numeric|| / (||analytic|| +
        ||numeric||)`` is below it...
    atol : float, default=1e-8
        ... or when every entry differs by less than this. Near a minimum the
        gradient itself is tiny and the relative error measures only the
        rounding noise of finite differences (about ``1e-16 / eps``).

    Returns
    -------
    report : GradientReport
        One row per array (``coefs_[0]``, ..., ``intercepts_[-1]``) with its
        shape, the largest absolute error, the relative error and a status,
        'ok' or 'FAIL'. Rows of ``X`` with a ReLU pre-activation within reach
        of a step of 0 (where the gradient is not defined, so finite
        differences cannot judge it) are left out of the comparison and
        counted in ``near_kink``; if every row is, each status is
        'near kink'.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sknnscratch import ScratchMLPClassifier, check_gradients
    >>> X, y = make_classification(n_samples=50, n_features=13, random_state=0)
    >>> check_gradients(ScratchMLPClassifier(random_state=0), X, y).passed
    True
    """
    problem = training_objective(estimator, X, y, sample_weight)
    X, Y = problem.pop("X"), problem.pop("Y")
    X = X.toarray() if sp.issparse(X) else X
    X, Y = X.astype(np.float64), Y.astype(np.float64)
    coefs, intercepts = problem.pop("coefs"), problem.pop("intercepts")
    units = [coefs[0].shape[0], *(b.shape[0] for b in intercepts)]
    theta = pack(coefs, intercepts)

    # Rows whose ReLU pre-activations a step could push across 0 would make
    # finite differences wrong where the code is right: leave them out.
    kink = _near_kink(X, coefs, intercepts, problem["activation"], eps)
    near_kink = int(kink.sum())
    if near_kink == X.shape[0]:
        rows = [
            GradientCheck(name, W.shape, np.nan, np.nan, "near kink")
            for name, W in zip(_names(coefs), [*coefs, *intercepts], strict=True)
        ]
        return GradientReport(rows, near_kink, rtol)
    if near_kink:
        X, Y = X[~kink], Y[~kink]
        if problem["sample_weight"] is not None:
            problem["sample_weight"] = problem["sample_weight"][~kink]

    def objective(t):
        return loss_and_gradients(X, Y, *unpack(t, units), **problem)[0]

    _, coef_grads, intercept_grads = loss_and_gradients(
        X, Y, *unpack(theta, units), **problem
    )
    analytic = [*coef_grads, *intercept_grads]
    numeric = np.empty_like(theta)
    shifted = theta.copy()
    for i in range(theta.size):
        shifted[i] = theta[i] + eps
        up = objective(shifted)
        shifted[i] = theta[i] - eps
        down = objective(shifted)
        shifted[i] = theta[i]
        numeric[i] = (up - down) / (2 * eps)
    numeric = [*unpack(numeric, units)[0], *unpack(numeric, units)[1]]

    rows = []
    for name, a, n in zip(_names(coefs), analytic, numeric, strict=True):
        difference = np.linalg.norm(a - n)
        rel = difference / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-300)
        largest = float(np.abs(a - n).max())
        status = "ok" if rel < rtol or largest < atol else "FAIL"
        rows.append(GradientCheck(name, a.shape, largest, float(rel), status))
    return GradientReport(rows, near_kink, rtol)


def training_objective(estimator, X, y, sample_weight=None):
    """The data, weights and settings of the training objective ``J``.

    The same validation and encoding as ``fit``; for a fitted model its
    current weights, for an unfitted one the initial weights its
    ``random_state`` draws. Changes nothing.
    """
    fitted = estimator._is_fitted()
    data = validate_training_data(
        estimator,
        X,
        y,
        sample_weight,
        binarizer=estimator._label_binarizer if fitted else None,
        mode="partial_fit",
    )
    state = starting_state(estimator, data, resume=fitted)
    coefs, intercepts = unpack(state.theta, state.units)
    return dict(
        X=data.X,
        Y=data.Y,
        coefs=[np.array(W, dtype=np.float64) for W in coefs],
        intercepts=[np.array(b, dtype=np.float64) for b in intercepts],
        sample_weight=data.sample_weight,
        activation=estimator.activation,
        out_activation=data.out_activation,
        alpha=estimator.alpha,
    )


def _names(coefs):
    return [f"coefs_[{i}]" for i in range(len(coefs))] + [
        f"intercepts_[{i}]" for i in range(len(coefs))
    ]


def _near_kink(X, coefs, intercepts, activation, eps):
    """Rows with a hidden ReLU pre-activation within reach of the kink at 0."""
    near = np.zeros(X.shape[0], dtype=bool)
    if activation != "relu":
        return near
    Z, A = forward(X, coefs, intercepts, activation)
    for layer in range(1, len(coefs)):
        # A step of eps on one weight moves Z by about eps * |input|; the
        # margin also covers steps in earlier layers.
        scale = np.maximum(1.0, np.abs(A[layer - 1]).max(axis=1, keepdims=True))
        near |= (np.abs(Z[layer]) < 1e3 * eps * scale).any(axis=1)
    return near


class Trace(dict):
    """Every intermediate of one forward and backward pass, in order.

    A dict from the derivation's names to arrays (one sample, one row):
    ``Z1, a1, ..., y_hat, loss, dL/dZ2, dL/dW2, dL/db2, dL/da1, f'(Z1),
    dL/dZ1, dL/dW1, dL/db1`` for the 13-8-1 network (more layers add more
    indices). Printing it gives a table of names, shapes and values.
    """

    def __str__(self):
        lines = [f"{'name':<10}{'shape':>10}  values"]
        for name, value in self.items():
            array = np.asarray(value)
            text = np.array2string(
                array.ravel(), precision=4, suppress_small=True, threshold=12
            )
            lines.append(f"{name:<10}{str(array.shape):>10}  {text}")
        return "\n".join(lines)


def trace(estimator, x, y):
    """One sample's forward and backward pass, every intermediate named.

    The numbers come from the reference implementation in ``_network.py``,
    which ``tests/test_kernels.py`` holds equal to what training computes, for
    the cross-entropy of this one sample: the L2 term, which only adds
    ``alpha / S * W`` to each ``dL/dW``, is left out.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        A fitted estimator; not modified.
    x : array-like of shape (n_features,)
        One sample.
    y : label
        Its class label (or 0/1 indicator row for multilabel targets).

    Returns
    -------
    trace : Trace
        A dict in the derivation's order, names such as ``Z1``, ``a1``,
        ``y_hat``, ``loss``, ``dL/dZ2``, ``dL/dW2``, ``dL/da1``, ``f'(Z1)``
        (the ReLU mask ``1[Z1 > 0]`` for ReLU), ``dL/dW1``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sknnscratch import ScratchMLPClassifier, trace
    >>> X, y = make_classification(n_samples=50, n_features=13, random_state=0)
    >>> steps = trace(ScratchMLPClassifier(random_state=0).fit(X, y), X[0], y[0])
    >>> list(steps)[:5]
    ['Z1', 'a1', 'Z2', 'y_hat', 'y']
    >>> steps["dL/dW1"].shape
    (13, 8)
    """
    check_is_fitted(estimator)
    x = np.asarray(x)
    y = np.asarray(y)
    X = x.reshape(1, -1)
    labels = y.reshape(1, -1) if y.ndim == 1 and y.size > 1 else y.reshape(1)
    problem = training_objective(estimator, X, labels)
    problem["alpha"] = 0.0
    steps = Trace()
    loss_and_gradients(
        problem.pop("X"),
        problem.pop("Y"),
        problem.pop("coefs"),
        problem.pop("intercepts"),
        record=steps,
        **problem,
    )
    return steps
