"""A query file's result as a pandas DataFrame, through the graph layer's one runner
(``nnstruct.graph.query_runner``: statements in order, the last one's rows, one-line errors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnstruct.analysis.params import normalise
from nnstruct.graph import query_runner
from nnstruct.graph.aggregates import refresh_stale
from nnstruct.queries.query_file import QueryFile, load_path

if TYPE_CHECKING:
    import pandas as pd

    from nnstruct.graph.connection import Graph
    from nnstruct.settings import Settings


@dataclass
class QueryResult:
    query: QueryFile
    params: dict[str, Any]
    frame: pd.DataFrame
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.frame.empty


def display_name(query: QueryFile) -> str:
    return query.display_name


def run_file(graph: Graph, query: QueryFile, params: dict[str, Any] | None = None, write: bool = False
             ) -> QueryResult:
    """Run every statement of ``query`` with ``params`` over its defaults (read-only unless ``write``); the last
    statement's rows as a DataFrame. Tasks whose per-task counts a killed run left behind are recounted first:
    the analyses read those counts (graph/aggregates.py), and when nothing is behind that costs one small read."""
    import pandas as pd

    refresh_stale(graph)
    rows = query_runner.run_query(graph, query, normalise(params or {}, query.defaults), write=write)
    return QueryResult(query, rows.params, pd.DataFrame(rows.values, columns=rows.keys), rows.seconds)


def resolve_query(query: str | Path | QueryFile) -> QueryFile:
    return query if isinstance(query, QueryFile) else load_path(query)


def run_query(query: str | Path | QueryFile, graph: Graph | None = None, settings: Settings | None = None,
              **params: Any) -> pd.DataFrame:
    """Run a query file (a shipped name such as ``analysis/layer_types_per_task`` or a path) into a DataFrame.

    Without ``graph``, connects with ``settings`` (default: the environment's, as the CLI would).
    Keyword arguments are the query's parameters, e.g. ``view="name"``, ``tasks=["text-classification"]``.
    """
    query_file = resolve_query(query)
    if graph is not None:
        return run_file(graph, query_file, params).frame
    from nnstruct.graph.connection import connect
    from nnstruct.settings import Settings

    with connect(settings or Settings()) as connected:
        return run_file(connected, query_file, params).frame
