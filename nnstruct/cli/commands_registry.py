"""The commands of ``nnstruct``, one module per group, in the order ``--help`` lists them."""

from __future__ import annotations

import click


def commands() -> list[click.Command]:
    from nnstruct.cli import (
        analyze_commands,
        components_commands,
        config_command,
        cost_command,
        db_commands,
        dedup_commands,
        ingest_commands,
        inspect_commands,
        neo4j_commands,
        query_commands,
        run_command,
    )

    return [
        *run_command.COMMANDS,
        *ingest_commands.COMMANDS,
        *components_commands.COMMANDS,
        *dedup_commands.COMMANDS,
        *analyze_commands.COMMANDS,
        *query_commands.COMMANDS,
        *inspect_commands.COMMANDS,
        *cost_command.COMMANDS,
        *neo4j_commands.COMMANDS,
        *db_commands.COMMANDS,
        *config_command.COMMANDS,
    ]
