"""Run a query file against Neo4j and hand back its result as a pandas DataFrame.

A file's statements run in order; the last one's rows are the result (earlier ones may prepare data).
Neo4j's refusals (syntax errors, missing parameters, unknown functions) become one-line
:class:`~nnstruct.errors.QueryFileError` messages that name the file and the statement.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neo4j.exceptions import Neo4jError

from nnstruct.analysis.params import normalise
from nnstruct.errors import QueryFileError
from nnstruct.queries.query_file import QueryFile, load_path, queries_root

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
    """``analysis/x.cypher`` for shipped files, the path as given for a user's own."""
    try:
        return str(query.path.relative_to(queries_root()))
    except ValueError:
        return str(query.path)


def _statement_line(query: QueryFile, index: int) -> int:
    """1-based line of the file where statement ``index`` starts (for error messages)."""
    text = query.text
    first_line = query.statements[index].splitlines()[0]
    position = text.find(first_line)
    return text.count("\n", 0, position) + 1 if position >= 0 else 0


def _neo4j_message(exc: Neo4jError) -> str:
    message = (exc.message or str(exc)).strip().splitlines()
    return message[0] if message else (exc.code or type(exc).__name__)


def run_file(graph: Graph, query: QueryFile, params: dict[str, Any] | None = None) -> QueryResult:
    """Run every statement of ``query`` with ``params`` over its defaults; the last statement's rows."""
    import pandas as pd

    bound = query.bind(normalise(params or {}, query.defaults))
    name = display_name(query)
    started = time.perf_counter()
    frame = pd.DataFrame()
    for index, statement in enumerate(query.statements):
        try:
            with graph.translate_errors():
                records, _, keys = graph.driver.execute_query(statement, bound, database_=graph.database)
        except Neo4jError as exc:
            where = f"{name}, statement {index + 1} (line {_statement_line(query, index)})"
            if "ParameterMissing" in (exc.code or ""):
                raise QueryFileError(f"{where}: {_neo4j_message(exc)}; give it with --param NAME=VALUE") from exc
            kind = "syntax error" if "SyntaxError" in (exc.code or "") else "Neo4j refused the query"
            raise QueryFileError(f"{where}: {kind}: {_neo4j_message(exc)}") from exc
        frame = pd.DataFrame([record.values() for record in records], columns=list(keys))
    return QueryResult(query, bound, frame, time.perf_counter() - started)


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
