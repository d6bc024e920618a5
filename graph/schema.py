"""Create the graph schema (idempotently), report its status, and wipe the project's data."""

from __future__ import annotations

from typing import Any

from nnstruct.graph.connection import Graph
from nnstruct.queries.query_file import load


def init_schema(graph: Graph) -> int:
    """Create every constraint and index (``IF NOT EXISTS``); returns how many statements ran."""
    statements = load("schema/init").statements
    for statement in statements:
        graph.write(statement)
    graph.write("CALL db.awaitIndexes(300)")
    return len(statements)


def graph_status(graph: Graph) -> dict[str, Any]:
    rows = graph.read(load("schema/status").statements[0])
    return rows[0] if rows else {}


def reset(graph: Graph) -> None:
    """Delete every node nnstruct writes. ``CALL {} IN TRANSACTIONS`` needs an implicit transaction."""
    with graph.translate_errors(), graph.driver.session(database=graph.database) as session:
        for statement in load("schema/reset").statements:
            session.run(statement).consume()
