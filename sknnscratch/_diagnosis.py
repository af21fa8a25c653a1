"""Recognise a mistaken backprop by the arrays it returns.

A wrong gradient usually comes from one classic mistake, and each mistake
leaves its own signature in the numbers: a missing ``1/S`` multiplies every
gradient by ``S``, a flipped sign negates them, a forgotten L2 term leaves
the weights off by exactly ``alpha / S * W^T`` and the biases right, a
missing activation slope spoils only the layers below the output. This
module computes, from the reference implementation's intermediates, what
each of these mistakes would return, and names the one an array matches;
where none does, the pattern of failing arrays still points at the tagged
lines of ``_network.py`` to read.

Used by ``check_gradients`` (a learner's whole backprop against finite
differences) and by ``Trace.compare`` (a learner's intermediates against a
trace). Nothing here is used to train.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from sknnscratch._activations import DERIVATIVES

# Two exactly computed arrays are "the same" below this relative difference.
SAME = 1e-6


@dataclass(frozen=True)
class Finding:
    """What an array's numbers say about the mistake that made them.

    ``key`` groups the arrays that share a cause, ``cause`` fits on one line
    of a report (tags included), ``note`` explains it and says what to do.
    """

    key: str
    cause: str
    tags: tuple
    note: str


def close(a, b):
    """Whether two arrays of one shape hold the same numbers, up to rounding."""
    if a.shape != b.shape:
        return False
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return bool(np.linalg.norm(a - b) <= SAME * scale + 1e-300)


def factor(a, b):
    """The ``c`` with ``a == c * b`` when there is one (``b`` not all 0), else None."""
    if a.shape != b.shape:
        return None
    norm = float(np.vdot(b, b))
    if norm == 0.0:
        return None
    c = float(np.vdot(a, b)) / norm
    return c if c != 0.0 and close(a, c * b) else None


def below_name(layer):
    """The input signal of weight layer ``layer``: ``X`` or the activations below."""
    return "X" if layer == 1 else f"A{layer - 1}"


def tags_text(tags):
    """``('B6', 'B8')`` -> ``(B6), (B8)``; a range is written ``(B6)-(B8)``."""
    return ", ".join("-".join(f"({t})" for t in tag.split("-")) for tag in tags)


# ------------------------------------------------------- shapes and values


def shape_finding(name, shape, expected, layer=None, kind=None):
    """Why an array of ``shape`` is not one of ``expected`` (a parameter's)."""
    shape, expected = tuple(shape), tuple(expected)
    if len(expected) == 2 and shape == expected[::-1] and kind == "W":
        below, dZ = below_name(layer), f"dZ{layer}"
        return Finding(
            f"transposed W{layer}",
            f"shape {shape} is {expected} transposed: see (B2)",
            ("B2",),
            f"{name} must have the shape of W{layer}^T, {expected} (fan_in, "
            f"fan_out), the layout of coefs_[{layer - 1}]. In this layout it is "
            f"{below}.T @ {dZ}, {expected}; {dZ}.T @ {below} gives the "
            f"derivation's column layout, {shape}, the shape of W{layer}.",
        )
    if len(expected) == 2 and shape == expected[::-1]:
        return Finding(
            f"transposed {name}",
            f"shape {shape} is {expected} transposed",
            (),
            f"{name} is {expected} in the code's layout, one row per sample; "
            f"its transpose, {shape}, is the derivation's column form, one "
            "column per sample.",
        )
    if kind == "b" and len(shape) == 2 and shape[1:] == expected:
        if shape[0] == 1:
            return Finding(
                f"extra axis {name}",
                f"shape {shape}: an extra axis; want {expected}: see (B5)",
                ("B5",),
                f"A bias and its gradient are 1-D, {expected}, like "
                f"intercepts_[{layer - 1}]: dZ{layer}.sum(axis=0), without "
                "keepdims (or ravel the result).",
            )
        return Finding(
            f"not summed {name}",
            f"shape {shape}: not summed over the rows? see (B5)",
            ("B5",),
            f"The bias gradient adds up the rows of dZ{layer}: "
            f"dZ{layer}.sum(axis=0), shape {expected}. One row per sample is the "
            "error dZ itself, before the sum over the batch.",
        )
    if np.prod(shape, dtype=int) == np.prod(expected, dtype=int):
        return Finding(
            f"reshaped {name}",
            f"shape {shape}, want {expected}: same entries, other axes",
            (),
            f"{name} has the right number of entries in the wrong shape: "
            f"{expected} is wanted. Reshaping hides the mistake; find the "
            "product that gave this shape.",
        )
    return Finding(
        f"shape {name}",
        f"shape {shape}, want {expected}",
        (),
        f"{name} must have the shape {expected}. A gradient always has the "
        "shape of its parameter; a product with another shape multiplies the "
        "wrong axes.",
    )


def scale_finding(c, S, tags):
    """The cause of an array that is ``c`` times the right one."""
    where = tags_text(tags)
    if np.isclose(c, S, rtol=1e-6) and S != 1:
        return summed(S)
    if np.isclose(c, -1.0, rtol=1e-6):
        return flipped()
    if np.isclose(c, 1.0 / S, rtol=1e-6) and S != 1 and tags == ("B5",):
        return Finding(
            "bias mean",
            f"1/S = 1/{S:g} of the right value: .mean() for .sum()? see (B5)",
            ("B5",),
            "The bias gradient sums the rows of dZ, dZ.sum(axis=0) (B5): dZ "
            "already carries the mean's 1/S from (B1), so a .mean() divides by "
            "S a second time.",
        )
    if np.isclose(c, 1.0 / S, rtol=1e-6) and S != 1:
        return Finding(
            "divided twice",
            f"1/S = 1/{S:g} of the right value: divided by S twice? see (B1)",
            ("B1",),
            f"The failing arrays are 1/S = 1/{S:g} of the right ones: the mean's "
            "1/S was applied twice (at (B1) and again further down, a .mean() "
            "where a .sum() belongs, for example). It enters once, at (B1).",
        )
    return Finding(
        f"factor {c:.6g}",
        f"{c:.4g} x the right value: a constant factor: see {where or '(B1)'}",
        tags or ("B1",),
        f"The failing arrays are {c:.6g} times the right ones: a constant "
        "factor, for example a 2 from the derivative of a square or a "
        "mean taken over the wrong count.",
    )


def summed(S):
    return Finding(
        "summed",
        f"{S:g} x too large: a sum over the rows, not a mean? see (B1)",
        ("B1",),
        f"The failing arrays are S = {S:g} times the right ones (the "
        f"relative error of a factor S is (S-1)/(S+1) = {(S - 1) / (S + 1):.3f}): "
        "the gradient of the sum of the losses, not of their mean J. Divide "
        "the output error by S once, at (B1): dZ = (y_hat - y) / S; every "
        "later line carries the factor to every gradient.",
    )


def flipped():
    return Finding(
        "sign",
        "the opposite sign: y - y_hat for y_hat - y? see (B1)",
        ("B1",),
        "The failing arrays are minus the right ones (relative error 1.00): "
        "the sign is flipped. (B1) is dL/dZ = (y_hat - y) / S, prediction "
        "minus truth; with y - y_hat a gradient-descent step climbs.",
    )


def not_finite(saturated, out_activation="logistic"):
    if out_activation == "identity":
        return Finding(
            "not finite",
            "nan or inf: an overflow? see (B1)",
            ("B1",),
            "The array holds nan or inf. With the identity output nothing is "
            "divided and (B1) is simply y_hat - y, so the usual cause is an "
            "overflow: inputs or targets of a huge scale (standardise X and y), "
            "or weights that have diverged.",
        )
    why = (
        f" Here y_hat rounds to exactly 0 or 1 on {saturated} row(s), where "
        "dL/dy_hat divides by 0 and sigma'(z) is 0: inf * 0 = nan."
        if saturated
        else ""
    )
    return Finding(
        "not finite",
        "nan or inf: (B1) as dL/dy_hat * sigma'(z)? see (B1)",
        ("B1",),
        "The array holds nan or inf. The usual cause is (B1) computed as two "
        "factors, dL/dy_hat = -y/y_hat + (1-y)/(1-y_hat) times sigma'(z) = "
        f"y_hat (1 - y_hat).{why} Compute y_hat - y directly, and the loss "
        "from the logit, log(1 + e^z) - y z, never log(y_hat).",
    )


# ------------------------------------- the whole backprop (check_gradients)


@dataclass
class Pass:
    """The reference's forward pass and gradients at the checked weights."""

    X: np.ndarray
    Y: np.ndarray
    coefs: list
    Z: dict
    A: dict
    activation: str
    out_activation: str
    alpha: float
    s: np.ndarray
    S: float
    data: list  # dL/dW^T per layer
    penalty: list  # dR/dW^T per layer
    biases: list  # dJ/db per layer

    @property
    def n_layers(self):
        return len(self.coefs)

    def slope(self, layer):
        return DERIVATIVES[self.activation](self.Z[layer], self.A[layer])


def gradients(net, *, output_error=None, slope=None, signal=None):
    """The backward pass of ``net``, with one piece replaced by a mistake.

    The same lines as ``_network.backward``, (B1) to (B8); ``output_error``
    replaces (B1)'s ``(P - Y) * s / S``, ``slope(net, l)`` replaces (B7)'s
    ``f'(Z[l])``, ``signal(net, l)`` replaces the input signal ``A[l - 1]``
    of (B2) for the layers above the first.
    """
    L = net.n_layers
    P = net.A[L]
    weight = (net.s / net.S)[:, np.newaxis]
    dZ = (P - net.Y) * weight if output_error is None else output_error(net) * weight
    coef_grads, intercept_grads = [None] * L, [None] * L
    for k in range(L, 0, -1):
        below = net.A[k - 1] if signal is None or k == 1 else signal(net, k - 1)
        coef_grads[k - 1] = below.T @ dZ + net.penalty[k - 1]
        intercept_grads[k - 1] = dZ.sum(axis=0)
        if k > 1:
            dA = dZ @ net.coefs[k - 1].T
            dZ = dA * (net.slope(k - 1) if slope is None else slope(net, k - 1))
    return [*coef_grads, *intercept_grads]


def _slope_mistakes(net):
    """(key, cause, note, slope) for each wrong (B7) this activation invites."""
    hidden = ", ".join(f"Z{k}" for k in range(1, net.n_layers))
    right = {
        "relu": "1[Z > 0], the ReLU's 0/1 mask",
        "tanh": "1 - A**2, tanh's slope",
        "logistic": "A * (1 - A), the logistic's slope",
    }.get(net.activation)
    if right is None:  # identity: its slope is 1, nothing to forget
        return []
    mistakes = [
        (
            "no slope",
            f"the {net.activation}'s slope f'(Z) missing? see (B7), (B8)",
            f"The gradients below the output are what they would be without "
            f"the activation's slope: dL/dZ = dL/dA * f'(Z) (B8), with f'(Z) = "
            f"{right} (B7), for {hidden}. Without it, the gradient also flows "
            f"through units the {net.activation} holds flat, where a nudge of "
            "their input changes nothing.",
            lambda net, k: np.ones_like(net.Z[k]),
        ),
        (
            "slope is A",
            "multiplied by the activation A, not by its slope? see (B7), (B8)",
            f"dL/dZ was computed as dL/dA * A: the activation itself where its "
            f"slope belongs. (B7) is f'(Z) = {right}.",
            lambda net, k: net.A[k],
        ),
    ]
    if net.activation == "tanh":
        mistakes += [
            (
                "tanh slope from Z",
                "tanh's slope as 1 - Z**2, not 1 - A**2? see (B7)",
                "tanh'(z) = 1 - tanh(z)**2 = 1 - A**2: the square of the "
                "activation A, not of the pre-activation Z (B7).",
                lambda net, k: 1 - net.Z[k] ** 2,
            ),
            (
                "tanh slope 1 - A",
                "tanh's slope as 1 - A, not 1 - A**2? see (B7)",
                "tanh'(z) = 1 - A**2 (B7): the activation squared.",
                lambda net, k: 1 - net.A[k],
            ),
        ]
    if net.activation == "logistic":
        mistakes.append(
            (
                "logistic slope from Z",
                "the logistic's slope as Z (1 - Z), not A (1 - A)? see (B7)",
                "sigma'(z) = sigma(z) (1 - sigma(z)) = A (1 - A), from the "
                "activation A, not from Z (B7).",
                lambda net, k: net.Z[k] * (1 - net.Z[k]),
            )
        )
    return mistakes


def _variants(net):
    """(Finding, arrays) for every whole-backprop mistake, arrays as returned."""
    variants = []
    for key, cause, note, slope in _slope_mistakes(net):
        tags = ("B7", "B8") if "B8" in cause else ("B7",)
        variants.append((Finding(key, cause, tags, note), gradients(net, slope=slope)))
    for finding, signal in _signal_mistakes(net):
        variants.append((finding, gradients(net, signal=signal)))
    for finding, output_error in _output_error_mistakes(net):
        variants.append((finding, gradients(net, output_error=output_error)))
    return variants


def _signal_mistakes(net):
    """(Finding, signal) for each wrong input signal of (B2) above layer 1."""
    mistakes = []
    if net.n_layers > 1 and net.activation != "identity":
        mistakes.append(
            (
                Finding(
                    "signal Z",
                    "input signal Z (before the activation), not A? see (B2)",
                    ("B2",),
                    "A weight gradient is its input signal times the error "
                    "above it, A.T @ dZ (B2): the activations A, after f, not "
                    "the pre-activations Z.",
                ),
                lambda net, k: net.Z[k],
            )
        )
    if net.n_layers > 1 and net.activation == "relu":
        mistakes.append(
            (
                Finding(
                    "signal mask",
                    "A read after a mask overwrote it (0s and 1s)? see (B7)",
                    ("B7", "B2"),
                    "(B2) read the activations after they were turned into the "
                    "0/1 mask: a ReLU derivative that writes its mask into the "
                    "array it receives, called on A (or on Z when A is Z). "
                    "(B7) must return a new array: (Z > 0).",
                ),
                lambda net, k: net.slope(k),
            )
        )
    return mistakes


def _output_error_mistakes(net):
    """(Finding, output error) for each wrong (B1) this output invites."""
    mistakes = [
        (
            Finding(
                "no y",
                "y_hat alone, without - y? see (B1)",
                ("B1",),
                "The output error is (y_hat - y) / S (B1): the prediction minus "
                "the truth, averaged.",
            ),
            lambda net: net.A[net.n_layers],
        )
    ]
    if net.out_activation == "identity":
        mistakes += _squared_error_mistakes(net)
    if net.out_activation == "logistic":
        mistakes.append(
            (
                Finding(
                    "extra sigmoid slope",
                    "y_hat - y times sigma'(z) again? see (B1)",
                    ("B1",),
                    "The output error was multiplied by sigma'(z) = y_hat (1 - "
                    "y_hat), but y_hat - y already is the product dL/dy_hat * "
                    "sigma'(z) (section 3.1 of the derivation): the squared "
                    "error's gradient needs the extra factor, the "
                    "cross-entropy's does not.",
                ),
                lambda net: (
                    (net.A[net.n_layers] - net.Y)
                    * net.A[net.n_layers]
                    * (1 - net.A[net.n_layers])
                ),
            )
        )
    return mistakes


def _squared_error_mistakes(net):
    """(Finding, output error) for the wrong (B1)s of the squared error."""
    mistakes = [
        (
            Finding(
                "squared error doubled",
                "2 (y_hat - y): the 1/2 of the squared error forgotten? see (B1)",
                ("B1",),
                "The failing arrays are twice the right ones: the output error "
                "was taken as 2 (y_hat - y), the derivative of (y_hat - y)^2. "
                "The loss is half the squared error, loss_i = ||y_hat_i - "
                "y_i||^2 / 2 (L1), whose 1/2 cancels the 2: (B1) is (y_hat - y) "
                "/ S.",
            ),
            lambda net: 2 * (net.A[net.n_layers] - net.Y),
        ),
        (
            Finding(
                "sigmoid output",
                "y_hat through a sigmoid: the regressor's output is Z? see (F3)",
                ("F3", "B1"),
                "The output error is what a sigmoid output would give, "
                "sigmoid(Z) - y. A regressor's output is the identity, y_hat = "
                "Z (F3), so (B1) is Z - y, times s / S.",
            ),
            lambda net: expit(net.Z[net.n_layers]) - net.Y,
        ),
    ]
    n_outputs = net.Y.shape[1]
    if n_outputs > 1:
        mistakes.append(
            (
                Finding(
                    "mean over outputs",
                    f"1/{n_outputs} of the right value: a mean over the outputs? "
                    "see (L1), (B1)",
                    ("L1", "B1"),
                    f"The failing arrays are 1/{n_outputs} of the right ones, one "
                    "over the number of target columns: the loss was averaged "
                    "over the outputs. Training minimises their sum, loss_i = "
                    "sum_k (y_hat_ik - y_ik)^2 / 2 (L1), so (B1) is (y_hat - y) "
                    "/ S, with no division by the outputs.",
                ),
                lambda net: (net.A[net.n_layers] - net.Y) / n_outputs,
            )
        )
    return mistakes


def _array_candidates(net, index, truth):
    """(array, Finding) for mistakes told from one array and the true one."""
    L, S = net.n_layers, net.S
    candidates = []
    if index < L:  # a weight gradient
        layer = index + 1
        data, penalty = net.data[index], net.penalty[index]
        if net.alpha > 0:
            candidates.append((data, forgot_penalty(net, layer)))
        candidates.append((S * data + penalty, summed(S)))
        candidates.append((-data + penalty, flipped()))
        if net.alpha > 0:
            candidates.append((-data - penalty, flipped()))
    else:
        candidates.append((S * truth, summed(S)))
        candidates.append((-truth, flipped()))
    if truth.ndim == 2 and truth.shape[0] == truth.shape[1] and index < L:
        layer = index + 1
        candidates.append(
            (
                truth.T,
                Finding(
                    f"transposed W{layer}",
                    f"the right values transposed: see (B2) for layer {layer}",
                    ("B2",),
                    f"The array is the right gradient transposed (it is square, "
                    f"so the shape could not tell): in the code's layout "
                    f"dJ/dW{layer}^T = {below_name(layer)}.T @ dZ{layer} (B2).",
                ),
            )
        )
    return candidates


def forgot_penalty(net, layer):
    return Finding(
        "no L2",
        f"off by alpha/S * W{layer}^T: the L2 term forgotten? see (B3), (B4)",
        ("B3", "B4"),
        f"The weight gradients miss exactly the L2 term's part, alpha/S * W^T "
        f"(alpha = {net.alpha:g}, S = {net.S:g}), while the biases pass (they "
        "are not penalised). Add it, dJ/dW^T = dL/dW^T + alpha / S * W^T "
        "(B3), (B4), or check a backprop without penalty against an estimator "
        "with alpha=0.",
    )


def _penalty_coefficient(net, index, analytic):
    """The Finding of a weight gradient whose L2 term has the wrong coefficient."""
    data, W = net.data[index], net.coefs[index]
    k = factor(analytic - data, W)
    expected = net.alpha / net.S
    if k is None or np.isclose(k, expected, rtol=1e-6):
        return None
    if np.isclose(k, net.alpha, rtol=1e-6):
        hint = "alpha * W^T: divide it by S too, like the data term"
    elif np.isclose(k, expected / 2, rtol=1e-6):
        hint = (
            "half of it: the derivative of alpha/(2S) * w**2 is alpha/S * w, "
            "the 2 of the square cancels the 1/2"
        )
    elif np.isclose(k, 2 * expected, rtol=1e-6):
        hint = "twice it: the 1/2 of R = alpha/(2S) ||W||^2 cancels the 2"
    else:
        hint = f"{k:.6g} * W^T"
    return Finding(
        "L2 coefficient",
        f"L2 term {k:.4g} * W^T, not alpha/S = {expected:.4g}: see (B3)",
        ("B3",),
        f"The weight gradients are the data term plus {k:.6g} * W^T; the L2 "
        f"term's gradient is alpha/S * W^T = {expected:.6g} * W^T (B3), "
        f"alpha = {net.alpha:g}, S = {net.S:g}. Yours is {hint}.",
    )


def explain_gradients(net, analytic, names, shapes, saturated=0):
    """A Finding (or None: unexplained) for each array of a learner's backprop.

    ``analytic`` holds what the learner returned (anything), ``names`` the
    report's names (``dJ/dW1^T``, ..., ``dJ/db1``, ...) and ``shapes`` the
    parameters' shapes, weights first.
    """
    L = net.n_layers
    truth = [*(d + p for d, p in zip(net.data, net.penalty, strict=True)), *net.biases]
    variants = _variants(net)
    findings = []
    for index, (array, name, shape) in enumerate(
        zip(analytic, names, shapes, strict=True)
    ):
        kind, layer = ("W", index + 1) if index < L else ("b", index - L + 1)
        try:
            array = np.asarray(array, dtype=np.float64)
        except (TypeError, ValueError):
            findings.append(None)
            continue
        if array.shape != tuple(shape):
            findings.append(shape_finding(name, array.shape, shape, layer, kind))
            continue
        if not np.isfinite(array).all():
            findings.append(not_finite(saturated, net.out_activation))
            continue
        finding = None
        for candidate, found in _array_candidates(net, index, truth[index]):
            if close(array, candidate):
                finding = found
                break
        if finding is None and kind == "W" and net.alpha > 0:
            finding = _penalty_coefficient(net, index, array)
        if finding is None:
            for found, arrays in variants:
                if not close(arrays[index], truth[index]) and close(
                    array, arrays[index]
                ):
                    finding = found
                    break
        if finding is None:
            c = factor(array, truth[index])
            if c is not None:
                found = scale_finding(c, net.S, ("B5",) if kind == "b" else ())
                # Any other factor says less than where the failures lie.
                finding = None if found.key.startswith("factor") else found
        findings.append(finding)
    return findings


def pattern(failing, n_layers):
    """A Finding from which arrays fail, for those no signature explained.

    ``failing`` is a set of (kind, layer) pairs, kind 'W' or 'b'.
    """
    every = {(kind, k) for kind in "Wb" for k in range(1, n_layers + 1)}
    L = n_layers
    if failing == every:
        return Finding(
            "every array",
            "every array off: start at the top, (B1)",
            ("B1",),
            f"Every gradient is wrong, so the error starts at the top: (B1), "
            f"dL/dZ{L} = (y_hat - y) / S, whose every later line inherits it; "
            "then the lines of the output layer.",
        )
    top = max(layer for _, layer in failing)
    if top < L and all((kind, top) in failing for kind in "Wb"):
        return Finding(
            f"below layer {top + 1}",
            f"layer {top} and below off, layer {top + 1} right: see (B6)-(B8)",
            ("B6-B8",),
            f"The gradients of layer {top + 1} are right, so dL/dZ{top + 1} is; "
            f"the error enters on the way down into layer {top}: (B6) dL/dA{top} "
            f"= dL/dZ{top + 1} @ W{top + 1} (the transpose of W{top + 1}^T), (B7) "
            f"the slope f'(Z{top}), (B8) their entry-wise product.",
        )
    kinds = {kind for kind, _ in failing}
    layers = sorted({layer for _, layer in failing})
    where = ", ".join(map(str, layers))
    if kinds == {"W"}:
        return Finding(
            f"weights {where}",
            f"weights only (layer {where}), biases right: see (B2)-(B4)",
            ("B2-B4",),
            "The biases are right, so the errors dZ are; the weight gradients' "
            "own lines are not: (B2) the input signal's transpose times dZ, "
            f"{below_name(layers[0])}.T @ dZ{layers[0]}, then (B3)-(B4) the L2 "
            "term, alpha/S * W^T.",
        )
    if kinds == {"b"}:
        return Finding(
            f"biases {where}",
            f"biases only (layer {where}), weights right: see (B5)",
            ("B5",),
            "The weights are right, so the errors dZ are; the bias gradient "
            f"sums them over the rows, dZ{layers[0]}.sum(axis=0) (B5).",
        )
    return Finding(
        f"layer {where}",
        f"layer {where}: see (B2), (B5) and the error dZ{top} they share",
        ("B2", "B5"),
        f"Both gradients of layer {top} are wrong: the error they share, "
        f"dZ{top}, is the first suspect, then (B2) and (B5).",
    )


# ----------------------------------------------- one quantity (compare)


def explain_quantity(name, mine, expected, steps, tags, S, out_activation="logistic"):
    """A Finding for a learner's ``mine`` that differs from the trace's ``expected``.

    ``steps`` is the whole trace (for "you computed another quantity"),
    ``tags`` the tags of the line computing ``name``, ``out_activation`` the
    network's output function.
    """
    where = tags_text(tags)
    if mine.shape != expected.shape:
        return _quantity_shape_finding(name, mine.shape, expected.shape, tags)
    if not np.isfinite(mine).all():
        return not_finite(0, out_activation)
    finding = _forgotten_term(name, mine, expected, steps)
    if finding is not None:
        return finding
    for other, value in steps.items():
        if other == name or np.ndim(value) == 0:
            continue
        value = np.asarray(value, dtype=np.float64)
        if close(mine, value) and not close(value, expected):
            return Finding(
                f"is {other}",
                f"equals {other}, not {name}: see {where or 'its equation'}",
                tags,
                f"Your array holds the numbers of {other}; {name} is "
                f"computed by {where or 'its own line'}.",
            )
    if mine.ndim == 2 and mine.shape[0] == mine.shape[1] and close(mine, expected.T):
        return Finding(
            "transposed",
            f"the right values, transposed: see {where or 'its equation'}",
            tags,
            f"{name} holds the right numbers in transposed positions.",
        )
    c = factor(mine, expected)
    if c is not None:
        return scale_finding(c, S, tags)
    return None


def _quantity_shape_finding(name, shape, expected, tags):
    """Why a quantity of the trace has ``shape``, not ``expected``."""
    kind = "b" if name.startswith("dJ/db") or name.startswith("b") else None
    layer = int("".join(ch for ch in name if ch.isdigit()) or 0) or None
    if name.startswith(("dJ/dW", "dL/dW", "dR/dW")):
        kind = "W"
    finding = shape_finding(name, shape, expected, layer, kind)
    if not finding.tags and tags:
        finding = Finding(
            finding.key, f"{finding.cause}: see {tags_text(tags)}", tags, finding.note
        )
    return finding


def _forgotten_term(name, mine, expected, steps):
    """The L2 term or the activation's slope left out, told by the trace."""
    if name.startswith("dJ/dW"):
        data = steps.get(name.replace("dJ/", "dL/"))
        if data is not None and close(mine, data) and not close(data, expected):
            return Finding(
                "no L2",
                "equals dL/dW^T: the L2 term forgotten? see (B3), (B4)",
                ("B3", "B4"),
                f"{name} = dL/dW^T + dR/dW^T (B4): add the L2 term's gradient, "
                "alpha/S * W^T (B3).",
            )
    if name.startswith("dL/dZ") and name != _output_error_name(steps):
        layer = name[len("dL/dZ") :]
        dA = steps.get(f"dL/dA{layer}")
        if dA is not None and close(mine, dA):
            return Finding(
                "no slope",
                f"equals dL/dA{layer}: the slope f'(Z{layer}) not applied? "
                "see (B7), (B8)",
                ("B7", "B8"),
                f"dL/dZ{layer} = dL/dA{layer} * f'(Z{layer}) (B8): the error "
                f"reaching the activations, times the activation's slope (B7).",
            )
    return None


def _output_error_name(steps):
    layers = [name for name in steps if name.startswith("W") and name.endswith("^T")]
    return f"dL/dZ{len(layers)}"
