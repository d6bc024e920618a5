"""docs/configuration.md holds the settings table exactly as ``nnstruct config --markdown`` prints it.

After changing a setting or an option, regenerate the table in place:
    .venv/bin/python tests/unit/test_configuration_doc.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from nnstruct.cli.commands_registry import commands
from nnstruct.cli.config_command import setting_options, settings_markdown
from nnstruct.cli.main import cli
from nnstruct.settings import SETTINGS, Setting

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
REGENERATE = ".venv/bin/python tests/unit/test_configuration_doc.py"
# Everything between the two marker lines is the command's output, byte for byte.
SECTION = re.compile(r"(<!-- settings-table:start[^\n]*-->\n)(.*?)(<!-- settings-table:end -->)", re.DOTALL)


def command_output() -> str:
    for command in commands():
        cli.add_command(command)
    result = CliRunner().invoke(cli, ["config", "--markdown"], env={"NNSTRUCT_CONFIG": None})
    assert result.exit_code == 0, result.output
    return result.output


def embedded_table(text: str) -> str:
    found = SECTION.search(text)
    assert found, f"{DOC}: no settings-table markers"
    return found.group(2)


def with_table(text: str, table: str) -> str:
    embedded_table(text)
    return SECTION.sub(lambda m: m.group(1) + table + m.group(3), text, count=1)


def test_the_committed_table_is_the_commands_output() -> None:
    assert embedded_table(DOC.read_text()) == command_output(), f"{DOC} is out of date: run {REGENERATE}"


def test_the_table_has_a_row_per_setting_with_its_variables_and_options() -> None:
    rows = command_output().splitlines()[2:]
    assert len(rows) == len(SETTINGS)
    for setting, row in zip(SETTINGS, rows, strict=True):
        assert row.startswith(f"| `{setting.name}` | ")
        for variable in setting.env:
            assert f"`{variable}`" in row
    by_name = dict(zip([s.name for s in SETTINGS], rows, strict=True))
    assert "| `--uri` |" in by_name["neo4j_uri"] and "| — |" in by_name["home"]
    assert "`--dedup-strategy`, `--strategy`" in by_name["dedup_strategy"]
    assert "One of `hub`, `local`, `transformers`." in by_name["source"]


def test_options_are_read_off_the_commands_with_their_other_spellings() -> None:
    @click.group()
    def root() -> None: ...

    @root.command()
    @click.option("--limit", "limit", type=int)
    @click.option("--go/--no-go", "trust_remote_code")
    @click.option("--not-a-setting")
    def sub(**_: object) -> None: ...

    assert setting_options(root) == {"limit": ["--limit"], "trust_remote_code": ["--go", "--no-go"]}


def test_cells_stay_cells_and_text_stays_text() -> None:
    tricky = Setting("odd", ("A", "B"), "x|y", str, "Either a|b; unset means <port>.")
    row = settings_markdown({"odd": ["--odd"]}, [tricky]).splitlines()[2]
    assert row == "| `odd` | `--odd` | `A`, `B` | `x\\|y` | Either a\\|b; unset means &lt;port&gt;. |"
    assert "| `F` | `no` | On. |" in settings_markdown({}, [Setting("flag", ("F",), False, bool, "On.")])
    assert "| — | `U` | unset | Nothing. |" in settings_markdown({}, [Setting("unset", ("U",), None, str, "Nothing.")])


def test_regenerating_replaces_only_the_table() -> None:
    text = "intro\n<!-- settings-table:start: x -->\nold\n<!-- settings-table:end -->\noutro\n"
    assert with_table(text, "new\n") == text.replace("\nold\n", "\nnew\n")


if __name__ == "__main__":
    DOC.write_text(with_table(DOC.read_text(), command_output()))
    print(f"wrote the settings table of {DOC}", file=sys.stderr)
