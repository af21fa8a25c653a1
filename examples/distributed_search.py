"""Hyper-parameter search on a Dask cluster, checked against the local run
=======================================================================

``GridSearchCV`` hands its fits to joblib, and ``joblib.parallel_backend("dask")``
sends them to the workers of a ``dask.distributed`` cluster instead of local
processes; the estimator needs nothing special for that.

The search tunes the heart-disease pipeline (median imputation, scaling, then
``ScratchMLPClassifier(random_state=0)``, L-BFGS) over ``hidden_layer_sizes``
(4, 8 or 16 units) and ``alpha`` (0.3, 1, 3 or 13): 12 candidates scored by
ROC AUC on the same 5 ``StratifiedKFold(shuffle=True, random_state=0)`` folds
of the 303 patients, 60 fits (``--quick``: 4, 8 units and alpha 1, 13, 20
fits). Without ``--scheduler`` it starts a ``LocalCluster`` of 2 worker
processes with one thread each; with ``--scheduler tcp://host:8786`` the same
code runs on that cluster. It then runs the same search with local processes
(joblib's loky backend) and prints the number of fits and the time of each
run, the best candidate and its ROC AUC, and whether the two runs gave
identical results.

It needs the ``distributed`` extra (``pip install "sknnscratch[distributed]"``),
draws nothing, writes no file and takes about 15 seconds on two cores. Run::

    python examples/distributed_search.py [--scheduler ADDRESS] [--quick]
"""

import argparse
import sys
import time

import joblib
import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier
from sknnscratch.datasets import load_heart_disease

# sphinx_gallery_thumbnail_path = "figures/thumbnails/distributed_search.png"


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
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, for example tcp://host:8786 "
        "(default: start a LocalCluster of 2 worker processes, 1 thread each)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a 2 x 2 grid (4 or 8 units, alpha 1 or 13): 20 fits instead of 60 "
        "(default: off)",
    )
    args = parser.parse_args(argv)
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as error:
        # error.name is None when dask is there but its distributed part is not.
        missing = (error.name or "distributed").split(".")[0]
        sys.exit(
            f"distributed_search.py needs {missing}: "
            'pip install "sknnscratch[distributed]"'
        )

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
    best = ", ".join(
        f"{name.rpartition('__')[2]}={value}"
        for name, value in sorted(on_dask.best_params_.items(), reverse=True)
    )
    print(f"best: {best}, ROC AUC {on_dask.best_score_:.3f}")
    print(f"Dask and local results identical: {same}")
    return on_dask, local


if __name__ == "__main__":
    main()
