"""The base of the estimators: training, committing and predicting, shared.

:class:`~sknnscratch.ScratchMLPClassifier` and
:class:`~sknnscratch.ScratchMLPRegressor` differ in their targets (labels or
numbers), their output function and loss, and their public methods; this
class holds what they share. A call validates its data (the estimator's
``_train``, with ``_targets.py`` or ``_regression_targets.py``), reads its
parameters once into frozen settings (``_settings.py``: the layer widths
and the solver), decides the BLAS threads, trains a copy of the training
state (``_state.py``) with the chosen solver (``_solvers.py``, which reports
every step to ``_monitoring.py``), gives its warnings, and commits the
result to the estimator's attributes only when it succeeds: a failing call
changes nothing. The training layers below never see the estimator.
"""

import copy
import functools
import inspect
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.metrics import check_scoring
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sknnscratch import _inspect, _interop
from sknnscratch._advice import interrupted_in_callback_note
from sknnscratch._array_api import device_logits
from sknnscratch._callbacks import CallbackSupportMixin, FitProgress
from sknnscratch._namespace import (
    move_to,
    placed_attributes,
    same_placement_or_error,
)
from sknnscratch._network import output_logits_at_any_scale, units_of, unpack
from sknnscratch._persistence import (
    check_fitted_network,
    plain_state,
    restored_state,
)
from sknnscratch._settings import batch_rows, training_settings
from sknnscratch._solver_choice import (
    STOCHASTIC_SOLVERS,
    changed_parameters,
    check_validation_set_is_used,
    unused_parameters_message,
)
from sknnscratch._solvers import train
from sknnscratch._state import fresh_state, resumed_state
from sknnscratch._threads import blas_threads, limit_blas_threads
from sknnscratch._utils import canonical_sparse, warn

CALLER = 5
"""The stack level of the user's call from ``_train_validated``: it is called
by ``_train``, called by ``fit`` or ``partial_fit``, which the callback
decorator wraps."""


def _signature_defaults(cls):
    return {
        name: parameter.default
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if name != "self" and parameter.default is not parameter.empty
    }


def network_class(cls):
    """The estimator class whose signature lists the network's parameters:
    ScratchMLPClassifier or ScratchMLPRegressor, for them and their subclasses."""
    return next(c for c in cls.__mro__ if BaseScratchMLP in c.__bases__)


@functools.cache
def parameter_defaults(cls):
    """The defaults of the network's parameters for an estimator class.

    Its network class's, with those a subclass's signature gives anew (a
    subclass may fix some parameters and leave them out of its own).
    """
    own = _signature_defaults(cls)
    base = _signature_defaults(network_class(cls))
    return {name: own.get(name, default) for name, default in base.items()}


class BaseScratchMLP(CallbackSupportMixin, BaseEstimator):
    """The hand-written network as a scikit-learn estimator: what the
    classifier and the regressor share. Not for direct use.

    A subclass defines ``__init__`` (the parameters), ``fit``,
    ``partial_fit``, ``_train`` (validating the call's data, then calling
    ``_train_validated``), ``_is_fitted`` and ``_target_attributes`` (the
    fitted attributes of its targets).
    """

    _target_kind = "classes"
    """What the network's outputs predict: 'classes' or 'values' (numbers);
    persistence checks a loaded model's fitted arrays by it."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"auto", "lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "scoring": [str, callable, None],
    }

    def _train_validated(
        self, data, validation_data, *, incremental, report=True, stacklevel=CALLER
    ):
        """Decide the call's settings, train a copy of the state, commit it.

        The settings and the BLAS threads are decided here, once, from the
        validated data. Every warning of the call is given before the model
        is committed, so that a warning turned into an error changes nothing;
        ``stacklevel`` counts the frames from here to the user's call.
        ``report=False`` gives no warning (for a caller that would discard
        them) and skips the judgement of the finished fit behind some.
        """
        resume = self._is_fitted() and (incremental or self.warm_start)
        params = self._network_parameters()
        settings = training_settings(
            params,
            n_samples=data.X.shape[0],
            n_features=data.X.shape[1],
            n_outputs=data.Y.shape[1],
            incremental=incremental,
            scorer_for=lambda scoring: check_scoring(self, scoring),
            placement=data.placement,
        )
        check_validation_set_is_used(
            params["early_stopping"], settings.solver, validation_data
        )
        unused = unused_parameters_message(
            params,
            changed_parameters(params, parameter_defaults(type(self))),
            settings.solver,
            validation_set=validation_data is not None,
        )
        if report and unused:
            warn(unused, UserWarning, stacklevel=stacklevel)
        units, dtype = settings.units, data.X.dtype
        if resume:
            state = resumed_state(vars(move_to(self)), units, settings, dtype)
        else:
            state = fresh_state(units, settings, dtype)
        progress = FitProgress(
            self,
            settings.max_steps,
            data,
            lambda: self._fitted_attributes(state.copy(), data),
        )
        rows = data.X.shape[0]
        if settings.solver != "lbfgs":
            rows = batch_rows(settings.batch_size, rows)
        with limit_blas_threads(blas_threads(rows, units)):
            notes = train(
                settings,
                data,
                state,
                progress,
                lambda: self._fitted_copy(state.copy(), data),
                fresh=not resume,
                validation=validation_data,
                report=report,
            )
            for message, category in notes:
                warn(message, category, stacklevel=stacklevel)
            attributes = self._fitted_attributes(state, data)
            return self._commit(attributes, progress, incremental, stacklevel + 1)

    def _commit(self, attributes, progress, incremental, stacklevel):
        """Write the trained model, then close the callbacks' fit task.

        The callbacks' end of fit sees the committed model, as after any
        scikit-learn fit. Should it raise, the previous model is put back
        whole: ``partial_fit`` (and ``fit`` on any error) is all or nothing.
        A KeyboardInterrupt there ends ``fit`` as one after its last epoch
        does: the model is kept, with a warning.
        """
        before = dict(self.__dict__)
        committed = {**before, **attributes}
        if "feature_names_in_" not in attributes:
            committed.pop("feature_names_in_", None)
        self.__dict__ = committed  # one assignment: never half-written
        try:
            progress.finish()
        except KeyboardInterrupt:
            if incremental:
                self.__dict__ = before
                raise
            step_name = "L-BFGS iteration" if self.solver_ == "lbfgs" else "epoch"
            warn(
                interrupted_in_callback_note(self.n_iter_, step_name),
                UserWarning,
                stacklevel=stacklevel,
            )
        except BaseException:
            self.__dict__ = before
            raise
        return self

    def _fitted_attributes(self, state, data):
        """Every fitted attribute of the model that ``state`` describes."""
        coefs, intercepts = unpack(state.theta, state.units)
        attributes = dict(
            **self._target_attributes(data),
            n_features_in_=data.n_features_in_,
            coefs_=coefs,
            intercepts_=intercepts,
            n_layers_=len(state.units),
            n_outputs_=state.units[-1],
            out_activation_=data.out_activation,
            solver_=state.solver,
            n_iter_=state.n_iter,
            t_=state.t,
            loss_=state.loss,
            best_loss_=None if state.early_stopping else state.best_loss,
            loss_curve_=state.loss_curve,
            history_=state.history,
            validation_scores_=state.validation_scores,
            validation_loss_curve_=state.validation_loss_curve,
            best_validation_score_=state.best_validation_score,
            _training_state=state,
        )
        if data.feature_names_in_ is not None:
            attributes["feature_names_in_"] = data.feature_names_in_
        return placed_attributes(attributes, data.placement)

    def _fitted_copy(self, state, data):
        """A fitted copy of this estimator holding ``state`` (for scorers)."""
        fitted = copy.copy(self)
        fitted.__dict__.update(self._fitted_attributes(state, data))
        return fitted

    def __copy__(self):
        # A shallow copy shares the fitted arrays and state, as copy.copy
        # does for a plain object (without a round trip through pickling).
        shallow = type(self).__new__(type(self))
        shallow.__dict__.update(self.__dict__)
        return shallow

    def __getstate__(self):
        # A copy: pickling never changes the model.
        return plain_state(super().__getstate__())

    def __setstate__(self, state):
        super().__setstate__(restored_state(state, type(self)))

    # -------------------------------------------------------------- predict

    def _logits(self, X, method):
        check_is_fitted(self)
        placement = same_placement_or_error(self, X, method)
        if placement is not None:
            return device_logits(self, X, placement)
        check_fitted_network(self, finite=False)  # finite when fitted or loaded
        # scikit-learn's finiteness check first sums X, which can overflow
        # for huge finite values before it checks them one by one.
        with np.errstate(over="ignore", invalid="ignore"):
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=False,
            )
        if sp.issparse(X):
            X = canonical_sparse(X)
        units = units_of(self.coefs_)
        with limit_blas_threads(blas_threads(X.shape[0], units)):
            return output_logits_at_any_scale(
                X, self.coefs_, self.intercepts_, self.activation
            )

    def _network_parameters(self):
        """The network's parameters as set on this estimator (those the
        network class's signature lists; a subclass's fixed ones included)."""
        return {name: getattr(self, name) for name in parameter_defaults(type(self))}

    def _is_stochastic(self):
        if self.solver not in ("auto", *STOCHASTIC_SOLVERS):
            raise AttributeError(
                f"partial_fit is only available for solver='auto' (which takes "
                f"'adam' for it) and the stochastic solvers {STOCHASTIC_SOLVERS}, "
                f"not for solver={self.solver!r}."
            )
        return True

    def _check_partial_fit_params(self):
        self._validate_params()
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: it trains one "
                "epoch on the rows it is given, with nothing held out. Set "
                "early_stopping=False, or use fit."
            )

    # ------------------------------------------------------------- inspect

    def trace(self, X, y, sample_weight=None):
        """Every quantity of a forward and backward pass, named as in the derivation.

        Works fitted (at the current weights) and unfitted (at the initial
        weights ``fit`` would start from); never modifies the estimator. See
        :func:`sknnscratch.trace` for the names and shapes.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features) or \
(n_features,)
            The rows to trace; a 1-D array is one sample.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), or one target
            Their targets, as ``fit`` takes them.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, as in ``fit``.

        Returns
        -------
        trace : Trace
            The derivation's names (``X``, ``W1^T``, ..., ``Z1``, ``A1``,
            ..., ``J``, ..., ``dJ/dW1^T``, ``dJ/db1``) mapped to their
            values, in the order they are computed; ``print`` it to see
            them.
        """
        return _inspect._traced(self, X, y, sample_weight, None)

    def to_sklearn(self):
        """The equivalent fitted scikit-learn estimator.

        Returns
        -------
        mlp : MLPClassifier or MLPRegressor
            Same parameters and weights (and labels): the same predictions.
        """
        return _interop.to_sklearn(move_to(self))  # scikit-learn's holds numpy

    @classmethod
    def from_sklearn(cls, mlp):
        """A fitted estimator of this class holding a fitted scikit-learn MLP's network.

        Parameters
        ----------
        mlp : MLPClassifier or MLPRegressor
            A fitted scikit-learn estimator of the same kind.

        Returns
        -------
        estimator : ScratchMLPClassifier or ScratchMLPRegressor
            Same parameters and weights (and labels): the same predictions.
        """
        return _interop.from_sklearn(cls, mlp)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags
