"""Where the benchmarks store their results: JSON in ``benchmarks/results/``.

Each result carries the machine it was measured on (versions, BLAS kernel,
cores, load average at the start and the end), since timings move with it.
``python benchmarks/render_readme.py`` renders the README's and the docs'
figures from these files.
"""

import json
import os
import platform
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def load_average():
    """The 1-minute load average, or None where the system has none."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def blas_kernel():
    """OpenBLAS's kernel here: the last bits of every product depend on it."""
    import numpy  # noqa: F401 - threadpoolctl sees only loaded libraries
    from threadpoolctl import threadpool_info

    pools = [p for p in threadpool_info() if p["user_api"] == "blas"]
    return ", ".join(sorted({str(p.get("architecture")) for p in pools}))


def run_on_kernel(kernel, command, **kwargs):
    """The standard output of ``command`` run with OpenBLAS's ``kernel``.

    ``default`` leaves OpenBLAS to pick this CPU's own; the package of this
    checkout is imported either way.
    """
    env = dict(os.environ, PYTHONPATH=str(RESULTS.parents[1]))
    if kernel != "default":
        env["OPENBLAS_CORETYPE"] = kernel
    return subprocess.run(
        command, env=env, capture_output=True, text=True, check=True, **kwargs
    ).stdout


def machine(load_at_start):
    """The versions, kernel, cores and load of the run that ends now."""
    import numpy
    import sklearn

    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
        "python": platform.python_version(),
        "blas_kernel": blas_kernel(),
        "cores": os.cpu_count(),
        "load_average": [load_at_start, load_average()],
    }


def save(name, result, load_at_start, folder=RESULTS):
    """Write ``result`` and the machine to ``folder/NAME.json``; return the path."""
    path = Path(folder) / f"{name}.json"
    payload = {"machine": machine(load_at_start), **result}
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")
    return path
