"""Beyond one process: Dask search, out-of-core training, persistence, ONNX."""

import importlib.util
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
pytestmark = pytest.mark.skipif(not EXAMPLES.exists(), reason="needs the source")


def _example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------- Dask


@pytest.mark.slow
def test_a_dask_search_equals_the_local_one():
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    example = _example("distributed_search")
    from sknnscratch.datasets import load_heart_disease

    X, y = load_heart_disease(return_X_y=True)
    local = example.make_search(quick=True)
    example.run(local, X, y, "loky")
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):
        on_dask = example.make_search(quick=True)
        example.run(on_dask, X, y, "dask")
    assert on_dask.best_params_ == local.best_params_
    for key in ("mean_test_score", "split0_test_score", "rank_test_score"):
        np.testing.assert_array_equal(on_dask.cv_results_[key], local.cv_results_[key])


# ------------------------------------------------------------- out of core


def test_out_of_core_training_matches_an_in_memory_fit(tmp_path):
    example = _example("out_of_core")
    path = tmp_path / "train.csv"
    example.write_csv(path, 30_000, chunksize=10_000)
    assert path.stat().st_size > 2**21  # a few MB
    params = dict(hidden_layer_sizes=(16,), alpha=1e-4, learning_rate_init=0.003)
    scaler, streamed = example.fit_out_of_core(
        path, chunksize=5_000, epochs=3, verbose=False, **params
    )
    X, y = next(example.chunks(path, chunksize=10**6))  # all of it, for comparison
    in_memory = make_pipeline(
        StandardScaler(),
        ScratchMLPClassifier(solver="adam", max_iter=3, random_state=0, **params),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        in_memory.fit(X, y)
    X_test, y_test = example.generate(20_000, seed=10**9)
    streamed_accuracy = streamed.score(scaler.transform(X_test), y_test)
    assert streamed_accuracy > 0.75
    assert abs(streamed_accuracy - in_memory.score(X_test, y_test)) <= 0.02
    np.testing.assert_allclose(scaler.mean_, X.mean(axis=0), atol=1e-10)


@pytest.mark.slow
def test_out_of_core_memory_does_not_grow_with_the_file(tmp_path):
    example = _example("out_of_core")
    peaks = []
    for n_rows in (10_000, 40_000):
        path = tmp_path / f"{n_rows}.csv"
        example.write_csv(path, n_rows, chunksize=10_000)
        tracemalloc.start()
        example.fit_out_of_core(path, chunksize=5_000, epochs=1, verbose=False)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.3 * peaks[0]  # 4 times the rows, about the same peak


def test_out_of_core_example_prints_a_line_per_chunk(capsys):
    accuracy, _ = _example("out_of_core").main(
        ["--rows", "20000", "--chunksize", "5000", "--epochs", "2"]
    )
    out = capsys.readouterr().out
    assert out.count("epoch 2/2, chunk") == 4
    assert accuracy > 0.7


# -------------------------------------------------------------------- ONNX


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("in_pipeline", [False, True])
def test_onnx_probabilities_match(activation, n_classes, in_pipeline):
    pytest.importorskip("skl2onnx")
    rt = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx

    import sknnscratch.onnx  # noqa: F401  (registers the converter)

    X, y = make_classification(
        n_samples=200,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        random_state=0,
    )
    network = ScratchMLPClassifier((5, 4), activation=activation, random_state=0)
    model = make_pipeline(StandardScaler(), network) if in_pipeline else network
    X = (X * 10 if in_pipeline else X).astype(np.float32)
    model.fit(X, y)
    onnx_model = to_onnx(model, X[:1], options={id(network): {"zipmap": False}})
    session = rt.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(None, {session.get_inputs()[0].name: X})
    np.testing.assert_allclose(proba, model.predict_proba(X), atol=1e-5)
    np.testing.assert_array_equal(labels, model.predict(X))
