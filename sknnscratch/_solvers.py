"""The training loops: L-BFGS iterations and minibatch epochs.

Each loop trains a :class:`~sknnscratch._state.TrainingState` on validated
:class:`~sknnscratch._targets.TrainingData` under the call's
:class:`~sknnscratch._settings.Settings`, and reports every completed
iteration or epoch to a :class:`~sknnscratch._monitoring.TrainingMonitor`,
which records it. A loop owns its optimiser (its state and schedule) and
decides when to stop. The arithmetic of a step is in
:mod:`sknnscratch._kernels`, the update rules in
:mod:`sknnscratch._optimizers`; what the user is told, in
:mod:`sknnscratch._advice`.
"""

from dataclasses import astuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sknnscratch._advice import (
    ZERO_WEIGHT_ERROR,
    RunFacts,
    batch_size_note,
    divergence_advice,
    interrupted_note,
    judge_fit,
    lbfgs_unconverged_note,
    stochastic_unconverged_note,
)
from sknnscratch._kernels import (
    DeviceMinibatchTrainer,
    MinibatchTrainer,
    bound_backprop,
    device_loss_and_gradient,
)
from sknnscratch._monitoring import TrainingMonitor, ValidationSet
from sknnscratch._namespace import to_numpy
from sknnscratch._network import unpack
from sknnscratch._optimizers import SGD, Adam, minimize_lbfgs
from sknnscratch._settings import batch_rows, optimizer_key
from sknnscratch._validation_split import validation_split


def train(
    settings,
    data,
    state,
    progress,
    fitted_estimator,
    *,
    fresh,
    validation=None,
    report=True,
):
    """Run the call's solver; ``state`` ends at the trained model.

    Parameters
    ----------
    settings : Settings
        The call's settings (its solver among them).
    data : TrainingData
        The validated training data.
    state : TrainingState
        Trained in place.
    progress : FitProgress
        The scikit-learn callbacks of this call.
    fitted_estimator : callable
        Returns a fitted copy of the estimator at the current weights.
    fresh : bool
        Whether ``state`` is new (a cold fit) rather than resumed.
    validation : ValidationData or None
        ``fit``'s ``X_val``: early stopping's validation set instead of a
        split of the training rows.
    report : bool, default=True
        Whether the caller wants the call's warnings: False skips the
        judgement of a finished fit (``_advice.judge_fit``) and the
        composition of every message.

    Returns
    -------
    notes : list of (str, Warning subclass)
        What the call must warn about, in order.
    """
    facts = _run_facts(settings, data, state.units)
    network = unpack(state.theta, state.units)

    def monitor(**kwargs):
        return TrainingMonitor(
            settings, state, progress, network, fitted_estimator, **kwargs
        )

    state.solver = settings.solver
    start_theta = None if settings.incremental else state.theta.copy()
    notes = []
    if settings.solver == "lbfgs":
        unconverged = run_lbfgs(settings, data, state, monitor, facts, notes)
    else:
        unconverged = run_epochs(
            settings, data, state, monitor, facts, notes, fresh, validation
        )
    if not report:
        return []
    verdict = None
    if not settings.incremental:
        verdict = judge_fit(facts, data, state.theta, state.units, start_theta)
    worse_than_priors = verdict is not None and verdict[1] is ConvergenceWarning
    # A target of one class has no minimum to converge to, and its model
    # predicts that class whatever the weights: no ConvergenceWarning.
    if unconverged and not worse_than_priors and not data.single_class:
        notes.append((unconverged(), ConvergenceWarning))
    if verdict is not None:
        notes.append(verdict)
    return notes


def _run_facts(settings, data, units):
    """What the advice needs to know of this run."""
    weights, optimizer = data.sample_weight, settings.optimizer
    return RunFacts(
        solver=settings.solver,
        alpha=float(settings.objective.alpha),
        learning_rate_init=float(getattr(optimizer, "learning_rate_init", 0.0)),
        momentum=float(getattr(optimizer, "momentum", 0.0)),
        activation=settings.objective.activation,
        hidden_layer_sizes=tuple(units[1:-1]),
        n_samples=data.X.shape[0],
        total_weight=data.X.shape[0] if weights is None else float(weights.sum()),
    )


def run_lbfgs(settings, data, state, monitor, facts, notes):
    """Minimise the objective with scipy's L-BFGS-B on the whole training set.

    ``monitor(**kwargs)`` makes the :class:`TrainingMonitor` of this call;
    warnings go to ``notes``. Returns, when L-BFGS stopped unconverged, a
    function that writes the ConvergenceWarning's message, else None.
    """
    X, Y, sample_weight = data.X, data.Y, data.sample_weight
    theta, n_samples = state.theta, X.shape[0]
    if settings.placement is None:
        network, grad = bound_backprop(
            theta, state.units, n_samples, settings.objective, data.out_activation
        )
    else:  # no host workspace: the device computes
        grad = np.empty_like(theta)
        network = _on_device(settings, data, state, grad)
    # A stochastic solver's state means nothing after L-BFGS moved the weights.
    state.optimizer = None
    step_name = "L-BFGS iteration"
    monitor = monitor(
        step_name=step_name,
        advice=lambda: divergence_advice(facts, theta, state.units, X),
    )
    guard = monitor.guard

    def fun_and_grad(x):  # runs under errstate(over="ignore", ...) below
        theta[...] = x
        loss = network(X, Y, sample_weight)
        # A trial point of the line search may overshoot; only a value
        # L-BFGS cannot work with is an error here.
        guard.check_finite(loss, monitor.step)
        guard.check_gradient(grad, monitor.step)
        # scipy copies the gradient before its next step: ours can be lent.
        return loss, grad if grad.dtype == np.float64 else grad.astype(np.float64)

    def record(x, loss):
        theta[...] = x
        monitor.record_step(loss, n_samples)
        if monitor.end_step():
            raise StopIteration
        monitor.begin_step()

    monitor.begin_step()
    try:
        # Overflow can only come from a diverging run or an overshooting
        # trial point of the line search; the guard judges the loss.
        with np.errstate(over="ignore", invalid="ignore"):
            result = minimize_lbfgs(
                fun_and_grad,
                theta,
                max_iter=settings.max_iter,
                max_fun=settings.max_fun,
                tol=settings.tol,
                callback=record,
            )
    except KeyboardInterrupt:
        if not monitor.keep_completed_steps():
            raise
        notes.append((interrupted_note(state.n_iter, step_name), UserWarning))
        return None
    # The last iterate: a failed line search leaves a trial point in theta.
    theta[...] = result.x
    if state.n_iter == 0:  # stopped at the starting point
        monitor.record_start(result.fun)
    if result.status == 0 or result.stopped_by_callback:
        return None
    n_iter = state.n_iter
    return lambda: lbfgs_unconverged_note(n_iter, result.status, result.message, X)


def _on_device(settings, data, state, grad):
    """The objective at the host's ``state.theta``, computed on the call's device.

    Called as the numpy path's bound network is, ``(X, Y, sample_weight)``
    (the host's rows, unused: their copies on the device are made once,
    here). scipy's L-BFGS-B runs on the host over the flat parameter vector;
    each evaluation moves the parameters to the device, computes the
    objective and its gradient there, and moves the gradient back into
    ``grad``: one transfer each way.
    """
    placement, objective = settings.placement, settings.objective
    X, Y = placement.put(data.X), placement.put(data.Y)
    weights = placement.put(data.sample_weight)
    network = dict(
        activation=objective.activation,
        out_activation=data.out_activation,
        alpha=objective.alpha,
    )

    def evaluate(*host_rows):
        loss, device_grad = device_loss_and_gradient(
            placement.put(state.theta), X, Y, weights, state.units, **network
        )
        grad[...] = to_numpy(device_grad)
        return float(loss)

    return evaluate


def run_epochs(settings, data, state, monitor, facts, notes, fresh, validation_data):
    """Minibatch epochs of 'sgd' or 'adam' (one epoch for ``partial_fit``).

    ``monitor(**kwargs)`` makes the :class:`TrainingMonitor` of this call;
    warnings go to ``notes``. Returns, when ``fit`` reached ``max_iter``
    without stopping, a function that writes the ConvergenceWarning's
    message, else None.
    """
    X, Y, sample_weight, validation = _training_rows(
        settings, data, state, fresh, validation_data
    )
    n_samples = X.shape[0]
    if not isinstance(settings.batch_size, str) and settings.batch_size > n_samples:
        notes.append((batch_size_note(settings.batch_size, n_samples), UserWarning))
    order_before = _shuffle_order(state, n_samples)
    optimizer = state.optimizer = current_optimizer(settings.optimizer, state)
    rows = (X, Y, sample_weight, state.theta, state.units)
    rows += (batch_rows(settings.batch_size, n_samples, settings.placement), optimizer)
    rows += (settings.objective, data.out_activation)
    if settings.placement is None:
        trainer = MinibatchTrainer(*rows)
    else:
        trainer = DeviceMinibatchTrainer(settings.placement, *rows)
    monitor = monitor(
        step_name="epoch",
        advice=lambda: divergence_advice(facts, state.theta, state.units, X),
        validation=validation,
    )
    shuffles_from = (state.rng.get_state(), order_before) if settings.shuffle else None
    try:
        stopped = _run_epochs(settings, state, trainer, monitor)
    except KeyboardInterrupt:
        if not monitor.keep_completed_steps():
            raise
        notes.append((interrupted_note(state.n_iter, "epoch"), UserWarning))
        if shuffles_from is not None:
            state.replay_shuffles(*shuffles_from, n_epochs=state.n_iter)
        stopped = True
    if validation is not None and state.best_theta is not None:
        state.theta[...] = state.best_theta
    if stopped or settings.incremental:
        return None
    curve = state.loss_curve[len(state.loss_curve) - state.n_iter :]
    n_batches = -(-n_samples // trainer.batch_size)
    return lambda: stochastic_unconverged_note(
        facts, settings.max_iter, curve, n_batches, X
    )


def _shuffle_order(state, n_samples):
    """Start this call's row order from the last one; return the order before.

    Like MLPClassifier, each epoch shuffles the previous epoch's order.
    Keeping that order lets a warm start or partial_fit on the same rows
    continue exactly where the last call stopped. The order before this call
    is shared with the fitted state and never written: it is copied. Returns
    None for the rows in their stored order.
    """
    order_before = state.shuffle_order
    if order_before is None or order_before.shape != (n_samples,):
        order_before = None
    state.shuffle_order = (
        np.arange(n_samples) if order_before is None else order_before.copy()
    )
    return order_before


def _run_epochs(settings, state, trainer, monitor):
    """The epochs themselves; True when training stopped before ``max_iter``."""
    optimizer, order = trainer.optimizer, state.shuffle_order
    for _ in range(1 if settings.incremental else settings.max_iter):
        monitor.begin_step()
        if settings.shuffle:
            state.rng.shuffle(order)
        loss = _epoch(trainer, monitor, order if settings.shuffle else None)
        monitor.record_step(loss, trainer.n_samples, float(optimizer.learning_rate))
        optimizer.epoch_ends(state.t)
        stop = False
        if monitor.patience_ran_out():
            # The optimiser gives up, or ('adaptive') lowers its rate.
            stop = optimizer.should_stop()
            monitor.stall_handled(stop, optimizer.learning_rate)
        if monitor.end_step() or stop:
            return True
    return False


def _epoch(trainer, monitor, order):
    """One epoch's mean training loss; the guard checks every batch."""
    guard, epoch = monitor.guard, monitor.step
    # Overflow can only come from a diverging run, which the guard turns
    # into an error naming the epoch.
    with np.errstate(over="ignore", invalid="ignore"):
        loss_sum, weight_sum = trainer.run_epoch(order, guard, epoch)
        guard.check_weights(trainer.theta, epoch)
    if weight_sum == 0:
        raise ValueError(ZERO_WEIGHT_ERROR)
    return loss_sum / weight_sum


def _training_rows(settings, data, state, fresh, validation_data):
    """The rows to train on, and early stopping's validation set (or None).

    With early stopping, the validation set is ``fit``'s ``X_val`` when given
    (every row is then trained on), otherwise ``validation_fraction`` of the
    training weight is held out (see
    :func:`~sknnscratch._validation_split.validation_split`); a resumed fit
    draws the same split as the first one.
    """
    X, Y, sample_weight = data.X, data.Y, data.sample_weight
    early_stopping = settings.early_stopping
    if early_stopping is None:
        return X, Y, sample_weight, None
    network = (settings.objective.activation, data.out_activation, data.binarizer)
    network += (settings.placement,)
    if validation_data is not None:
        given = validation_data
        validation = ValidationSet(
            given.X, given.y, given.Y, given.sample_weight, early_stopping, *network
        )
        return X, Y, sample_weight, validation
    if fresh:
        split_rng = state.rng
    else:
        split_rng = np.random.RandomState()
        split_rng.set_state(state.split_state)
    train_rows, val = validation_split(
        X,
        data.stratification_labels,
        sample_weight,
        early_stopping.validation_fraction,
        split_rng,
    )
    weights = (None, None)
    if sample_weight is not None:
        weights = (sample_weight[train_rows], sample_weight[val])
    validation = ValidationSet(
        X[val], data.y[val], Y[val], weights[1], early_stopping, *network
    )
    return X[train_rows], Y[train_rows], weights[0], validation


def current_optimizer(settings, state):
    """The optimiser to continue with, or a new one if none fits.

    The state is kept while the solver, its settings (``settings``, an
    ``SGDSettings`` or ``AdamSettings``) and the number and dtype of the
    parameters stay the same.
    """
    theta = state.theta
    key = (optimizer_key(settings), theta.size, theta.dtype)
    optimizer = state.optimizer
    if optimizer is not None and getattr(optimizer, "key", None) == key:
        return optimizer
    cls = SGD if settings.name == "sgd" else Adam
    optimizer = cls(theta.size, theta.dtype, *astuple(settings))
    optimizer.key = key
    return optimizer
