"""docs/backprop.ipynb is an exercise that runs, once its answers are filled in.

The notebook asks the learner to write the backward pass: each function of
its part 3 is a skeleton (a docstring with the tag, the shapes and the
equation, and ``raise NotImplementedError``), a cell tagged ``exercise``,
followed by a cell that checks its result against ``trace``. The answers
stand at the end, in cells tagged ``answer`` that define the same functions.

* The committed notebook is what a learner receives: the cells before the
  first exercise are executed (their outputs stored, so that GitHub and the
  site show them), the exercise and everything after it are not (its
  outputs would be the learner's), and every exercise has its answer.
* With each skeleton replaced by its answer, the notebook runs from top to
  bottom, in a kernel of the interpreter running the tests, importing the
  same sknnscratch; the stored outputs are what that run prints (numbers
  aside). Its cells assert their claims (each check passes, each broken
  backprop is diagnosed, gradient descent matches the estimator to 1e-12),
  so the run tests the notebook and the library.

After editing the notebook, store the outputs of its introduction with
``python tests/test_notebook.py`` (from the repository root, with this
sknnscratch importable, e.g. ``pip install -e .``).
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
DEFINES = re.compile(r"^def (\w+)\(", re.M)

pytestmark = pytest.mark.skipif(not NOTEBOOK.exists(), reason="needs the source tree")


def _code_cells(notebook):
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _source(cell):
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _tagged(cell, tag):
    return tag in cell.get("metadata", {}).get("tags", [])


def _stream_text(cell, name):
    """What a code cell printed to stdout or stderr, as one string."""
    return "".join(
        "".join(output["text"])  # a list of lines in the file, a str in nbformat
        for output in cell.get("outputs", [])
        if output["output_type"] == "stream" and output["name"] == name
    )


def _without_numbers(text):
    """The text with every number replaced: equal up to rounding noise."""
    return re.sub(r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)", "#", text)


def _first_exercise(cells):
    return next(i for i, cell in enumerate(cells) if _tagged(cell, "exercise"))


def with_answers(notebook):
    """The notebook with each exercise cell's source replaced by its answer."""
    answers = {
        name: _source(cell)
        for cell in _code_cells(notebook)
        if _tagged(cell, "answer")
        for name in DEFINES.findall(_source(cell))
    }
    for cell in _code_cells(notebook):
        if _tagged(cell, "exercise"):
            (name,) = DEFINES.findall(_source(cell))
            cell["source"] = answers[name]
    return notebook


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
    kernel_dir = Path(tmp_path) / "kernels" / "this-python"
    kernel_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }
    (kernel_dir / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(kernel_dir.parent)])
    return KernelManager(kernel_name="this-python", kernel_spec_manager=specs)


def _execute(notebook, tmp_path):
    """Run ``notebook`` in place in a kernel of this interpreter."""
    import nbclient

    package_parent = str(Path(sknnscratch.__file__).resolve().parent.parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [package_parent, os.environ.get("PYTHONPATH")])
    )
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend
    client = nbclient.NotebookClient(
        notebook,
        km=_kernel_manager(tmp_path),
        timeout=180,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError at the first failing cell
    return notebook


# ------------------------------------------------------------ the exercise


def test_every_exercise_is_a_skeleton_with_an_answer_at_the_end():
    notebook = json.loads(NOTEBOOK.read_text())
    cells = notebook["cells"]
    exercises = [i for i, cell in enumerate(cells) if _tagged(cell, "exercise")]
    answers = [i for i, cell in enumerate(cells) if _tagged(cell, "answer")]
    names = [DEFINES.findall(_source(cells[i])) for i in exercises]
    assert [len(found) for found in names] == [1] * len(exercises)
    names = [found[0] for found in names]
    assert names == [
        "output_error",
        "weight_gradient",
        "bias_gradient",
        "error_below",
        "relu_slope",
        "l2_gradient",
    ]
    for i, name in zip(exercises, names, strict=True):
        source = _source(cells[i])
        body = source.split('"""')[-1]
        assert body.strip().startswith("raise NotImplementedError("), name
        docstring = source.split('"""')[1]
        assert re.search(r"\(B\d\)", docstring), f"{name} names no tag"
        assert re.search(r"\(n, \w+\)|\(fan_\w+", docstring), f"{name}: no shape"
        # Checked right after: the next code cell compares with the trace.
        following = next(c for c in cells[i + 1 :] if c["cell_type"] == "code")
        assert "compare(" in _source(following), name
    # Every skeleton has its answer, and the answers come after all the rest.
    answered = {n for i in answers for n in DEFINES.findall(_source(cells[i]))}
    assert set(names) <= answered
    assert min(answers) > max(exercises)
    assert "## Answers" in "".join(
        _source(c) for c in cells[max(exercises) : min(answers)]
    )
    # No solution before the answers: no exercise is defined anywhere else.
    for i, cell in enumerate(cells[: min(answers)]):
        if cell["cell_type"] == "code" and i not in exercises:
            assert not set(DEFINES.findall(_source(cell))) & set(names), i


def test_each_quantity_is_checked_in_the_order_of_the_backward_pass():
    cells = _code_cells(json.loads(NOTEBOOK.read_text()))
    checks = []
    for cell in cells[_first_exercise(cells) :]:
        checks += re.findall(r'"((?:dL|dJ|dR)/d\w+(?:\^T)?)"', _source(cell))
        if "def backprop(" in _source(cell):
            break
    order = [checks.index(q) for q in ("dL/dZ2", "dL/dW2^T", "dJ/db2", "dL/dA1")]
    order += [checks.index(q) for q in ("dL/dZ1", "dL/dW1^T", "dJ/db1")]
    assert order == sorted(order)


def test_the_committed_notebook_is_the_learners():
    notebook = json.loads(NOTEBOOK.read_text())
    cells = _code_cells(notebook)
    first = _first_exercise(cells)
    counts = [cell["execution_count"] for cell in cells]
    assert counts[:first] == list(range(1, first + 1)), "store the introduction run"
    assert counts[first:] == [None] * (len(cells) - first)
    for cell in cells[first:]:
        assert not cell["outputs"], "no output from the exercise on"
    for cell in cells[:first]:
        for output in cell["outputs"]:
            assert output["output_type"] != "error"
            assert output.get("name") != "stderr", "".join(output["text"])
    assert any(_stream_text(cell, "stdout") for cell in cells[:first])
    # The check's notebook display: a table, stored for the reader.
    html = [
        "".join(output["data"]["text/html"])
        for cell in cells[:first]
        for output in cell["outputs"]
        if "text/html" in output.get("data", {})
    ]
    assert any("<table" in page and "FAIL" in page for page in html)
    assert NOTEBOOK.stat().st_size < 250_000


def test_the_readme_and_getting_started_say_what_the_notebook_does():
    for page in (ROOT / "README.md", ROOT / "docs" / "getting_started.md"):
        text = " ".join(page.read_text().split())
        assert "backprop.ipynb" in text
        assert "skeleton" in text and "NotImplementedError" not in text, page.name
        assert "answers" in text, page.name


@pytest.mark.slow
def test_the_notebook_runs_with_its_answers_filled_in(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))

    committed = nbformat.read(NOTEBOOK, as_version=4)
    notebook = _execute(with_answers(nbformat.read(NOTEBOOK, as_version=4)), tmp_path)

    fresh_cells, committed_cells = _code_cells(notebook), _code_cells(committed)
    for fresh, saved in zip(fresh_cells, committed_cells, strict=True):
        assert not _stream_text(fresh, "stderr"), _stream_text(fresh, "stderr")
        if saved["outputs"]:
            # The stored outputs come from this code: the same text, numbers
            # aside (the last digits of finite differences vary with the BLAS).
            assert _without_numbers(_stream_text(fresh, "stdout")) == (
                _without_numbers(_stream_text(saved, "stdout"))
            ), fresh["source"]
    # The first training step is the derivation's (section 9.1).
    printed = "".join(_stream_text(cell, "stdout") for cell in fresh_cells)
    assert "J before 0.9371, after one step 0.8979" in printed


def save_introduction():
    """Execute the cells before the first exercise and store their outputs."""
    import tempfile

    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cells = notebook.cells
    first = next(i for i, cell in enumerate(cells) if _tagged(cell, "exercise"))
    head = nbformat.v4.new_notebook(metadata=notebook.metadata)
    head.cells = cells[:first]
    with tempfile.TemporaryDirectory() as folder:
        _execute(head, folder)
    for cell in cells[first:]:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    for cell in cells[:first]:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, NOTEBOOK)
    print(f"stored the outputs of the first {first} cells of {NOTEBOOK}")


if __name__ == "__main__":
    save_introduction()
