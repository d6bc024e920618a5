"""Draw a query result as PNG charts following a :class:`RenderSpec` (matplotlib, Agg backend).

Readability rules: at most ``top`` categories (the rest summed as "other" on bar charts), horizontal bars
when labels are many or long, a log scale when values span orders of magnitude, titles and axis labels
always set. One image per facet value (e.g. per task) when the spec names a facet.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nnstruct.analysis import shaping  # noqa: E402
from nnstruct.analysis.render_spec import RenderSpec, facet_title  # noqa: E402
from nnstruct.errors import QueryFileError  # noqa: E402

DPI = 100
PNG_OPTIONS = {"compress_level": 1}  # fast to write; a few percent larger than the default level
DEFAULT_TOP = {"bar": 20, "box": 10, "heatmap": 40, "heatmap-log": 40}
_PALETTE = plt.get_cmap("tab10").colors


@dataclass(frozen=True)
class ChartFile:
    path: Path
    title: str
    facet: Any = None
    task: Any = None  # the task a faceted chart is about (its facet, or the facet rows' task column)


def slug(value: Any) -> str:
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", str(value)).strip("_.")
    return text[:120] or "chart"


def wrap_title(title: str, width: int = 85) -> str:
    """Long titles on two lines rather than cut at the figure's edge."""
    import textwrap

    return "\n".join(textwrap.wrap(title, width)) or title


def humanize(column: str | None) -> str:
    return (column or "").replace("_", " ")


# log=auto switches to a log scale when the drawn values span more than this many powers of ten
AUTO_LOG_ORDERS = 2.0


def _use_log(spec: RenderSpec, values: Any, axis: str = "y") -> bool:
    if spec.log in ("true", "both") or spec.log == axis:
        return bool(np.any(np.asarray(values, dtype=float) > 0))  # no positive value: nothing to put on a log axis
    if spec.log == "auto":
        return shaping.spans_orders(values, AUTO_LOG_ORDERS)
    return False


def _short_number(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.0f}k"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3g}"


def _label_bars(ax: Any, bars: Any, values: np.ndarray) -> None:
    """The value at the end of each bar: exact numbers where the eye cannot read them off a log axis."""
    ax.bar_label(bars, labels=[_short_number(v) for v in values], padding=3, fontsize=7.5, color="#444444")


def _label_len(labels: list[str]) -> int:
    return max((len(label) for label in labels), default=0)


def _horizontal(spec: RenderSpec, labels: list[str]) -> bool:
    if spec.orient != "auto":
        return spec.orient == "h"
    return len(labels) > 8 or _label_len(labels) > 12


def save(fig: Figure, path: Path) -> None:
    try:
        fig.tight_layout()
        fig.savefig(path, dpi=DPI, pil_kwargs=PNG_OPTIONS)
    finally:
        plt.close(fig)


def _count_scale(ax: Any, axis: str, values: Any) -> None:
    """A log axis for bars of counts: from 0, linear up to 1 and logarithmic above (symlog), so a bar of 1 still
    shows and no tick falls below zero; values that can be negative get a plain log axis."""
    array = np.asarray(values, dtype=float)
    finite = array[np.isfinite(array)]
    if finite.size and finite.min() >= 0:
        if axis == "x":
            ax.set_xscale("symlog", linthresh=1, linscale=0.5)
            ax.set_xlim(left=0)
        else:
            ax.set_yscale("symlog", linthresh=1, linscale=0.5)
            ax.set_ylim(bottom=0)
    elif axis == "x":
        ax.set_xscale("log")
    else:
        ax.set_yscale("log")


def _log_note(label: str, log: bool) -> str:
    return f"{label} (log scale)" if log else label


def draw_bar(spec: RenderSpec, frame: pd.DataFrame, title: str) -> Figure:
    y = spec.y[0]
    top = spec.top if spec.top is not None else DEFAULT_TOP["bar"]
    data = shaping.top_with_other(frame, spec.x, y, top, sort=spec.sort == "value")
    labels = [str(v) for v in data[spec.x]]
    values = data[y].to_numpy(dtype=float)
    log = _use_log(spec, values)
    colours = ["#bbbbbb" if label.startswith(shaping.OTHER + " (") else _PALETTE[0] for label in labels]
    value_label = _log_note(spec.ylabel or humanize(y), log)
    category_label = spec.xlabel or humanize(spec.x)
    if _horizontal(spec, labels):
        fig, ax = plt.subplots(figsize=(10, max(3.0, 0.8 + 0.32 * len(labels))))
        _label_bars(ax, ax.barh(range(len(labels)), values, color=colours), values)
        ax.margins(x=0.1)
        ax.set_yticks(range(len(labels)), labels, fontsize=9)
        ax.invert_yaxis()
        ax.set_xlabel(value_label)
        ax.set_ylabel(category_label)
        if log:
            _count_scale(ax, "x", values)
        ax.grid(axis="x", alpha=0.3)
    else:
        fig, ax = plt.subplots(figsize=(max(6.0, 1.0 + 0.5 * len(labels)), 5))
        _label_bars(ax, ax.bar(range(len(labels)), values, color=colours), values)
        ax.margins(y=0.1)
        ax.set_xticks(range(len(labels)), labels, rotation=30 if _label_len(labels) > 6 else 0, ha="right",
                      fontsize=9)
        ax.set_ylabel(value_label)
        ax.set_xlabel(category_label)
        if log:
            _count_scale(ax, "y", values)
        ax.grid(axis="y", alpha=0.3)
    ax.set_title(wrap_title(title))
    return fig


def draw_grouped_bar(spec: RenderSpec, frame: pd.DataFrame, title: str) -> Figure:
    table = shaping.wide_series(frame, spec.x, spec.y, spec.series)
    if spec.top is not None:
        table = table.loc[table.sum(axis=1).sort_values(ascending=False).index[: spec.top]]
    labels = [str(v) for v in table.index]
    groups = list(table.columns)
    log = _use_log(spec, table.to_numpy())
    horizontal = _horizontal(spec, labels)
    width = 0.8 / max(1, len(groups))
    positions = np.arange(len(labels))
    span = len(labels) * (0.1 + 0.12 * max(1, len(groups)))
    if horizontal:
        fig, ax = plt.subplots(figsize=(10, max(3.5, 1.2 + max(span, 0.3 * len(labels)))))
        ax.margins(y=0.005)
    else:
        fig, ax = plt.subplots(figsize=(max(6.0, 1.5 + span), 5))
    for number, group in enumerate(groups):
        offsets = positions - 0.4 + width * (number + 0.5)
        values = table[group].to_numpy(dtype=float)
        if horizontal:
            ax.barh(offsets, values, height=width, label=humanize(str(group)), color=_PALETTE[number % 10])
        else:
            ax.bar(offsets, values, width=width, label=humanize(str(group)), color=_PALETTE[number % 10])
    value_label = _log_note(spec.ylabel or (humanize(spec.y[0]) if spec.series else "count"), log)
    if horizontal:
        ax.set_yticks(positions, labels, fontsize=9)
        ax.invert_yaxis()
        ax.set_xlabel(value_label)
        ax.set_ylabel(spec.xlabel or humanize(spec.x))
        if log:
            _count_scale(ax, "x", table.to_numpy(dtype=float))
        ax.grid(axis="x", alpha=0.3)
    else:
        ax.set_xticks(positions, labels, rotation=30 if _label_len(labels) > 6 else 0, ha="right", fontsize=9)
        ax.set_ylabel(value_label)
        ax.set_xlabel(spec.xlabel or humanize(spec.x))
        if log:
            _count_scale(ax, "y", table.to_numpy(dtype=float))
        ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="best", title=humanize(spec.series) if spec.series else None)
    ax.set_title(wrap_title(title))
    return fig


def _cell_text(value: float, fmt: str | None) -> str:
    if fmt == "pct":
        return f"{value * 100:.0f}%" if value else ""
    if fmt == "float":
        return f"{value:.2g}" if value else ""
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:.0f}" if value else ""


def draw_heatmap(spec: RenderSpec, frame: pd.DataFrame, title: str, log: bool) -> Figure:
    top = spec.top if spec.top is not None else DEFAULT_TOP["heatmap"]
    table = shaping.matrix(frame, spec.y[0], spec.x, spec.value, top, spec.sort)
    values = table.to_numpy(dtype=float)
    rows, cols = values.shape
    fig, ax = plt.subplots(figsize=(min(28.0, max(7.0, 2.5 + 0.34 * cols)), min(24.0, max(4.0, 1.8 + 0.3 * rows))))
    cmap = plt.get_cmap("viridis").with_extremes(bad="#f2f2f2")
    if log:
        masked = np.ma.masked_less_equal(values, 0)
        positive = values[values > 0]
        norm = LogNorm(vmin=positive.min(), vmax=positive.max()) if positive.size else None
        image = ax.imshow(masked, aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
    else:
        image = ax.imshow(values, aspect="auto", cmap=cmap, interpolation="nearest")
    # vertical labels: long class names never collide, whatever their number
    ax.set_xticks(range(cols), list(table.columns), rotation=90, fontsize=8)
    ax.set_yticks(range(rows), list(table.index), fontsize=8)
    ax.set_xlabel(spec.xlabel or humanize(spec.x))
    ax.set_ylabel(spec.ylabel or humanize(spec.y[0]))
    if rows * cols <= 400:
        limit = np.nanmax(values) if values.size else 0
        for r in range(rows):
            for c in range(cols):
                value = values[r, c]
                bright = (np.log(value) / np.log(limit) if log and value > 0 and limit > 1 else value / limit
                          if limit else 0) > 0.6
                ax.text(c, r, _cell_text(value, spec.format), ha="center", va="center", fontsize=6.5,
                        color="black" if bright else "white")
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    bar.set_label(_log_note(humanize(spec.value), log))
    ax.set_title(wrap_title(title))
    return fig


def draw_box(spec: RenderSpec, frame: pd.DataFrame, title: str) -> Figure:
    y = spec.y[0]
    top = spec.top if spec.top is not None else DEFAULT_TOP["box"]
    groups = shaping.box_groups(frame, spec.x, y, top, spec.group, spec.fill, spec.sort)
    labels = list(groups)
    data = [groups[label] for label in labels]
    flat = np.concatenate(data) if data else np.array([])
    log = _use_log(spec, flat)
    if log:  # zeros have no place on a log axis; they are shown in the label count instead
        data = [values[values > 0] for values in data]
    fig, ax = plt.subplots(figsize=(10, max(3.5, 1.0 + 0.42 * len(labels))))
    counts = [f"{label} (n={len(values)})" for label, values in zip(labels, data, strict=True)]
    ax.boxplot(data, orientation="horizontal", tick_labels=counts, showfliers=True,
               flierprops={"markersize": 3, "alpha": 0.5}, medianprops={"color": "#d62728"})
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    elif flat.size and flat.min() >= 0:
        ax.set_xlim(left=0)  # counts and depths: the axis starts at zero, never below
    ax.set_xlabel(_log_note(spec.ylabel or humanize(y), log))
    ax.set_ylabel(spec.xlabel or humanize(spec.x))
    ax.tick_params(axis="y", labelsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(wrap_title(title))
    return fig


def draw_box_stats(spec: RenderSpec, frame: pd.DataFrame, title: str) -> Figure:
    """Box plots from statistics the query computed (min, q1, median, q3, max; mean when present): whiskers at
    the minimum and maximum, so no values need to leave the database. Rows are ranked by the share of models
    having the type, then by count (:func:`shaping.rank_by_share`)."""
    data = shaping.rank_by_share(frame, spec.x) if spec.sort != "none" else frame
    data = data if spec.top is None else data.head(spec.top)
    stats = []
    for row in data.to_dict("records"):
        label = str(row[spec.x])
        if "models_with" in row and "models" in row:
            label += f" ({int(row['models_with'])} of {int(row['models'])})"
        item = {"label": label, "whislo": float(row["min"]), "q1": float(row["q1"]), "med": float(row["median"]),
                "q3": float(row["q3"]), "whishi": float(row["max"]), "fliers": []}
        if "mean" in row and row["mean"] is not None:
            item["mean"] = float(row["mean"])
        stats.append(item)
    values = data[["min", "max"]].to_numpy(dtype=float)
    log = _use_log(spec, values)
    fig, ax = plt.subplots(figsize=(10, max(3.5, 1.0 + 0.42 * len(stats))))
    ax.bxp(stats, orientation="horizontal", showmeans=any("mean" in item for item in stats),
           medianprops={"color": "#d62728"}, meanprops={"marker": "D", "markersize": 4, "markerfacecolor": "#1f77b4",
                                                        "markeredgecolor": "#1f77b4"})
    ax.invert_yaxis()
    if log:  # counts include 0 (models without the type): linear from 0 to 1, log above, never negative
        ax.set_xscale("symlog", linthresh=1, linscale=0.5)
    ax.set_xlim(left=0)
    label = spec.ylabel or "modules per model (whiskers: min and max; ◆ mean)"
    ax.set_xlabel(f"{label} (linear to 1, log scale above)" if log else label)
    ax.set_ylabel(spec.xlabel or f"{humanize(spec.x)} (models having it)")
    ax.tick_params(axis="y", labelsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(wrap_title(title))
    return fig


def draw_histogram(spec: RenderSpec, frame: pd.DataFrame, title: str) -> Figure:
    values = shaping.numeric(frame[spec.x]).to_numpy(dtype=float)
    log_x = spec.log in ("x", "both", "true") or (
        spec.log == "auto" and shaping.spans_orders(values, AUTO_LOG_ORDERS))
    fig, ax = plt.subplots(figsize=(9, 5))
    if log_x:
        positive = values[values > 0]
        bins = np.logspace(np.log10(positive.min()), np.log10(positive.max()), spec.bins) if positive.size else 1
        ax.hist(positive, bins=bins, color=_PALETTE[0], edgecolor="white")
        ax.set_xscale("log")
    else:
        ax.hist(values, bins=spec.bins, color=_PALETTE[0], edgecolor="white")
    if spec.log in ("y", "both"):
        ax.set_yscale("log")
    ax.set_xlabel(_log_note(spec.xlabel or humanize(spec.x), log_x))
    ax.set_ylabel(spec.ylabel or "count")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(wrap_title(title))
    return fig


def draw_scatter(spec: RenderSpec, frame: pd.DataFrame, title: str) -> Figure:
    """One point per row: ``x`` against ``y`` (numeric), coloured by ``series`` when given (its ``top`` largest
    groups; the rest grey)."""
    y = spec.y[0]
    data = frame.assign(_x=shaping.numeric(frame[spec.x]), _y=shaping.numeric(frame[y])).dropna(subset=["_x", "_y"])
    log_x, log_y = _use_log(spec, data["_x"], "x"), _use_log(spec, data["_y"], "y")
    if log_x:
        data = data[data["_x"] > 0]
    if log_y:
        data = data[data["_y"] > 0]
    fig, ax = plt.subplots(figsize=(9, 6))
    if spec.series and spec.series in data:
        keep = list(data[spec.series].value_counts().index[: spec.top or 10])
        rest = data[~data[spec.series].isin(keep)]
        if len(rest):
            ax.scatter(rest["_x"], rest["_y"], s=14, color="#bbbbbb", alpha=0.6, label="other")
        for i, group in enumerate(keep):
            part = data[data[spec.series] == group]
            ax.scatter(part["_x"], part["_y"], s=16, color=_PALETTE[i % len(_PALETTE)], alpha=0.8, label=str(group))
        if len(data):  # an empty frame draws no labelled points, and an empty legend only warns
            ax.legend(fontsize=8, loc="best")
    else:
        ax.scatter(data["_x"], data["_y"], s=14, color=_PALETTE[0], alpha=0.7)
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(_log_note(spec.xlabel or humanize(spec.x), log_x))
    ax.set_ylabel(_log_note(spec.ylabel or humanize(y), log_y))
    ax.grid(alpha=0.3)
    ax.set_title(wrap_title(title))
    return fig


def draw_tree(spec: RenderSpec, frame: pd.DataFrame, title: str, path: Path) -> None:
    from nnstruct.analysis.hierarchy import draw_tree as draw
    from nnstruct.analysis.tables import plain
    from nnstruct.errors import NnstructError
    from nnstruct.tree.model import ModuleTree

    records = [{key: plain(value) for key, value in row.items()} for row in frame.to_dict("records")]
    try:
        tree = ModuleTree.from_rows(records, name="tree render")
    except NnstructError as exc:
        raise QueryFileError(str(exc)) from exc
    draw(tree.root, title, path, spec.depth)


def _facet_values(frame: pd.DataFrame) -> dict[str, Any]:
    return {} if frame.empty else {k: frame.iloc[0][k] for k in frame.columns}


@dataclass(frozen=True)
class DrawJob:
    spec: RenderSpec
    frame: pd.DataFrame
    title: str
    target: Path
    where: str


def warm_up() -> None:
    """Nothing: submitting it makes a worker process start and import this module early."""


def run_job(job: DrawJob) -> float:
    """Draw one image (in this process or a worker); returns the seconds it took. Drawing errors become
    one-line messages naming the query file."""
    started = time.perf_counter()
    try:
        _draw_one(job.spec, job.frame, job.title, job.target)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        plt.close("all")
        raise QueryFileError(f"{job.where}: cannot draw {job.spec.kind} ({job.spec.to_text()}): {exc}") from exc
    except OSError as exc:
        plt.close("all")
        raise QueryFileError(f"{job.where}: cannot write {job.target}: {exc.strerror or exc}") from exc
    return time.perf_counter() - started


class ChartQueue:
    """Charts to draw, shared between a pool and this process: jobs go to the pool as they are queued (so it
    draws while this process still runs queries); :meth:`finish` then takes the jobs the pool has not started,
    from the back, and draws them here (a pending job is cancelled in the pool first)."""

    def __init__(self, pool: Executor | None = None):
        self.pool = pool
        self.jobs: list[DrawJob] = []
        self.futures: list[Future[float] | None] = []

    def put(self, job: DrawJob) -> None:
        self.jobs.append(job)
        self.futures.append(self.pool.submit(run_job, job) if self.pool is not None else None)

    def finish(self) -> list[float]:
        """Draw what is left; returns the seconds each job took, in queue order."""
        jobs, futures = self.jobs, self.futures
        self.jobs, self.futures = [], []
        seconds = [0.0] * len(jobs)
        try:
            for index in range(len(jobs) - 1, -1, -1):
                future = futures[index]
                if future is None or future.cancel():
                    seconds[index] = run_job(jobs[index])
                else:
                    break  # the pool has reached this job: everything before it is the pool's
        finally:
            for index, future in enumerate(futures):
                if future is not None and not future.cancelled():
                    seconds[index] = future.result()
        return seconds


def run_jobs(jobs: list[DrawJob], pool: Executor | None = None) -> list[float]:
    """Draw ``jobs`` now, shared with ``pool`` when given (see :class:`ChartQueue`)."""
    queue = ChartQueue(pool if len(jobs) > 1 else None)
    for job in jobs:
        queue.put(job)
    return queue.finish()


def plan(spec: RenderSpec, frame: pd.DataFrame, images_dir: Path, base: str, default_title: str,
         where: str) -> tuple[list[ChartFile], list[DrawJob]]:
    """The files ``spec`` makes of ``frame`` (one per facet value) and the jobs that draw them."""
    if not spec.is_chart or frame.empty:
        return [], []
    shaping.check_columns(frame, spec.required_columns(), where)
    name = slug(spec.name or f"{base}_{spec.kind}")
    files: list[ChartFile] = []
    jobs: list[DrawJob] = []
    folder = images_dir / slug(spec.dir or name) if spec.facet else images_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QueryFileError(f"{where}: cannot create {folder}: {exc.strerror or exc}") from exc
    for value, part in shaping.facets(frame, spec.facet):
        template = spec.title or (f"{default_title}: {{{spec.facet}}}" if spec.facet else default_title)
        title = facet_title(template, _facet_values(part))
        target = folder / (f"{slug(value)}.png" if spec.facet else f"{name}.png")
        jobs.append(DrawJob(spec, part, title, target, where))
        task = value if spec.facet == "task" else _facet_values(part).get("task") if spec.facet else None
        files.append(ChartFile(target, title, value, task))
    return files, jobs


def draw(spec: RenderSpec, frame: pd.DataFrame, images_dir: Path, base: str, default_title: str,
         where: str, pool: Executor | None = None) -> list[ChartFile]:
    """Draw ``frame`` per ``spec`` into ``images_dir`` now; returns the files written (one per facet value)."""
    files, jobs = plan(spec, frame, images_dir, base, default_title, where)
    run_jobs(jobs, pool)
    return files


def figure(spec: RenderSpec, frame: pd.DataFrame, title: str) -> Figure:
    """The chart of ``frame`` per ``spec`` (not trees: those size and save themselves)."""
    if spec.kind == "bar":
        return draw_bar(spec, frame, title)
    if spec.kind == "grouped-bar":
        return draw_grouped_bar(spec, frame, title)
    if spec.kind in ("heatmap", "heatmap-log"):
        return draw_heatmap(spec, frame, title, log=spec.kind == "heatmap-log")
    if spec.kind == "box":
        return draw_box(spec, shaping.expand_weights(frame, spec.weight), title)
    if spec.kind == "box-stats":
        return draw_box_stats(spec, frame, title)
    if spec.kind == "histogram":
        return draw_histogram(spec, shaping.expand_weights(frame, spec.weight), title)
    if spec.kind == "scatter":
        return draw_scatter(spec, frame, title)
    raise ValueError(f"no figure for render kind {spec.kind}")


def _draw_one(spec: RenderSpec, frame: pd.DataFrame, title: str, target: Path) -> None:
    if spec.kind == "tree":
        draw_tree(spec, frame, title, target)
    else:
        save(figure(spec, frame, title), target)
