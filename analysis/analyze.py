"""The analyze task: every query under ``queries/analysis/`` run for one view, drawn, summarised and reported.

Used by ``nnstruct analyze`` and by the pipeline command (``nnstruct run``), once per view.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnstruct.analysis.params import check_view, tasks_param
from nnstruct.analysis.render_spec import parse_render
from nnstruct.analysis.runner import display_name
from nnstruct.analysis.workspace import Step, Workspace, prepare_folder
from nnstruct.errors import NnstructError
from nnstruct.queries.query_file import load, queries_root

if TYPE_CHECKING:
    import pandas as pd

    from nnstruct.analysis.charts import ChartFile
    from nnstruct.graph.connection import Graph

REPORT_SPEC = "analysis/report_spec.md"
REPORT_NAME = "analysis_report"
# Queries the report uses for its own bookkeeping, not analyses of their own.
_NOT_ANALYSES = {"run_info"}


@dataclass
class AnalysisResult:
    view: str
    tasks: list[str] | None
    output_dir: Path
    report_markdown: Path | None = None
    report_html: Path | None = None  # reports/index.html, the browsable report
    report_single_html: Path | None = None  # the one self-contained file, when asked for
    model_pages: list[Path] = field(default_factory=list)
    charts: list[ChartFile] = field(default_factory=list)
    csvs: list[Path] = field(default_factory=list)
    statistics: list[Path] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"view {self.view}: {len(self.charts)} charts, {len(self.csvs)} CSVs, "
                f"{len(self.statistics)} statistics files and the report in {self.output_dir} "
                f"({self.seconds:.1f} s)")


def analysis_names() -> list[str]:
    """Shipped analyses, ``analysis/<name>``, in file-name order."""
    folder = queries_root() / "analysis"
    return [f"analysis/{path.stem}" for path in sorted(folder.glob("*.cypher")) if path.stem not in _NOT_ANALYSES]


def _check_selection(workspace: Workspace, view: str, tasks: list[str] | None) -> dict[str, Any]:
    """Fail early, with a hint, when the view selects no model at all."""
    overview = workspace.run(load("analysis/overview")).frame
    counts = overview.iloc[0].to_dict() if not overview.empty else {}
    if int(counts.get("models") or 0) > 0:
        return counts
    scope = f"tasks {', '.join(tasks)}" if tasks else "any task"
    if view == "none":
        hint = "ingest some first, e.g. `nnstruct ingest --source transformers`"
    else:
        hint = f"run `nnstruct dedup --strategy {view}` first, or analyse every model with --view none"
    raise NnstructError(f"no built models for view {view!r} in {scope}: {hint}")


def run_analysis(graph: Graph, view: str, tasks: Sequence[str] | None, output_dir: Path,
                 log: Callable[[str], None] | None = None, chart_workers: int = 2,
                 single_html: bool = False) -> AnalysisResult:
    """Run every analysis for ``view`` (``none``, ``name`` or ``architecture``) and ``tasks`` (None = all),
    writing charts, CSVs, statistics, a model page per task's typical model, the Markdown report and the
    browsable HTML report (``reports/index.html`` and a page per task) into ``output_dir``; with
    ``single_html`` also ``reports/analysis_report.html``, one self-contained file.

    ``chart_workers`` processes (this one included) draw the per-task charts; 1 draws everything here.
    """

    started = time.perf_counter()
    view = check_view(view)
    task_list = tasks_param(tasks)
    say = log or (lambda message: None)
    root = prepare_folder(Path(output_dir))
    with Workspace(graph, root, {"view": view, "tasks": task_list}, say, chart_workers=chart_workers) as workspace:
        return _analyse(workspace, view, task_list, root, started, single_html)


def _model_pages(workspace: Workspace, hierarchy: pd.DataFrame | None) -> dict[str, list[tuple[str, Path]]]:
    """One interactive page per task's typical model (the models ``model_hierarchy`` drew), under reports/."""
    from nnstruct.analysis.model_page import write_page
    from nnstruct.analysis.report_site import model_page_name
    from nnstruct.graph.model_trees import read_model_tree

    pages: dict[str, list[tuple[str, Path]]] = {}
    if hierarchy is None or hierarchy.empty:
        return pages
    written: dict[str, Path] = {}
    for row in hierarchy[["task", "model"]].drop_duplicates().itertuples(index=False):
        model_id = str(row.model)
        if model_id not in written:
            written[model_id] = write_page(read_model_tree(workspace.graph, model_id),
                                           workspace.reports / model_page_name(model_id))
        pages.setdefault(str(row.task), []).append((model_id, written[model_id]))
    return pages


def _analyse(workspace: Workspace, view: str, task_list: list[str] | None, root: Path,
             started: float, single_html: bool) -> AnalysisResult:
    from nnstruct.analysis.findings import findings_markdown
    from nnstruct.analysis.report import build_report
    from nnstruct.analysis.report_site import write_site
    from nnstruct.analysis.statistics import write_statistics

    workspace.pool()
    counts = _check_selection(workspace, view, task_list)
    frames: dict[str, pd.DataFrame] = {}
    for name in analysis_names():
        query = load(name)
        result = workspace.run(query)
        frames[name.split("/", 1)[1]] = result.frame
        for spec in parse_render(query.meta.get("render", ""), display_name(query)):
            if spec.is_chart:
                workspace.draw(result, spec)
    workspace.flush()
    stats_started = time.perf_counter()
    statistics = write_statistics(workspace.statistics, view, frames)
    workspace.steps.append(Step("statistics_txt", time.perf_counter() - stats_started, len(statistics), "text"))
    report_started = time.perf_counter()
    report = build_report(
        queries_root() / REPORT_SPEC, workspace, REPORT_NAME,
        sections={"findings": findings_markdown(frames, view)},
        settings={"view": view, "tasks": task_list, "output folder": str(root)},
        counts={k: v for k, v in counts.items()}, single_html=single_html,
    )
    pages = _model_pages(workspace, frames.get("model_hierarchy"))
    site = write_site(root, report.text, report.title, workspace.charts, pages)
    workspace.steps.append(Step("report (md, html site, model pages)", time.perf_counter() - report_started,
                                None, "report"))
    return AnalysisResult(
        view=view, tasks=task_list, output_dir=root, report_markdown=report.markdown, report_html=site.index,
        report_single_html=report.html, model_pages=sorted({page for ps in pages.values() for _, page in ps}),
        charts=list(workspace.charts), csvs=sorted(set(workspace.csvs)), statistics=statistics,
        steps=list(workspace.steps), warnings=workspace.warnings + report.warnings, counts=counts,
        seconds=time.perf_counter() - started,
    )
