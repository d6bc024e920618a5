"""The options of one ingest run, resolved from flags, environment and defaults by the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class IngestOptions:
    source: str = "hub"  # "hub" | "local" | "transformers"
    tasks: tuple[str, ...] = ()  # pipeline tags; empty = every task transformers can build
    limit: int = 50  # hub: models listed per task, most downloaded first
    min_models: int = 5  # hub: skip a task listing fewer models than this
    workers: int = 2
    trust_remote_code: bool = False
    build_timeout: float | None = 300.0  # seconds one build may take (None: no limit)
    force: bool = False  # rebuild models already in the graph
    paths: tuple[Path, ...] = field(default_factory=tuple)  # local: folders holding config.json
    catalogue_limit: int | None = None  # transformers: model types per task (None = all; set by an explicit --limit)
