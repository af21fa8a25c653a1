import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import central_differences, fitted_attributes, quiet
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier

from sknnscratch import ScratchMLPClassifier
from sknnscratch._network import pack, unpack

SOLVERS = ["lbfgs", "sgd", "adam"]


def _forward_by_hand(model, X):
    """predict_proba rebuilt from coefs_ and intercepts_ alone."""
    A = X
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        Z = A @ W + b
        A = np.maximum(Z, 0) if i < len(model.coefs_) - 1 else Z
    if Z.shape[1] == 1:
        return np.hstack([1 - expit(Z), expit(Z)])
    return softmax(Z, axis=1)


def test_default_network_is_13_8_1(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(random_state=0).fit(X, y)
    assert [W.shape for W in model.coefs_] == [(13, 8), (8, 1)]
    assert [b.shape for b in model.intercepts_] == [(8,), (1,)]
    assert model.n_layers_ == 3
    assert model.n_outputs_ == 1
    assert model.out_activation_ == "logistic"
    assert model.n_features_in_ == 13
    assert model.score(X, y) > 0.85


@pytest.mark.parametrize("solver", SOLVERS)
def test_predict_proba_is_the_forward_pass_of_the_fitted_weights(
    solver, binary_data, multiclass_data
):
    for X, y in [binary_data, multiclass_data]:
        model = ScratchMLPClassifier(solver=solver, max_iter=30, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        proba = model.predict_proba(X)
        np.testing.assert_allclose(proba, _forward_by_hand(model, X), rtol=1e-12)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_array_equal(
            model.predict(X), model.classes_[proba.argmax(axis=1)]
        )
        np.testing.assert_allclose(
            model.predict_log_proba(X), np.log(proba), rtol=1e-10, atol=1e-12
        )


def test_one_full_batch_sgd_step_moves_weights_by_minus_lr_times_gradient(
    binary_data,
):
    X, y = binary_data
    model = ScratchMLPClassifier(
        solver="sgd",
        momentum=0.0,
        batch_size=X.shape[0],
        shuffle=False,
        alpha=0.0,
        max_iter=1,
        learning_rate_init=0.05,
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)  # initialise
        before = pack(model.coefs_, model.intercepts_)
        units = [13, 8, 1]

        def mean_cross_entropy(theta):
            # An independent objective: scikit-learn's log_loss of the
            # probabilities computed from the weights by hand.
            probe = clone(model)
            probe.coefs_, probe.intercepts_ = unpack(theta, units)
            return log_loss(y, _forward_by_hand(probe, X)[:, 1])

        gradient = central_differences(mean_cross_entropy, before)
        model.fit(X, y)  # exactly one full-batch step
    after = pack(model.coefs_, model.intercepts_)
    np.testing.assert_allclose(after - before, -0.05 * gradient, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("solver", SOLVERS)
def test_same_random_state_gives_bit_identical_models(solver, multiclass_data):
    X, y = multiclass_data
    fits = []
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(
                ScratchMLPClassifier(solver=solver, max_iter=20, random_state=3).fit(
                    X, y
                )
            )
    first, second = (pack(m.coefs_, m.intercepts_) for m in fits)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(
    "solver, extra",
    [
        ("lbfgs", {}),
        ("adam", {"learning_rate_init": 0.01}),
        ("sgd", {"learning_rate_init": 0.05, "momentum": 0.9}),
        ("sgd", {"learning_rate": "invscaling", "nesterovs_momentum": False}),
    ],
)
def test_same_settings_train_the_same_network_as_mlpclassifier(
    solver, extra, binary_data, multiclass_data
):
    """Same init draws, shuffles, updates and loss: the weights must agree."""
    for X, y in [binary_data, multiclass_data]:
        params = dict(
            hidden_layer_sizes=(8,),
            solver=solver,
            alpha=1e-3,
            max_iter=15,
            random_state=0,
            **extra,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = ScratchMLPClassifier(**params).fit(X, y)
            theirs = MLPClassifier(**params).fit(X, y)
        np.testing.assert_allclose(
            pack(ours.coefs_, ours.intercepts_),
            pack(theirs.coefs_, theirs.intercepts_),
            rtol=1e-6,
            atol=1e-8,
        )
        assert ours.n_iter_ == theirs.n_iter_
        if solver != "lbfgs":
            np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
        np.testing.assert_allclose(
            ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-6, atol=1e-9
        )


def test_warm_start_continues_from_weights_set_by_hand(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(
        solver="sgd", max_iter=1, batch_size=len(y), shuffle=False, momentum=0.0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        model.coefs_ = [np.zeros((13, 8)), np.zeros((8, 1))]
        model.intercepts_ = [np.zeros(8), np.zeros(1)]
        with pytest.warns(UserWarning, match="It was so from the start"):
            model.set_params(warm_start=True).fit(X, y)
    # From all-zero weights the hidden units are dead (ReLU'(0) = 0); only the
    # output bias moves, by -lr * mean(p - y) with p = 0.5.
    np.testing.assert_array_equal(model.coefs_[0], 0.0)
    np.testing.assert_array_equal(model.coefs_[1], 0.0)
    np.testing.assert_allclose(model.intercepts_[1], [-0.001 * (0.5 - y.mean())])


def test_warm_start_rejects_weights_of_the_wrong_shape(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(warm_start=True, random_state=0).fit(X, y)
    model.coefs_ = [np.zeros((13, 4)), np.zeros((4, 1))]
    with pytest.raises(ValueError, match="coefs_ of shapes"):
        model.fit(X, y)


def test_warm_start_rejects_new_classes(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(warm_start=True, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="same classes"):
        model.fit(X, np.where(y == 1, 2, y))


@pytest.mark.parametrize("solver", SOLVERS)
def test_float32_input_trains_a_float32_network(solver, multiclass_data):
    X, y = multiclass_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ScratchMLPClassifier(solver=solver, max_iter=20, random_state=0)
        model.fit(X.astype(np.float32), y)
    assert all(a.dtype == np.float32 for a in model.coefs_ + model.intercepts_)
    X32 = X.astype(np.float32)
    for method in ["predict_proba", "predict_log_proba", "decision_function"]:
        assert getattr(model, method)(X32).dtype == np.float32


def test_decision_function_gives_the_logits(binary_data, multiclass_data):
    X, y = binary_data
    model = ScratchMLPClassifier(random_state=0).fit(X, y)
    scores = model.decision_function(X)
    assert scores.shape == (len(y),)
    np.testing.assert_allclose(expit(scores), model.predict_proba(X)[:, 1])
    np.testing.assert_array_equal(
        model.predict(X), model.classes_[(scores > 0).astype(int)]
    )

    X, y = multiclass_data
    model = ScratchMLPClassifier(random_state=0).fit(X, y)
    scores = model.decision_function(X)
    assert scores.shape == (len(y), 3)
    np.testing.assert_allclose(softmax(scores, axis=1), model.predict_proba(X))


def test_log_proba_stays_finite_where_proba_rounds_to_zero(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_proba = model.predict_log_proba(X * 1e6)
        proba = model.predict_proba(X * 1e6)
    assert np.isfinite(log_proba).all()
    assert (proba == 0).any()  # the probabilities saturate...
    assert log_proba.min() < -1000  # ...but their logs keep the information


def test_string_labels_and_pandas_input(multiclass_data):
    pd = pytest.importorskip("pandas")
    X, y = multiclass_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = np.array(["cat", "dog", "emu"])[y]
    model = ScratchMLPClassifier(alpha=1.0, random_state=0).fit(frame, labels)
    np.testing.assert_array_equal(model.classes_, ["cat", "dog", "emu"])
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    assert set(model.predict(frame)) <= {"cat", "dog", "emu"}
    assert model.score(frame, labels) > 0.8


def test_multilabel_targets_get_one_sigmoid_per_label():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 5))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] < 0.5]).astype(int)
    model = ScratchMLPClassifier(random_state=0, alpha=0.1).fit(X, Y)
    assert model.out_activation_ == "logistic"
    assert model.n_outputs_ == 3
    proba = model.predict_proba(X)
    assert proba.shape == (150, 3)
    np.testing.assert_array_equal(model.predict(X), (proba > 0.5).astype(int))
    assert (model.predict(X) == Y).mean() > 0.9


def test_sample_weight_zero_equals_dropping_rows(binary_data):
    X, y = binary_data
    weights = np.ones(len(y))
    weights[::3] = 0
    # A strong penalty makes the minimum sharp: L-BFGS then stops at the same
    # point whatever the order in which the rows' losses are summed.
    strong = dict(alpha=13.0, random_state=0)
    weighted = ScratchMLPClassifier(**strong).fit(X, y, sample_weight=weights)
    dropped = ScratchMLPClassifier(**strong).fit(X[weights > 0], y[weights > 0])
    np.testing.assert_allclose(
        weighted.predict_proba(X), dropped.predict_proba(X), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize(
    "sample_weight, message",
    [
        (-np.ones(120), "Negative"),
        (np.zeros(120), "zero"),
        (np.ones(7), "shape"),
        (np.full(120, np.nan), "NaN"),
    ],
)
def test_bad_sample_weights_raise_clear_errors(sample_weight, message, binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match=message):
        ScratchMLPClassifier().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("sizes", [(0,), (8, -1), (2.5,)])
def test_bad_hidden_layer_sizes_raise(sizes, binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        ScratchMLPClassifier(hidden_layer_sizes=sizes).fit(X, y)


def test_no_hidden_layer_is_logistic_regression(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(hidden_layer_sizes=(), random_state=0).fit(X, y)
    assert [W.shape for W in model.coefs_] == [(13, 1)]


def test_predict_before_fit_raises(binary_data):
    with pytest.raises(NotFittedError):
        ScratchMLPClassifier().predict(binary_data[0])


def test_lbfgs_records_a_loss_curve_and_warns_when_it_stops_early(binary_data):
    X, y = binary_data
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        model = ScratchMLPClassifier(alpha=1e-4, max_iter=5, random_state=0).fit(X, y)
    assert model.n_iter_ == 5
    assert len(model.loss_curve_) == 5
    assert model.loss_ == pytest.approx(model.loss_curve_[-1])
    assert all(np.diff(model.loss_curve_) <= 0)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_stochastic_solvers_stop_on_tol_and_record_the_loss(solver, binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(
        solver=solver,
        alpha=1.0,
        learning_rate_init=0.01,
        n_iter_no_change=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    assert model.n_iter_ < model.max_iter
    assert len(model.loss_curve_) == model.n_iter_
    assert model.t_ == model.n_iter_ * len(y)
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.score(X, y) > 0.85


def test_early_stopping_restores_the_best_weights(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(
        solver="adam",
        learning_rate_init=0.01,
        early_stopping=True,
        n_iter_no_change=3,
        random_state=0,
    ).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.best_loss_ is None


def test_partial_fit_runs_one_epoch_and_keeps_the_optimiser(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="adam", random_state=0)
    model.partial_fit(X[:60], y[:60], classes=[0, 1])
    assert model.n_iter_ == 1 and model.t_ == 60
    first_moment = model._training_state.optimizer.moments[0].copy()
    model.partial_fit(X[60:], y[60:])
    assert model._training_state.optimizer.t == 2 * 1  # one minibatch of each call
    # The second step continued from the first step's moment estimates.
    assert not np.array_equal(model._training_state.optimizer.moments[0], first_moment)
    assert np.any(first_moment != 0)
    assert model.t_ == 120


def test_partial_fit_needs_classes_first_and_a_stochastic_solver(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="classes"):
        ScratchMLPClassifier(solver="sgd").partial_fit(X, y)
    assert not hasattr(ScratchMLPClassifier(solver="lbfgs"), "partial_fit")
    model = ScratchMLPClassifier(solver="sgd").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not in classes_"):
        model.partial_fit(X, y + 5)


def test_verbose_prints_the_loss(binary_data, capsys):
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for solver in SOLVERS:
            ScratchMLPClassifier(solver=solver, verbose=True, max_iter=3).fit(X, y)
            assert "Iteration 3, loss = " in capsys.readouterr().out


def test_lbfgs_ignores_early_stopping_and_says_so(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="lbfgs", early_stopping=True, random_state=0)
    with pytest.warns(UserWarning, match="early_stopping=True"):
        model.fit(X, y)
    assert model.validation_scores_ is None
    assert model.best_validation_score_ is None
    assert model.best_loss_ == model.loss_


def test_warm_start_may_switch_solver_and_early_stopping(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(random_state=0, warm_start=True).fit(X, y)
    lbfgs_curve = list(model.loss_curve_)
    model.set_params(solver="adam", early_stopping=True, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.loss_curve_[: len(lbfgs_curve)] == lbfgs_curve
    assert len(model.validation_scores_) == model.n_iter_


@pytest.mark.parametrize("solver", SOLVERS)
def test_sparse_input_trains_the_same_network_as_dense(solver, binary_data):

    X, y = binary_data
    X = np.where(np.abs(X) < 0.5, 0.0, X)  # mostly zeros
    params = dict(solver=solver, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = ScratchMLPClassifier(**params).fit(X, y)
        for container in [sparse.csr_matrix, sparse.csc_array]:
            model = ScratchMLPClassifier(**params).fit(container(X), y)
            np.testing.assert_allclose(
                pack(model.coefs_, model.intercepts_),
                pack(dense.coefs_, dense.intercepts_),
                rtol=1e-7,
                atol=1e-10,
            )
            np.testing.assert_allclose(
                model.predict_proba(container(X)), dense.predict_proba(X), rtol=1e-7
            )


def _failing_scorer(after):
    calls = []

    def scorer(estimator, X, y):
        calls.append(1)
        if len(calls) > after:
            raise ValueError("the scorer fails in the third epoch")
        return estimator.score(X, y)

    return scorer


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_a_failing_refit_leaves_the_model_as_it_was(solver, binary_data):
    X, y = binary_data
    model = quiet(ScratchMLPClassifier(solver=solver, random_state=0), X, y)
    before = fitted_attributes(model)
    coefs = [W.copy() for W in model.coefs_]
    frame = pd.DataFrame(X[:, :5], columns=list("abcde"))
    with pytest.raises(ValueError, match="Unknown label type"):
        # Fails after reading the new columns: the labels are continuous.
        model.fit(frame, np.linspace(0, 1, len(y)))
    if solver == "lbfgs":  # the loss overflows
        with pytest.raises(ValueError, match="diverged"):
            model.fit(X * 1e300, y)
    else:  # the scorer fails in the third epoch
        model.set_params(early_stopping=True, scoring=_failing_scorer(after=2))
        with pytest.raises(ValueError, match="third epoch"):
            model.fit(X, y)
        model.set_params(early_stopping=False, scoring=None)
    assert fitted_attributes(model) == before
    for W, W_before in zip(model.coefs_, coefs, strict=True):
        np.testing.assert_array_equal(W, W_before)
    assert model.n_features_in_ == 13
    assert not hasattr(model, "feature_names_in_")


def test_a_diverging_warm_start_leaves_weights_and_optimiser_unchanged(binary_data):
    X, y = binary_data
    model = quiet(ScratchMLPClassifier(solver="sgd", max_iter=5, warm_start=True), X, y)
    before = fitted_attributes(model)
    velocity = model._training_state.optimizer.velocity.copy()
    with pytest.raises(ValueError, match="diverged"):
        quiet(model, X * 1e30, y)
    assert fitted_attributes(model) == before
    np.testing.assert_array_equal(model._training_state.optimizer.velocity, velocity)
    assert model._training_state.optimizer.velocity.any()


def test_a_failing_partial_fit_leaves_the_model_as_it_was(binary_data):
    X, y = binary_data
    model = ScratchMLPClassifier(solver="sgd").partial_fit(X, y, classes=[0, 1])
    before = fitted_attributes(model)
    with pytest.raises(ValueError, match="not in classes_"):
        model.partial_fit(X, y + 7)
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :3], y)
    assert fitted_attributes(model) == before


class _AdamNetwork(ScratchMLPClassifier):
    """A subclass that fixes some parameters and leaves them out of its own."""

    def __init__(self, hidden_layer_sizes=(4,), alpha=1.0, random_state=None):
        super().__init__(
            hidden_layer_sizes, alpha=alpha, random_state=random_state, solver="adam"
        )


def test_a_subclass_with_fewer_parameters_fits_with_the_ones_it_fixes():
    X, y = make_classification(100, 5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = _AdamNetwork(random_state=0).set_params(alpha=0.5).fit(X, y)
    assert model.solver_ == "adam" and model.coefs_[0].shape == (5, 4)
    assert model.predict(X).shape == (100,)
