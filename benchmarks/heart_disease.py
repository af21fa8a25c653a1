"""The heart-disease example on several of OpenBLAS's kernels, as JSON.

Runs ``python examples/heart_disease.py`` once per kernel
(``OPENBLAS_CORETYPE``; ``default`` is the one OpenBLAS picks for this CPU)
and stores what each run printed: the table of its stage 3 (scores, fit
times, ConvergenceWarnings), the penalties the nested CV chose, the
iterations of the default fit on all rows and the run's time, in
``benchmarks/results/heart_disease.json``; the first run's whole output goes
to ``benchmarks/results/heart_disease.txt``. L-BFGS turns the kernels'
last-bit differences into other iterates, so the scores move a little from
kernel to kernel: the README gives their range.

Run: python benchmarks/heart_disease.py [--kernels default Haswell Sandybridge]
"""

import argparse
import re
import sys
import tempfile
from pathlib import Path

import _results

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(
    r"^ {4}(\S.*?)\s+(0\.\d+) ±(0\.\d+)\s+(0\.\d+) ±(0\.\d+)\s+([\d.]+)\s+"
    r"(\d+) of (\d+)$",
    re.M,
)
COLUMNS = ("accuracy", "accuracy_sd", "roc_auc", "roc_auc_sd", "fit_ms")


def parse(output):
    """The figures of one run of the example."""
    table = output[output.index("[3/5") : output.index("[4/5")]
    rows = [
        {
            "model": model,
            **{key: float(value) for key, value in zip(COLUMNS, numbers, strict=True)},
            "warnings": int(warned),
            "fits": int(fits),
        }
        for model, *numbers, warned, fits in ROW.findall(table)
    ]
    chosen = re.search(r"alpha chosen on the (\d+) outer folds: (.*)$", output, re.M)
    alphas = {a: int(n) for a, n in re.findall(r"(\S+) \((\d+)x\)", chosen[2])}
    return {
        "rows": rows,
        "outer_folds": int(chosen[1]),
        "chosen_alphas": alphas,
        "default_fit_iterations": int(
            re.search(r"defaults \(alpha=[\d.]+\): (\d+) iterations", output)[1]
        ),
        "seconds": float(re.search(r"\[5/5\s+([\d.]+) s\] done", output)[1]),
    }


def run(kernel):
    """Run the example with OpenBLAS's ``kernel``; return its kernel and output."""
    with tempfile.TemporaryDirectory() as folder:
        example = str(ROOT / "examples" / "heart_disease.py")
        output = _results.run_on_kernel(
            kernel, [sys.executable, example, "--output-dir", folder]
        )
    used = _results.run_on_kernel(
        kernel,
        [sys.executable, "-c", "import _results; print(_results.blas_kernel())"],
        cwd=Path(__file__).parent,
    ).strip()
    return used, output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kernels",
        nargs="+",
        default=["default", "Haswell", "Sandybridge"],
        metavar="KERNEL",
        help="OpenBLAS kernels to run it with, default meaning this CPU's own "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--output",
        default=str(_results.RESULTS),
        metavar="FOLDER",
        help="where heart_disease.json and .txt go (default: benchmarks/results)",
    )
    args = parser.parse_args(argv)
    load = _results.load_average()
    runs = {}
    for number, kernel in enumerate(args.kernels):
        used, output = run(kernel)
        print(f"{kernel}: OpenBLAS ran its {used} kernel", flush=True)
        if number == 0:
            (Path(args.output) / "heart_disease.txt").write_text(
                f"# BLAS: openblas {used} kernel\n$ python examples/heart_disease.py\n"
                + output
            )
        runs.setdefault(used, parse(output))
    result = {"command": "python examples/heart_disease.py", "kernels": runs}
    _results.save("heart_disease", result, load, folder=args.output)


if __name__ == "__main__":
    main()
