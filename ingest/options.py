"""The options of one ingest run, resolved and checked from the settings (flags > env > nnstruct.toml > defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nnstruct.choices import Source
from nnstruct.errors import NnstructError

if TYPE_CHECKING:
    from nnstruct.settings import Settings


@dataclass(frozen=True)
class IngestOptions:
    source: Source = Source.HUB
    tasks: tuple[str, ...] = ()  # pipeline tags; empty = every task transformers can build
    limit: int = 50  # hub: models listed per task, most downloaded first
    min_models: int = 5  # hub: skip a task listing fewer models than this
    workers: int = 2
    trust_remote_code: bool = False
    build_timeout: float | None = 300.0  # seconds one build may take (None: no limit)
    force: bool = False  # rebuild models already in the graph
    cost: bool = False  # compute each new tree's cost (nnstruct.cost) in the build worker (--cost)
    paths: tuple[Path, ...] = field(default_factory=tuple)  # local: folders holding config.json
    write_batch: int = 2000  # models without a new tree written per transaction
    shard: tuple[int, int] | None = None  # (I, N): only the candidates whose id hashes to shard I of N
    catalogue_limit: int | None = None  # transformers: model types per task (None = all; set by an explicit --limit)

    @classmethod
    def from_settings(cls, settings: Settings, paths: tuple[Path, ...] = (), force: bool = False) -> IngestOptions:
        """The run's options; raises :class:`NnstructError` (exit 2) on bad input, before anything runs."""
        from nnstruct.ingest.tasks import validate_tasks

        source = settings.source
        if paths and settings.resolve("source").origin == "default":
            source = Source.LOCAL  # `nnstruct ingest ./my-model` means the local source
        if source == Source.LOCAL and not paths:
            raise NnstructError("--source local needs at least one PATH (a model folder, or a folder of them)")
        if paths and source != Source.LOCAL:
            raise NnstructError(f"PATH arguments go with --source local, not --source {source}")
        tasks = validate_tasks(settings.tasks)  # unknown task: NnstructError naming close matches
        limit_given = settings.resolve("limit").origin != "default"
        return cls(
            source=source, tasks=tasks, limit=settings.limit, min_models=settings.min_models,
            workers=settings.workers, trust_remote_code=settings.trust_remote_code,
            build_timeout=settings.build_timeout or None, force=force, paths=tuple(paths),
            catalogue_limit=settings.limit if limit_given else None, cost=settings.cost,
            write_batch=settings.write_batch, shard=settings.shard,
        )
