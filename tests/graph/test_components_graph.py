"""Component detection on real architectures built by the real ingest into the real Neo4j.

Every rule file's ``CASES`` (``components/rules/*.py``: BERT, GPT-2, Llama, Qwen2, Mistral, Mixtral, a DeepSeek-V3
config, T5, ViT, Swin, SegFormer, ResNet, ConvNeXt, wav2vec2, Whisper, Mamba, Jamba, ...) is ingested once, in
small sizes (``components_cases.SMALL``), and the components stored in the graph are checked against the case.
Then: the components stage (reading the stored trees back) finds what ingest found; a detector version change
makes it detect again; ``show`` and ``diff`` print components first; the analyses run.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from nnstruct.components import DETECTOR_VERSION, run_components
from nnstruct.components.compare import changes, read_components
from nnstruct.components.rules import RULES
from nnstruct.graph.connection import Graph
from nnstruct.graph.schema import init_schema, reset
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.runner import run_ingest
from nnstruct.ingest.sources.catalogue import default_config
from tests.components_cases import small_config


def _cases() -> dict[str, tuple[str, str, dict[str, Any], list[tuple[str, list[dict[str, Any]]]]]]:
    """model id -> (model_type, task, overrides, [(kind, expected components)]) over every rule's CASES."""
    by_key: dict[tuple[str, str, str], list[tuple[str, list[dict[str, Any]]]]] = {}
    configs: dict[tuple[str, str, str], dict[str, Any]] = {}
    for rule in RULES:
        for model_type, task, overrides, expected in rule.CASES:
            key = (model_type, task, repr(sorted(overrides.items())))
            by_key.setdefault(key, []).append((rule.KIND, expected))
            configs[key] = overrides
    cases = {}
    for number, (key, expectations) in enumerate(sorted(by_key.items())):
        model_type, task, _ = key
        cases[f"test/{model_type}/{task}/{number}"] = (model_type, task, configs[key], expectations)
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def population(graph: Graph) -> Graph:
    reset(graph)
    init_schema(graph)
    candidates = [Candidate(model_id, task, "transformers",
                            config=small_config(model_type, default_config(model_type), overrides))
                  for model_id, (model_type, task, overrides, _) in CASES.items()]
    result = run_ingest(graph, candidates, IngestOptions(source="transformers", workers=0))
    failed = [(r.id, r.reason) for r in result.results if r.status != "ok"]
    assert not failed, failed
    return graph


def _matches(component: Any, expected: dict[str, Any]) -> bool:
    return all((component.variant if name == "variant" else component.properties.get(name)) == value
               for name, value in expected.items())


@pytest.mark.parametrize("model_id", sorted(CASES))
def test_rule_cases_on_ingested_architectures(population: Graph, model_id: str) -> None:
    components = read_components(population, model_id)
    assert components, f"{model_id}: ingest stored no components"
    for kind, expected in CASES[model_id][3]:
        mine = [c for c in components if c.kind == kind]
        for wanted in expected:
            assert any(_matches(c, wanted) for c in mine), \
                f"{model_id} {kind}: expected {wanted}, stored {[c.label() for c in mine]}"


def test_realising_modules_are_linked(population: Graph) -> None:
    llama = next(i for i, case in CASES.items() if case[0] == "llama" and case[2].get("num_key_value_heads") == 2)
    rows = population.read(
        "MATCH (:Model {id: $id})-[:HAS_ARCHITECTURE]->(a)-[:HAS_COMPONENT]->(c:Component {kind: 'attention'}) "
        "MATCH (m:Module {arch_hash: a.hash})-[:REALISES]->(c) RETURN c.variant AS variant, collect(m.name) AS names",
        {"id": llama})
    assert rows and rows[0]["variant"] == "GQA"
    assert {"self_attn", "k_proj", "v_proj"} <= set(rows[0]["names"])


def test_stage_reading_stored_trees_agrees_with_ingest(population: Graph) -> None:
    def stored() -> dict[str, set[tuple[str, int]]]:
        rows = population.read("MATCH (a:Architecture)-[r:HAS_COMPONENT]->(c:Component) "
                               "RETURN a.hash AS hash, c.key AS key, r.count AS count")
        out: dict[str, set[tuple[str, int]]] = {}
        for row in rows:
            out.setdefault(row["hash"], set()).add((row["key"], row["count"]))
        return out

    at_ingest = stored()
    assert len(at_ingest) == population.read("MATCH (a:Architecture) RETURN count(a) AS n")[0]["n"]
    summary = run_components(population)
    assert summary.architectures == 0  # nothing pending: ingest stored the current version
    summary = run_components(population, force=True)
    assert summary.architectures == len(at_ingest)
    assert stored() == at_ingest


def test_detector_version_change_detects_again(population: Graph) -> None:
    population.write("MATCH (a:Architecture) WITH a LIMIT 2 SET a.components_version = 'older'")
    summary = run_components(population)
    assert summary.architectures == 2
    versions = population.read("MATCH (a:Architecture) RETURN collect(DISTINCT a.components_version) AS v")[0]["v"]
    assert versions == [DETECTOR_VERSION]
    orphans = population.read("MATCH (c:Component) WHERE NOT ()-[:HAS_COMPONENT]->(c) RETURN count(c) AS n")
    assert orphans[0]["n"] == 0


def _run_cli(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    from nnstruct.cli import main as cli_main

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["nnstruct", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main()
    return int(exit_info.value.code or 0), capsys.readouterr().out


def _id(model_type: str, **overrides: Any) -> str:
    return next(i for i, case in CASES.items()
                if case[0] == model_type and all(case[2].get(k) == v for k, v in overrides.items()))


def test_show_lists_components_above_the_tree(population, capsys, monkeypatch) -> None:
    code, out = _run_cli(["show", _id("mixtral", num_local_experts=8), "--depth", "1"], capsys, monkeypatch)
    assert code == 0
    assert out.index("Components") < out.index("MixtralForCausalLM")
    assert "attention GQA 4:1 self global x2" in out
    assert "mixture_of_experts sparse 8 experts, top-2, 0 shared x2" in out


def test_diff_reports_component_changes_first(population, capsys, monkeypatch) -> None:
    bert, llama = _id("bert"), _id("llama", num_key_value_heads=2)
    assert "attention: MHA self global -> GQA 4:1 self global" in changes(read_components(population, bert),
                                                                         read_components(population, llama))
    code, out = _run_cli(["diff", bert, llama], capsys, monkeypatch)
    assert code == 0
    text = out.splitlines()
    first_change = next(i for i, line in enumerate(text) if line[:2] in ("~ ", "- ", "+ "))
    assert text.index("  attention: MHA self global -> GQA 4:1 self global") < first_change


def test_component_analyses(population: Graph) -> None:
    from nnstruct.analysis import run_query

    adoption = run_query("analysis/component_adoption", graph=population, view="none")
    generation = adoption[adoption["task"] == "text-generation"].set_index("component")
    assert 0 < generation.loc["attention GQA", "share"] < 1
    assert generation.loc["norm RMSNorm", "share"] > generation.loc["norm LayerNorm", "share"]
    ratios = run_query("analysis/attention_head_ratios", graph=population, view="none").set_index("head_ratio")
    assert ratios.loc["4:1 (GQA)", "models"] >= 2  # Llama and Mistral at least
    experts = run_query("analysis/expert_counts", graph=population, view="none")
    assert "8 experts, top-2" in set(experts["configuration"])
    months = run_query("analysis/component_adoption_by_month", graph=population, view="none")
    assert months.empty  # the catalogue has no creation dates
