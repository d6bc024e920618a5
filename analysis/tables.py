"""DataFrames as Markdown tables and as plain values for JSON/CSV/terminal output."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pandas as pd

from nnstruct.analysis.html_safety import markdown_text


def plain(value: Any) -> Any:
    """A JSON-friendly value: numpy scalars unwrapped, NaN as None, Neo4j temporals as ISO text."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict | str):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, bool | int | float | str):
        return value
    graph_value = _graph_value(value)
    if graph_value is not None:
        return graph_value
    iso = getattr(value, "iso_format", None)
    return iso() if callable(iso) else str(value)


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Map-valued columns (``m {.*} AS module``) spread into one column per key, for CSV: ``path``, or
    ``module.path`` where the key is a column of its own already."""
    maps = [column for column in frame.columns
            if len(frame) and frame[column].map(lambda value: isinstance(value, dict) or value is None).all()
            and frame[column].map(lambda value: isinstance(value, dict)).any()]
    if not maps:
        return frame
    parts = []
    taken = set(frame.columns)
    for column in frame.columns:
        if column in maps:
            spread = pd.DataFrame([value or {} for value in frame[column]], index=frame.index)
            parts.append(spread.rename(columns={key: f"{column}.{key}" for key in spread.columns if key in taken}))
        else:
            parts.append(frame[[column]])
    return pd.concat(parts, axis=1)


def _graph_value(value: Any) -> dict[str, Any] | None:
    """Nodes, relationships and paths (queries written for the Browser's graph view) as plain maps."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        return {"labels": sorted(value.labels), "properties": plain(dict(value))}
    if isinstance(value, Relationship):
        return {"type": value.type,
                "start": value.start_node.element_id if value.start_node is not None else None,
                "end": value.end_node.element_id if value.end_node is not None else None,
                "properties": plain(dict(value))}
    if isinstance(value, Path):
        return {"nodes": [plain(node) for node in value.nodes],
                "relationships": [plain(rel) for rel in value.relationships]}
    return None


def cell(value: Any) -> str:
    """Text for one table cell: thousands separators, at most 4 significant decimals, empty for null."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return f"{int(value):,}"
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return str(value)


def markdown_table(frame: pd.DataFrame, max_rows: int | None = None) -> str:
    """A GitHub-style Markdown table; numbers right-aligned; a note when rows were cut."""
    if frame.empty:
        return "_No rows._"
    shown = frame if max_rows is None else frame.head(max_rows)
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]

    lines = ["| " + " | ".join(markdown_text(c) for c in frame.columns) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for row in shown.itertuples(index=False):
        lines.append("| " + " | ".join(markdown_text(cell(v)) for v in row) + " |")
    if len(shown) < len(frame):
        lines.append("")
        lines.append(f"_{len(shown)} of {len(frame):,} rows shown; the CSV holds all._")
    return "\n".join(lines)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
