"""Dedup reads the WL features ingest stored on each Architecture instead of its modules; graphs without them
(an older nnstruct) get them computed once from the modules and stored, with the same labelling either way."""

from __future__ import annotations

from typing import Any

from nnstruct.dedup import run_dedup
from nnstruct.graph.connection import Graph
from nnstruct.ingest.candidates import Candidate
from nnstruct.tree.features import stored_features
from nnstruct.tree.wl import WlSettings
from tests.hub_fixtures import configs_fixture  # noqa: F401 - fixture
from tests.ingest_fixtures import ingest

FEATURE_PROPERTIES = ["features_settings", "features_hash_iterations", "features_description",
                      "features_class_hash", "features_class_bag", "features_class_counts",
                      "features_class_shape_hash", "features_class_shape_bag", "features_class_shape_counts"]


def labelling(graph: Graph) -> dict[str, Any]:
    """What architecture dedup wrote: per architecture its hashes and cluster, per model its flags."""
    archs = graph.read("MATCH (a:Architecture)-[r:IN_CLUSTER]->(c:Cluster) RETURN a.hash AS hash, "
                       "a.class_hash AS class_hash, a.shape_hash AS shape_hash, c.key AS cluster, c.size AS size, "
                       "c.description AS description, r.representative AS rep, r.score AS score ORDER BY hash")
    models = graph.read("MATCH (m:Model) RETURN m.id AS id, m.rep_architecture AS rep, m.views AS views ORDER BY id")
    similar = graph.read("MATCH (a)-[s:SIMILAR_TO]->(b) RETURN a.hash AS a, b.hash AS b, s.score AS score "
                         "ORDER BY a, b")
    assert len(archs) == 11 and all(row["class_hash"] for row in archs)
    return {"archs": archs, "models": models, "similar": similar}


def populate(graph: Graph, configs: dict) -> None:
    candidates = []
    for n, (name, (task, config)) in enumerate(sorted(configs.items())):
        for copy in range(2):
            candidates.append(Candidate(f"org/{name}-{copy}", task, "hub", config=config,
                                        metadata={"downloads": 10 * n + copy}))
    # the same BERT three layers deep: near-duplicate of the two-layer one
    task, bert = configs["bert"]
    candidates.append(Candidate("org/bert-deeper", task, "hub", config={**bert, "num_hidden_layers": 3}))
    assert ingest(graph, candidates).exit_code == 0


def test_ingest_stores_features_and_dedup_reads_them_not_the_modules(clean_graph: Graph, configs) -> None:
    populate(clean_graph, configs)
    stored = clean_graph.read("MATCH (a:Architecture) RETURN a {.*} AS props")
    assert len(stored) == 11
    for row in stored:
        features = stored_features(row["props"], WlSettings())
        assert features is not None and features.labels["class"].bag and features.description
        assert sum(row["props"]["features_class_counts"]) > row["props"]["module_count"]  # iterations 0..3

    for label in ("class", "class+shape"):
        logged: list[str] = []
        fast = run_dedup(clean_graph, "both", 0.85, label, log=logged.append)
        assert not any("from their modules" in line for line in logged), logged
        assert "read + hash trees" not in fast.seconds
        with_features = labelling(clean_graph)

        # An older graph: no features on any Architecture. Dedup hashes the modules once and stores them ...
        clean_graph.write("MATCH (a:Architecture) REMOVE " + ", ".join(f"a.{p}" for p in FEATURE_PROPERTIES))
        logged = []
        slow = run_dedup(clean_graph, "both", 0.85, label, log=logged.append)
        assert any("computing WL features of 11 architectures from their modules" in line for line in logged)
        assert labelling(clean_graph) == with_features
        assert (slow.distinct_trees, slow.clusters, slow.near_pairs) == \
            (fast.distinct_trees, fast.clusters, fast.near_pairs)
        # ... and the next run reads them.
        stored_again = clean_graph.read("MATCH (a:Architecture) RETURN a {.*} AS props ORDER BY a.hash")
        assert all(stored_features(row["props"], WlSettings()) is not None for row in stored_again)
        logged = []
        run_dedup(clean_graph, "both", 0.85, label, log=logged.append)
        assert not any("from their modules" in line for line in logged)


def test_features_made_with_other_settings_are_recomputed(clean_graph: Graph, configs) -> None:
    populate(clean_graph, configs)
    clean_graph.write("MATCH (a:Architecture) WITH a LIMIT 3 SET a.features_settings = 'networkx=3.4 iterations=3'")
    logged: list[str] = []
    run_dedup(clean_graph, "architecture", 0.85, "class", log=logged.append)
    assert any("computing WL features of 3 architectures" in line for line in logged), logged
    settings = clean_graph.read("MATCH (a:Architecture) RETURN DISTINCT a.features_settings AS s")
    assert settings == [{"s": WlSettings().describe()}]
