"""Activation functions, their derivatives, and the output layer's functions.

Each hidden activation ``f`` comes with its derivative ``f'``. A derivative
takes both the pre-activation ``Z`` and the activation ``A = f(Z)`` because
some derivatives are cheapest from one (ReLU: ``1[Z > 0]``) and some from the
other (tanh: ``1 - A**2``). No function here writes into its arguments: the
backward pass still needs ``Z`` and ``A`` after a derivative has been taken.

The output layer works on logits. The binary (and multilabel) output is the
logistic sigmoid, one unit per label; the multiclass output is the softmax, one
unit per class. Their cross-entropy losses are written with ``logaddexp`` and
``logsumexp`` of the logits, so no probability is ever rounded to 0 or 1 and
then passed to ``log``.
"""

import numpy as np
from scipy.special import expit, log_expit, log_softmax, logsumexp, softmax

# --- hidden activations: f(Z) --------------------------------------------


def identity(Z):
    """f(z) = z."""
    return Z


def relu(Z):
    """f(z) = max(z, 0)."""
    return np.maximum(Z, 0)


def tanh(Z):
    """f(z) = tanh(z)."""
    return np.tanh(Z)


def logistic(Z):
    """f(z) = 1 / (1 + exp(-z)), computed without overflow."""
    return expit(Z)


# --- their derivatives: f'(Z), given Z and A = f(Z) ----------------------


def identity_derivative(Z, A):
    """f'(z) = 1."""
    return np.ones_like(Z)


def relu_derivative(Z, A):
    """f'(z) = 1 if z > 0 else 0 (the value 0 is taken at the kink z = 0)."""
    return (Z > 0).astype(Z.dtype)


def tanh_derivative(Z, A):
    """f'(z) = 1 - tanh(z)**2 = 1 - a**2."""
    return 1.0 - A * A


def logistic_derivative(Z, A):
    """f'(z) = sigma(z) * (1 - sigma(z)) = a * (1 - a)."""
    return A * (1.0 - A)


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


def sigmoid_proba(Z):
    """Probabilities of the sigmoid output, one independent unit per column."""
    return expit(Z)


def softmax_proba(Z):
    """Probabilities of the softmax output; each row sums to 1."""
    return softmax(Z, axis=1)


def sigmoid_log_proba(Z):
    """log(sigmoid(Z)), finite for every finite logit."""
    return log_expit(Z)


def softmax_log_proba(Z):
    """log(softmax(Z)) = Z - logsumexp(Z), finite for every finite logit."""
    return log_softmax(Z, axis=1)


def sigmoid_cross_entropy(Z, Y):
    """Binary cross-entropy per sample, summed over the sigmoid units.

    With p = sigmoid(z), -y log(p) - (1 - y) log(1 - p) = log(1 + e^z) - y z,
    and log(1 + e^z) = logaddexp(0, z) never overflows.
    """
    return (np.logaddexp(0, Z) - Y * Z).sum(axis=1)


def softmax_cross_entropy(Z, Y):
    """Multiclass cross-entropy per sample for one-hot (or soft) targets Y.

    With p = softmax(z), -sum_c y_c log(p_c) = logsumexp(z) * sum_c y_c - sum_c y_c z_c,
    which for one-hot y is logsumexp(z) - z_true.
    """
    return logsumexp(Z, axis=1) * Y.sum(axis=1) - (Y * Z).sum(axis=1)


OUTPUT_PROBA = {"logistic": sigmoid_proba, "softmax": softmax_proba}
OUTPUT_LOG_PROBA = {"logistic": sigmoid_log_proba, "softmax": softmax_log_proba}
CROSS_ENTROPY = {"logistic": sigmoid_cross_entropy, "softmax": softmax_cross_entropy}
