"""``nnstruct ingest``: list models, build each on the meta device, store its module tree in Neo4j."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nnstruct import api
from nnstruct.cli import output
from nnstruct.cli.ingest_progress import RichProgress, print_summary
from nnstruct.cli.options import connection_options, ingest_flags, settings_from


@click.command("ingest")
@ingest_flags
@connection_options
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], force: bool, **flags: Any) -> int:
    """Build models from their configs on PyTorch's meta device (no weights, no forward pass) and store each
    module hierarchy in Neo4j: Model -> Architecture -> Module tree, per Task.

    One model is one transaction, so a run can be stopped and started again: models already stored with
    status ok are skipped (unless --force), failed and skipped ones are retried. Models sharing a structural
    config are built once; identical module trees are stored once (content-addressed Architecture).

    Exit code: 0 all built (or skipped), 1 some models failed, 2 nothing could be done or bad input.

    \b
    Example:
      nnstruct ingest --source transformers --tasks text-classification,fill-mask
      nnstruct ingest --source hub --tasks image-classification --limit 20 --workers 2
      nnstruct ingest ~/.cache/huggingface/hub --tasks text-generation
    """
    settings = settings_from(ctx, **flags)
    api.ingest_options(settings, paths, force)  # bad input fails before connecting
    with RichProgress(output.err) as progress:
        result = api.ingest(settings, paths, force, progress)
    print_summary(result, output.err)
    return result.exit_code


COMMANDS: list[click.Command] = [ingest]
