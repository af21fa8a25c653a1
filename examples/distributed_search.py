"""Hyper-parameter search on a Dask cluster, checked against the local run.

GridSearchCV hands its fits to joblib; ``joblib.parallel_backend("dask")``
sends them to the workers of a ``dask.distributed`` cluster instead of local
processes. Without ``--scheduler`` this starts a LocalCluster of 2 worker
processes; with ``--scheduler tcp://host:8786`` the same code runs on a real
cluster. Needs the ``distributed`` extra: ``pip install ".[distributed]"``.

Run: python examples/distributed_search.py [--scheduler ADDRESS] [--quick]
"""

import argparse
import time

import joblib
import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier
from sknnscratch.datasets import load_heart_disease


def make_search(quick=False):
    """A grid search over the heart-disease pipeline's network settings."""
    grid = {
        "scratchmlpclassifier__hidden_layer_sizes": [(4,), (8,)]
        if quick
        else [(4,), (8,), (16,)],
        "scratchmlpclassifier__alpha": [1.0, 13.0] if quick else [0.3, 1.0, 3.0, 13.0],
    }
    pipeline = make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        ScratchMLPClassifier(random_state=0),
    )
    return GridSearchCV(
        pipeline,
        grid,
        scoring="roc_auc",
        cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=0),
        n_jobs=-1,
    )


def run(search, X, y, backend):
    """Fit ``search`` with a joblib backend ('loky' or 'dask'); return seconds."""
    start = time.perf_counter()
    with joblib.parallel_backend(backend):
        search.fit(X, y)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--quick", action="store_true", help="a 2 x 2 grid")
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    X, y = load_heart_disease(return_X_y=True)
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    with client:
        print(f"[1/3] cluster: {client}", flush=True)
        on_dask = make_search(args.quick)
        seconds = run(on_dask, X, y, "dask")
        n_fits = len(on_dask.cv_results_["params"]) * on_dask.n_splits_
        print(f"[2/3] {n_fits} fits on Dask in {seconds:.1f} s", flush=True)
    local = make_search(args.quick)
    seconds = run(local, X, y, "loky")
    print(f"[3/3] the same search with local processes (loky) in {seconds:.1f} s")
    same = local.best_params_ == on_dask.best_params_ and np.array_equal(
        local.cv_results_["mean_test_score"], on_dask.cv_results_["mean_test_score"]
    )
    print(f"best: {on_dask.best_params_}, ROC AUC {on_dask.best_score_:.3f}")
    print(f"Dask and local results identical: {same}")
    return on_dask, local


if __name__ == "__main__":
    main()
