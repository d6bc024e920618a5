"""The analysis stage: run Cypher query files into pandas DataFrames, draw them, and write reports.

Notebook use::

    from nnstruct.analysis import run_query
    df = run_query("analysis/layer_types_per_task", view="name")

Heavy libraries (pandas, matplotlib) load on first use, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nnstruct.analysis.analyze import AnalysisResult, run_analysis
    from nnstruct.analysis.report import build_report
    from nnstruct.analysis.runner import run_query

__all__ = ["AnalysisResult", "build_report", "run_analysis", "run_query"]

_HOMES = {
    "AnalysisResult": "nnstruct.analysis.analyze",
    "run_analysis": "nnstruct.analysis.analyze",
    "build_report": "nnstruct.analysis.report",
    "run_query": "nnstruct.analysis.runner",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(name)
