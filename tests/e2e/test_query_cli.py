"""``nnstruct query`` and ``nnstruct analyze`` as a user runs them (a subprocess each): results on stdout only,
and bad input (syntax error, missing parameter, empty result, unwritable folder) as one line naming the file."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from nnstruct.graph.connection import Graph
from tests.analysis_fixtures import populate, reference

pytestmark = pytest.mark.population  # reads the shared reference population (tests/conftest.py orders it)


@pytest.fixture(scope="module")
def population(graph: Graph) -> dict:
    return populate(graph)


def nnstruct(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnstruct.cli.main", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=600, cwd=cwd)


def assert_one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    error = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1, done.stderr
    for fragment in fragments:
        assert fragment in error[0], error[0]


def test_json_output_is_clean(population):
    done = nnstruct("query", "analysis/layer_types_per_task", "--format", "json", "--tasks", "token-classification")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)  # nothing but the JSON on stdout
    linear = next(row for row in rows if row["layer_type"] == "Linear")
    assert linear == {"task": "token-classification", "layer_type": "Linear", "modules": 73, "models": 1}
    assert "rows in" in done.stderr


def test_csv_and_table_formats(population):
    done = nnstruct("query", "analysis/depth_per_model", "--format", "csv", "--param", "view=none")
    frame = pd.read_csv(io.StringIO(done.stdout)).set_index("example_model")
    ref = reference("bert", "token-classification")
    assert frame.loc["transformers/bert/token-classification", "mean_depth"] == pytest.approx(ref.mean_depth, 1e-4)
    table = nnstruct("query", "analysis/nesting_level", "--max-rows", "2")
    assert table.returncode == 0 and "Nesting level per task" in table.stdout
    assert "showing 2 of 4 rows" in table.stderr


def test_chart_format_writes_valid_images(population, tmp_path):
    done = nnstruct("query", "analysis/layer_types_per_task", "--format", "chart", "--out", str(tmp_path))
    paths = [Path(line) for line in done.stdout.splitlines()]
    assert len(paths) == 4 + 2  # one bar chart per task, two heatmaps
    for path in paths:
        with Image.open(path) as image:
            image.verify()
    override = nnstruct("query", "analysis/model_sizes", "--format", "chart", "--out", str(tmp_path),
                        "--render", "bar x=example_model y=total_params name=sizes")
    assert override.stdout.strip() == str(tmp_path / "sizes.png")


def test_a_users_own_file_with_parameters(population, tmp_path):
    mine = tmp_path / "mine.cypher"
    mine.write_text("// title: Mine\n// params: {top: 3}\n"
                    "MATCH (l:LayerType)<-[u:USES]-() RETURN l.name AS layer_type, sum(u.modules) AS modules\n"
                    "ORDER BY modules DESC LIMIT $top\n")
    done = nnstruct("query", str(mine), "--param", "top=2", "--format", "json")
    assert [row["layer_type"] for row in json.loads(done.stdout)][:1] == ["Linear"]
    assert len(json.loads(done.stdout)) == 2


def test_syntax_error_names_file_and_line(population, tmp_path):
    bad = tmp_path / "bad.cypher"
    bad.write_text("// title: Bad\n// params: {}\n\nMATCH (n RETURN n\n")
    assert_one_line_error(nnstruct("query", str(bad)), str(bad), "line 4", "syntax error")


def test_missing_parameter_names_it(population, tmp_path):
    needs = tmp_path / "needs.cypher"
    needs.write_text("MATCH (m:Model {id: $who}) RETURN m.id AS id\n")
    assert_one_line_error(nnstruct("query", str(needs)), str(needs), "$who", "--param")


def test_empty_result_is_said_not_failed(population):
    done = nnstruct("query", "analysis/nesting_level", "--tasks", "no-such-task", "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout) == []
    assert "analysis/nesting_level.cypher returned no rows" in done.stderr
    chart = nnstruct("query", "analysis/nesting_level", "--tasks", "no-such-task", "--format", "chart")
    assert_one_line_error(chart, "analysis/nesting_level.cypher", "nothing to draw")


def test_unknown_files_and_views(population):
    assert_one_line_error(nnstruct("query", "analysis/nope"), "no shipped query named 'analysis/nope'")
    assert_one_line_error(nnstruct("query", "analysis/overview", "--param", "view=family"), "unknown view")


def test_analyze_into_an_unwritable_folder(population, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = nnstruct("analyze", "--view", "none", "--output-dir", str(blocker / "out"))
    assert_one_line_error(done, "cannot write to output folder", str(blocker / "out"))


def test_analyze_both_views_with_timestamp(population, tmp_path):
    done = nnstruct("analyze", "--view", "both", "--tasks", "text-classification", "--append-timestamp",
                    cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    reports = [Path(line) for line in done.stdout.splitlines()]
    assert len(reports) == 4 and all((tmp_path / p).is_file() for p in reports)
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert [f.rsplit("_", 1)[0] for f in folders] == ["analysis_result_architecture", "analysis_result_name"]
    assert "view name:" in done.stderr and "view architecture:" in done.stderr


def test_query_from_stdin_and_inline_in_every_format(population):
    text = ("// params: {top: 2}\nMATCH (m:Model {status: 'ok'}) RETURN m.task AS task, count(*) AS models "
            "ORDER BY models DESC, task LIMIT $top")
    piped = subprocess.run([sys.executable, "-m", "nnstruct.cli.main", "query", "-", "--format", "json"],
                           input=text, capture_output=True, text=True, env=dict(os.environ), timeout=600)
    assert piped.returncode == 0, piped.stderr
    rows = json.loads(piped.stdout)
    assert len(rows) == 2 and set(rows[0]) == {"task", "models"}
    inline = nnstruct("query", "--cypher", text, "--param", "top=1", "--format", "csv")
    assert inline.returncode == 0, inline.stderr
    assert pd.read_csv(io.StringIO(inline.stdout)).to_dict("records") == rows[:1]
    table = nnstruct("query", "--cypher", "MATCH (t:Task) RETURN t.name AS task ORDER BY task")
    assert table.returncode == 0 and "token-classification" in table.stdout
    assert_one_line_error(nnstruct("query", "--cypher", "MATCH (n RETURN n"), "<cypher>", "syntax error")
    assert_one_line_error(nnstruct("query", "--cypher", "   "), "no query given")
    both = nnstruct("query", "analysis/overview", "--cypher", "RETURN 1 AS one")
    assert both.returncode == 2 and "not both" in both.stderr
