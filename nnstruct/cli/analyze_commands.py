"""``nnstruct analyze``: every shipped analysis for a view, drawn into charts, CSVs, statistics and a report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nnstruct.cli import output
from nnstruct.cli.options import connection_options, pop_connection_flags, settings_from

if TYPE_CHECKING:
    from nnstruct.analysis.analyze import AnalysisResult
    from nnstruct.graph.connection import Graph
    from nnstruct.settings import Settings

VIEW_CHOICES = ("none", "name", "architecture", "both")


def views_for(choice: str) -> list[str]:
    """``both`` means the two dedup views, as ``--dedup-strategy both`` does."""
    return ["name", "architecture"] if choice == "both" else [choice]


def output_dirs(views: list[str], configured: Path | None, append_timestamp: bool) -> dict[str, Path]:
    """Where each view goes: ``analysis_result_<view>``, or the configured folder (one sub-folder per view
    when there are several)."""
    from nnstruct.analysis.workspace import default_output_dir

    dirs = {}
    for view in views:
        base = configured if configured is None or len(views) == 1 else configured / f"analysis_result_{view}"
        dirs[view] = default_output_dir(view, base, append_timestamp)
    return dirs


def _log(message: str) -> None:
    output.err.print(f"  {message}", markup=False, highlight=False)


def analyze_views(graph: Graph, settings: Settings, choice: str, tasks: list[str] | None,
                  append_timestamp: bool) -> list[AnalysisResult]:
    """Analyse each view of ``choice`` into its folder, with progress, warnings and a summary on stderr
    (shared by ``analyze`` and ``run``)."""
    from nnstruct.analysis.analyze import run_analysis

    results = []
    for name, folder in output_dirs(views_for(choice), settings.output_dir, append_timestamp).items():
        output.err.print(f"analysing view [bold]{name}[/] into {folder}", highlight=False)
        result = run_analysis(graph, name, tasks, folder, log=_log, chart_workers=max(1, settings.workers))
        for warning in result.warnings:
            output.err.print(f"warning: {warning}", markup=False, highlight=False)
        output.err.print(result.summary(), markup=False, highlight=False)
        results.append(result)
    return results


@click.command("analyze")
@click.option("--view", type=click.Choice(VIEW_CHOICES), default=None,
              help="Which models count: none = all, name / architecture = one representative per name family / "
                   "architecture cluster and task, both = name and architecture. [default: the dedup_strategy "
                   "setting]")
@click.option("--tasks", default=None, help="Comma-separated tasks to analyse [default: all].")
@click.option("--output-dir", type=click.Path(path_type=Path), default=None,
              help="Output folder [env NNSTRUCT_OUTPUT_DIR; default: analysis_result_<view>].")
@click.option("--append-timestamp", is_flag=True, help="Add _YYYYmmdd-HHMMSS to the folder to keep earlier runs.")
@connection_options
@click.pass_context
def analyze(ctx: click.Context, view: str | None, tasks: str | None, output_dir: Path | None,
            append_timestamp: bool, **flags: Any) -> None:
    """Run every analysis in queries/analysis/ and write charts, CSVs, statistics and a Markdown/HTML report.

    \b
    Output folder:
      images/ (boxplot/<task>.png, layer_types_per_task/, hierarchy/, heatmaps...), csv_data/,
      statistics_txt/, reports/analysis_report.md and .html (self-contained)
    \b
    Example:
      nnstruct analyze --view name --tasks text-classification,image-classification
      nnstruct analyze --view both --append-timestamp
    """
    from nnstruct.analysis.params import tasks_param
    from nnstruct.graph.connection import connect

    settings = settings_from(ctx, output_dir=output_dir, **pop_connection_flags(flags))
    choice = view or settings.dedup_strategy
    if choice not in VIEW_CHOICES:
        raise click.BadParameter(f"{choice!r} is not one of {', '.join(VIEW_CHOICES)}", param_hint="--view")
    with connect(settings) as graph:
        for result in analyze_views(graph, settings, choice, tasks_param(tasks), append_timestamp):
            click.echo(str(result.report_markdown))
            click.echo(str(result.report_html))


COMMANDS = [analyze]
