"""Every number of README.md agrees with the output or the code it comes from.

The README names, beside each number, the command that prints it, the stored
output of a slow command (``benchmarks/results/``) or the constant of the
code it is. These tests compare the README with the stored outputs (through
the claims of ``benchmarks/readme_numbers.py``, which re-runs the slow
commands themselves), and with what is cheap to compute here: the data set,
the estimators' defaults, the code's constants, the tests the README cites.
"""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import check_cv, train_test_split
from sklearn.neural_network import MLPClassifier

from sknnscratch import ScratchMLPClassifier, ScratchMLPClassifierCV
from sknnscratch.datasets import load_heart_disease

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

pytestmark = pytest.mark.skipif(
    not (ROOT / "benchmarks" / "readme_numbers.py").exists(),
    reason="needs the source tree",
)


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def numbers():
    return _load(ROOT / "benchmarks" / "readme_numbers.py", "readme_numbers")


@pytest.fixture(scope="module")
def readme():
    return README.read_text()


def _said(pattern, readme):
    """The README's match of ``pattern``, its line breaks read as spaces."""
    match = re.search(pattern, re.sub(r"\s+", " ", readme))
    assert match, f"the README no longer says {pattern!r}"
    return match


def _source(path):
    return (ROOT / path).read_text()


def _disagreements(claims, fresh=False):
    return [str(claim) for claim in claims if not claim.matches(fresh=fresh)]


# ------------------------------------------------------- the stored outputs

STORED_JOBS = [
    "heart",
    "defaults",
    "cv_speed",
    "sklearn_suite",
    "out_of_core",
    "bench",
    "bit_identity",
]


@pytest.mark.parametrize("name", STORED_JOBS)
def test_the_readme_says_what_the_stored_output_printed(numbers, readme, name):
    job = next(job for job in numbers.JOBS if job.name == name)
    output = numbers.stored_output(job)
    claims = job.claims(readme, output)
    assert len(claims) >= 5
    assert _disagreements(claims) == []
    # The README names the command, and the stored file where it says so.
    if job.run is None:
        for command in job.commands:
            assert command.split(" ", 1)[1] in readme.replace("\n", " ") or (
                name == "out_of_core"  # its own claims check its two commands
            )
    else:
        assert f"python benchmarks/readme_numbers.py {name}" in readme or (
            name == "defaults"  # run with its --json in a scratch folder
        )
    if job.header:
        assert output.startswith(f"# python benchmarks/readme_numbers.py {name}")
        assert f"benchmarks/results/{job.stored}" in readme


@pytest.mark.parametrize(
    "name, said, changed",
    [
        ("heart", "| 0.807 ± 0.067 |", "| 0.808 ± 0.067 |"),
        ("heart", "(13 on 43 of the 50 folds", "(13 on 42 of the 50 folds"),
        ("defaults", "up to 2 115 iterations", "up to 2 251 iterations"),
        ("defaults", "| 0.9379 | 0.14 |", "| 0.9379 | 0.15 |"),
        ("defaults", "on digits, redundant_flip and", "on digits, heart and"),
        ("cv_speed", "It takes 0.17 to 0.44", "It takes 0.17 to 0.45"),
        ("sklearn_suite", "29 of its 31 cases", "30 of its 31 cases"),
        ("out_of_core", "10.4 MiB for 200 000 rows", "9.3 MiB for 200 000 rows"),
        ("bench", "| 19.15 | 53.42 | MiB | 0.36 |", "| 19.15 | 53.42 | MiB | 0.35 |"),
        ("bench", "meets all of them but one:", "meets all of them but two:"),
        ("bench", "(0.26 against 0.25)", "(0.25 against 0.25)"),
        ("bit_identity", "in 5 of 64 configurations", "in 6 of 64 configurations"),
    ],
)
def test_a_number_that_drifted_is_caught(numbers, readme, name, said, changed):
    assert said in readme
    job = next(job for job in numbers.JOBS if job.name == name)
    claims = job.claims(readme.replace(said, changed), numbers.stored_output(job))
    assert len(_disagreements(claims)) >= 1


def test_timings_are_compared_loosely_only_against_a_fresh_run(numbers):
    claim = numbers.Claim("fit ms", "37", "45", fresh=numbers.TIMING)
    assert not claim.matches()
    assert claim.matches(fresh=True)
    assert not numbers.Claim("fit ms", "37", "60", fresh=numbers.TIMING).matches(
        fresh=True
    )
    assert numbers.Claim("run time", "25", "28.1", about=0.25).matches()


def test_every_stored_output_the_readme_names_exists(readme):
    named = set(re.findall(r"benchmarks/results/[\w.]+\w", readme))
    assert len(named) >= 5
    for path in named:
        assert (ROOT / path).exists(), path


# ------------------------------------------------ numbers computed here


def test_the_heart_disease_numbers_are_the_data_sets(readme):
    X, y = load_heart_disease(return_X_y=True)
    _, multiclass = load_heart_disease(return_X_y=True, multiclass=True)
    said = _said(
        r"(\d+) rows, the (\d+) UCI attributes \((\d+) missing values as NaN\), "
        r"target `num > 0` \((\d+) / (\d+)\) or, with `multiclass=True`, the "
        r"(\d)-(\d) diagnosis",
        readme,
    )
    printed = (
        *X.shape,
        int(np.isnan(X).sum()),
        *np.bincount(y),
        multiclass.min(),
        multiclass.max(),
    )
    assert tuple(int(n) for n in said.groups()) == tuple(int(n) for n in printed)
    assert set(np.unique(multiclass)) == set(range(multiclass.max() + 1))
    assert f"# {X.shape[0]} rows, {X.shape[1]} features" in readme
    assert f"whose {int(np.isnan(X).sum())} missing values the pipeline imputes" in (
        readme.replace("\n", " ")
    )
    descr = load_heart_disease().DESCR
    assert "CC BY 4.0" in descr and "CC BY 4.0" in readme
    assert "10.24432/C52P4X" in descr and "10.24432/C52P4X" in readme


def test_the_use_snippet_comments_are_what_it_computes(readme):
    X, y = load_heart_disease(return_X_y=True)
    _, X_test, _, _ = train_test_split(X, y, stratify=y, random_state=0)
    said = _said(r"# accuracy on the (\d+) held-out rows", readme)
    assert int(said[1]) == len(X_test)
    units = [X.shape[1], *ScratchMLPClassifier().hidden_layer_sizes, 1]
    shapes = ", ".join(str(s) for s in zip(units[:-1], units[1:], strict=True))
    assert f"# [{shapes}] weight matrices" in readme
    assert "-".join(map(str, units)) == "13-8-1" and "13-8-1 network" in readme


def test_the_defaults_table_is_what_get_params_prints(readme, numbers):
    ours, theirs = ScratchMLPClassifier().get_params(), MLPClassifier().get_params()
    rows = numbers.markdown_table(readme, "| parameter | here | MLPClassifier |")
    assert len(rows) == 4
    for name, here, there, _ in rows:
        parameter = numbers.plain(name)
        assert numbers.plain(here) == repr(ours[parameter])
        assert numbers.plain(there) == repr(theirs[parameter])
    stored = numbers.stored_output(
        next(j for j in numbers.JOBS if j.name == "defaults")
    )
    assert f"defaults (alpha={ours['alpha']:g}, {ours['solver']})" in stored


def test_the_constants_named_beside_numbers(readme):
    from sknnscratch import _cv, _kernels, _monitoring, _solver_choice, _threads

    assert f"stopped after {_cv.PATH_MAX_ITER} iterations" in readme
    assert _cv._FIRST_ROUND == 2 and "After two folds" in readme
    assert len(_cv.DEFAULT_ALPHAS) == 12
    assert check_cv(ScratchMLPClassifierCV().cv).get_n_splits() == 5
    assert "chosen by 5-fold CV" in readme
    assert _solver_choice.LBFGS_MAX_WORK == 10_000_000
    assert "more than 10 million rows x parameters" in readme
    assert _monitoring.DIVERGENCE_FACTOR == 1e4 and "grows 10^4 times" in readme
    block = f"a block of {_kernels.BLOCK_ROWS:,}".replace(",", " ")
    assert block in readme.replace("\n", " ")
    assert "n % 64" in _source("sknnscratch/_kernels.py")
    assert "blocks of 64 rows" in readme
    rule = _said(
        r"a layer has (\d+) units or more and one product at least (\S+)\s", readme
    )
    assert int(rule[1]) == _threads.WIDE_LAYER
    assert float(rule[2]) == _threads.MANY_MULTIPLY_ADDS
    hidden = ScratchMLPClassifier().hidden_layer_sizes[0]
    assert f"products are {hidden} columns wide" in readme
    assert f"arrays of 200 x {hidden}" in readme
    assert ScratchMLPClassifier().batch_size == "auto"  # min(200, n_samples)


def test_the_thread_numbers_are_those_recorded_in_the_threads_module(readme, numbers):
    source = _source("sknnscratch/_threads.py")
    claims = numbers.threads_claims(readme, source)
    assert len(claims) == 5
    assert _disagreements(claims) == []


def test_the_gradient_check_counts_its_forward_passes(readme):
    from sknnscratch._network import n_parameters

    said = _said(
        r"two forward passes per parameter: (\d+) for the (\d+) of the 13-8-1", readme
    )
    parameters = n_parameters([13, 8, 1])
    assert (int(said[1]), int(said[2])) == (2 * parameters, parameters)


def test_the_equation_tags_are_those_of_the_reference_code(readme):
    tags = set(re.findall(r"\(([FLB])(\d+)\)", _source("sknnscratch/_network.py")))
    for letter in "FLB":
        numbers_of = sorted(int(n) for tag, n in tags if tag == letter)
        assert numbers_of == list(range(1, numbers_of[-1] + 1))
        assert f"({letter}1)-({letter}{numbers_of[-1]})" in readme


def test_the_notebook_solution_has_the_lines_the_readme_says(readme):
    import json

    cells = json.loads(_source("docs/backprop.ipynb"))["cells"]
    solution = next(
        "".join(cell["source"])
        for cell in cells
        if cell["cell_type"] == "code" and "def backprop(" in "".join(cell["source"])
    )
    said = _said(r"is a cell of (\d+) lines", readme)
    assert int(said[1]) == len(solution.splitlines())


def test_the_check_estimator_configurations_are_those_of_test_common(readme):
    common = _load(ROOT / "tests" / "test_common.py", "readme_test_common")
    plain = [e for e in common.ESTIMATORS if type(e) is ScratchMLPClassifier]
    cv = [e for e in common.ESTIMATORS if type(e) is ScratchMLPClassifierCV]
    said = _said(
        r"passes for (\d+) configurations of `ScratchMLPClassifier` and (\d+) of "
        r"`ScratchMLPClassifierCV`",
        readme,
    )
    assert (int(said[1]), int(said[2])) == (len(plain), len(cv))
    assert f"({len(plain)} configurations and `ScratchMLPClassifierCV` twice)" in (
        readme.replace("\n", " ")
    )
    partial = _said(r"which the (\d+) checks that call it count as failures", readme)
    assert int(partial[1]) == len(common._PARTIAL_FIT_CHECKS)
    weights = _said(r"with two tanh layers, the (\d+) sample-weight", readme)
    assert int(weights[1]) == len(common._SAMPLE_WEIGHT_CHECKS)
    early = [e for e in plain if e.early_stopping]
    tanh = [e for e in plain if e.activation == "tanh"]
    assert all(common._expected_failed_checks(e) for e in early + tanh)
    assert not any(
        common._expected_failed_checks(e) for e in plain + cv if e not in early + tanh
    )


def test_the_heart_disease_test_is_described_as_it_checks(readme):
    source = _source("tests/test_defaults_on_heart_disease.py")
    said = _said(
        r"checks that the defaults give no ConvergenceWarning and stay within (\d+) "
        r"points of logistic regression in both scores, and that the nested "
        r"`ScratchMLPClassifierCV` gives none, reaches ([\d.]+) accuracy and "
        r"([\d.]+) ROC AUC, and trails logistic regression in neither score by "
        r"more than (\w+) standard errors of the (\d+) paired fold differences",
        readme,
    )
    margin = int(said[1]) / 100
    assert source.count("assert n_warnings == 0") == 2
    assert f"accuracy.mean() >= lr_accuracy.mean() - {margin:g}" in source
    assert f"auc.mean() >= lr_auc.mean() - {margin:g}" in source
    assert f"accuracy.mean() >= {said[2]}" in source
    assert f"auc.mean() >= {said[3]}" in source
    assert said[4] == "two" and "difference.mean() >= -2 * noise" in source
    assert "_not_worse_beyond_noise(accuracy, lr_accuracy)" in source
    assert "_not_worse_beyond_noise(auc, lr_auc)" in source
    assert int(said[5]) == 10 * 5
    assert "RepeatedStratifiedKFold(n_splits=10, n_repeats=5, random_state=0)" in (
        source
    )


@pytest.mark.parametrize(
    "readme_says, path, source_has",
    [
        ("20 examples each per run", "tests/conftest.py", '("ci", 20)'),
        ("runs 500", "tests/conftest.py", '("long", 500)'),
        ("scales up to 1e30", "tests/test_properties.py", "1e30]"),
        ("from 8 threads", "tests/test_hostile.py", "max_workers=8"),
        ("under 1 KiB per call", "tests/test_hostile.py", "/ 150 < 1024"),
        ("measured over 150 calls", "tests/test_hostile.py", "range(150)"),
        ("1 000 000 x 13 rows", "tests/test_hostile.py", "n_samples=1_000_000"),
        ("1 000 000 x 13 rows", "tests/test_hostile.py", "n_features=13"),
        ("and 100 classes", "tests/test_hostile.py", "n_classes=100"),
        ("relative 1e-12 in float64, 2e-5 in float32", "tests/test_kernels.py",
         "rtol = 1e-12 if dtype == np.float64 else 2e-5"),
        ("within 1e-5 in float32", "tests/test_scaling.py", "atol=1e-5"),
        ("within 0.02 of an in-memory fit", "tests/test_scaling.py", "<= 0.02"),
        ("`fit(10)` twice equals `fit(20)`", "tests/test_persistence.py",
         "max_iter=10"),
        ("a 2-2-1 network worked by hand", "tests/test_inspect.py", "2_2_1"),
    ],
)  # fmt: skip
def test_the_numbers_of_the_guarantees_are_those_of_the_tests(
    readme, readme_says, path, source_has
):
    assert readme_says in re.sub(r"\s+", " ", readme)
    assert source_has in _source(path)


def test_the_progress_extra_installs_rich_and_the_readme_says_so(readme):
    pyproject = _source("pyproject.toml")
    extras = pyproject[pyproject.index("[project.optional-dependencies]") :]
    assert re.search(r'^progress = \["rich>=[\d.]+"\]', extras, flags=re.M)
    test_extra = extras[extras.index("test = [") :]
    assert '"rich>=' in test_extra[: test_extra.index("]\n")]
    callbacks = readme[readme.index("**scikit-learn's callbacks**") :]
    callbacks = callbacks[: callbacks.index("\n- ")]
    assert "ProgressBar" in callbacks
    assert 'pip install "sknnscratch[progress]"' in callbacks


@pytest.mark.slow
def test_the_alpha_choice_numbers_are_what_the_checks_print(readme, numbers):
    # A few fits on 15 to 50 rows: the sample-weight check and the multilabel
    # test of scikit-learn that decided between 2.5, 3 and 5.
    # Six claims hold on every CPU; two more where the check fails at alpha 3.
    claims = numbers.sample_weight_claims(readme, numbers.sample_weight_report())
    assert len(claims) >= 6
    assert _disagreements(claims) == []


@pytest.mark.slow
def test_the_test_count_is_about_what_pytest_collects(readme, numbers):
    count = numbers.collected_tests()
    claims = numbers.collected_claims(readme, f"{count} tests collected")
    assert _disagreements(claims) == []


def test_the_python_version_is_the_one_the_package_requires(readme):
    required = re.search(r'requires-python = ">=(\d+\.\d+)"', _source("pyproject.toml"))
    assert f"Python {required[1]} or newer" in readme


def test_the_benchmark_settings_are_those_of_bench_py(readme):
    source = _source("benchmarks/bench.py")
    said = _said(
        r"median of (\d+) runs \((\d+) for the millisecond heart-disease L-BFGS "
        r"fit\).*? Stochastic solvers: batch (\d+), `tol=0`",
        readme,
    )
    repeats = int(re.search(r'"--repeats", type=int, default=(\d+)', source)[1])
    factor = int(re.search(r"(\d+) \* repeats,", source)[1])
    assert (int(said[1]), int(said[2])) == (repeats, factor * repeats)
    assert f"batch_size={said[3]}" in source and "tol=0.0" in source
