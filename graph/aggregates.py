"""Per-task aggregates the analyses read instead of every Model: one ``TASK_ARCHITECTURE`` relationship per
(task, architecture, dedup view) holding how many of the task's built models use that architecture in that view.

A model write marks its task ``architecture_counts_stale`` in the same transaction, so a refresh is owed exactly
where something changed; ingest and dedup refresh what they changed when they finish, and every query file nnstruct
runs (analyze, report, query, the API's ``run_query``) first recounts whatever a killed run left marked. Each task
is refreshed in a transaction of its own. The Cypher: ``queries/aggregates/``.
"""

from __future__ import annotations

from collections.abc import Iterable

from nnstruct.graph.connection import Graph
from nnstruct.graph.query_runner import run_named

RELATIONSHIP = "TASK_ARCHITECTURE"
# What queries/aggregates/refresh_task_architectures.cypher derives on each Task from its models (docs/schema.md).
TASK_PROPERTIES = ("architecture_counts_stale", "models_listed", "models_built", "models_failed", "models_skipped",
                   "families", "architectures", "clusters", "name_representatives", "architecture_representatives")


def stale_tasks(graph: Graph) -> list[str]:
    """Tasks whose counts are behind their models (or were never counted)."""
    return [row["task"] for row in run_named(graph, "aggregates/stale_tasks")]


def refresh(graph: Graph, tasks: Iterable[str]) -> int:
    """Recount ``tasks``, one transaction each (a task's counts change together); returns how many."""
    names = sorted(set(tasks))
    for task in names:
        run_named(graph, "aggregates/refresh_task_architectures", {"tasks": [task]}, write=True)
    return len(names)


def refresh_stale(graph: Graph) -> int:
    """Recount every task marked stale; returns how many there were."""
    return refresh(graph, stale_tasks(graph))
