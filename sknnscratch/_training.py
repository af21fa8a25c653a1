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
        self.theta, self.optimizer, self.objective = theta, optimizer, objective
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
        X_block = np.empty((block_rows, X.shape[1]), dtype=X.dtype)
        Y_block = np.empty((block_rows, Y.shape[1]), dtype=Y.dtype)
        w_block = np.empty(block_rows, dtype=X.dtype)
        # Zeros: a skipped batch (of zero weight) leaves its rows unset.
        Z_block = np.zeros((block_rows, units[-1]), dtype=theta.dtype)
        self.blocks = []
        for block in gen_batches(n_samples, block_rows):
            size = block.stop - block.start
            views = (X_block[:size], Y_block[:size], w_block[:size], Z_block[:size])
            batches = list(gen_batches(size, batch_size))
            self.blocks.append((block, views, batches))

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
        for block, (X_out, Y_out, w_out, logits), batches in self.blocks:
            if order is None:  # views of the data as it is
                X_rows, Y_rows = X[block], Y[block]
                w_rows = None if weights is None else weights[block]
            else:
                rows = order[block]
                if self.dense:
                    X_rows = np.take(X, rows, axis=0, out=X_out, mode="clip")
                else:
                    X_rows = X[rows]
                Y_rows = np.take(Y, rows, axis=0, out=Y_out, mode="clip")
                w_rows = None
                if weights is not None:
                    w_rows = np.take(weights, rows, out=w_out, mode="clip")
            penalties = []
            for batch in batches:
                w_batch = None if w_rows is None else w_rows[batch]
                if w_batch is not None and not w_batch.sum() > 0:
                    penalties.append(None)  # no weight, no information
                    continue
                penalty = network(
                    X_rows[batch], Y_rows[batch], w_batch, total_weight, logits[batch]
                )
                step(theta, grad)
                penalties.append(penalty)
            per_sample_loss = network.cross_entropy(logits, Y_rows)  # loss_i (L1)
            if w_rows is None:
                sums = _batch_sums(per_sample_loss, self.batch_size)
            for i, (batch, penalty) in enumerate(zip(batches, penalties, strict=True)):
                if penalty is None:
                    continue
                if w_rows is None:
                    batch_weight = batch.stop - batch.start
                    loss = sums[i] / batch_weight  # = data_loss(loss_i, None, n)
                else:
                    w_batch = w_rows[batch]
                    batch_weight = float(w_batch.sum())
                    loss = data_loss(per_sample_loss[batch], w_batch, batch_weight)
                loss = float(loss + penalty)
                if not loss <= guard.bound:
                    guard.check_loss(loss, epoch)
                loss_sum += loss * batch_weight
                weight_sum += batch_weight
        return loss_sum, weight_sum


def _batch_sums(values, batch_size):
    """``np.add.reduce`` of every batch of ``values``, in at most two calls.

    Summing the rows of ``values`` reshaped to one batch per row adds each
    batch's numbers exactly as ``np.add.reduce`` of that batch alone does.
    """
    whole = len(values) // batch_size * batch_size
    sums = list(np.add.reduce(values[:whole].reshape(-1, batch_size), axis=1))
    if whole < len(values):
        sums.append(np.add.reduce(values[whole:]))
    return sums
