"""Check that the server's ports are free before launching, and name the process that holds one if not."""

from __future__ import annotations

import errno
import socket

import psutil

from nnstruct.errors import ServerError
from nnstruct.graph.server.server_config import ENTRY_POINT, HOST


def free_port(host: str = HOST) -> int:
    """A port nothing listens on right now, the kernel's choice (for scratch servers: benches and tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def port_is_free(port: int, host: str = HOST) -> bool:
    # SO_REUSEADDR as the JVM sets it, so a socket lingering in TIME_WAIT does not count as taken.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def port_owner(port: int) -> str | None:
    """``name (pid N: command line)`` of the process listening on ``port``, when this user may see it."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return None
    for connection in connections:
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
            if connection.pid is None:
                return None
            try:
                process = psutil.Process(connection.pid)
                return describe(process)
            except psutil.Error:
                return f"pid {connection.pid}"
    return None


def describe(process: psutil.Process) -> str:
    """A short, recognisable name: a Neo4j server by its home folder, anything else by its command line."""
    args = process.cmdline()
    if ENTRY_POINT in args:
        home = next((a.split("=", 1)[1] for a in args if a.startswith("--home-dir=")), "?")
        return f"a Neo4j server (pid {process.pid}, home {home})"
    command = " ".join(" ".join(args).split()) or process.name()
    if len(command) > 100:
        command = command[:97] + "..."
    return f"{process.name()} (pid {process.pid}: {command})"


def check_ports_free(ports: dict[str, int]) -> None:
    """Raise :class:`ServerError` naming the first taken port (``{"Bolt": 7687, ...}``) and its holder."""
    for label, port in ports.items():
        if not port_is_free(port):
            owner = port_owner(port)
            held = f"by {owner}" if owner else "by another process"
            setting = "NNSTRUCT_BOLT_PORT" if label == "Bolt" else "NNSTRUCT_HTTP_PORT"
            raise ServerError(
                f"{label} port {port} on {HOST} is already in use {held}; stop it or choose another port "
                f"with {setting}"
            )
