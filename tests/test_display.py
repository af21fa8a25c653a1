"""The loss-curve display (``_display.py``)."""

import matplotlib
import numpy as np
import pytest
from conftest import fitted
from sklearn.exceptions import NotFittedError

from sknnscratch import LossCurveDisplay, ScratchMLPClassifier

matplotlib.use("Agg")
ACTIVATIONS = ["relu", "tanh", "logistic", "identity"]


def test_display_draws_the_training_curve(binary_data):
    import matplotlib.pyplot as plt

    X, y = binary_data
    model = fitted((X, y))
    display = LossCurveDisplay.from_estimator(model)
    assert len(display.lines_) == 1
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), model.loss_curve_)
    assert display.figure_ is display.ax_.figure
    assert display.score_ax_ is None
    _, ax = plt.subplots()
    again = display.plot(ax=ax, name="mine")
    assert again.ax_ is ax
    assert ax.get_legend().get_texts()[0].get_text() == "mine: training loss"
    plt.close("all")


def test_display_adds_validation_loss_and_score(binary_data):
    import matplotlib.pyplot as plt

    X, y = binary_data
    model = fitted((X, y), solver="adam", early_stopping=True, max_iter=30)
    display = LossCurveDisplay.from_estimator(model)
    assert len(display.lines_) == 3
    np.testing.assert_array_equal(
        display.lines_[1].get_ydata(), model.validation_loss_curve_
    )
    np.testing.assert_array_equal(
        display.lines_[2].get_ydata(), model.validation_scores_
    )
    assert display.score_ax_ is not None
    plt.close("all")


def test_display_needs_a_fitted_model():
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(ScratchMLPClassifier())
