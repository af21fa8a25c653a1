"""docs/backprop.ipynb runs from top to bottom, and its committed outputs are its own.

The notebook asserts its claims in its cells (the gradient check passes, each
broken backprop fails it, gradient descent matches the estimator to 1e-12),
so executing it is a test of both the notebook and the library. It runs in a
kernel of the interpreter running the tests, importing the same sknnscratch.

After editing the notebook, save it executed so that GitHub shows its outputs:
Restart & Run All in Jupyter, or from the repository root
``jupyter-execute --inplace docs/backprop.ipynb`` (with this sknnscratch
importable, e.g. ``pip install -e .``).
"""

import json
import os
import re
import sys
from pathlib import Path

import pytest

import sknnscratch

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "backprop.ipynb"

pytestmark = pytest.mark.skipif(not NOTEBOOK.exists(), reason="needs the source tree")


def _code_cells(notebook):
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _stream_text(cell, name):
    """What a code cell printed to stdout or stderr, as one string."""
    return "".join(
        "".join(output["text"])  # a list of lines in the file, a str in nbformat
        for output in cell["outputs"]
        if output["output_type"] == "stream" and output["name"] == name
    )


def _without_numbers(text):
    """The text with every number replaced: equal up to rounding noise."""
    return re.sub(r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)", "#", text)


def _runs_this_interpreter(executable):
    """Whether a kernel spec's executable is the interpreter running the tests.

    jupyter_client starts ``sys.executable`` for a spec that names plain
    "python", "python3" or "python3.X". Paths are compared without following
    symbolic links: a virtual environment's python links to the base
    interpreter, which does not see the environment's packages.
    """
    major, minor = sys.version_info[:2]
    if executable in {"python", f"python{major}", f"python{major}.{minor}"}:
        return True
    return os.path.abspath(executable) == os.path.abspath(sys.executable)


def _kernel_manager(tmp_path):
    """A kernel manager for this interpreter.

    The usual "python3" kernel when it runs this interpreter (as ipykernel
    installs it in a virtual environment); otherwise, for example when a
    user-wide "python3" kernel points at another Python, a kernel spec
    written for ``sys.executable`` in ``tmp_path``.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from jupyter_client.manager import KernelManager

    specs = KernelSpecManager()
    try:
        if _runs_this_interpreter(specs.get_kernel_spec("python3").argv[0]):
            return KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    except NoSuchKernel:
        pass
    kernel_dir = tmp_path / "kernels" / "this-python"
    kernel_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }
    (kernel_dir / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(kernel_dir.parent)])
    return KernelManager(kernel_name="this-python", kernel_spec_manager=specs)


def test_committed_notebook_is_executed_small_and_clean():
    notebook = json.loads(NOTEBOOK.read_text())
    cells = _code_cells(notebook)
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), "save it run top to bottom"
    for cell in cells:
        for output in cell["outputs"]:
            assert output["output_type"] != "error"
            assert output.get("name") != "stderr", "".join(output["text"])
    assert any(_stream_text(cell, "stdout") for cell in cells)
    assert NOTEBOOK.stat().st_size < 250_000


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # The kernel imports the sknnscratch under test, installed or not.
    package_parent = str(Path(sknnscratch.__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend

    committed = nbformat.read(NOTEBOOK, as_version=4)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        km=_kernel_manager(tmp_path),
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError at the first failing cell

    fresh_cells, committed_cells = _code_cells(notebook), _code_cells(committed)
    for fresh, saved in zip(fresh_cells, committed_cells, strict=True):
        assert not _stream_text(fresh, "stderr"), _stream_text(fresh, "stderr")
        # The committed outputs come from this code: the same text, numbers
        # aside (the last digits of finite differences vary with the BLAS).
        assert _without_numbers(_stream_text(fresh, "stdout")) == _without_numbers(
            _stream_text(saved, "stdout")
        ), fresh["source"]
