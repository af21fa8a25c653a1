"""The training loops: L-BFGS iterations and minibatch epochs.

Each loop trains a :class:`~sknnscratch._state.TrainingState` on validated
:class:`~sknnscratch._targets.TrainingData` and reports every completed
iteration or epoch to a :class:`~sknnscratch._monitoring.TrainingMonitor`,
which decides everything the user sees. The arithmetic of a step is in
:mod:`sknnscratch._kernels`, the update rules in :mod:`sknnscratch._optimizers`.
"""

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sknnscratch._advice import (
    RunFacts,
    convergence_advice,
    divergence_advice,
    judge_fit,
    large_input_note,
)
from sknnscratch._kernels import Backprop, MinibatchTrainer, Workspace
from sknnscratch._monitoring import (
    TrainingMonitor,
    ValidationSet,
    validation_split,
    warn,
)
from sknnscratch._network import unpack, weights_of
from sknnscratch._optimizers import SGD, Adam, minimize_lbfgs


def train(
    estimator,
    data,
    state,
    progress,
    fitted_estimator,
    *,
    solver,
    fresh,
    incremental,
    validation_data=None,
):
    """Run the estimator's solver; ``state`` ends at the trained model.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        Its parameters choose the solver and its settings; not changed.
    data : TrainingData
        The validated training data.
    state : TrainingState
        Trained in place.
    progress : FitProgress
        The scikit-learn callbacks of this call.
    fitted_estimator : callable
        Returns a fitted copy of the estimator at the current weights.
    solver : {'lbfgs', 'sgd', 'adam'}
        The solver of this call (see ``_solver_choice.choose_solver``).
    fresh : bool
        Whether ``state`` is new (a cold fit) rather than resumed.
    incremental : bool
        One epoch of ``partial_fit`` rather than a ``fit``.
    validation_data : ValidationData or None
        ``fit``'s ``X_val``: early stopping's validation set instead of a
        split of the training rows.
    """
    state.n_iter = 0
    coefs, intercepts = unpack(state.theta, state.units)
    network = dict(
        coefs=coefs,
        intercepts=intercepts,
        activation=estimator.activation,
        out_activation=data.out_activation,
        binarizer=data.binarizer,
    )
    weights = data.sample_weight
    facts = RunFacts(
        solver=solver,
        alpha=float(estimator.alpha),
        learning_rate_init=float(estimator.learning_rate_init),
        momentum=float(estimator.momentum),
        activation=estimator.activation,
        hidden_layer_sizes=tuple(state.units[1:-1]),
        n_samples=data.X.shape[0],
        total_weight=data.X.shape[0] if weights is None else float(weights.sum()),
    )

    def monitor(**settings):
        return TrainingMonitor(
            estimator, state, progress, network, fitted_estimator, **settings
        )

    state.solver = solver
    start_theta = None if incremental else state.theta.copy()
    if solver == "lbfgs":
        unconverged = run_lbfgs(estimator, data, state, monitor, facts)
    else:
        unconverged = run_epochs(
            estimator, data, state, monitor, fresh, incremental, validation_data, facts
        )
    verdict = None
    if not incremental:
        verdict = judge_fit(facts, data, state.theta, state.units, start_theta)
    worse_than_priors = verdict is not None and verdict[1] is ConvergenceWarning
    # A target of one class has no minimum to converge to, and its model
    # predicts that class whatever the weights: no ConvergenceWarning.
    if unconverged and not worse_than_priors and len(data.binarizer.classes_) > 1:
        warn(unconverged, ConvergenceWarning)
    if verdict is not None:
        warn(*verdict)


def _backprop(estimator, data, state, X, n_rows):
    """The fast forward and backward pass, writing into one flat gradient."""
    theta, units = state.theta, state.units
    grad = np.empty_like(theta)
    coef_grads, intercept_grads = unpack(grad, units)
    return Backprop(
        *unpack(theta, units),
        activation=estimator.activation,
        out_activation=data.out_activation,
        alpha=estimator.alpha,
        coef_grads=coef_grads,
        intercept_grads=intercept_grads,
        workspace=Workspace(units, n_rows, theta.dtype),
        flat_weights=(weights_of(theta, units), weights_of(grad, units)),
    ), grad


def run_lbfgs(estimator, data, state, monitor, facts):
    """Minimise the objective with scipy's L-BFGS-B on the whole training set.

    ``monitor(**settings)`` makes the :class:`TrainingMonitor` of this call.
    Returns the ConvergenceWarning's message when L-BFGS stopped unconverged,
    else None.
    """
    X, Y, sample_weight = data.X, data.Y, data.sample_weight
    theta, n_samples = state.theta, X.shape[0]
    network, grad = _backprop(estimator, data, state, X, n_samples)
    monitor = monitor(
        step_name="L-BFGS iteration",
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
        return loss, grad.astype(np.float64)

    def record(x, loss):
        theta[...] = x
        if monitor.end_step(loss, n_samples):
            raise StopIteration
        monitor.begin_step()

    # A stochastic solver's state means nothing after L-BFGS moved the weights.
    state.optimizer = None
    samples_before = state.t
    monitor.begin_step()
    try:
        # Overflow can only come from a diverging run or an overshooting
        # trial point of the line search; the guard judges the loss.
        with np.errstate(over="ignore", invalid="ignore"):
            result = minimize_lbfgs(
                fun_and_grad,
                theta,
                max_iter=estimator.max_iter,
                max_fun=estimator.max_fun,
                tol=estimator.tol,
                callback=record,
            )
    except KeyboardInterrupt:
        if not monitor.keep_completed_steps(incremental=False):
            raise
        state.best_loss = min(_or_inf(state.best_loss), state.loss)
        return None
    theta[...] = result.x
    state.n_iter = min(result.nit, estimator.max_iter)
    state.t = samples_before + n_samples * state.n_iter
    state.loss = result.fun
    state.best_loss = min(_or_inf(state.best_loss), state.loss)
    if result.status == 0 or result.stopped_by_callback:
        return None
    message = (
        f"lbfgs failed to converge after {state.n_iter} iteration(s) "
        f"(status={result.status}): {result.message}. Increase max_iter or max_fun"
    )
    scale_note = large_input_note(X)
    if scale_note:
        return f"{message}. {scale_note}: it makes L-BFGS's work far easier."
    return message + "."


def _or_inf(best_loss):
    """The best loss so far; None (after early stopping) counts as none."""
    return np.inf if best_loss is None else best_loss


def run_epochs(
    estimator, data, state, monitor, fresh, incremental, validation_data, facts
):
    """Minibatch epochs of 'sgd' or 'adam' (one epoch for ``partial_fit``).

    ``monitor(**settings)`` makes the :class:`TrainingMonitor` of this call.
    Returns the ConvergenceWarning's message when ``fit`` reached
    ``max_iter`` without stopping, else None.
    """
    X, Y, sample_weight, validation = _training_rows(
        estimator, data, state, fresh, incremental, validation_data
    )
    n_samples = X.shape[0]
    # Like MLPClassifier, each epoch shuffles the previous epoch's order.
    # Keeping that order lets a warm start or partial_fit on the same rows
    # continue exactly where the last call stopped. The order before this
    # call is shared with the fitted state and never written: it is copied.
    order_before = state.shuffle_order
    if order_before is None or order_before.shape != (n_samples,):
        order_before = None  # the rows in their stored order
    order = state.shuffle_order = (
        np.arange(n_samples) if order_before is None else order_before.copy()
    )
    optimizer = state.optimizer = current_optimizer(estimator, state)
    trainer = MinibatchTrainer(
        X,
        Y,
        sample_weight,
        state.theta,
        state.units,
        batch_size(estimator, n_samples),
        optimizer,
        dict(
            activation=estimator.activation,
            out_activation=data.out_activation,
            alpha=estimator.alpha,
        ),
    )
    monitor = monitor(
        step_name="epoch",
        advice=lambda: divergence_advice(facts, state.theta, state.units, X),
        validation=validation,
        optimizer=optimizer,
    )
    unconverged = None
    shuffles_from = (state.rng.get_state(), order_before) if estimator.shuffle else None
    try:
        for _ in range(1 if incremental else estimator.max_iter):
            monitor.begin_step()
            if estimator.shuffle:
                state.rng.shuffle(order)
            loss = _epoch(trainer, monitor, order if estimator.shuffle else None)
            if monitor.end_step(loss, n_samples, float(optimizer.learning_rate)):
                break
        else:
            if not incremental:
                unconverged = (
                    f"Stochastic optimizer: maximum iterations ({estimator.max_iter}) "
                    "reached and the optimization hasn't converged yet. "
                    + convergence_advice(
                        facts,
                        state.loss_curve[len(state.loss_curve) - state.n_iter :],
                        -(-n_samples // trainer.batch_size),
                        X,
                    )
                )
    except KeyboardInterrupt:
        if not monitor.keep_completed_steps(incremental):
            raise
        if shuffles_from is not None:
            state.replay_shuffles(*shuffles_from, n_epochs=state.n_iter)
    if validation is not None and state.best_theta is not None:
        state.theta[...] = state.best_theta
    return unconverged


def _epoch(trainer, monitor, order):
    """One epoch's mean training loss; the guard checks every batch."""
    guard, epoch = monitor.guard, monitor.step
    # Overflow can only come from a diverging run, which the guard turns
    # into an error naming the epoch.
    with np.errstate(over="ignore", invalid="ignore"):
        loss_sum, weight_sum = trainer.run_epoch(order, guard, epoch)
        guard.check_weights(trainer.theta, epoch)
    if weight_sum == 0:
        raise ValueError(
            "Every training row has zero sample weight (after the "
            "early-stopping split, if any)."
        )
    return loss_sum / weight_sum


def _training_rows(estimator, data, state, fresh, incremental, validation_data):
    """The rows to train on, and early stopping's validation set (or None).

    With ``early_stopping`` (in ``fit``), the validation set is ``fit``'s
    ``X_val`` when given (every row is then trained on), otherwise
    ``validation_fraction`` of the training weight is held out (see
    :func:`~sknnscratch._monitoring.validation_split`); a resumed fit draws
    the same split as the first one.
    """
    X, Y, sample_weight = data.X, data.Y, data.sample_weight
    if not (estimator.early_stopping and not incremental):
        if state.best_loss is None:
            state.best_loss = np.inf
        return X, Y, sample_weight, None
    if validation_data is not None:
        validation = ValidationSet(
            validation_data.X,
            validation_data.y,
            validation_data.Y,
            validation_data.sample_weight,
            estimator.scoring,
            estimator,
        )
        _start_validation_records(state)
        return X, Y, sample_weight, validation
    if fresh:
        split_rng = state.rng
    else:
        split_rng = np.random.RandomState()
        split_rng.set_state(state.split_state)
    multilabel = data.binarizer.y_type_ == "multilabel-indicator"
    train_rows, val = validation_split(
        X,
        None if multilabel else data.y,
        sample_weight,
        estimator.validation_fraction,
        split_rng,
    )
    weights = (None, None)
    if sample_weight is not None:
        weights = (sample_weight[train_rows], sample_weight[val])
    validation = ValidationSet(
        X[val], data.y[val], Y[val], weights[1], estimator.scoring, estimator
    )
    _start_validation_records(state)
    return X[train_rows], Y[train_rows], weights[0], validation


def _start_validation_records(state):
    """Prepare the state's validation curves and best epoch for this call."""
    if state.validation_scores is None:
        state.validation_scores, state.validation_loss_curve = [], []
    # The best epoch so far counts only if training has not moved on since
    # (partial_fit, a fit without early stopping, weights set by hand).
    if state.best_theta is None or not np.array_equal(state.best_theta, state.theta):
        state.best_validation_score = -np.inf
        state.best_validation_loss = np.inf
        state.best_theta = None
    state.best_loss = None


def batch_size(estimator, n_samples):
    """The minibatch size: ``min(200, n)`` for 'auto', at most ``n``."""
    if estimator.batch_size == "auto":
        return min(200, n_samples)
    if estimator.batch_size > n_samples:
        warn(
            f"batch_size={estimator.batch_size} is larger than the "
            f"{n_samples} training samples; using {n_samples}."
        )
    return min(estimator.batch_size, n_samples)


def _optimizer_settings(estimator, solver):
    if solver == "sgd":
        return (
            "sgd",
            estimator.learning_rate_init,
            estimator.learning_rate,
            estimator.momentum,
            estimator.nesterovs_momentum,
            estimator.power_t,
        )
    return (
        "adam",
        estimator.learning_rate_init,
        estimator.beta_1,
        estimator.beta_2,
        estimator.epsilon,
    )


def current_optimizer(estimator, state):
    """The optimiser to continue with, or a new one if none fits.

    The state is kept while the solver, its settings and the number and
    dtype of the parameters stay the same.
    """
    theta = state.theta
    settings = _optimizer_settings(estimator, state.solver)
    key = (settings, theta.size, theta.dtype)
    optimizer = state.optimizer
    if optimizer is not None and getattr(optimizer, "key", None) == key:
        return optimizer
    cls = SGD if state.solver == "sgd" else Adam
    optimizer = cls(theta.size, theta.dtype, *settings[1:])
    optimizer.key = key
    return optimizer
