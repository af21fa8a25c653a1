"""The out-of-core example's peak memory, on a small file and a ten times larger one.

Runs ``python examples/out_of_core.py --rows N --epochs 1`` for each N and
stores the file's size, the chunk size and the peak memory (tracemalloc) each
run prints in ``benchmarks/results/out_of_core.json``: the peak does not grow
with the file.

Run: python benchmarks/out_of_core.py [--rows 200000 2000000]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import _results

ROOT = Path(__file__).resolve().parent.parent


def parse(output):
    """Rows, file size, chunk size and peak memory that one run printed."""
    head = re.search(r"(\d+) rows, ([\d.]+) MiB on disk, chunks of (\d+)", output)
    peak = re.search(r"peak memory ([\d.]+) MiB", output)
    return {
        "rows": int(head[1]),
        "file_mib": float(head[2]),
        "chunk_rows": int(head[3]),
        "peak_mib": float(peak[1]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows",
        nargs="+",
        type=int,
        default=[200_000, 2_000_000],
        metavar="N",
        help="the generated files' rows, one run each (default: %(default)s)",
    )
    parser.add_argument(
        "--output",
        default=str(_results.RESULTS),
        metavar="FOLDER",
        help="where out_of_core.json goes (default: benchmarks/results)",
    )
    args = parser.parse_args(argv)
    load = _results.load_average()
    runs = []
    for rows in args.rows:
        command = ["examples/out_of_core.py", "--rows", str(rows), "--epochs", "1"]
        with tempfile.TemporaryDirectory() as folder:
            output = subprocess.run(
                [sys.executable, str(ROOT / command[0]), *command[1:]],
                cwd=folder,
                env=dict(os.environ, PYTHONPATH=str(ROOT)),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        runs.append({"command": "python " + " ".join(command), **parse(output)})
        print(runs[-1], flush=True)
    _results.save("out_of_core", {"runs": runs}, load, folder=args.output)


if __name__ == "__main__":
    main()
