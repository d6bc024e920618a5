"""`nnstruct run --all --source transformers` on a handful of tasks, end to end, checked by its output files."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from nnstruct.graph.connection import Graph
from tests.server_fixtures import run_cli

TASKS = ("text-classification", "image-classification", "automatic-speech-recognition")
LIMIT = 2  # model types per task: two make a box and a family to count; the README's main job runs them all


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory, graph: Graph) -> tuple[dict, Path]:
    from nnstruct.graph.schema import init_schema, reset

    reset(graph)
    init_schema(graph)
    workdir = tmp_path_factory.mktemp("run")
    done = run_cli("run", "--all", "--source", "transformers", "--tasks", ",".join(TASKS), "--limit", str(LIMIT),
                   "--dedup-strategy", "both", "--json", env=dict(os.environ), cwd=workdir, timeout=1800)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout), workdir


def test_summary_reports_every_stage(pipeline_run: tuple[dict, Path]) -> None:
    summary, _ = pipeline_run
    assert summary["stages"] == ["ingest", "dedup", "analyze"]
    assert summary["exit_code"] == 0
    assert summary["ingest"]["ok"] == LIMIT * len(TASKS)
    assert set(summary["ingest"]["per_task"]) == set(TASKS)
    assert summary["dedup"]["strategy"] == "both"
    assert summary["dedup"]["families"] >= 1 and summary["dedup"]["clusters"] >= 1
    assert [entry["view"] for entry in summary["analysis"]] == ["name", "architecture"]


@pytest.mark.parametrize("view", ["name", "architecture"])
def test_each_view_writes_the_analysis_folder(pipeline_run: tuple[dict, Path], view: str) -> None:
    _, workdir = pipeline_run
    folder = workdir / f"analysis_result_{view}"
    for task in TASKS:
        boxplot = folder / "images" / "boxplot" / f"{task}.png"
        assert boxplot.is_file(), sorted(p.name for p in (folder / "images" / "boxplot").iterdir())
        assert (folder / "statistics_txt" / f"{task}.txt").read_text().strip()
    images = list((folder / "images").rglob("*.png"))
    assert len(images) >= 10
    for image in images:
        with Image.open(image) as picture:
            picture.verify()
            assert picture.size[0] > 100 and picture.size[1] > 100
    with (folder / "csv_data" / "layer_types_per_task.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {row["task"] for row in rows} == set(TASKS)
    markdown = (folder / "reports" / "analysis_report.md").read_text()
    assert "![" in markdown and all(task in markdown for task in TASKS)
    index = folder / "reports" / "index.html"
    assert index.stat().st_size < 1_000_000 and all(task in index.read_text() for task in TASKS)
    assert {page.stem for page in (folder / "reports" / "tasks").glob("*.html")} == set(TASKS)
