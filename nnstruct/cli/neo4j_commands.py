"""``nnstruct neo4j start|stop|status|logs``: the local Neo4j server (no Docker needed)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from nnstruct.cli import output
from nnstruct.graph.server.paths import NEO4J_VERSION, ServerPaths
from nnstruct.settings import Settings

LOG_FILES = ("console", "neo4j", "debug", "query", "security", "http")


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj


def _say(message: str) -> None:
    output.err.print(message, highlight=False)


@click.group("neo4j")
def neo4j() -> None:
    """The local Neo4j server: assembled from Maven Central on first start, kept under NNSTRUCT_HOME.

    \b
    Settings: NNSTRUCT_HOME (default ~/.nnstruct), NNSTRUCT_BOLT_PORT (7687), NNSTRUCT_HTTP_PORT (7474),
    NNSTRUCT_NEO4J_HEAP (1g), NNSTRUCT_NEO4J_PAGECACHE (512m), NEO4J_PASSWORD (else generated and stored).
    Needs Java 17+ (JAVA_HOME or PATH); Maven once, for the first start (MAVEN_OPTS is passed through).

    \b
    Example:
      nnstruct neo4j start && nnstruct neo4j status
      nnstruct neo4j logs --follow
      nnstruct neo4j stop
    """


@neo4j.command("start")
@click.option("--timeout", default=120.0, show_default=True, type=float,
              help="Seconds to wait for Bolt to answer before giving up (the server is then stopped).")
@click.pass_context
def start(ctx: click.Context, timeout: float) -> None:
    """Start the local server in the background and wait until it answers (harmless if it runs already).

    The first start assembles Neo4j's jars with Maven (~140 MB, reusing ~/.m2) and sets the password:
    NEO4J_PASSWORD if set, else a generated one stored owner-only in NNSTRUCT_HOME/neo4j/data/nnstruct-password.

    \b
    Example:
      nnstruct neo4j start
      NNSTRUCT_BOLT_PORT=7701 NNSTRUCT_HTTP_PORT=7702 nnstruct neo4j start --timeout 300
    """
    from nnstruct.graph.server.launcher import start as start_server

    settings = _settings(ctx)
    result = start_server(settings, timeout=timeout, echo=_say)
    if not result.started:
        _say(f"Neo4j is already running (pid {result.pid}) at {result.bolt_uri}; Browser: {result.browser_url}")
        return
    if result.assembled_seconds is not None:
        _say(f"assembled the jars in {result.assembled_seconds:.1f} s")
    if result.password_origin is not None:
        _say(f"user neo4j, password from {result.password_origin}")
    _say(f"Neo4j {NEO4J_VERSION} ready in {result.seconds:.1f} s (pid {result.pid}): {result.bolt_uri}; "
         f"Browser: {result.browser_url}")


@neo4j.command("stop")
@click.option("--timeout", default=60.0, show_default=True, type=float,
              help="Seconds to wait for a clean shutdown before killing the process.")
@click.pass_context
def stop(ctx: click.Context, timeout: float) -> None:
    """Stop the local server cleanly (SIGTERM, then SIGKILL after --timeout); harmless if it is not running.

    \b
    Example:
      nnstruct neo4j stop
    """
    from nnstruct.graph.server.launcher import stop as stop_server

    result = stop_server(_settings(ctx), timeout=timeout)
    if not result.stopped:
        _say("Neo4j is not running")
    elif result.killed:
        _say(f"Neo4j (pid {result.pid}) ignored SIGTERM for {timeout:g} s and was killed")
    else:
        _say(f"stopped Neo4j (pid {result.pid}) in {result.seconds:.1f} s")


@neo4j.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Print whether the local server runs: pid, version, Bolt address, Browser URL, data folder, counts.

    \b
    Example:
      nnstruct neo4j status
    """
    from nnstruct.graph.server.launcher import status as server_status

    state = server_status(_settings(ctx))
    if as_json:
        click.echo(json.dumps(state.as_dict(), indent=2, default=str))
        return
    if not state.running:
        lines = [("state", "not running (start it with `nnstruct neo4j start`)"), ("data folder", state.data_dir)]
    else:
        memory = f", {state.resident_bytes / 2**20:,.0f} MiB resident" if state.resident_bytes else ""
        since = time.strftime(", up since %Y-%m-%d %H:%M:%S", time.localtime(state.started_at)) \
            if state.started_at else ""
        lines = [("state", f"running (pid {state.pid}{since}{memory})")]
        if state.error:
            lines.append(("error", state.error))
        else:
            info = state.graph
            lines.append(("server", f"{info.get('name')} {info.get('version')} {info.get('edition')}"))
        lines += [("bolt", state.bolt_uri), ("browser", state.browser_url), ("data folder", state.data_dir)]
        if not state.error:
            lines += [("nodes", f"{state.graph.get('nodes', 0):,}"),
                      ("relationships", f"{state.graph.get('relationships', 0):,}")]
    for key, value in lines:
        output.out.print(f"{key:<14} {value}", highlight=False)


@neo4j.command("logs")
@click.option("-n", "--lines", "count", default=50, show_default=True, type=click.IntRange(min=0),
              help="How many of the last lines to print.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines as they are written (Ctrl-C ends).")
@click.option("--file", "which", type=click.Choice(LOG_FILES), default="console", show_default=True,
              help="Which log: console (all the server printed since its last start) or one of Neo4j's own.")
@click.pass_context
def logs(ctx: click.Context, count: int, follow: bool, which: str) -> None:
    """Print the last lines of the local server's log.

    \b
    Example:
      nnstruct neo4j logs -n 100
      nnstruct neo4j logs --follow
    """
    from nnstruct.graph.server.process import tail

    paths = ServerPaths(_settings(ctx).home)
    path = paths.console_log if which == "console" else paths.logs_dir / f"{which}.log"
    if not path.exists() and not follow:
        _say(f"no log yet at {path} (the server has not been started in {paths.home})")
        return
    for line in tail(path, count):
        click.echo(line)
    if follow:
        _follow(path)


def _follow(path: Path) -> None:
    """Print lines appended to ``path``; starts over when a new start rotates the log."""
    position = path.stat().st_size if path.exists() else 0
    while True:
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        if size < position:
            position = 0
        if size > position:
            with path.open("rb") as handle:
                handle.seek(position)
                chunk = handle.read()
            position += len(chunk)
            click.echo(chunk.decode("utf-8", errors="replace"), nl=False)
        time.sleep(0.5)


COMMANDS = [neo4j]
