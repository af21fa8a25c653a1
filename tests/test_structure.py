"""The package's shape: small functions, a slim estimator, a module graph that
only goes down, settings instead of the estimator below it, public APIs."""

import ast
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator

import sknnscratch

PACKAGE = Path(__file__).resolve().parents[1] / "sknnscratch"
TESTS = Path(__file__).resolve().parent
MODULES = sorted(PACKAGE.glob("*.py"))

MAX_FUNCTION_LINES = 60
MAX_ESTIMATOR_LINES = 350
# The layers below the estimators: they get the call's settings, never one.
# (_targets and _regression_targets validate the data with the estimator, as
# scikit-learn's validate_data takes it: they stand beside the estimators.)
BELOW_THE_ESTIMATOR = (
    "_advice",
    "_state",
    "_solvers",
    "_monitoring",
    "_kernels",
    "_threads",
    "_optimizers",
    "_solver_choice",
    "_settings",
    "_validation_split",
)
ESTIMATOR_MODULES = {"_estimator", "_classifier", "_regressor", "_cv"}
# Every public estimator class, found where it is defined.
PUBLIC_ESTIMATORS = [
    (cls.__module__.rsplit(".", 1)[1], name)
    for name in sknnscratch.__all__
    if isinstance(cls := getattr(sknnscratch, name), type)
    and issubclass(cls, BaseEstimator)
]
ALLOWED_PRIVATE_SKLEARN = {
    "sklearn.utils._param_validation",
    "sklearn.utils._safe_indexing",
}


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def _code_lines(node, lines):
    """Lines of ``node`` that are neither blank nor part of a docstring."""
    docstrings = set()
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if (
            isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(
        1
        for number in range(node.lineno, node.end_lineno + 1)
        if number not in docstrings and lines[number - 1].strip()
    )


def _functions(tree):
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_no_function_is_longer_than_60_code_lines():
    long = []
    for path in MODULES:
        lines = path.read_text().splitlines()
        for function in _functions(_tree(path)):
            n = _code_lines(function, lines)
            if n > MAX_FUNCTION_LINES:
                long.append(f"{path.name}:{function.name} ({n})")
    assert not long


def test_every_estimator_class_is_checked_for_slimness():
    assert {
        ("_classifier", "ScratchMLPClassifier"),
        ("_cv", "ScratchMLPClassifierCV"),
        ("_regressor", "ScratchMLPRegressor"),
    } <= set(PUBLIC_ESTIMATORS)


@pytest.mark.parametrize("module, name", PUBLIC_ESTIMATORS)
def test_the_estimator_classes_stay_slim(module, name):
    path = PACKAGE / f"{module}.py"
    lines = path.read_text().splitlines()
    (cls,) = [
        node
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ClassDef) and node.name == name
    ]
    assert _code_lines(cls, lines) <= MAX_ESTIMATOR_LINES


def test_every_module_has_its_test_file():
    missing = [
        path.name
        for path in MODULES
        if path.stem.startswith("_")
        and path.stem not in ("__init__", "_version")
        and not (TESTS / f"test{path.stem}.py").exists()
    ]
    assert not missing


def _package_imports(path):
    """The package modules ``path`` imports, at any depth of its code."""
    imported = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "sknnscratch":
                imported.update(alias.name for alias in node.names)
            elif node.module.startswith("sknnscratch."):
                imported.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sknnscratch."):
                    imported.add(alias.name.split(".")[1])
    return imported - {path.stem}


def test_the_module_graph_has_no_cycle():
    graph = {path.stem: _package_imports(path) for path in MODULES}
    graph.pop("__init__")
    for deps in graph.values():
        deps.discard("__init__")
    state = {}  # 1: on the current path, 2: done

    def visit(module, path):
        if state.get(module) == 1:
            cycle = path[path.index(module) :] + [module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if state.get(module) == 2 or module not in graph:
            return
        state[module] = 1
        for dependency in sorted(graph[module]):
            visit(dependency, [*path, module])
        state[module] = 2

    for module in sorted(graph):
        visit(module, [])


def test_the_thread_module_is_a_leaf():
    assert not _package_imports(PACKAGE / "_threads.py")


@pytest.mark.parametrize("module", BELOW_THE_ESTIMATOR)
def test_no_layer_below_the_estimator_takes_the_estimator(module):
    takes = [
        function.name
        for function in _functions(_tree(PACKAGE / f"{module}.py"))
        for argument in function.args.args + function.args.kwonlyargs
        if argument.arg in ("estimator", "model", "classifier", "regressor")
    ]
    assert not takes
    assert not ESTIMATOR_MODULES & _package_imports(PACKAGE / f"{module}.py")


def test_only_public_scipy_and_the_accepted_scikit_learn_internals():
    used = []
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                private = any(part.startswith("_") for part in parts[1:])
                if parts[0] == "scipy" and private:
                    used.append(f"{path.name}: {name}")
                if parts[0] == "sklearn" and private:
                    if name not in ALLOWED_PRIVATE_SKLEARN and not (
                        name.startswith("sklearn.utils._param_validation.")
                    ):
                        used.append(f"{path.name}: {name}")
    assert not used


def test_no_frame_walking():
    for path in MODULES:
        assert "_getframe" not in path.read_text(), path.name
