"""``nnstruct config``: the settings in force and where each came from."""

from __future__ import annotations

import json

import click
from rich.table import Table

from nnstruct.cli import output


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@click.pass_context
def config(ctx: click.Context, as_json: bool) -> None:
    """Print every setting, its value and its origin (flag, environment, nnstruct.toml, default).

    \b
    Example:
      NNSTRUCT_LIMIT=20 nnstruct config
    """
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
