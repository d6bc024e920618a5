"""Build a report from a spec: run each ``cypher`` block, replace it by its charts and tables, write the
Markdown report and its self-contained HTML twin (see :mod:`nnstruct.analysis.report_spec`)."""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnstruct.analysis import html_report
from nnstruct.analysis.charts import ChartFile, slug
from nnstruct.analysis.html_safety import markdown_text
from nnstruct.analysis.render_spec import RenderSpec, parse_render
from nnstruct.analysis.report_spec import Block, Spec, parse_spec
from nnstruct.analysis.run_info import markdown_rows, run_info_rows
from nnstruct.analysis.runner import QueryResult, display_name
from nnstruct.analysis.tables import markdown_table
from nnstruct.analysis.workspace import Workspace
from nnstruct.errors import NnstructError, QueryFileError
from nnstruct.queries.query_file import QueryFile, load, load_path, parse, parse_text

DEFAULT_TABLE_ROWS = 25
FACETS_OPEN = 0  # faceted charts are folded into a <details> block
_MARKER = re.compile(r"<!--\s*nnstruct:(\w+)\s*-->")


@dataclass
class ReportResult:
    markdown: Path
    html: Path | None  # the self-contained HTML file, when written
    charts: list[ChartFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    title: str = ""
    text: str = ""  # the Markdown written


def block_query(block: Block, spec_path: Path) -> QueryFile:
    """The query a block runs: its file (beside the spec first, else shipped) or its inline Cypher."""
    if block.file:
        beside = spec_path.parent / block.file
        for candidate in (beside, beside.with_suffix(".cypher")):
            if candidate.is_file():
                return parse(candidate)
        try:
            return load_path(block.file)
        except QueryFileError as exc:
            raise QueryFileError(f"{spec_path}:{block.line}: {exc}") from exc
    query = parse_text(block.cypher + "\n", spec_path, block.name or f"block_{block.line}")
    # Errors then point into the spec itself, at the statement's line.
    try:
        return dataclasses.replace(query, source=spec_path.read_text())
    except OSError:
        return query


def block_name(block: Block, query: QueryFile) -> str:
    if block.name:
        return slug(block.name)
    if block.file:
        base = query.name.rsplit("/", 1)[-1]
        return slug(base if not block.params else f"{base}_{block.line}")
    return f"block_{block.line}"


def _renders(block: Block, query: QueryFile, where: str) -> list[RenderSpec]:
    if block.renders is not None:
        return block.renders
    renders = parse_render(query.meta.get("render", ""), where)
    return renders or [RenderSpec(kind="table")]


def _image_link(chart: ChartFile, reports_dir: Path) -> str:
    relative = Path("..") / chart.path.relative_to(reports_dir.parent)
    return f"![{markdown_text(chart.title)}]({relative.as_posix()})"


def _charts_markdown(files: list[ChartFile], reports_dir: Path, facet: str | None) -> str:
    if not files:
        return ""
    if not facet:
        return "\n\n".join(_image_link(f, reports_dir) for f in files)
    images = "\n".join(_image_link(f, reports_dir) for f in files)
    summary = f"{len(files)} charts, one per {markdown_text(facet)}: " + ", ".join(markdown_text(f.facet)
                                                                                  for f in files[:6])
    summary += ", ..." if len(files) > 6 else ""
    return (f'<details markdown="1">\n<summary>{summary}</summary>\n\n<div class="facets" markdown="1">\n\n'
            f"{images}\n\n</div>\n</details>")


def _note(result: QueryResult, csv: Path, reports_dir: Path) -> str:
    used = result.query.used_parameters()
    shown = html.escape(", ".join(f"{k}={_short(v)}" for k, v in sorted(result.params.items()) if k in used))
    link = (Path("..") / csv.relative_to(reports_dir.parent)).as_posix()
    return (f'<p class="query-note">Query <code>{html.escape(display_name(result.query))}</code>'
            f"{' (' + shown + ')' if shown else ''}: {len(result.frame):,} rows in {result.seconds:.2f} s, "
            f'<a href="{html.escape(link)}">CSV</a></p>')


def _short(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if len(value) <= 4 else f"{len(value)} values"
    return str(value)


def render_block(block: Block, workspace: Workspace, spec_path: Path) -> str:
    """Run one block and return the Markdown that replaces it."""
    where = f"{spec_path}:{block.line}"
    query = block_query(block, spec_path)
    name = block_name(block, query)
    result = workspace.run(query, block.params, csv_name=name)
    csv = workspace.csv_dir / f"{name}.csv"
    pieces: list[str] = []
    if block.file and query.answers:
        pieces.append(f"> {markdown_text(query.answers)}")
    if result.empty:
        pieces.append(f"_The query returned no rows for these parameters ({markdown_text(where)})._")
        pieces.append(_note(result, csv, workspace.reports))
        return "\n\n".join(pieces)
    table_rows: int | None = None
    for spec in _renders(block, query, where):
        if spec.is_chart:
            files = workspace.draw(result, spec, base=name)
            pieces.append(_charts_markdown(files, workspace.reports, spec.facet))
        else:
            table_rows = spec.rows or DEFAULT_TABLE_ROWS
    if block.table is True:
        table_rows = table_rows or DEFAULT_TABLE_ROWS
    elif isinstance(block.table, int) and block.table is not False:
        table_rows = block.table
    elif block.table is False:
        table_rows = None
    if table_rows:
        pieces.append(markdown_table(result.frame, table_rows))
    pieces.append(_note(result, csv, workspace.reports))
    return "\n\n".join(piece for piece in pieces if piece)


def report_title(spec: Spec) -> str:
    for part in spec.parts:
        if isinstance(part, str):
            match = re.search(r"^#\s+(.+)$", part, re.MULTILINE)
            if match:
                return match.group(1).strip()
    return spec.path.stem.replace("_", " ")


def _fill_markers(text: str, sections: dict[str, str]) -> str:
    return _MARKER.sub(lambda m: sections.get(m.group(1), ""), text)


def build_report(spec: Spec | Path, workspace: Workspace, report_name: str | None = None,
                 sections: dict[str, str] | None = None, settings: dict[str, Any] | None = None,
                 counts: dict[str, Any] | None = None, single_html: bool = True) -> ReportResult:
    """Run every block of ``spec`` in ``workspace`` and write ``reports/<name>.md`` and, with ``single_html``,
    its self-contained ``.html`` twin (``ReportResult.html`` is then None otherwise).

    ``sections`` fill ``<!-- nnstruct:NAME -->`` markers in the prose (e.g. data-driven findings);
    ``settings`` and ``counts`` go into the closing "Run information" table with the versions.
    """
    if isinstance(spec, Path):
        spec = parse_spec(spec)
    charts_before = len(workspace.charts)
    chunks: list[str] = []
    for part in spec.parts:
        if isinstance(part, Block):
            chunks.append(render_block(part, workspace, spec.path))
        else:
            chunks.append(_fill_markers(part, sections or {}))
    info = workspace.run(load("analysis/run_info"), csv_name="run_info").frame
    graph_info = info.iloc[0].to_dict() if not info.empty else {}
    used_settings = settings if settings is not None else {k: v for k, v in workspace.params.items()}
    rows = run_info_rows(graph_info, {"report spec": str(spec.path), **used_settings}, counts)
    chunks.append("## Run information\n\n" + markdown_rows(rows))
    text = "\n\n".join(chunk.strip("\n") for chunk in chunks if chunk.strip()) + "\n"
    workspace.flush()  # the HTML inlines the images: they must exist now
    name = slug(report_name or spec.path.stem)
    md_path = workspace.reports / f"{name}.md"
    html_path = workspace.reports / f"{name}.html"
    page, missing = html_report.to_html(text, report_title(spec), workspace.reports) if single_html else ("", [])
    try:
        md_path.write_text(text)
        if single_html:
            html_path.write_text(page)
    except OSError as exc:
        raise NnstructError(f"cannot write the report into {workspace.reports}: {exc.strerror or exc}") from exc
    warnings = [f"{html_path.name}: image {src} not found" for src in missing]
    return ReportResult(md_path, html_path if single_html else None, workspace.charts[charts_before:], warnings,
                        title=report_title(spec), text=text)
