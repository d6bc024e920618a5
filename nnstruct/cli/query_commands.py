"""``nnstruct query`` (run any Cypher file, print or draw its result) and ``nnstruct report`` (a Markdown spec
with cypher blocks turned into a report). Results go to stdout, everything else to stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nnstruct.choices import View
from nnstruct.cli import output
from nnstruct.cli.options import connection_options, settings_from
from nnstruct.errors import NnstructError


def _shortcut_params(view: str | None, tasks: str | None) -> list[str]:
    pairs = []
    if view is not None:
        pairs.append(f"view={view}")
    if tasks is not None:
        pairs.append(f"tasks={tasks}")
    return pairs


def _list_queries() -> None:
    from rich.table import Table

    from nnstruct.queries.query_file import load, queries_root

    table = Table("name", "title", "parameters (defaults)")
    table.columns[0].no_wrap = True
    for path in sorted((queries_root()).glob("*/*.cypher")):
        name = f"{path.parent.name}/{path.stem}"
        query = load(name)
        table.add_row(name, query.title, query.meta.get("params", ""))
    output.out.print(table)


def _params_note(params: dict[str, Any], used: set[str]) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()) if k in used)
    return shown or "no parameters"


@click.command("query")
@click.argument("query_file", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter (repeatable); VALUE is a Cypher literal (10, 'x', null, [1,2]) or text; "
                   "tasks=a,b gives a list.")
@click.option("--view", type=click.Choice([str(v) for v in View], case_sensitive=False), default=None,
              help="Shortcut for --param view=VIEW.")
@click.option("--tasks", default=None, help="Shortcut for --param tasks=a,b.")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json", "chart")), default="table",
              show_default=True, help="How to give the result; chart draws the file's `// render:` specs.")
@click.option("--render", "render_text", default=None, metavar="SPEC",
              help="Chart spec overriding the file's, e.g. \"bar x=layer_type y=modules top=10\".")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Folder for --format chart images.")
@click.option("--max-rows", type=click.IntRange(min=0), default=100, show_default=True,
              help="Rows shown with --format table (0 = all); csv and json always give all.")
@click.option("--list", "list_only", is_flag=True, help="List the shipped query files and exit.")
@click.option("--cypher", "inline", default=None, metavar="QUERY",
              help="Run this Cypher text instead of a file (header lines such as `// params:` work too).")
@click.option("--write", "allow_write", is_flag=True,
              help="Let the query write to the graph (files run in read transactions otherwise).")
@connection_options
@click.pass_context
def query(ctx: click.Context, query_file: str | None, params: tuple[str, ...], view: str | None,
          tasks: str | None, fmt: str, render_text: str | None, out_dir: Path, max_rows: int, list_only: bool,
          inline: str | None, allow_write: bool, **flags: Any) -> None:
    """Run a Cypher query file and print its result (or draw it with --format chart).

    QUERY_FILE is a path, a shipped query by name (see --list), e.g. analysis/layer_types_per_task, or - to read
    the query from standard input; --cypher 'MATCH ...' runs one given inline. Parameters not given take the
    defaults of the query's `// params:` line.

    \b
    Example:
      nnstruct query analysis/layer_types_per_task --view name --tasks text-classification
      nnstruct query analysis/model_sizes --format json > sizes.json
      nnstruct query my_query.cypher --param top=5 --format chart --out charts/
      echo 'MATCH (m:Model) RETURN m.status AS status, count(*) AS models' | nnstruct query - --format csv
      nnstruct query --cypher 'MATCH (t:Task) RETURN t.name AS task, t.catalogue_rule AS rule'
    """
    if list_only:
        _list_queries()
        return
    if query_file and inline is not None:
        raise click.UsageError("give a QUERY_FILE or --cypher, not both")
    if not query_file and inline is None:
        raise click.UsageError("give a QUERY_FILE (a path, a shipped name (see --list), or - for stdin) or --cypher")
    from nnstruct.analysis import formats
    from nnstruct.analysis.params import parse_params
    from nnstruct.analysis.runner import display_name, resolve_query, run_file
    from nnstruct.graph.connection import connect

    query_file_ = _text_query(inline, "<cypher>") if inline is not None else (
        _text_query(click.get_text_stream("stdin").read(), "<stdin>") if query_file == "-" else
        resolve_query(query_file))
    given = parse_params([*params, *_shortcut_params(view, tasks)], query_file_.defaults)
    renders = _chart_specs(query_file_, render_text) if fmt == "chart" else []
    settings = settings_from(ctx, **flags)
    with connect(settings) as graph:
        result = run_file(graph, query_file_, given, write=allow_write)
    name = display_name(query_file_)
    output.err.print(f"{name}: {len(result.frame):,} rows in {result.seconds:.2f} s", markup=False, highlight=False)
    if result.empty:
        output.err.print(f"{name} returned no rows ({_params_note(result.params, query_file_.used_parameters())})",
                         markup=False, highlight=False)
        if fmt == "chart":
            raise NnstructError(f"{name}: nothing to draw, the query returned no rows")
    if fmt == "json":
        click.echo(formats.as_json(result.frame))
    elif fmt == "csv":
        click.echo(formats.as_csv(result.frame), nl=False)
    elif fmt == "table":
        if not result.empty:
            output.out.print(formats.as_table(result.frame, query_file_.title, max_rows or None))
            if max_rows and len(result.frame) > max_rows:
                output.err.print(f"showing {max_rows} of {len(result.frame):,} rows; --max-rows 0 shows all",
                                 markup=False)
    else:
        _draw(result, renders, out_dir)


def _text_query(text: str, where: str) -> Any:
    """A query given as text (``--cypher`` or standard input); ``where`` names it in messages."""
    from nnstruct.queries.query_file import parse_text

    if not text.strip():
        raise NnstructError(f"{where}: no query given (the text is empty)")
    return parse_text(text, Path(where), "query")


def _chart_specs(query_file: Any, render_text: str | None) -> list[Any]:
    from nnstruct.analysis.render_spec import parse_render
    from nnstruct.analysis.runner import display_name

    where = "--render" if render_text else display_name(query_file)
    specs = [s for s in parse_render(render_text or query_file.meta.get("render", ""), where) if s.is_chart]
    if not specs:
        raise NnstructError(f"{display_name(query_file)} has no chart in its `// render:` line; "
                            "give one with --render \"bar x=COLUMN y=COLUMN\"")
    return specs


def _draw(result: Any, renders: list[Any], out_dir: Path) -> None:
    from nnstruct.analysis.charts import draw
    from nnstruct.analysis.runner import display_name

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NnstructError(f"cannot write to {out_dir}: {exc.strerror or exc}") from exc
    base = result.query.name.rsplit("/", 1)[-1]
    for spec in renders:
        try:
            files = draw(spec, result.frame, out_dir, base, result.query.title, display_name(result.query))
        except OSError as exc:
            raise NnstructError(f"cannot write charts into {out_dir}: {exc.strerror or exc}") from exc
        for chart in files:
            click.echo(str(chart.path))


@click.command("report")
@click.argument("spec", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter for every block (repeatable), over the spec's `<!-- params: -->` defaults.")
@click.option("--view", type=click.Choice([str(v) for v in View], case_sensitive=False), default=None,
              help="Shortcut for --param view=VIEW.")
@click.option("--tasks", default=None, help="Shortcut for --param tasks=a,b.")
@click.option("--output-dir", type=click.Path(path_type=Path), default=None,
              help="Folder for reports/, images/ and csv_data/ [default: report_<spec name>].")
@click.option("--name", "report_name", default=None, help="Report file name without suffix [default: the spec's].")
@connection_options
@click.pass_context
def report(ctx: click.Context, spec: Path, params: tuple[str, ...], view: str | None, tasks: str | None,
           output_dir: Path | None, report_name: str | None, **flags: Any) -> None:
    """Turn a Markdown spec into a report: each ```cypher block is run and replaced by its charts and tables.

    \b
    A block's first line carries its options:
      ```cypher render=bar x=layer_type y=modules top=15 title="Layer types"
      ```cypher file=analysis/nesting_level table=true
    The shipped analysis report is such a spec: queries/analysis/report_spec.md.
    \b
    Example:
      nnstruct report my_report.md --view name --output-dir my_report
    """
    from nnstruct.analysis.params import parse_params
    from nnstruct.analysis.report import build_report
    from nnstruct.analysis.report_spec import parse_spec
    from nnstruct.analysis.workspace import Workspace, prepare_folder
    from nnstruct.graph.connection import connect

    parsed = parse_spec(spec)
    given = {**parsed.params, **parse_params([*params, *_shortcut_params(view, tasks)], parsed.params)}
    root = prepare_folder(output_dir or Path(f"report_{spec.stem}"))
    settings = settings_from(ctx, **flags)
    with connect(settings) as graph:
        workspace = Workspace(graph, root, given,
                              lambda message: output.err.print(f"  {message}", markup=False, highlight=False))
        result = build_report(parsed, workspace, report_name)
    for warning in workspace.warnings + result.warnings:
        output.err.print(f"warning: {warning}", markup=False, highlight=False)
    output.err.print(f"report: {len(parsed.blocks)} blocks, {len(workspace.charts)} charts, "
                     f"{len(set(workspace.csvs))} CSVs in {root}", markup=False, highlight=False)
    click.echo(str(result.markdown))
    click.echo(str(result.html))


COMMANDS = [query, report]
