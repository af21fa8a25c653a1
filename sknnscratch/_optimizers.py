"""Optimisers: turn a gradient into an update of the flat parameter vector.

``SGD`` and ``Adam`` keep their state (velocities, moment estimates, step
count, current learning rate) in arrays shaped like the flat parameter vector
``theta`` and update it in place with a few vectorised operations. Their
update rules and learning-rate schedules are those of scikit-learn's
``MLPClassifier``, so the same settings mean the same thing.

``minimize_lbfgs`` hands our own objective and gradient to scipy's L-BFGS-B.
"""

import math

import numpy as np
import scipy.optimize


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
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)
        self._a = np.empty(n_params, dtype=dtype)  # scratch buffers
        self._b = np.empty(n_params, dtype=dtype)

    def step(self, theta, grad):
        """Update ``theta`` in place from the gradient ``grad``."""
        m, v, a, b = self.m, self.v, self._a, self._b
        self.t += 1
        m *= self.beta_1
        m += np.multiply(grad, 1 - self.beta_1, out=a)
        v *= self.beta_2
        np.multiply(grad, grad, out=a)
        v += np.multiply(a, 1 - self.beta_2, out=a)
        self.learning_rate = (
            self.learning_rate_init
            * math.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        np.sqrt(v, out=a)
        a += self.epsilon
        np.multiply(m, self.learning_rate, out=b)
        b /= a
        theta -= b

    def epoch_ends(self, n_samples_seen):
        """Adam has no schedule between epochs."""

    def should_stop(self):
        """Adam always stops when training stalls."""
        return True


def optimizer_to_dict(optimizer):
    """An optimiser as plain data: strings, numbers, lists and arrays.

    Persistence formats that refuse arbitrary objects (``skops.io``) can then
    store a fitted estimator's optimiser state; :func:`optimizer_from_dict`
    rebuilds it.
    """
    state = dict(vars(optimizer))
    settings, n_params, dtype = state.pop("key", (None, None, None))
    state["key"] = None if settings is None else [list(settings), n_params, str(dtype)]
    return {"class": type(optimizer).__name__, "state": state}


def optimizer_from_dict(data):
    """The optimiser :func:`optimizer_to_dict` described."""
    cls = {"SGD": SGD, "Adam": Adam}[data["class"]]
    optimizer = cls.__new__(cls)
    state = dict(data["state"])
    key = state.pop("key")
    if key is not None:
        settings, n_params, dtype = key
        state["key"] = (tuple(settings), n_params, np.dtype(dtype))
    vars(optimizer).update(state)
    return optimizer


def minimize_lbfgs(fun_and_grad, theta0, *, max_iter, max_fun, tol, callback=None):
    """Minimise with scipy's L-BFGS-B, fed by our own objective and gradient.

    Parameters
    ----------
    fun_and_grad : callable
        ``fun_and_grad(theta) -> (loss, grad)`` for a float64 ``theta``.
    theta0 : ndarray
        The starting point.
    max_iter, max_fun : int
        Limits on iterations and on calls of ``fun_and_grad``.
    tol : float
        Stop when the largest entry of the projected gradient is below ``tol``.
    callback : callable, default=None
        Called after each iteration with scipy's intermediate result.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
    """
    return scipy.optimize.minimize(
        fun_and_grad,
        np.asarray(theta0, dtype=np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=callback,
        options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
    )
