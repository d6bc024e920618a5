"""Option decorators shared by commands, so each command is a few lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from nnstruct.settings import Settings


def connection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--uri/--user/--password/--database, layered over NEO4J_* and the local server's settings."""
    decorators = [
        click.option("--uri", "neo4j_uri", default=None, help="Bolt address [env NEO4J_URI; default: local server]."),
        click.option("--user", "neo4j_user", default=None, help="Neo4j user [env NEO4J_USER; default: neo4j]."),
        click.option("--password", "neo4j_password", default=None,
                     help="Neo4j password [env NEO4J_PASSWORD; default: the local server's]."),
        click.option("--database", "neo4j_database", default=None,
                     help="Database name [env NEO4J_DATABASE; default: neo4j]."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def settings_from(ctx: click.Context, **flags: Any) -> Settings:
    """The invocation's settings with this command's flags on top."""
    base: Settings = ctx.find_root().obj
    return base.with_flags(**flags)


CONNECTION_FLAGS = ("neo4j_uri", "neo4j_user", "neo4j_password", "neo4j_database")


def pop_connection_flags(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {name: kwargs.pop(name, None) for name in CONNECTION_FLAGS}
