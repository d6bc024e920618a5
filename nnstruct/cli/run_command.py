"""``nnstruct run``: the whole pipeline (ingest -> dedup -> analyze) the way users drive it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nnstruct import api
from nnstruct.cli import output
from nnstruct.cli.ingest_progress import RichProgress, analysis_report, print_summary
from nnstruct.cli.options import connection_options, dedup_flags, ingest_flags, setting_option, settings_from


def _log(message: str) -> None:
    output.err.print(f"  {message}", markup=False, highlight=False)


@click.command("run")
@click.option("--all", "all_stages", is_flag=True, help="Run ingest, dedup and analyze.")
@click.option("--ingest", "do_ingest", is_flag=True, help="Run the ingest stage.")
@click.option("--dedup", "do_dedup", is_flag=True, help="Run the dedup stage.")
@click.option("--analyze", "do_analyze", is_flag=True, help="Run the analysis stage.")
@ingest_flags
@dedup_flags
@setting_option("output_dir")
@setting_option("single_html")
@click.option("--append-timestamp", is_flag=True, help="Add _YYYYmmdd-HHMMSS to analysis folders.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors (and --json).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary of every stage on stdout.")
@connection_options
@click.pass_context
def run(ctx: click.Context, all_stages: bool, do_ingest: bool, do_dedup: bool, do_analyze: bool,
        paths: tuple[Path, ...], force: bool, append_timestamp: bool, quiet: bool, as_json: bool, **flags: Any
        ) -> int:
    """Run the pipeline: ingest models, deduplicate them, analyse the graph.

    Without a configured Neo4j (--uri / NEO4J_URI) the local server is started if it is not running, and
    left running for Neo4j Browser (stop it with `nnstruct neo4j stop`). `--dedup-strategy both` writes both
    analysis folders (analysis_result_name and analysis_result_architecture).

    Exit code: 0 ok, 1 some models failed to build (the rest is done), 2 bad input or no connection.

    \b
    Example, offline, on the architectures transformers implements:
      nnstruct run --all --source transformers
    Example, the hub's 20 most downloaded models of two tasks:
      HF_TOKEN=... nnstruct run --all --tasks text-classification,image-classification --limit 20
    Example, re-run only the later stages:
      nnstruct run --dedup --analyze --dedup-strategy both --similarity-threshold 0.9
    """
    stages = [name for name, chosen in zip(api.STAGES, (do_ingest, do_dedup, do_analyze), strict=True)
              if chosen or all_stages]
    if not stages:
        raise click.UsageError("choose the stages: --all, or any of --ingest, --dedup, --analyze")
    settings = settings_from(ctx, **flags)
    if quiet:
        output.err.quiet = True
    progress = RichProgress(output.err) if "ingest" in stages else None
    try:
        summary = api.run_pipeline(settings, stages, paths, force=force, append_timestamp=append_timestamp,
                                   log=_log, progress=progress, on_stage=lambda name: _stage(name, progress),
                                   on_result=lambda name, result: _done(name, result, progress))
    finally:
        if progress is not None:
            progress.stop()
    if as_json:
        click.echo(json.dumps(summary.to_json(), indent=2, default=str))
    return summary.exit_code


def _stage(name: str, progress: RichProgress | None) -> None:
    output.err.rule(name)
    if name == "ingest" and progress is not None:
        progress.start()


def _done(name: str, result: Any, progress: RichProgress | None) -> None:
    """What each stage did, on stderr, as it ends."""
    if name == "ingest":
        if progress is not None:
            progress.stop()
        print_summary(result, output.err)
    elif name == "dedup":
        for line in result.lines():
            output.err.print(line, markup=False, highlight=False)
    else:
        analysis_report(result)


COMMANDS = [run]
