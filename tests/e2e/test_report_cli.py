"""``nnstruct report SPEC``: a user's Markdown spec with cypher blocks becomes a Markdown and a self-contained HTML
report; a broken block is one line naming the spec and the line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnstruct.graph.connection import Graph
from tests.analysis_fixtures import populate

SPEC = '''<!-- params: {view: 'none', tasks: null} -->
# Layer report

Linear layers dominate transformer models:

```cypher render=bar x=layer_type y=modules top=10 title="Most frequent layer types" table=5
MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)-[u:USES]->(l:LayerType)
WHERE $tasks IS NULL OR t.name IN $tasks
RETURN l.name AS layer_type, sum(u.modules) AS modules
ORDER BY modules DESC
```

Depth per task, from a shipped query file:

```cypher file=analysis/nesting_level table=true
```

Only vision:

```cypher file=analysis/layer_types_per_task params="{tasks: ['image-classification']}" render=table rows=3
```
'''

pytestmark = pytest.mark.population  # reads the shared reference population (tests/conftest.py orders it)


@pytest.fixture(scope="module")
def population(graph: Graph) -> dict:
    return populate(graph)


def nnstruct(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnstruct.cli.main", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=600)


def test_spec_becomes_markdown_and_html(population, tmp_path):
    spec = tmp_path / "layers.md"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    done = nnstruct("report", str(spec), "--output-dir", str(out))
    assert done.returncode == 0, done.stderr
    markdown_path, html_path = (Path(line) for line in done.stdout.splitlines())
    assert markdown_path == out / "reports" / "layers.md" and html_path == out / "reports" / "layers.html"
    markdown = markdown_path.read_text()
    assert "```cypher" not in markdown
    assert "![Most frequent layer types](../images/block_6_bar.png)" in markdown
    assert "| Linear |" in markdown and "_5 of " in markdown  # table=5 under the chart
    assert "](../images/nesting_level_grouped-bar.png)" in markdown
    assert "| image-classification | Linear |" in markdown and "| text-classification |" not in markdown.split(
        "Only vision")[1]
    assert "## Run information" in markdown and "| view | none |" in markdown
    for name in ("block_6", "nesting_level", "layer_types_per_task_20"):
        assert (out / "csv_data" / f"{name}.csv").is_file()
    page = html_path.read_text()
    assert page.count("data:image/png;base64,") == 2 and "<table>" in page


def test_report_parameters_from_the_command_line(population, tmp_path):
    spec = tmp_path / "layers.md"
    spec.write_text(SPEC)
    done = nnstruct("report", str(spec), "--output-dir", str(tmp_path / "o"), "--tasks", "text-generation",
                    "--name", "gen")
    assert done.returncode == 0, done.stderr
    markdown = (tmp_path / "o" / "reports" / "gen.md").read_text()
    assert "| tasks | text-generation |" in markdown
    assert "image-classification" in markdown  # the block's own params win over the report's


def test_broken_block_names_spec_and_line(population, tmp_path):
    spec = tmp_path / "broken.md"
    spec.write_text("# Broken\n\n```cypher render=table\nMATCH (n RETURN n\n```\n")
    done = nnstruct("report", str(spec), "--output-dir", str(tmp_path / "o"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"error: {spec}, statement 1 (line 4): syntax error" in done.stderr
    unknown = tmp_path / "unknown.md"
    unknown.write_text("# X\n\n```cypher render=pie\nRETURN 1\n```\n")
    done = nnstruct("report", str(unknown))
    assert done.returncode == 2 and f"{unknown}:3: unknown render kind 'pie'" in done.stderr


def test_empty_result_block_says_so(population, tmp_path):
    spec = tmp_path / "empty.md"
    spec.write_text("# Empty\n\n```cypher render=bar x=a y=b\nMATCH (m:Model {id: 'nope'}) RETURN m.id AS a, 1 AS b\n"
                    "```\n")
    done = nnstruct("report", str(spec), "--output-dir", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    assert "returned no rows" in done.stderr
    assert "The query returned no rows" in (tmp_path / "o" / "reports" / "empty.md").read_text()
