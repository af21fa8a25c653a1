"""The estimators' side of Array API support: their input and output arrays.

Under scikit-learn's ``array_api_dispatch``, ``fit`` and ``partial_fit`` on
arrays of another namespace (PyTorch, CuPy, array-api-strict...) validate
and encode the data on the host, exactly as for numpy input, and train on
the input's device (:func:`training_inputs`; the loops move the rows there
once). The fitted network lives there too. ``predict`` and the other
methods validate ``X`` with scikit-learn's ``validate_data`` in its own
namespace, compute there, and answer in it (:func:`device_logits`,
:func:`labels`, :func:`columns`).
"""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import validate_data

from sknnscratch._namespace import (
    dispatching,
    host_inputs,
    is_numpy,
    move_to,
    namespace,
    placement_of,
    placement_of_model,
    to_numpy,
)
from sknnscratch._network import output_logits, output_logits_at_any_scale
from sknnscratch._persistence import check_fitted_network


def training_inputs(X, y, sample_weight):
    """Where a training call computes, and its inputs on the host.

    Returns
    -------
    placement : Placement or None
        ``X``'s namespace and device under ``array_api_dispatch``; None for
        the numpy path.
    X, y, sample_weight
        As numpy arrays where they were arrays of another namespace (``y``
        and ``sample_weight`` may come from another one than ``X``); as
        given otherwise.
    """
    placement = placement_of(X)
    if dispatching():
        X, y, sample_weight = host_inputs(X, y, sample_weight)
    return placement, X, y, sample_weight


def device_logits(estimator, X, placement):
    """The output logits of ``X`` on ``placement``'s device.

    ``X`` is validated by scikit-learn's ``validate_data`` in its namespace
    (float32 or float64, the fitted number of columns). Rows whose logits
    overflow (inputs around 1e306 in float64) are redone on the host by
    :func:`~sknnscratch._network.output_logits_at_any_scale`; all logits are
    clipped to a quarter of the largest float, as on the host.
    """
    check_fitted_network(move_to(estimator), finite=False)
    xp = placement.xp
    X = validate_data(estimator, X, dtype=(xp.float64, xp.float32), reset=False)
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    if coefs[0].dtype != X.dtype:
        coefs = [xp.astype(W, X.dtype) for W in coefs]
        intercepts = [xp.astype(b, X.dtype) for b in intercepts]
    Z = output_logits(X, coefs, intercepts, estimator.activation)
    if not bool(xp.all(xp.isfinite(Z))):
        host = output_logits_at_any_scale(
            to_numpy(X),
            [to_numpy(W) for W in coefs],
            [to_numpy(b) for b in intercepts],
            estimator.activation,
        )
        return placement.put(host)
    biggest = float(xp.finfo(Z.dtype).max) / 4
    return xp.clip(Z, -biggest, biggest)


def columns(arrays):
    """Arrays of one column each, side by side (``np.hstack``), in their namespace."""
    if is_numpy(arrays[0]):
        return np.hstack(arrays)
    return namespace(arrays[0]).concat(arrays, axis=1)


def labels(binarizer, Z, placement):
    """The predicted labels of logits ``Z`` on the device (``inverse_transform``).

    As ``LabelBinarizer.inverse_transform(Z, threshold=0.0)``: the class of
    the largest logit, ``classes_[1]`` where a binary logit is positive, 0/1
    per label for multilabel targets. Numeric labels come back in ``Z``'s
    namespace and device; labels no namespace can hold (strings) as numpy.
    ``placement`` None: numpy's ``inverse_transform`` itself.
    """
    if placement is None:
        return binarizer.inverse_transform(Z, threshold=0.0)
    xp = placement.xp
    classes = binarizer.classes_
    if binarizer.y_type_ == "multilabel-indicator":
        return xp.astype(Z > 0, xp.int64)
    if binarizer.y_type_ == "multiclass":
        index = xp.argmax(Z, axis=1)
    elif len(classes) == 1:
        index = xp.zeros(Z.shape[0], dtype=xp.int64, device=placement.device)
    else:
        index = xp.astype(Z[:, 0] > 0, xp.int64)
    if classes.dtype.kind in "biuf":
        return xp.take(placement.put(classes), index, axis=0)
    return classes[to_numpy(index)]


class DeviceClassifierMixin(ClassifierMixin):
    """scikit-learn's ``ClassifierMixin``, scoring a network that may live on a device.

    The labels are predicted on the device, then compared on the host in
    float64: scikit-learn's ``accuracy_score`` on PyTorch arrays averages
    in the default float dtype (float32), which rounds the accuracy of a
    model trained in float64. A model in numpy scores as ``ClassifierMixin``.
    """

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the given data and labels (see ``ClassifierMixin``)."""
        if placement_of_model(self) is None:
            return super().score(X, y, sample_weight=sample_weight)
        predicted = to_numpy(self.predict(X))
        y, sample_weight = host_inputs(y, sample_weight)
        return float(accuracy_score(y, predicted, sample_weight=sample_weight))


class DeviceRegressorMixin(RegressorMixin):
    """scikit-learn's ``RegressorMixin``, scoring a network that may live on a device.

    The values are predicted on the device, then R^2 is computed on the host
    in float64, as :class:`DeviceClassifierMixin` compares labels there. A
    model in numpy scores as ``RegressorMixin``.
    """

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions on the given data (see ``RegressorMixin``)."""
        if placement_of_model(self) is None:
            return super().score(X, y, sample_weight=sample_weight)
        predicted = to_numpy(self.predict(X)).astype(np.float64)
        y, sample_weight = host_inputs(y, sample_weight)
        return float(r2_score(y, predicted, sample_weight=sample_weight))
