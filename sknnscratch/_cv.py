"""ScratchMLPClassifierCV: the network with its L2 penalty chosen by cross-validation.

The scikit-learn pattern of ``LogisticRegressionCV`` and ``RidgeCV``. Each
fold trains one network along the path of penalties from the weakest to the
strongest, every fit warm-started from the previous one, and scores it on the
fold's held-out rows after each penalty. After the first folds, penalties
that are neither the best nor next to it are dropped, as successive halving
does, so that the remaining folds start their path at the weakest penalty
still in the race. The best penalty is then refitted on all the data along
the same path, so that the model returned is the kind of model that was
scored.
"""

import time
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from sknnscratch._activations import CROSS_ENTROPY
from sknnscratch._classifier import ScratchMLPClassifier
from sknnscratch._monitoring import warn
from sknnscratch._targets import validate_training_data

DEFAULT_ALPHAS = (1e-4, 1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0)
"""The default grid: from nearly no penalty to a strong one, densest from 1 to
30, where the best penalty of 8 of the 12 data sets of ``benchmarks/defaults.py``
lies."""

PATH_MAX_ITER = 75
"""At most this many iterations (or epochs) for a fit on a fold's path, which
only ranks a penalty; the refit's fits get the full ``max_iter``."""

_FIRST_ROUND = 2
"""Folds run over the whole path before any penalty may be dropped."""

# Parameters of ScratchMLPClassifier the CV estimator does not take: alpha is
# what it chooses, and every fit on the path warm-starts by design.
_NOT_TAKEN = ("alpha", "warm_start")


def _network_parameter_names():
    return [
        name for name in ScratchMLPClassifier().get_params() if name not in _NOT_TAKEN
    ]


def _never(self):
    raise AttributeError(
        "ScratchMLPClassifierCV has no partial_fit: choosing alpha needs the "
        "whole data set. Use ScratchMLPClassifier(alpha=model.alpha_) for "
        "streaming."
    )


class ScratchMLPClassifierCV(ScratchMLPClassifier):
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
        the held-out score.

    n_jobs : int or None, default=None
        Folds trained in parallel (joblib); None means one at a time.

    refit : bool, default=True
        Whether to refit the best penalty on the whole training set. Without
        it the estimator only reports ``alpha_`` and the scores, and cannot
        predict.

    Attributes
    ----------
    alpha_ : float
        The chosen penalty.

    alphas_ : ndarray of shape (n_alphas,)
        The penalties compared, from weakest to strongest.

    scores_ : ndarray of shape (n_alphas, n_splits)
        The held-out score of each penalty on each fold; NaN where a penalty
        was dropped before the fold ran (or where the fold's training rows
        lack a class).

    cv_results_ : dict of ndarray
        ``param_alpha``, ``split{k}_test_score``, ``mean_test_score``,
        ``std_test_score`` and ``rank_test_score`` (over the folds each
        penalty ran), ``n_folds_run``, ``mean_n_iter`` and ``mean_fit_time``,
        one entry per penalty, in the layout of ``GridSearchCV.cv_results_``.

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

    _parameter_constraints: dict = {
        **{
            name: rule
            for name, rule in ScratchMLPClassifier._parameter_constraints.items()
            if name not in _NOT_TAKEN
        },
        "alphas": ["array-like"],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
        "refit": ["boolean"],
    }

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

    @property
    def alpha(self):
        """The chosen penalty ``alpha_`` (read-only; raises before ``fit``)."""
        check_is_fitted(self, "alpha_")
        return self.alpha_

    @property
    def warm_start(self):
        """False: every ``fit`` chooses ``alpha`` anew."""
        return False

    def __sklearn_is_fitted__(self):
        """Fitted once it holds a network (``refit=False`` chooses only)."""
        return hasattr(self, "coefs_")

    @available_if(_never)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Not available: choosing ``alpha`` needs the whole data set."""

    def _network(self, alpha, verbose=False):
        """A ScratchMLPClassifier with these parameters and penalty ``alpha``."""
        params = {name: getattr(self, name) for name in _network_parameter_names()}
        params["verbose"] = verbose
        if not self.early_stopping:
            params["scoring"] = None  # only early stopping would use it
        elif params["scoring"] == "neg_log_loss":
            params["scoring"] = "loss"  # the same measure, computed directly
        return ScratchMLPClassifier(alpha=alpha, **params)

    def fit(self, X, y, sample_weight=None):
        """Choose ``alpha`` by cross-validation, then refit it on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights for training (each fold's training rows) and for the
            held-out scores.

        Returns
        -------
        self : ScratchMLPClassifierCV
            The fitted estimator.
        """
        self._validate_params()
        alphas = np.unique(np.asarray(self.alphas, dtype=np.float64).ravel())
        if alphas.size == 0 or not np.all(np.isfinite(alphas)) or alphas[0] < 0:
            raise ValueError(
                f"alphas must hold at least one finite, non-negative penalty; got "
                f"{self.alphas!r}."
            )
        # Validated the way the network validates (clear errors before any
        # fold runs); the network checks its own copy again.
        probe = self._network(alphas[0])
        probe._validate_params()
        X_checked, y_checked = _validated(probe, X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X_checked)
        folds = list(
            check_cv(self.cv, y_checked, classifier=True).split(X_checked, y_checked)
        )
        # The folds index the validated arrays (any sparse format becomes
        # CSR); a DataFrame is kept, so that its column names travel.
        X_folds = X if hasattr(X, "iloc") else X_checked
        scorer = _scorer(self, self.scoring)

        scores = np.full((alphas.size, len(folds)), np.nan)
        n_iter = np.full_like(scores, np.nan)
        seconds = np.full_like(scores, np.nan)
        alive = np.ones(alphas.size, dtype=bool)
        first = min(_FIRST_ROUND, len(folds))
        rounds = [range(first), range(first, len(folds))]
        for folds_of_round in rounds:
            results = Parallel(n_jobs=self.n_jobs)(
                delayed(_fold_path)(
                    self._network(alphas[0]),
                    alphas[alive],
                    X_folds,
                    y_checked,
                    sample_weight,
                    folds[k],
                    scorer,
                )
                for k in folds_of_round
            )
            for k, (fold_scores, fold_iter, fold_seconds) in zip(
                folds_of_round, results, strict=True
            ):
                if self.verbose:
                    listed = ", ".join(
                        f"{a:g}: {s:.4f}"
                        for a, s in zip(alphas[alive], fold_scores, strict=True)
                    )
                    print(f"Fold {k + 1} of {len(folds)}, scores by alpha: {listed}")
                scores[alive, k] = fold_scores
                n_iter[alive, k] = fold_iter
                seconds[alive, k] = fold_seconds
            alive &= ~_dropped(scores[:, :first])
        self._record(alphas, scores, n_iter, seconds, len(folds))
        if self.refit:
            # The model scored is the one the path reaches: refit along it.
            path = self.alphas_[alive & (self.alphas_ <= self.alpha_)]
            started = time.perf_counter()
            if self.verbose:
                print(f"Chosen alpha {self.alpha_:g}; refit along {path.tolist()}")
            network = _fit_path(
                self._network(path[0], self.verbose), path, X, y, sample_weight
            )
            self.refit_time_ = time.perf_counter() - started
            vars(self).update(
                {k: v for k, v in vars(network).items() if k not in vars(probe)}
            )
        return self

    def _record(self, alphas, scores, n_iter, seconds, n_splits):
        """The fitted attributes of the selection."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
            mean = np.nanmean(scores, axis=1)
            std = np.nanstd(scores, axis=1)
        complete = ~np.isnan(scores).any(axis=1)
        if not complete.any():
            raise ValueError(
                "No penalty could be scored on every fold: the training rows of "
                "some folds lack a class. Use fewer folds (cv) or more data."
            )
        # Only penalties scored on every fold compete; a dropped one keeps the
        # mean of the folds it ran, for the record.
        competing = np.where(complete, mean, -np.inf)
        best = int(np.argmax(competing))
        order = np.argsort(-competing, kind="stable")
        rank = np.empty(alphas.size, dtype=np.int32)
        rank[order] = np.arange(1, alphas.size + 1)
        self.alphas_ = alphas
        self.scores_ = scores
        self.alpha_ = float(alphas[best])
        self.best_index_ = best
        self.best_score_ = float(mean[best])
        self.n_splits_ = n_splits
        results = {"param_alpha": alphas.copy()}
        for k in range(n_splits):
            results[f"split{k}_test_score"] = scores[:, k].copy()
        results.update(
            mean_test_score=mean,
            std_test_score=std,
            rank_test_score=rank,
            n_folds_run=(~np.isnan(scores)).sum(axis=1),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            results.update(
                mean_n_iter=np.nanmean(n_iter, axis=1),
                mean_fit_time=np.nanmean(seconds, axis=1),
            )
        self.cv_results_ = results


def _validated(network, X, y):
    """X and y checked as the network's fit checks them (nothing stored)."""
    data = validate_training_data(network, X, y)
    if len(data.binarizer.classes_) < 2:
        # Every penalty predicts the one class on every held-out row.
        raise ValueError(
            "ScratchMLPClassifierCV needs samples of at least 2 classes to "
            "compare penalties, but y contains only one class: "
            f"{data.binarizer.classes_.tolist()[0]!r}. ScratchMLPClassifier "
            "accepts a single class."
        )
    return data.X, data.y


def _scorer(estimator, scoring):
    if scoring in ("loss", "neg_log_loss"):
        return _neg_cross_entropy
    return check_scoring(estimator, scoring=scoring)


def _neg_cross_entropy(estimator, X, y, sample_weight=None):
    """Minus the (weighted) mean cross-entropy: 'neg_log_loss' from the logits.

    The same number as scikit-learn's log loss for binary and multiclass
    targets (summed over the labels for multilabel ones), without its
    clipping, and defined for a fold whose held-out rows hold fewer classes
    than its training rows.
    """
    Y = estimator._label_binarizer.transform(y)
    Z = estimator._logits(X)
    losses = CROSS_ENTROPY[estimator.out_activation_](Z, Y.astype(Z.dtype))
    return -float(np.average(losses, weights=sample_weight))


def _fold_path(network, alphas, X, y, sample_weight, fold, scorer):
    """One fold: fit along ``alphas`` (weak to strong), warm-started, scoring each."""
    train, test = fold
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    w_train = None if sample_weight is None else sample_weight[train]
    w_test = None if sample_weight is None else sample_weight[test]
    scores = np.full(alphas.size, np.nan)
    n_iter = np.full(alphas.size, np.nan)
    seconds = np.full(alphas.size, np.nan)
    if len(np.unique(_labels(y_train))) < len(np.unique(_labels(y))):
        warn(
            "A fold's training rows lack a class: its scores are NaN. Use "
            "fewer folds (cv) or more data."
        )
        return scores, n_iter, seconds
    network = clone(network).set_params(
        warm_start=True, max_iter=min(network.max_iter, PATH_MAX_ITER)
    )
    weighted = {} if w_test is None else {"sample_weight": w_test}
    for i, alpha in enumerate(alphas):
        started = time.perf_counter()
        _fit_quietly(network.set_params(alpha=alpha), X_train, y_train, w_train)
        seconds[i] = time.perf_counter() - started
        n_iter[i] = network.n_iter_
        scores[i] = scorer(network, X_test, y_test, **weighted)
    return scores, n_iter, seconds


def _fit_quietly(network, X, y, sample_weight):
    """Fit without the warnings: the path's networks are means to a choice."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        network.fit(X, y, sample_weight=sample_weight)


def _fit_path(network, alphas, X, y, sample_weight):
    """``network`` fitted along ``alphas``, each fit warm-started; the last one
    reports its warnings, as a plain fit would."""
    network = clone(network).set_params(warm_start=True)
    for alpha in alphas[:-1]:
        _fit_quietly(network.set_params(alpha=alpha), X, y, sample_weight)
    network.set_params(alpha=alphas[-1]).fit(X, y, sample_weight=sample_weight)
    return network.set_params(warm_start=False)


def _labels(y):
    y = np.asarray(y)
    return y if y.ndim == 1 else np.flatnonzero(y.any(axis=0))


def _dropped(scores):
    """Penalties to drop after the first folds, as successive halving does.

    ``scores`` is (n_alphas, n_folds_run), NaN where a penalty did not run.
    Only the best penalty (by mean) and its neighbours in the grid stay, so
    that the choice can still move one step either way on the other folds.
    """
    ran = ~np.isnan(scores).any(axis=1)
    if scores.shape[1] < _FIRST_ROUND or ran.sum() < 2:
        return np.zeros(scores.shape[0], dtype=bool)
    best = int(np.argmax(np.where(ran, scores.mean(axis=1), -np.inf)))
    keep = np.zeros(scores.shape[0], dtype=bool)
    keep[max(best - 1, 0) : best + 2] = True
    return ran & ~keep
