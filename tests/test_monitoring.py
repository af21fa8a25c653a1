"""Watching training (``_monitoring.py``): early stopping, history, verbose
lines, divergence judged across calls, scorers, warnings."""

import copy
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import quiet
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.neural_network import MLPClassifier

import sknnscratch._solvers as solvers
from sknnscratch import ScratchMLPClassifier
from sknnscratch._monitoring import DIVERGENCE_FACTOR


@pytest.fixture
def held_out(monkeypatch):
    """Records the validation rows of every early-stopping fit."""
    seen = []
    real = solvers.ValidationSet

    def recording(X, y, *args, **kwargs):
        seen.append((X, y))
        return real(X, y, *args, **kwargs)

    monkeypatch.setattr(solvers, "ValidationSet", recording)
    return seen


def _best_epoch(scores, losses):
    """The documented rule: best score, ties going to the lower loss."""
    best = 0
    for epoch in range(1, len(scores)):
        if scores[epoch] > scores[best] or (
            scores[epoch] == scores[best] and losses[epoch] < losses[best]
        ):
            best = epoch
    return best


def _early_stopping_model(scoring, n_iter_no_change=5):
    return ScratchMLPClassifier(
        hidden_layer_sizes=(32,),
        solver="adam",
        alpha=1e-4,
        learning_rate_init=0.01,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=n_iter_no_change,
        tol=0.0,
        max_iter=300,
        scoring=scoring,
        random_state=0,
    )


def _noisy_data():
    return make_classification(n_samples=400, n_features=13, flip_y=0.2, random_state=1)


@pytest.mark.parametrize("scoring", ["loss", "roc_auc", None])
def test_early_stopping_stops_at_the_best_epoch_and_restores_it(scoring, held_out):
    X, y = _noisy_data()
    model = _early_stopping_model(scoring).fit(X, y)
    scores, losses = model.validation_scores_, model.validation_loss_curve_
    best_epoch = _best_epoch(scores, losses)
    assert model.best_validation_score_ == scores[best_epoch] == max(scores)
    # It stopped after n_iter_no_change + 1 epochs without improvement.
    assert model.n_iter_ == best_epoch + 1 + model.n_iter_no_change + 1
    assert model.n_iter_ < model.max_iter
    ((X_val, y_val),) = held_out
    assert abs(len(y_val) - 120) <= 2  # validation_fraction=0.3 of 400 rows
    proba = model.predict_proba(X_val)[:, 1]
    expected = {
        "loss": -log_loss(y_val, proba),
        "roc_auc": roc_auc_score(y_val, proba),
        None: np.mean(model.predict(X_val) == y_val),
    }[scoring]
    np.testing.assert_allclose(model.best_validation_score_, expected, rtol=1e-10)
    np.testing.assert_allclose(losses[best_epoch], log_loss(y_val, proba), rtol=1e-10)


def test_accuracy_ties_are_broken_by_the_validation_loss(held_out):
    X, y = _noisy_data()
    model = _early_stopping_model(None, n_iter_no_change=3).fit(X, y)
    scores, losses = model.validation_scores_, model.validation_loss_curve_
    best_epoch = _best_epoch(scores, losses)
    tied = [e for e in range(len(scores)) if scores[e] == scores[best_epoch]]
    assert len(tied) > 1  # accuracy on 120 rows ties
    assert losses[best_epoch] == min(losses[e] for e in tied)


def test_a_warm_start_holds_out_the_same_rows(held_out, binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(
        solver="adam", early_stopping=True, max_iter=3, warm_start=True
    )
    quiet(model, X, y)
    quiet(model, X, y)
    (X1, y1), (X2, y2) = held_out
    np.testing.assert_array_equal(X1, X2)
    assert len(model.validation_scores_) == 6


def test_early_stopping_accepts_a_callable_scorer():
    X, y = _noisy_data()
    seen = []

    def balanced_accuracy(estimator, X_val, y_val):
        seen.append(len(y_val))
        return np.mean(
            [np.mean(estimator.predict(X_val[y_val == c]) == c) for c in (0, 1)]
        )

    model = _early_stopping_model(balanced_accuracy).fit(X, y)
    assert len(set(seen)) == 1 and abs(seen[0] - 120) <= 2
    assert len(seen) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)


def test_a_bad_scorer_name_fails_before_training(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="adam", early_stopping=True, scoring="nope")
    with pytest.raises(ValueError, match="nope"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_history_is_a_table_of_every_epoch():
    X, y = _noisy_data()
    model = _early_stopping_model("loss").fit(X, y)
    history = pd.DataFrame(model.history_)
    assert list(history.columns) == [
        "epoch",
        "train_loss",
        "validation_loss",
        "validation_score",
        "learning_rate",
        "seconds",
    ]
    assert history["epoch"].tolist() == list(range(1, model.n_iter_ + 1))
    assert history["train_loss"].tolist() == model.loss_curve_
    assert history["validation_loss"].tolist() == model.validation_loss_curve_
    assert history["validation_score"].tolist() == model.validation_scores_
    assert (history["seconds"] > 0).all()
    assert (history["learning_rate"] > 0).all()


def test_history_without_early_stopping_and_for_lbfgs(binary_data):
    X, y = binary_data
    sgd = quiet(
        ScratchMLPClassifier(solver="sgd", learning_rate="invscaling", max_iter=4),
        X,
        y,
    )
    rates = [row["learning_rate"] for row in sgd.history_]
    assert rates[0] == 0.001 and rates[1] < rates[0]  # the schedule, epoch by epoch
    assert sgd.validation_loss_curve_ is None
    assert all(row["validation_loss"] is None for row in sgd.history_)
    lbfgs = ScratchMLPClassifier(random_state=0).fit(X, y)
    assert [row["train_loss"] for row in lbfgs.history_] == lbfgs.loss_curve_
    assert len(lbfgs.history_) == lbfgs.n_iter_


def test_verbose_prints_one_line_per_epoch_with_validation_and_best(
    binary_data, capsys
):
    X, y = binary_data
    model = quiet(
        ScratchMLPClassifier(
            solver="adam",
            early_stopping=True,
            max_iter=200,
            tol=1.0,  # no epoch after the first improves by tol: 1 + 4 epochs
            n_iter_no_change=3,
            verbose=True,
            random_state=0,
        ),
        X,
        y,
    )
    lines = capsys.readouterr().out.splitlines()
    epochs = [line for line in lines if line.startswith("Iteration ")]
    assert len(epochs) == model.n_iter_ == 5
    # Every other line is the one that says why training stopped.
    assert len(lines) == model.n_iter_ + 1 and lines[-1].endswith("Stopping.")
    pattern = (
        r"Iteration (\d+), loss = (\S+), validation loss = (\S+), "
        r"score = (\S+)( \(best\))?, \d+\.\d{3} s"
    )
    for row, line in zip(model.history_, epochs, strict=True):
        found = re.fullmatch(pattern, line)
        assert found, line
        assert int(found[1]) == row["epoch"]
        assert float(found[2]) == pytest.approx(row["train_loss"], abs=1e-8)
        assert float(found[3]) == pytest.approx(row["validation_loss"], abs=1e-8)
        assert float(found[4]) == pytest.approx(row["validation_score"], abs=1e-6)
    marked = [
        int(re.match(r"Iteration (\d+)", line)[1])
        for line in epochs
        if "(best)" in line
    ]
    scores = model.validation_scores_
    # The last epoch marked is the one whose weights were restored.
    assert max(scores) == scores[marked[-1] - 1] == model.best_validation_score_
    assert marked == sorted(marked) and marked[0] == 1


def test_verbose_without_validation_prints_loss_and_time(binary_data, capsys):
    X, y = binary_data
    quiet(ScratchMLPClassifier(solver="sgd", max_iter=3, verbose=True), X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert all(
        re.fullmatch(rf"Iteration {i}, loss = \d+\.\d{{8}}, \d+\.\d{{3}} s", line)
        for i, line in enumerate(lines, start=1)
    ), lines


def test_verbose_says_when_the_adaptive_rate_drops(binary_data, capsys):
    X, y = binary_data
    quiet(
        ScratchMLPClassifier(
            solver="sgd",
            learning_rate="adaptive",
            tol=10.0,  # no epoch improves: the rate drops after each stall
            n_iter_no_change=2,
            max_iter=8,
            verbose=True,
            random_state=0,
        ),
        X,
        y,
    )
    lines = capsys.readouterr().out.splitlines()
    drops = [line for line in lines if "Setting learning rate to 0.0002." in line]
    assert len(drops) == 1 and "for 2 consecutive epochs" in drops[0]


@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="adam", max_iter=5),
        dict(solver="sgd", max_iter=500, learning_rate_init=0.1),
        dict(solver="adam", max_iter=300, learning_rate_init=0.01),
        dict(solver="lbfgs", max_iter=5),
        dict(solver="lbfgs", max_iter=1000),
    ],
)
def test_convergence_warning_exactly_when_mlpclassifier_gives_it(settings, binary_data):
    X, y = binary_data
    warned = []
    for cls in (ScratchMLPClassifier, MLPClassifier):
        model = cls(hidden_layer_sizes=(8,), alpha=1e-4, random_state=0, **settings)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X, y)
        warned.append(sum(w.category is ConvergenceWarning for w in caught))
    assert warned[0] == warned[1]


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_divergence_raises_a_clear_error_without_runtime_warnings(solver, binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(
        solver=solver, learning_rate_init=1e3, alpha=1e-4, max_iter=50
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning first
        with pytest.raises(ValueError, match=r"diverged in epoch \d+.*StandardScaler"):
            model.fit(X * 1e6, y)
    assert not hasattr(model, "loss_")


def test_mlpclassifier_returns_an_exploded_loss_silently(binary_data):
    # The behaviour our divergence check replaces (scikit-learn issue #17925).
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(
            solver="sgd", learning_rate_init=10.0, alpha=1e-4, max_iter=50
        ).fit(X * 1e6, y)
    assert not model.loss_ < DIVERGENCE_FACTOR


def test_convergence_warnings_point_at_the_callers_line(binary_data):
    X, y = binary_data
    for solver in ("lbfgs", "adam"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            ScratchMLPClassifier(solver=solver, max_iter=2).fit(X, y)
        assert caught[0].filename == __file__


# ------------------------------------------------- divergence across calls


def _diverging(model, call, X, y):
    """Call ``call`` up to 200 times; the error it ends with, if any."""
    for _ in range(200):
        try:
            call(model, X, y)
        except ValueError as error:
            return error
    return None


@pytest.mark.parametrize(
    "call",
    [
        lambda m, X, y: m.partial_fit(X, y, classes=[0, 1]),
        lambda m, X, y: quiet(m.set_params(warm_start=True, max_iter=1), X, y),
    ],
    ids=["partial_fit", "warm start"],
)
def test_divergence_is_caught_across_calls_as_within_one(call):
    solver = "sgd"
    X, y = make_classification(300, 13, random_state=0)  # unscaled
    model = ScratchMLPClassifier(solver=solver, learning_rate_init=5.0, random_state=0)
    error = _diverging(model, call, X, y)
    assert error is not None and "diverged in epoch" in str(error)
    # The epoch named is the one of history_ (counted across calls).
    assert f"epoch {len(model.history_) + 1}:" in str(error)
    assert len(model.history_) > 1
    for array in (*model.coefs_, *model.intercepts_):
        assert np.isfinite(array).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(model.predict_proba(X)).all()
        assert np.isfinite(model.predict_log_proba(X)).all()


def test_lbfgs_stops_on_a_non_finite_loss(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="diverged in L-BFGS iteration 1"):
        ScratchMLPClassifier(alpha=0.0).fit(X * 1e300, y)


def test_the_divergence_reference_is_the_runs_first_loss(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="sgd", max_iter=3, warm_start=True)
    quiet(model, X, y)
    first = model.history_[0]["train_loss"]
    quiet(model, X, y)
    # The first batch's loss: with one batch per epoch, the first epoch's.
    assert model._training_state.divergence_reference == pytest.approx(first)


# ------------------------------------------------------------------ scorers


@pytest.mark.parametrize(
    "returned",
    [np.nan, np.inf, -np.inf, np.array([0.5, 0.5]), "good", None],
    ids=["nan", "inf", "-inf", "array", "string", "None"],
)
def test_a_scorer_must_return_one_finite_number(returned, binary_data):
    X, y = binary_data

    def odd_scorer(estimator, X_val, y_val):
        return returned

    model = ScratchMLPClassifier(solver="adam", early_stopping=True, scoring=odd_scorer)
    with pytest.raises(ValueError, match="odd_scorer.*one finite number"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


class CopyingScorer:
    """A validation scorer that keeps a copy of every model it scores."""

    def __init__(self, how):
        self.how, self.seen = how, []

    def __getstate__(self):  # a copy of the model need not carry the others
        return {"how": self.how, "seen": []}

    def __call__(self, estimator, X_val, y_val):
        if self.how == "deepcopy":
            self.seen.append(copy.deepcopy(estimator))
        else:
            self.seen.append(pickle.loads(pickle.dumps(estimator)))
        return estimator.score(X_val, y_val)


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_scorer_sees_a_consistent_fitted_model(how, binary_data):
    X, y = binary_data
    scorer = CopyingScorer(how)
    model = ScratchMLPClassifier(
        solver="sgd", early_stopping=True, scoring=scorer, max_iter=4, random_state=0
    )
    quiet(model, X, y)
    assert len(scorer.seen) == 4
    for epoch, copied in enumerate(scorer.seen, start=1):
        # The model of the epoch being scored: it has completed epoch - 1.
        assert copied.n_iter_ == len(copied.loss_curve_) == len(copied.history_)
        assert copied.n_iter_ == epoch - 1
        assert len(copied.validation_scores_) == epoch - 1
        assert np.isfinite(copied.predict_proba(X)).all()


# ------------------------------------------------------------------ warnings


def test_warnings_point_at_the_callers_line_whatever_the_path(binary_data):
    X, y = binary_data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ScratchMLPClassifier(solver="sgd", batch_size=1000, max_iter=1).fit(X, y)
        ScratchMLPClassifier(solver="adam").partial_fit(X, y, classes=[0, 1])
    assert caught and all(w.filename == __file__ for w in caught)


def test_divergence_from_tiny_sample_weights_names_the_penalty(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="sgd", random_state=0)
    with pytest.raises(ValueError, match="sample weights sum to .* lower alpha"):
        model.partial_fit(X, y, sample_weight=1e-300 * np.ones(len(y)), classes=[0, 1])
    assert not hasattr(model, "coefs_")


# --------------------------------------------------------------- collapse

XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 1, 1, 0])


def _collapse_warnings(caught):
    return [w for w in caught if "collapsed" in str(w.message)]


def test_the_4_point_xor_with_defaults_learns_or_says_it_collapsed():
    X, y = XOR
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = ScratchMLPClassifier(random_state=0).fit(X, y)
    collapsed = _collapse_warnings(caught)
    assert (model.predict(X) == y).all() or collapsed
    if collapsed:
        assert f"alpha={model.alpha:g} on 4 rows" in str(collapsed[0].message)


def test_a_strong_penalty_on_the_xor_warns_with_its_strength():
    X, y = XOR
    with pytest.warns(UserWarning, match="collapsed") as caught:
        ScratchMLPClassifier(alpha=13, random_state=0).fit(X, y)
    message = str(_collapse_warnings(caught)[0].message)
    assert "effective strength alpha * n / sum(sample_weight) = 13" in message
    assert "Lower alpha" in message and caught[0].filename == __file__


def test_normalised_sample_weights_that_collapse_the_network_say_so(binary_data):
    X, y = binary_data
    weights = np.full(len(y), 1 / len(y))
    model = ScratchMLPClassifier(alpha=1.0, random_state=0)
    with pytest.warns(UserWarning, match="collapsed") as caught:
        model.fit(X, y, sample_weight=weights)
    message = str(_collapse_warnings(caught)[0].message)
    assert f"= {len(y):.3g}" in message  # alpha * n / 1
    assert "sum to the number of rows" in message
    # The advice works: the same weights scaled to sum to n learn.
    scaled = ScratchMLPClassifier(alpha=1.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaled.fit(X, y, sample_weight=weights * len(y))
    assert scaled.score(X, y) > 0.9


def test_adaboost_with_a_collapsing_network_is_told_why():
    from sklearn.ensemble import AdaBoostClassifier

    # Imbalanced, so that the collapsed network is better than chance and
    # AdaBoost goes on.
    X, y = make_classification(n_samples=200, weights=[0.7], random_state=0)
    boost = AdaBoostClassifier(ScratchMLPClassifier(random_state=0), n_estimators=2)
    with pytest.warns(UserWarning, match="instead of normalised ones"):
        boost.fit(X, y)


def test_a_healthy_fit_does_not_warn(binary_data):
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ScratchMLPClassifier(alpha=1.0, random_state=0).fit(X, y)


def test_a_single_class_left_by_zero_weights_is_no_collapse(binary_data):
    # Every row of positive weight is of class 1: the same prediction for
    # every input is the answer, not a penalty that outweighs the data.
    X, y = binary_data
    weights = (y == 1).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ScratchMLPClassifier(random_state=0).fit(X, y, sample_weight=weights)
    assert (model.predict(X) == 1).all()
    # One row of the other class with weight is data again, which a penalty
    # strong for 61 units of weight flattens (alpha / S = 1.6)...
    weights[np.flatnonzero(y == 0)[0]] = 1.0
    with pytest.warns(UserWarning, match="collapsed"):
        ScratchMLPClassifier(alpha=100, random_state=0).fit(X, y, sample_weight=weights)
    # ... but too little signal to blame a moderate one: predicting its
    # share (1 in 61) for every row is as good as the data allow.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ScratchMLPClassifier(alpha=13, random_state=0).fit(X, y, sample_weight=weights)


def test_a_collapse_without_penalty_points_at_dead_units(binary_data):
    X, y = binary_data
    model = quiet(ScratchMLPClassifier(alpha=0, max_iter=1, random_state=0), X, y)
    model.intercepts_[0][:] = -1e3  # no hidden unit can respond any more
    model.set_params(warm_start=True, max_iter=5)
    with pytest.warns(UserWarning, match="no hidden unit responds"):
        quiet(model, X, y)
