"""The gallery's order and the arguments its examples run with."""

import os
from pathlib import Path

# The heart-disease example is the project's main job: first in the gallery.
ORDER = [
    "heart_disease.py",
    "quickstart.py",
    "plot_training_dynamics.py",
    "plot_regression.py",
    "out_of_core.py",
    "distributed_search.py",
]
# The examples that write PNG files write them into the build folder, where
# nothing links to them: the gallery shows the figures themselves.
WRITES_FILES = {"heart_disease.py", "plot_training_dynamics.py", "plot_regression.py"}


class ExampleOrder:
    """Sort key of sphinx-gallery's ``within_subsection_order``: ORDER first."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        rank = ORDER.index(filename) if filename in ORDER else len(ORDER)
        return rank, filename


# The Dask example's full grid adds nothing to the page but time.
QUICK = {"distributed_search.py"}


def example_arguments(gallery_conf, script_vars):
    """Command-line arguments of an example run by the gallery.

    sphinx-gallery runs an example in the example's folder: the output
    folder is given relative to it, so that the page's "wrote ..." lines do
    not depend on where the repository lies (nor run past the page's edge).
    """
    script = Path(script_vars["src_file"])
    arguments = ["--quick"] if script.name in QUICK else []
    if script.name in WRITES_FILES:
        output = Path(gallery_conf["src_dir"], "_build", "gallery_output", script.stem)
        arguments += ["--output-dir", os.path.relpath(output, script.parent)]
    return arguments
