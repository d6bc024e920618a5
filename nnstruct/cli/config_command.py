"""``nnstruct config``: the settings in force and where each came from, or the Markdown table of all settings."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

import click
from rich.table import Table

from nnstruct.cli import output
from nnstruct.settings import SETTING, SETTINGS, Setting


def setting_options(root: click.Command) -> dict[str, list[str]]:
    """Each setting's command-line spellings, read off the commands under ``root`` (none: no command takes it)."""
    found: dict[str, list[str]] = {}

    def visit(command: click.Command) -> None:
        for param in command.params:
            if isinstance(param, click.Option) and param.name in SETTING:
                spellings = found.setdefault(param.name, [])
                spellings += [o for o in [*param.opts, *param.secondary_opts] if o not in spellings]
        for sub in getattr(command, "commands", {}).values():
            visit(sub)

    visit(root)
    return found


def _code(values: Sequence[str]) -> str:
    return ", ".join("`" + value.replace("|", "\\|") + "`" for value in values) or "—"


def _text(value: str) -> str:
    # Help text is prose: `<bolt_port>` must not be taken for an HTML tag, `|` must not end the cell.
    return html.escape(value, quote=False).replace("|", "\\|")


def settings_markdown(options: dict[str, list[str]], settings: Sequence[Setting] = SETTINGS) -> str:
    """The Markdown table of every setting (option, environment variables, default, meaning), from the declarations
    and the commands' options (``setting_options``)."""
    lines = ["| setting | option | environment | default | meaning |", "|---|---|---|---|---|"]
    for s in settings:
        default = "unset" if s.default is None or s.default == () else _code([s.shown_default])
        meaning = _text(s.help) + (f" One of {_code(s.choices)}." if s.choices else "")
        lines.append(f"| `{s.name}` | {_code(options.get(s.name, []))} | {_code(s.env)} | {default} | {meaning} |")
    return "\n".join(lines) + "\n"


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True,
              help="Print the Markdown table of every setting (its option, variables and default, not the values "
                   "in force), as docs/configuration.md embeds it.")
@click.pass_context
def config(ctx: click.Context, as_json: bool, as_markdown: bool) -> None:
    """Print every setting, its value and its origin (flag, environment, nnstruct.toml, default).

    \b
    Example:
      NNSTRUCT_LIMIT=20 nnstruct config
    """
    if as_markdown:
        click.echo(settings_markdown(setting_options(ctx.find_root().command)), nl=False)
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
