"""The minibatch loop of 'sgd' and 'adam': one epoch of gradient steps.

Everything a step needs is allocated once per fit: the buffers shuffled rows
are gathered into (a block of batches at a time), the
:class:`~sknnscratch._network.Workspace` the forward and backward pass
compute in, and the flat gradient vector the optimiser reads. A step is then
a few calls into numpy on views, with no allocation proportional to the
batch.

Each batch's loss is the objective at the weights that batch was trained on.
Its data term needs only that batch's logits, so the steps write their logits
into a buffer for the whole block and the cross-entropy of the block is
taken in one pass after its last step: the same numbers as batch by batch,
with far fewer calls into numpy.
"""

import numpy as np
from sklearn.utils import gen_batches

from sknnscratch._network import Backprop, Workspace, data_loss, unpack, weights_of

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
    objective : dict
        ``activation``, ``out_activation`` and ``alpha`` of the objective.
    """

    def __init__(
        self, X, Y, sample_weight, theta, units, batch_size, optimizer, objective
    ):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.theta, self.optimizer = theta, optimizer
        self.grad = np.empty_like(theta)
        coef_grads, intercept_grads = unpack(self.grad, units)
        self.network = Backprop(
            *unpack(theta, units),
            **objective,
            coef_grads=coef_grads,
            intercept_grads=intercept_grads,
            workspace=Workspace(units, batch_size, theta.dtype),
            flat_weights=(weights_of(theta, units), weights_of(self.grad, units)),
        )
        self.batch_size = batch_size
        n_samples = X.shape[0]
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
        """Each trained batch's objective (L1) and weight, from its logits.

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
