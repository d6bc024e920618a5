"""Component rules without Neo4j: every rule file's CASES on real architectures built on the meta device by the
ingest worker's own code path (which detects the components of the tree it built), the rule files' contract, and
the pure helpers (placement from forward source, component differences)."""

from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace
from typing import Any

import pytest

import nnstruct.components.rules as rules_package
from nnstruct.components.compare import changes, lines
from nnstruct.components.context import Finding
from nnstruct.components.detect import Component, detect
from nnstruct.components.rules import RULES
from nnstruct.components.source_order import norm_placement
from nnstruct.ingest.meta_build import BuildJob, run_job
from nnstruct.ingest.sources.catalogue import default_config
from nnstruct.tree.model import ModuleTree
from tests.components_cases import small_config

detect_module = importlib.import_module("nnstruct.components.detect")  # the module (the package exports the function)

CASES = sorted({(model_type, task, repr(sorted(overrides.items()))): (model_type, task, overrides)
                for rule in RULES for model_type, task, overrides, _ in rule.CASES}.values(), key=repr)


def test_every_rule_file_is_listed_and_documented() -> None:
    files = {info.name for info in pkgutil.iter_modules(rules_package.__path__)}
    assert files == {rule.__name__.rpartition(".")[2] for rule in RULES}
    for rule in RULES:
        doc = rule.__doc__ or ""
        assert doc.startswith(f"Rule: {rule.KIND}.") and "Detects:" in doc and "How" in doc, rule.__name__
        assert isinstance(rule.VERSION, int) and rule.CASES, rule.__name__
    assert f"{RULES[0].KIND}:{RULES[0].VERSION}" in detect_module.DETECTOR_VERSION


@pytest.mark.parametrize(("model_type", "task", "overrides"), CASES, ids=[f"{c[0]}-{c[1]}-{i}"
                                                                        for i, c in enumerate(CASES)])
def test_rule_cases_on_trees_built_by_the_worker(model_type: str, task: str, overrides: dict[str, Any]) -> None:
    outcome = run_job(BuildJob("test", task, small_config(model_type, default_config(model_type), overrides)))
    assert outcome.status == "ok", outcome.reason
    assert outcome.components is not None
    found = [Component(row["kind"], row["variant"], row["properties"], row["count"]) for row in outcome.components]
    for rule in RULES:
        for case_type, case_task, case_overrides, expected in rule.CASES:
            if (case_type, case_task, case_overrides) != (model_type, task, overrides):
                continue
            mine = [c for c in found if c.kind == rule.KIND]
            for wanted in expected:
                assert any(all((c.variant if k == "variant" else c.properties.get(k)) == v for k, v in wanted.items())
                           for c in mine), f"{rule.KIND}: expected {wanted}, found {[c.label() for c in mine]}"


def _tiny_tree() -> ModuleTree:
    return ModuleTree.from_rows([
        {"path": "", "class_name": "Net", "class_path": "example.Net"},
        {"path": "norm", "class_name": "LayerNorm", "class_path": "torch.nn.modules.normalization.LayerNorm",
         "own_params": 8},
    ], total_params=8)


def test_a_failing_rule_is_recorded_as_unknown_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: Any) -> list[Finding]:
        raise KeyError("hidden_size")

    monkeypatch.setattr(detect_module, "RULES", (SimpleNamespace(KIND="attention", detect=broken), *RULES[1:]))
    components = detect(_tiny_tree(), {})
    unknown = [c for c in components if c.kind == "attention"]
    assert [c.variant for c in unknown] == ["unknown"]
    assert "rule failed: KeyError" in unknown[0].properties["reason"]
    assert any(c.kind == "normalisation" and c.variant == "LayerNorm" for c in components)


def test_norm_placement_from_forward_source() -> None:
    bert_output = "transformers.models.bert.modeling_bert.BertSelfOutput"
    llama_layer = "transformers.models.llama.modeling_llama.LlamaDecoderLayer"
    assert norm_placement(bert_output, "LayerNorm", frozenset({"dense"})) == "post"
    assert norm_placement(llama_layer, "input_layernorm", frozenset({"self_attn", "mlp"})) == "pre"
    assert norm_placement(llama_layer, "post_attention_layernorm", frozenset({"self_attn", "mlp"})) == "pre"
    assert norm_placement("remote_code.modeling_x.Block", "norm", frozenset()) is None


def test_component_differences_per_kind() -> None:
    mha = Component("attention", "MHA", {"ratio": 1, "role": "self", "scope": "global"}, 12)
    gqa = Component("attention", "GQA", {"ratio": 4, "ratio_label": "4:1", "role": "self", "scope": "global"}, 32)
    ln = Component("normalisation", "LayerNorm", {"placement": "post"}, 25)
    ln6 = Component("normalisation", "LayerNorm", {"placement": "post"}, 13)
    moe = Component("mixture_of_experts", "sparse", {"experts": 8, "top_k": 2, "shared": 0}, 32)
    assert changes([mha, ln], [gqa, ln6, moe]) == [
        "attention: MHA self global -> GQA 4:1 self global",
        "normalisation LayerNorm post: x25 -> x13",
        "mixture_of_experts: (none) -> sparse 8 experts, top-2, 0 shared",
    ]
    assert changes([mha], [mha]) == []
    assert lines([gqa])[0] == "attention GQA 4:1 self global x32"
