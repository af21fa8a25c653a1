"""The estimator where users put MLPClassifier: pipelines, searches, CV."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknnscratch import ScratchMLPClassifier


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.mark.slow
def test_grid_search_in_a_pipeline_over_mlpclassifier_parameter_names(iris):
    X, y = iris
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", ScratchMLPClassifier())])
    grid = GridSearchCV(
        pipe,
        {
            "mlp__hidden_layer_sizes": [(4,), (8,)],
            "mlp__alpha": [1e-3, 1.0],
            "mlp__activation": ["relu", "tanh"],
            "mlp__random_state": [0],
        },
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        n_jobs=2,
    ).fit(X, y)
    assert grid.best_score_ > 0.9
    assert len(grid.cv_results_["params"]) == 8
    assert grid.best_estimator_.score(X, y) > 0.95


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_cross_val_score_on_iris(iris, solver):
    X, y = iris
    model = make_pipeline(
        StandardScaler(),
        ScratchMLPClassifier(
            solver=solver, learning_rate_init=0.01, alpha=1.0, random_state=0
        ),
    )
    scores = cross_val_score(
        model, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0)
    )
    assert scores.mean() > 0.9


def test_clone_keeps_parameters_and_drops_the_fit(iris):
    X, y = iris
    model = ScratchMLPClassifier(hidden_layer_sizes=(5,), alpha=0.5, random_state=2)
    model.fit(X, y)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "coefs_")
    np.testing.assert_array_equal(
        copy.fit(X, y).predict_proba(X), model.predict_proba(X)
    )


def test_pandas_frame_with_string_labels_in_a_column_transformer():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {
            "age": rng.normal(50, 10, 200),
            "dose": rng.uniform(0, 5, 200),
            "site": rng.choice(["north", "south", "east"], 200),
        }
    )
    labels = np.where(frame["dose"] + (frame["site"] == "north") > 3, "sick", "well")
    model = make_pipeline(
        make_column_transformer(
            (StandardScaler(), ["age", "dose"]), (OneHotEncoder(), ["site"])
        ),
        ScratchMLPClassifier(alpha=0.1, random_state=0),
    ).fit(frame, labels)
    assert set(model.predict(frame)) == {"sick", "well"}
    assert model.score(frame, labels) > 0.9
