"""One connection to Neo4j, resolved from flags, ``NEO4J_*`` variables, then the local server's settings.

Failures become :class:`~nnstruct.errors.ConnectionFailed` with the address tried, so the CLI can print one
line and exit 2 instead of a driver traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import neo4j
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from nnstruct.errors import ConnectionFailed
from nnstruct.graph.server.paths import ServerPaths
from nnstruct.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class ConnectionInfo:
    uri: str
    user: str
    password: str | None
    database: str
    local: bool  # True when the address is the local server's default


_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def is_local_server(uri: str, settings: Settings) -> bool:
    """Whether ``uri`` is the local server's address (loopback, its Bolt port): the only server its stored
    password may be offered to."""
    try:
        parts = urlsplit(uri)
        return (parts.hostname or "").lower() in _LOOPBACK and parts.port == settings.bolt_port
    except ValueError:  # a port that is not a number: not ours
        return False


def connection_info(settings: Settings) -> ConnectionInfo:
    uri = settings.neo4j_uri
    local = uri is None
    if local:
        uri = f"bolt://127.0.0.1:{settings.bolt_port}"
    password = settings.neo4j_password
    if password is None and (local or is_local_server(uri, settings)):
        # The generated password belongs to the local server; another server never sees it.
        password = ServerPaths(settings.home).stored_password()
    return ConnectionInfo(uri, settings.neo4j_user, password, settings.neo4j_database, local)


class Graph:
    """A driver bound to one database, with the few ways nnstruct talks to it."""

    def __init__(self, driver: neo4j.Driver, info: ConnectionInfo):
        self.driver = driver
        self.info = info

    @property
    def database(self) -> str:
        return self.info.database

    def read(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read query and return its rows as dicts."""
        with self.translate_errors():
            records, _, _ = self.driver.execute_query(
                cypher, params or {}, database_=self.database, routing_=neo4j.RoutingControl.READ
            )
        return [record.data() for record in records]

    def write(self, cypher: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one auto-committed write query and return its rows."""
        with self.translate_errors():
            records, _, _ = self.driver.execute_query(cypher, params or {}, database_=self.database)
        return [record.data() for record in records]

    def write_transaction(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run ``work`` in one write transaction (retried on transient errors): all of it lands or none."""
        with self.translate_errors(), self.driver.session(database=self.database) as session:
            return session.execute_write(work)

    def read_transaction(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        with self.translate_errors(), self.driver.session(database=self.database) as session:
            return session.execute_read(work)

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        try:
            yield
        except (ServiceUnavailable, SessionExpired) as exc:
            raise ConnectionFailed(_unreachable(self.info, exc)) from exc
        except AuthError as exc:
            raise ConnectionFailed(_refused(self.info)) from exc

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unreachable(info: ConnectionInfo, exc: Exception) -> str:
    hint = (
        "start the local server with `nnstruct neo4j start`"
        if info.local
        else "check --uri / NEO4J_URI and that the server runs"
    )
    return f"cannot reach Neo4j at {info.uri} ({_reason(exc)}); {hint}"


def _reason(exc: Exception) -> str:
    """The telling part of a driver error: its last line, and of that the socket error when it names one."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    socket_error = re.search(r"\(reason (.+)\)$", lines[-1])
    return socket_error.group(1) if socket_error else lines[-1].rstrip(":")


def _refused(info: ConnectionInfo) -> str:
    if info.password is None and not info.local:
        return (f"no password for Neo4j at {info.uri} (the local server's stored one is only offered to the local "
                "server); set --password or NEO4J_PASSWORD")
    where = "the local server's stored password" if info.local and not info.password else "the password given"
    return (
        f"Neo4j at {info.uri} refused user '{info.user}' with {where}; "
        "set --password or NEO4J_PASSWORD to the right one"
    )


BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def _check_scheme(uri: str) -> None:
    """nnstruct speaks Bolt; the driver's http(s) mode is a preview that needs extra packages."""
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in BOLT_SCHEMES:
        raise ConnectionFailed(
            f"invalid Neo4j address {uri!r}: use a Bolt address such as bolt://127.0.0.1:7687 "
            f"(schemes {', '.join(BOLT_SCHEMES)})"
        )


def connect(settings: Settings, timeout: float = 10.0) -> Graph:
    """Open and verify a connection; raises :class:`ConnectionFailed` with a one-line reason."""
    info = connection_info(settings)
    _check_scheme(info.uri)
    auth = (info.user, info.password) if info.password is not None else None
    try:
        driver = neo4j.GraphDatabase.driver(
            info.uri, auth=auth, connection_timeout=timeout, max_transaction_retry_time=15.0,
            notifications_min_severity="OFF",
        )
    except (ValueError, ConfigurationError) as exc:  # malformed address
        raise ConnectionFailed(f"invalid Neo4j address {info.uri!r}: {exc}") from exc
    graph = Graph(driver, info)
    try:
        with graph.translate_errors():
            driver.verify_connectivity()
            if auth is None:
                raise AuthError("no password")
            # verify_connectivity does not touch the database; a wrong name should fail here, not mid-run.
            driver.execute_query("RETURN 1", database_=info.database)
    except ConnectionFailed:
        driver.close()
        raise
    except AuthError as exc:
        driver.close()
        raise ConnectionFailed(_refused(info)) from exc
    except ClientError as exc:
        driver.close()
        if "database" in (exc.code or "").lower() or "DatabaseNotFound" in (exc.code or ""):
            raise ConnectionFailed(f"Neo4j at {info.uri} has no database '{info.database}'") from exc
        raise ConnectionFailed(f"Neo4j at {info.uri}: {exc.message}") from exc
    except (Neo4jError, OSError) as exc:
        driver.close()
        raise ConnectionFailed(_unreachable(info, exc)) from exc
    except ValueError as exc:  # an address the resolver cannot read, e.g. a port that is not a number
        driver.close()
        raise ConnectionFailed(f"invalid Neo4j address {info.uri!r}: {_reason(exc)}") from exc
    return graph
