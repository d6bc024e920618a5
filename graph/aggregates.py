"""Per-task aggregates the analyses read instead of every Model: one ``TASK_ARCHITECTURE`` relationship per
(task, architecture, dedup view) holding how many of the task's built models use that architecture in that view.

A model write marks its task ``architecture_counts_stale`` in the same transaction, so a refresh is owed exactly
where something changed; ingest and dedup refresh what they changed when they finish, and ``nnstruct analyze``
refreshes whatever a killed run left marked. Each task is refreshed in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from nnstruct.graph.connection import Graph
from nnstruct.graph.query_runner import run_named


def stale_tasks(graph: Graph) -> list[str]:
    """Tasks whose counts are behind their models (or were never counted)."""
    return [row["task"] for row in run_named(graph, "aggregates/stale_tasks")]


def refresh(graph: Graph, tasks: Iterable[str], progress: Callable[[str], None] | None = None) -> int:
    """Recount ``tasks`` (one transaction each); returns how many were refreshed."""
    done = 0
    for task in sorted(set(tasks)):
        if progress is not None:
            progress(task)
        run_named(graph, "aggregates/refresh_task_architectures", {"tasks": [task]}, write=True)
        done += 1
    return done


def refresh_stale(graph: Graph, progress: Callable[[str], None] | None = None) -> int:
    """Recount every task marked stale; returns how many there were."""
    return refresh(graph, stale_tasks(graph), progress)
