"""How a small ReLU network bends its decision boundary while it trains
====================================================================

A 2-4-1 ``ScratchMLPClassifier`` (2 inputs, 4 ReLU hidden units by default,
one sigmoid output) learns two 2-D problems, XOR with noise and two
interleaved moons (200 points each, standardised; every point is a training
point). It is trained with Adam (learning rate 0.01, batches of 32,
``alpha=0.0001``, ``random_state=0``), one ``partial_fit`` call per epoch, and
the example draws one figure per problem. Each row of a figure is a moment of
training (epochs 0, 10, 50, 200 and the last, 300 by default); its columns are

* the decision boundary: the network's probability of class 1 over the plane,
  its 0.5 contour in black, the training points, and each hidden unit's line
  w.x + b = 0 dashed in the unit's colour;
* one panel per hidden unit: its activation max(0, w.x + b) over the plane.
  The unit is silent (0) on one side of its line and grows linearly on the
  other; the output is a weighted sum of these ramps, so the boundary is
  made of straight pieces that bend where a unit's line crosses it.

At epoch 0 the units' lines lie where the random initial weights put them;
training moves and turns them until their ramps, added up, separate the
classes. For each problem it prints the training accuracy at every drawn
epoch and checks the forward pass written out in numpy against
``predict_proba``; it saves ``training_dynamics_xor.png`` and
``training_dynamics_moons.png`` to ``--output-dir`` and leaves both figures
open.

It needs matplotlib (``pip install "sknnscratch[examples]"``) and takes about
5 seconds. Run (``--help`` lists every option)::

    python examples/plot_training_dynamics.py [--output-dir DIR] [--epochs N]
"""

import argparse
import os
import re
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
from scipy.special import expit
from sklearn.datasets import make_moons
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier, trace

SNAPSHOT_EPOCHS = (0, 10, 50, 200)
LEARNING_RATE = 0.01
BATCH_SIZE = 32
N_SAMPLES = 200
SOLVER_NAMES = {"adam": "Adam", "sgd": "SGD", "lbfgs": "L-BFGS"}
XOR_NOISE = 0.35
MOONS_NOISE = 0.15


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


def make_model(hidden_units):
    """The network: solver and every setting that shapes training, explicit."""
    return ScratchMLPClassifier(
        hidden_layer_sizes=(hidden_units,),
        activation="relu",
        solver="adam",
        learning_rate_init=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        alpha=1e-4,
        shuffle=True,
        random_state=0,
    )


def train_with_snapshots(model, X, y, epochs):
    """Train one epoch per ``partial_fit`` call; keep the weights at each row's epoch.

    Returns
    -------
    snapshots : dict of int to (coefs, intercepts)
        Copies of the weights after that many epochs; epoch 0 holds the
        initial weights, read from ``trace`` before any training.
    accuracy : dict of int to float
        Training accuracy at the same epochs.
    """
    wanted = sorted({*(e for e in SNAPSHOT_EPOCHS if e < epochs), epochs})
    steps = trace(model, X, y)  # not fitted yet: the weights training starts from
    snapshots = {0: ([steps["W1^T"], steps["W2^T"]], [steps["b1"], steps["b2"]])}
    for epoch in range(1, epochs + 1):
        model.partial_fit(X, y, classes=[0, 1])
        if epoch in wanted:
            snapshots[epoch] = (
                [W.copy() for W in model.coefs_],
                [b.copy() for b in model.intercepts_],
            )
    accuracy = {
        epoch: np.mean((probability_and_hidden(X, *weights)[0] > 0.5) == y)
        for epoch, weights in snapshots.items()
    }
    return snapshots, accuracy


def probability_and_hidden(points, coefs, intercepts):
    """The forward pass by hand: P(class 1) and every hidden unit's activation."""
    (W1, W2), (b1, b2) = coefs, intercepts
    hidden = np.maximum(points @ W1 + b1, 0)  # (n, units)
    return expit(hidden @ W2 + b2)[:, 0], hidden


def draw(plt, title, source, X, y, model, snapshots, accuracy):
    """One figure: a row per snapshot, the boundary then each hidden unit."""
    hidden_units = snapshots[0][0][0].shape[1]
    low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs, ys = np.linspace(low[0], high[0], 120), np.linspace(low[1], high[1], 120)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    extent = (low[0], high[0], low[1], high[1])
    unit_colours = plt.get_cmap("tab10").colors
    n_rows, n_cols = len(snapshots), 1 + hidden_units
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(2.2 * n_cols, 2.4 * n_rows + 1.0), squeeze=False
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
            boundary = "and its 0.5 contour"
        else:
            side = "<" if proba.max() <= 0.5 else ">"
            boundary = f"{side} 0.5 everywhere: no contour"
        _scatter_classes(ax, X, y, size=10)
        for unit, (w, b) in enumerate(lines):
            _unit_line(ax, w, b, xs, unit_colours[unit])
        ax.set_title(
            f"epoch {epoch}: P(class 1)\n{boundary}\n"
            f"training accuracy {accuracy[epoch]:.2f}",
            fontsize=8,
        )

        # One colour scale per row: the units' activations compare directly.
        largest = max(hidden.max(), 1e-12)
        for unit, ax in enumerate(row[1:]):
            activation = hidden[:, unit]
            ax.imshow(
                activation.reshape(grid_x.shape),
                origin="lower",
                extent=extent,
                aspect="auto",
                cmap="Greys",
                vmin=0,
                vmax=largest,
            )
            _scatter_classes(ax, X, y, size=3, alpha=0.5)
            _unit_line(ax, *lines[unit], xs, unit_colours[unit])
            # A line outside the panel is not drawn: say which side we are on.
            if (activation > 0).all():
                where = "\nactive on the whole panel"
            elif (activation == 0).all():
                where = "\nsilent on the whole panel"
            else:
                where = "\n"  # an empty line keeps the row's titles aligned
            ax.set_title(
                f"epoch {epoch}: hidden unit {unit + 1}\n"
                f"weight to the output {coefs[1][unit, 0]:+.2f}{where}",
                fontsize=8,
                color=unit_colours[unit],
            )
        for ax in row:
            ax.set(xlim=extent[:2], ylim=extent[2:], xticks=[], yticks=[])
    caption = [
        f"{title}: {source}; standardised; all {len(X)} points are training "
        "points (no held-out set).",
        f"A 2-{hidden_units}-1 ScratchMLPClassifier ({hidden_units} hidden units, "
        f"activation={model.activation!r}, sigmoid output) trained with "
        f"{SOLVER_NAMES[model.solver_]} (learning rate "
        f"{model.learning_rate_init:g}, batches of {model.batch_size}, "
        f"alpha={model.alpha:g}, random_state={model.random_state}), one "
        "partial_fit call per epoch; one row per drawn epoch, epoch 0 being the "
        "initial weights.",
        "First column: P(class 1) over the plane (red near 1, white 0.5, blue "
        "near 0), its 0.5 contour (black), the points (red triangles: class 1, "
        "blue circles: class 0) and each hidden unit's line w.x + b = 0 (dashed, "
        "in the unit's colour).",
        "Other columns: each hidden unit's activation max(0, w.x + b) (white: 0, "
        "black: the largest activation in the row). Axes: the two standardised "
        "features, the same limits in every panel.",
    ]
    fig.suptitle(_wrap(caption, width=int(12 * 2.2 * n_cols)), fontsize=9)
    fig.tight_layout()
    return fig


def _wrap(paragraphs, width):
    """Paragraphs filled to ``width`` characters, never breaking "(1, -1)"."""
    keep_together = re.compile(r"\([^()]{1,12}\)")
    return "\n".join(
        textwrap.fill(
            keep_together.sub(lambda m: m[0].replace(" ", "\N{NO-BREAK SPACE}"), text),
            width,
        )
        for text in paragraphs
    )


def _scatter_classes(ax, X, y, size, alpha=1.0):
    """Class 0 as blue circles, class 1 as red triangles, outlined in black."""
    for label, colour, marker in ((0, "#2166ac", "o"), (1, "#b2182b", "^")):
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
        help="epochs of training, the last row of each figure (default: %(default)s)",
    )
    parser.add_argument(
        "--hidden-units",
        type=int,
        default=4,
        metavar="N",
        help="hidden ReLU units, one column each (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.hidden_units < 1:
        parser.error("--epochs and --hidden-units must be at least 1")
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
    for key, (title, source, X, y) in problems().items():
        start = time.perf_counter()
        model = make_model(args.hidden_units)
        snapshots, accuracy = train_with_snapshots(model, X, y, args.epochs)
        by_hand = probability_and_hidden(X, model.coefs_, model.intercepts_)[0]
        gap = np.abs(by_hand - model.predict_proba(X)[:, 1]).max()
        fig = draw(plt, title, source, X, y, model, snapshots, accuracy)
        path = args.output_dir / f"training_dynamics_{key}.png"
        fig.savefig(path, dpi=72)  # the figure stays open for a docs build
        progress = ", ".join(f"{e}: {a:.2f}" for e, a in accuracy.items())
        print(
            f"{title}: training accuracy by epoch {progress} "
            f"({time.perf_counter() - start:.1f} s)\n"
            f"    forward pass by hand vs predict_proba: largest difference {gap:.1e}\n"
            f"    wrote {path}"
        )


if __name__ == "__main__":
    main()
