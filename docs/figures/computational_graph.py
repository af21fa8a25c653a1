"""Draw the 13-8-1 network as a computational graph, with the worked example's numbers.

The graph runs x -> z1 -> a1 -> z2 -> y_hat -> loss, with the parameters W1,
b1, W2, b2 (and the label y) feeding in from above. Beside every node (under
it on the main line, to the right of it for the parameters) stand its value
in the forward pass (blue) and the gradient of the loss with respect to it in
the backward pass (red), clear of every box, for the sample of
docs/derivation.md's worked example (numbers from worked_example.py, next to
this script); a matrix too big to print shows its shape. The backward
pass's local rules label the red arrows.

Usage::

    python docs/figures/computational_graph.py [--output PATH]

writes PATH (default: computational_graph.png next to this script). Only
matplotlib is needed besides sknnscratch; the output does not depend on the
time or the machine's state (Agg backend, fixed size, no timestamp).
"""

import argparse
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORWARD, BACKWARD, OPERATION = "#1f4e99", "#b2182b", "#f2f2f2"


def load_worked_example():
    """The worked_example.py module next to this script."""
    spec = importlib.util.spec_from_file_location(
        "worked_example", HERE / "worked_example.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def column(values):
    """A vector as one line per entry, 2 decimals (exact zeros as 0)."""
    return "\n".join("0" if v == 0 else f"{v:.2f}" for v in values)


def draw(numbers, output):
    """Draw the graph for the trace ``numbers`` and save it as PNG to ``output``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    flat = {name: [float(v) for v in _ravel(value)] for name, value in numbers.items()}
    fig = plt.figure(figsize=(18, 9), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, 18)
    ax.set_ylim(0, 9)
    ax.axis("off")
    chain, top = 4.7, 8.2  # heights of the main line and of the parameters

    def box(x, y, label, width, height=0.62, face="white", size=15):
        ax.add_patch(
            FancyBboxPatch(
                (x - width / 2, y - height / 2),
                width,
                height,
                boxstyle="round,pad=0.04,rounding_size=0.15",
                facecolor=face,
                edgecolor="black",
                linewidth=1.3,
            )
        )
        ax.text(x, y, label, ha="center", va="center", fontsize=size)

    def arrow(start, end, color="black", curve=0.0):
        ax.annotate(
            "",
            xy=end,
            xytext=start,
            arrowprops=dict(
                arrowstyle="-|>",
                color=color,
                lw=1.5,
                shrinkA=3,
                shrinkB=3,
                connectionstyle=f"arc3,rad={curve}",
            ),
        )

    def note(x, y, text, color, ha="center", va="top", size=11.5, **kwargs):
        ax.text(x, y, text, ha=ha, va=va, color=color, fontsize=size, **kwargs)

    def numbers_at(x, y, forward, backward, name=None):
        """Value (blue, left) and gradient (red, right) columns of a node."""
        if name:  # numbers set apart from their box say whose they are
            note(x, y + 0.45, name, "black", size=12)
        note(x - 0.06, y, "value", FORWARD, ha="right", size=11)
        note(x + 0.06, y, "grad", BACKWARD, ha="left", size=11)
        style = dict(size=10.5, family="monospace", linespacing=1.3)
        note(x - 0.06, y - 0.38, forward, FORWARD, ha="right", **style)
        note(x + 0.06, y - 0.38, backward, BACKWARD, ha="left", **style)

    # The main line: variables (white) and operations (grey) between them.
    nodes = {  # name: (x, label, width, is_operation)
        "x": (0.75, r"$x$", 0.9, False),
        "affine1": (2.55, r"$W_1 x + b_1$", 1.55, True),
        "z1": (4.45, r"$z_1$", 0.9, False),
        "relu": (6.0, "ReLU", 1.0, True),
        "a1": (7.55, r"$a_1$", 0.9, False),
        "affine2": (9.4, r"$W_2 a_1 + b_2$", 1.6, True),
        "z2": (11.3, r"$z_2$", 0.9, False),
        "sigma": (12.75, r"$\sigma$", 0.8, True),
        "y_hat": (14.1, r"$\hat y$", 0.9, False),
        "ce": (15.6, "cross-\nentropy", 1.2, True),
        "loss": (17.1, r"$\ell$", 0.9, False),
    }
    for x, label, width, is_operation in nodes.values():
        if is_operation:
            box(x, chain, label, width, height=0.8, face=OPERATION, size=13)
        else:
            box(x, chain, label, width)
    order = list(nodes)

    def edge(name, side):
        x, _, width, _ = nodes[name]
        return x + side * width / 2

    for left, right in zip(order[:-1], order[1:], strict=True):
        arrow((edge(left, +1), chain + 0.12), (edge(right, -1), chain + 0.12))

    # The backward pass, underneath: from the loss straight to z2 (the
    # sigmoid and the cross-entropy differentiated together), then leftwards.
    arrow(
        (edge("loss", -1), chain - 0.2),
        (edge("z2", +1), chain - 0.2),
        color=BACKWARD,
        curve=-0.12,
    )
    note(
        14.1,
        chain - 0.75,
        r"$\partial\ell/\partial z_2 = \hat y - y$"
        "\n(never through "
        r"$\partial\ell/\partial\hat y$)",
        BACKWARD,
    )
    for left, right in [
        ("affine2", "z2"),
        ("a1", "affine2"),
        ("relu", "a1"),
        ("z1", "relu"),
        ("affine1", "z1"),
    ]:
        arrow(
            (edge(right, -1), chain - 0.14),
            (edge(left, +1), chain - 0.14),
            color=BACKWARD,
        )
    note(
        nodes["affine2"][0],
        chain - 0.5,
        r"$\partial\ell/\partial a_1 = "
        r"W_2^\top\, \partial\ell/\partial z_2$",
        BACKWARD,
    )
    note(nodes["relu"][0], chain - 0.5, r"$\odot\ \mathbb{1}[z_1 > 0]$", BACKWARD)

    # Parameters and the label feed in from above; their gradients go back up.
    params = {  # name: (x, label, operation)
        "W1": (1.85, r"$W_1$", "affine1"),
        "b1": (3.25, r"$b_1$", "affine1"),
        "W2": (8.7, r"$W_2$", "affine2"),
        "b2": (10.1, r"$b_2$", "affine2"),
        "y": (15.6, r"$y$", "ce"),
    }
    for name, (x, label, operation) in params.items():
        box(x, top, label, 0.75, height=0.55)
        target = nodes[operation][0] + (x - nodes[operation][0]) * 0.45
        arrow((x - 0.08, top - 0.3), (target - 0.08, chain + 0.42))
        if name != "y":
            arrow((target + 0.08, chain + 0.42), (x + 0.08, top - 0.3), color=BACKWARD)
    note(1.4, top + 0.06, "(8, 13)", FORWARD, ha="right", va="bottom", size=11)
    note(1.4, top - 0.06, "(8, 13)", BACKWARD, ha="right", va="top", size=11)
    note(
        1.8,
        top - 1.5,
        r"$\partial\ell/\partial W_1 = \partial\ell/\partial z_1\,"
        r"x^\top$",
        BACKWARD,
        ha="right",
    )
    numbers_at(4.55, top + 0.25, column(flat["b1"]), column(flat["dJ/db1"]), r"$b_1$")
    note(
        3.6,
        top - 2.05,
        r"$\partial\ell/\partial b_1 = \partial\ell/\partial z_1$",
        BACKWARD,
        ha="left",
    )
    numbers_at(
        7.4, top + 0.25, column(flat["W2^T"]), column(flat["dL/dW2^T"]), r"$W_2$"
    )
    note(
        8.0,
        top - 2.05,
        r"$\partial\ell/\partial W_2 = \partial\ell/\partial z_2\,"
        r"a_1^\top$",
        BACKWARD,
        ha="right",
    )
    numbers_at(11.25, top + 0.25, column(flat["b2"]), column(flat["dJ/db2"]), r"$b_2$")
    note(
        10.55,
        top - 0.95,
        r"$\partial\ell/\partial b_2 = \partial\ell/\partial z_2$",
        BACKWARD,
        ha="left",
    )
    note(16.05, top, f"{flat['y'][0]:.0f}", FORWARD, ha="left", va="center", size=11)

    # Values and gradients under every variable of the main line.
    below = chain - 1.45
    numbers_at(nodes["x"][0], below, "(13, 1)", "not\nneeded")
    numbers_at(nodes["z1"][0], below, column(flat["Z1"]), column(flat["dL/dZ1"]))
    numbers_at(nodes["a1"][0], below, column(flat["A1"]), column(flat["dL/dA1"]))
    numbers_at(nodes["z2"][0], below, column(flat["Z2"]), column(flat["dL/dZ2"]))
    numbers_at(nodes["y_hat"][0], below, column(flat["y_hat"]), "not\nformed")
    numbers_at(nodes["loss"][0], below, column(flat["L"]), "1")
    note(
        0.2,
        0.25,
        "Forward pass (black arrows, blue values): each value from those on its "
        "left.  Backward pass (red): each gradient "
        r"$\partial\ell/\partial(\cdot)$ from the one on its right, by the rule "
        "written next to the arrow.",
        "black",
        ha="left",
        va="bottom",
    )
    fig.savefig(output, format="png", metadata={"Software": None})
    plt.close(fig)
    return Path(output)


def _ravel(value):
    import numpy as np

    return np.ravel(np.asarray(value, dtype=float))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--output",
        default=str(HERE / "computational_graph.png"),
        help="the PNG file to write (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    numbers = load_worked_example().sample_trace()
    print(f"wrote {draw(numbers, args.output)}")


if __name__ == "__main__":
    sys.exit(main())
