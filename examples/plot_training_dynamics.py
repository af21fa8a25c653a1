"""How a small ReLU network bends its decision boundary while it trains
====================================================================

A 2-4-1 ``ScratchMLPClassifier`` (2 inputs, 4 ReLU hidden units by default,
one sigmoid output) learns two 2-D problems, XOR with noise and two
interleaved moons (200 points each, standardised; every point is a training
point), and the example draws both passes of training: the forward pass, the
boundary the units' ramps add up to, and the backward pass, which points send
each unit gradient and how large its weight gradient is. The same backward
picture follows the 13-8-1 heart-disease network of the derivation under the
full-batch gradient descent of its section 9 and of the notebook.

The 2-D networks train with Adam (learning rate 0.01, batches of 32,
``alpha=0.0001``, ``random_state=0``), one ``partial_fit`` call per epoch.
The figures (each one's caption, under it in the gallery, gives the
detail and is kept as the saved PNG's Description):

* figures 1 and 2, **the forward pass** on XOR and on the moons: one row per
  moment of training (epochs 0, 10, 50, 200 and the last, 300 by default).
  The first column is the decision boundary: the network's probability of
  class 1 over the plane, its 0.5 contour, the training points, and each
  hidden unit's line w.x + b = 0 dashed in the unit's colour. Then one panel
  per hidden unit: its activation max(0, w.x + b), silent (0) on one side of
  its line and growing linearly on the other; the output is a weighted sum of
  these ramps, so the boundary is made of straight pieces that bend where a
  unit's line crosses it;
* figure 3, **the backward pass** of the XOR run: for each hidden unit (a
  column), the training points that send it gradient, those on the active
  side of its line where its (B7) mask is 1 (coloured; the others grey), at
  three epochs; under them, over every epoch, how many points do, and the
  size of the data term of its weight gradient, ``|dL/dW1^T[:, j]|``;
* figure 4, the same for a run on the moons with a learning rate 30 times
  larger: a unit whose line leaves every point on its silent side gets no
  gradient from any point again, a *dead* unit (the data term of its weight
  gradient is exactly 0 and leaves the log-scale plot; only the tiny L2 term
  still moves it);
* figure 5, the same for the 13-8-1 network on the 303 heart-disease
  patients (standardised), ``solver="sgd"``, no momentum, all rows in every
  step, learning rate 0.1, the default ``alpha=2.5``: the notebook's 300
  steps, whose first is the step worked number by number in the derivation.
  The patients are drawn at their two first principal components.

For each problem it prints the training accuracy at every drawn epoch and
checks the forward pass written out in numpy against ``predict_proba``; it
saves ``training_dynamics_xor.png``, ``training_dynamics_moons.png``,
``training_dynamics_xor_backward.png``,
``training_dynamics_moons_dying_backward.png`` and
``training_dynamics_heart_backward.png`` to ``--output-dir`` and leaves every
figure open.

It needs matplotlib (``pip install "sknnscratch[examples]"``) and takes about
25 seconds. Run (``--help`` lists every option)::

    python examples/plot_training_dynamics.py [--output-dir DIR] [--epochs N]
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.special import expit
from sklearn.datasets import make_moons
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier, trace
from sknnscratch.datasets import load_heart_disease

SNAPSHOT_EPOCHS = (0, 10, 50, 200)
BACKWARD_EPOCHS = (0, 50)  # and the last: the rows of the backward figures
LEARNING_RATE = 0.01
DYING_LEARNING_RATE = 0.3  # the moons run in which a unit dies
BATCH_SIZE = 32
N_SAMPLES = 200
SOLVER_NAMES = {"adam": "Adam", "sgd": "SGD", "lbfgs": "L-BFGS"}
XOR_NOISE = 0.35
MOONS_NOISE = 0.15
HEART_LEARNING_RATE = 0.1
HEART_STEPS = 300
DPI = 120
CLASS_STYLE = ((0, "#2166ac", "o"), (1, "#b2182b", "^"))  # blue circles, red triangles


def noisy_xor(n_samples=200, noise=0.35, random_state=0):
    """Points around the 4 corners (+-1, +-1); class 1 where x1 * x2 < 0."""
    rng = np.random.default_rng(random_state)
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=float)
    corner = corners[rng.integers(0, 4, n_samples)]
    X = corner + rng.normal(0.0, noise, (n_samples, 2))
    y = (corner[:, 0] * corner[:, 1] < 0).astype(int)
    return X, y


def problems():
    """The two data sets, standardised: {file name part: (title, source, X, y)}."""
    moons = make_moons(n_samples=N_SAMPLES, noise=MOONS_NOISE, random_state=0)
    data = {
        "xor": (
            "XOR with noise",
            f"{N_SAMPLES} points around the corners (+-1, +-1), Gaussian noise of "
            f"standard deviation {XOR_NOISE} (seed 0), class 1 around (-1, 1) and "
            "(1, -1)",
            *noisy_xor(N_SAMPLES, XOR_NOISE),
        ),
        "moons": (
            "Two moons",
            f"make_moons(n_samples={N_SAMPLES}, noise={MOONS_NOISE}, random_state=0)",
            *moons,
        ),
    }
    return {
        key: (title, source, StandardScaler().fit_transform(X), y)
        for key, (title, source, X, y) in data.items()
    }


def make_model(hidden_units, learning_rate=LEARNING_RATE):
    """The network: solver and every setting that shapes training, explicit."""
    return ScratchMLPClassifier(
        hidden_layer_sizes=(hidden_units,),
        activation="relu",
        solver="adam",
        learning_rate_init=learning_rate,
        batch_size=BATCH_SIZE,
        alpha=1e-4,
        shuffle=True,
        random_state=0,
    )


def heart_model():
    """The derivation's 13-8-1 network under full-batch gradient descent."""
    return ScratchMLPClassifier(
        solver="sgd",
        momentum=0.0,
        batch_size=303,
        learning_rate_init=HEART_LEARNING_RATE,
        shuffle=False,
        random_state=0,
    )


def train(model, X, y, epochs, wanted):
    """One ``partial_fit`` call per epoch, with the backward pass of every epoch.

    Every epoch's numbers come from ``trace`` at the weights of that epoch
    (epoch 0: the initial weights, before any training).

    Returns
    -------
    snapshots : dict of int to (coefs, intercepts)
        Copies of the weights at the ``wanted`` epochs.
    masks : dict of int to ndarray of shape (n_samples, n_units)
        The (B7) mask f'(Z1) at the same epochs: 1 where a point sends its
        hidden unit gradient.
    active : ndarray of shape (epochs + 1, n_units)
        How many points send each unit gradient, at every epoch.
    gradient : ndarray of shape (epochs + 1, n_units)
        The norm of the data term of each unit's weight gradient,
        ``|dL/dW1^T[:, j]|``, at every epoch.
    """
    snapshots, masks, active, gradient = {}, {}, [], []
    for epoch in range(epochs + 1):
        if epoch:
            model.partial_fit(X, y, classes=[0, 1])
        with warnings.catch_warnings():
            # The learning rate of the dying run makes some outputs exactly 0
            # or 1 late in training, as intended: trace would say so each epoch.
            warnings.simplefilter("ignore", UserWarning)
            steps = trace(model, X, y)
        active.append(steps["f'(Z1)"].sum(axis=0))
        gradient.append(np.linalg.norm(steps["dL/dW1^T"], axis=0))
        if epoch in wanted:
            snapshots[epoch] = (
                [steps["W1^T"].copy(), steps["W2^T"].copy()],
                [steps["b1"].copy(), steps["b2"].copy()],
            )
            masks[epoch] = steps["f'(Z1)"].copy()
    return snapshots, masks, np.array(active), np.array(gradient)


def probability_and_hidden(points, coefs, intercepts):
    """The forward pass by hand: P(class 1) and every hidden unit's activation."""
    (W1, W2), (b1, b2) = coefs, intercepts
    hidden = np.maximum(points @ W1 + b1, 0)  # (n, units)
    return expit(hidden @ W2 + b2)[:, 0], hidden


def accuracy_of(snapshots, X, y):
    return {
        epoch: np.mean((probability_and_hidden(X, *weights)[0] > 0.5) == y)
        for epoch, weights in snapshots.items()
    }


def describe(model, title, source, n_points):
    """The model and data in words, for the captions."""
    units = model.hidden_layer_sizes[0]
    return (
        f"{title}: {source}; standardised; all {n_points} points are training "
        f"points. A 2-{units}-1 ScratchMLPClassifier (activation="
        f"{model.activation!r}, sigmoid output) trained with "
        f"{SOLVER_NAMES[model.solver]} (learning rate {model.learning_rate_init:g}, "
        f"batches of {model.batch_size}, alpha={model.alpha:g}, random_state="
        f"{model.random_state}), one partial_fit call per epoch; epoch 0 is the "
        "initial weights."
    )


def finish(fig, title, paragraphs):
    """A one-line title on top; the explanation is the figure's caption.

    ``fig.caption`` is what the documentation's gallery prints under the
    figure, and what a saved PNG keeps as its Description.
    """
    above = 0.6
    total = fig.get_figheight() + above
    fig.set_figheight(total)
    fig.suptitle(title, fontsize=13, y=1 - 0.15 / total, va="top")
    fig.caption = "\n\n".join(paragraphs)
    fig.tight_layout(rect=(0, 0, 1, 1 - above / total))


def draw(plt, title, source, X, y, model, snapshots, accuracy):
    """The forward pass: a row per snapshot, the boundary then each hidden unit."""
    hidden_units = snapshots[0][0][0].shape[1]
    low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs, ys = np.linspace(low[0], high[0], 120), np.linspace(low[1], high[1], 120)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    extent = (low[0], high[0], low[1], high[1])
    unit_colours = plt.get_cmap("tab10").colors
    n_rows, n_cols = len(snapshots), 1 + hidden_units
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(1.9 * n_cols, 1.95 * n_rows), squeeze=False
    )
    for row, (epoch, (coefs, intercepts)) in zip(axes, snapshots.items(), strict=True):
        proba, hidden = probability_and_hidden(grid, coefs, intercepts)
        lines = [(coefs[0][:, unit], intercepts[0][unit]) for unit in range(n_cols - 1)]

        ax = row[0]
        ax.imshow(
            proba.reshape(grid_x.shape),
            origin="lower",
            extent=extent,
            aspect="auto",
            cmap="RdBu_r",
            vmin=0,
            vmax=1,
            alpha=0.6,
        )
        if proba.min() < 0.5 < proba.max():
            ax.contour(
                grid_x,
                grid_y,
                proba.reshape(grid_x.shape),
                levels=[0.5],
                colors="black",
                linewidths=1.5,
            )
        _scatter_classes(ax, X, y, size=9)
        for unit, (w, b) in enumerate(lines):
            _unit_line(ax, w, b, xs, unit_colours[unit])
        ax.set_title(f"epoch {epoch}: acc. {accuracy[epoch]:.2f}", fontsize=10)

        # One colour scale per row: the units' activations compare directly.
        largest = max(hidden.max(), 1e-12)
        for unit, ax in enumerate(row[1:]):
            ax.imshow(
                hidden[:, unit].reshape(grid_x.shape),
                origin="lower",
                extent=extent,
                aspect="auto",
                cmap="Greys",
                vmin=0,
                vmax=largest,
            )
            _scatter_classes(ax, X, y, size=3, alpha=0.5)
            _unit_line(ax, *lines[unit], xs, unit_colours[unit])
            ax.set_title(
                f"h{unit + 1}, to output {coefs[1][unit, 0]:+.2f}",
                fontsize=10,
                color=unit_colours[unit],
            )
        for ax in row:
            ax.set(xlim=extent[:2], ylim=extent[2:], xticks=[], yticks=[])
    finish(
        fig,
        f"{title}: the forward pass while training",
        [
            describe(model, title, source, len(X)),
            "Rows: epochs. First column: P(class 1) over the plane (red near 1, "
            "white 0.5, blue near 0), its 0.5 contour (black, where the plane "
            "holds both sides), the points (red triangles: class 1, blue "
            "circles: class 0) and each hidden unit's line w.x + b = 0 (dashed, "
            "in the unit's colour); its title gives the training accuracy.",
            "Other columns: each hidden unit's activation max(0, w.x + b), white "
            "0 to black the row's largest, and its weight to the output. Axes: "
            "the two standardised features, the same limits in every panel.",
        ],
    )
    return fig


def draw_backward(
    plt, title, points, y, masks, active, gradient, words, lines=None, time="epoch"
):
    """The backward pass: per hidden unit, who sends it gradient, and how much.

    ``points`` are the 2-D positions to draw the samples at; ``lines``, for
    data that are 2-D themselves, ``{epoch: (W1^T, b1)}`` to draw each
    unit's line w.x + b = 0.
    """
    from matplotlib.ticker import NullFormatter

    n_units = gradient.shape[1]
    epochs = sorted(masks)
    n_rows = len(epochs) + 2
    width = max(1.3 * n_units, 7.0)
    fig, axes = plt.subplots(
        n_rows, n_units, figsize=(width, 1.55 * n_rows), squeeze=False
    )
    low, high = points.min(axis=0) - 0.3, points.max(axis=0) + 0.3
    xs = np.linspace(low[0], high[0], 50)
    steps = np.arange(len(active))
    dead_from = _dead_from(active)
    for row, epoch in zip(axes, epochs, strict=False):
        for unit, ax in enumerate(row):
            mask = masks[epoch][:, unit] > 0
            ax.scatter(*points[~mask].T, s=4, c="#c8c8c8", linewidths=0)
            for label, colour, marker in CLASS_STYLE:
                chosen = mask & (y == label)
                ax.scatter(
                    *points[chosen].T, s=7, c=colour, marker=marker, linewidths=0
                )
            if lines is not None:
                W1T, b1 = lines[epoch]
                _unit_line(ax, W1T[:, unit], b1[unit], xs, "black")
            ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), xticks=[], yticks=[])
            ax.set_title(f"h{unit + 1}: {mask.sum()}", fontsize=9)
        row[0].set_ylabel(f"{time} {epoch}", fontsize=9)
    for unit in range(n_units):
        ax = axes[-2, unit]
        ax.plot(steps, active[:, unit], color="black", lw=1.2)
        ax.set_ylim(-0.05 * len(y), 1.05 * len(y))
        ax = axes[-1, unit]
        ax.semilogy(steps, np.where(gradient[:, unit] > 0, gradient[:, unit], np.nan))
        if unit in dead_from:
            for row in (-2, -1):
                axes[row, unit].axvline(dead_from[unit], color="#b2182b", ls=":")
            axes[-1, unit].set_title(
                f"h{unit + 1} dead at {dead_from[unit]}", fontsize=9, color="#b2182b"
            )
        axes[-2, unit].set_title(f"h{unit + 1}: sending", fontsize=9)
        if unit not in dead_from:
            axes[-1, unit].set_title(f"h{unit + 1}: |dL/dW1^T|", fontsize=9)
        for row in (-2, -1):
            axes[row, unit].tick_params(labelsize=8)
            for epoch in epochs:
                axes[row, unit].axvline(epoch, color="#999999", lw=0.6, ls="--")
        axes[-1, unit].set_xlabel(time, fontsize=9)
        axes[-1, unit].yaxis.set_minor_formatter(NullFormatter())
    finish(
        fig,
        f"{title}: the backward pass",
        [
            words,
            f"Top {len(epochs)} rows: the training points at the {time}s on the left, "
            "coloured "
            "(red triangles: class 1, blue circles: class 0) where they send the "
            "hidden unit of the column gradient, its (B7) mask f'(Z1) = 1, grey "
            "where they do not; the title counts them"
            + (
                "; the black line is the unit's w.x + b = 0."
                if lines is not None
                else "."
            ),
            f"Second row from the bottom: that count at every {time}. Bottom row: the "
            "norm of the data term of the unit's weight gradient, |dL/dW1^T[:, j]| "
            "(log scale); a dead unit's is exactly 0 and leaves the plot, and only "
            f"the L2 term still moves its weights. Dashed: the {time}s of the top "
            f"rows; dotted red: the {time} from which a unit is dead.",
        ],
    )
    return fig


def _dead_from(active):
    """{unit: first epoch from which no point sends it gradient} (dead units)."""
    dead = {}
    for unit in range(active.shape[1]):
        alive = np.flatnonzero(active[:, unit] > 0)
        last = alive.max() if alive.size else -1
        if last < len(active) - 1:
            dead[unit] = int(last + 1)
    return dead


def _scatter_classes(ax, X, y, size, alpha=1.0):
    """Class 0 as blue circles, class 1 as red triangles, outlined in black."""
    for label, colour, marker in CLASS_STYLE:
        ax.scatter(
            *X[y == label].T,
            s=size,
            c=colour,
            marker=marker,
            edgecolors="black",
            linewidths=0.3,
            alpha=alpha,
        )


def _unit_line(ax, w, b, xs, colour):
    """Draw the line w[0] x + w[1] y + b = 0 across the panel, dashed."""
    if abs(w[1]) > 1e-12:
        ax.plot(xs, -(w[0] * xs + b) / w[1], color=colour, linestyle="--", lw=1.2)
    elif abs(w[0]) > 1e-12:
        ax.axvline(-b / w[0], color=colour, linestyle="--", lw=1.2)


def _save(fig, path):
    metadata = {"Title": fig.get_suptitle(), "Description": fig.caption}
    fig.savefig(path, dpi=DPI, metadata=metadata)  # stays open for a docs build
    print(f"    wrote {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("training_dynamics_output"),
        metavar="DIR",
        help="folder for the PNG files, created if needed "
        "(default: ./training_dynamics_output/)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=300,
        metavar="N",
        help="epochs of training of the 2-D networks, the last row of each "
        "figure (default: %(default)s)",
    )
    parser.add_argument(
        "--hidden-units",
        type=int,
        default=4,
        metavar="N",
        help="hidden ReLU units of the 2-D networks, one column each "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=HEART_STEPS,
        metavar="N",
        help="gradient-descent steps of the 13-8-1 heart-disease network "
        "(default: %(default)s, as in the notebook)",
    )
    args = parser.parse_args(argv)
    if min(args.epochs, args.hidden_units, args.steps) < 1:
        parser.error("--epochs, --hidden-units and --steps must be at least 1")
    try:
        import matplotlib
    except ImportError:
        sys.exit(
            "plot_training_dynamics.py needs matplotlib: "
            'pip install "sknnscratch[examples]"'
        )
    if "matplotlib.pyplot" not in sys.modules and "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")  # files only, no window; a docs build chose its own
    import matplotlib.pyplot as plt

    args.output_dir.mkdir(parents=True, exist_ok=True)
    forward_epochs = {*(e for e in SNAPSHOT_EPOCHS if e < args.epochs), args.epochs}
    backward_epochs = {*(e for e in BACKWARD_EPOCHS if e < args.epochs), args.epochs}
    data = problems()
    for key, (title, source, X, y) in data.items():
        start = time.perf_counter()
        model = make_model(args.hidden_units)
        snapshots, masks, active, gradient = train(
            model, X, y, args.epochs, forward_epochs | backward_epochs
        )
        accuracy = accuracy_of(snapshots, X, y)
        by_hand = probability_and_hidden(X, model.coefs_, model.intercepts_)[0]
        gap = np.abs(by_hand - model.predict_proba(X)[:, 1]).max()
        forward = {e: snapshots[e] for e in sorted(forward_epochs)}
        fig = draw(plt, title, source, X, y, model, forward, accuracy)
        progress = ", ".join(f"{e}: {accuracy[e]:.2f}" for e in sorted(forward))
        print(
            f"{title}: training accuracy by epoch {progress} "
            f"({time.perf_counter() - start:.1f} s)\n"
            f"    forward pass by hand vs predict_proba: largest difference {gap:.1e}"
        )
        _save(fig, args.output_dir / f"training_dynamics_{key}.png")
        if key == "xor":
            fig = draw_backward(
                plt,
                title,
                X,
                y,
                {e: masks[e] for e in sorted(backward_epochs)},
                active,
                gradient,
                describe(model, title, source, len(X)),
                lines={e: (snapshots[e][0][0], snapshots[e][1][0]) for e in masks},
            )
            _save(fig, args.output_dir / "training_dynamics_xor_backward.png")

    title, source, X, y = data["moons"]
    model = make_model(args.hidden_units, DYING_LEARNING_RATE)
    snapshots, masks, active, gradient = train(
        model, X, y, args.epochs, backward_epochs
    )
    dead = _dead_from(active)
    print(
        f"Two moons, learning rate {DYING_LEARNING_RATE:g}: "
        + (
            ", ".join(f"h{unit + 1} dead from epoch {e}" for unit, e in dead.items())
            if dead
            else "no unit died"
        )
        + f"; training accuracy {model.score(X, y):.2f}"
    )
    fig = draw_backward(
        plt,
        f"Two moons, learning rate {DYING_LEARNING_RATE:g}",
        X,
        y,
        masks,
        active,
        gradient,
        describe(model, title, source, len(X)),
        lines={e: (snapshots[e][0][0], snapshots[e][1][0]) for e in masks},
    )
    _save(fig, args.output_dir / "training_dynamics_moons_dying_backward.png")

    heart = load_heart_disease()
    scale = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    X = scale.fit_transform(heart.data)
    y = heart.target
    model = heart_model()
    wanted = {0, min(30, args.steps), args.steps}
    _, masks, active, gradient = train(model, X, y, args.steps, wanted)
    print(
        f"Heart disease, 13-8-1, {args.steps} gradient-descent steps: objective "
        f"{model.loss_curve_[0]:.4f} -> {model.loss_curve_[-1]:.4f}\n"
        "    patients sending each hidden unit gradient at the end:\n    "
        + ", ".join(f"h{j + 1} {int(n)}" for j, n in enumerate(active[-1]))
    )
    fig = draw_backward(
        plt,
        "Heart disease, 13-8-1",
        PCA(n_components=2).fit_transform(X),
        y,
        masks,
        active,
        gradient,
        f"The 303 patients of the UCI heart-disease data, median-imputed and "
        "standardised, drawn at their two first principal components. The "
        "13-8-1 ScratchMLPClassifier(random_state=0) at its initial weights, "
        f"then full-batch gradient descent: solver='sgd', momentum=0, "
        f"batch_size=303, learning_rate_init={HEART_LEARNING_RATE:g}, the "
        f"default alpha={model.alpha:g}, one partial_fit call per step (epoch); "
        "the first step is the one of the derivation's section 9.1.",
        time="step",
    )
    _save(fig, args.output_dir / "training_dynamics_heart_backward.png")


if __name__ == "__main__":
    main()

# sphinx_gallery_thumbnail_number = 1
