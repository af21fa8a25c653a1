"""How the files beside this one were made, by sknnscratch 0.1.0 (not run by the tests).

``models.pkl.gz`` (a gzipped pickle) and ``models.skops`` hold three fitted
models in the format of 0.1.0, whose training curves and history were lists of
numbers and dicts; ``expected.npz`` holds what 0.1.0 computed from the loaded
models: their probabilities, and the weights and loss curves after one more
``fit`` (warm start) or two ``partial_fit`` calls. ``tests/test_persistence.py``
checks that later versions load these files and continue in the same way.

Run as ``python recipe.py FOLDER`` with the version whose format is to be kept.
"""

import copy
import gzip
import pickle
import sys
import warnings
import zipfile

import numpy as np
import skops.io as sio
from sklearn.exceptions import ConvergenceWarning

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV


def saved_models():
    """The data and the three models, fitted."""
    rng = np.random.RandomState(0)
    X = np.round(rng.normal(size=(40, 3)), 3)
    y_binary = (X[:, 0] + X[:, 1] ** 2 > 0.8).astype(int)
    y_three = np.digitize(X[:, 0] - X[:, 2], [-0.6, 0.6])
    labels = np.array(["no", "yes"])[y_binary]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        models = {
            "adam_early_stopping": ScratchMLPClassifier(
                (3,),
                solver="adam",
                early_stopping=True,
                max_iter=4,
                batch_size=16,
                learning_rate_init=0.05,
                random_state=0,
                warm_start=True,
            ).fit(X, labels),
            "sgd_multiclass": ScratchMLPClassifier(
                (3,),
                solver="sgd",
                learning_rate="invscaling",
                max_iter=3,
                batch_size=16,
                learning_rate_init=0.1,
                random_state=1,
                warm_start=True,
                class_weight={0: 1.0, 1: 2.0, 2: 1.0},
            ).fit(X, y_three),
            "cv": ScratchMLPClassifierCV(
                (2,),
                alphas=[0.1, 1.0],
                cv=2,
                max_iter=4,
                solver="lbfgs",
                random_state=3,
            ).fit(X, y_binary),
        }
    return {
        "X": X,
        "y_binary": y_binary,
        "y_three": y_three,
        "labels": labels,
        "models": models,
    }


TARGETS = {
    "adam_early_stopping": "labels",
    "sgd_multiclass": "y_three",
    "cv": "y_binary",
}


def _flat(model):
    return np.concatenate([a.ravel() for a in model.coefs_ + model.intercepts_])


def expected_outputs(saved):
    """What the loaded models compute: probabilities, then continued training."""
    X, expected = saved["X"], {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, model in saved["models"].items():
            expected[f"{name}/predict_proba"] = model.predict_proba(X)
            if name == "cv":
                continue
            y = saved[TARGETS[name]]
            refit = copy.deepcopy(model).fit(X, y)
            expected[f"{name}/fit/theta"] = _flat(refit)
            expected[f"{name}/fit/loss_curve"] = np.array(refit.loss_curve_)
            streamed = copy.deepcopy(model).set_params(early_stopping=False)
            streamed.partial_fit(X, y)
            streamed.partial_fit(X, y)
            expected[f"{name}/partial_fit/theta"] = _flat(streamed)
            expected[f"{name}/partial_fit/loss_curve"] = np.array(streamed.loss_curve_)
    return expected


if __name__ == "__main__":
    folder = sys.argv[1]
    saved = saved_models()
    with gzip.GzipFile(f"{folder}/models.pkl.gz", "wb", mtime=0) as file:
        pickle.dump(saved, file, protocol=4)
    sio.dump(
        saved,
        f"{folder}/models.skops",
        compression=zipfile.ZIP_DEFLATED,
        compresslevel=9,
    )
    with gzip.open(f"{folder}/models.pkl.gz") as file:
        np.savez_compressed(
            f"{folder}/expected.npz", **expected_outputs(pickle.load(file))
        )
