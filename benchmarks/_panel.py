"""What the defaults studies share: timed fits, the panel summary, the rule.

``defaults.py`` (the classifier) and ``regression_defaults.py`` (the
regressor) cross-validate candidates on a panel of data sets and choose the
defaults among the candidates whose shortfall from each data set's best is
small; these are the pieces they measure and judge with alike.
"""

import statistics
import time
import warnings

from sklearn.exceptions import ConvergenceWarning

ACCEPTABLE_MEAN_SHORTFALL = 0.02
ACCEPTABLE_WORST_SHORTFALL = 0.05


def fit_counting_warnings(model, X, y):
    """Fit; return seconds, ConvergenceWarnings and other warnings' messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
    convergence = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    others = [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if not issubclass(w.category, ConvergenceWarning)
    ]
    return seconds, convergence, others


def panel_record(rows):
    """A candidate's shortfalls, warnings, fits, iterations and time over the
    data sets: ``rows`` maps each data set to its cross-validated row."""
    worst = max(rows, key=lambda name: rows[name]["shortfall"])
    return {
        "mean_shortfall": statistics.fmean(r["shortfall"] for r in rows.values()),
        "worst_shortfall": rows[worst]["shortfall"],
        "worst_dataset": worst,
        "convergence_warnings": sum(r["convergence_warnings"] for r in rows.values()),
        "fits": sum(r["fits"] for r in rows.values()),
        "max_n_iter": max(
            (r["max_n_iter"] for r in rows.values()),
            default=None,
            key=lambda n: n or 0,
        ),
        "seconds": sum(r["seconds"] for r in rows.values()),
    }


def acceptable(row):
    """Within the margins of every data set's best, and free of ConvergenceWarning."""
    return (
        row["mean_shortfall"] <= ACCEPTABLE_MEAN_SHORTFALL
        and row["worst_shortfall"] <= ACCEPTABLE_WORST_SHORTFALL
        and row["convergence_warnings"] == 0
    )
