"""``nnstruct db init|status|reset``: the graph schema and the project's data."""

from __future__ import annotations

from typing import Any

import click

from nnstruct.cli import output
from nnstruct.cli.options import connection_options, settings_from
from nnstruct.graph.connection import connect
from nnstruct.graph.schema import graph_status, init_schema, reset
from nnstruct.graph.server.paths import ServerPaths


@click.group("db")
def db() -> None:
    """The graph schema and the project's data in Neo4j.

    \b
    Example:
      nnstruct db init && nnstruct db status
    """


@db.command("init")
@connection_options
@click.pass_context
def init(ctx: click.Context, **flags: Any) -> None:
    """Create the constraints and indexes (idempotent; every writing command runs it too).

    \b
    Example:
      nnstruct db init --uri bolt://localhost:7687
    """
    with connect(settings_from(ctx, **flags)) as graph:
        count = init_schema(graph)
    output.err.print(f"schema ready: {count} constraints and indexes on {graph.info.uri}")


@db.command("status")
@connection_options
@click.pass_context
def status(ctx: click.Context, **flags: Any) -> None:
    """Print the server version, its address, the data folder and counts of nodes and relationships.

    \b
    Example:
      nnstruct db status
    """
    settings = settings_from(ctx, **flags)
    with connect(settings) as graph:
        info = graph_status(graph)
    data_dir = ServerPaths(settings.home).data_dir if graph.info.local else "(remote server)"
    lines = [
        ("server", f"{info.get('name')} {info.get('version')} {info.get('edition')}"),
        ("address", f"{graph.info.uri} (database {graph.info.database})"),
        ("data folder", str(data_dir)),
        ("nodes", f"{info.get('nodes', 0):,}"),
        ("relationships", f"{info.get('relationships', 0):,}"),
        ("models", f"{info.get('models', 0):,}"),
        ("architectures", f"{info.get('architectures', 0):,}"),
        ("modules", f"{info.get('modules', 0):,}"),
    ]
    for key, value in lines:
        output.out.print(f"{key:<14} {value}", highlight=False)


@db.command("reset")
@connection_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.pass_context
def reset_command(ctx: click.Context, yes: bool, **flags: Any) -> None:
    """Delete every model, architecture, module and dedup label nnstruct stored.

    \b
    Example:
      nnstruct db reset --yes
    """
    settings = settings_from(ctx, **flags)
    with connect(settings) as graph:
        if not yes:
            click.confirm(f"Delete all nnstruct data in {graph.info.uri} (database {graph.database})?", abort=True)
        reset(graph)
    output.err.print("deleted all nnstruct data")


COMMANDS = [db]
