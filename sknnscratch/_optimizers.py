"""Optimisers: turn a gradient into an update of the flat parameter vector.

``SGD`` and ``Adam`` keep their state (velocities, moment estimates, step
count, current learning rate) in arrays shaped like the flat parameter vector
``theta`` and update it in place with a few vectorised operations. Their
update rules and learning-rate schedules are those of scikit-learn's
``MLPClassifier``, so the same settings mean the same thing.

``minimize_lbfgs`` hands our own objective and gradient to scipy's L-BFGS-B,
through ``scipy.optimize.minimize``.
"""

import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from sknnscratch._namespace import to_numpy


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum.

    With velocity ``v``, momentum ``mu`` and learning rate ``lr``, one step is
    ``v <- mu * v - lr * g``, then ``theta <- theta + v``, or with Nesterov's
    momentum ``theta <- theta + mu * v - lr * g``.

    Parameters
    ----------
    n_params : int
        Length of the flat parameter vector.
    dtype : numpy dtype
        The parameters' dtype.
    learning_rate_init : float
        The initial learning rate.
    schedule : {"constant", "invscaling", "adaptive"}
        How the learning rate changes between epochs.
    momentum : float
        Momentum ``mu`` in ``[0, 1]``.
    nesterov : bool
        Whether to use Nesterov's momentum.
    power_t : float
        Exponent of the "invscaling" schedule.
    """

    def __init__(
        self, n_params, dtype, learning_rate_init, schedule, momentum, nesterov, power_t
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)
        self._step = np.empty(n_params, dtype=dtype)  # lr * g
        self._update = np.empty(n_params, dtype=dtype)

    def step(self, theta, grad):
        """Update ``theta`` in place from the gradient ``grad``."""
        v, lr_grad = self.velocity, self._step
        np.multiply(grad, self.learning_rate, out=lr_grad)
        v *= self.momentum
        v -= lr_grad
        if self.nesterov:
            update = np.multiply(v, self.momentum, out=self._update)
            update -= lr_grad
            theta += update
        else:
            theta += v

    def on_device(self, placement):
        """This optimiser's steps on ``placement``'s device: :class:`_SGDOnDevice`."""
        return _SGDOnDevice(self, placement)

    def snapshot(self):
        """The state :meth:`restore` returns to: velocities and rate."""
        return self.velocity.copy(), self.learning_rate

    def restore(self, snapshot):
        """Return to a :meth:`snapshot` (arrays in place)."""
        velocity, self.learning_rate = snapshot
        self.velocity[...] = velocity

    def epoch_ends(self, n_samples_seen):
        """Apply the 'invscaling' schedule after an epoch.

        ``lr = learning_rate_init / (n_samples_seen + 1) ** power_t``.
        """
        if self.schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (n_samples_seen + 1) ** self.power_t
            )

    def should_stop(self):
        """Called when training stalls: stop, or ('adaptive') divide the rate by 5.

        Returns
        -------
        stop : bool
            True when training should stop.
        """
        if self.schedule != "adaptive" or self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        return False


class Adam:
    """Adam (Kingma and Ba, 2014), with the bias correction folded into the rate.

    At step ``t``: ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
    ``lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t)`` and
    ``theta <- theta - lr_t * m / (sqrt(v) + eps)``.

    Parameters
    ----------
    n_params : int
        Length of the flat parameter vector.
    dtype : numpy dtype
        The parameters' dtype.
    learning_rate_init : float
        The base learning rate ``lr``.
    beta_1, beta_2 : float
        Decay rates of the first and second moment estimates.
    epsilon : float
        Added to ``sqrt(v)`` so the step stays finite.
    """

    def __init__(self, n_params, dtype, learning_rate_init, beta_1, beta_2, epsilon):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        # m and v as the rows of one array, so that both moments are updated
        # by the same few operations (each entry as by its own formula).
        self.moments = np.zeros((2, n_params), dtype=dtype)
        self._decays = np.array([[beta_1], [beta_2]], dtype=dtype).repeat(n_params, 1)
        self._gains = np.array([[1 - beta_1], [1 - beta_2]], dtype=dtype).repeat(
            n_params, 1
        )
        self._g = np.empty((2, n_params), dtype=dtype)  # scratch buffers
        self._a = np.empty(n_params, dtype=dtype)
        self._b = np.empty(n_params, dtype=dtype)

    def step(self, theta, grad):
        """Update ``theta`` in place from the gradient ``grad``."""
        moments, g, a, b = self.moments, self._g, self._a, self._b
        self.t += 1
        g[0] = grad
        np.multiply(grad, grad, out=g[1])
        g *= self._gains  # (1 - b1) g and (1 - b2) g^2
        moments *= self._decays  # b1 m and b2 v
        moments += g
        self.learning_rate = (
            self.learning_rate_init
            * math.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        m, v = moments
        np.sqrt(v, out=a)
        a += self.epsilon
        np.multiply(m, self.learning_rate, out=b)
        b /= a
        theta -= b

    def on_device(self, placement):
        """This optimiser's steps on ``placement``'s device: :class:`_AdamOnDevice`."""
        return _AdamOnDevice(self, placement)

    def snapshot(self):
        """The state :meth:`restore` returns to: moments, step count, rate."""
        return self.moments.copy(), self.t, self.learning_rate

    def restore(self, snapshot):
        """Return to a :meth:`snapshot` (arrays in place)."""
        moments, self.t, self.learning_rate = snapshot
        self.moments[...] = moments

    def epoch_ends(self, n_samples_seen):
        """Adam has no schedule between epochs."""

    def should_stop(self):
        """Adam always stops when training stalls."""
        return True


class _SGDOnDevice:
    """:meth:`SGD.step` on a device, for the steps of one epoch.

    The velocity moves to the device once; a call takes ``theta`` and the
    gradient there and returns the new ``theta`` (the same formulas, in the
    arrays' namespace, without ``out=``); :meth:`write_back` returns the
    velocity to the host optimiser at the end of the epoch.
    """

    def __init__(self, sgd, placement):
        self.sgd = sgd
        self.velocity = placement.put(sgd.velocity)

    def __call__(self, theta, grad):
        sgd = self.sgd
        lr_grad = grad * sgd.learning_rate
        self.velocity = self.velocity * sgd.momentum - lr_grad
        if sgd.nesterov:
            return theta + (self.velocity * sgd.momentum - lr_grad)
        return theta + self.velocity

    def write_back(self):
        self.sgd.velocity[...] = to_numpy(self.velocity)


class _AdamOnDevice:
    """:meth:`Adam.step` on a device, for the steps of one epoch.

    As :class:`_SGDOnDevice`: the moments live on the device during the
    epoch; the step count and the learning rate are host numbers, updated
    at each step as :meth:`Adam.step` updates them.
    """

    def __init__(self, adam, placement):
        self.adam = adam
        self.m, self.v = placement.put(adam.moments[0]), placement.put(adam.moments[1])
        self.xp = placement.xp

    def __call__(self, theta, grad):
        adam = self.adam
        adam.t += 1
        self.m = self.m * adam.beta_1 + grad * (1 - adam.beta_1)
        self.v = self.v * adam.beta_2 + (grad * grad) * (1 - adam.beta_2)
        adam.learning_rate = (
            adam.learning_rate_init
            * math.sqrt(1 - adam.beta_2**adam.t)
            / (1 - adam.beta_1**adam.t)
        )
        step = (self.m * adam.learning_rate) / (self.xp.sqrt(self.v) + adam.epsilon)
        return theta - step

    def write_back(self):
        self.adam.moments[0] = to_numpy(self.m)
        self.adam.moments[1] = to_numpy(self.v)


def minimize_lbfgs(fun_and_grad, theta0, *, max_iter, max_fun, tol, callback=None):
    """Minimise with scipy's L-BFGS-B, fed by our own objective and gradient.

    Runs ``scipy.optimize.minimize(method="L-BFGS-B")`` with its default
    memory (10 correction pairs), line search (20 steps) and ``ftol``.

    Parameters
    ----------
    fun_and_grad : callable
        ``fun_and_grad(theta) -> (loss, grad)`` for a float64 ``theta``, which
        it must not modify; ``grad`` is float64.
    theta0 : ndarray
        The starting point (not modified).
    max_iter, max_fun : int
        Limits on iterations and on calls of ``fun_and_grad``.
    tol : float
        Stop when the largest entry of the projected gradient is below ``tol``.
    callback : callable, default=None
        ``callback(theta, loss)`` after each iteration; raising
        ``StopIteration`` ends the minimisation. ``theta`` is scipy's iterate,
        which the next iteration overwrites: copy what must be kept.

    Returns
    -------
    result : LbfgsResult
    """
    objective = _SplitObjective(fun_and_grad)
    stopped = False

    # scipy passes an OptimizeResult to a callback whose one parameter has
    # this name, and ends the minimisation when it raises StopIteration.
    def on_iteration(intermediate_result):
        nonlocal stopped
        try:
            callback(intermediate_result.x, float(intermediate_result.fun))
        except StopIteration:
            stopped = True
            raise

    result = scipy.optimize.minimize(
        objective.loss,
        np.array(theta0, dtype=np.float64).ravel(),
        method="L-BFGS-B",
        jac=objective.gradient,
        callback=None if callback is None else on_iteration,
        options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
    )
    message = result.message
    if isinstance(message, bytes):  # scipy < 1.15
        message = message.decode("latin1")
    return LbfgsResult(
        result.x, float(result.fun), int(result.nit), result.status, message, stopped
    )


@dataclass
class LbfgsResult:
    """What :func:`minimize_lbfgs` found.

    Attributes
    ----------
    x : ndarray
        The last iterate.
    fun : float
        The objective there.
    nit : int
        Iterations done.
    status : int
        scipy's: 0 converged; 1 stopped by ``max_iter`` or ``max_fun``; 99
        stopped by the callback; 2 other.
    message : str
        scipy's description of why it stopped.
    stopped_by_callback : bool
        Whether the callback ended the minimisation.
    """

    x: np.ndarray
    fun: float
    nit: int
    status: int
    message: str
    stopped_by_callback: bool


class _SplitObjective:
    """``fun_and_grad`` as the objective and gradient callables scipy takes.

    scipy asks for the gradient right after the objective, at the same point:
    the gradient ``fun_and_grad`` computed with the loss is handed over then,
    and computed anew only at another point. This is cheaper than
    ``minimize(jac=True)``, whose wrapper copies the parameter vector and
    compares it with the previous one at each of the two requests.
    """

    def __init__(self, fun_and_grad):
        self.fun_and_grad = fun_and_grad
        self._point = None  # the bytes of the x that _grad belongs to
        self._grad = None

    def loss(self, x):
        """The objective at ``x`` (its gradient is kept for :meth:`gradient`)."""
        loss, self._grad = self.fun_and_grad(x)
        self._point = x.tobytes()
        return loss

    def gradient(self, x):
        """The gradient at ``x``, evaluated only if :meth:`loss` was not."""
        if x.tobytes() != self._point:
            self.loss(x)
        return self._grad
