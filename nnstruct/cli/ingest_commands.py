"""``nnstruct ingest``: list models, build each on the meta device, store its module tree in Neo4j."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nnstruct.cli import output
from nnstruct.cli.options import connection_options, ingest_flags, settings_from
from nnstruct.errors import NnstructError
from nnstruct.settings import Settings

if TYPE_CHECKING:
    from nnstruct.ingest.options import IngestOptions
    from nnstruct.ingest.runner import IngestResult

SOURCES = ("hub", "local", "transformers")


def ingest_options(settings: Settings, paths: tuple[Path, ...] = ()) -> IngestOptions:
    """Resolve the run's options from settings (flags > env > nnstruct.toml > defaults); raises on bad input."""
    from nnstruct.ingest.options import IngestOptions
    from nnstruct.ingest.tasks import validate_tasks

    source = str(settings.source).strip().lower()
    if paths and settings.resolve("source").origin == "default":
        source = "local"  # `nnstruct ingest ./my-model` means the local source
    if source not in SOURCES:
        raise NnstructError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    if source == "local" and not paths:
        raise NnstructError("--source local needs at least one PATH (a model folder, or a folder of them)")
    if paths and source != "local":
        raise NnstructError(f"PATH arguments go with --source local, not --source {source}")
    for name in ("limit", "min_models", "workers", "build_timeout"):
        if settings.get(name) < 0:
            raise NnstructError(f"--{name.replace('_', '-')} must be 0 or more, not {settings.get(name)}")
    tasks = validate_tasks(settings.tasks)  # unknown task: NnstructError naming close matches, exit 2
    limit_given = settings.resolve("limit").origin != "default"
    return IngestOptions(
        source=source, tasks=tasks, limit=settings.limit, min_models=settings.min_models, workers=settings.workers,
        trust_remote_code=settings.trust_remote_code, build_timeout=settings.build_timeout or None,
        paths=tuple(paths), catalogue_limit=settings.limit if limit_given else None,
    )


def run_from_settings(settings: Settings, paths: tuple[Path, ...] = (), force: bool = False) -> IngestResult:
    """What ``nnstruct ingest`` does, for other commands (``nnstruct run``): progress and summary on stderr."""
    from dataclasses import replace

    from nnstruct.cli.ingest_progress import RichProgress, print_summary
    from nnstruct.graph.connection import connect
    from nnstruct.ingest.runner import run_ingest, source_candidates

    options = replace(ingest_options(settings, paths), force=force)
    with connect(settings) as graph, RichProgress(output.err) as progress:
        result = run_ingest(graph, source_candidates(options), options, progress)
    print_summary(result, output.err)
    return result


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
    ingest_options(settings, paths)  # bad input fails before connecting
    result = run_from_settings(settings, paths, force=force)
    return result.exit_code


COMMANDS: list[click.Command] = [ingest]
