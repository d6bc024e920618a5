"""What produced a report: software versions (installed and recorded in the graph), settings and counts."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from nnstruct.analysis.html_safety import markdown_text
from nnstruct.analysis.tables import cell, plain

PACKAGES = ("nnstruct", "torch", "transformers", "networkx", "neo4j", "pandas", "matplotlib")


def installed_versions() -> dict[str, str]:
    """Versions of the packages in this environment (read from metadata: no torch import needed)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["python"] = platform.python_version()
    return versions


def _listing(value: Any) -> str:
    value = plain(value)
    if isinstance(value, list):
        shown = [str(v) for v in value if v not in (None, "")]
        return ", ".join(sorted(shown)) if shown else "(none recorded)"
    return "(none recorded)" if value in (None, "") else str(value)


def _dedup_runs(value: Any) -> str:
    runs = plain(value) or []
    if not runs:
        return "(dedup not run)"
    parts = []
    for run in runs:
        details = ", ".join(f"{k}={v}" for k, v in sorted(run.items()) if k != "strategy")
        parts.append(f"{run.get('strategy', '?')} ({details})" if details else str(run.get("strategy", "?")))
    return "; ".join(parts)


def run_info_rows(graph_info: dict[str, Any], settings: dict[str, Any],
                  counts: dict[str, Any] | None = None, now: datetime | None = None) -> list[tuple[str, str]]:
    """(key, value) rows for the report's "Run information" table."""
    installed = installed_versions()
    rows: list[tuple[str, str]] = [
        ("date", (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("nnstruct", installed["nnstruct"]),
        ("Neo4j", str(graph_info.get("neo4j", "?"))),
    ]
    for key, value in settings.items():
        rows.append((key, _listing(value) if isinstance(value, list | tuple) else ("all" if value is None
                                                                                  else str(value))))
    for key, value in (counts or {}).items():
        rows.append((f"{key.replace('_', ' ')} in the selection", cell(value)))
    rows += [
        ("torch (data ingested with)", _listing(graph_info.get("torch_versions"))),
        ("transformers (data ingested with)", _listing(graph_info.get("transformers_versions"))),
        ("networkx (architecture hashes)", _listing(graph_info.get("networkx_versions"))),
        ("sources", _listing(graph_info.get("sources"))),
        ("last ingested", _listing(graph_info.get("last_ingested"))),
        ("dedup runs", _dedup_runs(graph_info.get("dedup_runs"))),
    ]
    rows += [(f"{name} (installed)", version) for name, version in installed.items() if name != "nnstruct"]
    return rows


def markdown_rows(rows: list[tuple[str, str]]) -> str:
    lines = ["| setting | value |", "|---|---|"]
    lines += [f"| {markdown_text(key)} | {markdown_text(value)} |" for key, value in rows]
    return "\n".join(lines)
