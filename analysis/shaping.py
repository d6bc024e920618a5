"""Pure pandas shaping of query results into what a chart draws: top-N plus "other", matrices, box data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

OTHER = "other"


def check_columns(frame: pd.DataFrame, columns: set[str], where: str) -> None:
    from nnstruct.errors import QueryFileError

    missing = sorted(columns - set(frame.columns))
    if missing:
        raise QueryFileError(
            f"{where}: render needs column(s) {', '.join(missing)}, the query returns {', '.join(frame.columns)}"
        )


def facets(frame: pd.DataFrame, column: str | None) -> Iterator[tuple[Any, pd.DataFrame]]:
    """(value, rows) per value of ``column`` in first-seen order; the whole frame once when no column."""
    if column is None:
        yield None, frame
        return
    for value in pd.unique(frame[column]):
        yield value, frame[frame[column] == value]


def numeric(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").fillna(0)


def top_with_other(frame: pd.DataFrame, x: str, y: str, top: int | None, sort: bool = True) -> pd.DataFrame:
    """Sum ``y`` per ``x``, keep the ``top`` largest and add one ``other`` row holding the rest.

    With 50 layer types, a bar chart stays readable at the top 15 and the total stays honest.
    """
    totals = frame.assign(**{y: numeric(frame[y])}).groupby(x, sort=False)[y].sum()
    if sort:
        totals = totals.sort_values(ascending=False, kind="stable")
    if top is not None and len(totals) > top:
        rest = totals.iloc[top:]
        label = f"{OTHER} ({len(rest)})"
        totals = pd.concat([totals.iloc[:top], pd.Series({label: rest.sum()})])
    return totals.rename_axis(x).reset_index(name=y)


def top_categories(frame: pd.DataFrame, x: str, y: str, top: int | None, order: str = "value") -> list[Any]:
    """The ``top`` values of ``x``: by largest total ``y`` (``value``), largest median (``median``) or as the
    query returned them (``none``)."""
    data = frame.assign(**{y: numeric(frame[y])}).groupby(x, sort=False)[y]
    if order == "none":
        ranked = list(pd.unique(frame[x]))
    else:
        stat = data.median() if order == "median" else data.sum()
        ranked = list(stat.sort_values(ascending=False, kind="stable").index)
    return ranked if top is None else ranked[:top]


def matrix(frame: pd.DataFrame, row: str, column: str, value: str, top: int | None = None,
           order: str = "value") -> pd.DataFrame:
    """Pivot to rows x columns (missing pairs 0); columns ordered by total (``order="value"``) or by their
    own natural order (``"none"``, e.g. depth 0, 1, 2...), cut to the ``top`` largest."""
    table = frame.assign(**{value: numeric(frame[value])}).pivot_table(
        index=row, columns=column, values=value, aggfunc="sum", fill_value=0, sort=False
    )
    totals = table.sum(axis=0).sort_values(ascending=False, kind="stable")
    keep = totals.index if top is None else totals.index[:top]
    columns = sorted(keep) if order == "none" else list(keep)
    table = table[columns]
    table.columns = [str(c) for c in table.columns]
    table.index = [str(i) for i in table.index]
    return table


def wide_series(frame: pd.DataFrame, x: str, ys: tuple[str, ...], series: str | None) -> pd.DataFrame:
    """Grouped-bar data: index = categories of ``x``, one column per bar group.

    Wide form takes several ``y`` columns as they are; long form spreads ``series`` values into columns.
    """
    if series:
        y = ys[0]
        table = frame.assign(**{y: numeric(frame[y])}).pivot_table(
            index=x, columns=series, values=y, aggfunc="sum", fill_value=0, sort=False
        )
        table.columns = [str(c) for c in table.columns]
        return table
    table = frame[[x, *ys]].copy()
    for y in ys:
        table[y] = numeric(table[y])
    return table.groupby(x, sort=False)[list(ys)].sum()


def expand_weights(frame: pd.DataFrame, weight: str | None) -> pd.DataFrame:
    """Each row repeated ``weight`` times (a row standing for that many observations, e.g. the models sharing one
    architecture); rows without a positive weight are dropped. Without ``weight``, the frame as it is."""
    if weight is None:
        return frame
    counts = numeric(frame[weight]).fillna(0).clip(lower=0).astype(int)
    return frame.loc[frame.index.repeat(counts)].reset_index(drop=True)


def box_groups(frame: pd.DataFrame, x: str, y: str, top: int | None, group: str | None = None,
               fill: float | None = None, order: str = "value") -> dict[str, np.ndarray]:
    """Values of ``y`` per category of ``x``: the ``top`` categories, in ``order`` (see :func:`top_categories`).

    With ``group`` and ``fill``, every group (e.g. model) contributes a value to every category, ``fill``
    where the query returned no row: a model without a ``Dropout`` counts 0 dropouts.
    """
    data = frame.assign(**{y: numeric(frame[y])})
    if group is not None and fill is not None:
        # "most frequent" = held by the most groups (models), ties broken by the total: a type most models lack
        # does not win on a few large counts
        table = data.pivot_table(index=group, columns=x, values=y, aggfunc="sum", sort=False)
        if order == "value":
            keep = rank_by_share(pd.DataFrame({x: table.columns, "models_with": table.notna().sum().to_numpy(),
                                               "modules": table.sum().to_numpy()}), x)[x].tolist()[:top]
        else:
            long = table.fillna(fill).melt(ignore_index=False, var_name=x, value_name=y)
            keep = top_categories(long, x, y, top, order)
    else:
        keep = top_categories(data, x, y, top, order)
    data = data[data[x].isin(keep)]
    if group is not None and fill is not None:
        groups = pd.unique(frame[group])
        table = data.pivot_table(index=group, columns=x, values=y, aggfunc="sum", sort=False)
        table = table.reindex(index=groups, columns=keep).fillna(fill)
        return {str(cat): table[cat].to_numpy(dtype=float) for cat in keep}
    return {str(cat): data.loc[data[x] == cat, y].to_numpy(dtype=float) for cat in keep}


def rank_by_share(frame: pd.DataFrame, x: str) -> pd.DataFrame:
    """Rows ranked the way "most frequent layer types" means: by how many models have the type
    (``models_with``, i.e. the share of the task's models), ties broken by the modules counted (``modules``),
    then by name; a frame without those columns keeps its order."""
    if "models_with" not in frame.columns:
        return frame
    keys = [column for column in ("models_with", "modules") if column in frame.columns]
    ranked = frame.assign(**{key: numeric(frame[key]) for key in keys})
    return ranked.sort_values([*keys, x], ascending=[*(False for _ in keys), True], kind="stable")


def spans_orders(values: Any, orders: float = 3.0) -> bool:
    """True when the positive values span more than ``orders`` powers of ten (then a log scale reads better)."""
    array = np.asarray(values, dtype=float).ravel()
    positive = array[np.isfinite(array) & (array > 0)]
    if positive.size < 2:
        return False
    return bool(np.log10(positive.max()) - np.log10(positive.min()) > orders)


def weighted_median(values: Any, weights: Any) -> float:
    """Median of ``values`` each repeated ``weights`` times (a depth histogram's median depth)."""
    order = np.argsort(np.asarray(values, dtype=float))
    vals = np.asarray(values, dtype=float)[order]
    wts = np.asarray(weights, dtype=float)[order]
    if wts.sum() <= 0:
        return float("nan")
    cumulative = np.cumsum(wts)
    return float(vals[np.searchsorted(cumulative, cumulative[-1] / 2.0)])
