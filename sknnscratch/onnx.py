"""ONNX export of ScratchMLPClassifier and ScratchMLPRegressor through skl2onnx.

Importing this module registers both estimators with skl2onnx, after which
``skl2onnx.to_onnx`` converts them, alone or inside a Pipeline, like any
scikit-learn model::

    import sknnscratch.onnx  # noqa: F401 (registers the converters)
    from skl2onnx import to_onnx

    onnx_model = to_onnx(model, X[:1].astype("float32"))

The fitted classifier is stored exactly like MLPClassifier's (``coefs_``,
``intercepts_``, ``activation``, ``out_activation_``, ``classes_``), so
skl2onnx's own MLPClassifier converter and shape calculator apply unchanged.
For a model fitted on a single class, the exported labels agree with
``predict``, but the exported probability is the network's sigmoid output
(as for MLPClassifier), not the column of ones ``predict_proba`` returns.

The regressor has a converter of its own: skl2onnx's MLPRegressor converter
reshapes the output to one column, which mixes up the rows of a model with
several target columns. Ours writes the same network (each layer's
``MatMul``, ``Add`` and activation, the identity at the output, or ``Exp``
for ``loss='poisson'``) and outputs
``(n_samples, n_outputs)``: one column for one target, where ``predict``
returns a 1-D array, as skl2onnx does for MLPRegressor. The computation runs
in double precision for float64 input and in single precision otherwise.
Needs the ``onnx`` extra: ``pip install "sknnscratch[onnx]"``.
"""

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    guess_proto_type,
)
from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
from skl2onnx.operator_converters.multilayer_perceptron import (
    convert_sklearn_mlp_classifier,
)
from skl2onnx.proto import onnx_proto

from sknnscratch._activations import log_max
from sknnscratch._classifier import ScratchMLPClassifier
from sknnscratch._regressor import ScratchMLPRegressor

__all__ = ["register"]

# The ONNX operator of each hidden activation.
_ACTIVATION_OPS = {
    "identity": "Identity",
    "tanh": "Tanh",
    "logistic": "Sigmoid",
    "relu": "Relu",
}


def register():
    """Register ScratchMLPClassifier and ScratchMLPRegressor with skl2onnx
    (done on import)."""
    update_registered_converter(
        ScratchMLPClassifier,
        "SknnscratchScratchMLPClassifier",
        calculate_linear_classifier_output_shapes,
        convert_sklearn_mlp_classifier,
        options={
            "zipmap": [True, False, "columns"],
            "nocl": [True, False],
            "output_class_labels": [False, True],
        },
    )
    update_registered_converter(
        ScratchMLPRegressor,
        "SknnscratchScratchMLPRegressor",
        _regressor_output_shape,
        _convert_regressor,
    )


def _regressor_output_shape(operator):
    """One output, ``(n_samples, n_outputs)``, in the input's float type."""
    input_type = operator.inputs[0].type
    float_type = (
        input_type.__class__
        if isinstance(input_type, FloatTensorType | DoubleTensorType)
        else FloatTensorType
    )
    n_samples = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = float_type([n_samples, operator.raw_operator.n_outputs_])


def _convert_regressor(scope, operator, container):
    """The regressor's forward pass as ONNX nodes: (F1), (F2), then the
    identity output, or ``Exp`` of the clipped logits for ``loss='poisson'``."""
    model = operator.raw_operator
    proto = guess_proto_type(operator.inputs[0].type)
    if proto != onnx_proto.TensorProto.DOUBLE:
        proto = onnx_proto.TensorProto.FLOAT
    dtype = np.float64 if proto == onnx_proto.TensorProto.DOUBLE else np.float32
    signal = scope.get_unique_variable_name("cast_input")
    container.add_node(
        "Cast",
        operator.inputs[0].full_name,
        signal,
        name=scope.get_unique_operator_name("Cast"),
        to=proto,
    )
    n_layers = len(model.coefs_)
    for layer, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        weights = scope.get_unique_variable_name("coefficient")
        biases = scope.get_unique_variable_name("intercepts")
        container.add_initializer(
            weights, proto, W.shape, np.asarray(W, dtype=dtype).ravel()
        )
        container.add_initializer(
            biases, proto, [1, b.shape[0]], np.asarray(b, dtype=dtype)
        )
        product = _node(scope, container, "MatMul", [signal, weights])
        signal = _node(scope, container, "Add", [product, biases])  # (F1)
        if layer < n_layers - 1:
            op = _ACTIVATION_OPS[model.activation]
            signal = _node(scope, container, op, [signal])  # (F2)
    if model.out_activation_ == "exp":  # loss='poisson': y_hat = exp(Z) (F3)
        # Clipped as predict clips it: exp stays finite.
        top = float(log_max(np.dtype(dtype)))
        bounds = []
        for name, value in (("clip_min", -top), ("clip_max", top)):
            bound = scope.get_unique_variable_name(name)
            container.add_initializer(bound, proto, [], [value])
            bounds.append(bound)
        signal = _node(scope, container, "Clip", [signal, *bounds])
        op = "Exp"
    else:  # the identity output: y_hat = Z (F3)
        op = "Identity"
    container.add_node(
        op,
        signal,
        operator.outputs[0].full_name,
        name=scope.get_unique_operator_name(op),
    )


def _node(scope, container, op_type, inputs):
    """Add one ``op_type`` node on ``inputs``; the name of its output."""
    output = scope.get_unique_variable_name(op_type.lower())
    container.add_node(
        op_type, inputs, output, name=scope.get_unique_operator_name(op_type)
    )
    return output


register()
