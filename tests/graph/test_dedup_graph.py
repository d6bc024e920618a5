"""dedup on real architectures ingested by the real ingest into the real Neo4j.

The population (built once for the module, from a wiped graph like ``clean_graph``): BERT base saved in two
folders (one model under two ids), BERT with 6 layers, DistilBERT and GPT-2, all for text-classification. Every
test runs dedup itself, and each run replaces the labelling of its strategy, so the tests do not depend on order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nnstruct.dedup import architecture_similarity, run_dedup
from nnstruct.graph.connection import Graph
from nnstruct.graph.schema import init_schema, reset
from tests.cli_fixtures import invoke

TASK = "text-classification"


def _config(model_type: str, architecture: str, **overrides: Any) -> dict[str, Any]:
    import transformers

    config = transformers.AutoConfig.for_model(model_type, **overrides).to_dict()
    config["architectures"] = [architecture]
    return config


def _ingest(graph: Graph, paths: list[Path]) -> None:
    from nnstruct.ingest.options import IngestOptions
    from nnstruct.ingest.runner import run_ingest, source_candidates

    options = IngestOptions(source="local", tasks=(TASK,), paths=tuple(paths), workers=0)
    assert run_ingest(graph, source_candidates(options), options).exit_code == 0


@pytest.fixture(scope="module")
def population(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Model ids by role, ingested into a wiped graph."""
    root = tmp_path_factory.mktemp("dedup-models")
    configs = {
        "bert": _config("bert", "BertForSequenceClassification"),
        "bert_again": _config("bert", "BertForSequenceClassification"),
        "bert6": _config("bert", "BertForSequenceClassification", num_hidden_layers=6),
        "distilbert": _config("distilbert", "DistilBertForSequenceClassification"),
        "gpt2": _config("gpt2", "GPT2ForSequenceClassification"),
    }
    paths = []
    for role, config in configs.items():
        folder = root / role
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps(config))
        paths.append(folder)
    reset(graph)
    init_schema(graph)
    _ingest(graph, paths)
    ids = {row["id"]: row["status"] for row in graph.read("MATCH (m:Model) RETURN m.id AS id, m.status AS status")}
    roles = {role: next(i for i in ids if i.endswith(f"/{role}")) for role in configs}
    assert all(ids[model_id] == "ok" for model_id in roles.values()), ids
    return roles


def _arch(graph: Graph, model_id: str) -> dict[str, Any]:
    rows = graph.read("MATCH (:Model {id: $id})-[:HAS_ARCHITECTURE]->(a:Architecture) RETURN a {.*} AS a",
                      {"id": model_id})
    return rows[0]["a"]


def _link(graph: Graph, left: str, right: str) -> float | None:
    rows = graph.read(
        "MATCH (:Model {id: $left})-[:HAS_ARCHITECTURE]->(:Architecture)-[s:SIMILAR_TO]-(:Architecture)"
        "<-[:HAS_ARCHITECTURE]-(:Model {id: $right}) RETURN max(s.score) AS score", {"left": left, "right": right})
    return rows[0]["score"] if rows else None


def _cluster(graph: Graph, model_id: str) -> str:
    rows = graph.read("MATCH (:Model {id: $id})-[:HAS_ARCHITECTURE]->()-[:IN_CLUSTER]->(c:Cluster) "
                      "RETURN c.key AS key", {"id": model_id})
    assert len(rows) == 1, rows
    return rows[0]["key"]


def _counts(graph: Graph) -> tuple[int, int]:
    row = graph.read("CALL { MATCH ()-[s:SIMILAR_TO]->() RETURN count(s) AS links } "
                     "CALL { MATCH (c:Cluster) RETURN count(c) AS clusters } RETURN links, clusters")[0]
    return row["links"], row["clusters"]


def _labelling(graph: Graph) -> dict[str, Any]:
    """Everything dedup writes (minus run timestamps), in a comparable form."""
    return {
        "models": graph.read("MATCH (m:Model) RETURN m.id AS id, m.family AS family, m.rep_name AS rep_name, "
                             "m.rep_architecture AS rep_architecture ORDER BY id"),
        "families": graph.read("MATCH (m:Model)-[r:IN_FAMILY]->(f:Family) RETURN m.id AS id, f {.*} AS family, "
                               "r.representative AS representative ORDER BY id"),
        "architectures": graph.read("MATCH (a:Architecture) RETURN a.hash AS hash, a.class_hash AS class_hash, "
                                    "a.class_hash_networkx_version AS v ORDER BY hash"),
        "clusters": graph.read("MATCH (a:Architecture)-[r:IN_CLUSTER]->(c:Cluster) RETURN a.hash AS hash, "
                               "c {.*} AS cluster, r {.*} AS membership ORDER BY hash"),
        "links": graph.read("MATCH (a:Architecture)-[s:SIMILAR_TO]->(b:Architecture) RETURN a.hash AS a, "
                            "b.hash AS b, s {.*} AS link ORDER BY a, b"),
    }


def test_same_model_under_two_ids_has_one_architecture(graph: Graph, population: dict[str, str]) -> None:
    assert _arch(graph, population["bert"])["hash"] == _arch(graph, population["bert_again"])["hash"]
    assert graph.read("MATCH (a:Architecture) RETURN count(a) AS n")[0]["n"] == 4
    summary = run_dedup(graph, "architecture", 0.85)
    assert summary.architectures == 4
    assert _cluster(graph, population["bert"]) == _cluster(graph, population["bert_again"])
    assert any(line.startswith("2 models share 1 architecture: BertForSequenceClassification 12x768")
               for line in summary.largest), summary.largest


def test_bert_6_layers_is_a_near_duplicate_not_an_exact_one(graph: Graph, population: dict[str, str]) -> None:
    run_dedup(graph, "architecture", 0.85)
    bert, bert6 = population["bert"], population["bert6"]
    assert _arch(graph, bert)["class_hash"] != _arch(graph, bert6)["class_hash"]
    assert _link(graph, bert, bert6) >= 0.85
    assert _cluster(graph, bert) == _cluster(graph, bert6)
    similarity = architecture_similarity(graph, bert, bert6)
    assert similarity.score >= 0.85 and not similarity.exact and not similarity.same_architecture
    assert similarity.stored_score == pytest.approx(similarity.score)
    assert similarity.same_cluster and similarity.stored_settings_current


def test_bert_and_gpt2_are_neither(graph: Graph, population: dict[str, str]) -> None:
    run_dedup(graph, "architecture", 0.85)
    bert, gpt2 = population["bert"], population["gpt2"]
    assert _arch(graph, bert)["class_hash"] != _arch(graph, gpt2)["class_hash"]
    assert _link(graph, bert, gpt2) is None
    assert _cluster(graph, bert) != _cluster(graph, gpt2)
    similarity = architecture_similarity(graph, bert, gpt2)
    assert similarity.score < 0.85 and not similarity.exact
    assert similarity.same_cluster is False


def test_lower_threshold_more_links_fewer_clusters(graph: Graph, population: dict[str, str]) -> None:
    seen = []
    for threshold in (1.0, 0.95, 0.85, 0.5, 0.2, 0.05):
        run_dedup(graph, "architecture", threshold)
        links, clusters = _counts(graph)
        seen.append((threshold, links, clusters))
        thresholds = graph.read("MATCH (c:Cluster) RETURN collect(DISTINCT c.threshold) AS t")[0]["t"]
        assert thresholds == [threshold]  # the previous run's clusters are gone
    for (_, links_before, clusters_before), (_, links, clusters) in zip(seen, seen[1:], strict=False):
        assert links >= links_before and clusters <= clusters_before, seen
    assert seen[-1][1] > seen[0][1] and seen[-1][2] < seen[0][2], seen


def test_name_families_keep_one_representative_per_task(graph: Graph, population: dict[str, str]) -> None:
    summary = run_dedup(graph, "name")
    assert summary.families == 3
    rows = {row["id"]: row for row in graph.read(
        "MATCH (m:Model)-[r:IN_FAMILY]->(f:Family) RETURN m.id AS id, f.name AS family, f.rule AS rule, "
        "r.representative AS rep, m.rep_name AS rep_name, m.family AS model_family")}
    assert {rows[population[role]]["family"] for role in ("bert", "bert_again", "bert6")} == {"bert"}
    assert rows[population["distilbert"]]["family"] == "distilbert"
    assert rows[population["gpt2"]]["family"] == "gpt2"
    assert all(row["rep"] == row["rep_name"] and row["family"] == row["model_family"] for row in rows.values())
    assert sum(rows[population[r]]["rep"] for r in ("bert", "bert_again", "bert6")) == 1
    assert {row["rule"] for row in rows.values()} == {"model_type"}


def test_rerun_is_idempotent_and_both_strategies_sit_side_by_side(graph: Graph, population: dict[str, str]) -> None:
    summary = run_dedup(graph, "both", 0.85)
    assert summary.families == 3 and summary.clusters is not None
    first = _labelling(graph)
    run_dedup(graph, "both", 0.85)
    assert _labelling(graph) == first
    run_dedup(graph, "architecture", 0.5, label="class+shape")  # another labelling of one strategy ...
    run_dedup(graph, "both", 0.85)  # ... fully replaced by the next run
    assert _labelling(graph) == first
    runs = graph.read("MATCH (r:DedupRun) RETURN r.strategy AS strategy, r.networkx_version AS v ORDER BY strategy")
    assert [row["strategy"] for row in runs] == ["architecture", "name"] and all(row["v"] for row in runs)
    reps = graph.read("MATCH (m:Model {rep_architecture: true}) RETURN count(m) AS n")[0]["n"]
    assert reps == len({row["cluster"]["key"] for row in first["clusters"]})  # one task: one model per cluster


def test_dedup_command_prints_the_summary(graph: Graph, population: dict[str, str], monkeypatch, capsys) -> None:
    done = invoke(["dedup", "--strategy", "both"], monkeypatch, capsys)  # in this process: no interpreter start
    assert done.code == 0, done.err
    assert "5 models" in done.err and "3 families" in done.err
    assert "4 distinct architectures" in done.err and "clusters" in done.err
    assert "2 models share 1 architecture: BertForSequenceClassification 12x768" in done.err
