"""The shipped analysis and Browser query files: complete headers, parameters a Browser user can paste, render
specs that parse, and a style sheet that captions modules by class and models by id."""

from __future__ import annotations

import re

import pytest

from nnstruct.analysis.analyze import analysis_names
from nnstruct.analysis.render_spec import parse_render
from nnstruct.queries.query_file import load, queries_root

ANALYSES = analysis_names()


def test_the_analyses_are_all_there():
    names = {name.split("/")[1] for name in ANALYSES}
    assert {"layer_types_per_task", "layer_types_overall", "layer_count_spread", "nesting_level", "depth_profile",
            "model_hierarchy", "model_sizes", "distinctive_layer_types", "dedup_effect"} <= names


@pytest.mark.parametrize("name", ANALYSES)
def test_header_and_parameters(name):
    query = load(name)
    assert query.title and query.answers.endswith(("?", ")", "."))
    used = query.used_parameters()
    assert used <= set(query.defaults), f"{name}: parameters without a default: {used - set(query.defaults)}"
    if name != "analysis/dedup_effect":  # the dedup effect compares the views, so it takes none
        assert query.defaults.get("view") == "none" and "tasks" in query.defaults and query.defaults["tasks"] is None
        assert {"view", "tasks"} <= used
    specs = parse_render(query.meta.get("render", ""), name)
    assert specs, f"{name} says nothing about how to render it"


@pytest.mark.parametrize("name", ["browser/model_tree", "browser/task_overview"])
def test_browser_queries(name):
    query = load(name)
    assert query.used_parameters() <= set(query.defaults)
    assert "RETURN" in query.statements[-1]


def test_style_sheet_captions():
    grass = (queries_root() / "browser" / "nnstruct.grass").read_text()
    rules = dict(re.findall(r"(node\.\w+|relationship\.\w+) \{(.*?)\n\}", grass, re.DOTALL))
    assert 'caption: "{class_name}"' in rules["node.Module"]
    assert 'caption: "{name}"' in rules["node.Model"]  # Model.name: the short name, not the long id
    assert 'caption: "{name}"' in rules["node.LayerType"] and 'caption: "{index}"' in rules["relationship.CHILD"]
    assert grass.count("{") == grass.count("}")


def test_readme_documents_loading_the_style_and_params():
    readme = (queries_root() / "README.md").read_text()
    for fact in (":style", "nnstruct.grass", ":params {view: 'name'", ":param top => 5", "run_query"):
        assert fact in readme, fact
