"""Every command says what it does and shows an example in its --help."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from nnstruct.cli.commands_registry import commands
from nnstruct.cli.main import cli


def all_command_paths() -> list[tuple[str, ...]]:
    paths = []
    for command in commands():
        paths.append((command.name,))
        if isinstance(command, click.Group):
            paths += [(command.name, sub) for sub in command.commands]
    return paths


@pytest.fixture(scope="module")
def registered() -> click.Group:
    for command in commands():
        cli.add_command(command)
    return cli


@pytest.mark.parametrize("path", all_command_paths(), ids=" ".join)
def test_help_describes_and_shows_an_example(registered: click.Group, path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(registered, [*path, "--help"])
    assert result.exit_code == 0, result.output
    description, _, example = result.output.partition("Example")
    assert len(description.split("Usage:", 1)[1].splitlines()) > 2  # a sentence beyond the usage line
    assert f"nnstruct {path[0]}" in example
