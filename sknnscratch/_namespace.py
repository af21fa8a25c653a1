"""Where arrays live: the Array API namespace and device of a call.

Under scikit-learn's ``array_api_dispatch`` (``sklearn.set_config`` or
``sklearn.config_context``), an estimator computes in the namespace and on
the device of its input ``X``: PyTorch on a GPU, CuPy, array-api-strict...
This module finds that :class:`Placement` and moves arrays to it and back.
numpy input, sparse input, or no dispatch: no placement (``None``), and the
numpy path runs exactly as without this module.

The namespace comes from the vendored ``array-api-compat`` under
``sklearn.externals`` (a public path), which wraps PyTorch and CuPy in the
standard's functions.
"""

import copy
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.externals import array_api_compat


def dispatching():
    """Whether scikit-learn's ``array_api_dispatch`` is on."""
    return bool(get_config().get("array_api_dispatch", False))


def is_numpy(array):
    """Whether ``array`` is a numpy array (or scalar): the numpy path's input."""
    return isinstance(array, np.ndarray | np.generic)


def _is_array_api_array(value):
    """A non-numpy array of some Array API namespace (not a list, not sparse)."""
    return (
        value is not None
        and not is_numpy(value)
        and not sp.issparse(value)
        and array_api_compat.is_array_api_obj(value)
    )


def namespace(array):
    """The Array API namespace of ``array``: numpy itself for numpy arrays.

    numpy gets the ``numpy`` module (not a wrapper), so that the numpy path
    calls exactly the functions it always called.
    """
    if is_numpy(array):
        return np
    return array_api_compat.array_namespace(array)


@dataclass(frozen=True)
class Placement:
    """An Array API namespace and a device: where a call's arrays live.

    Attributes
    ----------
    xp : module
        The namespace (``array-api-compat``'s for PyTorch and CuPy).
    device : object
        The device, as the namespace names it.
    """

    xp: object
    device: object

    def put(self, array, dtype=None):
        """``array`` (numpy, or of any namespace) here, as ``dtype`` if given."""
        if array is None:
            return None
        if not is_numpy(array) and namespace(array) is not self.xp:
            array = to_numpy(array)
        if is_numpy(array) and dtype is None:
            return self.xp.asarray(array, device=self.device)
        if is_numpy(array):
            return self.xp.asarray(array.astype(dtype, copy=False), device=self.device)
        array = array_api_compat.to_device(array, self.device)
        return array if dtype is None else self.xp.astype(array, self.xp_dtype(dtype))

    @property
    def accelerated(self):
        """Whether the device is an accelerator (CUDA, MPS, XPU; CuPy's GPU)."""
        if array_api_compat.is_cupy_namespace(self.xp):
            return True
        kind = str(self.device).split(":")[0].lower()
        return kind in ("cuda", "mps", "xpu")

    def xp_dtype(self, dtype):
        """The namespace's float dtype of the same name as numpy ``dtype``."""
        return getattr(self.xp, np.dtype(dtype).name)

    def holds(self, array):
        """Whether ``array`` is in this namespace on this device."""
        return (
            not is_numpy(array)
            and namespace(array) is self.xp
            and array_api_compat.device(array) == self.device
        )


def placement_of(X):
    """Where a call on ``X`` computes: a :class:`Placement`, or None for numpy.

    None without ``array_api_dispatch``, and for numpy, sparse or array-like
    ``X`` (lists, DataFrames): those take the numpy path.
    """
    if not dispatching() or not _is_array_api_array(X):
        return None
    return Placement(namespace(X), array_api_compat.device(X))


def to_numpy(array):
    """``array`` as a numpy array on the host (numpy input returned as is)."""
    if array is None or is_numpy(array):
        return array
    if array_api_compat.is_torch_array(array):
        return array.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(array):
        return array.get()
    # The DLPack protocol, asking for a copy on the host (another device).
    return np.from_dlpack(array, device="cpu", copy=True)


def host_inputs(*arrays):
    """Each Array API array among ``arrays`` as numpy; anything else as is.

    scikit-learn's rule for mixed inputs: ``y`` and ``sample_weight`` follow
    ``X``, whatever namespace they come in.
    """
    return [to_numpy(a) if _is_array_api_array(a) else a for a in arrays]


# The fitted attributes that hold the network's arrays.
_NETWORK_ARRAYS = ("coefs_", "intercepts_")


def placement_of_model(estimator):
    """Where a fitted model's arrays live: a :class:`Placement`, or None (numpy)."""
    coefs = getattr(estimator, "coefs_", None)
    if not coefs or is_numpy(coefs[0]) or not _is_array_api_array(coefs[0]):
        return None
    return Placement(namespace(coefs[0]), array_api_compat.device(coefs[0]))


def placed_attributes(attributes, placement):
    """Fitted attributes with the network's arrays moved to ``placement``.

    ``placement`` None moves them to numpy. Other attributes (``classes_``
    among them, which may hold strings) stay as they are.
    """
    moved = dict(attributes)
    for name in _NETWORK_ARRAYS:
        if name in moved:
            moved[name] = [
                to_numpy(a) if placement is None else placement.put(a)
                for a in moved[name]
            ]
    return moved


def placed_arrays(attributes, placement):
    """Fitted attributes with every numeric numpy array moved to ``placement``.

    For the arrays a search records (``alphas_``, ``scores_``), which
    scikit-learn keeps in the training data's namespace; ``classes_`` stays
    as it is (it may hold strings). ``placement`` None changes nothing.
    """
    if placement is None:
        return attributes
    return {
        name: placement.put(value)
        if _is_fitted_array(name, value) and name != "classes_"
        else value
        for name, value in attributes.items()
    }


def _is_fitted_array(name, value):
    """Whether ``name=value`` is a fitted attribute holding a numeric numpy array."""
    fitted = name.endswith("_") and not name.startswith("_")
    return fitted and is_numpy(value) and value.dtype.kind in "biuf"


def host_attributes(attributes):
    """Attributes with every array of another namespace (the network's too) in numpy."""
    attributes = placed_attributes(attributes, None)
    return {
        name: to_numpy(value) if _is_array_api_array(value) else value
        for name, value in attributes.items()
    }


def move_to(estimator, xp=None, device=None):
    """A copy of a fitted model whose network lives in namespace ``xp`` on ``device``.

    A model fitted under ``array_api_dispatch`` keeps its ``coefs_`` and
    ``intercepts_`` where its training data was (a GPU, say), and predicts
    on arrays of that namespace and device only. ``move_to(model)`` brings
    it back to numpy, to pickle it, save it with skops, export it to ONNX
    or predict on numpy input; ``move_to(model, xp, device)`` takes a model
    to a namespace, to predict on its arrays under ``array_api_dispatch``.
    The estimator itself is not changed.

    Parameters
    ----------
    estimator : ScratchMLPClassifier or ScratchMLPClassifierCV
        A fitted model.
    xp : module, default=None
        The target namespace (``torch``, ``cupy``, ``array_api_strict``, or
        ``array_api_compat``'s wrapper of one); None or ``numpy`` for numpy.
    device : object, default=None
        The target device (``"cuda"``, ``torch.device("cuda:0")``...); None
        for the namespace's default device.

    Returns
    -------
    moved : estimator
        A shallow copy holding the moved arrays; everything else is shared.
    """
    placement = None
    if xp is not None and xp is not np and getattr(xp, "__name__", "") != "numpy":
        probe = xp.asarray([0.0], device=device)
        placement = Placement(namespace(probe), array_api_compat.device(probe))
    moved = copy.copy(estimator)
    if placement is None:
        attributes = host_attributes(vars(estimator))
    else:
        attributes = placed_arrays(
            placed_attributes(vars(estimator), placement), placement
        )
    moved.__dict__.update(attributes)
    best = getattr(estimator, "best_estimator_", None)
    if best is not None:
        moved.best_estimator_ = move_to(best, xp, device)
    return moved


def same_placement_or_error(estimator, X, method):
    """The model's :class:`Placement` (or None), after checking ``X`` matches it.

    Raises
    ------
    ValueError
        When ``X`` is in another namespace or on another device than the
        fitted network, naming the estimator's method and the way out
        (:func:`move_to`).
    """
    model = placement_of_model(estimator)
    given = placement_of(X) if dispatching() else None
    if model == given:
        return model
    where = "numpy" if model is None else f"{model.xp.__name__} on {model.device}"
    got = "numpy" if given is None else f"{given.xp.__name__} on {given.device}"
    raise ValueError(
        f"{type(estimator).__name__}.{method}() input and the fitted network "
        f"must use the same namespace and device: the network is in {where}, "
        f"X in {got}. Move the model with sknnscratch.move_to(model, xp, "
        f"device), or X to where the model is."
    )
