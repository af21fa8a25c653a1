"""Look inside the network: trace a batch through it, check its gradients.

Both work on the exact training objective of a ``ScratchMLPClassifier``
(cross-entropy, L2 term, sample and class weights) or of a
``ScratchMLPRegressor`` (squared error of an identity output, L2 term,
sample weights) at its current weights, or at the initial weights its
``random_state`` draws when it is not fitted, and both accept a ``Pipeline``
that ends in one: the rows then go through the pipeline's earlier steps
first. The numbers come from the reference
implementation in ``_network.py``, never from the fast kernels.

One name per layout: the derivation's ``W1`` is (fan_out, fan_in), so the
code's ``coefs_[0]``, (fan_in, fan_out), is called ``W1^T`` here, and its
gradient ``dJ/dW1^T``. Capitals (``X``, ``Z1``, ``A1``) are batches, one row
per sample.
"""

import copy
import functools
import html
import re
import textwrap
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from sknnscratch import _diagnosis
from sknnscratch._namespace import host_inputs, move_to
from sknnscratch._network import (
    forward,
    init_parameters,
    layer_units,
    loss_and_gradients,
    pack,
    units_of,
    unpack,
)
from sknnscratch._regression_targets import validate_regression_data
from sknnscratch._settings import hidden_layer_widths
from sknnscratch._state import check_parameter_shapes
from sknnscratch._targets import validate_training_data

WIDTH = 80  # every line the tools print fits a terminal of this width
DECIMALS = 4  # the derivation's precision

# ------------------------------------------------------------ common front


def network_and_rows(estimator, X, purpose):
    """The network estimator to inspect, the rows it sees, their column names.

    The estimator is a ScratchMLPClassifier or a ScratchMLPRegressor (or of
    a subclass). A Pipeline whose last step is one hands that step and
    ``X`` transformed by the earlier steps (``pipeline[:-1].transform(X)``),
    as scikit-learn's displays do; those steps must be fitted, the last one
    need not be. The column names are those the network sees, when known.
    """
    if _is_scratch_network(estimator):  # its network in numpy, as X is
        return move_to(estimator), X, _column_names(X)
    if isinstance(estimator, Pipeline) and _is_scratch_network(estimator.steps[-1][1]):
        for name, step in estimator.steps[:-1]:
            if step is None or (isinstance(step, str) and step == "passthrough"):
                continue
            try:
                check_is_fitted(step)
            except NotFittedError as error:
                raise NotFittedError(
                    f"The pipeline's step {name!r} ({type(step).__name__}) is not "
                    f"fitted, so the rows cannot be transformed for {purpose}. Fit "
                    "the pipeline (or that step) first; only its last step, the "
                    f"{type(estimator.steps[-1][1]).__name__}, may be unfitted."
                ) from error
        head = estimator[:-1]
        try:
            names = [str(name) for name in head.get_feature_names_out()]
        except Exception:  # a step without feature names: number the columns
            names = None
        return move_to(estimator.steps[-1][1]), head.transform(X), names
    raise TypeError(
        f"{purpose} needs a ScratchMLPClassifier or a ScratchMLPRegressor, or a "
        f"Pipeline whose last step is one; got {_describe_estimator(estimator)}."
    )


# The estimators' import paths, which saved models reference too.
_NETWORK_ESTIMATORS = (
    ("sknnscratch._classifier", "ScratchMLPClassifier"),
    ("sknnscratch._regressor", "ScratchMLPRegressor"),
)


def _is_scratch_network(estimator):
    """Whether ``estimator`` is a ScratchMLPClassifier or a ScratchMLPRegressor,
    or of a subclass.

    Told by the import path of the classes it derives from, since
    ``_classifier`` and ``_regressor`` import this module (through
    ``_estimator``) and this one must not import them back.
    """
    return any(
        (cls.__module__, cls.__qualname__) in _NETWORK_ESTIMATORS
        for cls in type(estimator).__mro__
    )


def _is_regressor(network):
    """Whether the network predicts numbers (a ScratchMLPRegressor) or classes."""
    return network._target_kind == "values"


def _column_names(X):
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    return [str(name) for name in columns]


def _row_names(X):
    """The rows' labels: a DataFrame's index, else None (numbered 0, 1, ...)."""
    index = getattr(X, "index", None)
    return None if index is None else [str(label) for label in index]


def _describe_estimator(estimator):
    if isinstance(estimator, Pipeline):
        return f"a Pipeline ending in {type(estimator.steps[-1][1]).__name__}"
    return f"{type(estimator).__name__}"


def _as_rows(X):
    """A 1-D sample as one row; anything else unchanged.

    A pandas Series (a row of a DataFrame) becomes a one-row DataFrame, so
    that its column names still reach the estimator. A 1-D array of strings
    (documents for a text pipeline) is left as it is.
    """
    if sp.issparse(X) or getattr(X, "ndim", None) == 2:
        return X, False
    if hasattr(X, "to_frame") and X.ndim == 1:
        return X.to_frame().T.infer_objects(), True
    array = np.asarray(X)
    if array.ndim == 1 and array.dtype.kind in "biuf":
        return array.reshape(1, -1), True
    return X, False


def _labels_of_one_row(y):
    """The target of one row: a scalar, a one-label list, or a row of several
    columns (a 0/1 indicator row, or a regressor's several target values)."""
    y = np.asarray(y)
    if y.ndim == 0:
        return y.reshape(1)
    if y.ndim == 1 and y.size > 1:
        return y.reshape(1, -1)  # multilabel, or several regression targets
    return y


def training_objective(estimator, X, y, sample_weight=None, classes=None):
    """The data, weights and settings of the training objective ``J``.

    The same validation and encoding as ``fit``; for a fitted model its
    current weights, for an unfitted one the initial weights its
    ``random_state`` draws (the weights ``fit`` on this data would start
    from). Changes nothing, a ``RandomState`` passed as ``random_state``
    included. ``classes``, as in ``partial_fit``, lets an unfitted classifier
    take its classes from elsewhere than ``y``; a regressor has none.
    """
    fitted = estimator._is_fitted()
    if not fitted and isinstance(
        estimator.random_state, np.random.RandomState | np.random.Generator
    ):
        estimator = copy.copy(estimator)
        estimator.random_state = copy.deepcopy(estimator.random_state)
    if _is_regressor(estimator):
        data = _regression_data(estimator, X, y, sample_weight, classes, fitted)
    else:
        data = _classification_data(estimator, X, y, sample_weight, classes, fitted)
    coefs, intercepts = _starting_weights(estimator, data, fitted)
    X = data.X.toarray() if sp.issparse(data.X) else np.array(data.X)
    sample_weight = data.sample_weight
    return dict(
        X=X.astype(np.float64, copy=False),
        Y=data.Y.astype(np.float64),
        coefs=[np.array(W, dtype=np.float64) for W in coefs],
        intercepts=[np.array(b, dtype=np.float64) for b in intercepts],
        sample_weight=None
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64),
        activation=estimator.activation,
        out_activation=data.out_activation,
        alpha=float(estimator.alpha),
        classes=None if data.binarizer is None else list(data.binarizer.classes_),
        fitted=fitted,
    )


def _classification_data(estimator, X, y, sample_weight, classes, fitted):
    """A classifier's rows and labels, validated and encoded as ``fit`` does."""
    data = validate_training_data(
        estimator,
        X,
        y,
        sample_weight,
        binarizer=estimator._label_binarizer if fitted else None,
        classes=classes,
        mode="partial_fit",
    )
    if not fitted and classes is None and len(data.binarizer.classes_) < 2:
        # A model fitted on one class is legitimate, but not what a learner
        # tracing one sample of a two-class problem means.
        raise ValueError(
            f"y holds only the class {data.binarizer.classes_[0]!r}, and an "
            "unfitted estimator takes its classes from y: pass classes=[...] "
            "(every class of the data set, as in partial_fit), or fit the "
            "estimator first."
        )
    return data


def _regression_data(estimator, X, y, sample_weight, classes, fitted):
    """A regressor's rows and target values, validated as ``fit`` does.

    A fitted model is traced on targets of the columns it predicts.
    """
    name = type(estimator).__name__
    if classes is not None:
        raise ValueError(
            f"classes is for a classifier's labels; a {name} predicts numbers "
            "and has no classes. Leave classes=None."
        )
    n_outputs = estimator.n_outputs_ if fitted else None
    if fitted:
        columns = 1 if np.ndim(y) < 2 else np.shape(y)[1]
        if columns != n_outputs:
            raise ValueError(
                f"y has {columns} target column(s), but this {name} was fitted on "
                f"{n_outputs}: pass targets with the columns it predicts."
            )
    return validate_regression_data(estimator, X, y, sample_weight, n_outputs=n_outputs)


def _starting_weights(estimator, data, fitted):
    """The weights ``fit`` on ``data`` would continue from, or start from.

    In the training dtype: a fitted model's own weights, else the initial
    weights its ``random_state`` draws.
    """
    dtype = data.X.dtype
    units = layer_units(
        data.X.shape[1],
        hidden_layer_widths(estimator.hidden_layer_sizes),
        data.Y.shape[1],
    )
    if not fitted:
        rng = check_random_state(estimator.random_state)
        return init_parameters(units, estimator.activation, rng, dtype)
    check_parameter_shapes(estimator.coefs_, estimator.intercepts_, units)
    return unpack(pack(estimator.coefs_, estimator.intercepts_, dtype=dtype), units)


def _describe_network(coefs, activation, out_activation):
    units = units_of(coefs)
    output = {
        "logistic": "sigmoid",
        "softmax": "softmax",
        "identity": "identity",
        "exp": "exp",
    }[out_activation]
    return f"{'-'.join(map(str, units))} ({activation}, {output} output)"


def _unit_names(units):
    """Column labels of every layer: features, hidden units, outputs."""
    hidden = units[1:-1]
    names = {}
    for layer, width in enumerate(hidden, start=1):
        if len(hidden) == 1:
            names[layer] = [f"h{j}" for j in range(1, width + 1)]
        else:
            names[layer] = [f"h{layer}_{j}" for j in range(1, width + 1)]
    return names


def _output_names(classes, n_outputs):
    if classes is None:  # a regressor's target columns
        return ["y"] if n_outputs == 1 else [f"y{j}" for j in range(1, n_outputs + 1)]
    if n_outputs == len(classes):
        return [str(c) for c in classes]
    if n_outputs == 1 and len(classes) == 2:
        return [f"P({classes[1]})"]
    return [f"out{j}" for j in range(1, n_outputs + 1)]


# ----------------------------------------------------------- printing


def _number(value, decimals=DECIMALS):
    """A number as the derivation prints it: fixed point, exact zeros as 0."""
    value = float(value)
    if value == 0:
        return "0"
    if not np.isfinite(value):
        return str(value)
    text = f"{value:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0 else text


def _cells(array, decimals):
    """Every entry of a 1-D or 2-D array as text, column by column.

    A column of whole numbers (a 0/1 mask, labels, raw counts) prints
    without decimals; exact zeros print as ``0``.
    """
    array = np.atleast_2d(np.asarray(array, dtype=np.float64))
    cells = np.empty(array.shape, dtype=object)
    for j in range(array.shape[1]):
        column = array[:, j]
        finite = column[np.isfinite(column)]
        whole = bool(
            finite.size
            and np.all(finite == np.round(finite))
            and np.abs(finite).max() < 1e15
        )
        cells[:, j] = [_number(v, 0 if whole else decimals) for v in column]
    return cells


def _text_table(cells, column_labels, row_labels=None, width=WIDTH, indent="  "):
    """Rows of cells under column labels, right-aligned, in column blocks that fit.

    Like pandas, columns that do not fit on one line go on to a further
    block below, each block with its column labels.
    """
    cells = np.atleast_2d(cells)
    n_rows, n_cols = cells.shape
    widths = [
        max(len(column_labels[j]), *(len(c) for c in cells[:, j]))
        for j in range(n_cols)
    ]
    label_width = (
        max((len(label) for label in row_labels), default=0) if row_labels else 0
    )
    blocks, start = [], 0
    while start < n_cols:
        used = len(indent) + label_width
        stop = start
        while stop < n_cols and (stop == start or used + 1 + widths[stop] <= width):
            used += 1 + widths[stop]
            stop += 1
        lines = [
            indent
            + " " * label_width
            + "".join(f" {column_labels[j]:>{widths[j]}}" for j in range(start, stop))
        ]
        for i in range(n_rows):
            label = row_labels[i] if row_labels else ""
            lines.append(
                indent
                + f"{label:<{label_width}}"
                + "".join(f" {cells[i, j]:>{widths[j]}}" for j in range(start, stop))
            )
        blocks.append("\n".join(lines))
        start = stop
    return "\n".join(blocks)


def _html_table(cells, column_labels, row_labels=None):
    head = "".join(f"<th>{html.escape(c)}</th>" for c in column_labels)
    corner = "<th></th>" if row_labels else ""
    rows = []
    for i, row in enumerate(np.atleast_2d(cells)):
        label = f"<th>{html.escape(row_labels[i])}</th>" if row_labels else ""
        rows.append(
            "<tr>"
            + label
            + "".join(
                f'<td style="text-align:right">{html.escape(c)}</td>' for c in row
            )
            + "</tr>"
        )
    return (
        '<table style="font-family:monospace;font-size:90%">'
        f"<thead><tr>{corner}{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _fill(text, width=WIDTH, indent=""):
    """``text`` wrapped to ``width``, every line after the first indented too."""
    return textwrap.fill(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


# -------------------------------------------------------------------- trace

_SECTIONS = (
    ("inputs and parameters", re.compile(r"^(X|W\d+\^T|b\d+)$")),
    ("forward pass: (F1)-(F3)", re.compile(r"^(Z\d+|A\d+|y_hat|y)$")),
    ("objective: (L1)-(L3)", re.compile(r"^(L|R|J)$")),
    ("backward pass: (B1)-(B8)", re.compile(r"^(d|f')")),
)

_PER_SAMPLE = re.compile(r"^(X|Z\d+|A\d+|y_hat|y|dL/dZ\d+|dL/dA\d+|f'\(Z\d+\))$")

# The names of sknnscratch 0.1, which called the code's (fan_in, fan_out)
# arrays by the derivation's names: still readable, with a warning.
_OLD_NAME = re.compile(r"^(W|dL/dW|dR/dW|dJ/dW)(\d+)$|^(a|dL/da)(\d+)$")


def _new_name(old):
    match = _OLD_NAME.match(old)
    if match is None:
        return None
    if match.group(1):
        return f"{match.group(1)}{match.group(2)}^T"
    return f"{match.group(3).replace('a', 'A')}{match.group(4)}"


class Trace(dict):
    """Every quantity of one forward and backward pass, in derivation order.

    A dict from the derivation's names to values, as :func:`trace` returns
    it (see there for the names); printing it, or ending a notebook cell
    with it, shows each entry with its shape, its equation and its values
    under row and column labels.

    Parameters
    ----------
    values : mapping or iterable of (name, value) pairs, default=()
        The quantities, in the order they are computed: arrays, or floats
        for the objective's terms.
    equations : dict of str to str, default=None
        For each name, the equation (or description) printed next to it.
    labels : dict of str to (list of str or None, list of str), default=None
        For each name, the labels of its rows (None: no row labels, for a
        1-D array) and of its columns.
    header : str, default=""
        The lines printed above the entries.
    notes : list of str, default=None
        Warnings printed under the header, such as a saturated output.

    Attributes
    ----------
    equations, labels, header, notes
        As given.

    See Also
    --------
    trace : Make one.
    GradientReport : What :meth:`compare` returns.
    """

    def __init__(
        self, values=(), *, equations=None, labels=None, header="", notes=None
    ):
        super().__init__(values)
        self.equations = dict(equations or {})
        self.labels = dict(labels or {})
        self.header = header
        self.notes = list(notes or [])

    def __missing__(self, key):
        new = _new_name(key) if isinstance(key, str) else None
        if new is not None and new in self:
            warnings.warn(
                f"The trace's {key!r} is now {new!r}: the array in the code's "
                f"layout, {np.shape(self[new])}, is the derivation's matrix "
                "transposed, so it no longer carries the derivation's name. "
                f"The old name is deprecated and will stop working in a future "
                f"release; the derivation's {key} is steps[{new!r}].T.",
                FutureWarning,
                stacklevel=2,
            )
            return self[new]
        raise KeyError(
            f"{key!r} is not in this trace; its names are: {', '.join(self)}"
        )

    # ---- text

    def _rows_shown(self, max_rows):
        n = self._n_rows()
        return n if max_rows is None or n <= max_rows else max_rows

    def _n_rows(self):
        return np.shape(self["X"])[0] if "X" in self else 0

    def _entry_cells(self, name, shown, precision):
        """The cells, column labels and row labels of one entry, rows cut."""
        value = np.asarray(self[name], dtype=np.float64)
        rows, columns = self.labels.get(name, (None, None))
        if value.ndim == 1:
            columns = columns or [str(j) for j in range(value.shape[0])]
            return _cells(value[np.newaxis], precision), columns, None
        if _PER_SAMPLE.match(name):
            value, rows = value[:shown], rows[:shown]
        columns = columns or [str(j) for j in range(value.shape[1])]
        rows = rows or [str(i) for i in range(value.shape[0])]
        return _cells(value, precision), columns, rows

    def _title(self, name):
        value = self[name]
        equation = self.equations.get(name, "")
        if np.ndim(value) == 0:
            return f"{name} = {_number(value, DECIMALS)}", equation
        return f"{name}  {np.shape(value)}", equation

    def _header_lines(self, shown, width):
        lines = [_fill(line, width) for line in self.header.splitlines() if line]
        n = self._n_rows()
        if shown < n:
            lines.append(
                _fill(
                    f"Per-sample arrays show their first {shown} of {n} rows; "
                    "print(steps.to_string(max_rows=None)) shows them all.",
                    width,
                )
            )
        for note in self.notes:
            lines.append(_fill("Warning: " + note, width))
        return lines

    def to_string(self, max_rows=3, precision=DECIMALS, width=WIDTH):
        """Every entry: name, shape, equation, then its values under labels.

        Parameters
        ----------
        max_rows : int or None, default=3
            How many rows of each per-sample array (``X``, ``Z1``, ...) to
            print when there are more; None prints them all. Weights and
            biases are always printed in full.
        precision : int, default=4
            Digits after the decimal point (fixed point; exact zeros print as
            ``0``, whole numbers without decimals).
        width : int, default=80
            The longest line; wider tables continue in column blocks below.

        Returns
        -------
        text : str
        """
        shown = self._rows_shown(max_rows)
        blocks = ["\n".join(self._header_lines(shown, width))]
        section, previous_scalar = None, False
        for name in self:
            here = next(
                (title for title, rule in _SECTIONS if rule.match(name)), section
            )
            if here != section:
                section, previous_scalar = here, False
                blocks.append(f"-- {section} --")
            title, equation = self._title(name)
            line = f"{title}  {equation}".rstrip()
            if len(line) > width:
                line = title + "\n" + _fill(equation, width, "    ")
            if np.ndim(self[name]) == 0:
                if previous_scalar:
                    blocks[-1] += "\n" + line
                else:
                    blocks.append(line)
                previous_scalar = True
                continue
            previous_scalar = False
            cells, columns, rows = self._entry_cells(name, shown, precision)
            table = _text_table(cells, columns, rows, width)
            more = np.shape(self[name])[0] - cells.shape[0] if rows else 0
            tail = f"\n  ... {more} more rows" if more > 0 else ""
            blocks.append(f"{line}\n{table}{tail}")
        return "\n\n".join(blocks)

    def __str__(self):
        return self.to_string()

    def __repr__(self):
        return self.to_string()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.to_string())

    def _repr_html_(self):
        shown = self._rows_shown(3)
        parts = [
            "<div>"
            + "<br>".join(
                html.escape(line) for line in self._header_lines(shown, 10**6)
            )
            + "</div>"
        ]
        section, body = None, []

        def close_section():
            if section is not None:
                parts.append(
                    f"<details open><summary><b>{html.escape(section)}</b></summary>"
                    + "".join(body)
                    + "</details>"
                )

        for name in self:
            here = next(
                (title for title, rule in _SECTIONS if rule.match(name)), section
            )
            if here != section:
                close_section()
                section, body = here, []
            title, equation = self._title(name)
            body.append(
                f"<p style='margin:0.6em 0 0.2em'><code>{html.escape(title)}</code>"
                f"&nbsp;&nbsp;{html.escape(equation)}</p>"
            )
            if np.ndim(self[name]):
                cells, columns, rows = self._entry_cells(name, shown, DECIMALS)
                body.append(_html_table(cells, columns, rows))
                more = np.shape(self[name])[0] - cells.shape[0] if rows else 0
                if more > 0:
                    body.append(f"<p>... {more} more rows</p>")
        close_section()
        return "<div class='sknnscratch-trace'>" + "".join(parts) + "</div>"

    # ---- checking a learner's numbers against the trace

    def compare(self, mine, *, rtol=1e-7, atol=1e-12):
        """Compare your own intermediates with this trace, quantity by quantity.

        In the spirit of a ``cmp`` helper: each quantity you computed is set
        beside the trace's, and the first that differs is named with the tag
        of the line that computes it and how it differs (its shape, its sign,
        a constant factor such as the batch size, another quantity of the
        trace it equals instead).

        Parameters
        ----------
        mine : dict of str to array-like
            Your values under the trace's names, e.g. ``{"dL/dZ2": dZ2}``,
            computed on the same rows at the same weights.
        rtol, atol : float, default=1e-7, 1e-12
            A quantity matches when every entry is within ``atol + rtol *
            max|trace's value|`` of the trace's.

        Returns
        -------
        report : GradientReport
            One row per quantity, in the trace's order; ``report.passed``
            is True when all match. Printed (or shown by a notebook), it
            names the first quantity that differs and why.

        Raises
        ------
        KeyError
            For a name the trace does not have (the message lists them).
        """
        unknown = [name for name in mine if name not in self]
        if unknown:
            raise KeyError(
                f"{unknown[0]!r} is not in the trace; compare uses its names: "
                f"{', '.join(self)}"
            )
        S = self._total_weight()
        rows = []
        for name in self:
            if name not in mine:
                continue
            rows.append(self._compare_one(name, mine[name], S, rtol, atol))
        return GradientReport(
            rows,
            rtol=rtol,
            atol=atol,
            backprop="your arrays",
            reference="the trace (the reference code, same rows and weights)",
            n_rows=self._n_rows(),
            S=S,
            kind="compare",
        )

    def _total_weight(self):
        match = re.search(r"S = ([0-9.e+-]+)", self.header)
        return float(match.group(1)) if match else float(self._n_rows() or 1)

    def _out_activation(self):
        """The output function, as the header names it."""
        match = re.search(r", (\w+) output\)", self.header)
        names = {
            "sigmoid": "logistic",
            "softmax": "softmax",
            "identity": "identity",
            "exp": "exp",
        }
        return names.get(match.group(1), "logistic") if match else "logistic"

    def _compare_one(self, name, value, S, rtol, atol):
        tags = tuple(re.findall(r"\(([FLB]\d)\)", self.equations.get(name, "")))
        expected = np.asarray(self[name], dtype=np.float64)
        try:
            mine = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return GradientCheck(
                name, expected.shape, np.nan, np.nan, "FAIL", "not an array of numbers",
                gradient=name,
            )  # fmt: skip
        if mine.shape == expected.shape and np.isfinite(mine).all():
            gap = np.abs(mine - expected)
            largest = float(gap.max(initial=0.0))
            norm = np.linalg.norm(mine) + np.linalg.norm(expected)
            rel = float(np.linalg.norm(mine - expected) / max(norm, 1e-300))
            if largest <= atol + rtol * float(np.abs(expected).max(initial=0.0)):
                return GradientCheck(
                    name, expected.shape, largest, rel, "ok", "matches", gradient=name
                )
        else:
            largest, rel = np.nan, np.nan
        finding = _diagnosis.explain_quantity(
            name, mine, expected, self, tags, S, self._out_activation()
        )
        if finding is None:
            where = _diagnosis.tags_text(tags) or "its equation"
            index = np.unravel_index(np.argmax(np.abs(mine - expected)), mine.shape)
            finding = _diagnosis.Finding(
                "differs",
                f"differs most at {tuple(map(int, index))}: see {where}",
                tags,
                f"{name} differs from the trace's by up to {largest:.3g}, with no "
                f"pattern the check recognises (shape, sign, a factor, another "
                f"quantity): recompute it from its equation, {where}, using the "
                "quantities above it, which match.",
            )
        reason = "wrong shape" if mine.shape != expected.shape else None
        return _failed(
            name, expected.shape, largest, rel, finding, gradient=name, reason=reason
        )


def trace(estimator, X, y, sample_weight=None, *, classes=None):
    """Every quantity of a forward and backward pass, named as in the derivation.

    Computed in numpy, also for a model fitted on a device or arrays of
    another namespace (under ``array_api_dispatch``): they are copied to the
    host. The numbers come from the reference implementation
    (``_network.loss_and_gradients``, which ``tests/test_kernels.py`` holds
    equal to what training computes) for exactly the objective training
    minimises on these rows: ``J = L + R``, the weighted mean loss ``L =
    sum_i s_i * loss_i / S`` plus the L2 term ``R = alpha / (2 S) * sum_l
    ||Wl||^2``, with ``S`` the sum of the rows' sample weights (times class
    weights; the number of rows without weights). ``loss_i`` is the
    cross-entropy of a classifier's sigmoid (or softmax) output, or, for a
    ScratchMLPRegressor, half the squared error of its identity output,
    ``||y_hat_i - y_i||^2 / 2`` (summed over the target columns). Either
    way the output error is ``dL/dZ = (y_hat - y) * s / S``.

    Parameters
    ----------
    estimator : ScratchMLPClassifier, ScratchMLPRegressor or Pipeline
        Fitted: traced at its current weights. Unfitted: traced at the
        initial weights its ``random_state`` draws for this data, exactly the
        weights ``fit`` would start from (with ``random_state=None`` every
        call draws others). A Pipeline whose last step is one of them: ``X``
        first goes through the earlier steps, which must be fitted. Never
        modified.
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or (n_features,)
        The rows to trace; a 1-D array (or pandas Series) is one sample.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), or one target
        Their labels (a single label for a single sample), or 0/1 indicator
        rows for multilabel targets; for a regressor, the target values (one
        row of them for a single sample), with the columns a fitted model
        predicts.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, as in ``fit``.
    classes : array-like, default=None
        Every class of the data set, as in ``partial_fit``. Only an unfitted
        classifier needs it, and only when ``y`` does not show all classes
        (a single sample, say); a fitted one knows its ``classes_``. A
        regressor has no classes: passing them raises a ValueError.

    Returns
    -------
    trace : Trace
        A dict in the order the quantities are computed. For the 13-8-1
        network on ``n`` rows:

        - ``X`` (n, 13) the rows as the network sees them (float64);
        - ``W1^T`` (13, 8), ``b1`` (8,), ``W2^T`` (8, 1), ``b2`` (1,): the
          parameters, ``coefs_`` and ``intercepts_``;
        - ``Z1`` (n, 8), ``A1`` (n, 8), ``Z2`` (n, 1), ``y_hat`` (n, 1),
          ``y`` (n, 1): forward pass and encoded targets;
        - ``L``, ``R``, ``J`` (floats): cross-entropy (squared error for a
          regressor), L2 term, their sum;
        - ``dL/dZ2`` (n, 1), ``dL/dW2^T`` (8, 1), ``dR/dW2^T`` (8, 1),
          ``dJ/dW2^T`` (8, 1), ``dJ/db2`` (1,), ``dL/dA1`` (n, 8),
          ``f'(Z1)`` (n, 8), ``dL/dZ1`` (n, 8), ``dL/dW1^T`` (13, 8),
          ``dR/dW1^T`` (13, 8), ``dJ/dW1^T`` (13, 8), ``dJ/db1`` (8,).

        One name per layout: the derivation's ``W1`` is (8, 13), one row per
        hidden unit; the code stores its transpose, (fan_in, fan_out) as in
        ``coefs_``, so it is ``W1^T`` here, and ``Z1 = X @ W1^T + b1`` is the
        derivation's ``z1 = W1 x + b1`` for every row at once. Capitals are
        batches (one row per sample); ``dJ/dW1^T`` is the gradient with
        respect to ``W1^T``, the transpose of the derivation's ``dJ/dW1``.
        More hidden layers add indices. ``dJ/dW^T = dL/dW^T + dR/dW^T`` is
        the gradient training uses; biases are not penalised, so ``dJ/db``
        is also ``dL/db``. ``dL/dZ2 = (y_hat - y) * s / S`` carries the
        batch average: for one unweighted sample it is ``y_hat - y``. For a
        regressor ``y_hat = Z2`` (the identity output) and ``y`` holds the
        target values, one column per output.

        Printed (or at the end of a notebook cell), the trace labels rows and
        columns (the feature names, ``h1``, ..., ``h8`` for the hidden units)
        and shows the first 3 rows of each per-sample array;
        ``trace.to_string(max_rows=None)`` shows them all.

    Warns
    -----
    UserWarning
        When a classifier's output has saturated on some rows (``y_hat``
        rounds to 0 or 1 at the printed precision): their gradients are then
        (nearly) 0 or carry no sense of the margin. The message says why
        (unscaled inputs, or large weights) and what to do. A regressor's
        identity output never saturates; unscaled targets get a note in the
        printed trace instead.

    See Also
    --------
    check_gradients : Backprop against finite differences.
    Trace.compare : Your own intermediates against a trace.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from sknnscratch import ScratchMLPClassifier, trace
    >>> X, y = make_classification(n_samples=50, n_features=13, random_state=0)
    >>> steps = trace(ScratchMLPClassifier(random_state=0).fit(X, y), X[0], y[0])
    >>> list(steps)[:8]
    ['X', 'W1^T', 'b1', 'W2^T', 'b2', 'Z1', 'A1', 'Z2']
    >>> steps["Z1"].shape, steps["dJ/dW1^T"].shape
    ((1, 8), (13, 8))
    >>> bool(steps["J"] == steps["L"] + steps["R"])
    True

    A regressor's output error is its prediction minus the target:

    >>> from sknnscratch import ScratchMLPRegressor
    >>> regressor = ScratchMLPRegressor(random_state=0)
    >>> steps = trace(regressor, X[:4], X[:4, 0])
    >>> bool(np.allclose(steps["dL/dZ2"], (steps["y_hat"] - steps["y"]) / 4))
    True
    """
    return _traced(estimator, X, y, sample_weight, classes)


def _traced(estimator, X, y, sample_weight, classes):
    """:func:`trace`'s work, two frames below the user's call (warnings name it)."""
    X, y, sample_weight, classes = host_inputs(X, y, sample_weight, classes)
    X, one_row = _as_rows(X)
    if one_row:
        y = _labels_of_one_row(y)
    rows = _row_names(X)
    network, X, columns = network_and_rows(estimator, X, "trace")
    problem = training_objective(network, X, y, sample_weight, classes)
    values = {}
    loss_and_gradients(
        problem["X"],
        problem["Y"],
        problem["coefs"],
        problem["intercepts"],
        activation=problem["activation"],
        out_activation=problem["out_activation"],
        alpha=problem["alpha"],
        sample_weight=problem["sample_weight"],
        record=values,
    )
    n = problem["X"].shape[0]
    weights = problem["sample_weight"]
    S = n if weights is None else float(weights.sum())
    columns = columns or getattr(network, "feature_names_in_", None)
    if problem["out_activation"] == "exp":  # counts: their scale is their own
        notes, alarming = [], False
    elif problem["out_activation"] == "identity":
        notes, alarming = _target_scale(problem), False
    else:
        notes, alarming = _saturation(values, problem, columns)
    if alarming:
        warnings.warn(notes[0], UserWarning, stacklevel=3)
    return Trace(
        values,
        equations=_equations(values, problem["activation"], problem["out_activation"]),
        labels=_labels(values, problem, columns, rows),
        header=_trace_header(problem, n, S),
        notes=notes,
    )


def _trace_header(problem, n, S):
    coefs = problem["coefs"]
    at = "its current" if problem["fitted"] else "the initial (unfitted)"
    return (
        f"trace of {n} row(s) through "
        f"{_describe_network(coefs, problem['activation'], problem['out_activation'])}"
        f" at {at} weights\n"
        f"alpha = {problem['alpha']:g}, S = {S:g} (the sum of the rows' sample "
        "weights)\n"
        "Capitals are batches, one row per sample. W1^T is coefs_[0], "
        f"{coefs[0].shape}: the derivation's W1, {coefs[0].shape[::-1]}, "
        "transposed; dJ/dW1^T has its shape."
    )


def _labels(values, problem, columns, rows):
    """Row and column labels of every entry."""
    coefs = problem["coefs"]
    units = units_of(coefs)
    n_layers = len(coefs)
    names = _unit_names(units)
    features = (
        [str(c) for c in columns]
        if columns is not None and len(columns) == units[0]
        else [f"x{k}" for k in range(1, units[0] + 1)]
    )
    names[0] = features
    names[n_layers] = _output_names(problem["classes"], units[-1])
    n = problem["X"].shape[0]
    samples = (
        rows if rows is not None and len(rows) == n else [str(i) for i in range(n)]
    )
    labels = {"X": (samples, features)}
    for layer in range(1, n_layers + 1):
        for name in (f"W{layer}^T", f"dL/dW{layer}^T", f"dR/dW{layer}^T"):
            labels[name] = (names[layer - 1], names[layer])
        labels[f"dJ/dW{layer}^T"] = (names[layer - 1], names[layer])
        labels[f"b{layer}"] = (None, names[layer])
        labels[f"dJ/db{layer}"] = (None, names[layer])
        for name in (f"Z{layer}", f"A{layer}", f"dL/dZ{layer}", f"dL/dA{layer}"):
            labels[name] = (samples, names[layer])
        labels[f"f'(Z{layer})"] = (samples, names[layer])
    labels["y_hat"] = labels["y"] = (samples, names[n_layers])
    return {name: labels[name] for name in values if name in labels}


def _target_scale(problem):
    """A note on a regressor's unscaled targets (none or one): the squared
    error grows with their square, the L2 term does not."""
    largest = float(np.abs(problem["Y"]).max(initial=0.0))
    if largest <= 10:
        return []
    n_layers = len(problem["coefs"])
    return [
        f"the targets look unscaled (|y| up to {largest:.4g}): the squared error "
        f"grows with their square and dL/dZ{n_layers} = (y_hat - y) * s / S with "
        "their scale, while the L2 term does not, so alpha weighs less here than "
        "on standardised targets. Standardise y (TransformedTargetRegressor with "
        "StandardScaler) to make one alpha mean the same on every data set."
    ]


def _saturation(values, problem, columns):
    """A note on rows whose output rounds to 0 or 1: why, and what to do.

    Returns the notes (none or one) and whether to raise a warning too: when
    the inputs look unscaled, or some probability is exactly 0 or 1 (its
    rows' data gradients are then exactly 0 or +-1/S). A confident fitted
    model on standardised rows gets the note only.
    """
    P = values["y_hat"]
    margin = 0.5 * 10.0**-DECIMALS
    if problem["out_activation"] == "softmax":
        saturated = P.max(axis=1) > 1 - margin
    else:
        saturated = ((P < margin) | (P > 1 - margin)).any(axis=1)
    count = int(saturated.sum())
    if not count:
        return [], False
    n_layers = len(problem["coefs"])
    logits = np.abs(values[f"Z{n_layers}"][saturated]).max()
    X = problem["X"]
    column = int(np.abs(X).max(axis=0).argmax())
    largest = float(np.abs(X).max())
    name = (
        str(columns[column])
        if columns is not None and len(columns) == X.shape[1]
        else f"x{column + 1}"
    )
    text = (
        f"the output has saturated: y_hat rounds to 0 or 1 on {count} of "
        f"{X.shape[0]} row(s) (|Z{n_layers}| up to {logits:.3g}). There dL/dZ"
        f"{n_layers} = (y_hat - y) / S is (nearly) 0 for a row classified right "
        "and (nearly) +-1/S for one classified wrong, whatever the margin, and "
        "every gradient below inherits it."
    )
    exact = bool(((P == 0) | (P == 1)).any())
    if largest > 10:
        text += (
            f" The inputs look unscaled (|x| up to {largest:.4g}, in {name!r}), "
            "and the network expects standardised features: trace the pipeline "
            "that holds the scaler, trace(pipeline, X, y), or scale X first."
        )
    else:
        text += (
            " The inputs look standardised, so the weights are large (a "
            "confident fitted model): trace rows it is less sure of, or an "
            "unfitted model to see gradients at the initial weights."
        )
    return [text], exact or largest > 10


def _equations(steps, activation, out_activation):
    """What each entry of a trace is, in the code's row form, with its tag."""
    n_layers = sum(1 for name in steps if re.fullmatch(r"W\d+\^T", name))
    slope = {
        "relu": "1[Z{k} > 0], ReLU's slope",
        "tanh": "1 - A{k}**2, tanh's slope",
        "logistic": "A{k} * (1 - A{k}), the logistic's slope",
        "identity": "1, the identity's slope",
    }[activation]

    def below(k):
        return "X" if k == 1 else f"A{k - 1}"

    equations = {
        "X": "the input rows, one sample per row",
        **_output_equations(n_layers, out_activation),
        "R": "= alpha / (2 S) * sum_l ||Wl||^2, the L2 term  (L2)",
        "J": "= L + R, what training minimises  (L3)",
    }
    for k in range(1, n_layers + 1):
        equations[f"W{k}^T"] = f"coefs_[{k - 1}], the derivation's W{k} transposed"
        equations[f"b{k}"] = f"intercepts_[{k - 1}]"
        equations[f"Z{k}"] = f"= {below(k)} @ W{k}^T + b{k}  (F1)"
        equations[f"A{k}"] = f"= {activation}(Z{k})  (F2)"
        equations[f"dL/dW{k}^T"] = f"= {below(k)}.T @ dL/dZ{k}  (B2)"
        equations[f"dR/dW{k}^T"] = f"= alpha / S * W{k}^T  (B3)"
        equations[f"dJ/dW{k}^T"] = f"= dL/dW{k}^T + dR/dW{k}^T  (B4)"
        equations[f"dJ/db{k}"] = f"= dL/dZ{k} summed over the rows  (B5)"
        equations[f"dL/dA{k}"] = f"= dL/dZ{k + 1} @ (W{k + 1}^T).T  (B6)"
        equations[f"f'(Z{k})"] = "= " + slope.format(k=k) + "  (B7)"
        if k < n_layers:
            equations[f"dL/dZ{k}"] = f"= dL/dA{k} * f'(Z{k})  (B8)"
    return {name: equations[name] for name in steps if name in equations}


def _output_equations(n_layers, out_activation):
    """The output, the targets, the loss and the output error of a trace.

    With the sigmoid (or softmax) and the cross-entropy, and with the
    identity and the squared error alike, the output error is ``y_hat - y``:
    the loss's derivative times the output's slope, for two reasons.
    """
    L = n_layers
    if out_activation == "identity":
        return {
            "y_hat": f"= Z{L}, the identity output  (F3)",
            "y": "the target values, one column per output",
            "L": "= sum_i s_i * loss_i / S with loss_i = ||y_hat_i - y_i||^2 / 2, "
            "the mean squared error (halved)  (L1)",
            f"dL/dZ{L}": "= (y_hat - y) * s / S: the squared error's derivative "
            "y_hat - y, times the identity's slope 1  (B1)",
        }
    if out_activation == "exp":  # loss='poisson'
        return {
            "y_hat": f"= exp(Z{L}), the exponential output (log link)  (F3)",
            "y": "the target values (counts), one column per output",
            "L": "= sum_i s_i * loss_i / S with loss_i = sum_k (y_hat - y - "
            "y log(y_hat / y)), half the Poisson deviance  (L1)",
            f"dL/dZ{L}": "= (y_hat - y) * s / S: the deviance's derivative "
            "1 - y / y_hat, times the exponential's slope y_hat  (B1)",
        }
    output = "sigmoid" if out_activation == "logistic" else "softmax"
    return {
        "y_hat": f"= {output}(Z{L})  (F3)",
        "y": "the targets, 0/1 per output unit",
        "L": "= sum_i s_i * loss_i / S, the mean cross-entropy  (L1)",
        f"dL/dZ{L}": "= (y_hat - y) * s / S  (B1)",
    }


# ----------------------------------------------------------- gradient check


@dataclass(frozen=True)
class GradientCheck:
    """One row of a :class:`GradientReport`: the verdict on one array.

    Parameters
    ----------
    name : str
        The parameter (``'coefs_[0]'``, ..., ``'intercepts_[1]'``), or the
        trace's name of the quantity compared (``'dL/dZ2'``).
    shape : tuple
        The shape the array must have.
    max_abs_error : float
        The largest absolute difference from the reference (nan when the
        two could not be compared).
    rel_error : float
        ``||yours - reference|| / (||yours|| + ||reference||)``.
    status : {'ok', 'FAIL', 'near kink'}
        The verdict.
    reason : str
        Why: 'relative error < rtol', 'every entry within atol', 'matches',
        or what failed ('wrong values', a wrong shape, 'not finite').
    gradient : str, default=""
        The derivation's name of the array (``'dJ/dW1^T'``).
    cause : str, default=""
        For a failure, its most likely cause and the tags of the lines to
        look at, on one line (``'303 x too large: a sum over the rows, not a
        mean? see (B1)'``).
    tags : tuple of str, default=()
        Those tags (``('B1',)``; a range is written ``'B6-B8'``).
    explanation : str, default=""
        The cause explained, with what to do.
    """

    name: str
    shape: tuple
    max_abs_error: float
    rel_error: float
    status: str
    reason: str = ""
    gradient: str = ""
    cause: str = ""
    tags: tuple = field(default=())
    explanation: str = ""


def _failed(name, shape, largest, rel, finding, gradient, reason=None):
    if reason is None:
        reason = "wrong values"
        if finding is not None and finding.key.startswith(
            ("transposed W", "shape", "extra axis", "not summed", "reshaped")
        ):
            reason = "wrong shape"
        if finding is not None and finding.key == "not finite":
            reason = "not finite"
    return GradientCheck(
        name,
        tuple(shape),
        largest,
        rel,
        "FAIL",
        reason,
        gradient=gradient,
        cause=finding.cause if finding else "",
        tags=finding.tags if finding else (),
        explanation=finding.note if finding else "",
    )


_ATOL_NOTE = (
    "'ok (within atol)': the relative error is large only because the "
    "gradient itself is tiny, as near a minimum, where the rounding noise of "
    "finite differences (about 1e-16 * |J| / eps) is a large share of it; "
    "every entry still agrees within atol, which is the meaningful test there."
)


class GradientReport(list):
    """The verdict on each array of a backprop, printable as a table.

    A list of :class:`GradientCheck`, one per parameter array (from
    :func:`check_gradients`) or per quantity compared (from
    :meth:`Trace.compare`). Printing it, or ending a notebook cell with it,
    shows a table that fits 80 columns: a header with the check's settings
    (rows, ``S``, ``alpha``, the network, the tolerances), a row per array
    and, under each failing one, its most likely cause with the tags of the
    lines to read, then those causes explained.

    Parameters
    ----------
    rows : iterable of GradientCheck, default=()
        The verdicts.
    near_kink : int, default=0
        How many rows of ``X`` were left out (a ReLU pre-activation within
        reach of its kink).
    rtol : float, default=1e-6
        The relative tolerance.
    atol : float, default=1e-8
        The absolute tolerance.
    eps : float, default=1e-6
        The finite-difference step.
    n_rows : int, default=None
        How many rows were compared.
    backprop : str, default=""
        Whose backprop was checked ("" for the estimator's own).
    reference : str, default="central finite differences of J"
        What it was checked against.
    alpha, S : float, default=None
        The L2 strength and the rows' total weight of the objective.
    network : str, default=""
        The network, e.g. ``'13-8-1 (relu, sigmoid output)'``.
    kind : {'check', 'compare'}, default='check'
        Made by :func:`check_gradients` or by :meth:`Trace.compare`.

    Attributes
    ----------
    near_kink, rtol, atol, eps, n_rows, backprop, reference, alpha, S, network
        As given.
    """

    def __init__(
        self,
        rows=(),
        near_kink=0,
        rtol=1e-6,
        *,
        atol=1e-8,
        eps=1e-6,
        n_rows=None,
        backprop="",
        reference="central finite differences of J",
        alpha=None,
        S=None,
        network="",
        kind="check",
    ):
        super().__init__(rows)
        self.near_kink = near_kink
        self.rtol = rtol
        self.atol = atol
        self.eps = eps
        self.n_rows = n_rows
        self.backprop = backprop or "the estimator's own (_network.py)"
        self.reference = reference
        self.alpha = alpha
        self.S = S
        self.network = network
        self.kind = kind

    @property
    def passed(self):
        """True when no array failed ('near kink' is not a failure)."""
        return all(row.status != "FAIL" for row in self)

    def first_failure(self):
        """The first failing row, or None."""
        return next((row for row in self if row.status == "FAIL"), None)

    def _causes(self):
        """Each distinct cause's number and explanation, in the rows' order."""
        causes = {}
        for row in self:
            if row.status == "FAIL" and row.explanation:
                causes.setdefault(row.explanation, len(causes) + 1)
        return causes

    def _header(self, width):
        what = "compare" if self.kind == "compare" else "check_gradients"
        lines = [_fill(f"{what}: {self.backprop} against {self.reference}", width)]
        facts = []
        if self.network:
            facts.append(("network", self.network))
        if self.n_rows is not None:
            rows = f"{self.n_rows} compared"
            if self.S is not None:
                rows += f", S = {self.S:g} (their total sample weight)"
            facts.append(("rows", rows))
        if self.alpha is not None:
            facts.append(
                ("alpha", f"{self.alpha:g} (the L2 term adds alpha/S * W^T to dJ/dW^T)")
            )
        if self.kind == "check":
            facts.append(
                (
                    "passes",
                    f"when rel error < rtol = {self.rtol:g}, or every entry is "
                    f"within atol = {self.atol:g}; eps = {self.eps:g}",
                )
            )
        else:
            facts.append(
                (
                    "matches",
                    "when every entry is within atol + rtol * max|trace| "
                    f"(rtol = {self.rtol:g}, atol = {self.atol:g})",
                )
            )
        for label, text in facts:
            lines.append(
                textwrap.fill(
                    text,
                    width,
                    initial_indent=f"  {label:<9}",
                    subsequent_indent=" " * 11,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        return lines

    def _table(self, width):
        causes = self._causes()
        check = self.kind == "check"
        name_width = max([8, *(len(row.gradient or row.name) for row in self)])
        param_width = max([9, *(len(row.name) for row in self)]) if check else 0
        shape_width = max([5, *(len(str(tuple(row.shape))) for row in self)])
        head = f"{'array':<{name_width}}  "
        if check:
            head += f"{'parameter':<{param_width}}  "
        head += (
            f"{'shape':>{shape_width}}  {'max abs err':>11}  {'rel error':>9}  verdict"
        )
        lines = [head]
        for row in self:
            line = f"{row.gradient or row.name:<{name_width}}  "
            if check:
                line += f"{row.name:<{param_width}}  "
            verdict = row.status
            if row.status == "ok" and row.reason == "every entry within atol":
                verdict = "ok (within atol)"
            if row.status == "FAIL" and row.reason:
                verdict = f"FAIL ({row.reason})"
            line += (
                f"{str(tuple(row.shape)):>{shape_width}}  "
                f"{row.max_abs_error:>11.2e}  {row.rel_error:>9.2e}  {verdict}"
            )
            lines.append(line)
            if row.status == "FAIL" and row.cause:
                number = causes.get(row.explanation)
                text = row.cause + (f" [{number}]" if number else "")
                lines.append(_fill("-> " + text, width, "    "))
        return lines

    def _footer(self, width):
        lines = []
        for text, number in self._causes().items():
            lines.append(
                textwrap.fill(
                    text,
                    width,
                    initial_indent=f"[{number}] ",
                    subsequent_indent="    ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        first = self.first_failure()
        if self.kind == "compare" and first is not None:
            lines.append(
                _fill(
                    f"First difference: {first.gradient or first.name}"
                    + (f": {first.cause}" if first.cause else "")
                    + ".",
                    width,
                )
            )
        if self.kind == "check":
            lines.append(
                _fill(
                    "rel error = ||yours - numeric|| / (||yours|| + ||numeric||), "
                    "numeric being the central differences of J.",
                    width,
                )
            )
        if any(row.reason == "every entry within atol" for row in self):
            lines.append(_fill(_ATOL_NOTE, width))
        if self.near_kink:
            lines.append(
                _fill(
                    f"{self.near_kink} row(s) left out: a ReLU pre-activation within "
                    "reach of the kink at 0, where finite differences are "
                    "unreliable.",
                    width,
                )
            )
        return lines

    def to_string(self, width=WIDTH):
        """The report as text, every line at most ``width`` characters.

        Parameters
        ----------
        width : int, default=80

        Returns
        -------
        text : str
        """
        parts = ["\n".join(self._header(width)), "\n".join(self._table(width))]
        footer = self._footer(width)
        notes = [line for line in footer if re.match(r"\[\d+\] ", line)]
        rest = [line for line in footer if line not in notes]
        parts += ["\n".join(notes), "\n".join(rest)]
        return "\n\n".join(part for part in parts if part)

    def __str__(self):
        return self.to_string()

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.to_string())

    def _repr_html_(self):
        causes = self._causes()
        header = "<br>".join(html.escape(line) for line in self._header(10**6))
        check = self.kind == "check"
        cells = ["array", *(["parameter"] if check else []), "shape"]
        cells += ["max abs err", "rel error", "verdict", "cause"]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cells)
        body = []
        for row in self:
            colour = "#b2182b" if row.status == "FAIL" else "inherit"
            number = causes.get(row.explanation)
            cause = row.cause + (f" [{number}]" if number else "")
            values = [
                row.gradient or row.name,
                *([row.name] if check else []),
                str(tuple(row.shape)),
                f"{row.max_abs_error:.2e}",
                f"{row.rel_error:.2e}",
                row.status if row.status != "FAIL" else f"FAIL ({row.reason})",
                cause,
            ]
            body.append(
                f"<tr style='color:{colour}'>"
                + "".join(f"<td>{html.escape(v)}</td>" for v in values)
                + "</tr>"
            )
        notes = "".join(
            f"<p>[{number}] {html.escape(text)}</p>" for text, number in causes.items()
        )
        footer = "".join(
            f"<p>{html.escape(line)}</p>"
            for line in self._footer(10**6)
            if not re.match(r"\[\d+\] ", line)
        )
        return (
            f"<div class='sknnscratch-gradient-report'><p>{header}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
            f"</table>{notes}{footer}</div>"
        )


def _gradient_name(index, n_layers):
    """The derivation's name of array ``index``: weights first, then biases."""
    if index < n_layers:
        return f"dJ/dW{index + 1}^T"
    return f"dJ/db{index - n_layers + 1}"


def check_gradients(
    estimator,
    X,
    y,
    sample_weight=None,
    *,
    gradient=None,
    eps=1e-6,
    rtol=1e-6,
    atol=1e-8,
    classes=None,
):
    """Compare backprop with central finite differences of the objective.

    The objective is exactly the one training minimises,
    ``J = sum(s_i * loss_i) / S + alpha / (2 S) * sum ||W||^2`` (``loss_i``
    the cross-entropy, or half the squared error for a regressor), at the
    estimator's current weights (the initial weights its ``random_state``
    draws if it is not fitted). Every parameter is moved by ``+eps`` and
    ``-eps`` in turn: ``2 * n_parameters`` forward passes over ``X`` (242
    for the 13-8-1 network), so pass a sample of a large data set. Computed
    in numpy, also for a model fitted on a device or rows of another Array
    API namespace: they are copied to the host.

    Parameters
    ----------
    estimator : ScratchMLPClassifier, ScratchMLPRegressor or Pipeline
        Fitted or not; a Pipeline whose last step is one of them sends ``X``
        through its earlier steps first (they must be fitted). Never
        modified.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Input rows (a 1-D array is one row).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Their labels, or a regressor's target values.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, as in ``fit``.
    gradient : callable, default=None
        Your own backprop, to check instead of the estimator's:
        ``gradient(X, Y, coefs, intercepts) -> (coef_grads, intercept_grads)``.
        It receives ``X``, the rows as the network sees them (transformed by
        the pipeline, dense float64, shape (n, 13)); ``Y``, the targets as
        training encodes them (an (n, n_outputs) 0/1 float array: one column
        for binary targets; a regressor's target values, one column per
        output); and ``coefs`` and ``intercepts``, the current
        weights as lists in the code's layout (``coefs[0]`` is ``W1^T``, of
        shape (13, 8); ``intercepts[0]`` is ``b1``, of shape (8,)). All are
        copies: writing into them changes nothing. It must return two lists,
        ``[dJ/dW1^T, dJ/dW2^T, ...]`` and ``[dJ/db1, dJ/db2, ...]``, each
        array of its parameter's shape: the gradient of the estimator's
        ``J``, its L2 term ``alpha / (2 n) * sum ||W||^2`` included (set
        ``alpha=0`` on the estimator to check a backprop without penalty).
        The callable gets no sample weights, so it needs an estimator without
        ``class_weight`` and no ``sample_weight``. The finite differences are
        always those of the estimator's ``J``: only the analytic side is
        replaced.
    eps : float, default=1e-6
        The finite-difference step.
    rtol : float, default=1e-6
        An array passes when ``||analytic - numeric|| / (||analytic|| +
        ||numeric||)`` is below it...
    atol : float, default=1e-8
        ... or when every entry differs by less than this. Near a minimum the
        gradient itself is tiny and the relative error measures only the
        rounding noise of finite differences (about ``1e-16 * |J| / eps``).
    classes : array-like, default=None
        Every class of the data set, for an unfitted classifier whose ``y``
        does not show them all (as in ``partial_fit``); a regressor refuses
        it.

    Returns
    -------
    report : GradientReport
        One :class:`GradientCheck` per array (``coefs_[0]``, ...,
        ``intercepts_[-1]``) with its shape, the largest absolute error, the
        relative error and a status, 'ok' or 'FAIL', with its reason. A
        failing array also names its most likely cause and the tags of the
        lines to look at, from the signature its numbers leave: a missing
        ``1/S`` (every array ``S`` times too large), a flipped sign, a
        forgotten or mis-scaled L2 term (weights off by a multiple of ``W``,
        biases right), a transposed weight gradient (told by its shape, or by
        its values when it is square), a missing or wrong activation slope
        (the layers below the output wrong), a mask that overwrote the
        activations, the output error taken twice through the sigmoid (for
        a regressor: ``2 (y_hat - y)``, the squared error's 1/2 forgotten; a
        sigmoid on its identity output; a mean over the target columns),
        and,
        when none fits, the pattern of failing arrays (every array: (B1);
        the lower layers only: (B6)-(B8); weights only: (B2)-(B4); biases
        only: (B5)). A gradient of the wrong shape is a FAIL that says so,
        not an exception. Rows of ``X`` with a ReLU pre-activation within
        reach of a step of 0 (where the gradient is not defined, so finite
        differences cannot judge it) are left out of the comparison and
        counted in ``near_kink``; if every row is, each status is 'near
        kink'. ``report.passed`` is True when no row failed;
        ``print(report)`` explains each verdict in at most 80 columns.

    Raises
    ------
    ValueError
        If ``gradient`` raises (the message shows what it was called with
        and what it must return; its own error is chained), does not return
        two lists of one array per layer, or is given with sample or class
        weights; if ``classes`` is given for a regressor.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sknnscratch import ScratchMLPClassifier, check_gradients
    >>> X, y = make_classification(n_samples=50, n_features=13, random_state=0)
    >>> check_gradients(ScratchMLPClassifier(random_state=0), X, y).passed
    True

    A backprop of your own, for the 13-8-1 network without penalty:

    >>> import numpy as np
    >>> from scipy.special import expit
    >>> def my_backprop(X, Y, coefs, intercepts):
    ...     (W1T, W2T), (b1, b2) = coefs, intercepts
    ...     Z1 = X @ W1T + b1
    ...     A1 = np.maximum(Z1, 0)
    ...     dZ2 = (expit(A1 @ W2T + b2) - Y) / len(X)
    ...     dZ1 = dZ2 @ W2T.T * (Z1 > 0)
    ...     return [X.T @ dZ1, A1.T @ dZ2], [dZ1.sum(0), dZ2.sum(0)]
    >>> model = ScratchMLPClassifier(alpha=0, random_state=0)
    >>> check_gradients(model, X, y, gradient=my_backprop).passed
    True

    Forget the ``1 / len(X)`` and the report says so:

    >>> def summed(X, Y, coefs, intercepts):
    ...     coef_grads, intercept_grads = my_backprop(X, Y, coefs, intercepts)
    ...     n = len(X)
    ...     return [n * g for g in coef_grads], [n * g for g in intercept_grads]
    >>> report = check_gradients(model, X, y, gradient=summed)
    >>> report[0].cause
    '50 x too large: a sum over the rows, not a mean? see (B1)'
    """
    X, y, sample_weight, classes = host_inputs(X, y, sample_weight, classes)
    X, one_row = _as_rows(X)
    if one_row:
        y = _labels_of_one_row(y)
    network, X, _ = network_and_rows(estimator, X, "check_gradients")
    objective = _Objective.of(network, X, y, sample_weight, classes)
    if gradient is not None:
        _refuse_weighted_rows(objective)
    report_settings = dict(
        rtol=rtol,
        atol=atol,
        eps=eps,
        backprop="" if gradient is None else f"your {_callable_name(gradient)}",
        alpha=objective.settings["alpha"],
        network=objective.describe(),
    )
    # Rows whose ReLU pre-activations a step could push across 0 would make
    # finite differences wrong where the code is right: leave them out.
    kink = _near_kink(
        objective.X,
        objective.coefs,
        objective.intercepts,
        objective.settings["activation"],
        eps,
    )
    near_kink = int(kink.sum())
    if near_kink == kink.size:
        rows = _every_row_near_a_kink(objective)
        return GradientReport(rows, near_kink, n_rows=0, **report_settings)
    if near_kink:
        objective = objective.rows(~kink)
    if gradient is None:
        analytic = objective.gradients()
    else:
        analytic = _call_gradient(gradient, objective)
    numeric = _finite_differences(objective, eps)
    rows = _gradient_rows(objective, analytic, numeric, rtol, atol)
    return GradientReport(
        rows,
        near_kink,
        n_rows=objective.X.shape[0],
        S=objective.total_weight,
        **report_settings,
    )


@dataclass(frozen=True)
class _Objective:
    """The training objective ``J`` on the checked rows, at the checked weights."""

    X: np.ndarray
    Y: np.ndarray
    coefs: list
    intercepts: list
    settings: dict  # activation, out_activation, alpha, sample_weight

    @classmethod
    def of(cls, network, X, y, sample_weight, classes):
        problem = training_objective(network, X, y, sample_weight, classes)
        settings = {
            key: problem[key]
            for key in ("activation", "out_activation", "alpha", "sample_weight")
        }
        return cls(
            problem["X"],
            problem["Y"],
            problem["coefs"],
            problem["intercepts"],
            settings,
        )

    @property
    def n_layers(self):
        return len(self.coefs)

    @property
    def total_weight(self):
        """The rows' total sample weight."""
        weights = self.settings["sample_weight"]
        return float(self.X.shape[0] if weights is None else weights.sum())

    def describe(self):
        return _describe_network(
            self.coefs, self.settings["activation"], self.settings["out_activation"]
        )

    def rows(self, keep):
        """The same objective on the rows ``keep`` selects."""
        weights = self.settings["sample_weight"]
        settings = {
            **self.settings,
            "sample_weight": None if weights is None else weights[keep],
        }
        return replace(self, X=self.X[keep], Y=self.Y[keep], settings=settings)

    def loss(self, coefs, intercepts):
        return loss_and_gradients(self.X, self.Y, coefs, intercepts, **self.settings)[0]

    def gradients(self):
        """The reference's gradients: the weights' arrays, then the biases'."""
        _, coef_grads, intercept_grads = loss_and_gradients(
            self.X, self.Y, self.coefs, self.intercepts, **self.settings
        )
        return [*coef_grads, *intercept_grads]


def _refuse_weighted_rows(objective):
    weights = objective.settings["sample_weight"]
    if weights is not None and np.any(weights != 1):
        raise ValueError(
            "A gradient callable receives no sample weights, but these rows are "
            "weighted (sample_weight or the estimator's class_weight). Check it "
            "without them: sample_weight=None and class_weight=None."
        )


def _every_row_near_a_kink(objective):
    """The report's rows when no row is left to compare."""
    arrays = [*objective.coefs, *objective.intercepts]
    return [
        GradientCheck(
            name,
            array.shape,
            np.nan,
            np.nan,
            "near kink",
            "every row near a kink",
            gradient=_gradient_name(index, objective.n_layers),
        )
        for index, (name, array) in enumerate(
            zip(_names(objective.coefs), arrays, strict=True)
        )
    ]


def _finite_differences(objective, eps):
    """Central differences of ``J``, one parameter at a time, as the arrays."""
    theta = pack(objective.coefs, objective.intercepts)
    units = units_of(objective.coefs)
    numeric = np.empty_like(theta)
    shifted = theta.copy()
    for i in range(theta.size):
        shifted[i] = theta[i] + eps
        up = objective.loss(*unpack(shifted, units))
        shifted[i] = theta[i] - eps
        down = objective.loss(*unpack(shifted, units))
        shifted[i] = theta[i]
        numeric[i] = (up - down) / (2 * eps)
    numeric_coefs, numeric_intercepts = unpack(numeric, units)
    return [*numeric_coefs, *numeric_intercepts]


def _gradient_rows(objective, analytic, numeric, rtol, atol):
    """A GradientCheck per array: its verdict and, when it fails, why."""
    n_layers = objective.n_layers
    verdicts = [
        _verdict(a, n, rtol, atol) for a, n in zip(analytic, numeric, strict=True)
    ]
    findings = [None] * len(verdicts)
    if any(status == "FAIL" for status, *_ in verdicts):
        shapes = [np.shape(a) for a in numeric]
        findings = _diagnose(objective, analytic, shapes, verdicts)
    rows = []
    for i, (name, (status, reason, largest, rel)) in enumerate(
        zip(_names(objective.coefs), verdicts, strict=True)
    ):
        gradient_name = _gradient_name(i, n_layers)
        shape = np.shape(numeric[i])
        if status == "FAIL":
            rows.append(
                _failed(
                    name, shape, largest, rel, findings[i], gradient_name, reason=reason
                )
            )
        else:
            rows.append(
                GradientCheck(
                    name, shape, largest, rel, status, reason, gradient=gradient_name
                )
            )
    return rows


def _diagnose(objective, analytic, shapes, verdicts):
    """The most likely cause of each failing array (None for the others)."""
    n_layers = objective.n_layers
    net = _reference_pass(objective)
    gradient_names = [_gradient_name(i, n_layers) for i in range(len(verdicts))]
    output = net.A[n_layers]
    saturated = 0  # the regressor's outputs never saturate
    if net.out_activation not in ("identity", "exp"):
        saturated = int(((output == 0) | (output == 1)).any(axis=1).sum())
    explained = _diagnosis.explain_gradients(
        net, analytic, gradient_names, shapes, saturated
    )
    failing = {
        ("W" if i < n_layers else "b", i % n_layers + 1)
        for i, (status, *_) in enumerate(verdicts)
        if status == "FAIL"
    }
    fallback = _diagnosis.pattern(failing, n_layers)
    return [
        (explained[i] or fallback) if verdicts[i][0] == "FAIL" else None
        for i in range(len(verdicts))
    ]


def _reference_pass(objective):
    """The reference's intermediates and gradient terms, for the diagnosis."""
    X, Y, coefs, settings = (
        objective.X,
        objective.Y,
        objective.coefs,
        objective.settings,
    )
    activation, out_activation = settings["activation"], settings["out_activation"]
    Z, A = forward(X, coefs, objective.intercepts, activation, out_activation)
    named = {}
    loss_and_gradients(X, Y, coefs, objective.intercepts, record=named, **settings)
    n_layers = len(coefs)
    weights = settings["sample_weight"]
    return _diagnosis.Pass(
        X=X,
        Y=Y,
        coefs=coefs,
        Z=Z,
        A=A,
        activation=activation,
        out_activation=out_activation,
        alpha=settings["alpha"],
        s=np.ones(X.shape[0]) if weights is None else weights,
        S=objective.total_weight,
        data=[named[f"dL/dW{k}^T"] for k in range(1, n_layers + 1)],
        penalty=[named[f"dR/dW{k}^T"] for k in range(1, n_layers + 1)],
        biases=[named[f"dJ/db{k}"] for k in range(1, n_layers + 1)],
    )


def _callable_name(gradient):
    inner = gradient.func if isinstance(gradient, functools.partial) else gradient
    return f"{getattr(inner, '__name__', type(inner).__name__)}(...)"


def _shapes(arrays):
    return "[" + ", ".join(str(np.shape(a)) for a in arrays) + "]"


def _call_gradient(gradient, objective):
    """Run a learner's backprop on copies; check it returns one array per layer."""
    X, Y = objective.X, objective.Y
    coefs, intercepts = objective.coefs, objective.intercepts
    name = _callable_name(gradient)
    called = _how_it_was_called(
        name, X, Y, coefs, intercepts, objective.settings["out_activation"]
    )
    try:
        result = gradient(
            X.copy(),
            Y.copy(),
            [W.copy() for W in coefs],
            [b.copy() for b in intercepts],
        )
    except Exception as error:
        raise _gradient_raised(error, name, called, coefs) from error
    return _two_lists_per_layer(result, name, len(coefs), called)


def _how_it_was_called(name, X, Y, coefs, intercepts, out_activation):
    """What a learner's backprop received, and what it must return."""
    n_layers = len(coefs)
    wanted = (
        "(["
        + ", ".join(f"dJ/dW{k}^T {W.shape}" for k, W in enumerate(coefs, 1))
        + "],\n     ["
        + ", ".join(f"dJ/db{k} {b.shape}" for k, b in enumerate(intercepts, 1))
        + "])"
    )
    weights = ", ".join(f"W{k}^T" for k in range(1, n_layers + 1))
    biases = ", ".join(f"b{k}" for k in range(1, n_layers + 1))
    targets = (
        "numbers, a column per output"
        if out_activation in ("identity", "exp")
        else "0/1, a column per output"
    )
    return "\n".join(
        [
            f"It was called as {name[:-5]}(X, Y, coefs, intercepts) with",
            f"    X           {str(X.shape):<18} the rows, one sample per row",
            f"    Y           {str(Y.shape):<18} the targets, {targets}",
            f"    coefs       {_shapes(coefs):<18} [{weights}]: coefs_, (fan_in, "
            "fan_out)",
            f"    intercepts  {_shapes(intercepts):<18} [{biases}]: intercepts_, 1-D",
            f"and must return {wanted}.",
        ]
    )


def _gradient_raised(error, name, called, coefs):
    """The ValueError for a learner's backprop that raised ``error``."""
    own = _fill(f"{type(error).__name__}: {error}", WIDTH, "    ")
    hint = ""
    if isinstance(error, ValueError | IndexError) and (
        "shape" in str(error) or "dimension" in str(error)
    ):
        hint = (
            "\nA shape error is often a transpose, or a column form among row "
            "forms.\nIn this layout a weight gradient is the input rows, "
            "transposed, times the error:\n"
            f"    dJ/dW1^T = X.T @ dZ1  {coefs[0].shape}    and below the "
            "output: dA1 = dZ2 @ W2^T.T"
        )
    return ValueError(f"Your {name} raised\n{own}\n{called}{hint}")


def _two_lists_per_layer(result, name, n_layers, called):
    """A learner's ``(coef_grads, intercept_grads)``, checked: n_layers each."""
    if not isinstance(result, tuple | list) or len(result) != 2:
        got = f"a {type(result).__name__}" + (
            f" of {len(result)} items" if isinstance(result, tuple | list) else ""
        )
        raise ValueError(
            f"Your {name} returned {got}; it must return a pair (coef_grads, "
            f"intercept_grads).\n{called}"
        )
    coef_grads, intercept_grads = result
    for what, grads in (
        ("coef_grads", coef_grads),
        ("intercept_grads", intercept_grads),
    ):
        count = len(grads) if isinstance(grads, tuple | list) else None
        if count != n_layers:
            got = f"{count} arrays" if count is not None else type(grads).__name__
            raise ValueError(
                f"Your {name} returned {got} in {what}; expected a list of "
                f"{n_layers}, one per layer.\n{called}"
            )
    return [*coef_grads, *intercept_grads]


def _verdict(analytic, numeric, rtol, atol):
    """(status, reason, largest error, relative error) of one array."""
    try:
        analytic = np.asarray(analytic, dtype=np.float64)
    except (TypeError, ValueError):
        return "FAIL", "not an array of numbers", np.nan, np.nan
    if analytic.shape != numeric.shape:
        return "FAIL", "wrong shape", np.nan, np.nan
    if not np.isfinite(analytic).all():
        return "FAIL", "not finite", np.nan, np.nan
    difference = np.linalg.norm(analytic - numeric)
    rel = float(
        difference / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-300)
    )
    largest = float(np.abs(analytic - numeric).max(initial=0.0))
    if rel < rtol:
        return "ok", "relative error < rtol", largest, rel
    if largest < atol:
        return "ok", "every entry within atol", largest, rel
    return "FAIL", "wrong values", largest, rel


def _names(coefs):
    return [f"coefs_[{i}]" for i in range(len(coefs))] + [
        f"intercepts_[{i}]" for i in range(len(coefs))
    ]


def _near_kink(X, coefs, intercepts, activation, eps):
    """Rows where a step of ``eps`` could carry a hidden ReLU input across 0.

    A step of ``eps`` on a weight of layer ``l`` moves ``Z[l]`` by at most
    ``eps * max |A[l-1]|`` (``eps`` for a bias); a change that comes from an
    earlier layer reaches unit ``k`` of ``Z[l]`` through ``W[l][:, k]``, at
    most ``sum_j |W[l][j, k]|`` times as large. A row is left out when a
    hidden unit lies within ten times that reach of 0; for the others both
    evaluations of every central difference lie on the same linear piece of
    each ReLU, where the difference is exact up to rounding.
    """
    near = np.zeros(X.shape[0], dtype=bool)
    if activation != "relu":
        return near
    Z, A = forward(X, coefs, intercepts, activation)
    reach = np.zeros((X.shape[0], 1))
    for layer in range(1, len(coefs)):
        inputs = np.maximum(1.0, np.abs(A[layer - 1]).max(axis=1, keepdims=True))
        spread = np.abs(coefs[layer - 1]).sum(axis=0).max()
        reach = eps * inputs + spread * reach
        near |= (np.abs(Z[layer]) < 10 * reach).any(axis=1)
    return near
