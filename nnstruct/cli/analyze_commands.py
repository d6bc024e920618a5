"""Placeholder: filled in by the issue that owns this command group."""

import click

COMMANDS: list[click.Command] = []
