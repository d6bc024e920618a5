"""Report specs: Markdown with cypher blocks, parsed into prose and blocks (no database needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstruct.analysis.report import block_name, block_query
from nnstruct.analysis.report_spec import Block, parse_spec, parse_spec_text
from nnstruct.errors import QueryFileError
from nnstruct.queries.query_file import queries_root

SPEC = '''<!-- params: {view: 'name', tasks: null} -->
# My report

Some prose.

```cypher render=bar x=layer_type y=modules top=10 title="Most frequent layer types"
MATCH (a:Architecture)-[u:USES]->(l:LayerType)
RETURN l.name AS layer_type, sum(u.modules) AS modules
```

```python
print("not a query")
```

```cypher file=analysis/nesting_level table=12 params="{tasks: ['text-classification']}"
```

Closing words.
'''


def test_blocks_prose_and_report_params():
    spec = parse_spec_text(SPEC, Path("my_report.md"))
    assert spec.params == {"view": "name", "tasks": None}
    first, second = spec.blocks
    assert first.line == 6 and first.renders[0].kind == "bar" and first.renders[0].top == 10
    assert first.renders[0].title == "Most frequent layer types"
    assert first.cypher.startswith("MATCH (a:Architecture)")
    assert second.file == "analysis/nesting_level" and second.renders is None
    assert second.table == 12 and second.params == {"tasks": ["text-classification"]}
    prose = "\n".join(part for part in spec.parts if isinstance(part, str))
    assert "```python" in prose and "Closing words." in prose and "<!-- params" not in prose


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("```cypher\nMATCH (n) RETURN n\n", "never closed"),
        ("```cypher file=analysis/overview\nMATCH (n) RETURN n\n```\n", "file= or inline Cypher, not both"),
        ("```cypher\n```\n", "empty cypher block"),
        ("```cypher table=maybe\nRETURN 1\n```\n", "table='maybe'"),
        ("```cypher x=a\nRETURN 1\n```\n", "need render=KIND"),
        ("```cypher render=pie\nRETURN 1\n```\n", "unknown render kind 'pie'"),
        ("```cypher params=\"{top: }\"\nRETURN 1\n```\n", "params="),
    ],
)
def test_bad_blocks_name_the_spec_and_line(text, message):
    with pytest.raises(QueryFileError) as caught:
        parse_spec_text("# t\n\n" + text, Path("spec.md"))
    assert "spec.md:3" in str(caught.value)
    assert message in str(caught.value)


def test_inline_block_becomes_a_query_pointing_into_the_spec(tmp_path):
    path = tmp_path / "spec.md"
    path.write_text(SPEC)
    spec = parse_spec(path)
    query = block_query(spec.blocks[0], path)
    assert query.path == path and query.name == "block_6"
    assert query.statements[0].startswith("MATCH (a:Architecture)")
    assert block_name(spec.blocks[0], query) == "block_6"
    shipped = block_query(spec.blocks[1], path)
    assert shipped.name == "analysis/nesting_level"
    assert block_name(spec.blocks[1], shipped) == "nesting_level_15"


def test_file_beside_the_spec_wins(tmp_path):
    (tmp_path / "mine.cypher").write_text("// title: Mine\nRETURN 1 AS one\n")
    query = block_query(Block(line=1, cypher="", file="mine"), tmp_path / "spec.md")
    assert query.title == "Mine"
    with pytest.raises(QueryFileError, match="spec.md:1: .*no shipped query named 'absent'"):
        block_query(Block(line=1, cypher="", file="absent"), tmp_path / "spec.md")


def test_the_shipped_analysis_report_spec_parses_and_names_existing_files():
    path = queries_root() / "analysis" / "report_spec.md"
    spec = parse_spec(path)
    assert spec.params == {"view": "none", "tasks": None}
    assert len(spec.blocks) >= 10
    for block in spec.blocks:
        assert block_query(block, path).statements
