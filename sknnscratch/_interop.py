"""Convert between our estimators and scikit-learn's MLPs.

ScratchMLPClassifier pairs with MLPClassifier, ScratchMLPRegressor with
MLPRegressor. A fitted network is just its weights, its output function and
(for a classifier) its labels, stored the same way by both estimators of a
pair; these functions copy them across, so the two predict the same, with
the training record each estimator needs to continue training.

One difference in the record: with several target columns, MLPRegressor's
loss is the mean of the columns' squared errors where ours is their sum (both
follow the gradient of the sum). The losses of such a model (``loss_``,
``loss_curve_``, ``best_loss_``) are on another scale, and their penalty
part cannot be told apart to convert them: they are left behind, and the
copy's record of losses starts anew. The Poisson deviance both sum over the
columns: those records carry over.
"""

import copy

import numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.validation import check_is_fitted

from sknnscratch._activations import OUTPUT_OF_LOSS
from sknnscratch._network import pack, units_of
from sknnscratch._settings import hidden_layer_widths
from sknnscratch._state import TrainingState

# The scikit-learn estimator of each kind of target (``_target_kind``).
_SKLEARN_CLASS = {"classes": MLPClassifier, "values": MLPRegressor}

# Fitted attributes that define the network and its labels.
_NETWORK_ATTRIBUTES = (
    "coefs_",
    "intercepts_",
    "classes_",
    "n_features_in_",
    "feature_names_in_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "_label_binarizer",
)

# Training record, copied where present.
_RECORD_ATTRIBUTES = ("n_iter_", "t_", "loss_", "best_loss_", "loss_curve_")

# The losses among them: each estimator's own scale for several regression
# targets (see the module's docstring).
_LOSS_ATTRIBUTES = ("loss_", "best_loss_", "loss_curve_")


def to_sklearn(estimator):
    """An equivalent fitted scikit-learn MLP: MLPClassifier or MLPRegressor.

    Parameters
    ----------
    estimator : ScratchMLPClassifier or ScratchMLPRegressor
        A fitted estimator.

    Returns
    -------
    mlp : MLPClassifier or MLPRegressor
        With the same parameters (those the scikit-learn estimator has;
        ``solver`` the one the model last trained with, ``alpha`` the one it
        trained with), copies of the weights and labels, and the same
        ``predict_proba`` (a classifier) or ``predict`` (a regressor). A
        regressor's copy has its ``loss`` ('squared_error' or 'poisson',
        with the output 'identity' or 'exp'); with several target columns
        and the squared error its record of losses starts empty (see the
        module's docstring).
        For a model fitted on a single class the predictions agree, but
        MLPClassifier's ``predict_proba`` has two columns (one minus the
        network's sigmoid, and the sigmoid) where ours has one column of
        ones.

        It can be trained further, by scikit-learn's rules (not ours: its
        penalty is divided by the batch size, its Adam starts anew at every
        ``fit``...), as one that scikit-learn fitted itself: it has the
        training record such a model has (``loss_curve_``, ``t_``,
        ``best_loss_``, the counter of epochs without improvement, with
        ``early_stopping`` the validation scores and best weights). One
        thing it cannot carry over: MLPClassifier keeps its optimiser in a
        private object that only its own training creates, so the first
        ``partial_fit`` of the copy starts SGD's velocities or Adam's
        moments at zero, where a model scikit-learn fitted continues its
        own; ``fit`` with ``warm_start=True`` starts them anew in both.

    Raises
    ------
    ValueError
        If the model uses ``class_weight``, which MLPClassifier has not: the
        network would predict the same, but refitting the copy would not
        train the same model.
    """
    check_is_fitted(estimator)
    sklearn_class = _SKLEARN_CLASS[estimator._target_kind]
    if getattr(estimator, "class_weight", None) is not None:
        raise ValueError(
            "MLPClassifier has no class_weight: this model has no equivalent "
            "one. Set class_weight=None (and refit) to export it."
        )
    shared = sklearn_class().get_params()
    params = {
        name: value for name, value in estimator.get_params().items() if name in shared
    }
    if params.get("solver") == "auto":  # scikit-learn's MLPs have no 'auto'
        params["solver"] = getattr(estimator, "solver_", "lbfgs")
    params["alpha"] = estimator.alpha  # the CV estimators: alpha_
    sizes = params.get("hidden_layer_sizes")
    if isinstance(sizes, np.ndarray) and sizes.ndim == 0:  # scikit-learn fails
        params["hidden_layer_sizes"] = hidden_layer_widths(sizes)
    mlp = sklearn_class(**params)
    _copy_attributes(estimator, mlp, _NETWORK_ATTRIBUTES + _record(estimator))
    _set_training_record(estimator, mlp)
    return mlp


def _record(fitted):
    """The training record's attributes that mean the same in the other estimator.

    All of them, but the losses of a regressor with several target columns.
    """
    if fitted.out_activation_ == "identity" and fitted.n_outputs_ > 1:
        return tuple(a for a in _RECORD_ATTRIBUTES if a not in _LOSS_ATTRIBUTES)
    return _RECORD_ATTRIBUTES


def _set_training_record(estimator, mlp):
    """What MLPClassifier's (MLPRegressor's) stochastic training reads when
    it continues.

    ``_initialize`` sets these at its first fit; a copy that skips it needs
    them to continue with ``partial_fit`` or a warm start. Where the losses
    are left behind, the count of epochs without improvement of the loss
    starts anew with them.
    """
    state = getattr(estimator, "_training_state", None)
    carried = "best_loss_" in _record(estimator)
    mlp._no_improvement_count = (
        state.no_improvement_count if state is not None and carried else 0
    )
    # The same lists, as an MLPClassifier that stopped early leaves them (its
    # next fit then updates both in place).
    mlp._best_coefs, mlp._best_intercepts = mlp.coefs_, mlp.intercepts_
    if not hasattr(mlp, "loss_curve_"):
        mlp.loss_curve_ = []
    scores = getattr(estimator, "validation_scores_", None)
    if mlp.early_stopping:
        mlp.validation_scores_ = [] if scores is None else list(scores)
        best = getattr(estimator, "best_validation_score_", None)
        mlp.best_validation_score_ = -np.inf if best is None else best
        mlp.best_loss_ = None
    else:
        mlp.validation_scores_ = None
        mlp.best_validation_score_ = None
        best_loss = getattr(estimator, "best_loss_", None) if carried else None
        mlp.best_loss_ = np.inf if best_loss is None else best_loss


def from_sklearn(cls, mlp):
    """A fitted estimator of ``cls`` with the network of a fitted scikit-learn MLP.

    Parameters
    ----------
    cls : type
        ``ScratchMLPClassifier`` or ``ScratchMLPRegressor`` (or a subclass).
    mlp : MLPClassifier or MLPRegressor
        A fitted MLPClassifier for a classifier, a fitted MLPRegressor
        (``loss='squared_error'`` or ``'poisson'``) for a regressor.

    Returns
    -------
    estimator : ScratchMLPClassifier or ScratchMLPRegressor
        With the MLP's parameters (its defaults included, so the same
        network shape and solver), copies of its weights and labels, and the
        same ``predict_proba`` or ``predict``.
    """
    _check_same_kind(cls, mlp)
    check_is_fitted(mlp)
    ours = cls().get_params()
    estimator = cls(**{k: v for k, v in mlp.get_params().items() if k in ours})
    _copy_attributes(
        mlp,
        estimator,
        _NETWORK_ATTRIBUTES
        + _record(mlp)
        + ("validation_scores_", "best_validation_score_"),
    )
    estimator.solver_ = mlp.solver
    carried = "best_loss_" in _record(mlp)
    if not carried:  # a new record of losses, on our scale
        estimator.loss_, estimator.loss_curve_ = None, []
        estimator.best_loss_ = None if mlp.best_loss_ is None else np.inf
    if hasattr(mlp, "_no_improvement_count"):
        units = units_of(estimator.coefs_)
        theta = pack(estimator.coefs_, estimator.intercepts_)
        state = TrainingState.from_fitted_attributes(
            vars(estimator), units, theta, estimator.random_state
        )
        state.no_improvement_count = mlp._no_improvement_count if carried else 0
        estimator._training_state = state
    return estimator


def _check_same_kind(cls, mlp):
    """Refuse an MLP of the other kind, or a loss our network does not minimise."""
    wanted = _SKLEARN_CLASS[cls._target_kind]
    if not isinstance(mlp, wanted):
        other = next(
            (kind for kind in _SKLEARN_CLASS.values() if isinstance(mlp, kind)), None
        )
        hint = (
            f"; a fitted {other.__name__} goes to Scratch{other.__name__}.from_sklearn"
            if other is not None
            else ""
        )
        raise TypeError(
            f"{cls.__name__}.from_sklearn needs a fitted sklearn {wanted.__name__}, "
            f"got {type(mlp).__name__}{hint}."
        )
    loss = getattr(mlp, "loss", "squared_error")
    if wanted is MLPRegressor and loss not in OUTPUT_OF_LOSS:
        raise ValueError(
            f"This MLPRegressor has loss={loss!r}: {cls.__name__} has no such "
            f"loss, so no equivalent one exists. Only loss in "
            f"{sorted(OUTPUT_OF_LOSS)} converts."
        )


def _copy_attributes(source, target, names):
    for name in names:
        if hasattr(source, name):
            setattr(target, name, copy.deepcopy(getattr(source, name)))
