"""What a user is told about a training run: how it goes, what went wrong, why.

Every message of the training loops and their monitor is written here: the
verbose lines, the divergence errors, the interrupt and convergence
warnings.

A run can end badly in four ways, each with its message: it diverges (an
error), it stops at ``max_iter`` unconverged (a ConvergenceWarning), it ends
worse than predicting the class priors (a ConvergenceWarning), or the network
collapses to one prediction for every row (a UserWarning). Each message names
the cause the numbers point at, for the solver used: steps too large for
'sgd' or 'adam', an input on a large scale, a penalty that overflows or
outweighs the data. The judgements after a fit use the reference mathematics
of ``_network.py`` on at most :data:`SAMPLE_ROWS` training rows.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.stats import chi2
from sklearn.exceptions import ConvergenceWarning

from sknnscratch._activations import CROSS_ENTROPY, OUTPUT_PROBA
from sknnscratch._network import (
    init_parameters,
    layer_units,
    loss_and_gradients,
    objective_terms,
    output_logits,
    pack,
    unpack,
)

SAMPLE_ROWS = 2000
"""The judgements after a fit look at this many training rows at most, evenly
spaced."""

COLLAPSE_SPREAD = 1e-3
"""Probabilities that differ by less than this on every training row: collapsed."""

STRONG_PENALTY = 0.5
"""``alpha / S`` from which the penalty is strong whatever the data: a single
weight of 1 then costs ``alpha / (2 S) = 0.25``, a third of the largest
binary loss ``log 2``. Typical data sets are far below it (the default
``alpha=2.5`` on 300 rows is 0.008); the 4-point XOR with the defaults is at
0.6, normalised sample weights at ``alpha``."""

SIGNIFICANCE = 1e-3
"""The p-value under which a linear model's gain over the class priors counts
as signal (a likelihood-ratio test)."""

LARGE_INPUT = 10.0
"""A column whose root mean square exceeds this is on a large scale (a
standardised column has 1)."""

_REFERENCE_ITERATIONS = 200
"""L-BFGS iterations of the small fits that tell the causes apart."""

_SCALER = "scale it (for example with StandardScaler)"


@dataclass(frozen=True)
class RunFacts:
    """What the advice needs to know about a training run.

    Attributes
    ----------
    solver : {'lbfgs', 'sgd', 'adam'}
        The solver the run trained with.
    alpha : float
        The L2 penalty.
    learning_rate_init, momentum : float
        The stochastic solvers' step size and SGD's momentum.
    activation : str
        The hidden activation.
    hidden_layer_sizes : tuple of int
        The hidden widths.
    n_samples : int
        Training rows.
    total_weight : float
        ``S``, the training rows' total sample weight (``n_samples`` without
        weights).
    """

    solver: str
    alpha: float
    learning_rate_init: float
    momentum: float
    activation: str
    hidden_layer_sizes: tuple
    n_samples: int
    total_weight: float

    @property
    def stochastic(self):
        return self.solver in ("sgd", "adam")

    @property
    def penalty_per_weight(self):
        """``alpha / S``: the L2 term's factor ``alpha / (2 S)``, doubled."""
        return self.alpha / self.total_weight


def sample_rows(n_samples):
    """At most :data:`SAMPLE_ROWS` row indices, evenly spaced."""
    if n_samples <= SAMPLE_ROWS:  # every row: what the spacing below gives
        return np.arange(n_samples)
    return np.unique(np.linspace(0, n_samples - 1, SAMPLE_ROWS).astype(int))


def input_scale(X):
    """The largest root mean square of a column of ``X`` (on sampled rows)."""
    rows = X[sample_rows(X.shape[0])]
    with np.errstate(over="ignore"):
        if hasattr(rows, "multiply"):  # sparse
            squares = np.asarray(rows.multiply(rows).mean(axis=0)).ravel()
        else:
            squares = np.mean(np.square(rows, dtype=np.float64), axis=0)
    return float(np.sqrt(squares.max())) if squares.size else 0.0


def large_input_note(X):
    """The sentence saying the input is on a large scale, or None if it is not."""
    scale = input_scale(X)
    if not scale > LARGE_INPUT:
        return None
    return (
        f"The input is on a large scale (a column's root mean square is "
        f"{scale:.3g}): {_SCALER}"
    )


def prior_loss(Y, sample_weight, out_activation):
    """The loss of predicting the (weighted) class priors for every row, or
    the (weighted) mean target for the regressor (``out_activation`` 'identity'
    or 'exp').

    The best a network with zero weights can do: its output biases then give
    every row the share of each class (of each label, for sigmoid outputs),
    or the mean of each target column, whose squared error is half the
    weighted variance, summed over the columns.
    """
    if out_activation == "identity":
        mean = np.average(Y, axis=0, weights=sample_weight)
        variance = np.average(np.square(Y - mean), axis=0, weights=sample_weight)
        return float(variance.sum() / 2)
    if out_activation == "exp":  # the half Poisson deviance of the mean target
        mean = np.average(Y, axis=0, weights=sample_weight)
        with np.errstate(divide="ignore"):
            Z = np.broadcast_to(np.log(mean), Y.shape)
        deviance = CROSS_ENTROPY["exp"](Z, Y)
        return float(np.average(deviance, weights=sample_weight))
    p = np.average(Y, axis=0, weights=sample_weight)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = np.where(p > 0, -p * np.log(p), 0.0)
        if out_activation == "logistic":
            entropy += np.where(p < 1, -(1 - p) * np.log1p(-p), 0.0)
    return float(entropy.sum())


# ------------------------------------------------------------ divergence


def _light_weights(facts):
    """Whether sample weights summing far below the row count inflate alpha."""
    return facts.total_weight < facts.n_samples / 100


def _penalty_advice(facts, regression=False):
    """Why the penalty is too strong, and what to do: alpha, or light weights."""
    n, S, alpha = facts.n_samples, facts.total_weight, facts.alpha
    if _light_weights(facts):
        return (
            f"the sample weights sum to {S:.3g} for {n} rows, which makes "
            f"alpha={alpha:g} as strong as alpha={alpha * n / S:.3g} with unit "
            "weights: scale the weights up (w * n / w.sum()), or lower alpha"
        )
    chooser = "GridSearchCV" if regression else "ScratchMLPClassifierCV"
    return (
        f"alpha={alpha:g} is too large for these {n} rows (total sample weight "
        f"{S:.3g}): lower alpha ({chooser} chooses it from the data)"
    )


def divergence_advice(facts, theta, units, X):
    """The cause of a divergence and what to do, as the numbers point to it.

    Parameters
    ----------
    facts : RunFacts
        The run.
    theta : ndarray
        The parameters when training failed.
    units : list of int
        The layer widths.
    X : ndarray or sparse matrix
        The training input.

    Returns
    -------
    advice : str
        One or two sentences, the likeliest cause first.
    """
    coefs, _ = unpack(theta, units)
    with np.errstate(over="ignore", invalid="ignore"):
        squared_norm = float(sum(np.sum(np.square(W, dtype=np.float64)) for W in coefs))
        if not np.isfinite(squared_norm):  # weights already ruined: judge alpha
            squared_norm = 1.0  # by the penalty on weights of norm 1
        factor = facts.penalty_per_weight
        penalty = factor / 2 * squared_norm
        pull = factor * factor * squared_norm  # the penalty gradient's norm, squared
    if facts.alpha > 0 and not (np.isfinite(penalty) and np.isfinite(pull)):
        return (
            "The L2 term alpha / (2 S) * ||W||^2 (S the total sample weight) "
            f"overflows: {_penalty_advice(facts)}."
        )
    step = facts.learning_rate_init * factor
    if facts.solver == "sgd" and facts.alpha > 0 and step > 2:
        return (
            f"Each SGD step shrinks the weights by learning_rate_init * alpha / S "
            f"= {step:.3g} times themselves; above 2 the steps overshoot and the "
            f"weights grow instead: lower learning_rate_init below "
            f"{2 / factor:.3g}; or {_penalty_advice(facts)}."
        )
    scale_note = large_input_note(X)
    if facts.stochastic:
        lower = f"lower learning_rate_init (now {facts.learning_rate_init:g})"
        if scale_note:
            return f"{scale_note}, then {lower} if it still diverges."
        return f"The steps are too large for this data: {lower}."
    if scale_note:
        return f"{scale_note}."
    return (
        "The loss or its gradient overflowed at a point L-BFGS tried: "
        f"{_SCALER} or add a penalty (alpha > 0) if it has none."
    )


# ----------------------------------------------------- max_iter reached


def _still_falling(tail):
    """Whether a curve falls by more than it wobbles.

    The drop of a straight line fitted to ``tail`` must exceed twice the
    spread of the points around that line.
    """
    if tail.size < 3:
        return bool(tail[-1] < tail[0])
    scale = np.max(np.abs(tail))
    if not 0 < scale < np.inf:
        return False
    tail = tail / scale  # losses near the float limit would overflow squared
    epochs = np.arange(tail.size)
    slope, intercept = np.polyfit(epochs, tail, 1)
    wobble = np.std(tail - (slope * epochs + intercept))
    drop = -slope * (tail.size - 1)
    return bool(drop > 0 and drop > 2 * wobble)


def convergence_advice(facts, curve, n_batches, X):
    """Why a stochastic run stopped at ``max_iter`` unconverged, and what to do.

    A curve whose second half still falls by more than it wobbles wants more
    or larger steps; one that goes up and down instead wants smaller ones.

    Parameters
    ----------
    facts : RunFacts
        The run.
    curve : sequence of float
        This call's training objective, epoch by epoch.
    n_batches : int
        Steps per epoch.
    X : ndarray or sparse matrix
        The training input.
    """
    curve = np.asarray(curve, dtype=float)
    lr = facts.learning_rate_init
    steps = n_batches * len(curve)
    lowest = int(np.argmin(curve))
    note = (
        f"The objective went from {curve[0]:.4g} to {curve[-1]:.4g} in {steps} "
        f"step(s) ({n_batches} per epoch) of learning_rate_init={lr:g}"
    )
    plain = facts.solver == "sgd" and facts.momentum == 0
    if plain:
        note += " without momentum"
    if _still_falling(curve[len(curve) // 2 :]):
        note += (
            ", still falling: raise max_iter or learning_rate_init"
            + (
                " (plain gradient descent often takes 0.1 or more on standardised data)"
                if plain
                else ""
            )
            + ", or let solver='lbfgs' (what the default solver='auto' takes for "
            "fit) find the minimum."
        )
    else:
        note += (
            f", its lowest {curve[lowest]:.4g} at epoch {lowest + 1}; over its "
            "last epochs it went up and down instead of settling: the steps are "
            "too large for this data. Lower learning_rate_init, or let "
            "solver='lbfgs' (what the default solver='auto' takes for fit) find "
            "the minimum."
        )
    scale_note = large_input_note(X)
    return note + (f" {scale_note}." if scale_note else "")


# --------------------------------------------------- after a whole fit


@dataclass
class _Sample:
    """The sampled training rows the judgements look at."""

    X: object
    Y: np.ndarray
    sample_weight: np.ndarray | None
    out_activation: str

    @property
    def effective_size(self):
        """Kish's effective number of rows: ``S^2 / sum(s^2)``."""
        w = self.sample_weight
        if w is None:
            return float(self.Y.shape[0])
        return float(w.sum() ** 2 / np.sum(np.square(w, dtype=np.float64)))

    def constant_targets(self):
        """Whether every row of positive weight has the same targets."""
        w = self.sample_weight
        Y = self.Y if w is None else self.Y[w > 0]
        return bool(np.all(Y == Y[0]))


def judge_fit(facts, data, theta, units, start_theta=None):
    """The warning a finished ``fit`` deserves, if any: ``(message, category)``.

    A model worse than predicting the class priors (an objective above twice
    their cross-entropy, and above it by 0.05 at least: at its minimum the
    objective is never above it, since zero weights reach it), or one that
    predicts the same for every row where the penalty or the optimiser (not
    the data) is the cause. Returns None when the fit looks sound.

    For the regressor (``out_activation`` 'identity'), the first judgement
    only: a model whose objective is above twice that of predicting the
    (weighted) mean target, with no absolute margin, since the squared error
    has the target's scale. The collapse judgement is left out: its causes
    are told apart by a likelihood-ratio test of cross-entropies, and a flat
    regressor at the mean target is what its R^2 of 0 already says.

    Parameters
    ----------
    facts : RunFacts
        The run.
    data : TrainingData
        The training data (``X``, ``Y``, ``sample_weight``, ``out_activation``).
    theta : ndarray
        The trained parameters.
    units : list of int
        The layer widths.
    start_theta : ndarray, default=None
        The parameters the call started from, to tell a network that
        collapsed from one that was collapsed from the start.
    """
    n_samples = data.X.shape[0]
    if n_samples < 2:
        return None
    regression = data.out_activation in ("identity", "exp")
    rows = sample_rows(n_samples)
    weights = None if data.sample_weight is None else data.sample_weight[rows]
    sample = _Sample(data.X[rows], data.Y[rows], weights, data.out_activation)
    if sample.constant_targets():
        return None  # one prediction for every row is the answer
    coefs, intercepts = unpack(theta, units)
    with np.errstate(over="ignore", invalid="ignore"):
        Z = output_logits(sample.X, coefs, intercepts, facts.activation)
        terms = objective_terms(
            Z,
            sample.Y,
            coefs,
            out_activation=sample.out_activation,
            alpha=facts.alpha,
            sample_weight=sample.sample_weight,
            penalty_weight=facts.total_weight,
        )
    prior = prior_loss(sample.Y, sample.sample_weight, sample.out_activation)
    J, R = float(terms["J"]), float(terms["R"])
    if not J <= prior + max(prior, 0.0 if regression else 0.05):
        message = _worse_than_priors(facts, J, R, prior, data.X, regression)
        return message, ConvergenceWarning
    if regression:
        return None  # the collapse judgement is of class probabilities
    spread = _spread(sample, Z)
    if spread < COLLAPSE_SPREAD:
        started = start_theta is not None and (
            _spread(sample, _logits(sample, start_theta, units, facts.activation))
            < COLLAPSE_SPREAD
        )
        message = _collapse_message(facts, sample, prior, spread, J, started)
        return None if message is None else (message, UserWarning)
    return None


def _logits(sample, theta, units, activation):
    """The network's output logits on the sampled rows."""
    with np.errstate(over="ignore", invalid="ignore"):
        return output_logits(sample.X, *unpack(theta, units), activation)


def _spread(sample, Z):
    """How much the probabilities of logits ``Z`` vary over the sampled rows."""
    with np.errstate(over="ignore", invalid="ignore"):
        P = OUTPUT_PROBA[sample.out_activation](Z)
    return float(np.max(P.max(axis=0) - P.min(axis=0)))


def _worse_than_priors(facts, J, R, prior, X, regression=False):
    baseline = "the mean target" if regression else "the class priors"
    message = (
        f"Training ended with the objective at {J:.4g}, far above the "
        f"{prior:.4g} of predicting {baseline} for every row (a network "
        "with zero weights): this model is worse than none. "
    )
    if facts.alpha > 0 and R > J / 2:
        return message + (
            f"The L2 term is {R:.4g} of it, a penalty so strong that the "
            f"weights cannot shrink to where it stops dominating: "
            f"{_penalty_advice(facts, regression)}."
        )
    scale_note = large_input_note(X)
    if facts.stochastic:
        lower = (
            f"lower learning_rate_init (now {facts.learning_rate_init:g}), or use "
            "solver='lbfgs'"
        )
        if scale_note:
            return message + f"{scale_note}, and {lower}."
        return message + f"The steps of solver={facts.solver!r} are too large: {lower}."
    if scale_note:
        return message + f"{scale_note}."
    return message + "Raise max_iter: L-BFGS stopped before it got anywhere."


def _collapse_message(facts, sample, prior, spread, J, started_collapsed):
    """The collapse warning, or None where a flat model is the right answer."""
    message = (
        "The network predicts the same probabilities for every training row "
        f"(they differ by at most {spread:.1e}): it has collapsed to its "
        "intercepts. "
    )
    if started_collapsed and facts.stochastic:
        return message + (
            "It was so from the start: the weights this call resumed from (set "
            "by hand, or left by an earlier fit) leave no hidden unit responding "
            "to the input, so no gradient reaches them and no step can revive "
            "them. Fit anew (warm_start=False), or start from other weights."
        )
    if facts.stochastic:
        reference = _reference_fit(facts, sample, facts.alpha)
        if reference.spread >= COLLAPSE_SPREAD and reference.J < J - 1e-3:
            return message + (
                f"The penalty is not the cause: L-BFGS with the same alpha fits "
                f"these rows (objective {reference.J:.4g}, against {J:.4g} here). "
                f"The steps of solver={facts.solver!r} at learning_rate_init="
                f"{facts.learning_rate_init:g} pushed every hidden unit out of "
                "its responsive range (dead ReLUs or saturated units): lower "
                "learning_rate_init, or use solver='lbfgs'."
            )
    if facts.alpha == 0:
        return message + (
            "Without a penalty this means no hidden unit responds to the input "
            "(dead ReLUs after too large steps, or unscaled input): scale the "
            "input, lower learning_rate_init, or try another random_state."
        )
    if not _penalty_hides_signal(facts, sample, prior):
        return None  # the data carry too little signal: flat is right
    n, S = facts.n_samples, facts.total_weight
    weighted = "" if n == S else f" with sample weights summing to {S:.3g}"
    message += (
        f"The L2 penalty outweighs the data: alpha={facts.alpha:g} on {n} "
        f"rows{weighted} has the effective strength alpha * n / "
        f"sum(sample_weight) = {facts.alpha * n / S:.3g}. Lower alpha "
        "(ScratchMLPClassifierCV chooses it from the data)"
    )
    if S < n:
        message += (
            ", or pass sample weights that sum to the number of rows "
            "(w * n / w.sum()) instead of normalised ones"
        )
    return message + "."


def _penalty_hides_signal(facts, sample, prior):
    """Whether a weaker penalty, not the data, stands between the model and a fit.

    Yes when a linear model beats the class priors by more than noise (a
    likelihood-ratio test at :data:`SIGNIFICANCE`), or when the penalty is
    strong whatever the data (:data:`STRONG_PENALTY`) and a ten times weaker
    one (below the threshold) fits the rows measurably better (by a tenth of
    the priors' loss, and 0.01). Random labels on a few rows, or a single
    feature with almost no signal, pass neither: a flat model is right.
    ``prior`` is the cross-entropy of the class priors on the sampled rows.
    """
    linear = _reference_fit(facts, sample, 0.0, hidden=())
    n_outputs = sample.Y.shape[1] - (sample.out_activation == "softmax")
    dof = sample.X.shape[1] * max(n_outputs, 1)
    statistic = 2 * sample.effective_size * (prior - linear.L)
    if statistic > chi2.isf(SIGNIFICANCE, dof):
        return True
    if facts.penalty_per_weight < STRONG_PENALTY:
        return False
    # Ten times weaker, and at most a tenth of the strong threshold.
    weak = min(facts.alpha, STRONG_PENALTY * facts.total_weight) / 10
    weaker = _reference_fit(facts, sample, weak)
    return prior - weaker.L >= max(0.1 * prior, 0.01)


@dataclass
class _Reference:
    L: float  # the data term
    J: float  # the objective
    spread: float  # of the probabilities over the rows


def _reference_fit(facts, sample, alpha, hidden=None):
    """A small L-BFGS fit on the sampled rows, from fixed initial weights.

    Its own random stream (seed 0): the run's stream is not touched.
    """
    hidden = facts.hidden_layer_sizes if hidden is None else hidden
    X, Y, w = sample.X, sample.Y, sample.sample_weight
    units = layer_units(X.shape[1], list(hidden), Y.shape[1])
    rng = np.random.RandomState(0)
    theta = pack(*init_parameters(units, facts.activation, rng, np.float64))
    settings = dict(
        activation=facts.activation,
        out_activation=sample.out_activation,
        alpha=alpha,
        sample_weight=w,
        penalty_weight=facts.total_weight,
    )

    def objective_and_gradient(x):
        J, coef_grads, intercept_grads = loss_and_gradients(
            X, Y, *unpack(x, units), **settings
        )
        return J, pack(coef_grads, intercept_grads)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = minimize(
            objective_and_gradient,
            theta,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": _REFERENCE_ITERATIONS},
        )
        coefs, intercepts = unpack(result.x, units)
        Z = output_logits(X, coefs, intercepts, facts.activation)
        L = float(np.average(CROSS_ENTROPY[sample.out_activation](Z, Y), weights=w))
    return _Reference(L=L, J=float(result.fun), spread=_spread(sample, Z))


# ----------------------------------------------- what a run reports as it goes


def progress_line(step, loss, validation_loss, score, best, seconds):
    """The one line ``verbose=True`` prints after an epoch or L-BFGS iteration.

    It starts as MLPClassifier's line does (``Iteration N, loss = ...``), then
    gives the validation loss and score with early stopping, marks the epoch
    whose weights early stopping keeps so far, and ends with the step's time.
    """
    line = f"Iteration {step}, loss = {loss:.8f}"
    if validation_loss is not None:
        line += f", validation loss = {validation_loss:.8f}, score = {score:.6f}"
        if best:
            line += " (best)"
    return line + f", {seconds:.3f} s"


def stall_line(validating, tol, n_iter_no_change, stop, learning_rate):
    """What ``verbose=True`` prints when ``n_iter_no_change`` epochs failed."""
    what = "Validation score" if validating else "Training loss"
    return (
        f"{what} did not improve more than tol={tol} for {n_iter_no_change} "
        "consecutive epochs. "
        + ("Stopping." if stop else f"Setting learning rate to {learning_rate:g}.")
    )


def loss_reason(loss, factor=None, start=None):
    """Why a loss counts as diverged: not finite, or ``factor`` times ``start``."""
    if start is None:
        return f"the loss became {loss:.4g}" if factor else f"the loss became {loss}"
    return (
        f"the loss became {loss:.4g}, more than {factor:g} times its starting "
        f"value {start:.4g}"
    )


NON_FINITE_GRADIENT = "the gradient became non-finite"
NON_FINITE_WEIGHTS = "the weights became non-finite"


def scorer_error(scoring, value):
    """The error for an early-stopping scorer that returned no usable number."""
    return (
        f"The early-stopping scorer scoring={scoring!r} returned {value!r}; it "
        "must return one finite number (higher is better)."
    )


def small_validation_set_error(n_rows):
    """The error for a regression validation set too small for R^2."""
    return (
        f"The validation set is too small: it has {n_rows} row(s) of positive "
        "weight, and R^2, what early stopping scores for regression by default, "
        "needs at least 2. Increase validation_fraction (or pass a larger X_val), "
        "use more data, or set scoring='loss'."
    )


def divergence_error(step_name, step, reason, advice):
    """The error that stops a diverging run, naming the step and the cause."""
    return f"Training diverged in {step_name} {step}: {reason}. {advice}"


def interrupted_note(n_steps, step_name):
    """The warning of a ``fit`` that a KeyboardInterrupt ended, keeping its work."""
    return (
        f"Training interrupted (KeyboardInterrupt); keeping the model of the "
        f"{n_steps} {step_name}(s) this call completed."
    )


def interrupted_in_callback_note(n_steps, step_name):
    """The warning of a ``fit`` interrupted in a callback after its last step."""
    return (
        "Training interrupted (KeyboardInterrupt) in a callback at the end "
        f"of fit; keeping the model of the {n_steps} {step_name}(s) this call "
        "completed."
    )


def batch_size_note(batch_size, n_samples):
    """The warning for a ``batch_size`` larger than the training rows."""
    return (
        f"batch_size={batch_size} is larger than the {n_samples} training "
        f"samples; using {n_samples}."
    )


ZERO_WEIGHT_ERROR = (
    "Every training row has zero sample weight (after the early-stopping "
    "split, if any)."
)


def lbfgs_unconverged_note(n_iter, status, message, X):
    """The ConvergenceWarning of an L-BFGS run stopped by its limits."""
    note = (
        f"lbfgs failed to converge after {n_iter} iteration(s) "
        f"(status={status}): {message}. Increase max_iter or max_fun"
    )
    scale_note = large_input_note(X)
    if scale_note:
        return f"{note}. {scale_note}: it makes L-BFGS's work far easier."
    return note + "."


def stochastic_unconverged_note(facts, max_iter, curve, n_batches, X):
    """The ConvergenceWarning of a stochastic run that reached ``max_iter``."""
    return (
        f"Stochastic optimizer: maximum iterations ({max_iter}) reached and the "
        "optimization hasn't converged yet. "
        + convergence_advice(facts, curve, n_batches, X)
    )
