"""How the stages look on stderr: a rich progress bar while ingest works, summaries when a stage ends."""

from __future__ import annotations

from collections import Counter
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from nnstruct.choices import Status
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.runner import IngestResult
from nnstruct.ingest.runner import Progress as RunProgress

if TYPE_CHECKING:
    from nnstruct.analysis.analyze import AnalysisResult

STATUSES = (*Status, "already")  # the summary's columns: each status, then models already in the graph


class RateColumn(ProgressColumn):
    """Models per second, over rich's recent window (a hub run's speed is what says how long a million takes)."""

    def render(self, task: object) -> Text:
        speed = getattr(task, "speed", None)
        return Text(f"{speed:,.0f} models/s" if speed else "", style="dim")


class RichProgress(RunProgress):
    """One bar for all models (with the model being built) and one per task; totals grow as sources list."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bars = Progress(
            TextColumn("{task.description}", justify="left", markup=False), BarColumn(bar_width=30),
            MofNCompleteColumn(), RateColumn(),
            TextColumn("{task.fields[current]}", style="dim", markup=False), TimeElapsedColumn(),
            # the ETA of the models listed so far: a streamed hub listing grows the total as it goes
            TextColumn("eta", style="dim"), TimeRemainingColumn(),
            console=console, transient=True,
        )
        self.total = self.bars.add_task("all models", total=0, current="")
        self.tasks: dict[str, TaskID] = {}

    def start(self) -> None:
        self.bars.start()

    def stop(self) -> None:
        self.bars.stop()

    def __enter__(self) -> RichProgress:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _task(self, task: str) -> TaskID:
        if task not in self.tasks:
            self.tasks[task] = self.bars.add_task(f"  {task or '(no task)'}", total=0, current="")
        return self.tasks[task]

    def listed(self, candidate: Candidate) -> None:
        for bar in (self.total, self._task(candidate.task)):
            self.bars.update(bar, total=(self.bars.tasks[bar].total or 0) + 1)

    def started(self, candidate: Candidate) -> None:
        self.bars.update(self.total, current=candidate.id)

    def finished(self, task: str, status: str) -> None:
        self.bars.advance(self.total)
        self.bars.advance(self._task(task))

    def log(self, message: str) -> None:
        self.console.print(message, style="dim", highlight=False)


def print_summary(result: IngestResult, console: Console, slowest: int = 5, reasons: int = 8) -> None:
    """Per task: ok / skipped / failed / already in the graph; then the slowest builds and the commonest reasons."""
    counts = result.counts()
    table = Table(title="ingest summary", title_justify="left")
    table.add_column("task")
    for status in STATUSES:
        table.add_column(status, justify="right")
    totals: Counter[str] = Counter()
    for task in sorted(counts):
        table.add_row(task or "(no task)", *(str(counts[task][s]) for s in STATUSES))
        totals.update(counts[task])
    table.add_row("total", *(str(totals[s]) for s in STATUSES), style="bold")
    console.print(table)
    console.print(
        f"{result.builds} build(s), {result.architectures_created} new architecture(s), "
        f"{result.modules_written} module node(s) written, "
        f"{sum(1 for r in result.results if r.linked)} model(s) linked to an architecture without a build; "
        f"{result.seconds:.1f} s",
        highlight=False,
    )
    built = sorted((r for r in result.results if r.build_seconds is not None), key=lambda r: -(r.build_seconds or 0))
    if built[:slowest]:
        slow = Table(title="slowest builds", title_justify="left")
        slow.add_column("model")
        slow.add_column("status")
        slow.add_column("seconds", justify="right")
        for r in built[:slowest]:
            slow.add_row(r.id, r.status, f"{r.build_seconds:.2f}")
        console.print(slow)
    why = Counter((r.status, r.reason or "") for r in result.results if r.status != "ok")
    if why:
        reasons_table = Table(title="not built, by reason", title_justify="left")
        reasons_table.add_column("status")
        reasons_table.add_column("models", justify="right")
        reasons_table.add_column("reason")
        for (status, reason), count in why.most_common(reasons):
            reasons_table.add_row(status, str(count), reason)
        if len(why) > reasons:
            reasons_table.add_row("", "", f"... and {len(why) - reasons} other reason(s)")
        console.print(reasons_table)


def analysis_report(results: list[AnalysisResult]) -> None:
    """Each analysed view: its warnings and what it wrote where."""
    from nnstruct.cli import output

    for result in results:
        for warning in result.warnings:
            output.err.print(f"warning: {warning}", markup=False, highlight=False)
        output.err.print(result.summary(), markup=False, highlight=False)
