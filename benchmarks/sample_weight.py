"""What decided between alpha 2.5, 3 and 5: two of scikit-learn's own checks.

On each of OpenBLAS's kernels (``OPENBLAS_CORETYPE``; ``default`` is this
CPU's own) runs scikit-learn's sample-weight equivalence check (dense data) on
the default network with ``alpha`` 2.5 and 3, and (dense and sparse) on two
tanh layers, recording whether it passes and by how much weighted and
repeated rows differ; and counts the labels of the multilabel set of
scikit-learn's MLPClassifier test ``test_predict_proba_multilabel`` that a
network gets wrong at ``alpha`` 2.5 and 5. Stores it all in
``benchmarks/results/sample_weight.json``. A few seconds per kernel.

Run: python benchmarks/sample_weight.py [--kernels default Haswell Sandybridge]
"""

import argparse
import json
import re
import sys
import warnings

import _results

CHECKED = [  # name, parameters, data
    ("alpha=2.5", {"alpha": 2.5}, "dense"),
    ("alpha=3", {"alpha": 3.0}, "dense"),
    ("two tanh layers", {"hidden_layer_sizes": (6, 4), "activation": "tanh"}, "dense"),
    ("two tanh layers", {"hidden_layer_sizes": (6, 4), "activation": "tanh"}, "sparse"),
]


def measure():
    """The checks' outcomes and the multilabel counts, in this process."""
    from sklearn.datasets import make_multilabel_classification
    from sklearn.utils import estimator_checks

    from sknnscratch import ScratchMLPClassifier

    checks = []
    for name, params, data in CHECKED:
        check = getattr(
            estimator_checks, f"check_sample_weight_equivalence_on_{data}_data"
        )
        row = {"model": name, "data": data, "passes": True}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check("ScratchMLPClassifier", ScratchMLPClassifier(**params))
        except AssertionError as error:
            text = str(error)
            row.update(
                passes=False,
                rtol=float(re.search(r"rtol=(\S+),", text)[1]),
                largest_absolute=float(
                    re.search(r"Max absolute difference among violations: (\S+)", text)[
                        1
                    ]
                ),
                largest_relative=float(
                    re.search(r"Max relative difference among violations: (\S+)", text)[
                        1
                    ]
                ),
            )
        checks.append(row)
    X, Y = make_multilabel_classification(
        n_samples=50, random_state=0, return_indicator=True
    )
    wrong = {}
    for alpha in (2.5, 5.0):
        model = ScratchMLPClassifier(
            solver="lbfgs", hidden_layer_sizes=30, random_state=0, alpha=alpha
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, Y)
        wrong[f"{alpha:g}"] = int(((model.predict_proba(X) > 0.5) != Y).sum())
    return {
        "checks": checks,
        "multilabel_labels": int(Y.size),
        "multilabel_wrong": wrong,
        "blas_kernel": _results.blas_kernel(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kernels",
        nargs="+",
        default=["default", "Haswell", "Sandybridge"],
        metavar="KERNEL",
        help="OpenBLAS kernels to run them with, default meaning this CPU's own "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--here",
        action="store_true",
        help="measure in this process only and print the JSON (default: off)",
    )
    parser.add_argument(
        "--output",
        default=str(_results.RESULTS),
        metavar="FOLDER",
        help="where sample_weight.json goes (default: benchmarks/results)",
    )
    args = parser.parse_args(argv)
    if args.here:
        print(json.dumps(measure()))
        return
    load, kernels = _results.load_average(), {}
    for kernel in args.kernels:
        printed = _results.run_on_kernel(kernel, [sys.executable, __file__, "--here"])
        measured = json.loads(printed)
        kernels.setdefault(measured.pop("blas_kernel"), measured)
        print(kernel, measured, flush=True)
    _results.save("sample_weight", {"kernels": kernels}, load, folder=args.output)


if __name__ == "__main__":
    main()
