"""What each step of the speed work changed in results, bit for bit.

For each change (a commit range of this repository), runs
``python benchmarks/bit_identity.py save`` on the package as it was before it
and ``compare`` on the package after it (each extracted with ``git
archive``), and stores how many of the 640 configurations end with other
weights or another loss curve, by how much, and which, in
``benchmarks/results/bit_identity.json``. Needs the git history; minutes.

Run: python benchmarks/bit_identity_history.py
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
CHANGES = [  # what changed, commit before, commit after
    ("the whole speed work", "325756b^", "27ccf4a"),
    ("the sigmoid cross-entropy in vectorised steps", "eb35342^", "eb35342"),
    ("Backprop.forward on the caller's workspace rows", "889daf7^", "889daf7"),
    ("the buffer reuse and block-wise bias addition", "a109e1d^", "a109e1d"),
    ("the products on one BLAS thread", "6c3329a^", "6c3329a"),
]


def parse(printed):
    """What ``bit_identity.py compare`` printed: per part, counts and keys."""
    parts = {}
    for part in ("weights", "loss_curve"):
        line = re.search(
            rf"{part}: (\d+) configurations compared, (\d+) differ \(largest "
            rf"relative difference ([^)]+)\)",
            printed,
        )
        parts[part] = {
            "compared": int(line[1]),
            "differ": int(line[2]),
            "largest_relative": float(line[3]),
            "keys": re.findall(rf"^ +(.+):{part}$", printed, flags=re.M),
        }
    return parts


def package(commit, folder):
    """An environment that imports the package as it was at ``commit``."""
    target = Path(folder) / commit.replace("^", "_parent")
    if not target.exists():
        target.mkdir()
        archive = subprocess.run(
            ["git", "archive", commit, "sknnscratch"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        subprocess.run(
            ["tar", "-x", "-C", str(target)], input=archive.stdout, check=True
        )
    return dict(os.environ, PYTHONPATH=str(target))


def bit_identity(action, path, env):
    script = str(ROOT / "benchmarks" / "bit_identity.py")
    return subprocess.run(
        [sys.executable, script, action, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output",
        default=str(_results.RESULTS),
        metavar="FOLDER",
        help="where bit_identity.json goes (default: benchmarks/results)",
    )
    args = parser.parse_args(argv)
    load, changes = _results.load_average(), []
    with tempfile.TemporaryDirectory() as folder:
        for label, before, after in CHANGES:
            saved = Path(folder) / f"{before}.npz"
            if not saved.exists():
                bit_identity("save", saved, package(before, folder))
            printed = bit_identity("compare", saved, package(after, folder))
            changes.append(
                {"change": label, "before": before, "after": after, **parse(printed)}
            )
            print(
                label, {p: changes[-1][p]["differ"] for p in ("weights", "loss_curve")}
            )
    _results.save("bit_identity", {"changes": changes}, load, folder=args.output)


if __name__ == "__main__":
    main()
