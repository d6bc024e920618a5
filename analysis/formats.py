"""How ``nnstruct query`` prints a result: a terminal table, CSV or JSON (text only; routing is the CLI's)."""

from __future__ import annotations

import io
import json

import pandas as pd
from rich.table import Table

from nnstruct.analysis.tables import cell, flat, records

FORMATS = ("table", "csv", "json", "chart")


def as_json(frame: pd.DataFrame) -> str:
    return json.dumps(records(frame), indent=2, ensure_ascii=False, default=str)


def for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole-number columns as integers: a count column with a null comes back from pandas as float
    (``124645632.0``); written as nullable integers it reads ``124645632`` and an empty cell."""
    fixed = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_float_dtype(values) and values.isna().any():
            present = values.dropna()
            if len(present) and (present == present.round()).all() and present.abs().max() < 2**53:
                fixed[column] = values.astype("Int64")
    return frame.assign(**fixed) if fixed else frame


def as_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    for_csv(flat(frame)).to_csv(buffer, index=False)
    return buffer.getvalue()


def as_table(frame: pd.DataFrame, title: str | None = None, max_rows: int | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left", overflow="fold")
    shown = frame if not max_rows else frame.head(max_rows)
    for row in shown.itertuples(index=False):
        table.add_row(*(cell(value) for value in row))
    return table
