"""The one way nnstruct runs a query file: bind each statement's parameters, run the statements in order (one
batch of a list parameter at a time where asked), and turn Neo4j's refusals into one-line errors.

Every stage calls it: ingest and dedup inside their own write transactions (:func:`run_in`), analysis, reports and
``nnstruct query`` through :func:`run_query` (one transaction; read-only unless the caller asks to write, so Neo4j
itself refuses a write hidden in a query file).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from neo4j.exceptions import Neo4jError

from nnstruct.errors import QueryFileError
from nnstruct.queries.query_file import QueryFile, load

if TYPE_CHECKING:
    import neo4j

    from nnstruct.graph.connection import Graph

BATCH = 5_000  # rows of a batched parameter per statement run


@dataclass
class Rows:
    """What the last statement of a query returned."""

    query: QueryFile
    params: dict[str, Any]
    keys: list[str]
    values: list[list[Any]] = field(repr=False)
    seconds: float = 0.0

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.keys, row, strict=True)) for row in self.values]


def statement_params(statement: str, params: dict[str, Any], query: QueryFile) -> dict[str, Any]:
    """Only the parameters ``statement`` uses (the driver sends every parameter given, used or not)."""
    used = query.parameters_of(statement)
    return {key: value for key, value in params.items() if key in used}


def _neo4j_message(exc: Neo4jError) -> str:
    message = (exc.message or str(exc)).strip().splitlines()
    return message[0] if message else (exc.code or type(exc).__name__)


@contextmanager
def statement_errors(query: QueryFile, index: int) -> Iterator[None]:
    """Neo4j's refusal of statement ``index`` as one line naming the file, the statement and its line."""
    try:
        yield
    except Neo4jError as exc:
        if exc.is_retryable():
            raise  # a deadlock or a leader switch: the driver runs the transaction again
        code = exc.code or ""
        where = f"{query.display_name}, statement {index + 1} (line {query.statement_line(index)})"
        if "ParameterMissing" in code:
            raise QueryFileError(f"{where}: {_neo4j_message(exc)}; give it with --param NAME=VALUE") from exc
        if "AccessMode" in code or "ForbiddenDueToTransactionType" in code or "WriteOnReadOnlyAccess" in code:
            raise QueryFileError(f"{where}: the query writes, and query files run read-only; "
                                 "pass --write to let it change the graph") from exc
        kind = "syntax error" if "SyntaxError" in code else "Neo4j refused the query"
        raise QueryFileError(f"{where}: {kind}: {_neo4j_message(exc)}") from exc


def run_in(tx: neo4j.ManagedTransaction, query: QueryFile, params: dict[str, Any] | None = None,
           batched: str | None = None, batch: int = BATCH) -> list[dict[str, Any]]:
    """Run every statement of a shipped ``query`` inside the caller's ``tx``, each with only the parameters it
    uses; with ``batched``, once per ``batch`` rows of that list parameter. Returns the rows of the last statement
    (last batch). Neo4j's errors reach the caller as they are: its transaction function decides (the driver
    retries transient ones, ingest links a tree another writer stored first on a ConstraintError)."""
    bound = query.bind(params)
    chunks = [bound] if batched is None else [
        {**bound, batched: bound[batched][start:start + batch]} for start in range(0, len(bound[batched]), batch)]
    rows: list[dict[str, Any]] = []
    for chunk in chunks:
        for statement in query.statements:
            rows = tx.run(statement, statement_params(statement, chunk, query)).data()
    return rows


def run_query(graph: Graph, query: QueryFile, params: dict[str, Any] | None = None, write: bool = False) -> Rows:
    """Run a whole query file in one transaction (read-only unless ``write``); the last statement's rows."""
    bound = query.bind(params)

    def work(tx: neo4j.ManagedTransaction) -> Rows:
        keys: list[str] = []
        values: list[list[Any]] = []
        for index, statement in enumerate(query.statements):
            with statement_errors(query, index):
                result = tx.run(statement, statement_params(statement, bound, query))
                keys = list(result.keys())
                values = [list(record.values()) for record in result]
        return Rows(query, bound, keys, values)

    started = time.perf_counter()
    rows = graph.write_transaction(work) if write else graph.read_transaction(work)
    rows.seconds = time.perf_counter() - started
    return rows


def run_named(graph: Graph, name: str, params: dict[str, Any] | None = None, write: bool = False
              ) -> list[dict[str, Any]]:
    """Run a shipped query (``ingest/ok_model_ids``) and return its rows as dicts."""
    return run_query(graph, load(name), params, write).dicts()


def run_autocommit(graph: Graph, query: QueryFile, params: dict[str, Any] | None = None) -> None:
    """Each statement in an auto-commit transaction of its own: schema commands and ``CALL {} IN TRANSACTIONS``
    cannot run inside an explicit one."""
    bound = query.bind(params)
    with graph.translate_errors(), graph.driver.session(database=graph.database) as session:
        for index, statement in enumerate(query.statements):
            with statement_errors(query, index):
                session.run(statement, statement_params(statement, bound, query)).consume()
