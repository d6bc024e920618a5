"""A short human name for a module tree, for summaries: ``BertForSequenceClassification 12x768``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from nnstruct.dedup.wl_features import TreeShape


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list | tuple) and value else value


def _mode(values: list[Any]) -> Any:
    values = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and v > 0]
    return Counter(values).most_common(1)[0][0] if values else None


def describe_tree(rows: Sequence[Mapping[str, Any]], shape: TreeShape) -> str:
    """Root class, then blocks x width: the longest run of same-class non-leaf siblings, and the usual width
    (LayerNorm size, else hidden size, else embedding size, else Linear input)."""
    blocks = 0
    for kids in shape.children:
        counts = Counter(rows[k]["class_name"] for k in kids if shape.children[k])
        if counts:
            blocks = max(blocks, counts.most_common(1)[0][1])
    width = None
    for key in ("normalized_shape", "hidden_size", "embedding_dim", "in_features", "in_channels"):
        width = _mode([_first(row.get(key)) for row in rows])
        if width:
            break
    root = next((str(row["class_name"]) for row in rows if row["path"] == ""), "?")
    size = "x".join(str(part) for part in (blocks if blocks > 1 else None, width) if part)
    return f"{root} {size}".strip()
