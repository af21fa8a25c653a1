"""The README's promises: two set-up commands, CI runs the second, examples run."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _shell_blocks():
    """The shell commands of the README's "Set up and go" section."""
    text = README.read_text()
    section = text[text.index("## Set up and go") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.DOTALL)


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


def _load_example(name):
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "examples" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_readme_runs_the_heart_disease_example():
    assert _shell_blocks()[0].endswith("python examples/heart_disease.py")


_HEART_ROW = re.compile(r"^ {4}(\S.*?)\s+(0\.\d+) ±0\.\d+\s+(0\.\d+) ±", re.M)


def _heart_disease_rows(out):
    """The model names and scores of the table printed after stage 3."""
    table = out[out.index("[3/5") : out.index("[4/5")]
    return [
        (name, float(acc), float(auc)) for name, acc, auc in _HEART_ROW.findall(table)
    ]


@pytest.mark.slow
@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_heart_disease_example_runs_and_draws(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from sknnscratch import ScratchMLPClassifier

    _load_example("heart_disease").main(["--quick", "--output-dir", str(tmp_path)])
    out = capsys.readouterr().out
    for stage in range(1, 6):
        assert f"[{stage}/5" in out
    rows = _heart_disease_rows(out)
    default_alpha = ScratchMLPClassifier().alpha
    assert [name for name, _, _ in rows] == [
        f"ScratchMLPClassifier() defaults (alpha={default_alpha:g})",
        "same, one-hot cp/restecg/slope/thal",
        "ScratchMLPClassifierCV(), nested",
        "MLPClassifier((8,))",
        "LogisticRegression()",
    ]
    for name, accuracy, auc in rows:
        assert accuracy > 0.7 and auc > 0.8, name
    # One chosen alpha per outer fold (3 in the quick run), among the 3 tried.
    chosen = re.search(r"alpha chosen on the 3 outer folds: (.*)$", out, re.M)
    counts = re.findall(r"(\S+) \((\d+)x\)", chosen.group(1))
    assert sum(int(count) for _, count in counts) == 3
    assert len(re.findall(r"^ +\S+ +-\d+\.\d{4} +\d\.\d{4} +\d of 3", out, re.M)) == 3
    for picture in ("alpha_selection.png", "loss_curve.png", "roc_curves.png"):
        assert (tmp_path / picture).read_bytes().startswith(b"\x89PNG")
        assert f"wrote {tmp_path / picture}" in out
    assert not (tmp_path / "grid_search.png").exists()


@pytest.mark.slow
@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_heart_disease_example_prints_tables_without_matplotlib(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    example = _load_example("heart_disease")
    example.main(["--quick", "--output-dir", str(tmp_path / "pictures")])
    out = capsys.readouterr().out
    assert "matplotlib is not installed" in out
    assert len(_heart_disease_rows(out)) == 5
    assert not (tmp_path / "pictures").exists()


@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_heart_disease_example_help_runs_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    example = _load_example("heart_disease")
    with pytest.raises(SystemExit) as exit_:
        example.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "ScratchMLPClassifierCV, nested" in out
    assert "--output-dir" in out and "--quick" in out
    assert "[1/5" not in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_quickstart_example_runs(capsys):
    quickstart = _load_example("quickstart")
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    quickstart.compare(X[:200], y[:200], n_splits=3)
    quickstart.inspect(X, y)
    out = capsys.readouterr().out
    assert "ScratchMLPClassifier()" in out and "MLPClassifier((8,))" in out
    difference = float(re.search(r"largest difference (\S+)", out).group(1))
    assert difference < 1e-12


@pytest.mark.slow
@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_training_dynamics_example_draws(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    example = _load_example("plot_training_dynamics")
    example.main(["--output-dir", str(tmp_path / "out"), "--epochs", "60"])
    out = capsys.readouterr().out
    for name in ("xor", "moons"):
        picture = tmp_path / "out" / f"training_dynamics_{name}.png"
        assert picture.read_bytes().startswith(b"\x89PNG")
        assert str(picture) in out
    # Rows at epochs 0, 10, 50 and the last; training has learned something.
    rows = re.findall(r"epoch 0: (\S+), 10: \S+, 50: \S+, 60: (\S+) \(", out)
    assert len(rows) == 2
    for first, last in rows:
        assert float(first) < 0.75 < float(last)
    gaps = re.findall(r"largest difference (\S+)", out)
    assert len(gaps) == 2 and all(float(gap) < 1e-12 for gap in gaps)


@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_training_dynamics_example_help_runs_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    example = _load_example("plot_training_dynamics")
    with pytest.raises(SystemExit) as exit_:
        example.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "decision boundary" in out and "--output-dir" in out and "--epochs" in out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_training_dynamics_example_without_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    example = _load_example("plot_training_dynamics")
    with pytest.raises(SystemExit) as exit_:
        example.main(["--output-dir", str(tmp_path / "out")])
    assert 'pip install "sknnscratch[examples]"' in str(exit_.value.code)
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not README.exists(), reason="needs the source tree")
def test_every_test_the_readme_and_the_docs_cite_exists():
    import ast

    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    text = "".join(page.read_text() for page in pages)
    cited = set(re.findall(r"`(test_\w+\.py)(?:::(test_\w+))?`", text))
    assert len(cited) > 30
    for path, name in sorted(cited):
        source = ROOT / "tests" / path
        assert source.exists(), path
        if name:
            defined = {
                node.name
                for node in ast.walk(ast.parse(source.read_text()))
                if isinstance(node, ast.FunctionDef)
            }
            assert name in defined, f"{path}::{name}"
