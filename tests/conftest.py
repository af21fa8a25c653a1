import os

# scikit-learn's check_array_api_input (run by test_common.py) needs scipy's
# array API mode, which must be switched on before scipy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sknnscratch import ScratchMLPClassifier


def pytest_report_header(config):
    """Which BLAS kernel computes this run's numbers (they differ in last bits)."""
    from threadpoolctl import threadpool_info

    kernels = sorted(
        f"{pool.get('internal_api')} {pool.get('version')}, "
        f"{pool.get('architecture')} kernel"
        for pool in threadpool_info()
        if pool["user_api"] == "blas"
    )
    forced = os.environ.get("OPENBLAS_CORETYPE")
    return (
        "BLAS: "
        + "; ".join(kernels)
        + (f" (OPENBLAS_CORETYPE={forced})" if forced else "")
    )


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """Every test on one BLAS thread: the suite's products are all small.

    Two spinning OpenBLAS threads per test process slow the suite down on a
    busy machine (several times over) and when pytest-xdist runs two
    processes on two cores. Tests that need more threads set them.
    """
    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture
def binary_data():
    X, y = make_classification(
        n_samples=120, n_features=13, n_informative=6, random_state=0
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def multiclass_data():
    X, y = make_classification(
        n_samples=150,
        n_features=6,
        n_informative=4,
        n_classes=3,
        n_clusters_per_class=1,
        random_state=1,
    )
    return StandardScaler().fit_transform(X), y


def quiet(model, *args, method="fit", **kwargs):
    """``model.fit(*args)`` (or another method) without ConvergenceWarnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return getattr(model, method)(*args, **kwargs)


def fitted_attributes(model):
    """Every fitted attribute, pickled: equal bytes mean an unchanged model."""
    public = {k: v for k, v in vars(model).items() if k.endswith("_")}
    return pickle.dumps(public)


def fitted(data, **params):
    """A ScratchMLPClassifier fitted on ``data`` with a moderate penalty."""
    X, y = data
    return ScratchMLPClassifier(random_state=0, alpha=1.0, **params).fit(X, y)


class NoOpCallback:
    """A scikit-learn callback that does nothing: tests override its hooks."""

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        return False


def central_differences(f, theta, eps=1e-6):
    """Gradient of the scalar function f at theta by central differences."""
    grad = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        grad[i] = (f(theta + step) - f(theta - step)) / (2 * eps)
    return grad


# Property tests: a short profile for every run, a long one on request
# (SKNNSCRATCH_HYPOTHESIS=long python -m pytest tests/test_properties.py).
from hypothesis import HealthCheck, settings  # noqa: E402

for profile, max_examples in (("ci", 20), ("long", 500)):
    settings.register_profile(
        profile,
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
settings.load_profile(os.environ.get("SKNNSCRATCH_HYPOTHESIS", "ci"))


def kernel_loss_and_gradients(
    X,
    Y,
    coefs,
    intercepts,
    *,
    sample_weight=None,
    penalty_weight=None,
    activation,
    out_activation,
    alpha,
):
    """One pass of the training kernel (``_kernels.Backprop``) on copies of the
    parameters: ``(loss, coef_grads, intercept_grads)`` as
    ``_network.loss_and_gradients`` returns them."""
    from sknnscratch._kernels import Backprop
    from sknnscratch._network import pack, unpack

    units = [coefs[0].shape[0], *(W.shape[1] for W in coefs)]
    theta = pack(coefs, intercepts)
    network = Backprop(
        theta,
        units,
        activation=activation,
        out_activation=out_activation,
        alpha=alpha,
        n_rows=X.shape[0],
    )
    loss = network(X, Y, sample_weight, penalty_weight)
    return (loss, *unpack(network.grad.copy(), units))
