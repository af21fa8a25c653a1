"""Draw the gallery thumbnails of the examples that print but do not draw.

The gallery shows a picture for each example, taken from a figure it draws.
quickstart.py, out_of_core.py and distributed_search.py print tables only,
so each names a thumbnail drawn here from what it computes, with its own
code where it has the function:

* ``quickstart.png``: the 30-8-1 network the quick start fits on the
  breast-cancer data, each connection drawn by its fitted weight (colour:
  sign, width: size);
* ``out_of_core.png``: the training loss after each chunk as
  ``out_of_core.fit_out_of_core`` streams a generated CSV file through
  ``partial_fit`` for three epochs (the epochs shaded in turn);
* ``distributed_search.png``: the mean ROC AUC of each candidate of
  ``distributed_search.make_search``'s grid (hidden units by alpha), the best
  one framed, computed here with local processes (the Dask run gives the
  same numbers).

Usage::

    python docs/figures/thumbnails.py [--output-dir DIR]

writes the three PNG files to DIR (default: the thumbnails folder next to
this script), 400 x 280 pixels each, in a few seconds. Only matplotlib is
needed besides sknnscratch; the pictures do not depend on the time (Agg
backend, fixed size, no timestamp).
"""

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent.parent / "examples"
SIZE = (4, 2.8)  # inches at 100 dpi: sphinx-gallery's 400 x 280 thumbnail
POSITIVE, NEGATIVE, ACCENT = "#1f4e99", "#b2182b", "#f2a900"


def load_example(name):
    """The module of ``examples/<name>.py`` (its main() is not run)."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def draw_network(plt, coefs):
    """A one-hidden-layer network, each connection by its weight."""
    fig, ax = plt.subplots(figsize=SIZE)
    ax.set_axis_off()
    sizes = [coefs[0].shape[0], coefs[0].shape[1], coefs[1].shape[1]]
    x_of_layer = [0.08, 0.55, 0.92]

    def heights(n):
        return [0.5] if n == 1 else [0.04 + 0.92 * i / (n - 1) for i in range(n)]

    layers = [heights(n) for n in sizes]
    largest = max(abs(W).max() for W in coefs)
    for layer, W in enumerate(coefs):
        for i, y0 in enumerate(layers[layer]):
            for j, y1 in enumerate(layers[layer + 1]):
                weight = W[i, j]
                ax.plot(
                    [x_of_layer[layer], x_of_layer[layer + 1]],
                    [y0, y1],
                    color=POSITIVE if weight > 0 else NEGATIVE,
                    linewidth=0.2 + 2.5 * abs(weight) / largest,
                    alpha=0.25 + 0.75 * abs(weight) / largest,
                    zorder=1,
                )
    for x, ys, radius in zip(x_of_layer, layers, [30, 160, 260], strict=True):
        ax.scatter([x] * len(ys), ys, s=radius, color="white", zorder=2)
        ax.scatter(
            [x] * len(ys), ys, s=radius, facecolor="none", edgecolor="black", zorder=3
        )
    ax.set(xlim=(0.03, 0.97), ylim=(-0.02, 1.02))
    fig.subplots_adjust(left=0, right=1, bottom=0.02, top=0.98)
    return fig


def draw_losses(plt, losses, chunks_per_epoch):
    """The training loss after each chunk, one shade per epoch."""
    fig, ax = plt.subplots(figsize=SIZE)
    steps = range(1, len(losses) + 1)
    for epoch in range(0, len(losses), chunks_per_epoch):
        if (epoch // chunks_per_epoch) % 2 == 0:
            ax.axvspan(epoch + 0.5, epoch + chunks_per_epoch + 0.5, color="#eeeeee")
    ax.bar(steps, losses, width=0.7, color=POSITIVE)
    ax.bar(len(losses), losses[-1], width=0.7, color=ACCENT)
    ax.set(xlim=(0.5, len(losses) + 0.5), ylim=(0, max(losses) * 1.05))
    ax.set_xlabel("chunk, epoch after epoch", fontsize=12)
    ax.set_ylabel("training loss", fontsize=12)
    ax.set_xticks([])
    ax.tick_params(labelsize=10)
    fig.tight_layout()
    return fig


def draw_grid(plt, search):
    """Mean ROC AUC of every candidate, hidden units by alpha, best framed."""
    results = search.cv_results_
    units = sorted(
        {p["scratchmlpclassifier__hidden_layer_sizes"] for p in results["params"]}
    )
    alphas = sorted({p["scratchmlpclassifier__alpha"] for p in results["params"]})
    scores = [[0.0] * len(alphas) for _ in units]
    for params, score in zip(
        results["params"], results["mean_test_score"], strict=True
    ):
        row = units.index(params["scratchmlpclassifier__hidden_layer_sizes"])
        column = alphas.index(params["scratchmlpclassifier__alpha"])
        scores[row][column] = score
    fig, ax = plt.subplots(figsize=SIZE)
    ax.imshow(scores, cmap="Blues", aspect="auto")
    best = search.best_params_
    corner = (
        alphas.index(best["scratchmlpclassifier__alpha"]) - 0.5,
        units.index(best["scratchmlpclassifier__hidden_layer_sizes"]) - 0.5,
    )
    ax.add_patch(plt.Rectangle(corner, 1, 1, fill=False, edgecolor=ACCENT, linewidth=4))
    middle = (max(map(max, scores)) + min(map(min, scores))) / 2
    for row, line in enumerate(scores):
        for column, score in enumerate(line):
            color = "white" if score > middle else "black"
            ax.text(column, row, f"{score:.3f}", ha="center", va="center", color=color)
    ax.set_xticks(range(len(alphas)), [f"{a:g}" for a in alphas], fontsize=11)
    ax.set_yticks(range(len(units)), [str(u[0]) for u in units], fontsize=11)
    ax.set_xlabel("alpha", fontsize=12)
    ax.set_ylabel("hidden units", fontsize=12)
    fig.tight_layout()
    return fig


def quickstart_network():
    """The fitted weights of the quick start's one fit on all rows."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    from sknnscratch import ScratchMLPClassifier

    X, y = load_breast_cancer(return_X_y=True)
    model = ScratchMLPClassifier(random_state=0).fit(
        StandardScaler().fit_transform(X), y
    )
    return model.coefs_


def streamed_losses(rows=20_000, chunksize=2_000, epochs=3):
    """The loss of each partial_fit call of out_of_core.py's training."""
    example = load_example("out_of_core")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.csv"
        example.write_csv(path, rows)
        _, model = example.fit_out_of_core(
            path, chunksize, epochs, verbose=False, **example.PARAMS
        )
    return model.loss_curve_, -(-rows // chunksize)


def fitted_search():
    """distributed_search.py's full grid, fitted with local processes."""
    from sknnscratch.datasets import load_heart_disease

    search = load_example("distributed_search").make_search()
    return search.fit(*load_heart_disease(return_X_y=True))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=HERE / "thumbnails",
        metavar="DIR",
        help="folder for the PNG files (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    args.output_dir.mkdir(parents=True, exist_ok=True)
    figures = {
        "quickstart.png": lambda: draw_network(plt, quickstart_network()),
        "out_of_core.png": lambda: draw_losses(plt, *streamed_losses()),
        "distributed_search.png": lambda: draw_grid(plt, fitted_search()),
    }
    for name, draw in figures.items():
        fig = draw()
        save_small(fig, args.output_dir / name)
        plt.close(fig)
        print(f"wrote {args.output_dir / name}")


def save_small(fig, path):
    """The figure as a PNG file of 64 colours: a few kilobytes in the repository."""
    from io import BytesIO

    from PIL import Image  # matplotlib's own dependency

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    image = Image.open(buffer).convert("RGB")
    image.quantize(colors=64).save(path, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
