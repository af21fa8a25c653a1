"""LossCurveDisplay: the training curves of a ScratchMLPClassifier or Regressor.

Follows scikit-learn's Display pattern (``from_estimator``, ``plot``,
attributes ``ax_``, ``figure_``, ``lines_``); matplotlib is imported only
when something is drawn (``pip install "sknnscratch[examples]"``).
"""

from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted


class LossCurveDisplay:
    """Training loss per epoch, with validation loss and score when recorded.

    Build it with :meth:`from_estimator` (or from the lists directly) and
    draw it with :meth:`plot`. The validation score goes on a second y-axis
    on the right, since it is on another scale. With early stopping, a
    vertical line marks the best epoch, whose weights the model kept. The
    legend sits below the axes, where it cannot hide a curve.

    Parameters
    ----------
    loss_curve : list of float
        The training objective per epoch (or L-BFGS iteration).
    validation_loss_curve : list of float, default=None
        The validation loss per epoch: the cross-entropy of a classifier,
        the squared error of a regressor.
    validation_scores : list of float, default=None
        The validation score per epoch.
    estimator_name : str, default=None
        Used in the legend.
    best_epoch : int, default=None
        The epoch (counted from 1) to mark as the best one: early stopping
        restores its weights. ``from_estimator`` finds it.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes with the loss curves.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.
    lines_ : list of matplotlib Line2D
        Every line drawn: training loss, then validation loss and validation
        score when they were recorded.
    score_ax_ : matplotlib Axes or None
        The second axes with the validation score, if drawn.
    best_line_ : matplotlib Line2D or None
        The vertical line at ``best_epoch``, if one is marked.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_classification
    >>> from sknnscratch import LossCurveDisplay, ScratchMLPClassifier
    >>> X, y = make_classification(n_samples=200, n_features=13, random_state=0)
    >>> model = ScratchMLPClassifier(
    ...     solver="adam", early_stopping=True, random_state=0
    ... ).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(model)
    >>> len(display.lines_)
    3
    >>> model.validation_scores_[display.best_epoch - 1] == model.best_validation_score_
    True
    """

    def __init__(
        self,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
        best_epoch=None,
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name
        self.best_epoch = best_epoch

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Draw the curves recorded by a fitted estimator.

        Parameters
        ----------
        estimator : ScratchMLPClassifier, ScratchMLPRegressor, Pipeline or \
TransformedTargetRegressor
            A fitted estimator, a fitted Pipeline whose last step is one, or
            a fitted TransformedTargetRegressor around either (the curves of
            the network inside are drawn; a regressor's losses are then on
            the transformed target's scale, the one it trained on).
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        name : str, default=None
            Legend name; the estimator's class name when None.
        **kwargs : dict
            Passed to matplotlib's ``plot`` for the training curve.

        Returns
        -------
        display : LossCurveDisplay
        """
        estimator = _network_of(estimator)
        if not hasattr(estimator, "loss_curve_"):
            raise TypeError(
                "LossCurveDisplay.from_estimator needs a fitted ScratchMLPClassifier "
                "or ScratchMLPRegressor, or a Pipeline whose last step is one (it "
                f"reads loss_curve_); {type(estimator).__name__} has no loss_curve_."
            )
        validation_loss_curve = getattr(estimator, "validation_loss_curve_", None)
        validation_scores = getattr(estimator, "validation_scores_", None)
        display = cls(
            loss_curve=list(estimator.loss_curve_),
            validation_loss_curve=validation_loss_curve,
            validation_scores=validation_scores,
            estimator_name=name or type(estimator).__name__,
            best_epoch=best_validation_epoch(validation_scores, validation_loss_curve),
        )
        return display.plot(ax=ax, **kwargs)

    def plot(self, ax=None, *, name=None, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        name : str, default=None
            Legend name, overriding ``estimator_name``.
        **kwargs : dict
            Passed to matplotlib's ``plot`` for the training curve.

        Returns
        -------
        display : LossCurveDisplay
            This object, with ``ax_``, ``figure_`` and ``lines_`` set.
        """
        import matplotlib.pyplot as plt

        if ax is None:  # constrained: the legend below the axes stays in
            _, ax = plt.subplots(layout="constrained")
        name = name or self.estimator_name
        prefix = f"{name}: " if name else ""
        epochs = range(1, len(self.loss_curve) + 1)
        lines = ax.plot(
            epochs, self.loss_curve, label=f"{prefix}training loss", **kwargs
        )
        if self.validation_loss_curve:
            lines += ax.plot(
                range(1, len(self.validation_loss_curve) + 1),
                self.validation_loss_curve,
                linestyle="--",
                label=f"{prefix}validation loss",
            )
        ax.set_xlabel("epoch (or L-BFGS iteration)")
        ax.set_ylabel("loss")
        self.score_ax_ = None
        if self.validation_scores:
            self.score_ax_ = ax.twinx()
            lines += self.score_ax_.plot(
                range(1, len(self.validation_scores) + 1),
                self.validation_scores,
                color="tab:green",
                linestyle=":",
                label=f"{prefix}validation score",
            )
            self.score_ax_.set_ylabel("validation score")
        handles = list(lines)
        self.best_line_ = None
        if self.best_epoch is not None:
            self.best_line_ = ax.axvline(
                self.best_epoch,
                color="0.4",
                linestyle="-.",
                linewidth=1,
                label=f"best epoch ({self.best_epoch}), weights kept",
            )
            handles.append(self.best_line_)
        # Below the axes: inside them, a legend always hides part of a curve.
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            ncols=2,
            frameon=False,
            fontsize="small",
        )
        self.ax_, self.figure_, self.lines_ = ax, ax.figure, lines
        return self


def _network_of(estimator):
    """The fitted estimator whose curves a fitted ``estimator`` holds.

    The last step of a Pipeline; the fitted regressor inside a
    TransformedTargetRegressor (itself perhaps a Pipeline).
    """
    if isinstance(estimator, TransformedTargetRegressor):
        check_is_fitted(estimator)
        return _network_of(estimator.regressor_)
    if isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    check_is_fitted(estimator)
    return estimator


def best_validation_epoch(validation_scores, validation_loss_curve):
    """The epoch (from 1) whose weights early stopping keeps, or None.

    The highest score; among tied scores the lowest validation loss; among
    exact ties the first (the rule of the estimators' early stopping).
    """
    if not validation_scores:
        return None
    losses = validation_loss_curve or [0.0] * len(validation_scores)
    best = 0
    for epoch, (score, loss) in enumerate(zip(validation_scores, losses, strict=True)):
        if score > validation_scores[best] or (
            score >= validation_scores[best] and loss < losses[best]
        ):
            best = epoch
    return best + 1
