"""Start, stop and inspect the local Neo4j server: the Python API behind ``nnstruct neo4j ...``.

``ensure_running(settings)`` is what pipeline commands call; ``start``/``stop``/``status`` are the commands'.
Every failure is a :class:`~nnstruct.errors.ServerError` with a one-line message (exit code 2 in the CLI).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psutil

from nnstruct.errors import ConnectionFailed, ServerError
from nnstruct.graph.server import assemble, password, ports, process, server_config
from nnstruct.graph.server.java_runtime import find_java
from nnstruct.graph.server.paths import NEO4J_VERSION, ServerPaths
from nnstruct.graph.server.readiness import Answer, wait_until_ready
from nnstruct.settings import Settings

Echo = Callable[[str], None]
LOG_LINES_ON_FAILURE = 15


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class StartResult:
    started: bool  # False: it was already running
    pid: int
    bolt_uri: str
    browser_url: str
    seconds: float = 0.0
    assembled_seconds: float | None = None  # set when the jars had to be assembled first
    password_origin: str | None = None  # set on the first start: where the password came from


@dataclass(frozen=True)
class StopResult:
    stopped: bool  # False: it was not running
    pid: int | None = None
    seconds: float = 0.0
    killed: bool = False  # it ignored SIGTERM until the timeout


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    data_dir: Path
    pid: int | None = None
    bolt_uri: str | None = None
    browser_url: str | None = None
    resident_bytes: int | None = None
    started_at: float | None = None
    graph: dict[str, Any] = field(default_factory=dict)  # graph_status(): version, counts
    error: str | None = None  # running but not answering

    def as_dict(self) -> dict[str, Any]:
        return {
            "running": self.running, "pid": self.pid, "bolt_uri": self.bolt_uri, "browser_url": self.browser_url,
            "data_dir": str(self.data_dir), "resident_bytes": self.resident_bytes, "started_at": self.started_at,
            **self.graph, "error": self.error,
        }


def server_paths(settings: Settings) -> ServerPaths:
    # Absolute: the home is in the server's command line, which is how a later command recognises it.
    return ServerPaths(Path(settings.home).absolute())


def start(settings: Settings, timeout: float = 120.0, echo: Echo = _quiet) -> StartResult:
    """Start the local server unless it runs already; returns once Bolt answers with our credentials."""
    paths = server_paths(settings)
    with process.home_lock(paths):
        running = process.find_server(paths)
        if running is not None:
            address = server_config.address_from_config(paths) or server_config.address_from_settings(settings)
            return StartResult(False, running.pid, address.bolt_uri, address.browser_url)
        return _start_locked(paths, settings, timeout, echo)


def _start_locked(paths: ServerPaths, settings: Settings, timeout: float, echo: Echo) -> StartResult:
    java = find_java()
    address = server_config.address_from_settings(settings)
    ports.check_ports_free({"Bolt": address.bolt_port, "HTTP": address.http_port})
    assembled = None
    if not assemble.jars_ready(paths):
        assembled = assemble.assemble_jars(paths, echo)
    server_config.write_config(paths, settings)
    password_origin = None
    if not password.is_initialised(paths):
        initial = password.choose_initial_password(paths, settings)
        password.set_initial_password(java.executable, paths, initial.value)
        password_origin = initial.origin
    else:
        password.check_password_known(paths, settings)

    began = time.monotonic()
    command = server_config.server_command(java.executable, paths, settings)
    env = server_config.java_environment(paths, dict(os.environ))
    server = process.launch(command, paths, env)
    echo(f"starting Neo4j {NEO4J_VERSION} (pid {server.pid}, Java {java.version}); log: {paths.console_log}")
    answer = wait_until_ready(server, address.bolt_uri, settings.neo4j_user,
                              password.local_password(paths, settings), address.http_url, timeout)
    if answer is Answer.READY:
        return StartResult(True, server.pid, address.bolt_uri, address.browser_url, time.monotonic() - began,
                           assembled, password_origin)
    if answer is Answer.REFUSED:
        raise ServerError(
            f"Neo4j runs at {address.bolt_uri} (pid {server.pid}) but refused user '{settings.neo4j_user}' with "
            f"{_password_source(paths, settings)}; the data folder {paths.data_dir} keeps the password it was "
            "first started with"
        )
    if answer is Answer.TIMEOUT:
        process.terminate(server, timeout=30)
        paths.pid_file.unlink(missing_ok=True)
        raise ServerError(
            f"Neo4j did not answer at {address.bolt_uri} and {address.http_url} within {timeout:g} s and was "
            f"stopped; {_log_excerpt(paths)}"
        )
    paths.pid_file.unlink(missing_ok=True)
    raise ServerError(f"Neo4j exited during start-up; {_log_excerpt(paths)}")


def _password_source(paths: ServerPaths, settings: Settings) -> str:
    if settings.neo4j_uri is None and settings.neo4j_password:
        return "NEO4J_PASSWORD"
    return f"the password stored in {paths.password_file}"


def _log_excerpt(paths: ServerPaths) -> str:
    lines = process.tail(paths.console_log, LOG_LINES_ON_FAILURE)
    shown = "\n  ".join(lines) if lines else "(it is empty)"
    return f"last lines of {paths.console_log}:\n  {shown}"


def stop(settings: Settings, timeout: float = 60.0) -> StopResult:
    """Stop the local server (SIGTERM, then SIGKILL after ``timeout`` s); harmless when it is not running."""
    paths = server_paths(settings)
    with process.home_lock(paths):
        server = process.find_server(paths)
        if server is None:
            return StopResult(False)
        began = time.monotonic()
        killed = process.terminate(server, timeout)
        if process.is_alive(server):
            raise ServerError(f"Neo4j (pid {server.pid}) is still running after SIGKILL")
        paths.pid_file.unlink(missing_ok=True)
        return StopResult(True, server.pid, time.monotonic() - began, killed)


def empty_if_stopped(settings: Settings) -> bool:
    """Delete the graph of the local server while it is stopped, so its next start begins on an empty graph (the
    password stays): for a home that holds only throw-away data, such as the test server's, far quicker than
    deleting a large graph node by node. False, touching nothing, when the server runs."""
    paths = server_paths(settings)
    with process.home_lock(paths):
        if process.find_server(paths) is not None:
            return False
        for folder in paths.graph_dirs:
            shutil.rmtree(folder, ignore_errors=True)
        return True


def _local_connection_settings(paths: ServerPaths, settings: Settings,
                               address: server_config.ServerAddress) -> Settings:
    """Settings that reach the local server even when NEO4J_URI names another one."""
    if settings.neo4j_uri is None:
        return settings
    return settings.with_flags(neo4j_uri=address.bolt_uri, neo4j_password=paths.stored_password())


def status(settings: Settings) -> ServerStatus:
    """Whether the local server runs and, if it answers, its version and counts (``graph_status``)."""
    from nnstruct.graph.connection import connect
    from nnstruct.graph.schema import graph_status

    paths = server_paths(settings)
    server = process.find_server(paths)
    if server is None:
        return ServerStatus(False, paths.data_dir)
    address = server_config.address_from_config(paths) or server_config.address_from_settings(settings)
    base = ServerStatus(True, paths.data_dir, server.pid, address.bolt_uri, address.browser_url,
                        process.resident_bytes(server), _create_time(server))
    try:
        with connect(_local_connection_settings(paths, settings, address), timeout=5.0) as graph:
            info = graph_status(graph)
    except ConnectionFailed as exc:
        return replace(base, error=str(exc))
    return replace(base, graph=info)


def _create_time(server: psutil.Process) -> float | None:
    try:
        return server.create_time()
    except psutil.Error:  # it may have just exited
        return None


def ensure_running(settings: Settings, timeout: float = 120.0, echo: Echo = _quiet) -> bool:
    """Make sure the server nnstruct connects to is up: True if the local server had to be started.

    Does nothing (returns False) when NEO4J_URI/--uri names a server: that one is not ours to start.
    """
    if settings.neo4j_uri is not None:
        return False
    return start(settings, timeout, echo).started
