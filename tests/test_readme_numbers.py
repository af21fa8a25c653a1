"""The README's and docs' measured figures are what the stored results render to
(``benchmarks/render_readme.py``); a changed value or a stray marker is caught."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"

pytestmark = pytest.mark.skipif(
    not (BENCHMARKS / "render_readme.py").exists(), reason="needs the source tree"
)


@pytest.fixture(scope="module")
def render():
    spec = importlib.util.spec_from_file_location(
        "render_readme", BENCHMARKS / "render_readme.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stale(render, results):
    """{page: stale block names} over every page."""
    pages = {page.name: page.read_text(encoding="utf-8") for page in render.pages()}
    return {name: render.stale(text, results) for name, text in pages.items()}


def test_every_block_is_what_the_stored_results_render_to(render):
    stale = _stale(render, render.load())
    assert stale == {name: [] for name in stale}
    assert render.main(["--check"]) == 0


def test_every_block_has_a_renderer_and_every_renderer_a_block(render):
    used = {}
    for page in render.pages():
        text = page.read_text(encoding="utf-8")
        assert render.markers(text) == [], page.name
        for _, name in render.MARKER.findall(text):
            used.setdefault(name, set()).add(page.name)
    assert set(used) == set(render.RENDERERS) and "README.md" in used["heart_table"]


def test_unpaired_nested_and_unknown_markers_are_named(render):
    begin, end = "<!-- begin:{} -->\n", "<!-- end:{} -->\n"
    unknown, nested = begin.format("x"), begin.format("heart_table") + begin.format("x")
    markers = {
        unknown: ["no renderer for x", "begin:x without its end"],
        end.format("out_of_core"): ["end:out_of_core without its begin"],
        nested: ["begin:x inside heart_table", "no renderer for x",
                 "begin:x without its end"],
        begin.format("out_of_core") + end.format("out_of_core"): [],
    }  # fmt: skip
    for text, problems in markers.items():
        assert render.markers(text) == problems


def test_only_the_blocks_are_rewritten(render):
    text = "Before.\n<!-- begin:sklearn_suite -->\nold\n"
    text += "<!-- end:sklearn_suite -->\nAfter.\n"
    results = render.load()
    assert render.stale(text, results) == ["sklearn_suite"]
    rendered = render.render(text, results)
    assert rendered.startswith("Before.\n<!-- begin:sklearn_suite -->\nWith scikit")
    assert rendered.endswith(".\n<!-- end:sklearn_suite -->\nAfter.\n")
    assert render.stale(rendered, results) == []


def _changed(tmp_path, name, path, value=None):
    """A copy of the results with one value of ``name``.json replaced (None: gone)."""
    folder = tmp_path / "results"
    shutil.copytree(BENCHMARKS / "results", folder)
    data = inner = json.loads((folder / f"{name}.json").read_text())
    for key in path[:-1]:
        inner = inner[next(iter(inner)) if key == "*" else key]
    assert inner[path[-1]] != value
    inner[path[-1]] = value
    if value is None:
        del inner[path[-1]]
    (folder / f"{name}.json").write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize(
    "name, path, value, blocks",
    [
        ("heart_disease", ["kernels", "*", "rows", 0, "accuracy"], 0.79,
         {"heart_table", "heart_summary"}),
        ("heart_disease", ["kernels", "*", "rows", 0, "fit_ms"], 99.0, {"heart_times"}),
        ("cv_speed", ["rows", 0, "cv_over_grid"], 0.05,
         {"cv_speed_summary", "cv_speed_table"}),
        ("bench", ["rows", 0, "times", "ours"], 1.0,
         {"bench_summary", "bench_tables", "bench_targets"}),
        ("bench", ["regressor_rows", 0, "times", "ours"], 1.0,
         {"bench_summary", "bench_tables", "bench_targets"}),
        ("bench", ["blas_threads"], 7, {"bench_tables"}),
        ("bench_load", ["rows", 0, "times", "ours"], 1e-6, {"bench_tables"}),
        ("sklearn_mlp_suite", ["passed"], 30, {"sklearn_suite"}),
        ("defaults", ["alpha", "summaries", "panel", "ScratchMLPClassifierCV()",
                      "worst_shortfall"], 0.02, {"defaults_table", "defaults_notes"}),
        ("defaults", ["wall_seconds"], 3600.0, {"defaults_run"}),
        ("sample_weight", ["kernels", "*", "multilabel_wrong", "5"], 7,
         {"sample_weight"}),
        ("bit_identity", ["changes", 1, "weights", "differ"], 6, {"bit_identity"}),
        ("out_of_core", ["runs", 0, "peak_mib"], 99.0, {"out_of_core"}),
        ("lbfgs_driver", ["cases", 0, "current_ms"], 99.0, {"lbfgs_driver"}),
        ("regression_defaults", ["summaries", "panel", "RidgeCV()", "mean_r2"], 0.5,
         {"regression_table", "regression_summary"}),
        ("regression_defaults", ["target_scaling", "diabetes", "mlp_raw"], 0.5,
         {"regression_target_scaling"}),
        ("regression_defaults", ["target_scaling", "sine", "defaults_raw"], -3.0,
         {"regression_target_scaling", "regression_summary"}),
        ("regression_defaults", ["wall_seconds"], 3600.0, {"regression_run"}),
    ],
)  # fmt: skip
def test_a_changed_value_is_caught(render, tmp_path, capsys, name, path, value, blocks):
    folder = _changed(tmp_path, name, path, value)
    stale = _stale(render, render.load(folder))
    assert {block for names in stale.values() for block in names} == blocks
    assert render.main(["--check", "--results", str(folder)]) == 1
    printed = capsys.readouterr().out
    assert all(f": {block}\n" in printed for block in blocks)


def test_each_result_file_has_the_fields_its_renderers_read(render, tmp_path):
    stored = {path.stem for path in (BENCHMARKS / "results").glob("*.json")}
    assert stored == set(render.FIELDS)
    for name, fields in render.FIELDS.items():
        assert set(fields) <= set(render.load()[name]), name
    with pytest.raises(KeyError, match=r"cv_speed\.json lacks rows"):
        render.load(_changed(tmp_path, "cv_speed", ["rows"]))


def test_the_regressor_has_the_stored_run_s_defaults_and_says_what_it_measured(
    render,
):
    """ScratchMLPRegressor's defaults are the recommendation of the stored
    regression_defaults.py run, and its docstring quotes that run's numbers."""
    from sknnscratch import ScratchMLPRegressor

    result = render.load()["regression_defaults"]
    chosen, panel = result["recommended"], result["summaries"]["panel"]
    model = ScratchMLPRegressor()
    assert model.alpha == chosen["alpha"]
    assert tuple(model.hidden_layer_sizes) == tuple(chosen["hidden"])
    default = next(label for label in panel if label.startswith("defaults"))
    assert f"alpha={model.alpha:g}," in default
    doc = " ".join(ScratchMLPRegressor.__doc__.split())
    diabetes = result["datasets"]["diabetes"]["candidates"]
    sine = result["datasets"]["sine"]
    said = [
        f"default=({chosen['hidden'][0]},)",
        f"alpha : float, default={model.alpha:.1f}",
        f"panel of {len(result['groups']['panel'])} regression data sets",
        f"mean R^2 over the {len(result['groups']['panel'])} data sets was "
        f"{panel[default]['mean_r2']:.2f}, against {panel['RidgeCV()']['mean_r2']:.2f} "
        f"for ``RidgeCV()``, "
        f"{panel['HistGradientBoostingRegressor()']['mean_r2']:.2f} for "
        f"``HistGradientBoostingRegressor()`` and "
        f"{panel['MLPRegressor(), scaled']['mean_r2']:.2f} for ``MLPRegressor()`` "
        f"on the standardised target ({panel['MLPRegressor(), raw']['mean_r2']:.2f} "
        "on the raw one",
        f"the defaults score {diabetes[default]['r2']:.2f} there, ``RidgeCV()`` "
        f"{diabetes['RidgeCV()']['r2']:.2f}",
        f"the sine {sine['best']['alpha']:g} or less "
        f"({sine['candidates'][default]['r2']:.2f} against {sine['best']['r2']:.2f})",
    ]
    scaling = {n: result["target_scaling"][n] for n in result["groups"]["panel"]}
    gains = {n: e["defaults_scaled"] - e["defaults_raw"] for n, e in scaling.items()}
    least, most = min(gains, key=gains.get), max(gains, key=gains.get)
    said += [
        f"raised the defaults' R^2 on every data set, by {gains[least]:.3f} "
        f"({least}) to {gains[most]:.2f} ({most}, whose raw target, of standard "
        f"deviation {scaling[most]['target_sd']:.0f}, the defaults fit to an R^2 "
        f"of {scaling[most]['defaults_raw']:.2f}",
        f"the defaults took up to {panel[default]['max_n_iter']} iterations on the "
        "panel above, the target standardised",
    ]
    # docs/regression.md: standardising never lowered the defaults' R^2.
    assert all(
        e["defaults_scaled"] > e["defaults_raw"]
        for e in result["target_scaling"].values()
    )
    for words in said:
        assert words in doc, words
