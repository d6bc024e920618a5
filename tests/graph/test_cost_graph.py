"""The cost ingest stores (Module.flops, Architecture/Model totals), and ``show --cost``, ``cost`` and ``diff`` on it,
against the real Neo4j with real (small) transformers architectures."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nnstruct.cost.properties import MODEL_COST_PROPERTIES, TREE_COST_PROPERTIES
from nnstruct.graph.connection import Graph
from nnstruct.graph.schema import init_schema, reset
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.sources.catalogue import default_config
from tests.ingest_fixtures import catalogue_candidate, ingest
from tests.server_fixtures import error_line

GPT2 = {"n_layer": 2, "n_embd": 128, "n_head": 4, "vocab_size": 1000, "n_positions": 256}
MISTRAL = {"num_hidden_layers": 2, "hidden_size": 128, "intermediate_size": 256, "num_attention_heads": 4,
           "num_key_value_heads": 2, "head_dim": 32, "vocab_size": 1000, "sliding_window": 64,
           "max_position_embeddings": 1024}


@pytest.fixture(scope="module")
def population(graph: Graph) -> dict[str, str]:
    reset(graph)
    init_schema(graph)
    fp32 = catalogue_candidate("gpt2", "text-generation", **GPT2)
    # Same structural config, other dtype (torch_dtype is not structural): linked to the first build
    bf16 = Candidate("org/gpt2-bf16", "text-generation", "hub",
                     config={**default_config("gpt2"), **GPT2, "torch_dtype": "bfloat16"})
    mistral = catalogue_candidate("mistral", "text-generation", **MISTRAL)
    result = ingest(graph, [fp32, bf16, mistral], cost=True)
    assert result.ok == 3 and result.builds == 2
    no_cost = catalogue_candidate("bert", "fill-mask", num_hidden_layers=1, hidden_size=64, num_attention_heads=2,
                                  intermediate_size=128)
    assert ingest(graph, [no_cost], cost=False).ok == 1
    return {"fp32": fp32.id, "bf16": bf16.id, "mistral": mistral.id, "no_cost": no_cost.id}


def _model(graph: Graph, model_id: str) -> dict:
    return graph.read("MATCH (m:Model {id: $id}) RETURN properties(m) AS m", {"id": model_id})[0]["m"]


def test_totals_on_model_architecture_and_root(graph: Graph, population: dict[str, str]) -> None:
    rows = graph.read(
        "MATCH (m:Model {id: $id})-[:HAS_ARCHITECTURE]->(a)-[:ROOT]->(root) "
        "RETURN properties(m) AS m, properties(a) AS a, root.flops AS root", {"id": population["fp32"]})
    model, arch, root = rows[0]["m"], rows[0]["a"], rows[0]["root"]
    assert model["flops_method"] == "forward" and model.get("flops_reason") is None
    assert model["reference_input"] == "batch=1 input_ids=1x256"  # the model's own maximum, under 512
    assert model["flops_forward"] == arch["flops_forward"] == root > 0
    assert model["flops_per_token"] == pytest.approx(model["flops_forward"] / 256)
    assert arch["flop_counter"].startswith("torch ") and arch["flop_counter"].endswith("FlopCounterMode")
    assert set(TREE_COST_PROPERTIES) - {"flops_reason"} <= set(arch)
    assert set(MODEL_COST_PROPERTIES) - {"flops_reason", "torch_dtype", "weight_bytes", "kv_cache_windows",
                                         "kv_cache_window_bytes_per_token"} <= set(model)
    assert model["weight_bytes_fp32"] == 4 * model["total_params"]
    assert model["kv_cache_bytes_per_token"] == 2 * 2 * 128 * 4  # 2 layers x (K + V) x 128 wide x fp32


def test_module_flops_add_up(graph: Graph, population: dict[str, str]) -> None:
    rows = graph.read(
        "MATCH (:Model {id: $id})-[:HAS_ARCHITECTURE]->(:Architecture)-[:ROOT]->(root) "
        "MATCH (root)-[:CHILD*0..]->(m:Module) RETURN m.path AS path, m.flops AS flops", {"id": population["fp32"]})
    flops = {row["path"]: row["flops"] for row in rows}
    assert flops["transformer.h.0"] == flops["transformer.h.1"] > 0
    assert flops["transformer.h"] == 2 * flops["transformer.h.0"]  # a ModuleList sums its children
    block = flops["transformer.h.0"]
    parts = ("transformer.h.0.ln_1", "transformer.h.0.attn", "transformer.h.0.ln_2", "transformer.h.0.mlp")
    assert sum(flops[p] or 0 for p in parts) == block
    # c_attn: 256 tokens x 2 x 128 x 384; attention matmuls 4 x 256^2 x 128
    assert flops["transformer.h.0.attn.c_attn"] == 256 * 2 * 128 * 384
    assert flops["transformer.h.0.attn"] - sum(flops[f"transformer.h.0.attn.{c}"] or 0
                                               for c in ("c_attn", "c_proj")) == 4 * 256 * 256 * 128


def test_a_linked_model_follows_its_own_dtype(graph: Graph, population: dict[str, str]) -> None:
    fp32, bf16 = _model(graph, population["fp32"]), _model(graph, population["bf16"])
    assert fp32["arch_hash"] == bf16["arch_hash"] and fp32["flops_forward"] == bf16["flops_forward"]
    assert fp32.get("torch_dtype") is None and bf16["torch_dtype"] == "bf16"
    assert bf16["kv_cache_bytes_per_token"] * 2 == fp32["kv_cache_bytes_per_token"]
    assert bf16["weight_bytes"] == bf16["weight_bytes_bf16"] == fp32["weight_bytes_fp32"] // 2


def test_sliding_window_is_stored(graph: Graph, population: dict[str, str]) -> None:
    model = _model(graph, population["mistral"])
    per_layer = 2 * 2 * 32 * 4  # K + V, 2 KV heads of 32, fp32
    assert model["kv_cache_windows"] == [64]
    assert model["kv_cache_window_bytes_per_token"] == [2 * per_layer]
    assert model["kv_cache_global_bytes_per_token"] == 0


def test_no_cost_stores_none(graph: Graph, population: dict[str, str]) -> None:
    model = _model(graph, population["no_cost"])
    assert model.get("flops_forward") is None
    assert graph.read("MATCH (:Model {id: $id})-[:HAS_ARCHITECTURE]->()-[:ROOT]->(r) RETURN r.flops AS f",
                      {"id": population["no_cost"]})[0]["f"] is None


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnstruct.cli.main", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)


def test_show_cost_columns(population: dict[str, str]) -> None:
    done = _cli("show", population["fp32"], "--cost", "--depth", "3")
    assert done.returncode == 0, done.stderr
    assert "FLOPs" in done.stdout and "Share" in done.stdout
    block = next(line for line in done.stdout.splitlines() if "GPT2Block x2" in line)
    assert " each (" in block and "%" in block  # per block and in total, with the share of all N
    assert "per forward pass at batch=1 input_ids=1x256" in done.stdout
    assert "KV cache: 2.05 kB per token at fp32" in done.stdout  # 2 layers x (K + V) x 128 x 4 bytes
    plain = _cli("show", population["fp32"], "--depth", "3")
    assert "FLOPs" not in plain.stdout


def test_cost_command(graph: Graph, population: dict[str, str]) -> None:
    stored = _model(graph, population["mistral"])
    done = _cli("cost", population["mistral"], "--seq-len", "1000", "--batch", "3", "--dtype", "bf16",
                "--format", "json")
    assert done.returncode == 0, done.stderr
    sizing = json.loads(done.stdout)
    assert sizing["kv_cache_bytes"] == 3 * 64 * stored["kv_cache_bytes_per_token"] // 2  # capped at the window
    assert sizing["weight_bytes"] == stored["weight_bytes_bf16"]
    assert sizing["scaled"] and sizing["flops_forward"] > 3 * stored["flops_forward"]
    text = _cli("cost", population["mistral"], "--seq-len", "1000")
    assert text.returncode == 0 and "KV cache" in text.stdout and "sliding-window" in text.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (("--dtype", "fp8"), "unknown --dtype"),
    ((), "no stored cost"),
])
def test_cost_command_bad_input(population: dict[str, str], args: tuple[str, ...], needle: str) -> None:
    target = population["fp32"] if args else population["no_cost"]
    done = _cli("cost", target, *args)
    assert done.returncode == 2
    assert needle in error_line(done)


def test_diff_shows_cost_deltas(population: dict[str, str]) -> None:
    done = _cli("diff", population["fp32"], population["mistral"], "--format", "json")
    assert done.returncode == 0, done.stderr
    deltas = {row["name"]: row for row in json.loads(done.stdout)["cost"]}
    flops = deltas["flops_forward"]
    assert flops["delta"] == flops["b"] - flops["a"] and flops["a"] > 0
    text = _cli("diff", population["fp32"], population["bf16"])
    assert "Cost, A -> B at batch=1 input_ids=1x256:" in text.stdout
    assert "kv_cache_bytes_per_token: 2.05 kB -> 1.02 kB (-1.02 kB, x0.5)" in text.stdout


def test_flops_by_component_and_by_part(graph: Graph, population: dict[str, str]) -> None:
    from nnstruct.api import run_query

    by_component = run_query("analysis/cost_flops_by_component", graph=graph, view="none", tasks=["text-generation"])
    shares = dict(zip(by_component["component"], by_component["share"], strict=True))
    # GPT-2 (MHA, plain FFN) and Mistral (GQA, SwiGLU): attention and feed-forward hold most of the compute
    assert {"attention MHA", "attention GQA"} <= set(shares)
    assert any(name.startswith("FFN ") for name in shares)
    assert all(0 < share < 1 for share in shares.values())
    assert 0.5 < sum(shares.values()) <= 1.0
    by_part = run_query("analysis/cost_flops_by_part", graph=graph, view="none", tasks=["text-generation"])
    assert by_part["share"].sum() == pytest.approx(1.0)
    assert by_part.iloc[0]["part"] == "layers" or by_part.iloc[0]["part"] == "h"
