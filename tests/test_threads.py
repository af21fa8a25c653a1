"""The BLAS thread rule, and that it holds only during the estimator's calls."""

import threading

import numpy as np
import pytest
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_info, threadpool_limits

from sknnscratch import ScratchMLPClassifier, _estimator, _threads
from sknnscratch._kernels import Backprop

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def blas_threads_now():
    return [
        lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"
    ]


@pytest.fixture
def two_blas_threads():
    """Two BLAS threads for the test (the session runs on one, see conftest)."""
    with threadpool_limits(2, user_api="blas"):
        if max(blas_threads_now(), default=1) < 2:
            pytest.skip("this machine's BLAS runs a single thread")
        yield blas_threads_now()


def test_the_rule_gives_small_products_one_thread():
    assert _threads.blas_threads(20_000, [13, 8, 1]) == 1
    assert _threads.blas_threads(1_000_000, [13, 8, 1]) == 1
    assert _threads.blas_threads(200, [13, 1024, 1]) == 1
    assert _threads.blas_threads(20_000, [13, 128, 1]) == 1


def test_the_rule_leaves_wide_long_products_to_the_process_setting():
    assert _threads.blas_threads(20_000, [13, 512, 1]) is None
    assert _threads.blas_threads(1_000_000, [13, 128, 1]) is None


def _threads_decided(monkeypatch, model, X, y, partial=False):
    """The thread count a fit decides (its training skipped)."""
    requested = []
    real = _estimator.limit_blas_threads
    monkeypatch.setattr(_estimator, "train", lambda *args, **kwargs: [])
    monkeypatch.setattr(
        _estimator,
        "limit_blas_threads",
        lambda n_threads: (requested.append(n_threads), real(n_threads))[1],
    )
    if partial:
        model.partial_fit(X, y, classes=[0, 1])
    else:
        model.fit(X, y)
    return requested[0]


def test_the_rows_of_a_product_are_the_batch_for_stochastic_solvers(monkeypatch):
    X = np.zeros((100_000, 13))
    y = np.arange(100_000) % 2
    wide = dict(hidden_layer_sizes=(512,))

    def threads(partial=False, **params):
        model = ScratchMLPClassifier(**params)
        return _threads_decided(monkeypatch, model, X, y, partial)

    assert threads(solver="lbfgs", **wide) is None
    assert threads(solver="adam", **wide) == 1
    # solver='auto' takes Adam (one batch per product) for 100 000 rows,
    # and for partial_fit.
    assert threads(**wide) == 1
    assert threads(partial=True, **wide) == 1
    assert threads(solver="sgd", batch_size=20_000, **wide) is None
    assert threads() == 1


@pytest.fixture
def threads_seen_by_backprop(monkeypatch):
    """The BLAS thread counts in force at every forward and backward pass."""
    seen = []
    real = Backprop.__call__

    def observed(self, *args, **kwargs):
        seen.append(blas_threads_now())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Backprop, "__call__", observed)
    return seen


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_fit_and_predict_run_on_one_thread_and_restore_the_setting(
    two_blas_threads, threads_seen_by_backprop, monkeypatch, solver
):
    X, y = make_classification(300, 13, random_state=0)
    seen = threads_seen_by_backprop
    model = ScratchMLPClassifier(solver=solver, max_iter=5).fit(X, y)
    assert blas_threads_now() == two_blas_threads
    assert seen and all(max(threads) == 1 for threads in seen)
    if solver == "adam":
        seen.clear()
        model.partial_fit(X, y)
        assert seen and all(max(threads) == 1 for threads in seen)
        assert blas_threads_now() == two_blas_threads

    inside = []
    real_limit = _estimator.limit_blas_threads

    def observed_limit(n_threads):
        context = real_limit(n_threads)

        class Recording:
            def __enter__(self):
                result = context.__enter__()
                inside.append(blas_threads_now())
                return result

            def __exit__(self, *exc):
                return context.__exit__(*exc)

        return Recording()

    monkeypatch.setattr(_estimator, "limit_blas_threads", observed_limit)
    for method in ("predict", "predict_proba", "predict_log_proba", "score"):
        inside.clear()
        args = (X, y) if method == "score" else (X,)
        getattr(model, method)(*args)
        assert inside and all(max(threads) == 1 for threads in inside), method
        assert blas_threads_now() == two_blas_threads


def test_a_failing_fit_restores_the_setting(two_blas_threads, monkeypatch):
    X, y = make_classification(300, 13, random_state=0)

    def fails(self, *args, **kwargs):
        assert max(blas_threads_now()) == 1
        raise RuntimeError("boom")

    monkeypatch.setattr(Backprop, "__call__", fails)
    with pytest.raises(RuntimeError, match="boom"):
        ScratchMLPClassifier(max_iter=5).fit(X, y)
    assert blas_threads_now() == two_blas_threads
    with pytest.raises(ValueError):
        ScratchMLPClassifier().fit(X[:, :0], y)  # fails in validation
    assert blas_threads_now() == two_blas_threads


def test_a_custom_scorer_sees_the_limited_count(two_blas_threads):
    X, y = make_classification(300, 13, random_state=0)
    seen = []

    def scorer(estimator, X_val, y_val):
        seen.append(blas_threads_now())
        return float(np.mean(estimator.predict(X_val) == y_val))

    model = ScratchMLPClassifier(
        solver="adam", max_iter=5, early_stopping=True, scoring=scorer
    )
    model.fit(X, y)
    assert seen and all(max(threads) == 1 for threads in seen)
    assert blas_threads_now() == two_blas_threads


def test_wide_networks_keep_the_process_setting(
    two_blas_threads, threads_seen_by_backprop, monkeypatch
):
    monkeypatch.setattr(_threads, "MANY_MULTIPLY_ADDS", 0)
    X, y = make_classification(300, 13, random_state=0)
    seen = threads_seen_by_backprop
    ScratchMLPClassifier((_threads.WIDE_LAYER,), max_iter=2).fit(X, y)
    assert seen and all(threads == two_blas_threads for threads in seen)


def test_a_session_limit_is_never_raised():
    with threadpool_limits(1, user_api="blas"):
        before = blas_threads_now()
        with _threads.limit_blas_threads(2):
            assert blas_threads_now() == before
        assert blas_threads_now() == before


def test_concurrent_calls_restore_the_setting_once_all_have_left(two_blas_threads):
    X, y = make_classification(300, 13, random_state=0)
    model = ScratchMLPClassifier(max_iter=20).fit(X, y)
    errors = []

    def work():
        try:
            for _ in range(20):
                model.predict_proba(X)
                ScratchMLPClassifier(max_iter=3).fit(X, y)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert blas_threads_now() == two_blas_threads
