"""An output folder plus the runs and charts made into it, shared by ``analyze`` and ``report``.

Layout (as the original pipeline's ``analysis_result``)::

    images/            charts; faceted ones in a sub-folder each (images/boxplot/<task>.png)
    csv_data/          one CSV per query result
    statistics_txt/    statistics per task as text
    reports/           the Markdown report and its self-contained HTML twin

A query run with the same parameters twice, or a chart drawn twice, is done once: the report spec refers
to the same query files ``analyze`` has already run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnstruct.analysis.formats import for_csv
from nnstruct.analysis.params import normalise
from nnstruct.analysis.render_spec import RenderSpec
from nnstruct.analysis.runner import QueryResult, display_name, run_file
from nnstruct.analysis.tables import flat
from nnstruct.errors import NnstructError
from nnstruct.queries.query_file import QueryFile

if TYPE_CHECKING:
    from nnstruct.analysis.charts import ChartFile
    from nnstruct.graph.connection import Graph

Log = Callable[[str], None]
SUBFOLDERS = ("images", "csv_data", "statistics_txt", "reports")


def default_output_dir(view: str, configured: Path | None = None, append_timestamp: bool = False,
                       now: datetime | None = None) -> Path:
    """``analysis_result_<view>`` (or the configured folder), with ``_YYYYmmdd-HHMMSS`` when asked."""
    folder = configured if configured is not None else Path(f"analysis_result_{view}")
    if append_timestamp:
        folder = folder.with_name(f"{folder.name}_{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}")
    return folder


def output_dirs(views: list[str], configured: Path | None, append_timestamp: bool) -> dict[str, Path]:
    """Where each view goes: ``analysis_result_<view>``, or the configured folder (one sub-folder per view when
    there are several)."""
    dirs = {}
    for view in views:
        base = configured if configured is None or len(views) == 1 else configured / f"analysis_result_{view}"
        dirs[view] = default_output_dir(view, base, append_timestamp)
    return dirs


def prepare_folder(root: Path) -> Path:
    """Create ``root`` and its sub-folders; a folder that cannot be written is a one-line error."""
    root = root.expanduser()
    try:
        for sub in SUBFOLDERS:
            (root / sub).mkdir(parents=True, exist_ok=True)
        probe = root / "reports" / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise NnstructError(f"cannot write to output folder {root}: {reason}") from exc
    return root


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass
class Step:
    name: str
    seconds: float
    rows: int | None = None
    kind: str = "query"


@dataclass
class Workspace:
    graph: Graph
    root: Path
    params: dict[str, Any]
    log: Log = lambda message: None  # noqa: E731
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    charts: list[ChartFile] = field(default_factory=list)
    csvs: list[Path] = field(default_factory=list)
    chart_workers: int = 1  # processes drawing charts, this one included
    _results: dict[Any, QueryResult] = field(default_factory=dict)
    _drawn: dict[Any, list[ChartFile]] = field(default_factory=dict)
    _pool: Executor | None = None
    _queue: Any = None  # ChartQueue, created with the first chart
    _queue_started: float = 0.0
    _steps_of_jobs: list[str] = field(default_factory=list)

    def pool(self) -> Executor | None:
        """Helper processes for faceted charts (spawned once, on first use); None when drawing alone."""
        if self.chart_workers <= 1:
            return None
        if self._pool is None:
            import multiprocessing

            # spawn, not fork: this process holds the Neo4j driver's sockets and threads
            from nnstruct.analysis.charts import warm_up

            self._pool = ProcessPoolExecutor(self.chart_workers - 1, mp_context=multiprocessing.get_context("spawn"))
            self._pool.submit(warm_up)  # start the workers and import matplotlib while queries run
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def images(self) -> Path:
        return self.root / "images"

    @property
    def csv_dir(self) -> Path:
        return self.root / "csv_data"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def statistics(self) -> Path:
        return self.root / "statistics_txt"

    def run(self, query: QueryFile, extra: dict[str, Any] | None = None, csv_name: str | None = None) -> QueryResult:
        """Run ``query`` with the workspace's parameters (plus ``extra``); the result also lands as a CSV."""
        params = normalise({**self.params, **(extra or {})}, query.defaults)
        key = (str(query.path), query.statements, _freeze(params))
        if key in self._results:
            return self._results[key]
        result = run_file(self.graph, query, params)
        self.steps.append(Step(display_name(query), result.seconds, len(result.frame)))
        if result.empty:
            shown = ", ".join(f"{k}={v}" for k, v in sorted(params.items()) if k in query.used_parameters())
            self.warnings.append(f"{display_name(query)} returned no rows ({shown or 'no parameters'})")
        csv_path = self.csv_dir / f"{csv_name or query.name.rsplit('/', 1)[-1]}.csv"
        try:
            for_csv(flat(result.frame)).to_csv(csv_path, index=False)
        except OSError as exc:
            raise NnstructError(f"cannot write {csv_path}: {exc.strerror or exc}") from exc
        self.csvs.append(csv_path)
        self._results[key] = result
        self.log(f"{display_name(query)}: {len(result.frame)} rows in {result.seconds:.2f}s")
        return result

    def draw(self, result: QueryResult, spec: RenderSpec, base: str | None = None) -> list[ChartFile]:
        """Queue ``result``'s charts per ``spec`` (once per result and spec): the pool starts on them at once,
        :meth:`flush` draws the rest. Returns the files they will be."""
        from nnstruct.analysis.charts import ChartQueue, plan

        base = base or result.query.name.rsplit("/", 1)[-1]
        key = (id(result), spec, base)
        if key in self._drawn:
            return self._drawn[key]
        files, jobs = plan(spec, result.frame, self.images, base, result.query.title, display_name(result.query))
        if self._queue is None:
            self._queue = ChartQueue(self.pool())
            self._queue_started = time.perf_counter()
        for job in jobs:
            self._queue.put(job)
            self._steps_of_jobs.append(f"{display_name(result.query)} -> {spec.kind}")
        self._drawn[key] = files
        self.charts.extend(files)
        return files

    def flush(self) -> None:
        """Draw every queued chart (this process takes its share) and wait for the pool's."""
        if self._queue is None or not self._queue.jobs:
            return
        steps, self._steps_of_jobs = self._steps_of_jobs, []
        seconds = self._queue.finish()
        by_step: dict[str, list[float]] = {}
        for step, spent in zip(steps, seconds, strict=True):
            by_step.setdefault(step, []).append(spent)
        for step, spent in by_step.items():
            self.steps.append(Step(step, sum(spent), len(spent), kind="chart"))
        wall = time.perf_counter() - self._queue_started
        self.steps.append(Step(f"drawing {len(steps)} charts, {self.chart_workers} process(es), wall clock from "
                               "the first chart queued", wall, len(steps), kind="drawing"))
        self.log(f"drew {len(steps)} charts ({wall:.1f}s since the first was queued)")
        self._queue = None
