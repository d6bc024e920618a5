"""Batched model writes (``write_batch``) and ``--shard``: the graph is the same as one model per transaction,
a batch the graph refuses fails only its bad model, and shards together ingest each model exactly once."""

from __future__ import annotations

from typing import Any

from nnstruct.graph.connection import Graph
from nnstruct.graph.schema import init_schema, reset
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.shard import in_shard
from tests.hub_fixtures import configs_fixture  # noqa: F401 - fixture
from tests.ingest_fixtures import hub_like, ingest, snapshot


def model_properties(graph: Graph) -> list[dict[str, Any]]:
    rows = graph.read("MATCH (m:Model) RETURN m {.*} AS m ORDER BY m.id")
    return [{k: v for k, v in row["m"].items() if k not in ("ingested_at", "build_seconds")} for row in rows]


def wipe(graph: Graph) -> None:
    reset(graph)
    init_schema(graph)


def test_batched_writes_give_the_graph_of_one_model_per_transaction(clean_graph: Graph, configs) -> None:
    candidates = hub_like(configs, 23)
    one_by_one = ingest(clean_graph, candidates, write_batch=1)
    expected, expected_models = snapshot(clean_graph), model_properties(clean_graph)
    wipe(clean_graph)

    batched = ingest(clean_graph, candidates, write_batch=4)

    assert snapshot(clean_graph) == expected
    assert model_properties(clean_graph) == expected_models
    assert sorted((r.id, r.status, r.linked) for r in batched.results) == \
        sorted((r.id, r.status, r.linked) for r in one_by_one.results)
    assert sum(r.linked for r in batched.results) == 20  # 23 models over 3 configs: 3 built, 20 linked


def test_a_refused_batch_fails_only_its_bad_model(clean_graph: Graph, configs) -> None:
    candidates = hub_like(configs, 9)
    bad = Candidate("org/bad-metadata", "text-generation", "hub", config=configs["gpt2"][1],
                    metadata={"downloads": {"not": "a property value"}})  # a map: Neo4j refuses to store it
    candidates.insert(5, bad)

    result = ingest(clean_graph, candidates, write_batch=50)

    by_id = {r.id: r for r in result.results}
    assert by_id[bad.id].status == "failed" and by_id[bad.id].reason.startswith("cannot write to Neo4j")
    assert sum(r.status == "ok" for r in result.results) == 9
    stored = {row["id"]: row for row in clean_graph.read(
        "MATCH (m:Model) RETURN m.id AS id, m.status AS status, "
        "COUNT { (m)-[:HAS_ARCHITECTURE]->() } AS archs, COUNT { (m)-[:FOR_TASK]->() } AS tasks")}
    assert len(stored) == 12  # 9 ok + bad + gone + gated
    assert stored[bad.id]["status"] == "failed" and stored[bad.id]["archs"] == 0
    assert all(row["archs"] == 1 and row["tasks"] == 1 for row in stored.values() if row["status"] == "ok")


def test_shards_together_ingest_every_model_once(clean_graph: Graph, configs) -> None:
    candidates = hub_like(configs, 30)
    ingest(clean_graph, candidates)
    expected = snapshot(clean_graph)
    wipe(clean_graph)

    parts = [ingest(clean_graph, candidates, shard=(i, 3)) for i in range(3)]

    taken = [sorted(r.id for r in part.results) for part in parts]
    assert all(taken) and sorted(sum(taken, [])) == sorted(c.id for c in candidates)
    assert all(in_shard(model_id, (i, 3)) for i, ids in enumerate(taken) for model_id in ids)
    assert snapshot(clean_graph) == expected
