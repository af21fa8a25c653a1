import ast
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize

import sknnscratch
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


ROSENBROCK_START = np.linspace(-1.2, 1.0, 7)


class _Recorder:
    """Counts objective calls and keeps every iterate a callback sees."""

    def __init__(self, stop_after=None):
        self.n_calls = 0
        self.iterates = []
        self.stop_after = stop_after

    def fun_and_grad(self, x):
        self.n_calls += 1
        return _rosenbrock(x)

    def see(self, x, loss):
        self.iterates.append((x.copy(), loss))
        if len(self.iterates) == self.stop_after:
            raise StopIteration


@pytest.mark.parametrize(
    "limits",
    [{}, {"max_iter": 7}, {"max_fun": 12}, {"tol": 1e-2}, {"stop_after": 5}],
    ids=["converges", "max_iter", "max_fun", "tol", "callback stops"],
)
def test_lbfgs_follows_scipy_minimize_iterate_for_iterate(limits):
    """The same iterates, result, messages and objective calls as scipy's own
    ``minimize(method="L-BFGS-B", jac=True)`` with the same limits."""
    ours = _Recorder(limits.get("stop_after"))
    result = minimize_lbfgs(
        ours.fun_and_grad,
        ROSENBROCK_START,
        max_iter=limits.get("max_iter", 1000),
        max_fun=limits.get("max_fun", 15000),
        tol=limits.get("tol", 1e-9),
        callback=ours.see,
    )
    scipys = _Recorder(limits.get("stop_after"))

    def see(intermediate_result):
        scipys.see(intermediate_result.x, intermediate_result.fun)

    expected = scipy.optimize.minimize(
        scipys.fun_and_grad,
        ROSENBROCK_START,
        method="L-BFGS-B",
        jac=True,
        callback=see,
        options={
            "maxiter": limits.get("max_iter", 1000),
            "maxfun": limits.get("max_fun", 15000),
            "gtol": limits.get("tol", 1e-9),
        },
    )
    np.testing.assert_array_equal(result.x, expected.x)
    assert result.fun == expected.fun
    assert result.nit == expected.nit > 0
    assert (result.status, result.message) == (expected.status, str(expected.message))
    assert ours.n_calls == scipys.n_calls == expected.nfev
    assert result.stopped_by_callback == ("stop_after" in limits)
    assert len(ours.iterates) == len(scipys.iterates) == result.nit
    for (x1, f1), (x2, f2) in zip(ours.iterates, scipys.iterates, strict=True):
        np.testing.assert_array_equal(x1, x2)
        assert f1 == f2


def test_lbfgs_leaves_the_starting_point_as_it_was():
    theta0 = ROSENBROCK_START.copy()
    result = minimize_lbfgs(_rosenbrock, theta0, max_iter=50, max_fun=100, tol=1e-9)
    np.testing.assert_array_equal(theta0, ROSENBROCK_START)
    assert not np.array_equal(result.x, theta0)


def test_lbfgs_reports_why_it_stopped():
    result = minimize_lbfgs(
        _rosenbrock, ROSENBROCK_START, max_iter=3, max_fun=15000, tol=1e-9
    )
    assert (result.nit, result.status) == (3, 1)
    assert "ITERATIONS REACHED LIMIT" in result.message.upper()
    assert not result.stopped_by_callback


def test_a_callback_that_stops_lbfgs_keeps_its_iterate():
    seen = []

    def stop_at_the_fourth(x, loss):
        seen.append((x.copy(), loss))
        if len(seen) == 4:
            raise StopIteration

    result = minimize_lbfgs(
        _rosenbrock,
        ROSENBROCK_START,
        max_iter=1000,
        max_fun=15000,
        tol=1e-9,
        callback=stop_at_the_fourth,
    )
    assert result.stopped_by_callback
    assert result.nit == 4
    np.testing.assert_array_equal(result.x, seen[-1][0])
    assert result.fun == seen[-1][1]
    assert "CALLBACK" in result.message.upper()


@pytest.mark.parametrize("where", ["callback", "objective"])
def test_a_keyboard_interrupt_inside_lbfgs_propagates(where):
    n_calls = 0

    def fun_and_grad(x):
        nonlocal n_calls
        n_calls += 1
        if where == "objective" and n_calls == 6:
            raise KeyboardInterrupt
        return _rosenbrock(x)

    def callback(x, loss):
        if where == "callback":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        minimize_lbfgs(
            fun_and_grad,
            ROSENBROCK_START,
            max_iter=1000,
            max_fun=15000,
            tol=1e-9,
            callback=callback,
        )


def test_the_gradient_is_computed_with_the_objective_once_per_point():
    objective = _Recorder()
    split = _optimizers._SplitObjective(objective.fun_and_grad)
    x, other = ROSENBROCK_START.copy(), ROSENBROCK_START + 0.5
    assert split.loss(x) == _rosenbrock(x)[0]
    np.testing.assert_array_equal(split.gradient(x.copy()), _rosenbrock(x)[1])
    assert objective.n_calls == 1
    # Asked at another point than the last objective's, it is computed there.
    np.testing.assert_array_equal(split.gradient(other), _rosenbrock(other)[1])
    assert objective.n_calls == 2


# Private names of scikit-learn the project accepts (see DESIGN.md).
ACCEPTED_PRIVATE = {"sklearn.utils._param_validation", "sklearn.utils._safe_indexing"}


def _private_uses(tree):
    """Dotted names of scipy or scikit-learn that a module's code uses and that
    have a private part: imported modules and names, attributes of imported
    modules, and modules named to ``importlib.import_module``."""
    modules = {}  # local name -> the dotted name it stands for
    used = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                used.append(alias.name)
                local = alias.asname or alias.name.split(".")[0]
                modules[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                used.append(f"{node.module}.{alias.name}")
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            used.append(str(node.args[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            parts = []
            while isinstance(node, ast.Attribute):
                parts.insert(0, node.attr)
                node = node.value
            if isinstance(node, ast.Name) and node.id in modules:
                used.append(".".join([modules[node.id], *parts]))
    return {
        name
        for name in used
        if name.split(".")[0] in ("scipy", "sklearn")
        and any(_is_private(part) for part in name.split("."))
        and not any(name.startswith(accepted) for accepted in ACCEPTED_PRIVATE)
    }


def _is_private(part):
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def test_the_package_uses_no_private_scipy_or_sklearn_name():
    package = Path(sknnscratch.__file__).parent
    found = {
        str(path.relative_to(package)): sorted(uses)
        for path in sorted(package.rglob("*.py"))
        if (uses := _private_uses(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert found == {}


@pytest.mark.parametrize(
    "source, private",
    [
        ("from scipy.optimize import _lbfgsb_py", "scipy.optimize._lbfgsb_py"),
        ("import scipy.optimize._lbfgsb", "scipy.optimize._lbfgsb"),
        ("import scipy.optimize\nscipy.optimize._minimize", "scipy.optimize._minimize"),
        ("from scipy import optimize as o\no._lbfgsb.setulb", "scipy.optimize._lbfgsb"),
        ("from sklearn.utils.validation import _check_y", "sklearn.utils.validation"),
        ("importlib.import_module('scipy._lib')", "scipy._lib"),
        ("def f():\n    from scipy.optimize import _optimize", "scipy.optimize._opt"),
    ],
)
def test_the_private_name_scan_finds_each_kind_of_use(source, private):
    found = _private_uses(ast.parse(source))
    assert any(name.startswith(private) for name in found), found


def test_the_private_name_scan_accepts_public_and_accepted_names():
    source = """
import scipy.optimize
import sklearn
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval
scipy.optimize.minimize
sklearn.__version__
"""
    assert _private_uses(ast.parse(source)) == set()
