"""The per-task counts the analyses read (``TASK_ARCHITECTURE``, Task counts: graph/aggregates.py) equal a count
over the models themselves: after an ingest, after dedup changes the views, and after model writes that no run
recounted (an ingest killed before its end), which a query then recounts."""

from __future__ import annotations

from typing import Any

from nnstruct.analysis.runner import run_query
from nnstruct.dedup.runner import run_dedup
from nnstruct.graph import aggregates
from nnstruct.graph.aggregates import stale_tasks
from nnstruct.graph.connection import Graph
from nnstruct.graph.writer import GraphWriter
from tests.hub_fixtures import configs_fixture  # noqa: F401 - fixture
from tests.ingest_fixtures import hub_like, ingest


def counted(graph: Graph) -> dict[tuple[str, str, str], dict[str, Any]]:
    """What a scan of every model gives: per (task, architecture, view) the models, their months, the example."""
    rows = graph.read(
        "MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture) "
        "UNWIND m.views AS view "
        "WITH t, a, view, m ORDER BY coalesce(m.downloads, -1) DESC, m.id "
        "RETURN t.name AS task, a.hash AS arch, view, count(m) AS models, collect(m.id)[0] AS example, "
        "collect(substring(m.created_at, 0, 7)) AS months")
    out = {}
    for row in rows:
        months = sorted(set(row["months"]))
        out[(row["task"], row["arch"], row["view"])] = {
            "models": row["models"], "example": row["example"],
            "months": {month: row["months"].count(month) for month in months}}
    return out


def stored(graph: Graph) -> dict[tuple[str, str, str], dict[str, Any]]:
    rows = graph.read("MATCH (t:Task)-[ta:TASK_ARCHITECTURE]->(a:Architecture) "
                      "RETURN t.name AS task, a.hash AS arch, ta {.*} AS ta")
    return {(row["task"], row["arch"], row["ta"]["view"]): {
        "models": row["ta"]["models"], "example": row["ta"]["example"],
        "months": dict(zip(row["ta"]["months"], row["ta"]["month_models"], strict=True))} for row in rows}


def test_ingest_then_dedup_leave_counts_equal_to_a_scan(clean_graph: Graph, configs) -> None:
    ingest(clean_graph, hub_like(configs, 23), write_batch=4)

    assert stale_tasks(clean_graph) == []
    scan = counted(clean_graph)
    assert {view for _, _, view in scan} == {"none"} and sum(v["models"] for v in scan.values()) == 23
    assert stored(clean_graph) == scan
    task = clean_graph.read("MATCH (t:Task {name: 'text-classification'}) RETURN t {.*} AS t")[0]["t"]
    assert (task["models_listed"], task["models_built"], task["models_failed"]) == (9, 8, 1)
    assert set(task) - {"name", "auto_class", "catalogue_rule"} == set(aggregates.TASK_PROPERTIES)

    run_dedup(clean_graph, "both")  # changes which models each view keeps

    assert stale_tasks(clean_graph) == []
    scan = counted(clean_graph)
    assert {view for _, _, view in scan} == {"none", "name", "architecture"}
    assert stored(clean_graph) == scan
    reps = clean_graph.read("MATCH (m:Model {task: 'text-classification'}) WHERE m.rep_name RETURN count(m) AS n")
    task = clean_graph.read("MATCH (t:Task {name: 'text-classification'}) RETURN t {.*} AS t")[0]["t"]
    assert task["name_representatives"] == reps[0]["n"] > 0
    families = clean_graph.read("MATCH (m:Model {status: 'ok'}) RETURN count(DISTINCT m.family) AS n")[0]["n"]
    overview = run_query("analysis/overview", graph=clean_graph, view="none").iloc[0]
    assert (int(overview["models"]), int(overview["families"])) == (23, families) and families >= 3


def test_writes_no_run_recounted_are_recounted_by_the_next_query(clean_graph: Graph, configs) -> None:
    ingest(clean_graph, hub_like(configs, 9))
    before = stored(clean_graph)
    arch = clean_graph.read("MATCH (m:Model {id: 'org0/bert-0'})-[:HAS_ARCHITECTURE]->(a) RETURN a.hash AS h")[0]["h"]
    old_task = configs["bert"][0]
    writer = GraphWriter(clean_graph, init=False)
    # what an ingest killed before its end leaves: models written, no recount; one model moves to another task
    new_task = {"name": "feature-extraction", "auto_class": None, "catalogue_rule": None}
    writer.write_models([
        {"model": {"id": "late/bert-copy", "status": "ok", "arch_hash": arch, "source": "hub", "task": old_task,
                   "downloads": 1000}, "task": old_task, "arch_hash": arch},
        {"model": {"id": "org0/bert-0", "status": "ok", "arch_hash": arch, "source": "hub",
                   "task": new_task["name"]}, "task": new_task["name"], "arch_hash": arch},
    ], [{"name": old_task, "auto_class": None, "catalogue_rule": None}, new_task])

    assert stale_tasks(clean_graph) == sorted({old_task, "feature-extraction"})
    assert stored(clean_graph) == before != counted(clean_graph)

    frame = run_query("analysis/model_sizes", graph=clean_graph, view="none", tasks=[old_task, "feature-extraction"])

    assert stale_tasks(clean_graph) == []
    assert stored(clean_graph) == counted(clean_graph)
    by_task = frame.set_index("task")
    assert by_task.loc[old_task, "example_model"] == "late/bert-copy"  # the most downloaded
    assert int(by_task.loc[old_task, "models"]) == 3  # bert-0, -3, -6; then bert-0 left and the copy came
    assert by_task.loc["feature-extraction", "example_model"] == "org0/bert-0"
