"""Config repairs of the catalogue source: default configs transformers leaves unbuildable get the documented value
of the missing field, the Model node says which, and configs that have the field keep what they have."""

from __future__ import annotations

import pytest

from nnstruct.graph.connection import Graph
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.runner import run_ingest
from nnstruct.ingest.sources import catalogue
from nnstruct.ingest.sources.catalogue_repairs import REPAIRS, repair_config

# One per kind of repair: a derived head_dim, a derived num_key_value_heads, a documented prediction_length.
REPAIRED = {"ministral": "head_dim=128", "nemotron": "num_key_value_heads=48", "informer": "prediction_length=12"}


def test_repaired_types_build_through_the_catalogue_ingest(clean_graph: Graph) -> None:
    options = IngestOptions(source="transformers", workers=1)
    firsts = {}
    for candidate in catalogue.candidates(options, lambda message: None):
        model_type = candidate.id.split("/")[1]
        if model_type in REPAIRED and model_type not in firsts:
            firsts[model_type] = candidate
    result = run_ingest(clean_graph, list(firsts.values()), options)

    assert {r.id: (r.status, r.reason) for r in result.results} == {c.id: ("ok", None) for c in firsts.values()}
    rows = clean_graph.read("MATCH (m:Model) RETURN m.model_type AS type, m.config_repairs AS repairs, "
                            "m.status AS status, m.module_count AS modules")
    assert {row["type"]: row["repairs"] for row in rows} == {t: [repair] for t, repair in REPAIRED.items()}
    assert all(row["status"] == "ok" and row["modules"] > 1 for row in rows)


def test_a_model_without_repairs_stores_none(clean_graph: Graph) -> None:
    options = IngestOptions(source="transformers", tasks=("fill-mask",), workers=0)
    bert = [c for c in catalogue.candidates(options, lambda message: None) if c.id == "transformers/bert/fill-mask"]
    run_ingest(clean_graph, bert, options)
    (row,) = clean_graph.read("MATCH (m:Model) RETURN m.status AS status, m.config_repairs AS repairs")
    assert row == {"status": "ok", "repairs": None}


def test_a_config_that_has_the_field_is_left_untouched() -> None:
    config = {"model_type": "ministral", "hidden_size": 4096, "num_attention_heads": 32, "head_dim": 96}
    repaired, applied = repair_config("ministral", config)
    assert applied == [] and repaired is config and config["head_dim"] == 96


def test_model_types_without_repairs_are_left_untouched() -> None:
    config = {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "head_dim": None}
    repaired, applied = repair_config("llama", config)
    assert applied == [] and repaired is config and config["head_dim"] is None


def test_a_rule_without_its_inputs_does_nothing() -> None:
    config = {"model_type": "ministral", "head_dim": None}
    assert repair_config("ministral", config) == (config, [])


def test_repairs_fill_a_copy_and_follow_sub_config_paths() -> None:
    config = {"model_type": "hunyuan_vl", "text_config": {"hidden_size": 1024, "num_attention_heads": 8,
                                                           "head_dim": None}}
    repaired, applied = repair_config("hunyuan_vl", config)
    assert applied == ["text_config.head_dim=128"]
    assert repaired["text_config"]["head_dim"] == 128 and config["text_config"]["head_dim"] is None


@pytest.mark.parametrize("model_type", sorted(REPAIRS))
def test_each_repair_fills_a_field_the_installed_default_leaves_unset(model_type: str) -> None:
    """Guards the table against a transformers upgrade that fixes the default (then the entry should go)."""
    _, applied = repair_config(model_type, catalogue.default_config(model_type))
    assert len(applied) == len(REPAIRS[model_type])
