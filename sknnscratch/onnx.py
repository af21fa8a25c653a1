"""ONNX export of ScratchMLPClassifier through skl2onnx.

Importing this module registers the estimator with skl2onnx, after which
``skl2onnx.to_onnx`` converts it, alone or inside a Pipeline, like any
scikit-learn model::

    import sknnscratch.onnx  # noqa: F401 (registers the converter)
    from skl2onnx import to_onnx

    onnx_model = to_onnx(model, X[:1].astype("float32"))

The fitted network is stored exactly like MLPClassifier's (``coefs_``,
``intercepts_``, ``activation``, ``out_activation_``, ``classes_``), so
skl2onnx's own MLPClassifier converter and shape calculator apply unchanged.
For a model fitted on a single class, the exported labels agree with
``predict``, but the exported probability is the network's sigmoid output
(as for MLPClassifier), not the column of ones ``predict_proba`` returns.
Needs the ``onnx`` extra: ``pip install "sknnscratch[onnx]"``.
"""

from skl2onnx import update_registered_converter
from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
from skl2onnx.operator_converters.multilayer_perceptron import (
    convert_sklearn_mlp_classifier,
)

from sknnscratch._classifier import ScratchMLPClassifier

__all__ = ["register"]


def register():
    """Register ScratchMLPClassifier with skl2onnx (done on import)."""
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


register()
