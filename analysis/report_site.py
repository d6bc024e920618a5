"""The analysis report as a small website: ``reports/index.html`` (the overview: the Markdown report's content,
with each per-task gallery replaced by links) and one page per task (``reports/tasks/<task>.html``: that task's
charts, its statistics and its model pages), images as files beside them, navigation on every page.

Nothing is inlined, so the index stays small whatever the number of tasks; the single self-contained HTML file
(every image as a data URI) is written only when asked (``--single-html``), for sharing. Text from the graph is
escaped: tables and findings go through Markdown (whose table cells :func:`markdown_table` escapes), everything
else through :func:`html.escape`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import markdown

from nnstruct.analysis.charts import ChartFile, slug
from nnstruct.analysis.html_report import _STYLE as REPORT_STYLE

INDEX = "index.html"
TASKS_DIR = "tasks"
MODELS_DIR = "models"
_GALLERY = re.compile(r'<details markdown="1">\n<summary>.*?</summary>.*?</details>', re.DOTALL)
_IMAGE = re.compile(r"\]\((\.\./images/[^)\s]+)\)")
_EXTENSIONS = ["tables", "fenced_code", "md_in_html", "toc", "sane_lists"]

_SITE_STYLE = REPORT_STYLE + """
body { max-width: 1200px; }
nav.site { font-size: 90%; background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 4px; padding: .5em .8em;
           margin-bottom: 1.2em; line-height: 1.9; }
nav.site a { margin-right: .7em; white-space: nowrap; }
nav.site .here { font-weight: 700; margin-right: .7em; }
nav.site .label { color: #666; margin-right: .4em; }
.facet-links a { margin-right: .5em; white-space: nowrap; }
pre.stats { font-size: 85%; }
"""


@dataclass
class Site:
    """The pages written: the index, the task pages by task, and the model pages linked from them."""

    index: Path
    tasks: dict[str, Path] = field(default_factory=dict)
    models: dict[str, list[tuple[str, Path]]] = field(default_factory=dict)

    def pages(self) -> list[Path]:
        return [self.index, *self.tasks.values()]


def task_page_name(task: str) -> str:
    return f"{TASKS_DIR}/{slug(task)}.html"


def model_page_name(model_id: str) -> str:
    return f"{MODELS_DIR}/{slug(model_id)}.html"


def _chart_task(chart: ChartFile) -> str | None:
    return str(chart.task) if chart.task is not None else None


def _section(chart: ChartFile) -> str:
    """The anchor of a chart family on a task page: its image folder (``boxplot``, ``layer_types_per_task``)."""
    return slug(chart.path.parent.name)


def _nav(tasks: list[str], here: str | None, prefix: str, views: dict[str, str]) -> str:
    """Links to the overview and every task page (``prefix`` leads from the page to ``reports/``)."""
    parts = ['<span class="here">Overview</span>' if here is None else f'<a href="{prefix}{INDEX}">Overview</a>']
    parts.append('<span class="label">Tasks:</span>')
    for task in tasks:
        name = html.escape(task)
        if task == here:
            parts.append(f'<span class="here">{name}</span>')
        else:
            parts.append(f'<a href="{prefix}{html.escape(task_page_name(task))}">{name}</a>')
    if views:
        parts.append('<span class="label">Other views:</span>')
        parts.extend(f'<a href="{html.escape(prefix + link)}">{html.escape(view)}</a>' for view, link in views.items())
    return '<nav class="site">' + " ".join(parts) + "</nav>"


def _page(title: str, nav: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_SITE_STYLE}</style>\n</head>\n<body>\n{nav}\n{body}\n"
        f"{nav}\n</body>\n</html>\n"
    )


def _gallery_links(block: str, by_image: dict[str, ChartFile]) -> str:
    """A per-task gallery of the Markdown report, as one line of links to the task pages."""
    links = []
    for src in _IMAGE.findall(block):
        chart = by_image.get(src)
        task = _chart_task(chart) if chart is not None else None
        if chart is None or task is None:
            continue
        links.append(f'<a href="{html.escape(task_page_name(task))}#{_section(chart)}">{html.escape(task)}</a>')
    if not links:
        return block
    return (f'<p class="facet-links">One chart per task, on the task pages ({len(links)}): '
            + " ".join(links) + "</p>")


def other_views(root: Path) -> dict[str, str]:
    """Sibling analysis folders (``analysis_result_<view>``) with a site of their own, as links from reports/."""
    views = {}
    for folder in sorted(root.parent.glob("analysis_result_*")):
        if folder.resolve() != root.resolve() and (folder / "reports" / INDEX).is_file():
            views[folder.name.removeprefix("analysis_result_")] = f"../../{folder.name}/reports/{INDEX}"
    return views


def write_site(root: Path, report_markdown: str, title: str, charts: Iterable[ChartFile],
               models: dict[str, list[tuple[str, Path]]] | None = None) -> Site:
    """Write ``reports/index.html`` and ``reports/tasks/<task>.html`` under ``root`` (the analysis folder).

    ``report_markdown`` is the Markdown report (image links relative to ``reports/``); ``charts`` every chart
    drawn (faceted ones carry their task); ``models`` the model pages already written, per task.
    """
    reports = root / "reports"
    charts = list(charts)
    models = models or {}
    by_image = {(Path("..") / chart.path.relative_to(root)).as_posix(): chart for chart in charts}
    per_task: dict[str, list[ChartFile]] = {}
    for chart in charts:
        task = _chart_task(chart)
        if task is not None:
            per_task.setdefault(task, []).append(chart)
    tasks = sorted(set(per_task) | set(models))
    views = other_views(root)

    overview = _GALLERY.sub(lambda match: _gallery_links(match.group(0), by_image), report_markdown)
    body = markdown.markdown(overview, extensions=_EXTENSIONS)
    task_list = "".join(f'<li><a href="{html.escape(task_page_name(t))}">{html.escape(t)}</a></li>' for t in tasks)
    body += f"\n<h2 id=\"task-pages\">Task pages</h2>\n<ul>{task_list}</ul>\n" if tasks else ""
    site = Site(reports / INDEX, models=models)
    site.index.write_text(_page(title, _nav(tasks, None, "", views), body), encoding="utf-8")

    (reports / TASKS_DIR).mkdir(exist_ok=True)
    for position, task in enumerate(tasks):
        site.tasks[task] = reports / task_page_name(task)
        site.tasks[task].write_text(_task_page(root, task, tasks, position, per_task.get(task, []),
                                               models.get(task, []), views), encoding="utf-8")
    return site


def _task_page(root: Path, task: str, tasks: list[str], position: int, charts: list[ChartFile],
               models: list[tuple[str, Path]], views: dict[str, str]) -> str:
    reports = root / "reports"
    pieces = [f"<h1>{html.escape(task)}</h1>"]
    steps = []
    if position > 0:
        steps.append(f'previous: <a href="{html.escape(slug(tasks[position - 1]))}.html">'
                     f"{html.escape(tasks[position - 1])}</a>")
    if position + 1 < len(tasks):
        steps.append(f'next: <a href="{html.escape(slug(tasks[position + 1]))}.html">'
                     f"{html.escape(tasks[position + 1])}</a>")
    if steps:
        pieces.append(f"<p>{' · '.join(steps)}</p>")
    if models:
        items = "".join(f'<li><a href="../{html.escape(page.relative_to(reports).as_posix())}">'
                        f"{html.escape(model_id)}</a></li>" for model_id, page in models)
        pieces.append("<h2 id=\"models\">Model pages</h2>\n<p>The module tree of the task's typical model, folded, "
                      f"collapsible and searchable (one self-contained page each):</p><ul>{items}</ul>")
    sections: dict[str, list[ChartFile]] = {}
    for chart in charts:
        sections.setdefault(_section(chart), []).append(chart)
    for anchor, group in sections.items():
        pieces.append(f'<h2 id="{html.escape(anchor)}">{html.escape(group[0].title)}</h2>')
        for chart in group:
            src = Path("..") / Path("..") / chart.path.relative_to(root)
            pieces.append(f'<p><img src="{html.escape(src.as_posix())}" alt="{html.escape(chart.title)}"></p>')
    stats = root / "statistics_txt" / f"{slug(task)}.txt"
    if stats.is_file():
        pieces.append(f'<h2 id="statistics">Statistics</h2>\n<pre class="stats">'
                      f"{html.escape(stats.read_text(encoding='utf-8'))}</pre>")
    return _page(f"{task}: structure of its models", _nav(tasks, task, "../", views), "\n".join(pieces))
