"""L-BFGS fit times of this checkout against those of another commit.

Runs the same fits with the package of this checkout and with the package as
it was at ``--reference`` (extracted with ``git archive`` into a temporary
folder), each in its own worker process started with one BLAS thread
(``OPENBLAS_NUM_THREADS=1``), one fit at a time, interleaved (the order
alternates between repeats). For each case it reports the median time of a
whole ``fit`` of each, their ratio (this checkout / reference: above 1 means
slower), ``n_iter_``, and whether both fits end with the same ``n_iter_``,
``loss_`` and weights, bit for bit.

The default reference is the last commit whose ``minimize_lbfgs`` drove
scipy's private L-BFGS-B routine directly; this checkout calls
``scipy.optimize.minimize``. The cases:

- heart disease with the defaults, ``ScratchMLPClassifier(solver="lbfgs",
  random_state=0)``, on the features as ``bench.py`` prepares them (median
  imputation, then StandardScaler, once);
- ``bench.py``'s heart L-BFGS case (alpha=1e-4, max_iter=200, tol=0);
- ``bench.py``'s 20 000-row L-BFGS case (make_classification, 13 features,
  50 iterations, tol=0), float64 and float32.

Run: python benchmarks/lbfgs_driver.py        (about a minute)
     python benchmarks/lbfgs_driver.py --reference HEAD~3 --repeats 31
Writes benchmarks/results/lbfgs_driver.json (``--json`` to change).
"""

import argparse
import gc
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "8c8396e"  # the last commit that drove scipy's private L-BFGS-B
HEART_REPEATS = 3  # heart fits take milliseconds: this many times more repeats

CASES = {
    "heart, defaults": "heart disease, solver='lbfgs', random_state=0",
    "heart, bench.py": "heart disease, alpha=1e-4, max_iter=200, tol=0",
    "n=20,000, float64": "make_classification, max_iter=50, tol=0, float64",
    "n=20,000, float32": "make_classification, max_iter=50, tol=0, float32",
}


# ---------------------------------------------------------------- the worker


def _worker(package_folder):
    """Answer each case name read from stdin with one timed fit, as JSON."""
    sys.path.insert(0, package_folder)
    import numpy as np
    import sklearn
    from sklearn.datasets import make_classification
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_info

    import sknnscratch
    from sknnscratch import ScratchMLPClassifier
    from sknnscratch.datasets import load_heart_disease

    X, y = load_heart_disease(return_X_y=True)
    heart = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    heart = heart.fit_transform(X), y
    X, y = make_classification(n_samples=20_000, n_features=13, random_state=0)
    large = dict(hidden_layer_sizes=(8,), alpha=1e-4, max_iter=50, tol=0.0)
    fits = {
        "heart, defaults": (heart, dict(solver="lbfgs")),
        "heart, bench.py": (heart, dict(large, max_iter=200, solver="lbfgs")),
        "n=20,000, float64": ((X, y), dict(large, solver="lbfgs")),
        "n=20,000, float32": ((X.astype(np.float32), y), dict(large, solver="lbfgs")),
    }
    blas = [
        {key: info.get(key) for key in ("internal_api", "architecture", "num_threads")}
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": __import__("scipy").__version__,
        "scikit-learn": sklearn.__version__,
    }
    _answer(sknnscratch=sknnscratch.__file__, blas=blas, versions=versions)
    for line in sys.stdin:
        (X, y), params = fits[line.strip()]
        model = ScratchMLPClassifier(**params, random_state=0)
        gc.collect()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter ends the timed cases
            start = time.perf_counter()
            model.fit(X, y)
            seconds = time.perf_counter() - start
        weights = np.concatenate([w.ravel() for w in model.coefs_ + model.intercepts_])
        _answer(
            seconds=seconds,
            n_iter=model.n_iter_,
            loss=model.loss_,
            weights=hashlib.sha256(weights.tobytes()).hexdigest(),
        )


def _answer(**fields):
    print(json.dumps(fields), flush=True)


# ---------------------------------------------------------------- the driver


class Worker:
    """A worker process fitting with the package found in ``package_folder``."""

    def __init__(self, package_folder):
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(package_folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.about = self._read()

    def fit(self, case):
        self.process.stdin.write(case + "\n")
        self.process.stdin.flush()
        return self._read()

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker stopped (exit code {self.process.wait()})")
        return json.loads(line)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def git(*args):
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def extract_package(commit, folder):
    """The package ``sknnscratch/`` as it was at ``commit``, under ``folder``."""
    archive = subprocess.run(
        ["git", "archive", commit, "sknnscratch"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)


def measure(workers, repeats):
    """Every case's fits, interleaved between the workers."""
    rows = []
    for case, description in CASES.items():
        n_runs = repeats * (HEART_REPEATS if case.startswith("heart") else 1)
        runs = {name: [] for name in workers}
        for name in workers:  # a first, untimed fit of each
            workers[name].fit(case)
        for repeat in range(n_runs):
            order = list(workers) if repeat % 2 == 0 else list(workers)[::-1]
            for name in order:
                runs[name].append(workers[name].fit(case))
        rows.append(summarise(case, description, runs))
        print_row(rows[-1])
    return rows


def summarise(case, description, runs):
    row = {"case": case, "description": description, "fits": len(runs["current"])}
    for name, results in runs.items():
        row[f"{name}_ms"] = 1e3 * statistics.median(r["seconds"] for r in results)
        outcomes = {(r["n_iter"], r["loss"], r["weights"]) for r in results}
        if len(outcomes) != 1:
            raise RuntimeError(f"{case}: {name}'s fits differ from one another")
        row[f"{name}_n_iter"], row[f"{name}_loss"], row[f"{name}_weights"] = (
            outcomes.pop()
        )
    row["ratio"] = row["current_ms"] / row["reference_ms"]
    row["n_iter"] = row["current_n_iter"]
    row["ms_per_iteration_added"] = (row["current_ms"] - row["reference_ms"]) / row[
        "n_iter"
    ]
    row["identical"] = all(
        row[f"reference_{key}"] == row[f"current_{key}"]
        for key in ("n_iter", "loss", "weights")
    )
    return row


def print_header():
    print("| case | reference ms | this ms | ratio | n_iter_ | identical |")
    print("| --- | --- | --- | --- | --- | --- |")


def print_row(row):
    print(
        f"| {row['case']} | {row['reference_ms']:.2f} | {row['current_ms']:.2f} | "
        f"{row['ratio']:.3f} | {row['n_iter']} | {row['identical']} |",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reference",
        default=REFERENCE,
        help=f"the commit to compare with (default: {REFERENCE})",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=15,
        help=f"timed fits of each (default: 15; heart: {HEART_REPEATS} times more)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "lbfgs_driver.json",
        help="where to write the results "
        "(default: benchmarks/results/lbfgs_driver.json)",
    )
    parser.add_argument(
        "--worker",
        metavar="FOLDER",
        help="run as one of the driver's worker processes, fitting with the "
        "package found in FOLDER (default: none, run the driver)",
    )
    args = parser.parse_args()
    if args.worker is not None:
        _worker(args.worker)
        return

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        extract_package(args.reference, folder)
        workers = {"reference": Worker(folder), "current": Worker(ROOT)}
        try:
            print_header()
            rows = measure(workers, args.repeats)
        finally:
            for worker in workers.values():
                worker.close()
    current = workers["current"].about
    output = {
        "command": "python benchmarks/lbfgs_driver.py "
        f"--reference {args.reference} --repeats {args.repeats}",
        "reference": git("rev-parse", args.reference),
        "current": git("rev-parse", "HEAD")
        + (
            " with uncommitted changes"
            if git("status", "--porcelain", "sknnscratch")
            else ""
        ),
        "packages": {name: w.about["sknnscratch"] for name, w in workers.items()},
        "versions": current["versions"],
        "blas": current["blas"],
        "machine": f"{platform.machine()}, {os.cpu_count()} logical cores",
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "cases": rows,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(output, indent=1) + "\n")
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
