"""The plain data a saved model is made of, and the checks that read it back.

A saved model holds only strings, numbers, lists, dicts and numpy arrays, so
that ``skops.io`` trusts everything but the estimator's class. It is also
compact: a skops file stores every number of a list, and every entry of a
dict, as a node of its own (a few hundred bytes each), so the numbers of the
training state go into one structured array (:func:`pack_numbers`), the
curves are float arrays and the history is a record array with a field per
column (:func:`history_to_array`).

Each ``*_from_plain`` function reads what its ``*_to_plain`` counterpart
wrote, and also the form of 0.1.0 (lists of numbers, a list of dicts), and
raises a ValueError that names the value and what is wrong with it.
"""

from numbers import Integral, Real

import numpy as np

from sknnscratch._optimizers import SGD, Adam

SOLVERS = ("lbfgs", "sgd", "adam")
"""The solvers a model can have been trained with (``solver_``)."""

HISTORY_COLUMNS = (
    "epoch",
    "train_loss",
    "validation_loss",
    "validation_score",
    "learning_rate",
    "seconds",
)
"""The columns of a row of ``history_``, in order."""

_NONE_MARK = " is None"  # the field marking a history column's None values
_EXACT_INTEGERS = 2**53  # the integers a float64 holds exactly


def is_integer(value):
    """Whether ``value`` is an integer (Python's or numpy's), not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool | np.bool_)


def is_real(value):
    """Whether ``value`` is a real number (Python's or numpy's), not a bool."""
    return isinstance(value, Real) and not isinstance(value, bool | np.bool_)


def describe(value):
    """A short description of a stored value, for error messages: an array's
    dtype and shape, or the value's type and (shortened) repr."""
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


# ------------------------------------------------------------------ numbers


def pack_numbers(numbers):
    """Numbers and numeric arrays as one 0-d structured array, a field each.

    Parameters
    ----------
    numbers : dict of str to int, float or ndarray
        Python ints and floats become int64 and float64 fields, arrays keep
        their dtype and shape.
    """
    values = {name: np.asarray(value) for name, value in numbers.items()}
    dtype = [(name, value.dtype, value.shape) for name, value in values.items()]
    packed = np.zeros((), dtype=dtype)
    for name, value in values.items():
        packed[name] = value
    return packed


def _is_record_array_of_numbers(value, ndim):
    """Whether ``value`` is a structured array of ``ndim`` dimensions whose
    fields all hold numbers."""
    return (
        isinstance(value, np.ndarray)
        and value.ndim == ndim
        and value.dtype.names is not None
        and all(value.dtype[field].base.kind in "biuf" for field in value.dtype.names)
    )


def unpack_numbers(packed, name):
    """The dict :func:`pack_numbers` packed: arrays, and 0-d fields as numbers.

    A float64 or int64 field of one value becomes a Python float or int (what
    training keeps); other scalars stay numpy scalars.
    """
    if not _is_record_array_of_numbers(packed, ndim=0):
        raise ValueError(
            f"{name} must be a 0-d structured array of numbers, got {describe(packed)}"
        )
    numbers = {}
    for field in packed.dtype.names:
        value = packed[field]
        if value.ndim:
            numbers[field] = value.copy()
        elif value.dtype in (np.float64, np.int64):
            numbers[field] = value.item()
        else:
            numbers[field] = value[()]
    return numbers


# ------------------------------------------------------------------- curves


def curve_to_array(curve):
    """A curve (list of numbers, or None) as a float64 array, for saving."""
    return None if curve is None else np.asarray(curve, dtype=np.float64)


def curve_from_plain(curve, name):
    """The list of floats a saved curve stands for (an array, or 0.1.0's list).

    Raises a ValueError naming ``name`` unless ``curve`` is None or a 1-D
    sequence of real numbers.
    """
    if curve is None:
        return None
    if isinstance(curve, np.ndarray):
        if curve.ndim != 1 or curve.dtype.kind not in "fiu":
            raise ValueError(
                f"{name} must be a 1-D array of numbers, got {describe(curve)}"
            )
        return curve.astype(np.float64).tolist()
    if isinstance(curve, list | tuple) and all(is_real(v) for v in curve):
        return list(curve)
    raise ValueError(f"{name} must be a list of numbers, got {describe(curve)}")


def _column_dtype(values):
    """The field type of a history column: bool, int64 or float64 (None where
    its values are not all of one kind of number, or not numbers)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool | np.bool_) for v in present):
        return np.bool_
    if any(not is_real(v) for v in present):
        return None
    if present and all(is_integer(v) for v in present):
        return np.int64 if all(abs(v) < 2**63 for v in present) else None
    if any(is_integer(v) and abs(v) >= _EXACT_INTEGERS for v in present):
        return None  # a float64 would not hold it exactly
    return np.float64


def history_to_array(history):
    """``history_`` (a list of dicts) as a record array, one record per row.

    A field per column: bool, int64 or float64 for a column of booleans,
    integers or other numbers, and for a column with None values a boolean
    field ``'<column> is None'`` marking them (their value is 0 or NaN). A
    history holding anything else (rows with other keys, values that are
    not numbers or booleans) is returned as it is, a list.
    """
    columns = list(history[0]) if history else list(HISTORY_COLUMNS)
    if not (
        all(isinstance(c, str) and not c.endswith(_NONE_MARK) for c in columns)
        and all(list(row) == columns for row in history)
    ):
        return list(history)
    dtype, data = [], []
    for column in columns:
        values = [row[column] for row in history]
        kind = _column_dtype(values)
        if kind is None:
            return list(history)
        blank = np.nan if kind is np.float64 else 0
        dtype.append((column, kind))
        data.append([blank if v is None else v for v in values])
        if any(v is None for v in values):
            dtype.append((column + _NONE_MARK, np.bool_))
            data.append([v is None for v in values])
    records = np.zeros(len(history), dtype=dtype)
    for (field, _), values in zip(dtype, data, strict=True):
        records[field] = values
    return records


def history_from_plain(history, name):
    """The list of dicts a saved history stands for: a record array of
    :func:`history_to_array`, or a list of dicts (0.1.0's form)."""
    if isinstance(history, list | tuple):
        if not all(
            isinstance(row, dict) and all(isinstance(k, str) for k in row)
            for row in history
        ):
            raise ValueError(f"{name} must be a list of dicts, got {describe(history)}")
        return [dict(row) for row in history]
    if not _is_record_array_of_numbers(history, ndim=1):
        raise ValueError(
            f"{name} must be a record array of numbers, got {describe(history)}"
        )
    fields = history.dtype.names
    columns = [f for f in fields if not f.endswith(_NONE_MARK)]
    marks = {f[: -len(_NONE_MARK)] for f in fields if f.endswith(_NONE_MARK)}
    if not marks <= set(columns):
        raise ValueError(f"{name} marks None values of unknown columns")
    values = {c: history[c].tolist() for c in columns}
    missing = {c: history[c + _NONE_MARK].tolist() for c in marks}
    return [
        {c: None if c in missing and missing[c][i] else values[c][i] for c in columns}
        for i in range(len(history))
    ]


# ------------------------------------------------------------- random states


def random_state_to_numbers(state, name):
    """A ``RandomState.get_state()`` tuple as named numbers for
    :func:`pack_numbers` (its algorithm is always 'MT19937')."""
    _, key, pos, has_gauss, cached_gaussian = state
    return {
        f"{name}.key": key,
        f"{name}.pos": pos,
        f"{name}.has_gauss": has_gauss,
        f"{name}.cached_gaussian": cached_gaussian,
    }


def random_state_from_numbers(numbers, name):
    """The ``get_state()`` tuple :func:`random_state_to_numbers` split up."""
    parts = ("key", "pos", "has_gauss", "cached_gaussian")
    try:
        values = [numbers.pop(f"{name}.{part}") for part in parts]
    except KeyError as error:
        raise ValueError(f"{name} lacks its {error.args[0]!r}") from error
    return ("MT19937", *values)


def random_state_from_plain(state, name):
    """A RandomState in the saved state ``state`` (``get_state()``'s tuple)."""
    rng = np.random.RandomState()
    try:
        if not (
            isinstance(state, tuple | list)
            and len(state) == 5
            and state[0] == "MT19937"
            and isinstance(state[1], np.ndarray)
            and state[1].shape == (624,)
            and state[1].dtype.kind in "iu"
        ):
            raise ValueError("not a Mersenne Twister state")
        rng.set_state(tuple(state))
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} must be numpy.random.RandomState.get_state()'s "
            "('MT19937', key of 624 integers, pos, has_gauss, cached_gaussian); "
            f"got {describe(state)} ({error})"
        ) from error
    return rng


# ---------------------------------------------------------------- optimisers

_OPTIMIZERS = {"SGD": (SGD, "sgd"), "Adam": (Adam, "adam")}
# The parts of an optimiser's snapshot (and 0.1.0's attribute names for them).
_SNAPSHOT_PARTS = {
    "SGD": ("velocity", "learning_rate"),
    "Adam": ("moments", "t", "learning_rate"),
}


_SETTINGS = {
    "sgd": "'sgd', learning rate, schedule, momentum, nesterov, power_t",
    "adam": "'adam', learning rate, beta_1, beta_2, epsilon",
}
_SCHEDULES = ("constant", "invscaling", "adaptive")


def _valid_settings(settings):
    """Whether an optimiser's settings have the types and values of its kind."""
    if settings[0] == "sgd" and len(settings) == 6:
        _, rate, schedule, momentum, nesterov, power_t = settings
        return (
            all(is_real(v) for v in (rate, momentum, power_t))
            and schedule in _SCHEDULES
            and isinstance(nesterov, bool | np.bool_)
        )
    return len(settings) == 5 and all(is_real(v) for v in settings[1:])


def optimizer_to_plain(optimizer):
    """An optimiser as plain data (class, settings, size, dtype and state),
    or None.

    An optimiser without settings (``key``) is never continued (see
    ``_solvers.current_optimizer``): it is saved as None.
    """
    key = getattr(optimizer, "key", None)
    if optimizer is None or key is None:
        return None
    settings, n_params, dtype = key
    return {
        "class": type(optimizer).__name__,
        "settings": list(settings),
        "n_params": n_params,
        "dtype": np.dtype(dtype).name,
        "snapshot": list(optimizer.snapshot()),
    }


def optimizer_from_plain(data, name="optimizer"):
    """The optimiser :func:`optimizer_to_plain` (or 0.1.0) described, or None.

    It is built anew from its settings, then its state (moments, step count,
    learning rate) is restored, each part checked against what the settings
    give: the right dtype and shape, a number where a number belongs.
    """
    if data is None:
        return None
    if not isinstance(data, dict) or data.get("class") not in _OPTIMIZERS:
        what = data.get("class") if isinstance(data, dict) else data
        raise ValueError(
            f"{name} must be an 'SGD' or 'Adam' optimiser, got {describe(what)}"
        )
    class_name = data["class"]
    saved = _optimizer_parts(data, name)
    if saved is None:
        return None
    settings, n_params, dtype, snapshot = saved
    _check_optimizer_settings(class_name, settings, n_params, dtype, name)
    cls, _ = _OPTIMIZERS[class_name]
    try:
        optimizer = cls(int(n_params), np.dtype(dtype), *settings[1:])
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: settings {settings!r} ({error})") from error
    _check_snapshot(class_name, snapshot, optimizer.snapshot(), n_params, dtype, name)
    optimizer.restore(tuple(snapshot))
    optimizer.key = (tuple(settings), int(n_params), np.dtype(dtype))
    return optimizer


def _optimizer_parts(data, name):
    """(settings, n_params, dtype, snapshot) of a saved optimiser, as saved, or
    None for 0.1.0's optimiser without settings."""
    parts = _SNAPSHOT_PARTS[data["class"]]
    if "state" in data:  # 0.1.0: the optimiser's attributes
        state = data["state"]
        if not isinstance(state, dict):
            raise ValueError(f"{name}'s state must be a dict, got {describe(state)}")
        if state.get("key") is None:
            return None
        try:
            settings, n_params, dtype = state["key"]
            snapshot = [state[part] for part in parts]
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{name}'s state lacks {error}") from error
        return settings, n_params, dtype, snapshot
    try:
        return data["settings"], data["n_params"], data["dtype"], data["snapshot"]
    except KeyError as error:
        raise ValueError(f"{name} lacks {error}") from error


def _check_optimizer_settings(class_name, settings, n_params, dtype, name):
    """Settings of the optimiser's kind, a parameter count and a float dtype."""
    _, kind = _OPTIMIZERS[class_name]
    if not (isinstance(settings, list | tuple) and settings and settings[0] == kind):
        raise ValueError(
            f"{name}: a {class_name} optimiser's settings start with {kind!r}, "
            f"got {settings!r}"
        )
    if not _valid_settings(settings):
        raise ValueError(
            f"{name}: {settings!r} are not the settings of a {class_name} "
            f"optimiser ({_SETTINGS[kind]})"
        )
    if dtype not in ("float32", "float64") or not is_integer(n_params) or n_params < 0:
        raise ValueError(
            f"{name}: n_params={n_params!r} and dtype={dtype!r} must be a count "
            "and 'float32' or 'float64'"
        )


def _check_snapshot(class_name, snapshot, expected, n_params, dtype, name):
    """Each part of a saved state like the new optimiser's ``expected`` one."""
    parts = _SNAPSHOT_PARTS[class_name]
    if not isinstance(snapshot, list | tuple) or len(snapshot) != len(expected):
        raise ValueError(
            f"{name}: a {class_name} state has {len(expected)} parts {parts}, got "
            f"{describe(snapshot)}"
        )
    for part, got, want in zip(parts, snapshot, expected, strict=True):
        if isinstance(want, np.ndarray):
            ok = (
                isinstance(got, np.ndarray)
                and got.shape == want.shape
                and got.dtype == want.dtype
            )
            wanted = f"an array of dtype {want.dtype} and shape {want.shape}"
        else:
            ok = (is_integer if isinstance(want, Integral) else is_real)(got)
            wanted = "an integer" if isinstance(want, Integral) else "a number"
        if not ok:
            raise ValueError(
                f"{name}: {class_name}'s {part} must be {wanted} (its settings give "
                f"{n_params} parameters of {dtype}), got {describe(got)}"
            )
