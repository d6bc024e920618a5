"""Option decorators shared by commands, so each command is a few lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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


def _stack(command: Callable[..., Any], decorators: list[Callable[..., Any]]) -> Callable[..., Any]:
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def ingest_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """PATH... and the ingest options, named after their settings (shared by `ingest` and `run`)."""
    return _stack(command, [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--source", default=None, metavar="hub|local|transformers",
                     help="Where models come from: the Hugging Face hub, local folders (PATH...), or every "
                          "architecture the installed transformers implements [env NNSTRUCT_SOURCE; default: hub; "
                          "local when PATHs are given]."),
        click.option("--tasks", default=None, metavar="A,B",
                     help="Comma-separated pipeline tags [env NNSTRUCT_TASKS; default: every task transformers "
                          "builds]."),
        click.option("--limit", type=int, default=None, metavar="N",
                     help="hub: models per task, most downloaded first [env NNSTRUCT_LIMIT; default: 50]; "
                          "transformers: model types per task (default: all)."),
        click.option("--min-models", type=int, default=None, metavar="N",
                     help="hub: skip a task listing fewer models than N [env NNSTRUCT_MIN_MODELS or "
                          "MODEL_EXTRACT_MIN_MODELS; default: 5]."),
        click.option("--workers", type=int, default=None, metavar="N",
                     help="Processes that build models [env NNSTRUCT_WORKERS; default: 2; 0 builds in this "
                          "process]."),
        click.option("--trust-remote-code/--no-trust-remote-code", default=None,
                     help="Build models whose code lives on the hub/in the folder (runs that code) "
                          "[env NNSTRUCT_TRUST_REMOTE_CODE; default: no: such models are recorded as skipped]."),
        click.option("--build-timeout", type=float, default=None, metavar="SECONDS",
                     help="Record a model as failed when its build takes longer than this, and go on "
                          "[env NNSTRUCT_BUILD_TIMEOUT; default: 300; 0: no limit]."),
        click.option("--force", is_flag=True,
                     help="Rebuild models already in the graph, relink them, and delete trees no model uses "
                          "any more."),
    ])


def dedup_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """The dedup options, named after their settings (shared by `dedup` and `run`)."""
    return _stack(command, [
        click.option("--dedup-strategy", "--strategy", "dedup_strategy", default=None,
                     metavar="name|architecture|both",
                     help="name: families by base name; architecture: clusters of near-identical module trees; "
                          "both [env NNSTRUCT_DEDUP_STRATEGY; default: name]."),
        click.option("--similarity-threshold", type=float, default=None, metavar="T",
                     help="Cosine of WL subtree features, in (0, 1], from which two trees are near duplicates "
                          "[env NNSTRUCT_SIMILARITY_THRESHOLD; default: 0.85]."),
        click.option("--label", default="class", show_default=True, metavar="class|class+shape",
                     help="What WL labels each module with: its class name, or its class and shape attributes."),
    ])
