"""What dedup reads about each model, and the one rule for choosing a representative among several."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nnstruct.choices import Status


@dataclass(frozen=True)
class ModelRow:
    id: str
    task: str | None
    status: str | None
    downloads: int | None = None
    model_type: str | None = None
    class_name: str | None = None
    arch_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == Status.OK

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ModelRow:
        return cls(**{key: record.get(key) for key in cls.__dataclass_fields__})


def preference(model: ModelRow) -> tuple[int, str]:
    """Sort key, best first: the most downloaded, then (no or equal downloads) the smallest id: stable."""
    return (-(model.downloads or 0), model.id)


def representatives(models: Iterable[ModelRow], group_of: Mapping[str, str]) -> set[str]:
    """Ids of one built model per (group, task): group_of maps a model id to its group key."""
    best: dict[tuple[str, str | None], ModelRow] = {}
    for model in models:
        group = group_of.get(model.id)
        if group is None or not model.ok:
            continue  # only built models can stand for a group in the analyses
        key = (group, model.task)
        if key not in best or preference(model) < preference(best[key]):
            best[key] = model
    return {model.id for model in best.values()}
