"""Convert between ScratchMLPClassifier and scikit-learn's MLPClassifier.

A fitted network is just its weights, its output function and its labels,
stored the same way by both estimators; these functions copy them across,
so the two predict the same probabilities, with the training record each
estimator needs to continue training.
"""

import copy

import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.utils.validation import check_is_fitted

from sknnscratch._network import pack, units_of
from sknnscratch._settings import hidden_layer_widths
from sknnscratch._state import TrainingState

# Parameters both estimators have, with the same meaning.
_SHARED_PARAMETERS = tuple(MLPClassifier().get_params())

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


def to_sklearn(estimator):
    """An equivalent fitted :class:`sklearn.neural_network.MLPClassifier`.

    Parameters
    ----------
    estimator : ScratchMLPClassifier
        A fitted estimator.

    Returns
    -------
    mlp : MLPClassifier
        With the same parameters (those MLPClassifier has; ``solver`` the
        one the model last trained with, ``alpha`` the one it trained with),
        copies of the weights and labels, and the same ``predict_proba``.
        For a model fitted on a single class the predictions agree, but
        MLPClassifier's ``predict_proba`` has two columns (one minus the
        network's sigmoid, and the sigmoid) where ours has one column of
        ones.

        It can be trained further, by MLPClassifier's rules (not ours: its
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
    if estimator.class_weight is not None:
        raise ValueError(
            "MLPClassifier has no class_weight: this model has no equivalent "
            "one. Set class_weight=None (and refit) to export it."
        )
    params = {
        name: value
        for name, value in estimator.get_params().items()
        if name in _SHARED_PARAMETERS
    }
    if params.get("solver") == "auto":  # MLPClassifier has no 'auto'
        params["solver"] = getattr(estimator, "solver_", "lbfgs")
    params["alpha"] = estimator.alpha  # ScratchMLPClassifierCV: alpha_
    sizes = params.get("hidden_layer_sizes")
    if isinstance(sizes, np.ndarray) and sizes.ndim == 0:  # MLPClassifier fails
        params["hidden_layer_sizes"] = hidden_layer_widths(sizes)
    mlp = MLPClassifier(**params)
    _copy_attributes(estimator, mlp, _NETWORK_ATTRIBUTES + _RECORD_ATTRIBUTES)
    _set_training_record(estimator, mlp)
    return mlp


def _set_training_record(estimator, mlp):
    """What MLPClassifier's stochastic training reads when it continues.

    ``MLPClassifier._initialize`` sets these at its first fit; a copy that
    skips it needs them to continue with ``partial_fit`` or a warm start.
    """
    state = getattr(estimator, "_training_state", None)
    mlp._no_improvement_count = 0 if state is None else state.no_improvement_count
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
        best_loss = getattr(estimator, "best_loss_", None)
        mlp.best_loss_ = np.inf if best_loss is None else best_loss


def from_sklearn(cls, mlp):
    """A fitted ScratchMLPClassifier with the network of a fitted MLPClassifier.

    Parameters
    ----------
    cls : type
        ``ScratchMLPClassifier`` (or a subclass).
    mlp : MLPClassifier
        A fitted classifier.

    Returns
    -------
    estimator : ScratchMLPClassifier
        With MLPClassifier's parameters (its defaults included, so the same
        network shape and solver), copies of its weights and labels, and the
        same ``predict_proba``.
    """
    if not isinstance(mlp, MLPClassifier):
        raise TypeError(
            f"from_sklearn needs a fitted sklearn MLPClassifier, got "
            f"{type(mlp).__name__}; MLPRegressor and other models have no "
            "equivalent ScratchMLPClassifier."
        )
    check_is_fitted(mlp)
    ours = cls().get_params()
    estimator = cls(**{k: v for k, v in mlp.get_params().items() if k in ours})
    _copy_attributes(
        mlp,
        estimator,
        _NETWORK_ATTRIBUTES
        + _RECORD_ATTRIBUTES
        + ("validation_scores_", "best_validation_score_"),
    )
    estimator.solver_ = mlp.solver
    if hasattr(mlp, "_no_improvement_count"):
        units = units_of(estimator.coefs_)
        theta = pack(estimator.coefs_, estimator.intercepts_)
        state = TrainingState.from_fitted_attributes(
            vars(estimator), units, theta, estimator.random_state
        )
        state.no_improvement_count = mlp._no_improvement_count
        estimator._training_state = state
    return estimator


def _copy_attributes(source, target, names):
    for name in names:
        if hasattr(source, name):
            setattr(target, name, copy.deepcopy(getattr(source, name)))
