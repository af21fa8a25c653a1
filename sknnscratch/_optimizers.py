"""Optimisers: turn a gradient into an update of the flat parameter vector.

``SGD`` and ``Adam`` keep their state (velocities, moment estimates, step
count, current learning rate) in arrays shaped like the flat parameter vector
``theta`` and update it in place with a few vectorised operations. Their
update rules and learning-rate schedules are those of scikit-learn's
``MLPClassifier``, so the same settings mean the same thing.

``minimize_lbfgs`` hands our own objective and gradient to scipy's L-BFGS-B.
"""

import math
from dataclasses import dataclass

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

    @property
    def m(self):
        """The first moment estimate."""
        return self.moments[0]

    @property
    def v(self):
        """The second moment estimate."""
        return self.moments[1]

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


def minimize_lbfgs(fun_and_grad, theta0, *, max_iter, max_fun, tol, callback=None):
    """Minimise with scipy's L-BFGS-B, fed by our own objective and gradient.

    Where this scipy's L-BFGS-B routine is the one :func:`_lbfgsb_loop` knows,
    it drives that routine directly: the same iterates and results as
    ``scipy.optimize.minimize(method="L-BFGS-B")``, without the wrappers that
    copy and compare the parameter vector at every evaluation (on a small
    problem such as the heart-disease data they cost more than the network
    does). Otherwise it calls ``scipy.optimize.minimize``.

    Parameters
    ----------
    fun_and_grad : callable
        ``fun_and_grad(theta) -> (loss, grad)`` for a float64 ``theta``, which
        it must not modify; ``grad`` is float64.
    theta0 : ndarray
        The starting point.
    max_iter, max_fun : int
        Limits on iterations and on calls of ``fun_and_grad``.
    tol : float
        Stop when the largest entry of the projected gradient is below ``tol``.
    callback : callable, default=None
        ``callback(theta, loss)`` after each iteration; raising
        ``StopIteration`` ends the minimisation.

    Returns
    -------
    result : LbfgsResult
    """
    x0 = np.array(theta0, dtype=np.float64).ravel()
    if _LBFGSB is not None:
        return _lbfgsb_loop(fun_and_grad, x0, max_iter, max_fun, tol, callback)
    return _lbfgsb_minimize(fun_and_grad, x0, max_iter, max_fun, tol, callback)


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
        0 converged; 1 stopped by ``max_iter`` or ``max_fun``; 2 other.
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


def _lbfgsb_minimize(fun_and_grad, x0, max_iter, max_fun, tol, callback):
    """The same minimisation through ``scipy.optimize.minimize``."""
    stopped = False

    def on_iteration(intermediate_result):
        nonlocal stopped
        try:
            callback(intermediate_result.x, float(intermediate_result.fun))
        except StopIteration:
            stopped = True
            raise

    result = scipy.optimize.minimize(
        fun_and_grad,
        x0,
        method="L-BFGS-B",
        jac=True,
        callback=None if callback is None else on_iteration,
        options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
    )
    message = result.message
    if isinstance(message, bytes):  # scipy < 1.15
        message = message.decode("latin1")
    return LbfgsResult(
        result.x, float(result.fun), int(result.nit), result.status, message, stopped
    )


def _lbfgsb_entry_point():
    """scipy's reverse-communication L-BFGS-B routine, if it is the known one.

    ``scipy.optimize._lbfgsb.setulb`` is private. Its calling convention
    (scipy >= 1.15, where L-BFGS-B is written in C) is recognised by its
    signature; any other version is driven through ``scipy.optimize.minimize``.
    ``tests/test_optimizers.py`` checks that both ways give identical results.
    """
    try:
        from scipy.optimize import _lbfgsb_py
    except ImportError:  # pragma: no cover
        return None
    routine = getattr(getattr(_lbfgsb_py, "_lbfgsb", None), "setulb", None)
    known = (
        "setulb(m,x,l,u,nbd,f,g,factr,pgtol,wa,iwa,task,lsave,isave,dsave,maxls,"
        "ln_task)"
    )
    if (
        routine is None
        or not (routine.__doc__ or "").startswith(known)
        or not hasattr(_lbfgsb_py, "status_messages")
        or not hasattr(_lbfgsb_py, "task_messages")
    ):
        return None
    return _lbfgsb_py


_LBFGSB = _lbfgsb_entry_point()

# The defaults of scipy.optimize.minimize(method="L-BFGS-B").
_LBFGSB_MEMORY = 10  # maxcor: correction pairs kept
_LBFGSB_MAX_LINE_SEARCH = 20  # maxls
_LBFGSB_FACTR = 2.220446049250313e-09 / np.finfo(float).eps  # ftol / eps


def _lbfgsb_loop(fun_and_grad, x, max_iter, max_fun, tol, callback):
    """scipy's ``_minimize_lbfgsb`` loop, without bounds and wrappers.

    The routine asks, through ``task``, either for the objective at ``x``
    (3, FG) or reports a new iterate (1, NEW_X); anything else ends the run.
    Stopping rules, counts and messages are those of ``_minimize_lbfgsb``.
    """
    n, m = x.size, _LBFGSB_MEMORY
    no_bounds = np.zeros(n, np.int32)
    lower = np.zeros(n)
    upper = np.zeros(n)
    f, g = np.array(0.0), np.zeros(n)
    wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m)
    iwa = np.zeros(3 * n, np.int32)
    task, ln_task = np.zeros(2, np.int32), np.zeros(2, np.int32)
    lsave, isave, dsave = np.zeros(4, np.int32), np.zeros(44, np.int32), np.zeros(29)
    setulb = _LBFGSB._lbfgsb.setulb
    n_iter = n_fun = 0
    stopped = False
    while True:
        setulb(
            m, x, lower, upper, no_bounds, f, g, _LBFGSB_FACTR, tol, wa, iwa,
            task, lsave, isave, dsave, _LBFGSB_MAX_LINE_SEARCH, ln_task,
        )  # fmt: skip
        if task[0] == 3:
            f, g = fun_and_grad(x)
            n_fun += 1
        elif task[0] == 1:
            n_iter += 1
            if callback is not None:
                try:
                    callback(x, f)
                except StopIteration:
                    stopped = True
                    task[:] = 5, 505  # STOP: CALLBACK REQUESTED HALT
            if n_iter >= max_iter:
                task[:] = 5, 504
            elif n_fun > max_fun:
                task[:] = 5, 502
        else:
            break
    if task[0] == 4:
        status = 0
    elif n_fun > max_fun or n_iter >= max_iter:
        status = 1
    else:
        status = 2
    message = f"{_LBFGSB.status_messages[task[0]]}: {_LBFGSB.task_messages[task[1]]}"
    return LbfgsResult(x, float(f), n_iter, status, message, stopped)
