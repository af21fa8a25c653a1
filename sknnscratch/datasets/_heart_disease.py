"""Loader for the bundled UCI Cleveland heart-disease data."""

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

DATA_MODULE = "sknnscratch.datasets.data"
DATA_FILE = "processed.cleveland.data"
DESCR_MODULE = "sknnscratch.datasets.descr"
FEATURE_NAMES = [
    "age",
    "sex",
    "cp",
    "trestbps",
    "chol",
    "fbs",
    "restecg",
    "thalach",
    "exang",
    "oldpeak",
    "slope",
    "ca",
    "thal",
]


def load_heart_disease(*, return_X_y=False, as_frame=False, multiclass=False):
    """Load the UCI Cleveland heart-disease data (classification).

    303 patients, 13 attributes, 6 missing values (NaN). The file is the
    original ``processed.cleveland.data``, shipped inside the package.

    =================   ==============================================
    Classes             2 (``multiclass=False``) or 5 (``multiclass=True``)
    Samples per class   164 / 139, or 164 / 55 / 36 / 35 / 13
    Samples total       303
    Dimensionality      13
    Features            real and integer codes, 6 values missing
    =================   ==============================================

    Read more in the ``DESCR`` of the returned Bunch.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with the UCI column names,
        ``target`` a pandas Series, and the Bunch has a ``frame`` holding both.
    multiclass : bool, default=False
        If False, the target is ``num > 0`` (1 = disease). If True, it is the
        original diagnosis ``num`` from 0 (no disease) to 4.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray or DataFrame of shape (303, 13)
            The attributes; missing values are NaN.
        target : ndarray or Series of shape (303,)
            The diagnosis, as integers.
        feature_names : list of str
            The 13 UCI column names.
        target_names : ndarray of str
            The meaning of each target value.
        frame : DataFrame of shape (303, 14)
            Data and target together; only when ``as_frame=True``.
        DESCR : str
            Description of the data set, its licence and its citation.
        filename : str
            The name of the bundled data file.
        data_module : str
            The package that holds the data file.

    (data, target) : tuple if ``return_X_y`` is True
        The data and the target.

    Examples
    --------
    >>> from sknnscratch.datasets import load_heart_disease
    >>> X, y = load_heart_disease(return_X_y=True)
    >>> X.shape, int(y.sum())
    ((303, 13), 139)
    """
    with resources.files(DATA_MODULE).joinpath(DATA_FILE).open("r") as file:
        table = pd.read_csv(
            file, header=None, names=[*FEATURE_NAMES, "num"], na_values="?"
        )
    descr = resources.files(DESCR_MODULE).joinpath("heart_disease.rst").read_text()

    num = table.pop("num").astype(int)
    if multiclass:
        target = num.rename("target")
        target_names = [
            "no disease",
            "severity 1",
            "severity 2",
            "severity 3",
            "severity 4",
        ]
    else:
        target = (num > 0).astype(int).rename("target")
        target_names = ["no disease", "disease"]

    data = table.astype(float)
    frame = pd.concat([data, target], axis=1) if as_frame else None
    if not as_frame:
        data, target = data.to_numpy(), target.to_numpy()

    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=list(FEATURE_NAMES),
        target_names=np.array(target_names),
        DESCR=descr,
        filename=DATA_FILE,
        data_module=DATA_MODULE,
    )
