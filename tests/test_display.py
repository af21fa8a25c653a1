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


def test_the_docstring_example_runs():
    import doctest

    import matplotlib.pyplot as plt

    from sknnscratch import _display

    results = doctest.testmod(_display)
    assert results.attempted >= 5 and results.failed == 0
    plt.close("all")


def test_the_best_epoch_is_the_one_whose_weights_were_kept(binary_data):
    import matplotlib.pyplot as plt

    X, y = binary_data
    model = fitted(
        (X, y), solver="adam", early_stopping=True, max_iter=200, n_iter_no_change=5
    )
    display = LossCurveDisplay.from_estimator(model)
    best = display.best_epoch
    assert model.validation_scores_[best - 1] == model.best_validation_score_
    assert display.best_line_.get_xdata()[0] == best
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert f"best epoch ({best}), weights kept" in legend
    plt.close("all")


def test_the_best_epoch_rule_breaks_ties_by_the_validation_loss():
    from sknnscratch._display import best_validation_epoch

    assert best_validation_epoch([0.5, 0.9, 0.9, 0.8], [1.0, 0.4, 0.3, 0.2]) == 3
    assert best_validation_epoch([0.5, 0.9, 0.9], [1.0, 0.3, 0.3]) == 2
    assert best_validation_epoch(None, None) is None


def test_no_best_epoch_is_marked_without_early_stopping(binary_data):
    import matplotlib.pyplot as plt

    display = LossCurveDisplay.from_estimator(fitted(binary_data))
    assert display.best_epoch is None and display.best_line_ is None
    plt.close("all")


def test_the_legend_hides_no_curve(binary_data):
    import matplotlib.pyplot as plt

    X, y = binary_data
    model = fitted((X, y), solver="adam", early_stopping=True, max_iter=60)
    display = LossCurveDisplay.from_estimator(model)
    figure = display.figure_
    figure.canvas.draw()
    legend_box = display.ax_.get_legend().get_window_extent()
    axes_box = display.ax_.get_window_extent()
    assert not legend_box.overlaps(axes_box)
    for line in display.lines_:
        points = line.get_transform().transform(line.get_xydata())
        inside = (
            (points[:, 0] >= legend_box.x0)
            & (points[:, 0] <= legend_box.x1)
            & (points[:, 1] >= legend_box.y0)
            & (points[:, 1] <= legend_box.y1)
        )
        assert not inside.any()
    # Nothing of the legend is cut off the figure.
    figure_box = figure.bbox
    assert figure_box.x0 <= legend_box.x0 and legend_box.x1 <= figure_box.x1
    assert figure_box.y0 <= legend_box.y0
    plt.close("all")


# ------------------------------------------------------------- the regressor


def _regression_data(n=200):
    from sklearn.datasets import make_regression

    X, y = make_regression(n_samples=n, n_features=5, noise=5.0, random_state=0)
    return X, (y - y.mean()) / y.std()


def test_display_draws_a_regressors_curves_and_best_epoch():
    import matplotlib.pyplot as plt

    from sknnscratch import ScratchMLPRegressor

    X, y = _regression_data()
    model = ScratchMLPRegressor(
        solver="adam",
        early_stopping=True,
        max_iter=40,
        learning_rate_init=0.01,
        random_state=0,
    )
    quiet(model, X, y)
    display = LossCurveDisplay.from_estimator(model)
    assert len(display.lines_) == 3
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), model.loss_curve_)
    np.testing.assert_array_equal(
        display.lines_[1].get_ydata(), model.validation_loss_curve_
    )
    np.testing.assert_array_equal(
        display.lines_[2].get_ydata(), model.validation_scores_
    )
    best = model.validation_scores_[display.best_epoch - 1]
    assert best == model.best_validation_score_
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend[0] == "ScratchMLPRegressor: training loss"
    plt.close("all")


def test_display_reads_a_regressor_in_a_pipeline_or_a_target_transformer():
    import matplotlib.pyplot as plt
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknnscratch import ScratchMLPRegressor

    X, y = _regression_data()
    pipeline = make_pipeline(StandardScaler(), ScratchMLPRegressor(random_state=0))
    scaled_target = TransformedTargetRegressor(
        regressor=pipeline, transformer=StandardScaler()
    )
    for estimator in (pipeline, scaled_target):
        with pytest.raises(NotFittedError):
            LossCurveDisplay.from_estimator(estimator)
    quiet(scaled_target, X, 100 * y)
    network = scaled_target.regressor_[-1]
    display = LossCurveDisplay.from_estimator(scaled_target)
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), network.loss_curve_)
    assert display.best_epoch is None and display.score_ax_ is None
    plt.close("all")
