"""Train on a CSV file larger than memory, one chunk at a time
===========================================================

Only one chunk of rows is in memory at any moment: ``pandas.read_csv`` with
``chunksize`` streams the file, a first pass fits a ``StandardScaler`` with
``partial_fit``, then every epoch streams the file again into
``ScratchMLPClassifier.partial_fit``, which continues from the weights and
Adam state of the previous chunk.

The CSV file is generated chunk by chunk into a temporary folder (deleted at
the end), so the example scales to any size: ``--rows`` rows of a non-linear
two-class problem with 13 standard-normal features, 4 of which carry the
signal. The network is 13-16-1 (16 ReLU units, one sigmoid output), trained
with Adam (learning rate 0.003, ``alpha=0.0001``, ``random_state=0``). It
prints one line per chunk and epoch (its rows and the training loss), then
the time of the streaming passes (the scaler's and the epochs), the peak
memory ``tracemalloc`` traced over them (it does not grow with the file) and
the accuracy on 20 000 freshly generated rows.

It needs no optional extra and draws nothing. With the defaults (200 000
rows, 49 MiB of CSV, 3 epochs) it takes about 6 seconds, most of them spent
writing the file; the time grows in proportion to ``--rows``. Run::

    python examples/out_of_core.py [--rows N] [--chunksize N] [--epochs N]
"""

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPClassifier

N_FEATURES = 13
COLUMNS = [f"x{i}" for i in range(N_FEATURES)] + ["y"]
# The network's settings besides solver="adam" and random_state=0.
PARAMS = dict(hidden_layer_sizes=(16,), alpha=1e-4, learning_rate_init=0.003)
# sphinx_gallery_thumbnail_path = "figures/thumbnails/out_of_core.png"


def generate(n_rows, seed):
    """Rows of a non-linear two-class problem (13 features)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, N_FEATURES))
    signal = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + 0.5 * X[:, 3] ** 2 - 0.5
    y = (signal + 0.3 * rng.normal(size=n_rows) > 0).astype(int)
    return X, y


def write_csv(path, n_rows, chunksize=50_000, seed=0):
    """Write ``n_rows`` generated rows to ``path``, one chunk at a time."""
    for start in range(0, n_rows, chunksize):
        X, y = generate(min(chunksize, n_rows - start), seed + start)
        frame = pd.DataFrame(np.column_stack([X, y]), columns=COLUMNS)
        frame["y"] = frame["y"].astype(int)
        frame.to_csv(path, mode="a" if start else "w", header=not start, index=False)


def chunks(path, chunksize):
    """(X, y) of each chunk of the CSV file."""
    for frame in pd.read_csv(path, chunksize=chunksize):
        yield frame[COLUMNS[:-1]].to_numpy(), frame["y"].to_numpy()


def fit_out_of_core(path, chunksize, epochs, verbose=True, **params):
    """A scaler and a network trained by streaming ``path`` ``epochs`` times."""
    scaler = StandardScaler()
    for X, _ in chunks(path, chunksize):
        scaler.partial_fit(X)
    model = ScratchMLPClassifier(solver="adam", random_state=0, **params)
    for epoch in range(1, epochs + 1):
        for number, (X, y) in enumerate(chunks(path, chunksize), start=1):
            model.partial_fit(scaler.transform(X), y, classes=[0, 1])
            if verbose:
                print(
                    f"epoch {epoch}/{epochs}, chunk {number}: {len(y)} rows, "
                    f"loss {model.loss_:.4f}",
                    flush=True,
                )
    return scaler, model


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=200_000,
        metavar="N",
        help="rows of the generated CSV file (default: %(default)s, about 49 MiB)",
    )
    parser.add_argument(
        "--chunksize",
        type=int,
        default=20_000,
        metavar="N",
        help="rows read and trained on at a time (default: %(default)s)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=3,
        metavar="N",
        help="passes over the file (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    for name in ("rows", "chunksize", "epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.csv"
        write_csv(path, args.rows)
        size = path.stat().st_size / 2**20
        print(f"{args.rows} rows, {size:.1f} MiB on disk, chunks of {args.chunksize}")
        tracemalloc.start()
        start = time.perf_counter()
        scaler, model = fit_out_of_core(path, args.chunksize, args.epochs, **PARAMS)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    X_test, y_test = generate(20_000, seed=10**9)
    accuracy = model.score(scaler.transform(X_test), y_test)
    print(
        f"trained in {time.perf_counter() - start:.1f} s, peak memory {peak:.1f} MiB "
        f"(file {size:.1f} MiB), test accuracy {accuracy:.3f}"
    )
    return accuracy, peak


if __name__ == "__main__":
    main()
