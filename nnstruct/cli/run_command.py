"""``nnstruct run``: the whole pipeline (ingest -> dedup -> analyze) the way users drive it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nnstruct.cli import output
from nnstruct.cli.options import (
    connection_options,
    dedup_flags,
    ingest_flags,
    pop_connection_flags,
    settings_from,
)
from nnstruct.errors import EXIT_OK, EXIT_SOME_FAILED, NnstructError

if TYPE_CHECKING:
    from nnstruct.graph.connection import Graph
    from nnstruct.settings import Settings


@dataclass
class RunSummary:
    """What ``nnstruct run --json`` prints; also returned to Python callers."""

    stages: list[str]
    started_local_server: bool = False
    ingest: dict[str, Any] | None = None
    dedup: dict[str, Any] | None = None
    analysis: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int = EXIT_OK


def _log(message: str) -> None:
    output.err.print(f"  {message}", markup=False, highlight=False)


def _ensure_server(settings: Settings) -> bool:
    """Start the local Neo4j when no server is configured and none runs; True when this run started it."""
    if settings.neo4j_uri is not None:
        return False
    from nnstruct.graph.server.launcher import ensure_running

    started = ensure_running(settings, timeout=300, echo=_log)
    if started:
        output.err.print(
            f"started the local Neo4j server at bolt://127.0.0.1:{settings.bolt_port}; it keeps running for "
            "Neo4j Browser and later commands: stop it with `nnstruct neo4j stop`", highlight=False)
    return started


def _ingest(settings: Settings, paths: tuple[Path, ...], force: bool) -> dict[str, Any]:
    from nnstruct.cli.ingest_commands import run_from_settings

    result = run_from_settings(settings, paths, force=force)
    return {
        "ok": result.ok,
        "skipped": len(result.skipped),
        "failed": len(result.failures),
        "already_ingested": sum(result.already_ingested.values()),
        "architectures_created": result.architectures_created,
        "modules_written": result.modules_written,
        "seconds": round(result.seconds, 1),
        "per_task": {task: dict(counts) for task, counts in sorted(result.counts().items())},
        "failures": [{"id": r.id, "task": r.task, "reason": r.reason} for r in result.failures],
        "exit_code": result.exit_code,
    }


def _dedup(graph: Graph, settings: Settings, label: str) -> dict[str, Any]:
    from nnstruct.dedup import run_dedup

    summary = run_dedup(graph, settings.dedup_strategy, settings.similarity_threshold, label, log=_log)
    for line in summary.lines():
        output.err.print(line, markup=False, highlight=False)
    return asdict(summary)


def _analyze(graph: Graph, settings: Settings, append_timestamp: bool) -> list[dict[str, Any]]:
    from nnstruct.cli.analyze_commands import analyze_views

    results = analyze_views(graph, settings, settings.dedup_strategy, list(settings.tasks) or None, append_timestamp)
    return [{
        "view": result.view, "output_dir": str(result.output_dir), "charts": len(result.charts),
        "csvs": len(result.csvs), "report_markdown": str(result.report_markdown),
        "report_html": str(result.report_html), "seconds": round(result.seconds, 1),
    } for result in results]


def run_pipeline(settings: Settings, stages: list[str], paths: tuple[Path, ...] = (), force: bool = False,
                 label: str = "class", append_timestamp: bool = False) -> RunSummary:
    """Run the chosen stages in order; the same runner serves the CLI and Python callers."""
    from nnstruct.cli.ingest_commands import ingest_options as resolve_ingest_options
    from nnstruct.dedup.runner import validate
    from nnstruct.graph.connection import connect

    # Bad input fails before anything starts or is written.
    if "ingest" in stages:
        resolve_ingest_options(settings, paths)
    if "dedup" in stages:
        validate(settings.dedup_strategy, settings.similarity_threshold, label)
    summary = RunSummary(stages=stages, started_local_server=_ensure_server(settings))
    if "ingest" in stages:
        output.err.rule("ingest")
        summary.ingest = _ingest(settings, paths, force)
        if summary.ingest["exit_code"] not in (EXIT_OK, EXIT_SOME_FAILED):
            raise NnstructError("ingest stored no model; nothing to deduplicate or analyse")
        summary.exit_code = summary.ingest["exit_code"]
    with connect(settings) as graph:
        if "dedup" in stages:
            output.err.rule("dedup")
            summary.dedup = _dedup(graph, settings, label)
        if "analyze" in stages:
            output.err.rule("analyze")
            summary.analysis = _analyze(graph, settings, append_timestamp)
    return summary


@click.command("run")
@click.option("--all", "all_stages", is_flag=True, help="Run ingest, dedup and analyze.")
@click.option("--ingest", "do_ingest", is_flag=True, help="Run the ingest stage.")
@click.option("--dedup", "do_dedup", is_flag=True, help="Run the dedup stage.")
@click.option("--analyze", "do_analyze", is_flag=True, help="Run the analysis stage.")
@ingest_flags
@dedup_flags
@click.option("--output-dir", type=click.Path(path_type=Path), default=None,
              help="Analysis folder [env NNSTRUCT_OUTPUT_DIR; default: analysis_result_<view>; with "
                   "--dedup-strategy both, one sub-folder per view].")
@click.option("--append-timestamp", is_flag=True, help="Add _YYYYmmdd-HHMMSS to analysis folders.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors (and --json).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary of every stage on stdout.")
@connection_options
@click.pass_context
def run(ctx: click.Context, all_stages: bool, do_ingest: bool, do_dedup: bool, do_analyze: bool,
        paths: tuple[Path, ...], force: bool, label: str, output_dir: Path | None, append_timestamp: bool,
        quiet: bool, as_json: bool, **flags: Any) -> int:
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
    stages = [name for name, chosen in (("ingest", do_ingest), ("dedup", do_dedup), ("analyze", do_analyze))
              if chosen or all_stages]
    if not stages:
        raise click.UsageError("choose the stages: --all, or any of --ingest, --dedup, --analyze")
    connection = pop_connection_flags(flags)
    settings = settings_from(ctx, output_dir=output_dir, **connection, **flags)
    if quiet:
        output.err.quiet = True
    summary = run_pipeline(settings, stages, paths, force=force, label=label, append_timestamp=append_timestamp)
    if as_json:
        click.echo(json.dumps(asdict(summary), indent=2, default=str))
    return summary.exit_code


COMMANDS = [run]
