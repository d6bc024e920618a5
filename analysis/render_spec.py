"""Render specs: how a query result becomes a picture, written as ``kind key=value ...``.

The same syntax serves a query file's ``// render:`` header line and the info string of a fenced ``cypher``
block in a report spec::

    // render: bar x=layer_type y=modules facet=task top=15 | heatmap-log x=layer_type y=task value=modules

Several specs are separated by ``|``; values with spaces are quoted (``title="Layer types in {task}"``).
``{column}`` in a title is filled from the facet's value.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace
from typing import Any

from nnstruct.errors import QueryFileError

KINDS = ("bar", "grouped-bar", "heatmap", "heatmap-log", "box", "box-stats", "histogram", "scatter", "table", "tree")
# Columns a box-stats result holds: box statistics computed by the query itself.
BOX_STATS = ("min", "q1", "median", "q3", "max")
_ALIASES = {"grouped": "grouped-bar", "groupedbar": "grouped-bar", "boxplot": "box", "hist": "histogram",
            "heatmap_log": "heatmap-log", "grouped_bar": "grouped-bar", "box_stats": "box-stats"}
_LOG_VALUES = {"auto", "true", "false", "x", "y", "both"}
_ORIENT_VALUES = {"auto", "h", "v"}
_KNOWN = {
    "x": "column on the category (or numeric, for histogram) axis",
    "y": "value column; grouped-bar takes a comma-separated list",
    "value": "cell value column of a heatmap",
    "series": "grouped-bar in long form: column whose values become the bar groups; scatter: colour groups",
    "facet": "draw one chart per value of this column (e.g. task)",
    "group": "box: the column identifying one observation (e.g. model), used with fill",
    "fill": "box: value for (group, x) pairs absent from the result (e.g. 0)",
    "weight": "box, histogram: column saying how many observations a row stands for (e.g. models sharing an "
              "architecture); the row's value counts that many times",
    "top": "keep the N largest categories (bar: the rest summed as 'other')",
    "rows": "table: rows shown in a report (CSV always holds all)",
    "log": "log scale: auto, true, false, x, y or both",
    "orient": "bar orientation: auto, h or v",
    "bins": "histogram bins",
    "depth": "tree: deepest level drawn (auto when absent)",
    "title": "chart title; {column} is filled from the facet value",
    "xlabel": "x axis label",
    "ylabel": "y axis label",
    "name": "file name of the image (without .png)",
    "dir": "sub-folder of images/ for faceted charts",
    "format": "number format of heatmap cells: int, float or pct",
    "sort": "category order: 'value' (largest total first, default), 'median' (box) or 'none' (query order)",
}


@dataclass(frozen=True)
class RenderSpec:
    kind: str
    x: str | None = None
    y: tuple[str, ...] = ()
    value: str | None = None
    series: str | None = None
    facet: str | None = None
    group: str | None = None
    fill: float | None = None
    weight: str | None = None
    top: int | None = None
    rows: int | None = None
    log: str = "auto"
    orient: str = "auto"
    bins: int = 30
    depth: int | None = None
    title: str | None = None
    xlabel: str | None = None
    ylabel: str | None = None
    name: str | None = None
    dir: str | None = None
    format: str | None = None
    sort: str = "value"

    @property
    def is_chart(self) -> bool:
        return self.kind != "table"

    def with_options(self, **options: Any) -> RenderSpec:
        return replace(self, **options)

    def required_columns(self) -> set[str]:
        cols = {c for c in (self.x, self.value, self.series, self.facet, self.group, self.weight) if c}
        if self.kind == "box-stats":
            cols |= set(BOX_STATS)
        return cols | set(self.y)

    def to_text(self) -> str:
        """The spec back in ``kind key=value`` form (for messages and reports)."""
        parts = [self.kind]
        for key in ("x", "y", "value", "series", "facet", "group", "fill", "weight", "top", "rows", "log", "orient",
                    "depth", "title", "name", "dir", "format"):
            val = getattr(self, key)
            if key == "y":
                val = ",".join(val) if val else None
            if val is None or (key == "log" and val == "auto") or (key == "orient" and val == "auto"):
                continue
            parts.append(f"{key}={shlex.quote(str(val))}")
        return " ".join(parts)


def _int_option(key: str, raw: str, where: str) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise QueryFileError(f"{where}: render option {key}={raw!r} is not a whole number") from exc
    if value <= 0:
        raise QueryFileError(f"{where}: render option {key}={raw!r} must be positive")
    return value


def spec_from_options(kind: str, options: dict[str, str], where: str) -> RenderSpec:
    """Build a spec from a kind and raw ``key=value`` options; unknown keys or kinds name ``where``."""
    kind = _ALIASES.get(kind.lower(), kind.lower())
    if kind not in KINDS:
        raise QueryFileError(f"{where}: unknown render kind {kind!r}; one of {', '.join(KINDS)}")
    values: dict[str, Any] = {}
    for key, raw in options.items():
        if key not in _KNOWN:
            raise QueryFileError(f"{where}: unknown render option {key!r}; known: {', '.join(sorted(_KNOWN))}")
        if key == "y":
            values["y"] = tuple(part.strip() for part in raw.split(",") if part.strip())
        elif key in ("top", "rows", "bins", "depth"):
            values[key] = _int_option(key, raw, where)
        elif key == "fill":
            try:
                values["fill"] = float(raw)
            except ValueError as exc:
                raise QueryFileError(f"{where}: render option fill={raw!r} is not a number") from exc
        elif key == "log":
            if raw.lower() not in _LOG_VALUES:
                raise QueryFileError(f"{where}: log={raw!r}; one of {', '.join(sorted(_LOG_VALUES))}")
            values["log"] = raw.lower()
        elif key == "orient":
            if raw.lower() not in _ORIENT_VALUES:
                raise QueryFileError(f"{where}: orient={raw!r}; one of auto, h, v")
            values["orient"] = raw.lower()
        elif key == "format":
            if raw not in ("int", "float", "pct"):
                raise QueryFileError(f"{where}: format={raw!r}; one of int, float, pct")
            values["format"] = raw
        elif key == "sort":
            if raw not in ("value", "median", "none"):
                raise QueryFileError(f"{where}: sort={raw!r}; one of value, median, none")
            values["sort"] = raw
        else:
            values[key] = raw
    spec = RenderSpec(kind=kind, **values)
    _check_complete(spec, where)
    return spec


def _check_complete(spec: RenderSpec, where: str) -> None:
    needs = {
        "bar": ("x", "y"), "grouped-bar": ("x", "y"), "box": ("x", "y"), "box-stats": ("x",), "histogram": ("x",),
        "scatter": ("x", "y"), "heatmap": ("x", "y", "value"), "heatmap-log": ("x", "y", "value"), "table": (),
        "tree": (),
    }[spec.kind]
    missing = [key for key in needs if not getattr(spec, key)]
    if missing:
        raise QueryFileError(f"{where}: render {spec.kind} needs {', '.join(k + '=' for k in missing)}")
    if spec.kind in ("bar", "box", "heatmap", "heatmap-log", "scatter") and len(spec.y) > 1:
        raise QueryFileError(f"{where}: render {spec.kind} takes one y column, got {','.join(spec.y)}")


def split_options(tokens: list[str], where: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise QueryFileError(f"{where}: render option {token!r} is not key=value")
        options[key.strip()] = value
    return options


def tokenize(text: str, where: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise QueryFileError(f"{where}: cannot read render options {text!r}: {exc}") from exc


def parse_render(text: str, where: str = "render") -> list[RenderSpec]:
    """Parse a ``// render:`` value: one or more specs separated by ``|``."""
    specs: list[RenderSpec] = []
    current: list[str] = []
    for token in [*tokenize(text, where), "|"]:
        if token != "|":
            current.append(token)
            continue
        if current:
            specs.append(spec_from_options(current[0], split_options(current[1:], where), where))
        current = []
    return specs


def facet_title(template: str, values: dict[str, Any]) -> str:
    """Fill ``{column}`` placeholders from a facet's values; unknown placeholders stay as written."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)
