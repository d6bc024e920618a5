"""The Python API runs the stages as the CLI does, from the same settings: typed results, callbacks instead of
prints, and bad input refused before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnstruct import api
from nnstruct.analysis.analyze import AnalysisResult
from nnstruct.dedup.runner import DedupSummary
from nnstruct.errors import NnstructError
from nnstruct.graph.connection import Graph
from nnstruct.ingest.runner import IngestResult
from nnstruct.settings import Settings


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings(environ={**os.environ, "NNSTRUCT_SOURCE": "transformers", "NNSTRUCT_TASKS": "fill-mask",
                             "NNSTRUCT_LIMIT": "2", "NNSTRUCT_WORKERS": "0", "NNSTRUCT_DEDUP_STRATEGY": "both",
                             "NNSTRUCT_OUTPUT_DIR": str(tmp_path / "out"), **env})


def test_run_pipeline_returns_typed_results_and_reports_through_callbacks(clean_graph: Graph, tmp_path: Path):
    lines: list[str] = []
    stages: list[str] = []
    ended: list[str] = []
    summary = api.run_pipeline(_settings(tmp_path), log=lines.append, on_stage=stages.append,
                               on_result=lambda name, _result: ended.append(name))
    assert stages == ended == ["ingest", "dedup", "analyze"]
    assert isinstance(summary.ingest, IngestResult) and summary.ingest.ok == 2
    assert isinstance(summary.dedup, DedupSummary) and summary.dedup.strategy == "both"
    assert [type(r) for r in summary.analysis] == [AnalysisResult, AnalysisResult]
    # analyze reads the tasks setting exactly as ingest does (NNSTRUCT_TASKS), for every view
    assert [(r.view, r.tasks) for r in summary.analysis] == [("name", ["fill-mask"]), ("architecture", ["fill-mask"])]
    assert all(r.report_markdown is not None and r.report_markdown.is_file() for r in summary.analysis)
    assert any("analysing view name" in line for line in lines)
    assert summary.to_json()["ingest"]["ok"] == 2
    views = clean_graph.read("MATCH (m:Model {status: 'ok'}) RETURN m.views AS views")
    assert views and all("none" in row["views"] for row in views)


@pytest.mark.parametrize(("env", "message"), [
    ({"NNSTRUCT_SOURCE": "HUBX"}, "unknown source 'HUBX'"),
    ({"NNSTRUCT_DEDUP_STRATEGY": "names"}, "unknown dedup strategy 'names'"),
    ({"NNSTRUCT_LIMIT": "-3"}, "must be 0 or more"),
    ({"NNSTRUCT_TASKS": "fill-mask,no-such-task"}, "no-such-task"),
])
def test_bad_settings_fail_before_anything_is_written(clean_graph: Graph, tmp_path: Path, env, message):
    with pytest.raises(NnstructError, match=message):
        api.run_pipeline(_settings(tmp_path, **env))
    assert clean_graph.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == 0
    assert not (tmp_path / "out").exists()


def test_spellings_of_choices_are_normalised_once(tmp_path: Path):
    settings = _settings(tmp_path, NNSTRUCT_DEDUP_STRATEGY=" Architecture ", NNSTRUCT_SOURCE="Transformers")
    assert settings.dedup_strategy == "architecture" and settings.source == "transformers"
    assert [str(v) for v in api.analysis_views(settings)] == ["architecture"]
    assert [str(v) for v in api.analysis_views(settings, "both")] == ["name", "architecture"]
