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
NUDGE = 1e-3  # the step of section 2's numerical derivative
NUDGED_UNIT = 2  # h_2: its weight to the output is the one nudged
FORK_FEATURE = "ca"  # section 5.2: a feature whose gradient sums 8 paths
WARMUP = {"x": 1.5, "w1": 0.8, "b1": -0.2, "w2": -1.1, "b2": 0.3, "y": 1.0}
IRIS_ROW = 100  # a virginica that the untrained 4-8-3 network calls versicolor
IRIS_CLASSES = ["setosa", "versicolor", "virginica"]
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


def nudge():
    """Section 2: the loss at w2 +- NUDGE for the weight from h_2 to the output."""
    import numpy as np
    from scipy.special import expit

    t = sample_trace()
    j = NUDGED_UNIT - 1
    a1, w2, b2, y = t["A1"][0], t["W2^T"][:, 0], t["b2"][0], t["y"][0, 0]

    def loss(weight):
        z2 = a1 @ np.where(np.arange(8) == j, weight, w2) + b2
        return float(np.logaddexp(0, z2) - y * z2)

    up, down = loss(w2[j] + NUDGE), loss(w2[j] - NUDGE)
    return {
        "w": w2[j],
        "up": up,
        "down": down,
        "slope": (up - down) / (2 * NUDGE),
        "backprop": t["dL/dW2^T"][j, 0],
        "y_hat": float(expit(a1 @ w2 + b2)),
    }


def warmup():
    """Section 3: the one-unit-per-layer network of WARMUP, every number."""
    import numpy as np
    from scipy.special import expit

    x, w1, b1, w2, b2, y = (WARMUP[k] for k in ("x", "w1", "b1", "w2", "b2", "y"))
    z1 = w1 * x + b1
    a1 = max(z1, 0.0)
    z2 = w2 * a1 + b2
    y_hat = float(expit(z2))
    gate = 1.0 if z1 > 0 else 0.0
    error = y_hat - y
    return {
        "z1": z1,
        "a1": a1,
        "z2": z2,
        "y_hat": y_hat,
        "loss": float(np.logaddexp(0, z2) - y * z2),
        "error": error,
        "gate": gate,
        "dw2": a1 * error,
        "db2": error,
        "da1": w2 * error,
        "dz1": gate * w2 * error,
        "dw1": x * gate * w2 * error,
        "db1": gate * w2 * error,
    }


def fork():
    """Section 5.2: dl/dx for FORK_FEATURE, one term per hidden unit."""
    import numpy as np

    t = sample_trace()
    _, _, _, names = scaled_heart_disease()
    k = list(names).index(FORK_FEATURE)
    weights = np.asarray(t["W1^T"][k])  # row k of W1^T: column k of W1
    errors = np.asarray(t["dL/dZ1"][0])
    return {"x": t["X"][0, k], "weights": weights, "errors": errors}


def iris_trace():
    """Section 8: the 4-8-3 softmax network on one standardised iris flower."""
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    from sknnscratch import ScratchMLPClassifier, trace

    iris = load_iris()
    X = StandardScaler().fit_transform(iris.data)
    model = ScratchMLPClassifier(random_state=0)  # unfitted: initial weights
    names = ["sepal length", "sepal width", "petal length", "petal width"]
    steps = trace(model, X[IRIS_ROW], iris.target[IRIS_ROW], classes=[0, 1, 2])
    return steps, iris.data[IRIS_ROW], names


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
    nudged = nudge()
    unit = f"h_{NUDGED_UNIT}"
    nudge_table = table(
        ["quantity", "value"],
        [
            [f"$w = W_2[1, {NUDGED_UNIT}]$, the weight from ${unit}$ to the output",
             nudged["w"]],
            [f"$\\ell(w + \\varepsilon)$, $\\varepsilon = {NUDGE:g}$",
             nudged["up"]],
            ["$\\ell(w - \\varepsilon)$", nudged["down"]],
            ["$(\\ell(w + \\varepsilon) - \\ell(w - \\varepsilon)) / "
             "2\\varepsilon$", nudged["slope"]],
            ["backprop's $\\partial\\ell/\\partial W_2[1, 2]$ (section 6)",
             nudged["backprop"]],
        ],
    )  # fmt: skip
    w = warmup()
    warmup_forward = table(
        ["quantity", "value"],
        [
            ["$z_1 = w_1 x + b_1$", w["z1"]],
            ["$a_1 = \\mathrm{ReLU}(z_1)$", w["a1"]],
            ["$z_2 = w_2 a_1 + b_2$", w["z2"]],
            ["$\\hat y = \\sigma(z_2)$", w["y_hat"]],
            ["$\\ell = \\log(1 + e^{z_2}) - y z_2$", w["loss"]],
        ],
    )
    warmup_chain = table(
        ["factor", "value", "what it measures"],
        [
            ["$\\partial\\ell/\\partial z_2 = \\hat y - y$", w["error"],
             "how wrong the output is, and which way"],
            ["$\\partial z_2/\\partial a_1 = w_2$", WARMUP["w2"],
             "how hard, and in which direction, the hidden unit moves the output"],
            ["$\\partial a_1/\\partial z_1 = \\mathbb{1}[z_1 > 0]$",
             f"{w['gate']:.0f}", "whether the unit is on: a gate, 0 or 1"],
            ["$\\partial z_1/\\partial w_1 = x$", WARMUP["x"],
             "how much the weight moves the unit: its input"],
            ["$\\partial\\ell/\\partial w_1$, their product", w["dw1"], ""],
        ],
        align=["---", "---:", "---"],
    )  # fmt: skip
    warmup_rest = table(
        ["gradient", "value"],
        [
            ["$\\partial\\ell/\\partial b_1 = \\mathbb{1}[z_1 > 0]\\, w_2 "
             "(\\hat y - y)$", w["db1"]],
            ["$\\partial\\ell/\\partial w_2 = a_1 (\\hat y - y)$", w["dw2"]],
            ["$\\partial\\ell/\\partial b_2 = \\hat y - y$", w["db2"]],
        ],
    )  # fmt: skip
    forked = fork()
    products = forked["weights"] * forked["errors"]
    fork_table = table(
        ["", *HIDDEN],
        [
            [f"$W_1[j, \\text{{{FORK_FEATURE}}}]$", *forked["weights"]],
            ["$\\partial\\ell/\\partial z_{1,j}$", *forked["errors"]],
            ["the path through $h_j$: their product", *products],
        ],
    )
    fork_table += "\n\n" + table(
        ["quantity", "value"],
        [
            [f"$\\partial\\ell/\\partial x_\\text{{{FORK_FEATURE}}}$, "
             "the sum of the 8 paths", float(products.sum())],
        ],
    )  # fmt: skip
    steps, raw_flower, features = iris_trace()
    flower = {k: np.asarray(v) for k, v in steps.items()}
    iris_forward = table(
        ["feature", "raw (cm)", "$x$", *HIDDEN],
        [
            [name, raw(raw_flower[i]), flower["X"][0, i], *flower["W1^T"][i]]
            for i, name in enumerate(features)
        ]
        + [
            ["$b_1$", "", "", *flower["b1"]],
            ["$z_1 = W_1 x + b_1$", "", "", *flower["Z1"][0]],
            ["$a_1 = \\mathrm{ReLU}(z_1)$", "", "", *flower["A1"][0]],
        ],
    )
    iris_output = table(
        ["", *IRIS_CLASSES],
        [
            ["$z_2 = W_2 a_1 + b_2$", *flower["Z2"][0]],
            ["$\\hat y = \\mathrm{softmax}(z_2)$", *flower["y_hat"][0]],
            ["$y$", *[f"{v:.0f}" for v in flower["y"][0]]],
            ["$\\partial\\ell/\\partial z_2 = \\hat y - y$", *flower["dL/dZ2"][0]],
        ],
    )  # fmt: skip
    W2 = flower["W2^T"].T  # (3, 8): row k holds the weights into output k
    delta = flower["dL/dZ2"][0]
    iris_paths = table(
        ["", *HIDDEN],
        [[f"$W_2[\\text{{{c}}}, j]$", *W2[k]] for k, c in enumerate(IRIS_CLASSES)]
        + [
            [f"path through {c}: $W_2[\\text{{{c}}}, j]\\, "
             f"\\partial\\ell/\\partial z_{{2,\\text{{{c}}}}}$", *(W2[k] * delta[k])]
            for k, c in enumerate(IRIS_CLASSES)
        ]
        + [["$\\partial\\ell/\\partial a_{1,j}$, the sum of the three paths",
            *flower["dL/dA1"][0]]],
    )  # fmt: skip
    return {
        "nudge": nudge_table,
        "warmup_forward": warmup_forward,
        "warmup_chain": warmup_chain,
        "warmup_rest": warmup_rest,
        "fork": fork_table,
        "forward": forward,
        "output": output,
        "backward": backward,
        "weights": weights,
        "penalty": penalty,
        "iris_forward": iris_forward,
        "iris_output": iris_output,
        "iris_paths": iris_paths,
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
