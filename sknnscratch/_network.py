r"""The network's mathematics: initialisation, forward pass, loss, backward pass.

The reference implementation: each equation of the derivation
(``docs/derivation.md``) is one line of plain numpy here, with the layers
numbered from 1 as in the equations (``W[l]``, ``Z[l]``, ``A[l]``). Training
runs the same mathematics from :mod:`sknnscratch._kernels`, written for speed
(buffers, in-place operations, blocks of batches); ``tests/test_kernels.py``
checks that both give the same numbers. Nothing here imports scikit-learn or
keeps training state, so everything can be checked on its own: against finite
differences, against a worked example computed by hand, or in a benchmark.

The network
-----------
A multi-layer perceptron with weight layers ``l = 1, ..., L``. With the
default ``hidden_layer_sizes=(8,)`` on 13 features it is the 13-8-1 network:
13 inputs, 8 ReLU hidden units, one sigmoid output, binary cross-entropy.

Notation
--------
A derivation is usually written for one sample as a column vector. The code
stores one sample per *row* and a whole batch at once, so every equation
appears transposed. For the 13-8-1 network:

=========================================  ======================================
derivation (one sample, column vectors)    code (rows are samples)
=========================================  ======================================
W1 (8, 13), b1 (8, 1)                      ``coefs[0]`` (13, 8), ``intercepts[0]`` (8,)
W2 (1, 8), b2 (1, 1)                       ``coefs[1]`` (8, 1), ``intercepts[1]`` (1,)
Z1 = W1 x + b1,  a1 = ReLU(Z1)             ``Z1 = X @ W1 + b1``, ``A1 = relu(Z1)``
Z2 = W2 a1 + b2,  y_hat = sigma(Z2)        ``Z2 = A1 @ W2 + b2``, ``P = sigmoid(Z2)``
dL/dZ2 = y_hat - y                         ``dZ2 = (P - Y) * s / S``
dL/dW2 = dZ2 a1^T,  dL/db2 = dZ2           ``dW2 = A1.T @ dZ2``, ``db2 = dZ2.sum(0)``
dL/da1 = W2^T dZ2                          ``dA1 = dZ2 @ W2.T``
dL/dZ1 = dL/da1 * 1[Z1 > 0]                ``dZ1 = dA1 * (Z1 > 0)``
dL/dW1 = dZ1 x^T,  dL/db1 = dZ1            ``dW1 = X.T @ dZ1``, ``db1 = dZ1.sum(0)``
=========================================  ======================================

Here ``s`` holds the sample weights (all ones by default) and ``S = sum(s)``,
which is the batch size ``n`` when there are no weights. In the code
``coefs[l - 1]`` is the transpose of the derivation's ``Wl``: shape
``(fan_in, fan_out)``, the layout of scikit-learn's ``MLPClassifier.coefs_``.

Forward pass (tags used in the code)
------------------------------------
(F1)  ``Z[l] = A[l-1] @ W[l] + b[l]``, with ``A[0] = X``.
(F2)  ``A[l] = f(Z[l])`` for each hidden layer, ``f`` one of ReLU, tanh,
      logistic, identity.
(F3)  The output layer keeps its logits ``Z[L]``; probabilities are
      ``P = sigmoid(Z[L])`` (binary: one unit; multilabel: one unit per label)
      or ``P = softmax(Z[L])`` (multiclass: one unit per class).

Training objective
------------------
(L1)  ``J = sum_i s_i * loss_i / S + alpha / (2 S) * sum_l ||W[l]||^2``.

``loss_i`` is the cross-entropy of sample ``i``. For the sigmoid output,
``-y log(p) - (1 - y) log(1 - p)`` with ``p = 1 / (1 + e^-z)`` simplifies to
``log(1 + e^z) - y z``; for the softmax output ``-sum_c y_c log(p_c)``
simplifies to ``logsumexp(z) - z_true``. The code evaluates these logit forms
(``log(1 + e^z) = max(z, 0) + log1p(e^-|z|)``, ``logsumexp``), which never
overflow and never take ``log(0)`` however large the logits grow. The L2
penalty is divided by ``S`` like the data term, as in scikit-learn's MLP.
Biases are not penalised.

*Minibatches.* A minibatch ``B`` estimates ``J`` with the mean loss over its
own rows and the penalty of the whole training set,
``J_B = sum_{i in B} s_i * loss_i / S_B + alpha / (2 S) * sum_l ||W[l]||^2``,
so that every step follows an unbiased estimate of the gradient of ``J``,
whatever the batch size (``penalty_weight=S`` below). scikit-learn's MLP
divides the penalty by ``S_B`` instead, which puts a 20 times stronger
penalty on a last batch of 10 rows than on a batch of 200.

Backward pass
-------------
Apply the chain rule from the loss back to the inputs, one layer at a time.

(B1)  ``dZ[L] = (P - Y) * s / S``.
      For the sigmoid output, ``d/dz [log(1 + e^z) - y z] = sigma(z) - y``.
      For the softmax output, ``d/dz_k [logsumexp(z) - sum_c y_c z_c] =
      softmax(z)_k - y_k`` (the targets of a sample sum to 1). The
      derivative of the loss and the derivative of the output function never
      need to be formed separately: their product is simply ``P - Y``.
(B2)  ``dW[l] = A[l-1].T @ dZ[l] + alpha / S * W[l]``.
(B3)  ``db[l] = dZ[l].sum(axis=0)``.
(B4)  ``dA[l-1] = dZ[l] @ W[l].T``.
(B5)  ``dZ[l-1] = dA[l-1] * f'(Z[l-1])``.

Questions a derivation usually leaves open
------------------------------------------
*Why average over the batch?* ``J`` is a mean, so each sample's gradient
carries the factor ``s_i / S`` (``1 / n`` unweighted). It enters once, in
(B1), and flows through every later line by linearity. Summing instead of
averaging would make the size of a step grow with the batch size, and the
same learning rate would mean something different for every ``batch_size``.

*Where does dA1 = W2^T dZ2 come from?* In column form ``Z2_k = sum_j W2[k, j]
a1_j + b2_k``, so the hidden unit ``a1_j`` feeds every output unit ``k``
through the weight ``W2[k, j]``. The chain rule adds those paths up:
``dL/da1_j = sum_k dL/dZ2_k * W2[k, j]``, which is the ``j``-th entry of
``W2^T dZ2``. With one sample per row and ``W`` stored as ``(fan_in,
fan_out)``, the same sum is ``dZ2 @ W2.T``: (B4).

*What shape must dW1 have?* Always the shape of ``W1``. In column form
``dW1 = dZ1 x^T`` is ``(8, 1) x (1, 13) = (8, 13)``. In row form, summing
over the batch, ``dW1 = X.T @ dZ1`` is ``(13, n) x (n, 8) = (13, 8)``, the
shape of ``coefs[0]``. A product like ``X @ dZ1`` does not even conform
unless ``n`` happens to equal 13, and then it silently means something else.

*Why must the ReLU derivative not overwrite Z1?* The mask ``1[Z1 > 0]`` is a
new array. A helper that writes 0 and 1 into the array it is given destroys
``Z1`` (or ``A1``) while the backward pass still needs it: ``A1`` for (B2) of
the layer above, and the original values for any later call. Every
derivative in ``_activations.py`` returns a new array.

*Why is the derivative at the kink 0?* ReLU has no derivative at ``z = 0``;
any value in ``[0, 1]`` is a valid subgradient. We take 0, as most libraries
do. Finite differences taken across a kink disagree with any choice, which is
why gradient checks keep the pre-activations away from 0.
"""

from itertools import pairwise

import numpy as np

from sknnscratch._activations import (
    CROSS_ENTROPY,
    DERIVATIVES,
    HIDDEN_ACTIVATIONS,
    OUTPUT_PROBA,
)


def layer_units(n_features, hidden_layer_sizes, n_outputs):
    """Width of every layer, inputs first: ``[n_features, *hidden, n_outputs]``."""
    return [n_features, *hidden_layer_sizes, n_outputs]


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
        ``coefs[l]`` has shape ``(units[l], units[l + 1])`` and
        ``intercepts[l]`` has shape ``(units[l + 1],)``.
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
    start = 0
    for fan_in, fan_out in pairwise(units):
        end = start + fan_in * fan_out
        coefs.append(theta[start:end].reshape(fan_in, fan_out))
        start = end
    for fan_out in units[1:]:
        intercepts.append(theta[start : start + fan_out])
        start += fan_out
    return coefs, intercepts


def pack(coefs, intercepts, dtype=None):
    """Concatenate per-layer arrays into a new flat vector (see :func:`unpack`)."""
    return np.concatenate([np.ravel(a) for a in (*coefs, *intercepts)], dtype=dtype)


def _by_layer(arrays):
    """Per-layer arrays keyed by layer number from 1, as in the equations."""
    return dict(enumerate(arrays, start=1))


def _weights_and_total(sample_weight, n_samples):
    """The weights ``s`` (ones by default) and their sum ``S``."""
    s = np.ones(n_samples) if sample_weight is None else np.asarray(sample_weight)
    return s, s.sum()


def forward(X, coefs, intercepts, activation):
    """The forward pass, keeping every intermediate for the backward pass.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Input rows.
    coefs, intercepts : list of ndarray
        Weights ``(fan_in, fan_out)`` and biases ``(fan_out,)`` per layer.
    activation : str
        The hidden activation's name.

    Returns
    -------
    Z : dict of int to ndarray
        ``Z[l]``, the pre-activations of layer ``l = 1, ..., L``; ``Z[L]`` are
        the output logits.
    A : dict of int to ndarray
        ``A[0]`` is ``X`` and ``A[l] = f(Z[l])`` for every hidden layer.
    """
    W, b = _by_layer(coefs), _by_layer(intercepts)
    L = len(W)
    f = HIDDEN_ACTIVATIONS[activation]
    Z, A = {}, {0: X}
    for l in range(1, L + 1):
        Z[l] = A[l - 1] @ W[l] + b[l]  # (F1)
        if l < L:
            A[l] = f(Z[l])  # (F2)
    return Z, A


def objective(
    Z_out, Y, coefs, *, out_activation, alpha, sample_weight=None, penalty_weight=None
):
    """The training objective (L1): weighted mean cross-entropy plus L2 term.

    Parameters
    ----------
    Z_out : ndarray of shape (n_samples, n_outputs)
        The output logits ``Z[L]``.
    Y : ndarray of shape (n_samples, n_outputs)
        Targets: 0/1 per sigmoid unit, or one-hot rows for the softmax.
    coefs : list of ndarray
        The weights (the L2 term's argument; biases are not penalised).
    out_activation : {"logistic", "softmax"}
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
    J : float
    """
    s, S = _weights_and_total(sample_weight, Y.shape[0])
    S_penalty = S if penalty_weight is None else penalty_weight
    loss_i = CROSS_ENTROPY[out_activation](Z_out, Y)
    squared_weights = sum(np.sum(W**2) for W in coefs)
    return float(s @ loss_i / S + alpha / (2 * S_penalty) * squared_weights)  # (L1)


def backward(
    Z,
    A,
    Y,
    coefs,
    *,
    activation,
    out_activation,
    alpha,
    sample_weight=None,
    penalty_weight=None,
):
    """The backward pass: the gradient of (L1) with respect to every parameter.

    Parameters
    ----------
    Z, A : dict of int to ndarray
        The intermediates from :func:`forward`.
    Y, coefs, out_activation, alpha, sample_weight, penalty_weight
        As in :func:`objective`.
    activation : str
        The hidden activation's name.

    Returns
    -------
    steps : dict
        ``P`` (the output probabilities), and dicts keyed by layer number:
        ``dZ``, ``dW``, ``db`` for every layer, ``dA`` and ``slope``
        (``f'(Z[l])``) for every hidden layer. ``dW[l]`` has the shape of
        ``coefs[l - 1]``.
    """
    W = _by_layer(coefs)
    L = len(W)
    f_prime = DERIVATIVES[activation]
    s, S = _weights_and_total(sample_weight, Y.shape[0])
    S_penalty = S if penalty_weight is None else penalty_weight
    P = OUTPUT_PROBA[out_activation](Z[L])  # (F3)
    dZ, dW, db, dA, slope = {}, {}, {}, {}, {}
    dZ[L] = (P - Y) * (s / S)[:, np.newaxis]  # (B1)
    for l in range(L, 0, -1):
        dW[l] = A[l - 1].T @ dZ[l] + alpha / S_penalty * W[l]  # (B2)
        db[l] = dZ[l].sum(axis=0)  # (B3)
        if l > 1:
            dA[l - 1] = dZ[l] @ W[l].T  # (B4)
            slope[l - 1] = f_prime(Z[l - 1], A[l - 1])
            dZ[l - 1] = dA[l - 1] * slope[l - 1]  # (B5)
    return {"P": P, "dZ": dZ, "dW": dW, "db": db, "dA": dA, "slope": slope}


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
    """The objective (L1) and its gradient with respect to every parameter.

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
    out_activation : {"logistic", "softmax"}
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
        (``X``, ``W1``, ``b1``, ..., ``Z1``, ``a1``, ..., ``y_hat``, ``y``,
        ``L``, ``R``, ``J``, ``dL/dZ2``, ``dL/dW2``, ``dR/dW2``, ``dJ/dW2``,
        ``dJ/db2``, ``dL/da1``, ``f'(Z1)``, ...); see :func:`sknnscratch.trace`.

    Returns
    -------
    loss : float
        The objective ``J`` (L1), penalty included.
    coef_grads, intercept_grads : list of ndarray
        ``dJ/dW[l]`` and ``dJ/db[l]``, with the parameters' shapes.
    """
    settings = dict(
        out_activation=out_activation,
        alpha=alpha,
        sample_weight=sample_weight,
        penalty_weight=penalty_weight,
    )
    Z, A = forward(X, coefs, intercepts, activation)
    L = len(coefs)
    loss = objective(Z[L], Y, coefs, **settings)
    steps = backward(Z, A, Y, coefs, activation=activation, **settings)
    if record is not None:
        record.update(
            _in_derivation_order(X, Y, coefs, intercepts, Z, A, loss, steps, **settings)
        )
    coef_grads = [steps["dW"][l] for l in range(1, L + 1)]
    intercept_grads = [steps["db"][l] for l in range(1, L + 1)]
    return loss, coef_grads, intercept_grads


def _in_derivation_order(
    X,
    Y,
    coefs,
    intercepts,
    Z,
    A,
    J,
    steps,
    *,
    out_activation,
    alpha,
    sample_weight,
    penalty_weight,
):
    """Inputs, parameters and every intermediate under the derivation's names.

    The objective and the weight gradients are also split into the
    cross-entropy's part (``L``, ``dL/dW``) and the L2 term's (``R``,
    ``dR/dW``); ``J`` and ``dJ/dW`` are what training uses, computed by the
    lines above, and equal the sums. Biases are not penalised: ``dJ/db``.
    """
    L = len(coefs)
    W, b = _by_layer(coefs), _by_layer(intercepts)
    _, S = _weights_and_total(sample_weight, Y.shape[0])
    S_penalty = S if penalty_weight is None else penalty_weight
    named = {"X": X}
    for l in range(1, L + 1):
        named[f"W{l}"], named[f"b{l}"] = W[l], b[l]
    for l in range(1, L):
        named[f"Z{l}"], named[f"a{l}"] = Z[l], A[l]
    named[f"Z{L}"], named["y_hat"], named["y"] = Z[L], steps["P"], Y
    # (L1) in its two parts, each computed as in objective(): L + R == J.
    named["L"] = objective(
        Z[L],
        Y,
        coefs,
        out_activation=out_activation,
        alpha=0.0,
        sample_weight=sample_weight,
    )
    squared_weights = sum(np.sum(W_l**2) for W_l in coefs)
    named["R"] = float(alpha / (2 * S_penalty) * squared_weights)
    named["J"] = J
    named[f"dL/dZ{L}"] = steps["dZ"][L]
    for l in range(L, 0, -1):
        # (B2) in its two parts, as computed in backward().
        named[f"dL/dW{l}"] = A[l - 1].T @ steps["dZ"][l]
        named[f"dR/dW{l}"] = alpha / S_penalty * W[l]
        named[f"dJ/dW{l}"] = steps["dW"][l]
        named[f"dJ/db{l}"] = steps["db"][l]
        if l > 1:
            named[f"dL/da{l - 1}"] = steps["dA"][l - 1]
            named[f"f'(Z{l - 1})"] = steps["slope"][l - 1]
            named[f"dL/dZ{l - 1}"] = steps["dZ"][l - 1]
    return named


def output_logits(X, coefs, intercepts, activation):
    """Output logits ``Z[L]`` without keeping the intermediates (F1, F2)."""
    f = HIDDEN_ACTIVATIONS[activation]
    A = X
    for layer, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        if layer:
            A = f(A)
        A = A @ W + b
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
        for layer, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
            if layer and activation in ("relu", "identity"):
                A = f(A)
            elif layer:
                A = f(np.clip(scale * A, -biggest, biggest))
                scale = np.ones_like(scale)
            A = A @ W + b / scale
        Z[overflowed] = np.clip(scale * A, -biggest, biggest)
    return np.clip(Z, -biggest, biggest, out=Z)
