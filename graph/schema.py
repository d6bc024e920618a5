"""Create the graph schema (idempotently), report its status, and wipe the project's data."""

from __future__ import annotations

from typing import Any

from nnstruct.graph.connection import Graph
from nnstruct.graph.query_runner import run_autocommit, run_named
from nnstruct.queries.query_file import load


def init_schema(graph: Graph) -> int:
    """Create every constraint and index (``IF NOT EXISTS``); returns how many statements ran."""
    query = load("schema/init")
    run_autocommit(graph, query)
    return len(query.statements)


def graph_status(graph: Graph) -> dict[str, Any]:
    rows = run_named(graph, "schema/status")
    return rows[0] if rows else {}


def reset(graph: Graph) -> None:
    """Delete every node nnstruct writes. ``CALL {} IN TRANSACTIONS`` needs an implicit transaction."""
    run_autocommit(graph, load("schema/reset"))
