"""Node labels for the Weisfeiler-Lehman pass: what two modules must share to count as the same node.

``class``       the class name alone (``Linear``): models that differ only in widths get the same tree.
``class+shape`` the class name and its structural attributes (``Linear(in_features=768,out_features=3072)``).

Attribute names (``query``/``key``) are left out on purpose: they are naming, not structure. networkx hashes
labels as ASCII, so anything else is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# Module properties (README: Module) that describe a module's shape; eps, p and bias are settings, not shape.
SHAPE_ATTRIBUTES = (
    "in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride", "padding", "groups",
    "num_embeddings", "embedding_dim", "normalized_shape", "num_features", "num_heads", "hidden_size",
)

Label = Callable[[Mapping[str, Any]], str]


def _ascii(text: str) -> str:
    return text if text.isascii() else text.encode("ascii", "backslashreplace").decode("ascii")


def class_label(row: Mapping[str, Any]) -> str:
    return _ascii(str(row["class_name"]))


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "x".join(_value(v) for v in value)
    return str(value)


def class_shape_label(row: Mapping[str, Any]) -> str:
    shape = ",".join(f"{name}={_value(row[name])}" for name in SHAPE_ATTRIBUTES if row.get(name) is not None)
    return _ascii(f"{row['class_name']}({shape})")


LABELS: dict[str, Label] = {"class": class_label, "class+shape": class_shape_label}


def label_function(name: str) -> Label:
    try:
        return LABELS[name]
    except KeyError:
        from nnstruct.errors import NnstructError

        raise NnstructError(f"unknown label {name!r}; choose one of: {', '.join(LABELS)}") from None
