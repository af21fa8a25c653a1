"""Finding a call's namespace and device, and moving arrays there and back."""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn

from sknnscratch._namespace import (
    Placement,
    host_inputs,
    namespace,
    placed_arrays,
    placed_attributes,
    placement_of,
    to_numpy,
)

xps = pytest.importorskip("array_api_strict")


def test_no_placement_without_dispatch_or_for_numpy_input():
    X = xps.asarray(np.ones((2, 2)))
    assert placement_of(X) is None  # dispatch off
    with sklearn.config_context(array_api_dispatch=True):
        assert placement_of(np.ones((2, 2))) is None
        assert placement_of(sp.csr_matrix(np.ones((2, 2)))) is None
        assert placement_of([[1.0, 2.0]]) is None
        assert placement_of(X) == Placement(xps, X.device)


def test_numpy_arrays_get_the_numpy_module_itself():
    assert namespace(np.ones(2)) is np
    assert namespace(xps.asarray([1.0])) is xps


@pytest.mark.parametrize("device", [None, "device1"])
def test_arrays_go_to_the_placement_and_back_unchanged(device):
    device = xps.Device(device) if device else xps.Device("CPU_DEVICE")
    where = Placement(xps, device)
    values = np.random.default_rng(0).normal(size=(3, 4))
    moved = where.put(values)
    assert where.holds(moved) and moved.dtype == xps.float64
    np.testing.assert_array_equal(to_numpy(moved), values)
    assert where.put(values, np.float32).dtype == xps.float32
    assert where.put(None) is None


def test_host_inputs_converts_only_arrays_of_other_namespaces():
    y_list = [0, 1]
    X, y, w = host_inputs(xps.asarray([[1.0], [2.0]]), y_list, None)
    assert isinstance(X, np.ndarray) and y is y_list and w is None


def test_placed_attributes_move_only_the_network():
    where = Placement(xps, xps.Device("CPU_DEVICE"))
    attributes = {"coefs_": [np.ones((2, 3))], "intercepts_": [np.ones(3)], "t_": 4}
    moved = placed_attributes(attributes, where)
    assert where.holds(moved["coefs_"][0]) and moved["t_"] == 4
    back = placed_attributes(moved, None)
    assert isinstance(back["coefs_"][0], np.ndarray)
    assert attributes["coefs_"][0] is not moved["coefs_"][0]  # a new dict


def test_placed_arrays_leave_classes_and_private_values():
    where = Placement(xps, xps.Device("CPU_DEVICE"))
    fitted = {
        "alphas_": np.ones(2),
        "classes_": np.array([0, 1]),
        "_private": np.ones(2),
        "names_": np.array(["a"]),
    }
    moved = placed_arrays(fitted, where)
    assert where.holds(moved["alphas_"])
    assert all(moved[k] is fitted[k] for k in ("classes_", "_private", "names_"))
    assert placed_arrays(fitted, None) is fitted


def test_only_gpu_like_devices_count_as_accelerators():
    assert Placement(xps, "cuda:0").accelerated
    assert Placement(xps, "mps").accelerated
    assert not Placement(xps, xps.Device("CPU_DEVICE")).accelerated
    assert not Placement(xps, xps.Device("device1")).accelerated
    assert not Placement(xps, "cpu").accelerated


def test_an_accelerator_moves_the_auto_limits():
    from sknnscratch._settings import batch_rows
    from sknnscratch._solver_choice import choose_solver

    gpu, cpu = Placement(xps, "cuda"), Placement(xps, "cpu")
    rows, params = 1_000_000, 26_113  # the 1 000 000 x 100 x (256,) network
    choice = dict(incremental=False, early_stopping=False)
    assert choose_solver("auto", rows, params, **choice) == "adam"
    assert choose_solver("auto", rows, params, accelerated=True, **choice) == "lbfgs"
    assert choose_solver("auto", 10 * rows, params, accelerated=True, **choice) == (
        "adam"
    )
    assert batch_rows("auto", rows, gpu) == 4096
    assert batch_rows("auto", rows, cpu) == batch_rows("auto", rows) == 200
    assert batch_rows(64, rows, gpu) == 64
