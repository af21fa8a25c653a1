import numpy as np
import pytest

from sknnscratch import _optimizers
from sknnscratch._optimizers import SGD, Adam, minimize_lbfgs

THETA0 = np.array([0.5, -1.0, 2.0])
G1 = np.array([0.1, -0.2, 0.3])
G2 = np.array([-0.4, 0.5, 0.05])


def _sgd(**kwargs):
    params = dict(
        learning_rate_init=0.1,
        schedule="constant",
        momentum=0.0,
        nesterov=False,
        power_t=0.5,
    )
    params.update(kwargs)
    return SGD(3, np.float64, **params)


def test_plain_sgd_step():
    theta = THETA0.copy()
    _sgd().step(theta, G1)
    np.testing.assert_allclose(theta, THETA0 - 0.1 * G1, rtol=1e-15)


def test_momentum_steps():
    theta = THETA0.copy()
    opt = _sgd(momentum=0.9)
    opt.step(theta, G1)
    opt.step(theta, G2)
    v1 = -0.1 * G1
    v2 = 0.9 * v1 - 0.1 * G2
    np.testing.assert_allclose(theta, THETA0 + v1 + v2, rtol=1e-15)
    np.testing.assert_allclose(opt.velocity, v2, rtol=1e-15)


def test_nesterov_steps():
    theta = THETA0.copy()
    opt = _sgd(momentum=0.9, nesterov=True)
    opt.step(theta, G1)
    opt.step(theta, G2)
    v1 = -0.1 * G1
    v2 = 0.9 * v1 - 0.1 * G2
    expected = THETA0 + (0.9 * v1 - 0.1 * G1) + (0.9 * v2 - 0.1 * G2)
    np.testing.assert_allclose(theta, expected, rtol=1e-15)


def test_invscaling_schedule():
    opt = _sgd(schedule="invscaling", power_t=0.25)
    opt.epoch_ends(99)
    assert opt.learning_rate == pytest.approx(0.1 / 100**0.25, rel=1e-15)


def test_constant_schedule_never_changes():
    opt = _sgd()
    opt.epoch_ends(1000)
    assert opt.learning_rate == 0.1
    assert opt.should_stop()


def test_adaptive_schedule_divides_by_five_then_stops():
    opt = _sgd(schedule="adaptive", learning_rate_init=1e-5)
    assert not opt.should_stop()
    assert opt.learning_rate == pytest.approx(2e-6)
    assert not opt.should_stop()
    assert opt.learning_rate == pytest.approx(4e-7)
    assert opt.should_stop()


def test_adam_steps():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    theta = THETA0.copy()
    opt = Adam(3, np.float64, lr, b1, b2, eps)
    opt.step(theta, G1)
    opt.step(theta, G2)

    expected = THETA0.copy()
    m = v = np.zeros(3)
    for t, g in enumerate([G1, G2], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        # The textbook form divides by sqrt(v_hat) + eps; the implementation
        # folds the bias corrections into the rate, which moves eps by the
        # factor sqrt(1 - b2**t): the same step up to that scaled epsilon.
        expected -= lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
    np.testing.assert_allclose(theta, expected, rtol=1e-13)
    assert opt.t == 2
    # The first Adam step has size lr in every coordinate:
    # m_hat / sqrt(v_hat) = sign(g).
    theta = THETA0.copy()
    Adam(3, np.float64, lr, b1, b2, 0.0).step(theta, G1)
    np.testing.assert_allclose(theta, THETA0 - lr * np.sign(G1), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optimisers_keep_the_parameters_dtype(dtype):
    for opt in [
        _sgd(momentum=0.9, nesterov=True),
        Adam(3, dtype, 0.1, 0.9, 0.99, 1e-8),
    ]:
        theta = THETA0.astype(dtype)
        opt.step(theta, G1.astype(dtype))
        assert theta.dtype == dtype


def test_lbfgs_minimises_a_quadratic():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])

    def fun_and_grad(x):
        return 0.5 * x @ A @ x - b @ x, A @ x - b

    result = minimize_lbfgs(
        fun_and_grad, np.zeros(2), max_iter=100, max_fun=1000, tol=1e-10
    )
    np.testing.assert_allclose(result.x, np.linalg.solve(A, b), rtol=1e-8)
    assert result.status == 0


def _rosenbrock(x):
    """A non-convex objective whose line searches backtrack."""
    f = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return float(f), g


def _both_ways(monkeypatch, **limits):
    """minimize_lbfgs through scipy's routine directly and through minimize."""
    results = []
    for direct in (True, False):
        if not direct:
            monkeypatch.setattr(_optimizers, "_LBFGSB", None)
        seen = []

        def callback(x, loss, seen=seen):
            seen.append((x.copy(), loss))
            if len(seen) == limits.get("stop_after"):
                raise StopIteration

        result = minimize_lbfgs(
            _rosenbrock,
            np.linspace(-1.2, 1.0, 7),
            max_iter=limits.get("max_iter", 1000),
            max_fun=limits.get("max_fun", 15000),
            tol=limits.get("tol", 1e-9),
            callback=callback,
        )
        results.append((result, seen))
    return results


@pytest.mark.skipif(
    _optimizers._LBFGSB is None, reason="scipy's L-BFGS-B routine is not the known one"
)
@pytest.mark.parametrize(
    "limits",
    [{}, {"max_iter": 7}, {"max_fun": 12}, {"tol": 1e-2}, {"stop_after": 5}],
    ids=["converges", "max_iter", "max_fun", "tol", "callback stops"],
)
def test_direct_lbfgsb_loop_equals_scipy_minimize(monkeypatch, limits):
    (direct, seen_direct), (scipy_path, seen_scipy) = _both_ways(monkeypatch, **limits)
    np.testing.assert_array_equal(direct.x, scipy_path.x)
    assert direct.fun == scipy_path.fun
    assert direct.nit == scipy_path.nit > 0
    assert direct.stopped_by_callback == scipy_path.stopped_by_callback
    if not direct.stopped_by_callback:  # minimize then reports its own status
        assert direct.status == scipy_path.status
        assert direct.message == scipy_path.message
    assert len(seen_direct) == len(seen_scipy) == direct.nit
    for (x1, f1), (x2, f2) in zip(seen_direct, seen_scipy, strict=True):
        np.testing.assert_array_equal(x1, x2)
        assert f1 == f2


def test_lbfgs_reports_why_it_stopped():
    result = minimize_lbfgs(
        _rosenbrock, np.linspace(-1.2, 1.0, 7), max_iter=3, max_fun=15000, tol=1e-9
    )
    assert (result.nit, result.status) == (3, 1)
    assert "ITERATIONS REACHED LIMIT" in result.message.upper()
    assert not result.stopped_by_callback
