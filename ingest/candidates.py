"""What a source hands to the builder: one model to ingest for one task."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nnstruct.choices import Source, Status


@dataclass
class Candidate:
    """One model to ingest for one task.

    ``config`` is the parsed ``config.json`` (or a transformers default config as a dict); ``None`` together with
    ``reason`` means the source could not get it, and the model is recorded with ``status`` ``failed`` or
    ``skipped`` and that reason instead of being built.
    """

    id: str
    task: str
    source: Source
    config: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # hub metadata: downloads, likes, gated, ...
    status: Status | None = None  # pre-decided skipped/failed when the source already knows
    reason: str | None = None
