"""Option decorators built from the settings table, so each command is a few lines and no option restates an
environment variable or a default by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nnstruct.settings import SETTING, Settings, bool_setting

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

CONNECTION = ("neo4j_uri", "neo4j_user", "neo4j_password", "neo4j_database")
INGEST = ("source", "tasks", "limit", "min_models", "workers", "trust_remote_code", "build_timeout", "write_batch",
          "shard", "cost")
DEDUP = ("dedup_strategy", "similarity_threshold", "dedup_label")


def setting_option(name: str, note: str = "") -> Decorator:
    """``--option`` for setting ``name``: its help, choices, environment variables and default, from the table.
    The value lands in the command's keyword ``name`` (None when the flag is not given)."""
    setting = SETTING[name]
    env = " or ".join(setting.env)
    help_text = f"{setting.help}{' ' + note if note else ''} [env {env}; default: {setting.shown_default}]"
    kwargs: dict[str, Any] = {"default": None, "help": help_text}
    decls = [setting.option, *setting.aliases]
    if bool_setting(setting):
        decls = [f"{setting.option}/--no-{setting.option[2:]}"]
    elif setting.choices:
        # checked by the settings table, so a flag and its environment variable get the same message
        kwargs["metavar"] = "|".join(setting.choices)
    else:
        kwargs["metavar"] = setting.metavar
    return click.option(*decls, name, **kwargs)


def _stack(command: Callable[..., Any], decorators: list[Decorator]) -> Callable[..., Any]:
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def connection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--uri/--user/--password/--database, layered over NEO4J_* and the local server's settings."""
    return _stack(command, [setting_option(name) for name in CONNECTION])


def ingest_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """PATH... and the ingest options (shared by `ingest` and `run`)."""
    return _stack(command, [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        *(setting_option(name) for name in INGEST),
        click.option("--force", is_flag=True,
                     help="Rebuild models already in the graph, relink them, and delete trees no model uses "
                          "any more."),
    ])


def dedup_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """The dedup options (shared by `dedup` and `run`)."""
    return _stack(command, [setting_option(name) for name in DEDUP])


def settings_from(ctx: click.Context, **flags: Any) -> Settings:
    """The invocation's settings with this command's flags on top (flags not given are None and ignored)."""
    base: Settings = ctx.find_root().obj
    return base.with_flags(**{name: value for name, value in flags.items() if name in SETTING})
