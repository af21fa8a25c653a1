"""The README's promises: two set-up commands, CI runs the second, examples run."""

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _shell_blocks():
    return re.findall(r"```sh\n(.*?)\n```", README.read_text(), flags=re.DOTALL)


@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_readme_has_exactly_two_setup_commands():
    blocks = _shell_blocks()
    assert len(blocks) == 2
    example, tests = blocks
    assert "\n" not in example and "\n" not in tests
    assert "pip install" in example and "examples/" in example
    assert "pip install" in tests and "pytest" in tests
    script = example.split("python ")[-1]
    assert (ROOT / script).exists()


@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_ci_runs_the_readme_test_command():
    extract = subprocess.run(
        ["bash", "-c", "grep -A 2 '^<!-- test-command' README.md | sed -n '3p'"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert extract.stdout.strip() == _shell_blocks()[1]
    assert (
        "grep -A 2 '^<!-- test-command' README.md | sed -n '3p'"
        in (ROOT / ".ci" / "run").read_text()
    )


@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_quickstart_example_runs(capsys):
    spec = importlib.util.spec_from_file_location(
        "quickstart", ROOT / "examples" / "quickstart.py"
    )
    quickstart = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(quickstart)
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    quickstart.compare(X[:200], y[:200], n_splits=3)
    quickstart.inspect(X, y)
    out = capsys.readouterr().out
    assert "ScratchMLPClassifier()" in out and "MLPClassifier((8,))" in out
    difference = float(re.search(r"largest difference (\S+)", out).group(1))
    assert difference < 1e-12
