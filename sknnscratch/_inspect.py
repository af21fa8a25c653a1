"""Look inside the network: trace a batch through it, check its gradients.

Both work on the exact training objective of a ``ScratchMLPClassifier``
(cross-entropy, L2 term, sample and class weights) at its current weights,
or at the initial weights its ``random_state`` draws when it is not fitted,
and both accept a ``Pipeline`` that ends in one: the rows then go through
the pipeline's earlier steps first. The numbers come from the reference
implementation in ``_network.py``, never from the fast kernels.
"""

import copy
import re
import sys
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from sknnscratch._network import forward, loss_and_gradients, pack, unpack
from sknnscratch._state import starting_state
from sknnscratch._targets import validate_training_data

# ------------------------------------------------------------ common front


def network_and_rows(estimator, X, purpose):
    """The ScratchMLPClassifier to inspect and the rows it sees.

    A Pipeline whose last step is a ScratchMLPClassifier hands that step and
    ``X`` transformed by the earlier steps (``pipeline[:-1].transform(X)``),
    as scikit-learn's displays do; those steps must be fitted, the last one
    need not be.
    """
    from sknnscratch._classifier import ScratchMLPClassifier  # imports this module

    if isinstance(estimator, ScratchMLPClassifier):
        return estimator, X
    if isinstance(estimator, Pipeline) and isinstance(
        estimator.steps[-1][1], ScratchMLPClassifier
    ):
        for name, step in estimator.steps[:-1]:
            if step is None or (isinstance(step, str) and step == "passthrough"):
                continue
            try:
                check_is_fitted(step)
            except NotFittedError as error:
                raise NotFittedError(
                    f"The pipeline's step {name!r} ({type(step).__name__}) is not "
                    f"fitted, so the rows cannot be transformed for {purpose}. Fit "
                    "the pipeline (or that step) first; only its last step, the "
                    "ScratchMLPClassifier, may be unfitted."
                ) from error
        return estimator.steps[-1][1], estimator[:-1].transform(X)
    raise TypeError(
        f"{purpose} needs a ScratchMLPClassifier or a Pipeline whose last step is "
        f"one; got {_describe_estimator(estimator)}."
    )


def _describe_estimator(estimator):
    if isinstance(estimator, Pipeline):
        return f"a Pipeline ending in {type(estimator.steps[-1][1]).__name__}"
    return f"{type(estimator).__name__}"


def _as_rows(X):
    """A 1-D sample as one row; anything else unchanged.

    A pandas Series (a row of a DataFrame) becomes a one-row DataFrame, so
    that its column names still reach the estimator. A 1-D array of strings
    (documents for a text pipeline) is left as it is.
    """
    if sp.issparse(X) or getattr(X, "ndim", None) == 2:
        return X, False
    if hasattr(X, "to_frame") and X.ndim == 1:
        return X.to_frame().T.infer_objects(), True
    array = np.asarray(X)
    if array.ndim == 1 and array.dtype.kind in "biuf":
        return array.reshape(1, -1), True
    return X, False


def _labels_of_one_row(y):
    """The label of one row: a scalar, a one-label list, or an indicator row."""
    y = np.asarray(y)
    if y.ndim == 0:
        return y.reshape(1)
    if y.ndim == 1 and y.size > 1:
        return y.reshape(1, -1)  # a 0/1 indicator row (multilabel)
    return y


def training_objective(estimator, X, y, sample_weight=None, classes=None):
    """The data, weights and settings of the training objective ``J``.

    The same validation and encoding as ``fit``; for a fitted model its
    current weights, for an unfitted one the initial weights its
    ``random_state`` draws (the weights ``fit`` on this data would start
    from). Changes nothing, a ``RandomState`` passed as ``random_state``
    included. ``classes``, as in ``partial_fit``, lets an unfitted model
    take its classes from elsewhere than ``y``.
    """
    fitted = estimator._is_fitted()
    if not fitted and isinstance(
        estimator.random_state, np.random.RandomState | np.random.Generator
    ):
        estimator = copy.copy(estimator)
        estimator.random_state = copy.deepcopy(estimator.random_state)
    data = validate_training_data(
        estimator,
        X,
        y,
        sample_weight,
        binarizer=estimator._label_binarizer if fitted else None,
        classes=classes,
        mode="partial_fit",
    )
    if not fitted and classes is None and len(data.binarizer.classes_) < 2:
        # A model fitted on one class is legitimate, but not what a learner
        # tracing one sample of a two-class problem means.
        raise ValueError(
            f"y holds only the class {data.binarizer.classes_[0]!r}, and an "
            "unfitted estimator takes its classes from y: pass classes=[...] "
            "(every class of the data set, as in partial_fit), or fit the "
            "estimator first."
        )
    state = starting_state(estimator, data, resume=fitted)
    coefs, intercepts = unpack(state.theta, state.units)
    X = data.X.toarray() if sp.issparse(data.X) else np.array(data.X)
    sample_weight = data.sample_weight
    return dict(
        X=X.astype(np.float64, copy=False),
        Y=data.Y.astype(np.float64),
        coefs=[np.array(W, dtype=np.float64) for W in coefs],
        intercepts=[np.array(b, dtype=np.float64) for b in intercepts],
        sample_weight=None
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64),
        activation=estimator.activation,
        out_activation=data.out_activation,
        alpha=float(estimator.alpha),
    )


# -------------------------------------------------------------------- trace


class Trace(dict):
    """Every quantity of one forward and backward pass, in derivation order.

    A dict from the derivation's names to values (see :func:`trace` for the
    list). Printing it shows every entry with its shape, the equation that
    computes it and all its values as a matrix, one sample per row.

    Attributes
    ----------
    equations : dict of str to str
        For each name, the equation (or description) printed next to it.
    header : str
        The lines printed above the entries: rows, alpha, ``S``, layout.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.equations = {}
        self.header = ""

    def to_string(self, precision=4):
        """Every entry in full: name, shape, equation, then its values.

        Parameters
        ----------
        precision : int, default=4
            Digits after the decimal point (numpy's ``array2string``; it
            switches to scientific notation when the entries call for it).

        Returns
        -------
        text : str
        """
        blocks = [self.header] if self.header else []
        for name, value in self.items():
            equation = self.equations.get(name, "")
            if np.ndim(value) == 0:
                blocks.append(f"{name} = {float(value)!r}    {equation}".rstrip())
                continue
            array = np.asarray(value)
            matrix = np.array2string(
                np.atleast_2d(array) + 0.0,  # + 0.0 prints -0.0 as 0.0
                precision=precision,
                threshold=sys.maxsize,
                max_line_width=sys.maxsize,
            )
            title = f"{name}  shape {array.shape}    {equation}".rstrip()
            blocks.append(f"{title}\n{matrix}")
        return "\n\n".join(blocks)

    def __str__(self):
        return self.to_string()


def trace(estimator, X, y, sample_weight=None, *, classes=None):
    """Every quantity of a forward and backward pass, named as in the derivation.

    The numbers come from the reference implementation
    (``_network.loss_and_gradients``, which ``tests/test_kernels.py`` holds
    equal to what training computes) for exactly the objective training
    minimises on these rows: ``J = L + R``, the weighted mean cross-entropy
    ``L = sum_i s_i * loss_i / S`` plus the L2 term ``R = alpha / (2 S) *
    sum_l ||Wl||^2``, with ``S`` the sum of the rows' sample weights (times
    class weights; the number of rows without weights).

    Parameters
    ----------
    estimator : ScratchMLPClassifier or Pipeline
        Fitted: traced at its current weights. Unfitted: traced at the
        initial weights its ``random_state`` draws for this data, exactly the
        weights ``fit`` would start from (with ``random_state=None`` every
        call draws others). A Pipeline whose last step is a
        ScratchMLPClassifier: ``X`` first goes through the earlier steps,
        which must be fitted. Never modified.
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or (n_features,)
        The rows to trace; a 1-D array (or pandas Series) is one sample.
    y : array-like of shape (n_samples,) or (n_samples, n_labels), or a label
        Their labels (a single label for a single sample), or 0/1 indicator
        rows for multilabel targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, as in ``fit``.
    classes : array-like, default=None
        Every class of the data set, as in ``partial_fit``. Only an unfitted
        estimator needs it, and only when ``y`` does not show all classes
        (a single sample, say); a fitted one knows its ``classes_``.

    Returns
    -------
    trace : Trace
        A dict in the order the quantities are computed; every per-sample
        quantity is 2-D with one row per sample. For the 13-8-1 network on
        ``n`` rows:

        - ``X`` (n, 13) the rows as the network sees them (float64);
        - ``W1`` (13, 8), ``b1`` (8,), ``W2`` (8, 1), ``b2`` (1,): the
          parameters, as ``coefs_`` and ``intercepts_``;
        - ``Z1`` (n, 8), ``a1`` (n, 8), ``Z2`` (n, 1), ``y_hat`` (n, 1),
          ``y`` (n, 1): forward pass and encoded targets;
        - ``L``, ``R``, ``J`` (floats): cross-entropy, L2 term, their sum;
        - ``dL/dZ2`` (n, 1), ``dL/dW2`` (8, 1), ``dR/dW2`` (8, 1),
          ``dJ/dW2`` (8, 1), ``dJ/db2`` (1,), ``dL/da1`` (n, 8),
          ``f'(Z1)`` (n, 8), ``dL/dZ1`` (n, 8), ``dL/dW1`` (13, 8),
          ``dR/dW1`` (13, 8), ``dJ/dW1`` (13, 8), ``dJ/db1`` (8,).

        More hidden layers add indices. ``dJ/dW = dL/dW + dR/dW`` is the
        gradient training uses; biases are not penalised, so ``dJ/db`` is
        also ``dL/db``. ``dL/dZ2 = (y_hat - y) * s / S`` carries the batch
        average: for one unweighted sample it is ``y_hat - y``.

        Weights and their gradients are in the code's layout ``(fan_in,
        fan_out)``, that of ``coefs_``: each is the transpose of the
        derivation's column-vector ``W`` (there ``W1`` is (8, 13)), so that
        ``Z1 = X @ W1 + b1`` here is ``Z1 = W1 x + b1`` there.

    See Also
    --------
    check_gradients : Backprop against finite differences.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sknnscratch import ScratchMLPClassifier, trace
    >>> X, y = make_classification(n_samples=50, n_features=13, random_state=0)
    >>> steps = trace(ScratchMLPClassifier(random_state=0).fit(X, y), X[0], y[0])
    >>> list(steps)[:8]
    ['X', 'W1', 'b1', 'W2', 'b2', 'Z1', 'a1', 'Z2']
    >>> steps["Z1"].shape, steps["dJ/dW1"].shape
    ((1, 8), (13, 8))
    >>> bool(steps["J"] == steps["L"] + steps["R"])
    True
    """
    X, one_row = _as_rows(X)
    if one_row:
        y = _labels_of_one_row(y)
    network, X = network_and_rows(estimator, X, "trace")
    problem = training_objective(network, X, y, sample_weight, classes)
    steps = Trace()
    loss_and_gradients(
        problem.pop("X"),
        problem.pop("Y"),
        problem.pop("coefs"),
        problem.pop("intercepts"),
        record=steps,
        **problem,
    )
    steps.equations = _equations(
        steps, problem["activation"], problem["out_activation"]
    )
    weights = problem["sample_weight"]
    n = steps["X"].shape[0]
    S = n if weights is None else float(weights.sum())
    steps.header = (
        f"{n} row(s), alpha = {problem['alpha']!r}, S = {S!r} (the sum of the "
        "rows' sample weights).\nWeights in the code's layout (fan_in, fan_out), "
        "as coefs_: each W here is the derivation's W transposed."
    )
    return steps


def _equations(steps, activation, out_activation):
    """What each entry of a trace is, in the code's row form."""
    n_layers = sum(1 for name in steps if re.fullmatch(r"W\d+", name))
    output = "sigmoid" if out_activation == "logistic" else "softmax"
    slope = {
        "relu": "1[Z{k} > 0], ReLU's slope",
        "tanh": "1 - a{k}**2, tanh's slope",
        "logistic": "a{k} * (1 - a{k}), the logistic's slope",
        "identity": "1, the identity's slope",
    }[activation]

    def below(k):
        return "X" if k == 1 else f"a{k - 1}"

    equations = {
        "X": "the input rows, one sample per row",
        "y_hat": f"= {output}(Z{n_layers})  (F3)",
        "y": "the targets, 0/1 per output unit",
        "L": "= sum_i s_i * loss_i / S, the mean cross-entropy  (L1)",
        "R": "= alpha / (2 S) * sum_l ||Wl||^2, the L2 term  (L2)",
        "J": "= L + R, what training minimises  (L3)",
        f"dL/dZ{n_layers}": "= (y_hat - y) * s / S  (B1)",
    }
    for k in range(1, n_layers + 1):
        equations[f"W{k}"] = f"coefs_[{k - 1}]"
        equations[f"b{k}"] = f"intercepts_[{k - 1}]"
        equations[f"Z{k}"] = f"= {below(k)} @ W{k} + b{k}  (F1)"
        equations[f"a{k}"] = f"= {activation}(Z{k})  (F2)"
        equations[f"dL/dW{k}"] = f"= {below(k)}.T @ dL/dZ{k}  (B2)"
        equations[f"dR/dW{k}"] = f"= alpha / S * W{k}  (B3)"
        equations[f"dJ/dW{k}"] = f"= dL/dW{k} + dR/dW{k}  (B4)"
        equations[f"dJ/db{k}"] = f"= dL/dZ{k} summed over the rows  (B5)"
        equations[f"dL/da{k}"] = f"= dL/dZ{k + 1} @ W{k + 1}.T  (B6)"
        equations[f"f'(Z{k})"] = "= " + slope.format(k=k) + "  (B7)"
        if k < n_layers:
            equations[f"dL/dZ{k}"] = f"= dL/da{k} * f'(Z{k})  (B8)"
    return {name: equations[name] for name in steps if name in equations}


# ----------------------------------------------------------- gradient check


@dataclass(frozen=True)
class GradientCheck:
    """The comparison for one parameter array (see :func:`check_gradients`).

    Attributes
    ----------
    name : str
        ``coefs_[l]`` or ``intercepts_[l]``.
    shape : tuple
        The parameter's shape (the shape the gradient must have).
    max_abs_error : float
        The largest absolute difference between backprop and finite
        differences (nan when they could not be compared).
    rel_error : float
        ``||backprop - numeric|| / (||backprop|| + ||numeric||)``.
    status : {'ok', 'FAIL', 'near kink'}
        The verdict.
    reason : str
        Why: 'relative error < rtol', 'every entry within atol', or what
        failed (a wrong shape, non-finite values, both tolerances missed).
    """

    name: str
    shape: tuple
    max_abs_error: float
    rel_error: float
    status: str
    reason: str = ""


_ATOL_NOTE = (
    "'ok (every entry within atol)': the relative error is large only because "
    "the gradient itself is tiny, as near a minimum, where the rounding noise "
    "of finite differences (about 1e-16 * |J| / eps) is a large share of it; "
    "every entry still agrees within atol, which is the meaningful test there."
)


class GradientReport(list):
    """A :class:`GradientCheck` per parameter array, printable as a table.

    Attributes
    ----------
    near_kink : int
        How many rows were left out of the comparison because a hidden ReLU
        pre-activation lies within reach of a finite-difference step of 0,
        where the function has no derivative.
    rtol, atol, eps : float
        The tolerances and the finite-difference step of the check.
    n_rows : int or None
        How many rows were compared.
    backprop : str
        Whose backprop was checked.
    """

    def __init__(
        self, rows, near_kink, rtol, *, atol=1e-8, eps=1e-6, n_rows=None, backprop=""
    ):
        super().__init__(rows)
        self.near_kink = near_kink
        self.rtol = rtol
        self.atol = atol
        self.eps = eps
        self.n_rows = n_rows
        self.backprop = backprop or "the estimator's (_network.loss_and_gradients)"

    @property
    def passed(self):
        """True when no array failed ('near kink' is not a failure)."""
        return all(row.status != "FAIL" for row in self)

    def __str__(self):
        rows = f" on {self.n_rows} row(s)" if self.n_rows is not None else ""
        lines = [
            f"backprop: {self.backprop}, against central finite differences of "
            f"J (eps={self.eps:g}){rows}",
            f"{'parameter':<17}{'gradient':<10}{'shape':>10}{'max abs error':>16}"
            f"{'rel error':>12}  status",
        ]
        for row in self:
            verdict = f"{row.status} ({row.reason})" if row.reason else row.status
            lines.append(
                f"{row.name:<17}{_gradient_name(row.name):<10}{str(row.shape):>10}"
                f"{row.max_abs_error:>16.2e}{row.rel_error:>12.2e}  {verdict}"
            )
        lines.append(
            "rel error = ||backprop - numeric|| / (||backprop|| + ||numeric||); an "
            f"array passes when it is < rtol={self.rtol:g}, or when every entry "
            f"differs by less than atol={self.atol:g}."
        )
        if any(row.reason == "every entry within atol" for row in self):
            lines.append(_ATOL_NOTE)
        if any("transposed" in row.reason for row in self):
            lines.append(
                "A gradient must have its parameter's shape, the code's (fan_in, "
                "fan_out) layout of coefs_: dW1 = X.T @ dZ1 (13, 8), not the "
                "derivation's dZ1.T @ X (8, 13)."
            )
        if self.near_kink:
            lines.append(
                f"{self.near_kink} row(s) left out: a ReLU pre-activation within "
                "reach of the kink at 0, where finite differences are unreliable."
            )
        return "\n".join(lines)


def _gradient_name(name):
    """``coefs_[0]`` -> ``dJ/dW1``: the derivation's (and the trace's) name."""
    kind, index = name.rstrip("]").split("_[")
    return f"dJ/d{'W' if kind == 'coefs' else 'b'}{int(index) + 1}"


def check_gradients(
    estimator,
    X,
    y,
    sample_weight=None,
    *,
    gradient=None,
    eps=1e-6,
    rtol=1e-6,
    atol=1e-8,
    classes=None,
):
    """Compare backprop with central finite differences of the objective.

    The objective is exactly the one training minimises,
    ``J = sum(s_i * loss_i) / S + alpha / (2 S) * sum ||W||^2``, at the
    estimator's current weights (the initial weights its ``random_state``
    draws if it is not fitted). Every parameter is moved by ``+eps`` and
    ``-eps`` in turn: ``2 * n_parameters`` forward passes over ``X`` (242
    for the 13-8-1 network), so pass a sample of a large data set.

    Parameters
    ----------
    estimator : ScratchMLPClassifier or Pipeline
        Fitted or not; a Pipeline whose last step is a ScratchMLPClassifier
        sends ``X`` through its earlier steps first (they must be fitted).
        Never modified.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Input rows (a 1-D array is one row).
    y : array-like of shape (n_samples,) or (n_samples, n_labels)
        Their labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, as in ``fit``.
    gradient : callable, default=None
        Your own backprop, to check instead of the estimator's:
        ``gradient(X, Y, coefs, intercepts) -> (coef_grads, intercept_grads)``.
        It receives ``X``, the rows as the network sees them (transformed by
        the pipeline, dense float64, shape (n, 13)); ``Y``, the targets as
        training encodes them (an (n, n_outputs) 0/1 float array: one column
        for binary targets); and ``coefs`` and ``intercepts``, the current
        weights as lists in the code's layout (``coefs[0]`` of shape (13, 8),
        ``intercepts[0]`` of shape (8,)). All are copies: writing into them
        changes nothing. It must return two lists, ``[dJ/dW1, dJ/dW2, ...]``
        and ``[dJ/db1, dJ/db2, ...]``, each array of its parameter's shape:
        the gradient of the estimator's ``J``, its L2 term ``alpha / (2 n) *
        sum ||W||^2`` included (set ``alpha=0`` on the estimator to check a
        backprop without penalty). The callable gets no sample weights, so
        it needs an estimator without ``class_weight`` and no
        ``sample_weight``. The finite differences are always those of the
        estimator's ``J``: only the analytic side is replaced.
    eps : float, default=1e-6
        The finite-difference step.
    rtol : float, default=1e-6
        An array passes when ``||analytic - numeric|| / (||analytic|| +
        ||numeric||)`` is below it...
    atol : float, default=1e-8
        ... or when every entry differs by less than this. Near a minimum the
        gradient itself is tiny and the relative error measures only the
        rounding noise of finite differences (about ``1e-16 * |J| / eps``).
    classes : array-like, default=None
        Every class of the data set, for an unfitted estimator whose ``y``
        does not show them all (as in ``partial_fit``).

    Returns
    -------
    report : GradientReport
        One row per array (``coefs_[0]``, ..., ``intercepts_[-1]``) with its
        shape, the largest absolute error, the relative error, a status
        ('ok' or 'FAIL') and the reason for it: 'relative error < rtol',
        'every entry within atol', or what failed. A gradient of the wrong
        shape is a FAIL that says so, not an exception. Rows of ``X`` with a
        ReLU pre-activation within reach of a step of 0 (where the gradient
        is not defined, so finite differences cannot judge it) are left out
        of the comparison and counted in ``near_kink``; if every row is, each
        status is 'near kink'. ``report.passed`` is True when no row failed;
        ``print(report)`` explains each verdict.

    Raises
    ------
    ValueError
        If ``gradient`` does not return two lists of one array per layer, or
        is given with sample or class weights.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sknnscratch import ScratchMLPClassifier, check_gradients
    >>> X, y = make_classification(n_samples=50, n_features=13, random_state=0)
    >>> check_gradients(ScratchMLPClassifier(random_state=0), X, y).passed
    True

    A backprop of your own, for the 13-8-1 network without penalty:

    >>> import numpy as np
    >>> from scipy.special import expit
    >>> def my_backprop(X, Y, coefs, intercepts):
    ...     (W1, W2), (b1, b2) = coefs, intercepts
    ...     Z1 = X @ W1 + b1
    ...     a1 = np.maximum(Z1, 0)
    ...     dZ2 = (expit(a1 @ W2 + b2) - Y) / len(X)
    ...     dZ1 = dZ2 @ W2.T * (Z1 > 0)
    ...     return [X.T @ dZ1, a1.T @ dZ2], [dZ1.sum(0), dZ2.sum(0)]
    >>> model = ScratchMLPClassifier(alpha=0, random_state=0)
    >>> check_gradients(model, X, y, gradient=my_backprop).passed
    True
    """
    X, one_row = _as_rows(X)
    if one_row:
        y = _labels_of_one_row(y)
    network, X = network_and_rows(estimator, X, "check_gradients")
    problem = training_objective(network, X, y, sample_weight, classes)
    X, Y = problem.pop("X"), problem.pop("Y")
    coefs, intercepts = problem.pop("coefs"), problem.pop("intercepts")
    weights = problem["sample_weight"]
    if gradient is not None and weights is not None and np.any(weights != 1):
        raise ValueError(
            "A gradient callable receives no sample weights, but these rows are "
            "weighted (sample_weight or the estimator's class_weight). Check it "
            "without them: sample_weight=None and class_weight=None."
        )
    units = [coefs[0].shape[0], *(b.shape[0] for b in intercepts)]
    names = _names(coefs)
    theta = pack(coefs, intercepts)
    settings = dict(rtol=rtol, atol=atol, eps=eps)
    backprop = "" if gradient is None else f"your {_callable_name(gradient)}"

    # Rows whose ReLU pre-activations a step could push across 0 would make
    # finite differences wrong where the code is right: leave them out.
    kink = _near_kink(X, coefs, intercepts, problem["activation"], eps)
    near_kink = int(kink.sum())
    if near_kink == X.shape[0]:
        rows = [
            GradientCheck(
                name, W.shape, np.nan, np.nan, "near kink", "every row near a kink"
            )
            for name, W in zip(names, [*coefs, *intercepts], strict=True)
        ]
        return GradientReport(rows, near_kink, n_rows=0, backprop=backprop, **settings)
    if near_kink:
        X, Y = X[~kink], Y[~kink]
        if weights is not None:
            problem["sample_weight"] = weights[~kink]

    if gradient is None:
        _, coef_grads, intercept_grads = loss_and_gradients(
            X, Y, coefs, intercepts, **problem
        )
    else:
        coef_grads, intercept_grads = _call_gradient(gradient, X, Y, coefs, intercepts)
    analytic = [*coef_grads, *intercept_grads]

    numeric = np.empty_like(theta)
    shifted = theta.copy()
    for i in range(theta.size):
        shifted[i] = theta[i] + eps
        up = loss_and_gradients(X, Y, *unpack(shifted, units), **problem)[0]
        shifted[i] = theta[i] - eps
        down = loss_and_gradients(X, Y, *unpack(shifted, units), **problem)[0]
        shifted[i] = theta[i]
        numeric[i] = (up - down) / (2 * eps)
    numeric_coefs, numeric_intercepts = unpack(numeric, units)
    numeric = [*numeric_coefs, *numeric_intercepts]

    rows = [
        _compare(name, a, n, rtol, atol)
        for name, a, n in zip(names, analytic, numeric, strict=True)
    ]
    return GradientReport(
        rows, near_kink, n_rows=X.shape[0], backprop=backprop, **settings
    )


def _callable_name(gradient):
    return f"{getattr(gradient, '__name__', type(gradient).__name__)}(...)"


def _call_gradient(gradient, X, Y, coefs, intercepts):
    """Run a learner's backprop on copies; check it returns one array per layer."""
    n_layers = len(coefs)
    expected = (
        "coef_grads = ["
        + ", ".join(f"dJ/dW{k} {W.shape}" for k, W in enumerate(coefs, 1))
        + "] and intercept_grads = ["
        + ", ".join(f"dJ/db{k} {b.shape}" for k, b in enumerate(intercepts, 1))
        + "], in that order"
    )
    try:
        result = gradient(
            X.copy(),
            Y.copy(),
            [W.copy() for W in coefs],
            [b.copy() for b in intercepts],
        )
    except Exception as error:
        raise ValueError(
            f"The gradient function raised {type(error).__name__}: {error}. It "
            f"gets X of shape {X.shape} (one sample per row), Y of shape "
            f"{Y.shape} and the weights in the code's layout; it must return "
            f"{expected}. A shape error often means a missing or extra "
            "transpose: in this layout dW1 = X.T @ dZ1."
        ) from error
    if not isinstance(result, tuple | list) or len(result) != 2:
        got = f"a {type(result).__name__}" + (
            f" of {len(result)} items" if isinstance(result, tuple | list) else ""
        )
        raise ValueError(
            f"gradient must return a pair (coef_grads, intercept_grads): {expected}; "
            f"got {got}."
        )
    coef_grads, intercept_grads = result
    for what, grads in (
        ("coef_grads", coef_grads),
        ("intercept_grads", intercept_grads),
    ):
        count = len(grads) if isinstance(grads, tuple | list) else None
        if count != n_layers:
            got = f"{count} arrays" if count is not None else type(grads).__name__
            raise ValueError(
                f"gradient returned {got} in {what}; expected a list of "
                f"{n_layers}, one per layer: {expected}."
            )
    return list(coef_grads), list(intercept_grads)


def _compare(name, analytic, numeric, rtol, atol):
    """One row of the report: the verdict on one gradient array and why."""
    expected = numeric.shape
    try:
        analytic = np.asarray(analytic, dtype=np.float64)
    except (TypeError, ValueError):
        return GradientCheck(
            name, expected, np.nan, np.nan, "FAIL", "not an array of numbers"
        )
    if analytic.shape != expected:
        reason = f"shape {analytic.shape}, expected {expected}"
        if len(expected) == 2 and analytic.shape == expected[::-1]:
            reason += ": transposed"
        return GradientCheck(name, expected, np.nan, np.nan, "FAIL", reason)
    if not np.isfinite(analytic).all():
        return GradientCheck(name, expected, np.nan, np.nan, "FAIL", "not finite")
    difference = np.linalg.norm(analytic - numeric)
    rel = float(
        difference / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-300)
    )
    largest = float(np.abs(analytic - numeric).max(initial=0.0))
    if rel < rtol:
        status, reason = "ok", "relative error < rtol"
    elif largest < atol:
        status, reason = "ok", "every entry within atol"
    else:
        status, reason = "FAIL", "relative error >= rtol and an entry off by > atol"
    return GradientCheck(name, expected, largest, rel, status, reason)


def _names(coefs):
    return [f"coefs_[{i}]" for i in range(len(coefs))] + [
        f"intercepts_[{i}]" for i in range(len(coefs))
    ]


def _near_kink(X, coefs, intercepts, activation, eps):
    """Rows where a step of ``eps`` could carry a hidden ReLU input across 0.

    A step of ``eps`` on a weight of layer ``l`` moves ``Z[l]`` by at most
    ``eps * max |A[l-1]|`` (``eps`` for a bias); a change that comes from an
    earlier layer reaches unit ``k`` of ``Z[l]`` through ``W[l][:, k]``, at
    most ``sum_j |W[l][j, k]|`` times as large. A row is left out when a
    hidden unit lies within ten times that reach of 0; for the others both
    evaluations of every central difference lie on the same linear piece of
    each ReLU, where the difference is exact up to rounding.
    """
    near = np.zeros(X.shape[0], dtype=bool)
    if activation != "relu":
        return near
    Z, A = forward(X, coefs, intercepts, activation)
    reach = np.zeros((X.shape[0], 1))
    for layer in range(1, len(coefs)):
        inputs = np.maximum(1.0, np.abs(A[layer - 1]).max(axis=1, keepdims=True))
        spread = np.abs(coefs[layer - 1]).sum(axis=0).max()
        reach = eps * inputs + spread * reach
        near |= (np.abs(Z[layer]) < 10 * reach).any(axis=1)
    return near
