"""The CV estimators: the networks with their L2 penalty chosen by cross-validation.

:class:`ScratchMLPClassifierCV` and :class:`ScratchMLPRegressorCV`, the
scikit-learn pattern of ``LogisticRegressionCV`` and ``RidgeCV``: the search
(a warm path of penalties on each fold, the choice, the refit along the
path) is shared, in ``_cv_search.py``; each estimator here adds its
parameters, the validation of its targets and its default held-out score,
computed from the held-out outputs: minus the cross-entropy for the
classifier, minus the mean squared error (or Poisson deviance) for the
regressor.
"""

import numpy as np
from scipy.special import xlogy

from sknnscratch._activations import CROSS_ENTROPY, clipped_logits
from sknnscratch._classifier import ScratchMLPClassifier
from sknnscratch._cv_search import (
    BaseScratchMLPCV,
    cv_parameter_constraints,
    held_out_logits,
)
from sknnscratch._namespace import to_numpy
from sknnscratch._regression_targets import validate_regression_data
from sknnscratch._regressor import ScratchMLPRegressor
from sknnscratch._targets import encode_targets, validate_training_data

DEFAULT_ALPHAS = (1e-4, 1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0)
"""The default grid: from nearly no penalty to a strong one, densest from 1 to
30, where most data sets of ``benchmarks/defaults.py`` have their best
penalty."""


class ScratchMLPClassifierCV(BaseScratchMLPCV, ScratchMLPClassifier):
    """ScratchMLPClassifier with the L2 penalty ``alpha`` chosen by cross-validation.

    Each fold trains one network along ``alphas`` from the weakest penalty to
    the strongest, each fit warm-started from the previous one, and scores it
    on the held-out rows after each, every fit stopping after at most 75
    iterations (or epochs): a penalty only needs to be ranked. After the
    first two folds only the best penalty and its neighbours in the grid
    stay in the race (successive halving's idea); the remaining folds start
    their path at the weakest of them. The penalty with the best mean score
    (``alpha_``) is refitted on the whole training set along the same path
    (the penalties still in the race, up to ``alpha_``, each fit now run to
    convergence), so the model returned is trained the way the scored ones
    were. It has every method and attribute of :class:`ScratchMLPClassifier`
    (``coefs_``, ``predict_proba``, ``trace``...); its ``loss_curve_`` and
    ``history_`` cover the whole refit path.

    ``fit`` is all or nothing: until the search and the refit have finished,
    nothing of the estimator changes. An error or a KeyboardInterrupt (Ctrl-C)
    anywhere, in a fold's network, the scorer or the refit, propagates and
    leaves the estimator as it was: fitted as before, or unfitted. Unlike a
    plain ``fit``, whose Ctrl-C keeps the epochs completed, an interrupted
    search has nothing whole to keep.

    A fold that cannot be scored (its held-out rows, or its training rows,
    all of zero sample weight) is left out with a warning that names it, and
    ``alpha`` is chosen on the other folds. A fold whose training rows lack a
    class (a class of a single sample, say) trains on the classes of the
    whole data set, as LogisticRegressionCV's folds do: its network never
    predicts the missing class. A scorer that fails, or returns a non-finite
    score, for a penalty on a fold makes that score NaN with a warning, and
    that penalty is not chosen, as in GridSearchCV; when no penalty is left,
    the error names the scorer.

    The direction of the path matters: started from a strong penalty, whose
    weights are nearly zero, a weak one stays stuck near that symmetric
    point on non-linear data; from weak to strong, each fit starts from a
    network that has already learnt the data's shape. On small non-linear
    data the path also finds better networks than cold fits at the same
    penalty (on two moons, a held-out log loss of 0.13 against 0.26 at
    alpha 0.1). It is not cheaper per fit: a warm start towards a stronger
    penalty needs about as many iterations as a cold one, since the weights
    must shrink; the iteration cap and the dropped penalties save the time.

    Parameters
    ----------
    hidden_layer_sizes, activation, solver, ...
        As in :class:`ScratchMLPClassifier`, except ``alpha`` (chosen) and
        ``warm_start`` (the path warm-starts by design; every ``fit`` starts
        anew). ``scoring`` means the score that chooses ``alpha`` (below); with
        ``early_stopping=True`` the networks stop on that score too.
        ``verbose`` prints each fold's scores along the path and the refit's
        iterations.

    alphas : array-like of float, default=(1e-4, 1e-3, 0.01, 0.1, 0.3, 1, 3, 5, \
            8, 13, 20, 30)
        The penalties to compare; sorted and de-duplicated before use. The
        default is densest from 1 to 30, where most data sets of
        ``benchmarks/defaults.py`` have their best penalty.

    cv : int, cross-validation generator or iterable, default=None
        As in :func:`sklearn.model_selection.cross_val_score`: None means
        5-fold, an int the number of folds (stratified for binary and
        multiclass targets).

    scoring : str, callable or None, default='neg_log_loss'
        The held-out score that chooses ``alpha`` (higher is better): a
        scikit-learn scorer name or a callable ``scorer(estimator, X, y)``
        (with ``sample_weight=`` when weights are given); None means
        accuracy and 'loss' the same as 'neg_log_loss'. Sample weights weigh
        the held-out score. A score that fails or is not finite is NaN, and
        its penalty is not chosen.

    n_jobs : int or None, default=None
        Folds trained in parallel (joblib); None means one at a time.

    refit : bool, default=True
        Whether to refit the best penalty on the whole training set. Without
        it the estimator only reports ``alpha_`` and the scores, and cannot
        predict (it says so, naming ``refit=False``).

    Attributes
    ----------
    alpha_ : float
        The chosen penalty.

    alphas_ : ndarray of shape (n_alphas,)
        The penalties compared, from weakest to strongest.

    scores_ : ndarray of shape (n_alphas, n_splits)
        The held-out score of each penalty on each fold; NaN where a penalty
        was dropped before the fold ran, where the fold was left out (see
        above) or where the scorer failed.

    cv_results_ : dict of ndarray
        ``param_alpha``, ``split{k}_test_score``, ``mean_test_score``,
        ``std_test_score`` and ``rank_test_score`` (over the folds each
        penalty ran; a mean is not finite where a score was not),
        ``n_folds_run``, ``mean_n_iter`` and ``mean_fit_time``, one entry
        per penalty, in the layout of ``GridSearchCV.cv_results_``.

    best_score_ : float
        The mean held-out score of ``alpha_``.

    best_index_ : int
        The index of ``alpha_`` in ``alphas_``.

    n_splits_ : int
        The number of folds.

    refit_time_ : float
        Seconds spent refitting on the whole training set (along the path).

    alpha : float
        ``alpha_`` (read-only): the penalty the fitted network was trained
        with, so that everything written for a ScratchMLPClassifier reads it.

    Other attributes
        The refitted network's, as in :class:`ScratchMLPClassifier`.

    See Also
    --------
    ScratchMLPClassifier : the network with a fixed ``alpha``.
    sklearn.linear_model.LogisticRegressionCV : the same pattern for logistic
        regression.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from sknnscratch import ScratchMLPClassifierCV
    >>> X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    >>> model = ScratchMLPClassifierCV(alphas=[0.01, 1, 30], random_state=0)
    >>> model.fit(X, y).alpha_ < 30
    True
    """

    _parameter_constraints: dict = cv_parameter_constraints(ScratchMLPClassifier)

    # The search's public members, listed in this class's own namespace so
    # that its API page documents them (the pages show a class's own members).
    fit = BaseScratchMLPCV.fit
    partial_fit = vars(BaseScratchMLPCV)["partial_fit"]  # the descriptor itself
    get_metadata_routing = BaseScratchMLPCV.get_metadata_routing
    alpha = BaseScratchMLPCV.alpha
    warm_start = BaseScratchMLPCV.warm_start

    def __init__(
        self,
        hidden_layer_sizes=(8,),
        activation="relu",
        *,
        alphas=DEFAULT_ALPHAS,
        cv=None,
        scoring="neg_log_loss",
        n_jobs=None,
        refit=True,
        solver="auto",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=3000,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.class_weight = class_weight

    _loss_scoring = "neg_log_loss"
    _network_loss_scores_it = True  # the network's 'loss' is the cross-entropy

    def _validated_data(self, network, X, y):
        """The training data, checked and encoded as the network's fit does it."""
        data = validate_training_data(network, X, y)
        if len(data.binarizer.classes_) < 2:
            # Every penalty predicts the one class on every held-out row.
            raise ValueError(
                "ScratchMLPClassifierCV needs samples of at least 2 classes to "
                "compare penalties, but y contains only one class: "
                f"{data.binarizer.classes_.tolist()[0]!r}. ScratchMLPClassifier "
                "accepts a single class."
            )
        return data

    @staticmethod
    def _held_out_loss(estimator, X, y, sample_weight=None):
        """Minus the (weighted) mean cross-entropy: 'neg_log_loss' from the logits.

        The same number as scikit-learn's log loss for binary and multiclass
        targets (summed over the labels for multilabel ones), without its
        clipping, and defined for a fold whose held-out rows hold fewer classes
        than its training rows. ``y`` holds labels the fit validated (held-out
        rows of the same data), so encoding them needs no second check.
        """
        Z = held_out_logits(estimator, X)
        y, sample_weight = to_numpy(y), to_numpy(sample_weight)  # on the host, as Z
        binarizer = estimator._label_binarizer
        Y = encode_targets(
            np.asarray(y), binarizer.classes_, binarizer.y_type_, Z.dtype
        )
        losses = CROSS_ENTROPY[estimator.out_activation_](Z, Y)
        return -float(np.average(losses, weights=sample_weight))


class ScratchMLPRegressorCV(BaseScratchMLPCV, ScratchMLPRegressor):
    """ScratchMLPRegressor with the L2 penalty ``alpha`` chosen by cross-validation.

    The search of :class:`ScratchMLPClassifierCV`, for regression: each fold
    trains one network along ``alphas`` from the weakest penalty to the
    strongest, each fit warm-started from the previous one and stopping
    after at most 75 iterations (or epochs), and scores it on the held-out
    rows after each, by default with minus the mean squared error. After
    the first two folds only the best penalty and its neighbours in the
    grid stay in the race; the remaining folds start their path at the
    weakest of them. The penalty with the best mean score (``alpha_``) is
    refitted on the whole training set along the same path (the penalties
    still in the race, up to ``alpha_``, each fit now run to convergence).
    It has every method and attribute of :class:`ScratchMLPRegressor`
    (``coefs_``, ``predict``, ``score``...); its ``loss_curve_`` and
    ``history_`` cover the whole refit path.

    The folds are plain ``KFold`` ones (no stratification, as
    :func:`sklearn.model_selection.check_cv` makes them for a regressor).
    ``fit`` is all or nothing, as :class:`ScratchMLPClassifierCV`'s: an
    error or a KeyboardInterrupt (Ctrl-C) anywhere, in a fold's network,
    the scorer or the refit, propagates and leaves the estimator as it was.
    A fold that cannot be scored (its held-out or its training rows all of
    zero sample weight) is left out with a warning that names it; a scorer
    that fails, or returns a non-finite score, for a penalty on a fold
    makes that score NaN with a warning, and that penalty is not chosen.

    The squared error grows with the square of the target's scale while the
    penalty does not: a given ``alpha`` is strong for a target of unit
    variance and weak for one in the thousands. The default ``alphas``
    suit standardised targets; wrap the estimator in a
    :class:`~sklearn.compose.TransformedTargetRegressor` with a
    :class:`~sklearn.preprocessing.StandardScaler` (see the example below)
    or scale ``alphas`` with the target's variance.

    Parameters
    ----------
    hidden_layer_sizes, activation, solver, ...
        As in :class:`ScratchMLPRegressor`, except ``alpha`` (chosen) and
        ``warm_start`` (the path warm-starts by design; every ``fit`` starts
        anew). ``scoring`` means the score that chooses ``alpha`` (below); with
        ``early_stopping=True`` the networks stop on that score too.
        ``verbose`` prints each fold's scores along the path and the refit's
        iterations.

    alphas : array-like of float, default=(1e-4, 1e-3, 0.01, 0.1, 0.3, 1, 3, 5, \
            8, 13, 20, 30)
        The penalties to compare; sorted and de-duplicated before use.

    cv : int, cross-validation generator or iterable, default=None
        As in :func:`sklearn.model_selection.cross_val_score`: None means
        5-fold, an int the number of folds (``KFold``, not shuffled).

    loss : {'squared_error', 'poisson'}, default='squared_error'
        The network's loss, as in :class:`ScratchMLPRegressor`; it also
        sets what ``scoring='loss'`` (the default) means.

    scoring : str, callable or None, default='loss'
        The held-out score that chooses ``alpha`` (higher is better): a
        scikit-learn scorer name or a callable ``scorer(estimator, X, y)``
        (with ``sample_weight=`` when weights are given); None means R^2.
        'loss' means minus the mean held-out loss, computed from the
        held-out outputs directly: 'neg_mean_squared_error' with
        ``loss='squared_error'``, 'neg_mean_poisson_deviance' with
        ``loss='poisson'`` (those names mean the same): each output's
        squared errors (Poisson deviances) averaged over the rows, weighted
        by the sample weights, then over the outputs, as
        :func:`sklearn.metrics.mean_squared_error` averages them. A score
        that fails or is not finite is NaN, and its penalty is not chosen.

    n_jobs : int or None, default=None
        Folds trained in parallel (joblib); None means one at a time.

    refit : bool, default=True
        Whether to refit the best penalty on the whole training set. Without
        it the estimator only reports ``alpha_`` and the scores, and cannot
        predict (it says so, naming ``refit=False``).

    Attributes
    ----------
    alpha_ : float
        The chosen penalty.

    alphas_ : ndarray of shape (n_alphas,)
        The penalties compared, from weakest to strongest.

    scores_ : ndarray of shape (n_alphas, n_splits)
        The held-out score of each penalty on each fold; NaN where a penalty
        was dropped before the fold ran, where the fold was left out or
        where the scorer failed.

    cv_results_ : dict of ndarray
        ``param_alpha``, ``split{k}_test_score``, ``mean_test_score``,
        ``std_test_score`` and ``rank_test_score`` (over the folds each
        penalty ran), ``n_folds_run``, ``mean_n_iter`` and
        ``mean_fit_time``, one entry per penalty, in the layout of
        ``GridSearchCV.cv_results_``.

    best_score_ : float
        The mean held-out score of ``alpha_``.

    best_index_ : int
        The index of ``alpha_`` in ``alphas_``.

    n_splits_ : int
        The number of folds.

    refit_time_ : float
        Seconds spent refitting on the whole training set (along the path).

    alpha : float
        ``alpha_`` (read-only): the penalty the fitted network was trained
        with, so that everything written for a ScratchMLPRegressor reads it.

    Other attributes
        The refitted network's, as in :class:`ScratchMLPRegressor`.

    See Also
    --------
    ScratchMLPRegressor : the network with a fixed ``alpha``.
    ScratchMLPClassifierCV : the same search for classification.
    sklearn.linear_model.RidgeCV : the same pattern for ridge regression.

    Examples
    --------
    >>> from sklearn.compose import TransformedTargetRegressor
    >>> from sklearn.datasets import make_friedman1
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknnscratch import ScratchMLPRegressorCV
    >>> X, y = make_friedman1(n_samples=200, noise=0.5, random_state=0)
    >>> model = TransformedTargetRegressor(
    ...     ScratchMLPRegressorCV(alphas=[0.01, 1, 30], random_state=0),
    ...     transformer=StandardScaler(),
    ... )
    >>> model.fit(X, y).regressor_.alpha_ < 30
    True
    """

    _parameter_constraints: dict = cv_parameter_constraints(ScratchMLPRegressor)
    # The network's own 'loss' is the squared error (the Poisson deviance)
    # halved and summed over the outputs: the same ranking, but another scale
    # for ``tol``.
    _network_loss_scores_it = False

    @property
    def _loss_scoring(self):
        """The scikit-learn scorer name ``scoring='loss'`` stands for."""
        return _LOSS_SCORING[self.loss]

    # The search's public members, listed in this class's own namespace so
    # that its API page documents them (the pages show a class's own members).
    fit = BaseScratchMLPCV.fit
    partial_fit = vars(BaseScratchMLPCV)["partial_fit"]  # the descriptor itself
    get_metadata_routing = BaseScratchMLPCV.get_metadata_routing
    alpha = BaseScratchMLPCV.alpha
    warm_start = BaseScratchMLPCV.warm_start

    def __init__(
        self,
        hidden_layer_sizes=(32,),
        activation="relu",
        *,
        alphas=DEFAULT_ALPHAS,
        cv=None,
        scoring="loss",
        n_jobs=None,
        refit=True,
        loss="squared_error",
        solver="auto",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=3000,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.refit = refit
        self.loss = loss
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    def _validated_data(self, network, X, y):
        """The training data, checked as the network's fit checks it."""
        return validate_regression_data(network, X, y)

    @staticmethod
    def _held_out_loss(estimator, X, y, sample_weight=None):
        """Minus the (weighted) mean squared error or Poisson deviance, from
        the held-out outputs.

        scikit-learn's 'neg_mean_squared_error' (identity output) or
        'neg_mean_poisson_deviance' (exponential output, ``loss='poisson'``;
        the deviance ``2 (y_hat - y - y log(y_hat / y))``, twice the
        network's loss, from the logits without overflow): each output's
        errors averaged over the rows (weighted), then the outputs averaged.
        ``y`` holds targets the fit validated (held-out rows of the same
        data). Computed in float64, as scikit-learn computes it; outputs so
        large that their squares overflow give -inf, a score that is never
        chosen.
        """
        Z = held_out_logits(estimator, X).astype(np.float64, copy=False)
        y, sample_weight = to_numpy(y), to_numpy(sample_weight)  # on the host, as Z
        Y = np.asarray(y, dtype=np.float64).reshape(Z.shape)
        if estimator.out_activation_ == "exp":
            Z = clipped_logits(Z)
            deviance = 2 * (np.exp(Z) - Y * Z + xlogy(Y, Y) - Y)
            errors = np.average(deviance, axis=0, weights=sample_weight)
            return -float(np.mean(errors))
        with np.errstate(over="ignore", invalid="ignore"):
            errors = np.average((Z - Y) ** 2, axis=0, weights=sample_weight)
            return -float(np.mean(errors))


_LOSS_SCORING = {
    "squared_error": "neg_mean_squared_error",
    "poisson": "neg_mean_poisson_deviance",
}
"""The scikit-learn scorer name of each ``loss``: what ``scoring='loss'`` means."""
