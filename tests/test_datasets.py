import hashlib
import subprocess
import sys
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from sknnscratch.datasets import load_heart_disease

UCI_SHA256 = "a74b7efa387bc9d108d7d0115d831fe9b414b29ae7124f331b622b4efa0427c8"
UCI_NAMES = (
    "age sex cp trestbps chol fbs restecg thalach exang oldpeak slope ca thal".split()
)


def test_bundled_file_is_the_original_uci_file():
    raw = (
        resources.files("sknnscratch.datasets.data")
        .joinpath("processed.cleveland.data")
        .read_bytes()
    )
    assert hashlib.sha256(raw).hexdigest() == UCI_SHA256
    assert len(raw) == 18461


def test_binary_bunch():
    bunch = load_heart_disease()
    assert bunch.data.shape == (303, 13)
    assert np.isnan(bunch.data).sum() == 6
    assert np.isnan(bunch.data[:, UCI_NAMES.index("ca")]).sum() == 4
    assert np.isnan(bunch.data[:, UCI_NAMES.index("thal")]).sum() == 2
    np.testing.assert_array_equal(np.bincount(bunch.target), [164, 139])
    assert bunch.feature_names == UCI_NAMES
    np.testing.assert_array_equal(bunch.target_names, ["no disease", "disease"])
    assert bunch.frame is None
    assert bunch.filename == "processed.cleveland.data"
    assert "CC BY 4.0" in bunch.DESCR and "10.24432/C52P4X" in bunch.DESCR
    # First line of the file:
    # 63.0,1.0,1.0,145.0,233.0,1.0,2.0,150.0,0.0,2.3,3.0,0.0,6.0,0
    np.testing.assert_array_equal(
        bunch.data[0], [63, 1, 1, 145, 233, 1, 2, 150, 0, 2.3, 3, 0, 6]
    )
    assert bunch.target[0] == 0


def test_multiclass_target_keeps_the_severity():
    X, y = load_heart_disease(return_X_y=True, multiclass=True)
    assert X.shape == (303, 13)
    np.testing.assert_array_equal(np.bincount(y), [164, 55, 36, 35, 13])
    assert len(load_heart_disease(multiclass=True).target_names) == 5


def test_as_frame():
    bunch = load_heart_disease(as_frame=True)
    assert isinstance(bunch.data, pd.DataFrame)
    assert list(bunch.data.columns) == UCI_NAMES
    assert isinstance(bunch.target, pd.Series) and bunch.target.name == "target"
    assert list(bunch.frame.columns) == [*UCI_NAMES, "target"]
    assert bunch.data.isna().sum().sum() == 6
    X, y = load_heart_disease(as_frame=True, return_X_y=True)
    assert X.shape == (303, 13) and y.sum() == 139


@pytest.mark.slow
def test_loads_from_the_installed_package_outside_the_source_tree(tmp_path):
    script = (
        "import sknnscratch, numpy as np\n"
        "from sknnscratch.datasets import load_heart_disease\n"
        "X, y = load_heart_disease(return_X_y=True)\n"
        "print(sknnscratch.__file__, X.shape[0], int(y.sum()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    if "No module named 'sknnscratch'" in result.stderr:
        pytest.skip("sknnscratch is not installed in this environment")
    assert result.returncode == 0, result.stderr
    location, n_rows, n_sick = result.stdout.split()
    assert (n_rows, n_sick) == ("303", "139")
