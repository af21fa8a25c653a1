"""sknnscratch: a scikit-learn MLP classifier with a hand-written numpy network."""

from sknnscratch._classifier import ScratchMLPClassifier
from sknnscratch._display import LossCurveDisplay
from sknnscratch._inspect import GradientReport, Trace, check_gradients, trace

__all__ = [
    "GradientReport",
    "LossCurveDisplay",
    "ScratchMLPClassifier",
    "Trace",
    "check_gradients",
    "trace",
]
__version__ = "0.1.0"
