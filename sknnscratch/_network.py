r"""The network's mathematics, one equation per line: the reference implementation.

Every line tagged (F1)-(F3), (L1)-(L4) or (B1)-(B8) below computes exactly one
equation of ``docs/derivation.md``. The page derives each one, works it through
on a heart-disease sample and links the tag to its line; ``tests/test_docs.py``
holds the links, the lines and the equations together. Training runs the same
mathematics from :mod:`sknnscratch._kernels`, written for speed, and
``tests/test_kernels.py`` checks that both give the same numbers. Nothing here
imports scikit-learn or keeps state: arrays in, arrays out, in the Array API
namespace of the arrays given (numpy's functions for numpy arrays; PyTorch's
or CuPy's, on their device, under scikit-learn's ``array_api_dispatch``).

Notation
--------
Weight layers are numbered ``l = 1, ..., n_layers`` as in the derivation (the
13-8-1 network has two: 13 -> 8 and 8 -> 1). The derivation follows one
sample as a column vector, with ``W_l`` of shape (fan_out, fan_in). The code
takes a batch of ``S`` samples, one per row, and stores each weight matrix
transposed, under its own name:

=========================  ========================================  ==============
derivation (one sample)    code (a batch, one sample per row)        13-8-1 shapes
=========================  ========================================  ==============
``W_l`` (fan_out, fan_in)  ``WT[l]`` = ``W_l^T`` = ``coefs[l-1]``    (13, 8) (8, 1)
``b_l`` (fan_out, 1)       ``b[l]`` = ``intercepts[l-1]``            (8,) (1,)
``x``, ``z_l``, ``a_l``    rows of ``A[0] = X``, ``Z[l]``, ``A[l]``  (S, 13) (S, 8)
``y_hat``, ``y``           rows of ``P = A[n_layers]``, ``Y``        (S, 1)
``dloss/dz_l``             row i of ``dZ[l]``, times S / s_i         (S, 8) (S, 1)
``dloss/da_l``             row i of ``dA[l]``, times S / s_i         (S, 8)
``dloss/dW_l``             ``dL_dWT[l]`` = ``(dL/dW_l)^T``, S = 1    (13, 8) (8, 1)
=========================  ========================================  ==============

One name per layout: ``W_l`` is always the derivation's (fan_out, fan_in)
matrix and ``WT[l]`` its transpose. :func:`sknnscratch.trace` writes the
layer number in: ``W1^T`` is ``WT[1]``, ``Z1`` and ``A1`` are ``Z[1]`` and
``A[1]`` (capitals: a batch, one row per sample), ``dL/dW1^T`` is
``dL_dWT[1]``.

``loss_i`` is sample ``i``'s cross-entropy (its squared error (L4) for the
regressor's identity output; half its Poisson deviance for the exponential
output ``P = exp(Z)`` of ``loss='poisson'``, whose output error (B1) is
``P - Y`` too), ``L`` their mean over the batch weighted by
``s`` (all 1 by default; ``S = sum(s)``), ``R`` the L2 term and ``J = L + R``
the objective training minimises.

The tagged lines, in the batch form the code computes
-----------------------------------------------------
=====  ==========================================  ============================
(F1)   ``Z[l] = A[l-1] @ WT[l] + b[l]``            pre-activations
(F2)   ``A[l] = f(Z[l])``                          hidden activations
(F3)   ``A[n_layers] = P = sigmoid(Z[n_layers])``  output probabilities
(L1)   ``L = sum_i s_i loss_i / S``                mean cross-entropy
(L2)   ``R = alpha / (2 S) sum_l ||W_l||^2``       L2 term (biases are free)
(L3)   ``J = L + R``                               the objective
(L4)   ``loss_i = sum_k (Z - Y)_ik^2 / 2``         squared error (regression)
(B1)   ``dZ[n_layers] = (P - Y) * s / S``          output error
(B2)   ``dL_dWT[l] = A[l-1].T @ dZ[l]``            weight gradient, data term
(B3)   ``dR_dWT[l] = alpha / S * WT[l]``           weight gradient, L2 term
(B4)   ``dJ_dWT[l] = dL_dWT[l] + dR_dWT[l]``       weight gradient
(B5)   ``dJ_db[l] = xp.sum(dZ[l], axis=0)``        bias gradient
(B6)   ``dA[l-1] = dZ[l] @ WT[l].T``               error of the layer below
(B7)   ``slope[l-1] = f'(Z[l-1])``                 ReLU: ``1[Z > 0]``, new array
(B8)   ``dZ[l-1] = dA[l-1] * slope[l-1]``          through the activation
=====  ==========================================  ============================

The page answers what a derivation usually leaves open: why (B1) is simply
``P - Y``, where (B6) comes from, why ``dL_dWT`` has the shape of ``coefs``,
why ``s / S`` enters once, and why ``slope`` must be a new array.
"""

from itertools import pairwise

import numpy as np

from sknnscratch._activations import (
    CROSS_ENTROPY,
    DERIVATIVES,
    HIDDEN_ACTIVATIONS,
    OUTPUT_PROBA,
)
from sknnscratch._namespace import namespace


def layer_units(n_features, hidden_layer_sizes, n_outputs):
    """Width of every layer, inputs first: ``[n_features, *hidden, n_outputs]``."""
    return [n_features, *hidden_layer_sizes, n_outputs]


def units_of(coefs):
    """Width of every layer of the network whose weight matrices are ``coefs``."""
    return [coefs[0].shape[0], *(W.shape[1] for W in coefs)]


def parameter_shapes(units):
    """The shapes of ``coefs_`` and of ``intercepts_`` for these layer widths."""
    return list(pairwise(units)), [(width,) for width in units[1:]]


def init_parameters(units, activation, rng, dtype=np.float64):
    """Draw the initial weights and biases (Glorot and Bengio, 2010).

    Every weight and bias of a layer is drawn uniformly from ``[-r, r]`` with
    ``r = sqrt(6 / (fan_in + fan_out))``, or ``sqrt(2 / (fan_in + fan_out))``
    for the logistic activation. The draws come in the same order as
    scikit-learn's ``MLPClassifier``, so the same ``RandomState`` seed starts
    both estimators from the same weights.

    Parameters
    ----------
    units : list of int
        Width of every layer, from :func:`layer_units`.
    activation : str
        The hidden activation's name.
    rng : numpy.random.RandomState or numpy.random.Generator
        The only source of randomness.
    dtype : numpy dtype, default=np.float64
        The dtype of the returned arrays.

    Returns
    -------
    coefs, intercepts : list of ndarray
        For layer ``l = 1, ..., n_layers``: ``coefs[l - 1]`` of shape
        ``(units[l - 1], units[l])`` (``W_l`` transposed) and
        ``intercepts[l - 1]`` of shape ``(units[l],)``.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in pairwise(units):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
        intercepts.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
    return coefs, intercepts


def n_parameters(units):
    """Number of weights and biases of a network with these layer widths."""
    return sum(fan_in * fan_out + fan_out for fan_in, fan_out in pairwise(units))


def n_weights(units):
    """Number of weights (biases left out) of a network with these layer widths."""
    return sum(fan_in * fan_out for fan_in, fan_out in pairwise(units))


def weights_of(theta, units):
    """The weights of every layer in a flat vector (its first part), biases left out."""
    return theta[: n_weights(units)]


def unpack(theta, units):
    """Views of one flat parameter vector as per-layer arrays.

    The layout is every weight matrix (row-major) followed by every bias
    vector, as in scikit-learn's MLP. Writing into the returned arrays writes
    into ``theta``, and the other way round: that is what lets an optimiser
    update all layers with a few operations on ``theta``.

    Parameters
    ----------
    theta : ndarray of shape (n_parameters(units),)
        The flat parameter (or gradient) vector.
    units : list of int
        Width of every layer.

    Returns
    -------
    coefs, intercepts : list of ndarray
        Views into ``theta`` with the shapes of :func:`init_parameters`.
    """
    coefs, intercepts = [], []
    start, xp = 0, namespace(theta)
    for fan_in, fan_out in pairwise(units):
        end = start + fan_in * fan_out
        coefs.append(xp.reshape(theta[start:end], (fan_in, fan_out)))
        start = end
    for fan_out in units[1:]:
        intercepts.append(theta[start : start + fan_out])
        start += fan_out
    return coefs, intercepts


def pack(coefs, intercepts, dtype=None):
    """Concatenate per-layer arrays into a new flat vector (see :func:`unpack`)."""
    if not isinstance(coefs[0], np.ndarray | list):  # another namespace's arrays
        xp = namespace(coefs[0])
        return xp.concat([xp.reshape(a, (-1,)) for a in (*coefs, *intercepts)])
    return np.concatenate([np.ravel(a) for a in (*coefs, *intercepts)], dtype=dtype)


def _by_layer(arrays):
    """Per-layer arrays keyed by layer number from 1, as in the equations."""
    return dict(enumerate(arrays, start=1))


def _penalty_total(S, penalty_weight):
    """The ``S`` that divides the L2 term: the training set's, for a minibatch."""
    return S if penalty_weight is None else penalty_weight


def _weights_and_total(sample_weight, Y):
    """The weights ``s`` (ones by default) and their sum ``S``, in ``Y``'s namespace."""
    xp = namespace(Y)
    if xp is not np:
        s = xp.ones_like(Y[:, 0]) if sample_weight is None else sample_weight
        return s, xp.sum(s)
    s = np.ones(Y.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    return s, s.sum()


def forward(X, coefs, intercepts, activation, out_activation=None):
    """The forward pass, keeping every intermediate for the backward pass.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Input rows.
    coefs, intercepts : list of ndarray
        Weights ``(fan_in, fan_out)`` and biases ``(fan_out,)`` per layer.
    activation : str
        The hidden activation's name.
    out_activation : {"logistic", "softmax", "identity", "exp"}, default=None
        The output function; None stops at the output logits.

    Returns
    -------
    Z : dict of int to ndarray
        ``Z[l]``, the pre-activations of layer ``l = 1, ..., n_layers``;
        ``Z[n_layers]`` are the output logits.
    A : dict of int to ndarray
        ``A[0]`` is ``X`` and ``A[l] = f(Z[l])`` for every hidden layer;
        with ``out_activation``, ``A[n_layers]`` is ``P``, the output
        probabilities (the loss itself is computed from the logits).
    """
    WT, b = _by_layer(coefs), _by_layer(intercepts)
    n_layers = len(WT)
    f = HIDDEN_ACTIVATIONS[activation]
    Z, A = {}, {0: X}
    for l in range(1, n_layers + 1):
        Z[l] = A[l - 1] @ WT[l] + b[l]  # (F1)
        if l < n_layers:
            A[l] = f(Z[l])  # (F2)
    if out_activation is not None:
        A[n_layers] = OUTPUT_PROBA[out_activation](Z[n_layers])  # (F3)
    return Z, A


def objective_terms(
    Z_out, Y, coefs, *, out_activation, alpha, sample_weight=None, penalty_weight=None
):
    """The data term ``L`` (L1), the L2 term ``R`` (L2) and ``J = L + R`` (L3).

    Parameters
    ----------
    Z_out : ndarray of shape (n_samples, n_outputs)
        The output logits ``Z[L]``.
    Y : ndarray of shape (n_samples, n_outputs)
        Targets: 0/1 per sigmoid unit, or one-hot rows for the softmax.
    coefs : list of ndarray
        The weights (the L2 term's argument; biases are not penalised).
    out_activation : {"logistic", "softmax", "identity", "exp"}
        The output function.
    alpha : float
        L2 penalty strength.
    sample_weight : ndarray of shape (n_samples,), default=None
        Row weights ``s``; None weighs every row 1.
    penalty_weight : float, default=None
        The ``S`` that divides the L2 term when the rows are a minibatch of a
        training set of total weight ``penalty_weight``; None: ``sum(s)``.

    Returns
    -------
    terms : dict
        ``loss_i`` (each row's cross-entropy), ``L``, ``R`` and ``J``.
    """
    s, S = _weights_and_total(sample_weight, Y)
    S_penalty = _penalty_total(S, penalty_weight)
    WT, xp = _by_layer(coefs), namespace(Y)
    # One sample's loss from its logits: log(1 + e^z) - y z for the sigmoid,
    # e^z - y z + y log y - y for the exponential (Poisson); the identity
    # output's prediction is its logit, y_hat = z (regression).
    if out_activation == "identity":
        loss_i = xp.sum((Z_out - Y) ** 2, axis=1) / 2  # (L4)
    else:
        loss_i = CROSS_ENTROPY[out_activation](Z_out, Y)
    L = s @ loss_i / S  # (L1)
    R = alpha / (2 * S_penalty) * sum(xp.sum(WT[l] ** 2) for l in WT)  # (L2)
    J = L + R  # (L3)
    return {"loss_i": loss_i, "L": L, "R": R, "J": J}


def backward(
    Z,
    A,
    Y,
    coefs,
    *,
    activation,
    alpha,
    sample_weight=None,
    penalty_weight=None,
):
    """The backward pass: the gradient of ``J`` (L3) for every parameter.

    Parameters
    ----------
    Z, A : dict of int to ndarray
        The intermediates from :func:`forward`, called with
        ``out_activation``: ``A[n_layers]`` holds the output probabilities.
    Y, coefs, alpha, sample_weight, penalty_weight
        As in :func:`objective_terms`.
    activation : str
        The hidden activation's name.

    Returns
    -------
    steps : dict
        ``P`` (the output probabilities), and dicts keyed by layer number:
        ``dZ``, ``dL_dW``, ``dR_dW``, ``dW`` (``dJ/dW``, their sum) and ``db``
        for every layer, ``dA`` and ``slope`` (``f'(Z[l])``) for every hidden
        layer. The weight gradients of layer ``l`` have the shape of
        ``coefs[l - 1]``, that is of ``W_l`` transposed.
    """
    WT, xp = _by_layer(coefs), namespace(Y)
    n_layers = len(WT)
    f_prime = DERIVATIVES[activation]
    s, S = _weights_and_total(sample_weight, Y)
    S_penalty = _penalty_total(S, penalty_weight)
    P = A[n_layers]  # the output probabilities, from the forward pass
    dZ, dA, slope = {}, {}, {}
    dL_dWT, dR_dWT, dJ_dWT, dJ_db = {}, {}, {}, {}
    dZ[n_layers] = (P - Y) * (s / S)[:, None]  # (B1)
    for l in range(n_layers, 0, -1):
        dL_dWT[l] = A[l - 1].T @ dZ[l]  # (B2)
        dR_dWT[l] = alpha / S_penalty * WT[l]  # (B3)
        dJ_dWT[l] = dL_dWT[l] + dR_dWT[l]  # (B4)
        dJ_db[l] = xp.sum(dZ[l], axis=0)  # (B5)
        if l > 1:
            dA[l - 1] = dZ[l] @ WT[l].T  # (B6)
            slope[l - 1] = f_prime(Z[l - 1], A[l - 1])  # (B7)
            dZ[l - 1] = dA[l - 1] * slope[l - 1]  # (B8)
    return {
        "P": P,
        "dZ": dZ,
        "dL_dW": dL_dWT,
        "dR_dW": dR_dWT,
        "dW": dJ_dWT,
        "db": dJ_db,
        "dA": dA,
        "slope": slope,
    }


def loss_and_gradients(
    X,
    Y,
    coefs,
    intercepts,
    *,
    activation,
    out_activation,
    alpha=0.0,
    sample_weight=None,
    penalty_weight=None,
    record=None,
):
    """The objective ``J`` (L3) and its gradient with respect to every parameter.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Input rows.
    Y : ndarray of shape (n_samples, n_outputs)
        Targets: 0/1 per sigmoid unit, or one-hot rows for the softmax.
    coefs, intercepts : list of ndarray
        The current parameters.
    activation : str
        The hidden activation's name.
    out_activation : {"logistic", "softmax", "identity", "exp"}
        The output function.
    alpha : float, default=0.0
        L2 penalty strength.
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative weights with a positive sum; ``None`` weighs every row 1.
    penalty_weight : float, default=None
        The ``S`` that divides the L2 term: the total weight of the whole
        training set when ``X`` is a minibatch of it; ``None`` means this
        batch's total weight (full-batch training).
    record : dict, default=None
        If given, filled with the inputs, the parameters and every
        intermediate in the order computed, under the derivation's names
        (``X``, ``W1^T``, ``b1``, ..., ``Z1``, ``A1``, ..., ``y_hat``, ``y``,
        ``L``, ``R``, ``J``, ``dL/dZ2``, ``dL/dW2^T``, ``dR/dW2^T``,
        ``dJ/dW2^T``, ``dJ/db2``, ``dL/dA1``, ``f'(Z1)``, ...); see
        :func:`sknnscratch.trace`.

    Returns
    -------
    loss : float
        The objective ``J`` (L3), penalty included.
    coef_grads, intercept_grads : list of ndarray
        ``dJ/dW[l]`` and ``dJ/db[l]``, with the parameters' shapes.
    """
    settings = dict(
        alpha=alpha, sample_weight=sample_weight, penalty_weight=penalty_weight
    )
    Z, A = forward(X, coefs, intercepts, activation, out_activation)
    n_layers = len(coefs)
    terms = objective_terms(
        Z[n_layers], Y, coefs, out_activation=out_activation, **settings
    )
    steps = backward(Z, A, Y, coefs, activation=activation, **settings)
    if record is not None:
        record.update(_in_derivation_order(X, Y, coefs, intercepts, Z, A, terms, steps))
    coef_grads = [steps["dW"][l] for l in range(1, n_layers + 1)]
    intercept_grads = [steps["db"][l] for l in range(1, n_layers + 1)]
    return float(terms["J"]), coef_grads, intercept_grads


def _in_derivation_order(X, Y, coefs, intercepts, Z, A, terms, steps):
    """Inputs, parameters and every intermediate under the derivation's names.

    Each value is the one a tagged line computed: the objective's two terms
    ``L`` (L1) and ``R`` (L2) and their sum ``J`` (L3), the weight gradient's
    data term ``dL/dW^T`` (B2) and L2 term ``dR/dW^T`` (B3) and their sum
    ``dJ/dW^T`` (B4). Biases are not penalised: ``dJ/db`` (B5). The weights
    are in the code's layout, so their names carry the transpose: ``W1^T``
    is ``coefs[0]``, the derivation's ``W1`` transposed; capitals are
    batches, one row per sample.
    """
    n_layers = len(coefs)
    WT, b = _by_layer(coefs), _by_layer(intercepts)
    named = {"X": X}
    for l in range(1, n_layers + 1):
        named[f"W{l}^T"], named[f"b{l}"] = WT[l], b[l]
    for l in range(1, n_layers):
        named[f"Z{l}"], named[f"A{l}"] = Z[l], A[l]
    named[f"Z{n_layers}"], named["y_hat"], named["y"] = Z[n_layers], steps["P"], Y
    named["L"], named["R"] = float(terms["L"]), float(terms["R"])
    named["J"] = float(terms["J"])
    named[f"dL/dZ{n_layers}"] = steps["dZ"][n_layers]
    for l in range(n_layers, 0, -1):
        named[f"dL/dW{l}^T"] = steps["dL_dW"][l]
        named[f"dR/dW{l}^T"] = steps["dR_dW"][l]
        named[f"dJ/dW{l}^T"] = steps["dW"][l]
        named[f"dJ/db{l}"] = steps["db"][l]
        if l > 1:
            named[f"dL/dA{l - 1}"] = steps["dA"][l - 1]
            named[f"f'(Z{l - 1})"] = steps["slope"][l - 1]
            named[f"dL/dZ{l - 1}"] = steps["dZ"][l - 1]
    return named


def output_logits(X, coefs, intercepts, activation):
    """Output logits ``Z[n_layers]`` without keeping the intermediates."""
    f = HIDDEN_ACTIVATIONS[activation]
    A = X
    for l, (WT, b) in enumerate(zip(coefs, intercepts, strict=True), start=1):
        if l > 1:
            A = f(A)
        A = A @ WT + b
    return A


def output_logits_at_any_scale(X, coefs, intercepts, activation):
    """Output logits that stay finite however large the input is.

    The plain pass overflows for rows around ``|x| ~ 1e306`` (float64) or
    ``1e37`` (float32). Those rows are redone as ``x = m * u`` with
    ``m = max |x|``: ReLU and identity are positively homogeneous
    (``f(m z) = m f(z)`` for ``m > 0``), so every layer equals ``m`` times the
    network run on ``u`` with its biases divided by ``m``; tanh and logistic
    saturate, so after them the scale is 1 again. The final logits are
    ``m`` times the scaled ones. All logits are clipped to a quarter of the
    largest finite float: the probabilities come out exactly 0 or 1 and
    their logarithms finite.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        Z = output_logits(X, coefs, intercepts, activation)
    # A quarter of the largest float: differences of two logits (softmax)
    # stay finite too.
    biggest = np.finfo(Z.dtype).max / 4
    overflowed = ~np.isfinite(Z).all(axis=1)
    if not overflowed.any():
        return np.clip(Z, -biggest, biggest, out=Z)
    rows = X[overflowed]
    rows = np.asarray(rows.toarray() if hasattr(rows, "toarray") else rows)
    scale = np.maximum(np.abs(rows).max(axis=1, keepdims=True), 1.0)
    f = HIDDEN_ACTIVATIONS[activation]
    A = rows / scale
    with np.errstate(over="ignore"):
        for l, (WT, b) in enumerate(zip(coefs, intercepts, strict=True), start=1):
            if l > 1 and activation in ("relu", "identity"):
                A = f(A)
            elif l > 1:
                A = f(np.clip(scale * A, -biggest, biggest))
                scale = np.ones_like(scale)
            A = A @ WT + b / scale
        Z[overflowed] = np.clip(scale * A, -biggest, biggest)
    return np.clip(Z, -biggest, biggest, out=Z)
