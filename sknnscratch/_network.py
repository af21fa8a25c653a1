r"""The network's mathematics: initialisation, forward pass, loss, backward pass.

Functions on numpy arrays, and :class:`Backprop`, the forward and backward
pass bound to one network's arrays so that a training loop can call it batch
after batch with nothing looked up again (``loss_and_gradients`` is the same
computation as a single call). Nothing here imports scikit-learn or keeps
training state, so everything can be checked on its own: against finite
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


def _n_weights(units):
    """Number of weights (biases left out) of a network with these layer widths."""
    return sum(fan_in * fan_out for fan_in, fan_out in pairwise(units))


def weights_of(theta, units):
    """The weights of every layer in a flat vector (its first part), biases left out."""
    return theta[: _n_weights(units)]


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
    return np.concatenate([a.ravel() for a in (*coefs, *intercepts)], dtype=dtype)


class Workspace:
    """Buffers for the forward and backward pass of batches of up to ``n_rows``.

    Training reuses one workspace for every batch, so that no array is
    allocated per batch; a batch of ``n <= n_rows`` rows uses the first ``n``
    rows of each buffer (:meth:`rows`). Each intermediate of the derivation
    has its own buffer, so none overwrites another.

    Parameters
    ----------
    units : list of int
        Width of every layer (:func:`layer_units`).
    n_rows : int
        The largest batch.
    dtype : numpy dtype
        The parameters' dtype.
    """

    def __init__(self, units, n_rows, dtype):
        self.n_rows = n_rows
        self._full = _Buffers(units, n_rows, dtype)
        self._by_rows = {n_rows: self._full}
        # alpha / S * W for all layers' weights at once (Backprop's flat_weights)
        self.weight_penalty = np.empty(_n_weights(units), dtype)

    def rows(self, n):
        """The first ``n`` rows of every buffer (views, made once per ``n``)."""
        buffers = self._by_rows.get(n)
        if buffers is None:
            buffers = self._by_rows[n] = self._full.first_rows(n)
        return buffers


class _Buffers:
    """One array per intermediate of the derivation, ``n`` rows each."""

    def __init__(self, units, n, dtype):
        def arrays(widths):
            return [np.empty((n, width), dtype=dtype) for width in widths]

        self.Z = arrays(units[1:])  # Z[l], pre-activations
        self.A = [None, *arrays(units[1:-1])]  # A[l] = f(Z[l-1]); A[0] is X
        self.P = arrays(units[-1:])[0]  # output probabilities
        self.dZ = arrays(units[1:])  # dJ/dZ[l]
        self.dA = [None, *arrays(units[1:-1])]  # dJ/dA[l]
        self.slope = [None, *arrays(units[1:-1])]  # f'(Z[l-1])

    def first_rows(self, n):
        view = object.__new__(_Buffers)
        for name, value in vars(self).items():
            if isinstance(value, list):
                value = [None if a is None else a[:n] for a in value]
            else:
                value = value[:n]
            setattr(view, name, value)
        return view


def _affine(A, W, b, out):
    """``out[...] = A @ W + b``, also for a sparse ``A`` (the input)."""
    if isinstance(A, np.ndarray):
        np.dot(A, W, out=out)  # np.dot: the same BLAS product, less call overhead
    else:
        out[...] = A @ W
    out += b
    return out


def forward(X, coefs, intercepts, activation, workspace=None):
    """Forward pass that keeps every intermediate for the backward pass.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Input rows.
    coefs, intercepts : list of ndarray
        Weights ``(fan_in, fan_out)`` and biases ``(fan_out,)`` per layer.
    activation : str
        The hidden activation's name.
    workspace : Workspace, default=None
        Buffers to compute into; new ones when None.

    Returns
    -------
    Zs : list of ndarray
        Pre-activations per layer; ``Zs[-1]`` are the output logits.
    As : list
        Layer inputs: ``As[0]`` is ``X``, ``As[l]`` is ``f(Zs[l - 1])``.
    """
    if workspace is None:
        workspace = _workspace_for(X, coefs)
    network = Backprop(coefs, intercepts, activation=activation, workspace=workspace)
    return network.forward(X)


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


def _column_sums(A, out):
    """``out[...] = A.sum(axis=0)``, row after row as numpy adds them.

    ``einsum`` adds in the same order as ``np.add.reduce`` but runs its loop
    faster on the narrow arrays of a hidden layer; a single column is left
    to ``np.add.reduce``, faster there.
    """
    if A.shape[1] == 1:
        return np.add.reduce(A, axis=0, out=out)
    return np.einsum("ij->j", A, out=out)


def _matmul(A, B, out):
    """``out[...] = A @ B``, also for a sparse ``A`` (the transposed input)."""
    if isinstance(A, np.ndarray):
        return np.dot(A, B, out=out)
    out[...] = A @ B
    return out


def data_loss(per_sample_loss, sample_weight, total_weight):
    """The data term of (L1): ``sum_i s_i * loss_i / S``.

    ``total_weight`` is ``S``: the number of rows when ``sample_weight`` is
    None, otherwise the sum of the weights.
    """
    if sample_weight is None:
        return np.add.reduce(per_sample_loss) / total_weight
    return per_sample_loss @ sample_weight / total_weight


def l2_penalty(coefs, decay, flat_weights=None):
    """The L2 term of (L1): ``decay / 2 * ||W||^2``, ``decay = alpha / S``.

    ``||W||^2`` is the sum of the squares of every layer's weights: one dot
    product of all of them, laid out as in ``flat_weights`` (the first part of
    the flat vector of :func:`unpack`) when it is given.
    """
    if flat_weights is None:
        flat_weights = np.concatenate([W.ravel() for W in coefs])
    return 0.5 * decay * np.vdot(flat_weights, flat_weights)


class Backprop:
    """The forward and backward pass of one network, bound to its arrays.

    What stays the same from batch to batch is looked up once, here: the
    parameters (their current values are read at each call), the arrays the
    gradients go to, the activation functions and the workspace. A call is
    then the derivation's numpy operations and little else. The training
    loops make one per fit; :func:`loss_and_gradients` makes one per call.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The parameters.
    activation : str
        The hidden activation's name.
    out_activation : {"logistic", "softmax"}, default="logistic"
        The output function.
    alpha : float, default=0.0
        L2 penalty strength.
    coef_grads, intercept_grads : list of ndarray, default=None
        Where to write the gradients (for example views of one flat vector
        from :func:`unpack`); new arrays when ``None``.
    workspace : Workspace
        Buffers for the intermediates of batches of up to its ``n_rows``.
    flat_weights : tuple of two ndarray, default=None
        ``(weights_of(theta, units), weights_of(grad, units))`` when ``coefs``
        and ``coef_grads`` are views of the flat vectors ``theta`` and
        ``grad`` (:func:`unpack`). The penalty's part of (B2) is then added to
        every layer in one operation on the flat vectors: the same numbers in
        fewer calls.
    """

    def __init__(
        self,
        coefs,
        intercepts,
        *,
        activation,
        out_activation="logistic",
        alpha=0.0,
        coef_grads=None,
        intercept_grads=None,
        workspace,
        flat_weights=None,
    ):
        if coef_grads is None:
            coef_grads = [np.empty_like(W) for W in coefs]
            intercept_grads = [np.empty_like(b) for b in intercepts]
        self.coefs, self.intercepts = coefs, intercepts
        self.coef_grads, self.intercept_grads = coef_grads, intercept_grads
        self.layers = list(zip(coefs, intercepts, strict=True))
        self.backward_order = list(range(len(coefs) - 1, -1, -1))
        self.f, self.f_prime = HIDDEN_ACTIVATIONS[activation], DERIVATIVES[activation]
        self.output_proba = OUTPUT_PROBA[out_activation]
        self.cross_entropy = CROSS_ENTROPY[out_activation]
        self.alpha = alpha
        self.workspace = workspace
        self.flat_weights = flat_weights

    def forward(self, X, logits=None, buffers=None):
        """(F1) and (F2) into the workspace: see :func:`forward`.

        ``logits``, when given, receives the output logits instead of the
        workspace; ``buffers`` are the workspace's rows for ``X``, if known.
        """
        if buffers is None:
            buffers = self.workspace.rows(X.shape[0])
        Zs = buffers.Z if logits is None else [*buffers.Z[:-1], logits]
        As = [X, *buffers.A[1:]]
        f = self.f
        for layer, (W, b) in enumerate(self.layers):
            if layer:
                As[layer] = f(Zs[layer - 1], out=As[layer])  # (F2)
            _affine(As[layer], W, b, out=Zs[layer])  # (F1)
        return Zs, As

    def __call__(
        self, X, Y, sample_weight=None, penalty_weight=None, logits=None, record=None
    ):
        """The objective (L1) at ``X``; its gradients go to the bound arrays.

        Parameters are those of :func:`loss_and_gradients`.

        Returns
        -------
        loss : float or numpy scalar
            See :func:`loss_and_gradients`.
        """
        n = X.shape[0]
        buffers = self.workspace.rows(n)
        coefs, coef_grads = self.coefs, self.coef_grads

        Zs, As = self.forward(X, logits, buffers)
        if sample_weight is None:
            S = n
            row_scale = 1.0 / S
        else:
            S = float(sample_weight.sum())
            row_scale = (sample_weight / S)[:, np.newaxis]
        decay = self.alpha / (S if penalty_weight is None else penalty_weight)
        weights = None if self.flat_weights is None else self.flat_weights[0]
        loss = penalty = l2_penalty(coefs, decay, weights)  # L2 term (L1)
        if logits is None:
            per_sample_loss = self.cross_entropy(Zs[-1], Y)  # loss_i (L1)
            loss = float(data_loss(per_sample_loss, sample_weight, S) + penalty)

        P = self.output_proba(Zs[-1], out=buffers.P)  # (F3)
        dZ = np.subtract(P, Y, out=buffers.dZ[-1])
        dZ *= row_scale  # (B1)
        if record is not None:
            n_layers = len(coefs)
            for layer in range(1, n_layers):
                record[f"Z{layer}"], record[f"a{layer}"] = Zs[layer - 1], As[layer]
            record[f"Z{n_layers}"], record["y_hat"], record["y"] = Zs[-1], P, Y
            record["loss"] = loss
            record[f"dL/dZ{n_layers}"] = dZ
        per_layer_penalty = self.flat_weights is None or record is not None
        for layer in self.backward_order:
            W = coefs[layer]
            _matmul(As[layer].T, dZ, out=coef_grads[layer])
            if per_layer_penalty:
                coef_grads[layer] += decay * W  # (B2)
            _column_sums(dZ, out=self.intercept_grads[layer])  # (B3)
            if record is not None:
                record[f"dL/dW{layer + 1}"] = coef_grads[layer].copy()
                record[f"dL/db{layer + 1}"] = self.intercept_grads[layer].copy()
            if layer:
                dA = np.dot(dZ, W.T, out=buffers.dA[layer])  # (B4)
                slope = self.f_prime(Zs[layer - 1], As[layer], out=buffers.slope[layer])
                dZ = np.multiply(dA, slope, out=buffers.dZ[layer - 1])  # (B5)
                if record is not None:
                    record[f"dL/da{layer}"], record[f"f'(Z{layer})"] = dA, slope
                    record[f"dL/dZ{layer}"] = dZ
        if not per_layer_penalty:
            weights, weight_grads = self.flat_weights
            weight_grads += np.multiply(
                weights, decay, out=self.workspace.weight_penalty
            )  # (B2)
        return loss


def _workspace_for(X, coefs):
    """A new workspace for one pass of the rows ``X`` through these weights."""
    units = [coefs[0].shape[0], *(W.shape[1] for W in coefs)]
    return Workspace(units, X.shape[0], coefs[0].dtype)


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
    coef_grads=None,
    intercept_grads=None,
    workspace=None,
    record=None,
):
    """The objective (L1) and its gradient with respect to every parameter.

    One call of a :class:`Backprop` made for it: the computation is there.

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
    coef_grads, intercept_grads : list of ndarray, default=None
        Where to write the gradients; new arrays when ``None``.
    workspace : Workspace, default=None
        Buffers for the intermediates; new ones when None.
    record : dict, default=None
        If given, filled with every intermediate in the order computed, under
        the derivation's names (``Z1``, ``a1``, ..., ``y_hat``, ``loss``,
        ``dL/dZ2``, ``dL/dW2``, ``dL/db2``, ``dL/da1``, ``f'(Z1)``, ...);
        see :func:`sknnscratch.trace`.

    Returns
    -------
    loss : float
        The objective ``J`` (L1), penalty included.
    coef_grads, intercept_grads : list of ndarray
        ``dJ/dW[l]`` and ``dJ/db[l]``, with the parameters' shapes.
    """
    if workspace is None:
        workspace = _workspace_for(X, coefs)
    network = Backprop(
        coefs,
        intercepts,
        activation=activation,
        out_activation=out_activation,
        alpha=alpha,
        coef_grads=coef_grads,
        intercept_grads=intercept_grads,
        workspace=workspace,
    )
    loss = network(X, Y, sample_weight, penalty_weight, record=record)
    return loss, network.coef_grads, network.intercept_grads
