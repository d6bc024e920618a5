"""``nnstruct config``: the settings in force and where each came from, or the Markdown table of all settings."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import click
from rich.table import Table

from nnstruct.cli import output
from nnstruct.settings import SETTINGS, Setting


def _code(value: Any) -> str:
    if value is None or value == () or value == "":
        return "—"
    if isinstance(value, bool):
        value = str(value).lower()  # as nnstruct.toml spells it
    elif isinstance(value, tuple):
        value = ",".join(map(str, value))
    return "`" + str(value).replace("|", "\\|") + "`"


def _text(value: str) -> str:
    # Help text is prose: `<bolt_port>` must not be taken for an HTML tag, `|` must not end the cell.
    return html.escape(value, quote=False).replace("|", "\\|")


def settings_markdown(settings: Sequence[Setting] = SETTINGS) -> str:
    """The Markdown table of every setting (name, environment variables, default, meaning), from the declarations."""
    lines = ["| setting | environment | default | meaning |", "|---|---|---|---|"]
    for setting in settings:
        variables = ", ".join(f"`{name}`" for name in setting.env)
        lines.append(f"| `{setting.name}` | {variables} | {_code(setting.default)} | {_text(setting.help)} |")
    return "\n".join(lines) + "\n"


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True,
              help="Print the Markdown table of every setting (its defaults, not the values in force), "
                   "as docs/configuration.md embeds it.")
@click.pass_context
def config(ctx: click.Context, as_json: bool, as_markdown: bool) -> None:
    """Print every setting, its value and its origin (flag, environment, nnstruct.toml, default).

    \b
    Example:
      NNSTRUCT_LIMIT=20 nnstruct config
    """
    if as_markdown:
        click.echo(settings_markdown(), nl=False)
        return
    settings = ctx.find_root().obj
    rows = settings.table()
    if as_json:
        payload = {name: {"value": str(v) if v is not None else None, "origin": o} for name, v, o, _ in rows}
        click.echo(json.dumps(payload, indent=2))
        return
    table = Table("setting", "value", "from", "meaning")
    for name, value, origin, help_text in rows:
        shown = ",".join(value) if isinstance(value, tuple) else ("" if value is None else str(value))
        table.add_row(name, shown, origin, help_text)
    output.out.print(table)


COMMANDS = [config]
