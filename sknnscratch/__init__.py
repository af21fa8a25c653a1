"""sknnscratch: a scikit-learn MLP classifier with a hand-written numpy network."""

from sknnscratch._classifier import ScratchMLPClassifier
from sknnscratch._cv import ScratchMLPClassifierCV, ScratchMLPRegressorCV
from sknnscratch._display import LossCurveDisplay
from sknnscratch._inspect import (
    GradientCheck,
    GradientReport,
    Trace,
    check_gradients,
    trace,
)
from sknnscratch._namespace import move_to
from sknnscratch._persistence import SknnscratchVersionWarning
from sknnscratch._regressor import ScratchMLPRegressor
from sknnscratch._version import __version__ as __version__

__all__ = [
    "GradientCheck",
    "GradientReport",
    "LossCurveDisplay",
    "ScratchMLPClassifier",
    "ScratchMLPClassifierCV",
    "ScratchMLPRegressor",
    "ScratchMLPRegressorCV",
    "SknnscratchVersionWarning",
    "Trace",
    "check_gradients",
    "move_to",
    "trace",
]
