"""Regression: a noisy sine, fitted with the defaults
==================================================

``ScratchMLPRegressor`` learns y = sin(2x) from 300 noisy points (Gaussian
noise of standard deviation 0.3), three quarters of them for training, with
its defaults and with the weaker penalty ``alpha=0.1`` this curve wants; the
example draws the learned curves against the truth and against
``MLPRegressor`` with its own defaults, then the training loss of each.

Each model sits in ``make_pipeline(StandardScaler(), ...)``, and the
package's regressor also learns the standardised target, through
``TransformedTargetRegressor(transformer=StandardScaler())``, as the
documentation recommends: the squared error grows with the square of the
target's scale and the L2 penalty does not, so the target's scale would
otherwise decide what ``alpha`` means.

It prints each model's R^2 on the held-out quarter, its iterations and fit
time, and checks the identity output: the forward pass written out in numpy
(ReLU hidden layer, then the output unit's logit, un-standardised) gives
``predict``. It saves ``regression_sine.png`` to ``--output-dir`` and
leaves the figure open.

It needs matplotlib (``pip install "sknnscratch[examples]"``) and takes about
5 seconds. Run (``--help`` lists every option)::

    python examples/plot_regression.py [--output-dir DIR] [--samples N]
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknnscratch import ScratchMLPRegressor

NOISE = 0.3
WEAK_ALPHA = 0.1  # what the sine wants (benchmarks/regression_defaults.py)
DPI = 120


def noisy_sine(n_samples, noise=NOISE, random_state=0):
    """x uniform on [-3, 3], y = sin(2x) plus Gaussian noise."""
    rng = np.random.default_rng(random_state)
    x = rng.uniform(-3, 3, (n_samples, 1))
    return x, np.sin(2 * x[:, 0]) + noise * rng.standard_normal(n_samples)


def ours(**parameters):
    """ScratchMLPRegressor after a StandardScaler, on the standardised target."""
    return make_pipeline(
        StandardScaler(),
        TransformedTargetRegressor(
            regressor=ScratchMLPRegressor(random_state=0, **parameters),
            transformer=StandardScaler(),
        ),
    )


def models():
    """{label: pipeline}: the package's defaults, a weaker penalty, MLPRegressor."""
    return {
        "ScratchMLPRegressor()": ours(),
        f"ScratchMLPRegressor(alpha={WEAK_ALPHA:g})": ours(alpha=WEAK_ALPHA),
        "MLPRegressor()": make_pipeline(StandardScaler(), MLPRegressor(random_state=0)),
    }


def network_of(pipeline):
    """The fitted network at the end of a pipeline (inside the target wrapper)."""
    last = pipeline[-1]
    return getattr(last, "regressor_", last)


def solver_of(network):
    """The solver that trained: ``solver_`` here, ``solver`` for MLPRegressor."""
    return getattr(network, "solver_", network.solver)


def by_hand(pipeline, x):
    """The forward pass in numpy: ReLU layers, identity output, target unscaled."""
    network, wrapper = network_of(pipeline), pipeline[-1]
    A = pipeline[0].transform(x)
    for W, b in zip(network.coefs_[:-1], network.intercepts_[:-1], strict=True):
        A = np.maximum(A @ W + b, 0)
    z = A @ network.coefs_[-1] + network.intercepts_[-1]  # y_hat = z: no sigmoid
    return wrapper.transformer_.inverse_transform(z)[:, 0]


def fit_all(x_train, y_train):
    """Fit every model; {label: (fitted pipeline, seconds, ConvergenceWarnings)}."""
    fitted = {}
    for label, pipeline in models().items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            pipeline.fit(x_train, y_train)
            seconds = time.perf_counter() - start
        warned = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        fitted[label] = (pipeline, seconds, warned)
    return fitted


def draw(plt, data, fitted, n_samples):
    """The curves on the left, the training losses on the right."""
    x_train, x_test, y_train, y_test = data
    grid = np.linspace(-3, 3, 400).reshape(-1, 1)
    fig, (curves, losses) = plt.subplots(1, 2, figsize=(11, 4.2))
    curves.scatter(x_train[:, 0], y_train, s=10, color="#999999", label="training")
    curves.scatter(x_test[:, 0], y_test, s=14, marker="^", color="#4d4d4d",
                   label="held out")  # fmt: skip
    curves.plot(grid[:, 0], np.sin(2 * grid[:, 0]), "k--", lw=1.5, label="sin(2x)")
    colours = dict(zip(fitted, ["#b2182b", "#e08214", "#2166ac"], strict=True))
    for label, (pipeline, _, _) in fitted.items():
        score = pipeline.score(x_test, y_test)
        curves.plot(grid[:, 0], pipeline.predict(grid), color=colours[label], lw=2,
                    label=f"{label}, held-out R^2 {score:.2f}")  # fmt: skip
        network = network_of(pipeline)
        solver = solver_of(network)
        unit = "iteration" if solver == "lbfgs" else "epoch"
        losses.plot(np.arange(1, len(network.loss_curve_) + 1), network.loss_curve_,
                    color=colours[label], lw=2,
                    label=f"{label}: {solver}, loss per {unit}")  # fmt: skip
    curves.set(xlabel="x", ylabel="y", ylim=(-2.2, 3.2),
               title="What each model learned")  # fmt: skip
    curves.legend(fontsize=7, loc="upper center", ncol=2)
    losses.set(xlabel="iteration (L-BFGS) or epoch (Adam)", yscale="log",
               ylabel="training objective", title="Training loss")  # fmt: skip
    losses.legend(fontsize=8)
    ours = network_of(fitted["ScratchMLPRegressor()"][0])
    fig.suptitle("A noisy sine: the defaults against MLPRegressor's", fontsize=13)
    fig.caption = (
        f"{n_samples} points, x uniform on [-3, 3], y = sin(2x) plus Gaussian "
        f"noise of standard deviation {NOISE} (seed 0); three quarters train, "
        "the triangles are held out. Left: the truth (dashed) and each model's "
        "prediction over the whole interval, each model after a StandardScaler. "
        f"ScratchMLPRegressor has its defaults (hidden_layer_sizes="
        f"{ours.hidden_layer_sizes}, alpha={ours.alpha:g}, solver 'auto', which "
        f"chose '{ours.solver_}') and learns the standardised target "
        "(TransformedTargetRegressor with StandardScaler), as does the same "
        f"model with alpha={WEAK_ALPHA:g}, the penalty this data set wants "
        "(benchmarks/regression_defaults.py): no single default suits noisy "
        "data of many features and a clean curve of one. MLPRegressor has its "
        "own defaults (100 units, alpha=0.0001, Adam, max_iter=200) on the raw "
        "target. Right: the training objective, squared error plus the L2 term, "
        "after each L-BFGS iteration or Adam epoch. The two objectives are not "
        "on one scale: MLPRegressor's is in the raw target's units, ours in the "
        "standardised target's."
    )
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path("regression_output"),
        metavar="DIR",
        help="folder for the PNG file, created if needed "
        "(default: ./regression_output/)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=300,
        metavar="N",
        help="points of the noisy sine, a quarter of them held out "
        "(default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.samples < 8:
        parser.error("--samples must be at least 8")
    try:
        import matplotlib
    except ImportError:
        sys.exit(
            'plot_regression.py needs matplotlib: pip install "sknnscratch[examples]"'
        )
    if "matplotlib.pyplot" not in sys.modules and "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")  # files only, no window; a docs build chose its own
    import matplotlib.pyplot as plt

    args.output_dir.mkdir(parents=True, exist_ok=True)
    x, y = noisy_sine(args.samples)
    data = train_test_split(x, y, test_size=0.25, random_state=0)
    x_train, x_test, y_train, y_test = data
    fitted = fit_all(x_train, y_train)
    for label, (pipeline, seconds, warned) in fitted.items():
        network = network_of(pipeline)
        print(
            f"{label:30} R^2 {pipeline.score(x_test, y_test):.3f} held out, "
            f"{network.n_iter_} {solver_of(network)} iterations, {seconds:.2f} s"
            + (", ConvergenceWarning" if warned else "")
        )
    ours = fitted["ScratchMLPRegressor()"][0]
    gap = np.abs(by_hand(ours, x_test) - ours.predict(x_test)).max()
    print(f"forward pass by hand vs predict: largest difference {gap:.1e}")
    fig = draw(plt, data, fitted, args.samples)
    path = args.output_dir / "regression_sine.png"
    fig.savefig(path, dpi=DPI, metadata={"Title": fig.get_suptitle(),
                                         "Description": fig.caption})  # fmt: skip
    print(f"    wrote {path}")


if __name__ == "__main__":
    main()
