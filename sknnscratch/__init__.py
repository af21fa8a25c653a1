"""sknnscratch: a scikit-learn MLP classifier whose network is written by hand."""

from sknnscratch._classifier import ScratchMLPClassifier

__all__ = ["ScratchMLPClassifier"]
__version__ = "0.1.0"
