"""docs/derivation.md is held to the code: tags, links, numbers, figure, snippets.

- Each tag (F1)...(B8) stands on exactly one code line of ``_network.py``;
  that line is the expected equation (a registry below), and its right-hand
  side, evaluated on the variables of a real forward and backward pass,
  gives the value the reference returns. Every link of the page for a tag
  points at that line.
- The worked example's numbers are those of ``sknnscratch.trace`` and of a
  real one-epoch fit, to the printed precision, and the page's tables are what
  ``docs/figures/worked_example.py`` prints.
- ``docs/figures/computational_graph.py`` writes a PNG.
- Every ``python`` block of the page runs, in order, in one namespace.
"""

import ast
import contextlib
import importlib.util
import io
import re
import sys
import tokenize
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import sknnscratch._network as network
from sknnscratch import ScratchMLPClassifier, trace
from sknnscratch.datasets import load_heart_disease

ROOT = Path(__file__).resolve().parent.parent
DERIVATION = ROOT / "docs" / "derivation.md"
FIGURES = ROOT / "docs" / "figures"
NETWORK = ROOT / "sknnscratch" / "_network.py"
TAG = re.compile(r"\(([FLB]\d)\)")
TAG_LINK = re.compile(r"\[\(([FLB]\d)\)\]\(\.\./sknnscratch/_network\.py#L(\d+)\)")
CODE_LINK = re.compile(r"\[`([^`]+)`\]\(\.\./(sknnscratch/[\w/.]+)#L(\d+)\)")
RELATIVE_LINK = re.compile(r"\]\((?!https?://|#)([^)#\s]+)(?:#[^)]*)?\)")
FENCE = re.compile(r"```.*?```", re.DOTALL)

pytestmark = pytest.mark.skipif(not DERIVATION.exists(), reason="needs the source")

# Each tag, the one equation its line computes (compared as Python syntax
# trees, so spacing does not matter).
EQUATIONS = {
    "F1": "Z[l] = A[l - 1] @ WT[l] + b[l]",
    "F2": "A[l] = f(Z[l])",
    "F3": "A[n_layers] = OUTPUT_PROBA[out_activation](Z[n_layers])",
    "L1": "L = s @ loss_i / S",
    "L2": "R = alpha / (2 * S_penalty) * sum(xp.sum(WT[l] ** 2) for l in WT)",
    "L3": "J = L + R",
    "L4": "loss_i = xp.sum((Z_out - Y) ** 2, axis=1) / 2",
    "B1": "dZ[n_layers] = (P - Y) * (s / S)[:, None]",
    "B2": "dL_dWT[l] = A[l - 1].T @ dZ[l]",
    "B3": "dR_dWT[l] = alpha / S_penalty * WT[l]",
    "B4": "dJ_dWT[l] = dL_dWT[l] + dR_dWT[l]",
    "B5": "dJ_db[l] = xp.sum(dZ[l], axis=0)",
    "B6": "dA[l - 1] = dZ[l] @ WT[l].T",
    "B7": "slope[l - 1] = f_prime(Z[l - 1], A[l - 1])",
    "B8": "dZ[l - 1] = dA[l - 1] * slope[l - 1]",
}


def page():
    return DERIVATION.read_text()


def prose(text):
    """The page without its fenced code blocks."""
    return FENCE.sub("", text)


def load_script(name):
    """A script of docs/figures as a module."""
    spec = importlib.util.spec_from_file_location(name, FIGURES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tagged_lines(source):
    """{tag: [line numbers]} for every tag in a comment of ``source``."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            for tag in TAG.findall(token.string):
                found.setdefault(tag, []).append(token.start[0])
    return found


def same_code(a, b):
    return ast.dump(ast.parse(a.strip())) == ast.dump(ast.parse(b.strip()))


# ------------------------------------------------------- tags, lines, links


def test_each_tag_stands_on_one_line_that_computes_its_equation():
    source = NETWORK.read_text()
    lines = source.splitlines()
    found = tagged_lines(source)
    assert set(found) == set(EQUATIONS), "tags in _network.py != registry"
    for tag, equation in EQUATIONS.items():
        assert len(found[tag]) == 1, f"({tag}) on lines {found[tag]}"
        line = lines[found[tag][0] - 1]
        code = line.split("#")[0]
        assert same_code(code, equation), f"({tag}) line is {code.strip()!r}"
        assert line.rstrip().endswith(f"# ({tag})"), line


def test_every_tag_link_points_at_its_line():
    lines = {
        tag: numbers[0] for tag, numbers in tagged_lines(NETWORK.read_text()).items()
    }
    links = TAG_LINK.findall(page())
    assert {tag for tag, _ in links} == set(EQUATIONS), "a tag is never linked"
    for tag, number in links:
        assert int(number) == lines[tag], (
            f"a link for ({tag}) points at line {number}; the tag is on {lines[tag]}"
        )


def test_every_tag_on_the_page_is_a_link_to_a_known_tag():
    text = prose(page())
    mentions = TAG.findall(text)
    linked = TAG_LINK.findall(text)
    assert len(mentions) == len(linked), "a tag on the page is not a link"
    assert set(mentions) <= set(EQUATIONS)
    # The reference's docstring names no other tags either.
    assert set(TAG.findall(network.__doc__)) == set(EQUATIONS)


def test_the_fast_code_cites_only_the_reference_tags():
    cited = tagged_lines((ROOT / "sknnscratch" / "_kernels.py").read_text())
    assert cited and set(cited) <= set(EQUATIONS)


def test_other_code_links_land_on_the_line_they_name():
    links = CODE_LINK.findall(page())
    assert len(links) >= 3
    for text, path, number in links:
        source = (ROOT / path).read_text().splitlines()
        assert text in source[int(number) - 1], f"{path}#L{number} lacks {text!r}"


def test_every_relative_link_of_the_page_exists():
    text = re.sub(r"`[^`\n]*`", "", prose(page()))  # inline code is no link
    targets = RELATIVE_LINK.findall(text)
    assert "figures/computational_graph.png" in targets
    for target in targets:
        assert (DERIVATION.parent / target).resolve().exists(), target


def _capture_locals(call, functions):
    """Run ``call()``; return the local variables each function had on return."""
    captured = {}
    codes = {f.__code__: f.__name__ for f in functions}

    def profile(frame, event, arg):
        if event == "return" and frame.f_code in codes:
            captured[codes[frame.f_code]] = dict(frame.f_locals)

    sys.setprofile(profile)
    try:
        result = call()
    finally:
        sys.setprofile(None)
    return result, captured


def _enclosing_function(tree, line):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.lineno <= line <= node.end_lineno:
            return node.name
    raise AssertionError(f"line {line} is in no function")


PASSES = {
    "13-8-1 on the heart-disease data": dict(hidden=(8,), activation="relu", rows=40),
    "13-5-4-3 tanh, sample weights, minibatch": dict(
        hidden=(5, 4), activation="tanh", rows=30, weighted=True, multiclass=True
    ),
    "13-6-2 regression, sample weights": dict(
        hidden=(6,), activation="relu", rows=35, weighted=True, regression=True
    ),
}
ONLY_FOR = {"L4": "identity"}
"""Tags whose line runs for one output function only."""


def _targets(y, spec):
    """The pass's target matrix and output function."""
    rows = spec["rows"]
    if spec.get("regression", False):  # two standardised numeric columns
        X, _ = load_heart_disease(return_X_y=True)
        Y = np.nan_to_num(X[:rows][:, [0, 4]])  # age, cholesterol
        return (Y - Y.mean(0)) / Y.std(0), "identity"
    if spec.get("multiclass", False):
        return np.eye(len(np.unique(y)))[y[:rows]], "softmax"
    return y[:rows, None], "logistic"


@pytest.mark.parametrize("case", PASSES)
def test_each_tagged_line_gives_what_the_reference_returns(case):
    """Evaluate each tagged line's right-hand side on a real pass's variables."""
    spec = PASSES[case]
    X, y = load_heart_disease(return_X_y=True, multiclass=spec.get("multiclass", False))
    X = np.nan_to_num((X - np.nanmean(X, 0)) / np.nanstd(X, 0))[: spec["rows"]]
    Y, out_activation = _targets(y, spec)
    n_outputs = Y.shape[1]
    units = network.layer_units(13, spec["hidden"], n_outputs)
    rng = np.random.RandomState(0)
    coefs, intercepts = network.init_parameters(units, spec["activation"], rng)
    weighted = spec.get("weighted", False)
    settings = dict(
        activation=spec["activation"],
        out_activation=out_activation,
        alpha=0.7,
        sample_weight=rng.uniform(0.5, 2, len(X)) if weighted else None,
        penalty_weight=3.0 * len(X) if weighted else None,
    )
    functions = [network.forward, network.objective_terms, network.backward]
    (loss, coef_grads, intercept_grads), captured = _capture_locals(
        lambda: network.loss_and_gradients(X, Y, coefs, intercepts, **settings),
        functions,
    )
    assert set(captured) == {f.__name__ for f in functions}
    # What the reference returns is what the tagged lines computed.
    assert loss == captured["objective_terms"]["J"]
    for layer, (dW, db) in enumerate(zip(coef_grads, intercept_grads, strict=True), 1):
        assert dW is captured["backward"]["dJ_dWT"][layer]
        assert db is captured["backward"]["dJ_db"][layer]

    source = NETWORK.read_text()
    tree, lines = ast.parse(source), source.splitlines()
    for tag, (number,) in tagged_lines(source).items():
        if ONLY_FOR.get(tag, out_activation) != out_activation:
            continue  # this line does not run for this output
        statement = ast.parse(lines[number - 1].split("#")[0].strip()).body[0]
        target = ast.unparse(statement.targets[0])
        value = ast.unparse(statement.value)
        namespace = {**vars(network), **captured[_enclosing_function(tree, number)]}
        layers = range(1, len(coefs) + 1) if "l" in target else [None]
        if tag == "F2":  # hidden layers only: A[n_layers] is (F3)'s
            layers = range(1, len(coefs))
        checked = 0
        for layer in layers:
            namespace["l"] = layer
            try:
                returned = eval(target, namespace)
            except KeyError:  # this line does not run for layer l
                continue
            recomputed = eval(value, namespace)
            np.testing.assert_array_equal(recomputed, returned, err_msg=f"({tag})")
            checked += 1
        assert checked, f"({tag}) was never checked"


def test_the_line_test_fails_when_a_line_changes(monkeypatch):
    """The registry catches an edited line, a moved tag and a drifted link."""
    source = NETWORK.read_text()
    edited = source.replace(
        "dL_dWT[l] = A[l - 1].T @ dZ[l]  # (B2)",
        "dL_dWT[l] = dZ[l].T @ A[l - 1]  # (B2)",
    )
    assert edited != source
    line = tagged_lines(edited)["B2"][0]
    assert not same_code(edited.splitlines()[line - 1].split("#")[0], EQUATIONS["B2"])
    moved = source.replace("  # (B3)\n", "\n").replace("  # (B4)\n", "  # (B3)\n")
    assert len(tagged_lines(moved)["B3"]) == 1 and "B4" not in tagged_lines(moved)
    drifted = page().replace("_network.py#L", "_network.py#L1", 1)
    lines = {tag: numbers[0] for tag, numbers in tagged_lines(source).items()}
    assert any(int(n) != lines[t] for t, n in TAG_LINK.findall(drifted))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_the_squared_error_output_has_the_gradient_section_7_5_derives(activation):
    """(L4) with the identity output: the output error is y_hat - y over S, and
    every gradient of J agrees with central differences of J."""
    from conftest import central_differences

    rng = np.random.RandomState(3)
    X, Y = rng.normal(size=(9, 4)), rng.normal(size=(9, 2))
    s = rng.uniform(0.5, 2, 9)
    units = network.layer_units(4, (5, 3), 2)
    coefs, intercepts = network.init_parameters(units, activation, rng)
    settings = dict(
        activation=activation, out_activation="identity", alpha=0.3, sample_weight=s
    )

    def objective(theta):
        return network.loss_and_gradients(
            X, Y, *network.unpack(theta, units), **settings
        )[0]

    record = {}
    loss, coef_grads, intercept_grads = network.loss_and_gradients(
        X, Y, coefs, intercepts, record=record, **settings
    )
    residual = record["Z3"] - Y
    np.testing.assert_array_equal(record["y_hat"], record["Z3"])
    np.testing.assert_allclose(record["dL/dZ3"], residual * (s / s.sum())[:, None])
    np.testing.assert_allclose(record["L"], s @ (residual**2).sum(1) / 2 / s.sum())
    if activation == "relu":  # finite differences across a kink disagree
        Z, _ = network.forward(X, coefs, intercepts, activation)
        assert min(np.abs(Z[layer]).min() for layer in (1, 2)) > 1e-4
    theta = network.pack(coefs, intercepts)
    np.testing.assert_allclose(
        network.pack(coef_grads, intercept_grads),
        central_differences(objective, theta),
        rtol=1e-6,
        atol=1e-8,
    )


TRACE_TAGS = {  # trace's names (13-8-1) and the tag of the line computing each
    "Z1": "F1", "A1": "F2", "Z2": "F1", "y_hat": "F3",
    "L": "L1", "R": "L2", "J": "L3",
    "dL/dZ2": "B1", "dL/dW2^T": "B2", "dR/dW2^T": "B3", "dJ/dW2^T": "B4",
    "dJ/db2": "B5", "dL/dA1": "B6", "f'(Z1)": "B7", "dL/dZ1": "B8",
    "dL/dW1^T": "B2", "dR/dW1^T": "B3", "dJ/dW1^T": "B4", "dJ/db1": "B5",
}  # fmt: skip


def test_trace_prints_the_tag_of_the_line_that_computed_each_entry():
    X, y = load_heart_disease(return_X_y=True)
    X = np.nan_to_num((X - np.nanmean(X, 0)) / np.nanstd(X, 0))
    steps = trace(ScratchMLPClassifier(random_state=0), X[:5], y[:5])
    for name, tag in TRACE_TAGS.items():
        cited = TAG.findall(steps.equations[name])
        assert cited == [tag], f"trace prints {name} with {cited}, not ({tag})"


# ----------------------------------------------------------- worked example


def _blocks(text):
    """{name: markdown} of the page's generated blocks."""
    pattern = load_script("worked_example").BLOCK
    return {m.group(2): m.group(3).rstrip("\n") for m in pattern.finditer(text)}


def _tables(markdown):
    """Every table of a block: a list of rows, each a list of cell strings."""
    tables, rows = [], []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-:"):
                rows.append(cells)
        elif rows:
            tables.append(rows)
            rows = []
    return tables


def _by_label(table):
    return {row[0]: row[1:] for row in table[1:]}


def _check(printed, expected, what):
    """Printed cells equal ``expected`` to their precision; '0' means exactly 0."""
    expected = np.ravel(np.asarray(expected, dtype=float))
    cells = [c for c in printed if c != ""]
    assert len(cells) == expected.size, f"{what}: {cells}"
    for cell, value in zip(cells, expected, strict=True):
        if cell == "0":
            assert value == 0, f"{what}: {value} printed as 0"
            continue
        decimals = len(cell.split(".")[1]) if "." in cell else 0
        assert decimals == 4 or float(cell).is_integer(), f"{what}: {cell}"
        assert abs(float(cell) - value) <= 0.5 * 10.0**-decimals + 1e-12, (
            f"{what}: page {cell}, code {value}"
        )


ROW = 1


@pytest.fixture(scope="module")
def heart_disease():
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_raw, y = load_heart_disease(return_X_y=True)
    scale = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    return X_raw, scale.fit_transform(X_raw), y


def test_the_worked_example_is_what_trace_says(heart_disease):
    X_raw, X, y = heart_disease
    t = trace(ScratchMLPClassifier(random_state=0), X[ROW], y[ROW], classes=[0, 1])
    blocks = _blocks(page())
    names = load_heart_disease().feature_names

    (forward,) = _tables(blocks["forward"])
    rows = _by_label(forward)
    for i, name in enumerate(names):
        raw, x, *weights = rows[name]
        assert float(raw) == pytest.approx(X_raw[ROW, i], rel=1e-5)
        _check([x], t["X"][0, i], f"x[{name}]")
        _check(weights, t["W1^T"][i], f"W1 row {name}")
    _check(rows["$b_1$"][2:], t["b1"], "b1")
    _check(rows["$z_1 = W_1 x + b_1$"][2:], t["Z1"], "z1")
    _check(rows["$a_1 = \\mathrm{ReLU}(z_1)$"][2:], t["A1"], "a1")

    hidden, scalars = map(_by_label, _tables(blocks["output"]))
    _check(hidden["$a_1$"], t["A1"], "a1")
    _check(hidden["$W_2$"], t["W2^T"], "W2")
    _check(scalars["$b_2$"], t["b2"], "b2")
    _check(scalars["$z_2 = W_2 a_1 + b_2$"], t["Z2"], "z2")
    _check(scalars["$\\hat y = \\sigma(z_2)$"], t["y_hat"], "y_hat")
    _check(scalars["$y$"], t["y"], "y")
    _check(scalars["$\\ell = \\log(1 + e^{z_2}) - y z_2$"], t["L"], "loss")

    scalars, hidden = map(_by_label, _tables(blocks["backward"]))
    _check(scalars["$\\partial\\ell/\\partial z_2 = \\hat y - y$"], t["dL/dZ2"], "dz2")
    _check(scalars["$\\partial\\ell/\\partial b_2$"], t["dJ/db2"], "db2")
    _check(hidden["$\\partial\\ell/\\partial W_2$"], t["dL/dW2^T"], "dW2")
    _check(hidden["$\\partial\\ell/\\partial a_1$"], t["dL/dA1"], "da1")
    _check(hidden["$\\mathbb{1}[z_1 > 0]$"], t["f'(Z1)"], "mask")
    _check(hidden["$\\partial\\ell/\\partial z_1$"], t["dL/dZ1"], "dz1")
    _check(hidden["$\\partial\\ell/\\partial b_1$"], t["dJ/db1"], "db1")

    (weights,) = _tables(blocks["weights"])
    rows = _by_label(weights)
    _check(rows["$\\partial\\ell/\\partial z_1$"], t["dL/dZ1"], "dz1")
    for i, name in enumerate(names):
        x, *gradient = rows[name]
        _check([x], t["X"][0, i], f"x[{name}]")
        _check(gradient, t["dL/dW1^T"][i], f"dW1 row {name}")

    scalars, hidden = map(_by_label, _tables(blocks["penalty"]))
    labels = list(scalars)
    _check(scalars[labels[0]], t["L"], "L")
    _check(scalars[labels[1]], t["R"], "R")
    _check(scalars[labels[2]], t["J"], "J")
    labels = list(hidden)
    _check(hidden[labels[0]], t["dR/dW2^T"], "dR/dW2")
    _check(hidden[labels[1]], t["dJ/dW2^T"], "dJ/dW2")


def test_the_training_step_is_what_one_epoch_of_sgd_does(heart_disease):
    _, X, y = heart_disease
    eta = load_script("worked_example").LEARNING_RATE
    before = trace(ScratchMLPClassifier(random_state=0), X, y)
    model = ScratchMLPClassifier(
        solver="sgd",
        momentum=0.0,
        batch_size=303,
        learning_rate_init=eta,
        max_iter=1,
        shuffle=False,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        W2_after, b2_after = model.coefs_[1].copy(), model.intercepts_[1].copy()
        after = trace(model, X, y)
        model.partial_fit(X, y)  # its loss_curve_[1] is J after the first step
    # The package's step is W - eta * dJ/dW, exactly.
    np.testing.assert_array_equal(W2_after, before["W2^T"] - eta * before["dJ/dW2^T"])
    np.testing.assert_array_equal(b2_after, before["b2"] - eta * before["dJ/db2"])
    np.testing.assert_array_equal(after["W2^T"], W2_after)
    assert model.loss_curve_[0] == pytest.approx(before["J"], rel=1e-12)
    assert model.loss_curve_[1] == pytest.approx(after["J"], rel=1e-12)

    step, scalars = _tables(_blocks(page())["step"])
    rows = list(_by_label(step).values())
    _check(rows[0], before["W2^T"], "W2 before")
    _check(rows[1], before["dJ/dW2^T"], "dJ/dW2 over 303 rows")
    _check(rows[2], after["W2^T"], "W2 after")
    rows = _by_label(scalars)
    b2_label, L_label, R_label, J_label = rows
    gradient = re.search(r"= (-?\d+\.\d+)\$\)", b2_label).group(1)
    _check([gradient], before["dJ/db2"], "dJ/db2")
    _check(rows[b2_label], [before["b2"], after["b2"]], "b2")
    _check(rows[L_label], [before["L"], after["L"]], "L")
    _check(rows[R_label], [before["R"], after["R"]], "R")
    _check(rows[J_label], [model.loss_curve_[0], model.loss_curve_[1]], "J")


def test_the_nudged_weight_is_measured_as_the_page_says(heart_disease):
    script = load_script("worked_example")
    _, X, y = heart_disease
    t = trace(ScratchMLPClassifier(random_state=0), X[ROW], y[ROW], classes=[0, 1])
    j = script.NUDGED_UNIT - 1
    up, down = t["W2^T"].copy(), t["W2^T"].copy()
    up[j] += script.NUDGE
    down[j] -= script.NUDGE

    def loss(W2T):  # the patient's cross-entropy from its hidden layer
        z2 = (t["A1"] @ W2T + t["b2"]).item()
        return float(np.logaddexp(0, z2) - y[ROW] * z2)

    slope = (loss(up) - loss(down)) / (2 * script.NUDGE)
    (table,) = _tables(_blocks(page())["nudge"])
    rows = list(_by_label(table).values())
    _check(rows[0], t["W2^T"][j], "w")
    _check(rows[1], loss(up), "loss up")
    _check(rows[2], loss(down), "loss down")
    _check(rows[3], slope, "slope")
    _check(rows[4], t["dL/dW2^T"][j], "backprop")
    assert slope < 0  # "Raising this weight lowers the loss"
    assert abs(slope - t["dL/dW2^T"][j, 0]) < 1e-5


def test_the_one_unit_network_is_what_the_chain_rule_and_the_definition_say():
    warmup = load_script("worked_example").WARMUP
    x, w1, b1, w2, b2, y = (warmup[k] for k in ("x", "w1", "b1", "w2", "b2", "y"))

    def loss(w1=w1, b1=b1, w2=w2, b2=b2):
        z2 = w2 * max(w1 * x + b1, 0.0) + b2
        return float(np.logaddexp(0, z2) - y * z2)

    def numeric(name, h=1e-6):
        args = dict(w1=w1, b1=b1, w2=w2, b2=b2)
        up, down = dict(args), dict(args)
        up[name] += h
        down[name] -= h
        return (loss(**up) - loss(**down)) / (2 * h)

    z1 = w1 * x + b1
    a1 = max(z1, 0.0)
    z2 = w2 * a1 + b2
    y_hat = 1 / (1 + np.exp(-z2))
    blocks = _blocks(page())
    (forward,) = map(_by_label, _tables(blocks["warmup_forward"]))
    values = list(forward.values())
    for cells, expected in zip(values, [z1, a1, z2, y_hat, loss()], strict=True):
        _check(cells, expected, "warm-up forward")
    (chain,) = _tables(blocks["warmup_chain"])
    factors = [float(row[1]) for row in chain[1:]]
    assert factors[:4] == pytest.approx([y_hat - y, w2, 1, x], abs=5e-5)
    assert factors[4] == pytest.approx(numeric("w1"), abs=5e-5)
    assert factors[4] == pytest.approx(np.prod(factors[:4]), abs=5e-4)
    (rest,) = _tables(blocks["warmup_rest"])
    gradients = [float(row[1]) for row in rest[1:]]
    assert gradients == pytest.approx(
        [numeric("b1"), numeric("w2"), numeric("b2")], abs=5e-5
    )
    # The prose gives the same inputs, and reads the signs: output too low,
    # unit pushes down, unit on, gradient positive (descent lowers w1).
    text = " ".join(page().split())
    for symbol, name in [("x", "x"), ("w_1", "w1"), ("b_1", "b1"), ("w_2", "w2")]:
        assert f"${symbol} = {warmup[name]:g}$" in text, symbol
    assert f"$b_2 = {b2:g}$" in text and f"$y = {y:g}$" in text
    # The prose reads the signs: output too low, unit pushes down, unit on,
    # gradient positive (descent lowers w1).
    assert y_hat - y < 0 and w2 < 0 and z1 > 0 and numeric("w1") > 0


def test_the_fork_of_an_input_sums_its_eight_paths(heart_disease):
    script = load_script("worked_example")
    _, X, y = heart_disease
    names = load_heart_disease().feature_names
    k = list(names).index(script.FORK_FEATURE)
    t = trace(ScratchMLPClassifier(random_state=0), X[ROW], y[ROW], classes=[0, 1])

    def loss(x):  # the patient's cross-entropy as a function of its features
        a1 = np.maximum(x @ t["W1^T"] + t["b1"], 0)
        z2 = (a1 @ t["W2^T"] + t["b2"]).item()
        return float(np.logaddexp(0, z2) - y[ROW] * z2)

    h = 1e-6
    up, down = X[ROW].copy(), X[ROW].copy()
    up[k] += h
    down[k] -= h
    numeric = (loss(up) - loss(down)) / (2 * h)
    paths, total = _tables(_blocks(page())["fork"])
    rows = list(_by_label(paths).values())
    _check(rows[0], t["W1^T"][k], "W1 column")
    _check(rows[1], t["dL/dZ1"][0], "dz1")
    _check(rows[2], t["W1^T"][k] * t["dL/dZ1"][0], "paths")
    _check(list(_by_label(total).values())[0], numeric, "dl/dx")
    assert (t["W1^T"][k] * t["dL/dZ1"][0] == 0).sum() == 3  # inactive: no path
    # 5.1: the largest input has the largest weight gradients (multiply gate).
    active = t["dL/dZ1"][0] != 0
    assert np.abs(t["X"][0]).argmax() == k
    assert (np.abs(t["dL/dW1^T"][:, active]).argmax(axis=0) == k).all()


def test_the_iris_sum_over_three_paths_is_what_trace_says():
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    script = load_script("worked_example")
    iris = load_iris()
    X = StandardScaler().fit_transform(iris.data)
    row = script.IRIS_ROW
    t = trace(
        ScratchMLPClassifier(random_state=0),
        X[row],
        iris.target[row],
        classes=[0, 1, 2],
    )
    blocks = _blocks(page())
    (forward,) = _tables(blocks["iris_forward"])
    rows = _by_label(forward)
    for i, name in enumerate(
        ["sepal length", "sepal width", "petal length", "petal width"]
    ):
        raw, x, *weights = rows[name]
        assert float(raw) == pytest.approx(iris.data[row, i])
        _check([x], t["X"][0, i], name)
        _check(weights, t["W1^T"][i], name)
    (output,) = _tables(blocks["iris_output"])
    values = list(_by_label(output).values())
    _check(values[0], t["Z2"][0], "z2")
    _check(values[1], t["y_hat"][0], "y_hat")
    _check(values[2], t["y"][0], "y")
    _check(values[3], t["dL/dZ2"][0], "delta")
    (paths,) = _tables(blocks["iris_paths"])
    values = list(_by_label(paths).values())
    W2 = t["W2^T"].T
    delta = t["dL/dZ2"][0]
    for k in range(3):
        _check(values[k], W2[k], f"W2 row {k}")
        _check(values[3 + k], W2[k] * delta[k], f"path {k}")
    _check(values[6], t["dL/dA1"][0], "sum")
    # What the prose reads: a virginica called versicolor; for h2 the
    # versicolor path (lower) is weaker than the virginica path (raise).
    assert iris.target[row] == 2 and t["y_hat"][0].argmax() == 1
    h2 = W2[:, 1] * delta
    assert h2[1] > 0 > h2[2] and abs(h2[1]) < abs(h2[2])


def test_no_heading_holds_mathematics_or_code():
    """The site's contents list cannot lay out math or code in a heading.

    The theme's page contents are a column flex box with wrapping on; an
    entry with math or code that cannot break makes the column wider than
    the sidebar, and the entries' heights, measured at the sidebar's width,
    leave blank gaps once laid out at the wider one.
    """
    headings = re.findall(r"^#{1,6} .*$", prose(page()), re.M)
    assert len(headings) > 30
    for heading in headings:
        assert not re.search(r"[$`]|\]\(", heading), heading


def test_the_page_shows_what_the_script_prints():
    script = load_script("worked_example")
    assert _blocks(page()) == script.blocks()
    assert script.markdown().count("<!-- worked_example.py:") == len(script.blocks())


def test_the_worked_example_script_updates_a_page(tmp_path):
    script = load_script("worked_example")
    stale = tmp_path / "page.md"
    stale.write_text(re.sub(r"\| 0\.\d{4} \|", "| 9.9999 |", page()))
    assert stale.read_text() != page()
    assert sorted(script.update(stale)) == sorted(script.blocks())
    assert stale.read_text() == page()


# ------------------------------------------------------------------ figure


def test_the_figure_script_writes_a_png(tmp_path, capsys):
    script = load_script("computational_graph")
    with pytest.raises(SystemExit) as stop:
        script.main(["--help"])
    assert stop.value.code == 0
    assert "computational graph" in capsys.readouterr().out
    output = tmp_path / "graph.png"
    script.main(["--output", str(output)])
    data = output.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    committed = (FIGURES / "computational_graph.png").read_bytes()
    # Same size (bytes 16-24 of the IHDR chunk: width and height).
    assert data[16:24] == committed[16:24]
    assert int.from_bytes(data[16:20], "big") >= 1000


# ---------------------------------------------------------- python blocks


def test_every_python_block_of_the_page_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", page(), re.DOTALL)
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "derivation"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow, no nan
        for number, block in enumerate(blocks, 1):
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    exec(
                        compile(block, f"derivation.md block {number}", "exec"),
                        namespace,
                    )
                except Exception as error:
                    raise AssertionError(f"python block {number} fails") from error


# ------------------------------------------------------------------ README


def test_readme_links_the_derivation_and_the_guarantees():
    readme = (ROOT / "README.md").read_text()
    assert "(docs/derivation.md)" in readme and "(docs/guarantees.md)" in readme


def test_every_guarantee_names_a_real_test():
    section = (ROOT / "docs" / "guarantees.md").read_text()
    named = re.findall(r"`(test_\w+\.py)(?:::(\w+))?`", section)
    assert len(named) >= 15
    for path, test in named:
        source = (ROOT / "tests" / path).read_text()
        if test:
            assert f"def {test}(" in source, f"{path}::{test}"
