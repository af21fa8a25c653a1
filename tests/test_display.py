"""The loss-curve display (``_display.py``)."""

import matplotlib
import numpy as np
import pytest
from conftest import fitted, quiet
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


def test_display_reads_the_last_step_of_a_pipeline(binary_data):
    import matplotlib.pyplot as plt
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = binary_data
    pipeline = make_pipeline(
        StandardScaler(),
        ScratchMLPClassifier(
            solver="adam", early_stopping=True, max_iter=30, random_state=0
        ),
    )
    quiet(pipeline, X, y)
    display = LossCurveDisplay.from_estimator(pipeline)
    model = pipeline[-1]
    assert len(display.lines_) == 3
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), model.loss_curve_)
    np.testing.assert_array_equal(
        display.lines_[1].get_ydata(), model.validation_loss_curve_
    )
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend[0] == "ScratchMLPClassifier: training loss"
    plt.close("all")
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(
            make_pipeline(StandardScaler(), ScratchMLPClassifier())
        )


def test_display_refuses_an_estimator_without_curves(binary_data):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = binary_data
    pipeline = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    with pytest.raises(TypeError, match="Pipeline whose last step is one"):
        LossCurveDisplay.from_estimator(pipeline)
