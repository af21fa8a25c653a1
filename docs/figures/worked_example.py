"""The numbers of docs/derivation.md's worked example, as Markdown tables.

One patient of the UCI heart-disease data goes through the 13-8-1 network of
``ScratchMLPClassifier(random_state=0)`` at its initial weights: the forward
pass, the loss, the backward pass, the L2 term, and then one full-batch
gradient-descent step on all 303 rows. Every number is printed with 4
decimals, enough to redo each step by hand.

The sample is row 1 of ``load_heart_disease(return_X_y=True)`` (the first
patient with heart disease), after median imputation and standard scaling
fitted on all 303 rows. It is a typical row: 5 of its 8 hidden units are
active at the initial weights, so the ReLU mask both passes and blocks
(row 0, with a single active unit, is one of only 7 such rows).

Usage::

    python docs/figures/worked_example.py --markdown    # print every block
    python docs/figures/worked_example.py --update docs/derivation.md

``--update`` rewrites, in place, the blocks of the page that lie between
``<!-- worked_example.py: NAME -->`` and ``<!-- /worked_example.py: NAME -->``.
``tests/test_docs.py`` checks that the page's blocks are what this script
prints, and that their numbers are what ``sknnscratch.trace`` and a real
one-epoch fit give.
"""

import argparse
import re
import sys
import warnings
from pathlib import Path

ROW = 1
DECIMALS = 4
LEARNING_RATE = 0.1
HIDDEN = [f"$h_{j}$" for j in range(1, 9)]
BLOCK = re.compile(
    r"(<!-- worked_example\.py: (\w+) -->\n)(.*?)(<!-- /worked_example\.py: \2 -->)",
    re.DOTALL,
)


def scaled_heart_disease():
    """The raw data, its imputed and standardised version, the labels, the names."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknnscratch.datasets import load_heart_disease

    bunch = load_heart_disease()
    scale = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    return (
        bunch.data,
        scale.fit_transform(bunch.data),
        bunch.target,
        bunch.feature_names,
    )


def sample_trace():
    """``sknnscratch.trace`` of the sample at the initial weights (13-8-1)."""
    from sknnscratch import ScratchMLPClassifier, trace

    _, X, y, _ = scaled_heart_disease()
    model = ScratchMLPClassifier(random_state=0)  # unfitted: its initial weights
    return trace(model, X[ROW], y[ROW], classes=[0, 1])


def step_model():
    """The estimator whose one epoch is one full-batch gradient-descent step."""
    from sknnscratch import ScratchMLPClassifier

    return ScratchMLPClassifier(
        solver="sgd",
        momentum=0.0,
        batch_size=303,
        learning_rate_init=LEARNING_RATE,
        max_iter=1,
        shuffle=False,
        random_state=0,
    )


def gradient_step():
    """J, its two terms, W2 and b2 before and after one step, and the gradients.

    Computed by the reference implementation on all 303 rows: the weights
    after the step are ``W - LEARNING_RATE * dJ/dW``, written out here, not
    taken from a fit (``tests/test_docs.py`` checks them against one).
    """
    import numpy as np

    from sknnscratch import _network
    from sknnscratch._inspect import training_objective

    _, X, y, _ = scaled_heart_disease()
    problem = training_objective(step_model(), X, y)
    X, Y = problem.pop("X"), problem.pop("Y")
    coefs, intercepts = problem.pop("coefs"), problem.pop("intercepts")
    for key in ("classes", "fitted"):  # what trace labels with, not J's arguments
        problem.pop(key)

    def measure(coefs, intercepts):
        named = {}
        _network.loss_and_gradients(X, Y, coefs, intercepts, record=named, **problem)
        return named

    before = measure(coefs, intercepts)
    new_coefs, new_intercepts = [], []
    for layer, (W, b) in enumerate(zip(coefs, intercepts, strict=True), start=1):
        new_coefs.append(W - LEARNING_RATE * before[f"dJ/dW{layer}^T"])
        new_intercepts.append(b - LEARNING_RATE * before[f"dJ/db{layer}"])
    after = measure(new_coefs, new_intercepts)
    return {
        **{name: (before[name], after[name]) for name in ("L", "R", "J")},
        "W2": (np.ravel(before["W2^T"]), np.ravel(after["W2^T"])),
        "b2": (before["b2"].item(), after["b2"].item()),
        "dJ/dW2": np.ravel(before["dJ/dW2^T"]),
        "dJ/db2": before["dJ/db2"].item(),
    }


# ------------------------------------------------------------------ Markdown


def number(value):
    """A number as the page prints it: 4 decimals, exact zeros as 0."""
    value = float(value)
    if value == 0:
        return "0"
    text = f"{value:.{DECIMALS}f}"
    return "0.0000" if text == "-0.0000" else text


def table(header, rows, align=None):
    """A Markdown table; ``rows`` are lists of cells (str or numbers)."""
    align = align or ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for row in rows:
        cells = [c if isinstance(c, str) else number(c) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def blocks():
    """Every block of the page, by name, as Markdown."""
    import numpy as np

    X_raw, _, y, names = scaled_heart_disease()
    t = {k: np.asarray(v) for k, v in sample_trace().items()}
    x, W1T = t["X"].ravel(), t["W1^T"]
    row = {k: t[k].ravel() for k in t if t[k].size == 8}

    def raw(value):
        return f"{value:g}"

    forward = table(
        ["feature", "raw", "$x$", *HIDDEN],
        [[name, raw(X_raw[ROW, i]), x[i], *W1T[i]] for i, name in enumerate(names)]
        + [
            ["$b_1$", "", "", *row["b1"]],
            ["$z_1 = W_1 x + b_1$", "", "", *row["Z1"]],
            ["$a_1 = \\mathrm{ReLU}(z_1)$", "", "", *row["A1"]],
        ],
    )
    output = table(
        ["", *HIDDEN],
        [["$a_1$", *row["A1"]], ["$W_2$", *t["W2^T"].ravel()]],
    )
    output += "\n\n" + table(
        ["quantity", "value"],
        [
            ["$b_2$", t["b2"].item()],
            ["$z_2 = W_2 a_1 + b_2$", t["Z2"].item()],
            ["$\\hat y = \\sigma(z_2)$", t["y_hat"].item()],
            ["$y$", f"{y[ROW]:d}"],
            ["$\\ell = \\log(1 + e^{z_2}) - y z_2$", t["L"].item()],
        ],
    )
    backward = table(
        ["quantity", "value"],
        [
            ["$\\partial\\ell/\\partial z_2 = \\hat y - y$", t["dL/dZ2"].item()],
            ["$\\partial\\ell/\\partial b_2$", t["dJ/db2"].item()],
        ],
    )
    backward += "\n\n" + table(
        ["", *HIDDEN],
        [
            ["$\\partial\\ell/\\partial W_2$", *row["dL/dW2^T"]],
            ["$\\partial\\ell/\\partial a_1$", *row["dL/dA1"]],
            ["$\\mathbb{1}[z_1 > 0]$", *[f"{v:.0f}" for v in row["f'(Z1)"]]],
            ["$\\partial\\ell/\\partial z_1$", *row["dL/dZ1"]],
            ["$\\partial\\ell/\\partial b_1$", *row["dJ/db1"]],
        ],
    )
    weights = table(
        ["feature", "$x$", *HIDDEN],
        [["$\\partial\\ell/\\partial z_1$", "", *row["dL/dZ1"]]]
        + [[name, x[i], *t["dL/dW1^T"][i]] for i, name in enumerate(names)],
    )
    penalty = table(
        ["quantity", "value"],
        [
            ["$L = \\ell$ (one sample: $s = 1$, $S = 1$)", t["L"].item()],
            [
                "$R = \\frac{\\alpha}{2S}"
                "(\\lVert W_1\\rVert^2 + \\lVert W_2\\rVert^2)$",
                t["R"].item(),
            ],
            ["$J = L + R$", t["J"].item()],
        ],
    )
    penalty += "\n\n" + table(
        ["", *HIDDEN],
        [
            ["$\\partial R/\\partial W_2 = \\frac{\\alpha}{S} W_2$", *row["dR/dW2^T"]],
            ["$\\partial J/\\partial W_2$", *row["dJ/dW2^T"]],
        ],
    )
    step = gradient_step()
    W2_before, W2_after = step["W2"]
    step_table = table(
        ["", *HIDDEN],
        [
            ["$W_2$ before", *W2_before],
            ["$\\partial J/\\partial W_2$ (303 rows)", *step["dJ/dW2"]],
            [
                f"$W_2$ after $= W_2 - {LEARNING_RATE:g}\\,\\partial J/\\partial W_2$",
                *W2_after,
            ],
        ],
    )
    step_table += "\n\n" + table(
        ["quantity", "before", "after"],
        [
            [
                f"$b_2$ ($\\partial J/\\partial b_2 = {number(step['dJ/db2'])}$)",
                *step["b2"],
            ],
            ["$L$, mean cross-entropy", *step["L"]],
            ["$R$, L2 term", *step["R"]],
            ["$J = L + R$", *step["J"]],
        ],
    )
    return {
        "forward": forward,
        "output": output,
        "backward": backward,
        "weights": weights,
        "penalty": penalty,
        "step": step_table,
    }


def markdown():
    """Every block with its markers, as they stand on the page."""
    return "\n\n".join(
        f"<!-- worked_example.py: {name} -->\n{text}\n"
        f"<!-- /worked_example.py: {name} -->"
        for name, text in blocks().items()
    )


def update(page):
    """Rewrite the marked blocks of ``page`` in place; return their names."""
    page = Path(page)
    new = blocks()
    found = []

    def replace(match):
        found.append(match.group(2))
        return match.group(1) + new[match.group(2)] + "\n" + match.group(4)

    text = BLOCK.sub(replace, page.read_text())
    missing = sorted(set(new) - set(found))
    if missing:
        raise SystemExit(f"{page} has no block for: {', '.join(missing)}")
    page.write_text(text)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Without --markdown or --update it prints the blocks too.",
    )
    parser.add_argument("--markdown", action="store_true", help="print every block")
    parser.add_argument("--update", metavar="PAGE", help="rewrite PAGE's blocks")
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow, no nan
        if args.update:
            names = update(args.update)
            print(f"updated {len(names)} blocks of {args.update}: {', '.join(names)}")
        else:
            print(markdown())


if __name__ == "__main__":
    sys.exit(main())
