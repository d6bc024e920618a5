"""``nnstruct analyze``: every shipped analysis for a view, drawn into charts, CSVs, statistics and a report."""

from __future__ import annotations

from typing import Any

import click

from nnstruct import api
from nnstruct.choices import VIEW_CHOICES
from nnstruct.cli import output
from nnstruct.cli.ingest_progress import analysis_report
from nnstruct.cli.options import connection_options, setting_option, settings_from


def _log(message: str) -> None:
    output.err.print(f"  {message}", markup=False, highlight=False)


@click.command("analyze")
@click.option("--view", type=click.Choice(VIEW_CHOICES, case_sensitive=False), default=None,
              help="Which models count: none = all, name / architecture = one representative per name family / "
                   "architecture cluster and task, both = name and architecture. [default: the views of the "
                   "dedup_strategy setting]")
@setting_option("tasks")
@setting_option("output_dir")
@setting_option("single_html")
@click.option("--append-timestamp", is_flag=True, help="Add _YYYYmmdd-HHMMSS to the folder to keep earlier runs.")
@connection_options
@click.pass_context
def analyze(ctx: click.Context, view: str | None, append_timestamp: bool, **flags: Any) -> None:
    """Run every analysis in queries/analysis/ and write charts, CSVs, statistics and a Markdown/HTML report.

    \b
    Output folder:
      images/ (boxplot/<task>.png, layer_types_per_task/, hierarchy/, heatmaps...), csv_data/,
      statistics_txt/, reports/analysis_report.md, reports/index.html (a page per task: tasks/<task>.html;
      a model page per task's typical model: models/), --single-html: reports/analysis_report.html
    \b
    Example:
      nnstruct analyze --view name --tasks text-classification,image-classification
      nnstruct analyze --view both --append-timestamp
    """
    settings = settings_from(ctx, **flags)
    api.analysis_views(settings, view)  # bad input fails before connecting
    results = api.analyze(settings, view, append_timestamp, log=_log)
    analysis_report(results)
    for result in results:
        click.echo(str(result.report_markdown))
        click.echo(str(result.report_html))
        if result.report_single_html:
            click.echo(str(result.report_single_html))


COMMANDS = [analyze]
