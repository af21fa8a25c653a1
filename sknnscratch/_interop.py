"""Convert between ScratchMLPClassifier and scikit-learn's MLPClassifier.

A fitted network is just its weights, its output function and its labels,
stored the same way by both estimators; these functions copy them across,
so the two predict the same probabilities.
"""

import copy

from sklearn.neural_network import MLPClassifier
from sklearn.utils.validation import check_is_fitted

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
        With the same parameters (those MLPClassifier has), copies of the
        weights and labels, and the same ``predict_proba``. Training it
        further follows MLPClassifier's rules, not ours. For a model fitted
        on a single class the predictions agree, but MLPClassifier's
        ``predict_proba`` has two columns (one minus the network's sigmoid,
        and the sigmoid) where ours has one column of ones.

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
    mlp = MLPClassifier(**params)
    _copy_attributes(estimator, mlp, _NETWORK_ATTRIBUTES + _RECORD_ATTRIBUTES)
    return mlp


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
    _copy_attributes(mlp, estimator, _NETWORK_ATTRIBUTES + _RECORD_ATTRIBUTES)
    estimator.solver_ = mlp.solver
    return estimator


def _copy_attributes(source, target, names):
    for name in names:
        if hasattr(source, name):
            setattr(target, name, copy.deepcopy(getattr(source, name)))
