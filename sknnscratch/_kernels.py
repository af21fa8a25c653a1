"""The network's mathematics made fast: the code that training runs.

:mod:`sknnscratch._network` writes each equation of the derivation as plainly
as a textbook; this module computes the same numbers for the training loops
with as little work per batch as numpy allows:

- :class:`Workspace` holds one buffer per intermediate, allocated once per fit,
  so no array is allocated per batch;
- :class:`Backprop` is the forward and backward pass bound once to one
  network's parameters, gradient arrays, activation functions and workspace,
  computing in place (``out=`` everywhere, ``np.dot``, einsum column sums, the
  penalty's gradient added to all layers in one operation on the flat vector);
- :class:`MinibatchTrainer` runs an epoch of minibatch steps, gathering
  shuffled rows a block of batches at a time and taking the cross-entropy of
  a whole block in one call.

The tags (F1)-(F3), (L1)-(L3), (B1)-(B8) are those of ``_network.py``, whose
lines compute one equation each; here a line may compute two at once.
``tests/test_kernels.py`` checks that both modules give the same loss and
gradients (to 1e-12) for every activation, output function, dtype, and for
dense and sparse input.

Arrays of another Array API namespace (PyTorch or CuPy on a GPU, under
scikit-learn's ``array_api_dispatch``) have no ``out=`` buffers to reuse:
:func:`device_loss_and_gradient` runs the reference's own functions there
(one copy of the equations), and :class:`DeviceMinibatchTrainer` runs an
epoch of them on the device, reading the losses back once per epoch.
"""

import numpy as np
from sklearn.utils import gen_batches

from sknnscratch._activations import (
    CROSS_ENTROPY,
    DERIVATIVES,
    HIDDEN_ACTIVATIONS,
    LOSS_AND_PROBA,
    OUTPUT_PROBA,
)
from sknnscratch._namespace import to_numpy
from sknnscratch._network import (
    backward,
    forward,
    n_weights,
    objective_terms,
    pack,
    unpack,
    weights_of,
)


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
        self.weight_penalty = np.empty(n_weights(units), dtype)

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
        self.dZ = arrays(units[1:])  # dJ/dZ[l], also dJ/dA[l+1] before (B8)

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
    return _add_to_rows(out, b)


WIDE_ROWS = 4096
"""From this many rows on, :func:`_add_to_rows` adds ``b`` to blocks of rows."""


def _add_to_rows(out, b):
    """``out += b`` for a row vector ``b``: the same sums, in fewer loops.

    Broadcasting adds ``b`` one row at a time, a loop of ``len(b)`` numbers
    (8 for a small hidden layer), which on a million rows costs twice what
    the additions do. A C-contiguous ``out`` viewed as rows of 64 of its rows
    side by side, plus ``b`` repeated 64 times, makes the same additions in
    loops of ``64 * len(b)`` numbers.
    """
    n, width = out.shape
    if n < WIDE_ROWS or not out.flags.c_contiguous:
        out += b
        return out
    whole = n - n % 64
    wide = out[:whole].reshape(whole // 64, 64 * width)  # a view
    np.add(wide, np.tile(b, 64), out=wide)
    out[whole:] += b
    return out


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
    """The data term (L1): ``sum_i s_i * loss_i / S``.

    ``total_weight`` is ``S``: the number of rows when ``sample_weight`` is
    None, otherwise the sum of the weights.
    """
    if sample_weight is None:
        return np.add.reduce(per_sample_loss) / total_weight
    return per_sample_loss @ sample_weight / total_weight


def l2_penalty(coefs, decay, flat_weights=None):
    """The L2 term (L2): ``decay / 2 * ||W||^2``, ``decay = alpha / S``.

    ``||W||^2`` is the sum of the squares of every layer's weights: one dot
    product of all of them, laid out as in ``flat_weights`` (the first part of
    the flat vector of :func:`unpack`) when it is given.
    """
    if flat_weights is None:
        flat_weights = np.concatenate([W.ravel() for W in coefs])
    return 0.5 * decay * np.vdot(flat_weights, flat_weights)


class Backprop:
    """The forward and backward pass of one network, bound to its arrays.

    What stays the same from batch to batch is set up once, here: views of
    the flat parameter vector ``theta`` (their current values are read at
    each call), one flat gradient vector ``grad`` laid out like it, the
    activation functions and the workspace. A call is then the derivation's
    numpy operations and little else. The penalty's gradient (B3) is added
    to every layer in one operation on the flat vectors (the first part of
    both, see :func:`~sknnscratch._network.unpack`): the same numbers as
    layer by layer, in fewer calls. The training loops make one per fit.

    Parameters
    ----------
    theta : ndarray
        The flat parameter vector (updated elsewhere, read here).
    units : list of int
        Width of every layer.
    activation : str
        The hidden activation's name.
    out_activation : {"logistic", "softmax", "identity", "exp"}
        The output function.
    alpha : float
        L2 penalty strength.
    n_rows : int
        The largest batch the workspace holds.

    Attributes
    ----------
    grad : ndarray
        The gradient of the last call, laid out like ``theta``.
    """

    def __init__(self, theta, units, *, activation, out_activation, alpha, n_rows):
        self.grad = np.empty_like(theta)
        coefs, intercepts = unpack(theta, units)
        self.coefs, self.intercepts = coefs, intercepts
        self.coef_grads, self.intercept_grads = unpack(self.grad, units)
        self.layers = list(zip(coefs, intercepts, strict=True))
        self.backward_order = list(range(len(coefs) - 1, -1, -1))
        self.f, self.f_prime = HIDDEN_ACTIVATIONS[activation], DERIVATIVES[activation]
        self.output_proba = OUTPUT_PROBA[out_activation]
        self.cross_entropy = CROSS_ENTROPY[out_activation]
        self.loss_and_proba = LOSS_AND_PROBA[out_activation]
        self.alpha = alpha
        self.workspace = Workspace(units, n_rows, theta.dtype)
        self.flat_weights = (weights_of(theta, units), weights_of(self.grad, units))

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

    def __call__(self, X, Y, sample_weight=None, penalty_weight=None, logits=None):
        """The objective (L3) at ``X``; its gradients go to the bound arrays.

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
        weights, weight_grads = self.flat_weights
        loss = penalty = l2_penalty(coefs, decay, weights)  # (L2)
        if logits is None:
            # loss_i and (F3) together: they share their exponentials.
            per_sample_loss, P = self.loss_and_proba(Zs[-1], Y, out=buffers.P)
            # (L1), then (L3)
            loss = float(data_loss(per_sample_loss, sample_weight, S) + penalty)
        else:
            P = self.output_proba(Zs[-1], out=buffers.P)  # (F3)
        dZ = np.subtract(P, Y, out=buffers.dZ[-1])
        dZ *= row_scale  # (B1)
        for layer in self.backward_order:
            W = coefs[layer]
            _matmul(As[layer].T, dZ, out=coef_grads[layer])  # (B2)
            _column_sums(dZ, out=self.intercept_grads[layer])  # (B5)
            if layer:
                # Each buffer reused once its content is used: dJ/dA[l] goes
                # where dJ/dZ[l-1] will be, f'(Z[l-1]) over Z[l-1] (fewer
                # large buffers to allocate and touch on a million rows).
                dA = np.dot(dZ, W.T, out=buffers.dZ[layer - 1])  # (B6)
                Z = Zs[layer - 1]
                slope = self.f_prime(Z, As[layer], out=Z)  # (B7)
                dZ = np.multiply(dA, slope, out=dA)  # (B8)
        weight_grads += np.multiply(
            weights, decay, out=self.workspace.weight_penalty
        )  # (B3), (B4): every layer's alpha / S * W at once
        return loss


def bound_backprop(theta, units, n_rows, objective, out_activation):
    """A :class:`Backprop` for batches of up to ``n_rows``, and its gradient.

    ``objective`` holds the hidden ``activation`` and ``alpha`` (an
    :class:`~sknnscratch._settings.Objective`).
    """
    network = Backprop(
        theta,
        units,
        activation=objective.activation,
        out_activation=out_activation,
        alpha=objective.alpha,
        n_rows=n_rows,
    )
    return network, network.grad


BLOCK_ROWS = 8192
"""About how many shuffled rows are gathered at once (about 1 MB of input)."""


class MinibatchTrainer:
    """Runs epochs of minibatch steps on fixed training data.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Training rows.
    Y : ndarray of shape (n_samples, n_outputs)
        Their 0/1 targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Their weights.
    theta : ndarray
        The flat parameter vector, updated in place.
    units : list of int
        Width of every layer.
    batch_size : int
        Rows per step (the last batch of an epoch may be smaller).
    optimizer : SGD or Adam
        Turns a gradient into an update of ``theta``.
    objective : Objective
        The hidden ``activation`` and ``alpha``.
    out_activation : {"logistic", "softmax", "identity", "exp"}
        The output function.
    """

    def __init__(
        self,
        X,
        Y,
        sample_weight,
        theta,
        units,
        batch_size,
        optimizer,
        objective,
        out_activation,
    ):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.theta, self.optimizer = theta, optimizer
        self.network, self.grad = bound_backprop(
            theta, units, batch_size, objective, out_activation
        )
        self.batch_size = batch_size
        self.n_samples = n_samples = X.shape[0]
        # The whole training set's weight divides the L2 term of every batch.
        self.total_weight = n_samples if sample_weight is None else sample_weight.sum()
        self.dense = isinstance(X, np.ndarray)
        # Shuffled rows are gathered a block of batches at a time: one
        # np.take per block instead of one per batch, same rows in the same
        # order. Batch boundaries are those of gen_batches(n_samples, ...).
        block_rows = batch_size * max(1, BLOCK_ROWS // batch_size)
        block_rows = min(block_rows, n_samples)
        # Sparse input gets a new matrix per block instead (see run_epoch).
        X_block = np.empty((block_rows, X.shape[1]), X.dtype) if self.dense else None
        Y_block = np.empty((block_rows, Y.shape[1]), dtype=Y.dtype)
        w_block = np.empty(block_rows, dtype=X.dtype)
        # Zeros: a skipped batch (of zero weight) leaves its rows unset.
        Z_block = np.zeros((block_rows, units[-1]), dtype=theta.dtype)
        w_block = None if sample_weight is None else w_block
        self.blocks = []
        for block in gen_batches(n_samples, block_rows):
            slices = list(gen_batches(block.stop - block.start, batch_size))
            self.blocks.append(
                (block, _Rows(X_block, Y_block, w_block, Z_block, slices))
            )
        self._stored = {}  # blocks of dense input in their stored order

    def _stored_rows(self, i, block, shuffled):
        """Block ``i`` in its stored order: views of dense input, made once."""
        rows = self._stored.get(i)
        if rows is None:
            w = None if self.sample_weight is None else self.sample_weight[block]
            X, Y = self.X[block], self.Y[block]
            rows = _Rows(X, Y, w, shuffled.logits, shuffled.slices)
            if self.dense:
                self._stored[i] = rows
        return rows

    def run_epoch(self, order, guard, epoch):
        """One pass over the rows in ``order`` (None: in their stored order).

        Parameters
        ----------
        order : ndarray of int or None
            The row order of this epoch.
        guard : DivergenceGuard
            Checks each batch's loss.
        epoch : int
            The epoch's number, for error messages.

        Returns
        -------
        loss_sum, weight_sum : float
            The sum of batch objectives times batch weights, and of batch
            weights: their ratio is the epoch's mean training loss.
        """
        X, Y, weights = self.X, self.Y, self.sample_weight
        step, theta, grad = self.optimizer.step, self.theta, self.grad
        network, total_weight = self.network, self.total_weight
        loss_sum = weight_sum = 0.0
        for i, (block, shuffled) in enumerate(self.blocks):
            if order is None:
                rows = self._stored_rows(i, block, shuffled)
            else:
                rows = shuffled
                indices = order[block]
                np.take(Y, indices, axis=0, out=rows.Y, mode="clip")
                if weights is not None:
                    np.take(weights, indices, out=rows.w, mode="clip")
                if self.dense:
                    np.take(X, indices, axis=0, out=rows.X, mode="clip")
                else:  # a new sparse matrix of the block's rows
                    rows = _Rows(X[indices], rows.Y, rows.w, rows.logits, rows.slices)
            penalties = []
            for X_batch, Y_batch, w_batch, logits in rows.batches:
                if w_batch is not None and not w_batch.sum() > 0:
                    penalties.append(None)  # no weight, no information
                    continue
                penalties.append(
                    network(X_batch, Y_batch, w_batch, total_weight, logits)
                )
                step(theta, grad)
            for loss, weight in self._batch_losses(rows, penalties):
                if not loss <= guard.bound:
                    guard.check_loss(loss, epoch)
                loss_sum += loss * weight
                weight_sum += weight
        return loss_sum, weight_sum

    def _batch_losses(self, rows, penalties):
        """Each trained batch's objective (L3) and weight, from its logits.

        ``penalties`` holds each batch's L2 term (None for a batch skipped
        for having no weight).
        """
        per_sample_loss = self.network.cross_entropy(rows.logits, rows.Y)  # loss_i
        if rows.w is None:  # every batch trained; the data terms in two calls
            sums = _batch_sums(per_sample_loss, self.batch_size)
            sizes = np.array([b.stop - b.start for b in rows.slices], sums.dtype)
            losses = sums / sizes + np.array(penalties)  # = data_loss(...) + L2
            return zip(losses.tolist(), sizes.tolist(), strict=True)
        trained = []
        for batch, penalty in zip(rows.slices, penalties, strict=True):
            if penalty is not None:
                w_batch = rows.w[batch]
                weight = float(w_batch.sum())
                loss = data_loss(per_sample_loss[batch], w_batch, weight) + penalty
                trained.append((float(loss), weight))
        return trained


def _batch_sums(values, batch_size):
    """``np.add.reduce`` of every batch of ``values``, in at most two calls.

    Summing the rows of ``values`` reshaped to one batch per row adds each
    batch's numbers exactly as ``np.add.reduce`` of that batch alone does.
    """
    whole = len(values) // batch_size * batch_size
    sums = np.add.reduce(values[:whole].reshape(-1, batch_size), axis=1)
    if whole < len(values):
        sums = np.append(sums, np.add.reduce(values[whole:]))
    return sums


class _Rows:
    """A block of rows and its batches, as views made once.

    Parameters
    ----------
    X, Y, w, logits : arrays (``X`` and ``w`` may be None)
        The block's inputs, targets, weights and the buffer its logits go
        to; only their first rows, as many as the batches cover, are used.
    slices : list of slice
        The block's batches.
    """

    def __init__(self, X, Y, w, logits, slices):
        size = slices[-1].stop
        self.slices = slices
        self.Y, self.logits = Y[:size], logits[:size]
        self.X = None if X is None else X[:size]
        self.w = None if w is None else w[:size]
        self.batches = [
            (
                None if X is None else self.X[batch],
                self.Y[batch],
                None if w is None else self.w[batch],
                self.logits[batch],
            )
            for batch in slices
        ]


# --- on a device: the reference's equations in the data's namespace -------


def device_loss_and_gradient(
    theta,
    X,
    Y,
    sample_weight,
    units,
    *,
    activation,
    out_activation,
    alpha,
    penalty_weight=None,
):
    """The objective (L3) and its flat gradient, where ``theta`` and ``X`` live.

    The forward pass, the objective and the backward pass of
    :mod:`sknnscratch._network`, in the namespace of the arrays (a GPU's,
    say): nothing is read back to the host. Arguments as for
    :func:`~sknnscratch._network.loss_and_gradients`, with the parameters
    as one flat vector ``theta``.

    Returns
    -------
    loss : 0-d array
        The objective ``J``, on the device (reading it waits for the device).
    grad : array
        Its gradient, laid out like ``theta``.
    """
    coefs, intercepts = unpack(theta, units)
    if penalty_weight is not None:
        penalty_weight = float(penalty_weight)
    # Python numbers: a namespace may refuse numpy's scalars.
    weights = dict(
        alpha=float(alpha), sample_weight=sample_weight, penalty_weight=penalty_weight
    )
    Z, A = forward(X, coefs, intercepts, activation, out_activation)
    n_layers = len(coefs)
    terms = objective_terms(
        Z[n_layers], Y, coefs, out_activation=out_activation, **weights
    )
    steps = backward(Z, A, Y, coefs, activation=activation, **weights)
    layers = range(1, n_layers + 1)
    grad = pack([steps["dW"][k] for k in layers], [steps["db"][k] for k in layers])
    return terms["J"], grad


class DeviceMinibatchTrainer:
    """Epochs of minibatch steps on a device; :class:`MinibatchTrainer`'s twin.

    The training rows are moved to the device once; an epoch moves there the
    parameters, the optimiser's state and the shuffled row order (drawn on
    the host from the same random stream as the numpy path), runs every
    step without waiting for the device, then reads back the batch losses,
    the parameters and the optimiser's state: one synchronisation per
    epoch. Batches of zero weight are found on the host and skipped, as
    :class:`MinibatchTrainer` skips them.

    Parameters
    ----------
    placement : Placement
        The namespace and device to train on.
    X, Y, sample_weight, theta, units, batch_size, optimizer, objective, out_activation
        As for :class:`MinibatchTrainer`: ``X``, ``Y`` and ``sample_weight``
        on the host (numpy), ``theta`` the host's flat vector, written at
        the end of each epoch.
    """

    def __init__(
        self,
        placement,
        X,
        Y,
        sample_weight,
        theta,
        units,
        batch_size,
        optimizer,
        objective,
        out_activation,
    ):
        self.placement = placement
        self.X, self.Y = placement.put(X), placement.put(Y)
        self.host_weight = sample_weight
        self.sample_weight = placement.put(sample_weight)
        self.theta, self.optimizer, self.units = theta, optimizer, units
        self.batch_size = batch_size
        self.n_samples = n_samples = X.shape[0]
        self.total_weight = n_samples if sample_weight is None else sample_weight.sum()
        self.slices = list(gen_batches(n_samples, batch_size))
        self.network = dict(
            activation=objective.activation,
            out_activation=out_activation,
            alpha=objective.alpha,
            penalty_weight=self.total_weight,
        )

    def _batch_weights(self, order):
        """Each batch's total weight, on the host (no device involved)."""
        sizes = [batch.stop - batch.start for batch in self.slices]
        if self.host_weight is None:
            return [float(size) for size in sizes]
        w = self.host_weight if order is None else self.host_weight[order]
        starts = [batch.start for batch in self.slices]
        return np.add.reduceat(w, starts).tolist()

    def run_epoch(self, order, guard, epoch):
        """One pass over the rows in ``order`` (see ``MinibatchTrainer.run_epoch``)."""
        put, xp = self.placement.put, self.placement.xp
        theta = put(self.theta)
        step = self.optimizer.on_device(self.placement)
        rows = None if order is None else put(order)
        X, Y, w = self.X, self.Y, self.sample_weight
        losses, weights = [], []
        for batch, weight in zip(self.slices, self._batch_weights(order), strict=True):
            if not weight > 0:
                continue  # no weight, no information
            if rows is None:
                X_b, Y_b = X[batch], Y[batch]
                w_b = None if w is None else w[batch]
            else:
                take = rows[batch]
                X_b, Y_b = xp.take(X, take, axis=0), xp.take(Y, take, axis=0)
                w_b = None if w is None else xp.take(w, take, axis=0)
            loss, grad = device_loss_and_gradient(
                theta, X_b, Y_b, w_b, self.units, **self.network
            )
            theta = step(theta, grad)
            losses.append(loss)
            weights.append(weight)
        # The one synchronisation of the epoch.
        losses = to_numpy(xp.stack(losses)).tolist() if losses else []
        self.theta[...] = to_numpy(theta)
        step.write_back()
        loss_sum = weight_sum = 0.0
        for loss, weight in zip(losses, weights, strict=True):
            if not loss <= guard.bound:
                guard.check_loss(loss, epoch)
            loss_sum += loss * weight
            weight_sum += weight
        return loss_sum, weight_sum
