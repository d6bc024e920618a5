"""The closed vocabularies of nnstruct, each declared once: click choices, settings validation, messages and the
graph's values derive from these."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class Source(StrEnum):
    """Where ingest finds models."""

    HUB = "hub"  # the Hugging Face hub's most downloaded models per task
    LOCAL = "local"  # local folders holding config.json
    TRANSFORMERS = "transformers"  # every architecture the installed transformers implements


class Status(StrEnum):
    """``Model.status``: what ingest could do with a model."""

    OK = "ok"  # built (or linked to a stored tree)
    SKIPPED = "skipped"  # cannot be built here (remote code not trusted, missing library, ...)
    FAILED = "failed"  # the build raised or timed out


class View(StrEnum):
    """Which models an analysis counts (``Model.views``)."""

    NONE = "none"  # every built model
    NAME = "name"  # one per name family and task
    ARCHITECTURE = "architecture"  # one per architecture cluster and task


class Strategy(StrEnum):
    """What dedup labels, and so which views the pipeline analyses."""

    NAME = "name"
    ARCHITECTURE = "architecture"
    BOTH = "both"

    def views(self) -> list[View]:
        return views_for(self.value)


# `--view` of analyze: a view, or "both" for the two dedup views (as `--dedup-strategy both` analyses them).
VIEW_CHOICES: tuple[str, ...] = (*(str(v) for v in View), str(Strategy.BOTH))


def views_for(choice: str) -> list[View]:
    return [View.NAME, View.ARCHITECTURE] if choice == Strategy.BOTH else [View(choice)]


def choose(choices: Sequence[str], value: object, what: str) -> str:
    """``value`` (any case, surrounding blanks ignored) as one of ``choices``; a one-line error otherwise."""
    from nnstruct.errors import NnstructError

    text = str(value).strip().lower()
    if text not in choices:
        raise NnstructError(f"unknown {what} {str(value)!r}; choose one of: {', '.join(choices)}")
    return text


def parse_choice(enum: type[StrEnum], value: object, what: str) -> StrEnum:
    """``value`` as a member of ``enum`` (see :func:`choose`)."""
    return enum(choose([str(member) for member in enum], value, what))
