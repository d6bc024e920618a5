"""nnstruct on a shared database: its nodes carry the ownership label ``Nnstruct``, and ``db reset`` and dedup
touch only those (Module nodes through their Architecture), so another application's ``Model``, ``Cluster`` or
``Family`` survives both. Also: a query file writes only with ``--write``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstruct.graph.connection import Graph
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.runner import run_ingest, source_candidates
from tests.cli_fixtures import TINY_BERT, invoke

FOREIGN = {
    "Model": {"id": "someone-else/model", "status": "ok", "task": "text-classification", "model_type": "bert"},
    "Cluster": {"key": "theirs"},
    "Family": {"name": "their-family"},  # a Family named like one of ours would be the same node (unique key)
    "Module": {"arch_hash": "not-ours", "path": ""},
}


def _foreign(graph: Graph) -> list[dict]:
    return graph.read("MATCH (n) WHERE NOT n:Nnstruct AND (n.arch_hash IS NULL OR n.arch_hash = 'not-ours') "
                      "RETURN labels(n) AS labels, properties(n) AS props ORDER BY labels[0]")


@pytest.fixture
def shared_graph(clean_graph: Graph, tmp_path: Path) -> Graph:
    folder = tmp_path / "bert"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(TINY_BERT))
    options = IngestOptions(source="local", paths=(folder,), workers=0)
    assert run_ingest(clean_graph, source_candidates(options), options).ok == 1
    for label, props in FOREIGN.items():
        clean_graph.write(f"CREATE (n:{label}) SET n = $props", {"props": props})
    yield clean_graph
    clean_graph.write("MATCH (n) WHERE NOT n:Nnstruct AND (n.arch_hash IS NULL OR n.arch_hash = 'not-ours') "
                      "DETACH DELETE n")


def test_foreign_nodes_survive_dedup_and_db_reset(shared_graph: Graph, monkeypatch, capsys) -> None:
    before = _foreign(shared_graph)
    assert len(before) == len(FOREIGN)

    dedup = invoke(["dedup", "--strategy", "both"], monkeypatch, capsys)
    assert dedup.code == 0, dedup.err
    assert _foreign(shared_graph) == before  # not labelled into a family, not cleared as an empty cluster
    (ours,) = shared_graph.read("MATCH (m:Model:Nnstruct) RETURN m.family AS family")
    assert ours["family"] == "bert"  # dedup did run on nnstruct's own model

    reset = invoke(["db", "reset", "--yes"], monkeypatch, capsys)
    assert reset.code == 0, reset.err
    assert _foreign(shared_graph) == before
    left = shared_graph.read("MATCH (n) WHERE n:Nnstruct OR (n:Module AND n.arch_hash <> 'not-ours') "
                             "RETURN count(n) AS n")
    assert left == [{"n": 0}]


def test_a_query_file_writes_only_with_write(clean_graph: Graph, tmp_path: Path, monkeypatch, capsys) -> None:
    query = tmp_path / "create.cypher"
    query.write_text("CREATE (n:ScratchNote {text: 'hello'}) RETURN n.text AS text")
    refused = invoke(["query", str(query)], monkeypatch, capsys)
    assert refused.code == 2 and refused.error_lines[0].endswith("pass --write to let it change the graph")
    assert clean_graph.read("MATCH (n:ScratchNote) RETURN count(n) AS n") == [{"n": 0}]
    allowed = invoke(["query", str(query), "--write", "--format", "json"], monkeypatch, capsys)
    assert allowed.code == 0, allowed.err
    assert json.loads(allowed.out) == [{"text": "hello"}]
    assert clean_graph.write("MATCH (n:ScratchNote) DETACH DELETE n RETURN count(n) AS n") == [{"n": 1}]
