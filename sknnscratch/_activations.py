"""Activation functions, their derivatives, and the output layer's functions.

Each hidden activation ``f`` comes with its derivative ``f'``. A derivative
takes both the pre-activation ``Z`` and the activation ``A = f(Z)`` because
some derivatives are cheapest from one (ReLU: ``1[Z > 0]``) and some from the
other (tanh: ``1 - A**2``). No function here writes into its arguments (only
into a separate ``out`` buffer when one is given): the backward pass still
needs ``Z`` and ``A`` after a derivative has been taken.

The output layer works on logits. The binary (and multilabel) output is the
logistic sigmoid, one unit per label; the multiclass output is the softmax, one
unit per class. Their cross-entropy losses are written with
``max(z, 0) + log1p(e^-|z|)`` and ``logsumexp`` of the logits, so no
probability is ever rounded to 0 or 1 and then passed to ``log``.

numpy arrays take numpy's (and scipy's) functions, in place into ``out``
where given. Arrays of another Array API namespace (PyTorch, CuPy...) take
the same formulas in that namespace's functions (``out`` is then ignored
and a new array returned): :func:`_generic` below.
"""

import numpy as np
from scipy.special import expit, log_expit, log_softmax, xlogy

from sknnscratch._namespace import is_numpy, namespace

# Zero as a 0-d array of the input's dtype: numpy compares with it faster
# than with the Python int 0, and the results are the same.
_ZEROS = {np.dtype(t): np.zeros((), dtype=t) for t in (np.float32, np.float64)}

# --- hidden activations: f(Z) --------------------------------------------
# ``out``, when given, is a separate buffer to write the result into (the
# training loop reuses its buffers): never ``A``, ``Z`` only for a derivative.


def identity(Z, out=None):
    """f(z) = z."""
    return Z


def relu(Z, out=None):
    """f(z) = max(z, 0)."""
    if not is_numpy(Z):
        return _generic("relu", Z)
    return np.maximum(Z, _ZEROS.get(Z.dtype, 0), out=out)


def tanh(Z, out=None):
    """f(z) = tanh(z)."""
    if not is_numpy(Z):
        return _generic("tanh", Z)
    return np.tanh(Z, out=out)


def logistic(Z, out=None):
    """f(z) = 1 / (1 + exp(-z)), computed without overflow."""
    if not is_numpy(Z):
        return _generic("logistic", Z)
    return expit(Z, out=out)


# --- their derivatives: f'(Z), given Z and A = f(Z) ----------------------


def identity_derivative(Z, A, out=None):
    """f'(z) = 1."""
    if not is_numpy(Z):
        return _generic("identity_derivative", Z, A)
    if out is None:
        return np.ones_like(Z)
    out.fill(1)
    return out


def relu_derivative(Z, A, out=None):
    """f'(z) = 1 if z > 0 else 0 (the value 0 is taken at the kink z = 0)."""
    if not is_numpy(Z):
        return _generic("relu_derivative", Z, A)
    if out is None:
        return (Z > 0).astype(Z.dtype)
    return np.greater(Z, _ZEROS.get(Z.dtype, 0), out=out)


def tanh_derivative(Z, A, out=None):
    """f'(z) = 1 - tanh(z)**2 = 1 - a**2."""
    if not is_numpy(Z):
        return _generic("tanh_derivative", Z, A)
    if out is None:
        return 1.0 - A * A
    np.multiply(A, A, out=out)
    return np.subtract(1.0, out, out=out)


def logistic_derivative(Z, A, out=None):
    """f'(z) = sigma(z) * (1 - sigma(z)) = a * (1 - a)."""
    if not is_numpy(Z):
        return _generic("logistic_derivative", Z, A)
    if out is None:
        return A * (1.0 - A)
    np.subtract(1.0, A, out=out)
    return np.multiply(A, out, out=out)


HIDDEN_ACTIVATIONS = {
    "identity": identity,
    "relu": relu,
    "tanh": tanh,
    "logistic": logistic,
}

DERIVATIVES = {
    "identity": identity_derivative,
    "relu": relu_derivative,
    "tanh": tanh_derivative,
    "logistic": logistic_derivative,
}

# --- output layer: probabilities and cross-entropy from logits -----------


def sigmoid_proba(Z, out=None):
    """Probabilities of the sigmoid output, one independent unit per column."""
    if not is_numpy(Z):
        return _generic("sigmoid_proba", Z)
    return expit(Z, out=out)


def _shifted_exp(Z):
    """``exp(Z - max(Z))`` per row (all entries in (0, 1]) and the row maxima."""
    top = Z.max(axis=1, keepdims=True)
    return np.exp(Z - top), top


def softmax_proba(Z, out=None):
    """Probabilities of the softmax output; each row sums to 1.

    ``softmax(z) = exp(z - max z) / sum exp(z - max z)``: shifting by the
    largest logit changes nothing mathematically and keeps every exponential
    in (0, 1], so nothing overflows. Plain numpy: scipy's ``softmax`` costs
    several times more on the small arrays of a training step.
    """
    if not is_numpy(Z):
        return _generic("softmax_proba", Z)
    E, _ = _shifted_exp(Z)
    E /= E.sum(axis=1, keepdims=True)
    if out is None:
        return E
    out[...] = E
    return out


def sigmoid_log_proba(Z):
    """log(sigmoid(Z)), finite for every finite logit."""
    if not is_numpy(Z):
        return _generic("sigmoid_log_proba", Z)
    return log_expit(Z)


def softmax_log_proba(Z):
    """log(softmax(Z)) = Z - logsumexp(Z), finite for every finite logit."""
    if not is_numpy(Z):
        return _generic("softmax_log_proba", Z)
    return log_softmax(Z, axis=1)


def sigmoid_cross_entropy(Z, Y):
    """Binary cross-entropy per sample, summed over the sigmoid units.

    With p = sigmoid(z), -y log(p) - (1 - y) log(1 - p) = log(1 + e^z) - y z,
    and log(1 + e^z) = max(z, 0) + log1p(e^-|z|) never overflows (the same
    formula as np.logaddexp(0, z), in vectorised steps that numpy runs
    several times faster).
    """
    if not is_numpy(Z):
        return _generic("sigmoid_cross_entropy", Z, Y)
    loss = np.abs(Z)
    np.negative(loss, out=loss)
    np.exp(loss, out=loss)
    np.log1p(loss, out=loss)  # log1p(e^-|z|)
    loss += np.maximum(Z, _ZEROS.get(Z.dtype, 0))
    loss -= Y * Z
    if loss.shape[1] == 1:  # one unit: the sum is that unit's loss
        return loss[:, 0]
    return np.add.reduce(loss, axis=1)


def softmax_cross_entropy(Z, Y):
    """Multiclass cross-entropy per sample for one-hot (or soft) targets Y.

    With p = softmax(z), -sum_c y_c log(p_c) = logsumexp(z) * sum_c y_c - sum_c y_c z_c,
    which for one-hot y is logsumexp(z) - z_true.
    """
    if not is_numpy(Z):
        return _generic("softmax_cross_entropy", Z, Y)
    E, top = _shifted_exp(Z)
    logsumexp = np.log(E.sum(axis=1)) + top[:, 0]
    return logsumexp * Y.sum(axis=1) - (Y * Z).sum(axis=1)


def sigmoid_loss_and_proba(Z, Y, out=None):
    """:func:`sigmoid_cross_entropy` and :func:`sigmoid_proba` of ``Z``."""
    if not is_numpy(Z):
        return _generic("sigmoid_cross_entropy", Z, Y), _generic("sigmoid_proba", Z)
    return sigmoid_cross_entropy(Z, Y), sigmoid_proba(Z, out=out)


def softmax_loss_and_proba(Z, Y, out=None):
    """:func:`softmax_cross_entropy` and :func:`softmax_proba` of ``Z`` at once.

    Both start from the same shifted exponentials and their row sums:
    computed once, the same numbers as each function gives on its own.
    """
    if not is_numpy(Z):
        return _generic("softmax_cross_entropy", Z, Y), _generic("softmax_proba", Z)
    E, top = _shifted_exp(Z)
    totals = E.sum(axis=1, keepdims=True)
    logsumexp = np.log(totals[:, 0]) + top[:, 0]
    loss = logsumexp * Y.sum(axis=1) - (Y * Z).sum(axis=1)
    return loss, np.divide(E, totals, out=out if out is not None else E)


# --- the same functions in any Array API namespace -----------------------
# For arrays other than numpy's; the formulas are those above, written with
# the standard's functions (no ``out=``: a new array each time).


def _exp_minus_abs(xp, Z):
    """``e^-|z|``, in (0, 1]: never overflows."""
    return xp.exp(-xp.abs(Z))


def _xp_sigmoid(xp, Z):
    """sigmoid(z) = 1 / (1 + e^-z) for z >= 0, e^z / (1 + e^z) below."""
    E = _exp_minus_abs(xp, Z)
    return xp.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def _xp_log_sigmoid(xp, Z):
    """log(sigmoid(z)) = min(z, 0) - log1p(e^-|z|)."""
    return xp.minimum(Z, xp.zeros_like(Z)) - xp.log1p(_exp_minus_abs(xp, Z))


def _xp_log_softmax(xp, Z):
    """z - max z - log sum exp(z - max z), per row."""
    shifted = Z - xp.max(Z, axis=1, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))


def _xp_sigmoid_cross_entropy(xp, Z, Y):
    """max(z, 0) + log1p(e^-|z|) - y z, summed over the units."""
    loss = xp.maximum(Z, xp.zeros_like(Z)) + xp.log1p(_exp_minus_abs(xp, Z)) - Y * Z
    return xp.sum(loss, axis=1)


def _xp_softmax_cross_entropy(xp, Z, Y):
    """logsumexp(z) * sum_c y_c - sum_c y_c z_c, per row."""
    top = xp.max(Z, axis=1, keepdims=True)
    logsumexp = xp.log(xp.sum(xp.exp(Z - top), axis=1)) + top[:, 0]
    return logsumexp * xp.sum(Y, axis=1) - xp.sum(Y * Z, axis=1)


_GENERIC = {
    "identity": lambda xp, Z: Z,
    "relu": lambda xp, Z: xp.where(Z > 0, Z, xp.zeros_like(Z)),
    "tanh": lambda xp, Z: xp.tanh(Z),
    "logistic": _xp_sigmoid,
    "identity_derivative": lambda xp, Z, A: xp.ones_like(Z),
    "relu_derivative": lambda xp, Z, A: xp.astype(Z > 0, Z.dtype),
    "tanh_derivative": lambda xp, Z, A: 1.0 - A * A,
    "logistic_derivative": lambda xp, Z, A: A * (1.0 - A),
    "sigmoid_proba": _xp_sigmoid,
    "softmax_proba": lambda xp, Z: xp.exp(_xp_log_softmax(xp, Z)),
    "sigmoid_log_proba": _xp_log_sigmoid,
    "softmax_log_proba": _xp_log_softmax,
    "sigmoid_cross_entropy": _xp_sigmoid_cross_entropy,
    "softmax_cross_entropy": _xp_softmax_cross_entropy,
    "squared_error": lambda xp, Z, Y: xp.sum((Z - Y) ** 2, axis=1) / 2,
    "exp_output": lambda xp, Z: xp.exp(_xp_clipped_logits(xp, Z)),
    "poisson_deviance": lambda xp, Z, Y: _xp_poisson_deviance(xp, Z, Y),
}


def _xp_clipped_logits(xp, Z):
    """``Z`` clipped to where ``exp`` stays finite: see :func:`clipped_logits`."""
    top = float(log_max(np.dtype(np.float32 if Z.dtype == xp.float32 else np.float64)))
    return xp.clip(Z, -top, top)


def _xp_poisson_deviance(xp, Z, Y):
    """exp(z) - y z + y log y - y, summed over the units (``0 log 0 = 0``)."""
    Z = _xp_clipped_logits(xp, Z)
    safe_Y = xp.where(Y > 0, Y, xp.ones_like(Y))
    y_log_y = xp.where(Y > 0, Y * xp.log(safe_Y), xp.zeros_like(Y))
    return xp.sum(xp.exp(Z) - Y * Z + y_log_y - Y, axis=1)


def _generic(name, *arrays):
    """Function ``name`` of this module on non-numpy arrays, in their namespace."""
    return _GENERIC[name](namespace(arrays[0]), *arrays)


# --- regression: the identity output and the squared error ----------------


def squared_error(Z, Y):
    """Squared error per sample, halved and summed over the output units.

    ``loss_i = sum_k (z_ik - y_ik)^2 / 2``: with the identity output the
    prediction is the logit, and the half makes the gradient ``y_hat - y``,
    the same output error (B1) as the cross-entropies give. One output unit
    gives MLPRegressor's loss; with several, MLPRegressor reports their mean
    but follows the gradient of this sum.
    """
    if not is_numpy(Z):
        return _generic("squared_error", Z, Y)
    residual = Z - Y
    residual *= residual
    if residual.shape[1] == 1:
        return residual[:, 0] / 2
    return np.add.reduce(residual, axis=1) / 2


def identity_loss_and_output(Z, Y, out=None):
    """:func:`squared_error` of ``Z`` and the identity output: ``Z`` itself.

    ``out`` is not written: the output is the logits' array, which nothing
    downstream changes in place.
    """
    return squared_error(Z, Y), Z


# --- regression with loss='poisson': the exponential output, the deviance --


def clipped_logits(Z):
    """``Z`` clipped to ``[-log(M), log(M)]``, ``M`` the largest float of its dtype.

    ``exp`` of the result is finite (at most about ``M``) and never
    overflows. Only a diverging network has logits beyond: 710 in float64,
    89 in float32, a predicted count of ``e^89`` or more.
    """
    top = _LOG_MAX[Z.dtype]
    return np.clip(Z, -top, top)


def log_max(dtype):
    """The largest float of ``dtype`` whose ``exp`` is finite (log(M) rounded down)."""
    return np.nextafter(np.log(np.finfo(dtype).max), dtype.type(0))


_LOG_MAX = {np.dtype(t): log_max(np.dtype(t)) for t in (np.float32, np.float64)}


def exp_output(Z, out=None):
    """The Poisson regressor's prediction ``y_hat = exp(z)`` (the log link).

    Computed from :func:`clipped_logits`: finite for every finite logit.
    """
    if not is_numpy(Z):
        return _generic("exp_output", Z)
    return np.exp(clipped_logits(Z), out=out)


def poisson_deviance(Z, Y):
    """Half the Poisson deviance per sample, summed over the output units.

    With ``y_hat = exp(z)``, ``loss_i = sum_k (y_hat - y - y log(y_hat / y))
    = sum_k (exp(z) - y z + y log y - y)``, with ``y log y = 0`` at ``y = 0``:
    MLPRegressor's ``poisson_loss`` (its ``xlogy(y, y / y_hat) - y + y_hat``).
    Its derivative in ``z`` is ``exp(z) - y = y_hat - y``: the same output
    error (B1) as the squared error of the identity output and the
    cross-entropies give. ``y log y - y`` does not depend on the weights; it
    makes the loss 0 where ``y_hat = y``. The logits are clipped as in
    :func:`exp_output`, so the loss is finite for every finite logit.
    """
    if not is_numpy(Z):
        return _generic("poisson_deviance", Z, Y)
    Z = clipped_logits(Z)
    loss = np.exp(Z)
    loss -= Y * Z
    loss += xlogy(Y, Y)
    loss -= Y
    if loss.shape[1] == 1:
        return loss[:, 0]
    return np.add.reduce(loss, axis=1)


def exp_loss_and_output(Z, Y, out=None):
    """:func:`poisson_deviance` of ``Z`` and :func:`exp_output` of ``Z``."""
    if not is_numpy(Z):
        return _generic("poisson_deviance", Z, Y), _generic("exp_output", Z)
    return poisson_deviance(Z, Y), exp_output(Z, out=out)


OUTPUT_PROBA = {
    "logistic": sigmoid_proba,
    "softmax": softmax_proba,
    "identity": identity,
    "exp": exp_output,
}
"""The output function of each output activation: probabilities for the
classifier's, the predicted values themselves for the regressor's identity
(``loss='squared_error'``) and exponential (``loss='poisson'``)."""
OUTPUT_LOG_PROBA = {"logistic": sigmoid_log_proba, "softmax": softmax_log_proba}
CROSS_ENTROPY = {
    "logistic": sigmoid_cross_entropy,
    "softmax": softmax_cross_entropy,
    "identity": squared_error,
    "exp": poisson_deviance,
}
"""The per-sample loss of each output activation: the cross-entropy of the
classifier's outputs, the squared error of the regressor's identity, the
half Poisson deviance of its exponential."""
OUTPUT_OF_LOSS = {"squared_error": "identity", "poisson": "exp"}
"""The regressor's output function (``out_activation_``) of each ``loss``."""
LOSS_AND_PROBA = {
    "logistic": sigmoid_loss_and_proba,
    "softmax": softmax_loss_and_proba,
    "identity": identity_loss_and_output,
    "exp": exp_loss_and_output,
}
