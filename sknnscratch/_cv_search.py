"""The search the CV estimators share: alpha chosen along a warm path of penalties.

The scikit-learn pattern of ``LogisticRegressionCV`` and ``RidgeCV``. Each
fold trains one network along the path of penalties from the weakest to the
strongest, every fit warm-started from the previous one, and scores it on the
fold's held-out rows after each penalty. After the first folds, penalties
that are neither the best nor next to it are dropped, as successive halving
does, so that the remaining folds start their path at the weakest penalty
still in the race. The best penalty is then refitted on all the data along
the same path, so that the model returned is the kind of model that was
scored. The data are validated once: every fold trains on rows of the
validated whole.

:class:`BaseScratchMLPCV` holds the search; each CV estimator in ``_cv.py``
adds its network class, the validation of its targets and its default
held-out score.
"""

import functools
import signal
import threading
import time
import warnings
from contextlib import contextmanager
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted

from sknnscratch._array_api import training_inputs
from sknnscratch._estimator import BaseScratchMLP, network_class, parameter_defaults
from sknnscratch._namespace import placed_arrays, placement_of, to_numpy
from sknnscratch._network import output_logits_at_any_scale, units_of
from sknnscratch._persistence import restored_state
from sknnscratch._plain_data import describe, is_real
from sknnscratch._targets import check_sample_weight, training_rows
from sknnscratch._threads import blas_threads, limit_blas_threads
from sknnscratch._utils import warn

PATH_MAX_ITER = 75
"""At most this many iterations (or epochs) for a fit on a fold's path, which
only ranks a penalty; the refit's fits get the full ``max_iter``."""

_FIRST_ROUND = 2
"""Folds run over the whole path before any penalty may be dropped."""

NOT_TAKEN = ("alpha", "warm_start")
"""The network's parameters a CV estimator does not take: alpha is what it
chooses, and every fit on the path warm-starts by design."""


@functools.cache
def _network_parameter_names(cls):
    """The parameters of the network class of ``cls`` a CV estimator passes on."""
    return [
        name for name in parameter_defaults(network_class(cls)) if name not in NOT_TAKEN
    ]


def cv_parameter_constraints(network):
    """A CV estimator's parameter constraints: the network class's, less the
    parameters it does not take, plus the search's."""
    return {
        **{
            name: rule
            for name, rule in network._parameter_constraints.items()
            if name not in NOT_TAKEN
        },
        "alphas": ["array-like"],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
        "refit": ["boolean"],
    }


def _never(self):
    raise AttributeError(
        f"{type(self).__name__} has no partial_fit: choosing alpha needs the "
        "whole data set. Use "
        f"{network_class(type(self)).__name__}(alpha=model.alpha_) for "
        "streaming."
    )


class BaseScratchMLPCV:
    """The search of the CV estimators, before their network class in the MRO.

    Not for direct use. A subclass, ``class CV(BaseScratchMLPCV, Network)``,
    defines ``__init__`` (the network's parameters less ``alpha`` and
    ``warm_start``, plus ``alphas``, ``cv``, ``scoring``, ``n_jobs`` and
    ``refit``) and:

    - ``_validated_data(network, X, y)``: the whole data validated as
      ``network``'s fit validates it (a :class:`~sknnscratch._targets.TrainingData`);
    - ``_loss_scoring``: the scikit-learn scorer name that ``scoring='loss'``
      stands for, computed by ``_held_out_loss(estimator, X, y,
      sample_weight=None)`` from the held-out outputs;
    - ``_network_loss_scores_it``: whether the network's own early-stopping
      ``scoring='loss'`` is that same measure.

    The folds are stratified for a classifier and plain ``KFold`` otherwise,
    as :func:`sklearn.model_selection.check_cv` makes them.
    """

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
    def partial_fit(self, X, y, sample_weight=None, **params):
        """Not available: choosing ``alpha`` needs the whole data set."""

    def _network(self, alpha, verbose=False):
        """The network (the estimator's network class) with these parameters
        and penalty ``alpha``."""
        names = _network_parameter_names(type(self))
        params = {name: getattr(self, name) for name in names}
        params["verbose"] = verbose
        if not self.early_stopping:
            params["scoring"] = None  # only early stopping would use it
        elif params["scoring"] == self._loss_scoring and self._network_loss_scores_it:
            params["scoring"] = "loss"  # the same measure, computed directly
        elif callable(params["scoring"]):
            params["scoring"] = _InterruptsStopTheSearch(params["scoring"])
        return network_class(type(self))(alpha=alpha, **params)

    def fit(self, X, y, sample_weight=None, **params):
        """Choose ``alpha`` by cross-validation, then refit it on all the data.

        All or nothing: if it raises, a KeyboardInterrupt included, the
        estimator is left exactly as it was.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets, as the network's ``fit`` takes them: class labels
            (or a 0/1 indicator matrix for multilabel targets) for
            :class:`ScratchMLPClassifierCV`, numbers (one column per
            output) for :class:`ScratchMLPRegressorCV`.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights for training (each fold's training rows) and for the
            held-out scores.
        **params : dict
            ``groups``, array-like of shape (n_samples,): the group of each
            row, for a ``cv`` splitter that keeps groups apart
            (``GroupKFold``, ``LeaveOneGroupOut``...), as
            :meth:`sklearn.model_selection.GridSearchCV.fit` takes it. With
            metadata routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``), every
            parameter goes where it is requested, ``groups`` to the
            splitter and others to the scorer, as in
            :class:`~sklearn.linear_model.LogisticRegressionCV`; without it,
            ``groups`` is the only one taken.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        try:
            with _interrupts_stop_the_search():
                fitted = self._search(X, y, sample_weight, params)
        except _SearchInterrupted:
            raise KeyboardInterrupt from None
        fitted = placed_arrays(fitted, placement_of(X))
        # One assignment: the previous fit's attributes all go, the new ones
        # all come, and nothing can stop it half way.
        kept = {k: v for k, v in vars(self).items() if not _is_fitted_attribute(k)}
        self.__dict__ = {**kept, **fitted}
        return self

    def _search(self, X, y, sample_weight, params):
        """Every fitted attribute of a search and its refit (nothing stored)."""
        alphas = np.unique(np.asarray(self.alphas, dtype=np.float64).ravel())
        if alphas.size == 0 or not np.all(np.isfinite(alphas)) or alphas[0] < 0:
            raise ValueError(
                f"alphas must hold at least one finite, non-negative penalty; got "
                f"{self.alphas!r}."
            )
        # Validated the way the network validates (clear errors before any
        # fold runs); each fold's network checks its own rows again.
        probe = self._network(alphas[0])
        probe._validate_params()
        data, X, sample_weight = self._validated_whole(
            probe, X, y, sample_weight, alphas[-1]
        )
        X_checked, y_checked = data.X, data.y
        n_samples = X_checked.shape[0]
        split_params, score_params = self._routed_params(params, sample_weight)
        cv = check_cv(self.cv, y_checked, classifier=is_classifier(self))
        _check_groups_given(cv, self.cv, split_params)
        folds = list(cv.split(X_checked, y_checked, **split_params))
        valid = _usable_folds(folds, sample_weight, X_checked.dtype, alphas[-1])
        # The folds' held-out rows are scored as given when their columns
        # have names (a DataFrame of pandas, polars...), so that the names
        # travel; otherwise as the validated array (any sparse format, CSR).
        X_folds = X_checked if data.feature_names_in_ is None else X
        if data.placement is not None:  # the folds train and score on the device
            X_folds = data.placement.put(X_checked)
        scorer = self._scorer()

        def fold_path(k, alive):
            return delayed(_fold_path)(
                self._network(alphas[0]),
                alphas[alive],
                data,
                X_folds,
                sample_weight,
                folds[k],
                (k, len(folds)),
                scorer,
                _fold_params(score_params, folds[k][1], n_samples),
            )

        path = _PathResults(alphas.size, len(folds))
        first = min(_FIRST_ROUND, len(folds))
        for folds_of_round in [range(first), range(first, len(folds))]:
            folds_run = [k for k in folds_of_round if valid[k]]
            alive = path.alive.copy()
            results = Parallel(n_jobs=self.n_jobs)(
                fold_path(k, alive) for k in folds_run
            )
            for k, result in zip(folds_run, results, strict=True):
                self._record_fold(path, valid, alphas, k, result)
            path.alive &= ~_dropped(path.scores[:, :first][:, valid[:first]])
        fitted = _selection(alphas, path, valid, self.scoring)
        if self.refit:
            fitted.update(
                self._refit(probe, alphas, path.alive, fitted, data, sample_weight)
            )
        return fitted

    def _validated_whole(self, probe, X, y, sample_weight, strongest):
        """The whole data validated once, the input's rows on the host, and the
        sample weights checked for the ``strongest`` penalty.

        Under ``array_api_dispatch`` the data are validated on the host (as
        numpy arrays) and ``data.placement`` says where the folds train.
        """
        placement, X, y, sample_weight = training_inputs(X, y, sample_weight)
        data = self._validated_data(probe, X, y)
        data.placement = placement
        if sample_weight is not None:
            sample_weight = check_sample_weight(
                sample_weight, data.X.shape[0], data.X.dtype, alpha=strongest
            )
        return data, X, sample_weight

    def _record_fold(self, path, valid, alphas, k, result):
        """Store one fold's path; a fold without a finite score is left out."""
        fold_scores, fold_iter, fold_seconds, failure = result
        alive, n_folds = path.alive, path.scores.shape[1]
        if self.verbose:
            listed = ", ".join(
                f"{a:g}: {s:.4f}"
                for a, s in zip(alphas[alive], fold_scores, strict=True)
            )
            print(f"Fold {k + 1} of {n_folds}, scores by alpha: {listed}")
        path.scores[alive, k] = fold_scores
        path.n_iter[alive, k] = fold_iter
        path.seconds[alive, k] = fold_seconds
        path.ran[alive, k] = True
        path.failures += failure
        for alpha, _, error in failure:
            warn(  # _record_fold, _search, fit, then the caller
                f"Scoring alpha={alpha:g} on fold {k + 1} of {n_folds} failed; its "
                f"score is NaN and alpha is not chosen. The error: {error!r}",
                stacklevel=4,
            )
        if not np.isfinite(fold_scores).any():
            valid[k], path.ran[:, k] = False, False
            warn(  # _record_fold, _search, fit, then the caller
                f"Fold {k + 1} of {n_folds} is left out of the choice of "
                f"alpha: scoring={self.scoring!r} gave it no finite score "
                f"({_values(fold_scores)}). Alpha is chosen on the other folds.",
                stacklevel=4,
            )

    def _refit(self, probe, alphas, alive, fitted, data, sample_weight):
        """The fitted attributes of the chosen penalty's network on all the data.

        The model scored is the one the path reaches: refit along it.
        """
        chosen = fitted["alpha_"]
        path = alphas[(alive | (alphas == chosen)) & (alphas <= chosen)]
        started = time.perf_counter()
        if self.verbose:
            print(f"Chosen alpha {chosen:g}; refit along {path.tolist()}")
        network = _fit_path(
            self._network(path[0], self.verbose), path, data, sample_weight
        )
        refitted = {k: v for k, v in vars(network).items() if k not in vars(probe)}
        refitted["refit_time_"] = time.perf_counter() - started
        return refitted

    def _scorer(self):
        """The held-out scorer: the loss computed from the held-out outputs for
        ``scoring='loss'`` and its scikit-learn name, else scikit-learn's."""
        if self.scoring in ("loss", self._loss_scoring):
            return type(self)._held_out_loss
        return check_scoring(self, scoring=self.scoring)

    def _routed_params(self, params, sample_weight):
        """The splitter's and the scorer's parameters, as scikit-learn routes
        them (see ``fit``); sample weights always weigh the held-out scores."""
        if get_config().get("enable_metadata_routing", False):
            routed = process_routing(self, "fit", **params)
            split_params, score_params = routed.splitter.split, routed.scorer.score
        else:
            unknown = sorted(set(params) - {"groups"})
            if unknown:
                raise TypeError(
                    f"{type(self).__name__}.fit got unexpected argument(s) "
                    f"{unknown}: it takes sample_weight, and groups for the cv "
                    "splitter, as GridSearchCV.fit does. Enable metadata routing "
                    "(sklearn.set_config(enable_metadata_routing=True)) to pass "
                    "other parameters to a scorer that requests them."
                )
            groups = params.get("groups")
            split_params = {} if groups is None else {"groups": groups}
            score_params = {}
        score_params = dict(score_params)
        if sample_weight is not None:
            score_params["sample_weight"] = sample_weight
        return dict(split_params), score_params

    def get_metadata_routing(self):
        """How ``fit`` routes its parameters: to the splitter and the scorer.

        See scikit-learn's user guide on metadata routing; this estimator
        consumes ``sample_weight`` itself.

        Returns
        -------
        routing : MetadataRouter
            ``fit``'s routes: its own ``sample_weight``, the splitter's
            ``split`` (``groups``) and the scorer.
        """
        return (
            MetadataRouter(owner=self.__class__.__name__)
            .add_self_request(self)
            .add(
                splitter=self.cv,
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
            .add(
                scorer=self._routing_scorer(),
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        )

    def _routing_scorer(self):
        """The scorer as metadata routing sees it (its requests)."""
        scoring = self.scoring
        return check_scoring(
            self, scoring=self._loss_scoring if scoring == "loss" else scoring
        )

    def _logits(self, X, method):
        if hasattr(self, "alpha_") and not hasattr(self, "coefs_"):
            raise NotFittedError(
                f"This {type(self).__name__} was fitted with refit=False: it chose "
                f"alpha_={self.alpha_:g} by cross-validation but trained no network "
                "on the whole data, so it cannot predict. Fit it with refit=True, "
                f"or train {network_class(type(self)).__name__}(alpha=model.alpha_)."
            )
        return super()._logits(X, method)

    def __setstate__(self, state):
        _check_saved_selection(state)
        # As BaseScratchMLP's, in this frame: a version warning names the
        # line that loads the model, one frame up.
        super(BaseScratchMLP, self).__setstate__(restored_state(state, type(self)))


def _is_fitted_attribute(name):
    """Whether an attribute belongs to a fit (and goes when the next one comes)."""
    return (name.endswith("_") and not name.startswith("__")) or name in (
        "_label_binarizer",
        "_training_state",
    )


class _SearchInterrupted(BaseException):
    """A KeyboardInterrupt on its way out of the search.

    Not a KeyboardInterrupt, so that no fold's network keeps it as the end
    of its training (as a plain ``fit`` does): the whole search stops, and
    ``fit`` raises KeyboardInterrupt.
    """


class _InterruptsStopTheSearch:
    """A fold network's early-stopping scorer whose KeyboardInterrupt stops
    the whole search rather than the network's training alone."""

    def __init__(self, scorer):
        self.scorer = scorer

    def __repr__(self):
        return repr(self.scorer)

    def __call__(self, *args, **kwargs):
        try:
            return self.scorer(*args, **kwargs)
        except KeyboardInterrupt as interrupt:
            raise _SearchInterrupted from interrupt


@contextmanager
def _interrupts_stop_the_search():
    """Make a Ctrl-C (SIGINT) during the search stop the search.

    The handler in place is kept and called; its KeyboardInterrupt becomes a
    :class:`_SearchInterrupted`, which no network's ``fit`` takes for the
    end of its training. Where Python does not let us (another thread than
    the main one, or SIGINT ignored or not raising), nothing changes.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(
        previous
    ):
        yield
        return

    def stop_the_search(signum, frame):
        try:
            previous(signum, frame)
        except KeyboardInterrupt as interrupt:
            raise _SearchInterrupted from interrupt

    signal.signal(signal.SIGINT, stop_the_search)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_groups_given(cv, cv_parameter, split_params):
    """A splitter that needs groups gets them, or an error says how."""
    if split_params.get("groups") is not None:
        return
    try:
        needs = bool(get_routing_for_object(cv).consumes("split", ["groups"]))
    except (AttributeError, TypeError):  # a splitter outside scikit-learn's API
        return
    if needs:
        raise ValueError(
            f"cv={cv_parameter!r} splits by group, but no groups were given: pass "
            "them to fit (model.fit(X, y, groups=groups), as to GridSearchCV.fit), "
            "or pass cv a list of (train, test) index arrays made beforehand, "
            f"such as list({cv_parameter!r}.split(X, y, groups))."
        )


def _usable_folds(folds, sample_weight, dtype, alpha):
    """Which folds can be scored; each that cannot is named in a warning.

    A fold is left out when it holds out no rows, trains on none, or when
    the sample weights of either side are all zero (nothing to learn from,
    or a held-out score of 0 / 0). Training weights that the network would
    refuse for other reasons raise, naming the fold.
    """
    usable = np.ones(len(folds), dtype=bool)
    reasons = []
    for k, (train, test) in enumerate(folds):
        name = f"Fold {k + 1} of {len(folds)}"
        reason = None
        if len(test) == 0 or len(train) == 0:
            reason = f"it {'holds out' if len(test) == 0 else 'trains on'} no rows"
        elif sample_weight is not None and not sample_weight[train].sum() > 0:
            reason = "its training rows all have zero sample weight"
        elif sample_weight is not None and not sample_weight[test].sum() > 0:
            reason = "its held-out rows all have zero sample weight (no score)"
        elif sample_weight is not None:
            check_sample_weight(
                sample_weight[train],
                len(train),
                dtype,
                alpha,
                name=f"sample_weight on the training rows of {name.lower()}",
            )
        if reason is not None:
            usable[k] = False
            reasons.append(f"{name}: {reason}")
            if len(folds) > 1:
                warn(
                    f"{name} is left out of the choice of alpha: {reason}. Its "
                    "scores are NaN; alpha is chosen on the other folds.",
                    stacklevel=4,  # _usable_folds, _search, fit, then the caller
                )
    if not usable.any():
        raise ValueError(
            "No fold can score a penalty: " + "; ".join(reasons) + ". Use other "
            "folds (cv) or sample weights."
        )
    return usable


def _fold_params(params, test, n_samples):
    """The scorer's parameters for a fold: per-row ones at its held-out rows."""
    return {
        name: _safe_indexing(value, test)
        if hasattr(value, "__len__")
        and not isinstance(value, str | dict)
        and len(value) == n_samples
        else value
        for name, value in params.items()
    }


def held_out_logits(estimator, X):
    """The logits of held-out rows the search validated already.

    An array or sparse matrix comes from the validated input and goes
    straight through the network; a DataFrame is checked as ``predict``
    checks it, for its column names.
    """
    if not (isinstance(X, np.ndarray) or sp.issparse(X)):
        return to_numpy(estimator._logits(X, "predict"))
    units = units_of(estimator.coefs_)
    with limit_blas_threads(blas_threads(X.shape[0], units)):
        return output_logits_at_any_scale(
            X, estimator.coefs_, estimator.intercepts_, estimator.activation
        )


def _fold_path(network, alphas, data, X, sample_weight, fold, where, scorer, params):
    """One fold: fit along ``alphas`` (weak to strong), warm-started, scoring each.

    ``data`` is the whole training data, validated once: the fold trains on
    its rows with the targets' encoding of the whole (for a classifier,
    every class of the data set: a fold's training rows may lack a class,
    a class of one sample say; the network still has an output for it and
    learns never to predict it, as a fold of LogisticRegressionCV does).
    ``X`` holds the same rows as given (a DataFrame keeps its column names
    for the scorer). Returns the scores, iterations and seconds of each
    penalty, and the scorer's failures (penalty, fold, exception) as a
    list.
    """
    train, test = fold
    k, n_folds = where
    X_test, y_test = _safe_indexing(X, test), data.y[test]
    if data.placement is not None and y_test.dtype.kind in "biuf":
        y_test = data.placement.put(y_test)
    scores = np.full(alphas.size, np.nan)
    n_iter = np.full(alphas.size, np.nan)
    seconds = np.full(alphas.size, np.nan)
    failures = []
    network = clone(network).set_params(
        warm_start=True, max_iter=min(network.max_iter, PATH_MAX_ITER)
    )
    fold_data = training_rows(
        data, train, _class_weight(network), sample_weight, alpha=alphas[-1]
    )
    for i, alpha in enumerate(alphas):
        started = time.perf_counter()
        network.alpha = alpha  # validated with the path (set_params costs more)
        try:
            with warnings.catch_warnings():  # the path's fits are means to a choice
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("ignore", UserWarning)
                network._train_validated(
                    fold_data, None, incremental=False, report=False
                )
        except Exception as error:
            if hasattr(error, "add_note"):  # Python 3.11+
                error.add_note(
                    f"(fitting alpha={alpha:g} on fold {k + 1} of {n_folds})"
                )
            raise
        seconds[i] = time.perf_counter() - started
        n_iter[i] = network.n_iter_
        try:
            scores[i] = scorer(network, X_test, y_test, **params)
        except Exception as error:  # noqa: BLE001 - GridSearchCV's error_score=nan
            failures.append((alpha, k, error))  # warned of by the search
    return scores, n_iter, seconds, failures


def _class_weight(network):
    """The network's ``class_weight`` (None for the regressor, which has none)."""
    return network.get_params().get("class_weight")


class _PathResults:
    """What the folds' paths found: one row per penalty, one column per fold.

    NaN where a penalty did not run on a fold; ``ran`` marks where it ran on
    a usable fold, ``alive`` the penalties still in the race.
    """

    def __init__(self, n_alphas, n_folds):
        shape = (n_alphas, n_folds)
        self.scores = np.full(shape, np.nan)
        self.n_iter = np.full(shape, np.nan)
        self.seconds = np.full(shape, np.nan)
        self.ran = np.zeros(shape, dtype=bool)
        self.alive = np.ones(n_alphas, dtype=bool)
        self.failures = []


def _fit_path(network, alphas, data, sample_weight):
    """``network`` fitted on all the data along ``alphas``, each fit warm-started.

    The data were validated once by the search. Only the last fit warns, as a
    plain fit would, at the line that called the CV estimator's ``fit``.
    """
    network = clone(network).set_params(warm_start=True)
    network._validate_params()
    rows = training_rows(
        data, None, _class_weight(network), sample_weight, alpha=alphas[-1]
    )
    for alpha in alphas[:-1]:
        network.alpha = alpha
        network._train_validated(rows, None, incremental=False, report=False)
    network.alpha = alphas[-1]
    # _train_validated, _fit_path, _refit, _search, fit, then the caller
    network._train_validated(rows, None, incremental=False, stacklevel=6)
    return network.set_params(warm_start=False)


def _dropped(scores):
    """Penalties to drop after the first folds, as successive halving does.

    ``scores`` is (n_alphas, n_folds) over the first folds that could be
    scored, NaN where a penalty did not run or its score was not finite.
    Only the best penalty (by mean) and its neighbours in the grid stay, so
    that the choice can still move one step either way on the other folds;
    a penalty without a finite score on each of these folds cannot be
    chosen and is dropped too.
    """
    finite = np.isfinite(scores).all(axis=1)
    if scores.shape[1] < _FIRST_ROUND or finite.sum() < 2:
        return np.zeros(scores.shape[0], dtype=bool)
    best = int(np.argmax(np.where(finite, scores.mean(axis=1), -np.inf)))
    keep = np.zeros(scores.shape[0], dtype=bool)
    keep[max(best - 1, 0) : best + 2] = True
    return ~keep


def _selection(alphas, path, valid, scoring):
    """The fitted attributes of the choice.

    A penalty competes if it ran on every fold that could be scored (and
    was not dropped) with a finite score on each; the best mean wins. The
    means are over the folds each penalty ran, and not finite where a score
    was not, as in GridSearchCV's ``cv_results_``.
    """
    scores, ran, failures = path.scores, path.ran, path.failures
    n_iter, seconds = path.n_iter, path.seconds
    n_alphas, n_splits = scores.shape
    mean, std = np.full(n_alphas, np.nan), np.full(n_alphas, np.nan)
    for i in range(n_alphas):
        if ran[i].any():
            mean[i], std[i] = scores[i, ran[i]].mean(), scores[i, ran[i]].std()
    complete = ran[:, valid].all(axis=1)
    finite = np.isfinite(scores[:, valid]).all(axis=1)
    competing = complete & finite & valid.any()
    not_finite = complete & ~finite
    if not competing.any():
        raise ValueError(
            f"No penalty got a finite held-out score on every fold with "
            f"scoring={scoring!r}: "
            + _failures_described(alphas, scores, valid, not_finite, failures)
        ) from (failures[0][2] if failures else None)
    if not_finite.any():
        warn(  # _selection, _search, fit, then the caller
            f"scoring={scoring!r} gave non-finite held-out scores for alpha "
            f"{alphas[not_finite].tolist()}, which are not chosen. Mean scores by "
            "alpha: "
            + ", ".join(f"{a:g}: {m:.4g}" for a, m in zip(alphas, mean, strict=True))
            + ".",
            stacklevel=4,
        )
    order = np.argsort(-np.where(competing, mean, -np.inf), kind="stable")
    rank = np.empty(n_alphas, dtype=np.int32)
    rank[order] = np.arange(1, n_alphas + 1)
    best = int(order[0])
    results = {"param_alpha": alphas.copy()}
    for k in range(n_splits):
        results[f"split{k}_test_score"] = scores[:, k].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # penalties never run
        results.update(
            mean_test_score=mean,
            std_test_score=std,
            rank_test_score=rank,
            n_folds_run=ran.sum(axis=1),
            mean_n_iter=np.nanmean(n_iter, axis=1),
            mean_fit_time=np.nanmean(seconds, axis=1),
        )
    return dict(
        alphas_=alphas,
        scores_=scores,
        alpha_=float(alphas[best]),
        best_index_=best,
        best_score_=float(mean[best]),
        n_splits_=n_splits,
        cv_results_=results,
    )


def _failures_described(alphas, scores, valid, not_finite, failures):
    """What went wrong with the scores, for the error when none is usable."""
    if failures:
        alpha, k, error = failures[0]
        return (
            f"it failed {len(failures)} time(s), first for alpha={alpha:g} on fold "
            f"{k + 1}: {error!r}."
        )
    if not valid.any():
        return (
            f"it gave no finite score on any fold ({_values(scores)}). A scorer must "
            "return a finite number (higher is better)."
        )
    return (
        f"it returned {_values(scores[:, valid])} for alpha "
        f"{alphas[not_finite].tolist()}. A scorer must return a finite number "
        "(higher is better)."
    )


def _values(scores):
    """The distinct non-finite values among ``scores``, for messages."""
    return ", ".join(str(v) for v in np.unique(scores[~np.isfinite(scores)]))


def _check_saved_selection(state):
    """A loaded CV estimator's choice is consistent, or a clear error."""
    if "alpha_" not in state:
        return
    alphas, scores = state.get("alphas_"), state.get("scores_")
    problem = None
    if not (
        isinstance(alphas, np.ndarray)
        and alphas.ndim == 1
        and alphas.dtype.kind == "f"
        and alphas.size
    ):
        problem = f"alphas_ is {describe(alphas)}, not a 1-D float array"
    elif not (isinstance(scores, np.ndarray) and scores.shape[:1] == alphas.shape):
        problem = (
            f"scores_ is {describe(scores)}, not one row of scores per alpha "
            f"({alphas.size})"
        )
    elif not (is_real(state["alpha_"]) and state["alpha_"] in alphas):
        problem = f"alpha_={state['alpha_']!r} is not one of alphas_"
    if problem is not None:
        raise ValueError(
            f"The saved model's {problem}. The model was altered after fitting; "
            "fit it again."
        )
