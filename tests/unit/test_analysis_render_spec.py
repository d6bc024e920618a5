"""Render specs: the `// render:` syntax shared by query files and report blocks."""

from __future__ import annotations

import pytest

from nnstruct.analysis.render_spec import facet_title, parse_render
from nnstruct.errors import QueryFileError


def test_several_specs_with_quoted_titles_and_aliases():
    specs = parse_render('bar x=layer_type y=modules top=15 title="Layer types in {task}" facet=task '
                         '| grouped x=task y=a,b | boxplot x=t y=v group=model fill=0 | heatmap_log x=a y=b value=c')
    assert [s.kind for s in specs] == ["bar", "grouped-bar", "box", "heatmap-log"]
    bar = specs[0]
    assert (bar.x, bar.y, bar.top, bar.facet, bar.title) == ("layer_type", ("modules",), 15, "task",
                                                             "Layer types in {task}")
    assert specs[1].y == ("a", "b")
    assert specs[2].fill == 0.0 and specs[2].group == "model"


def test_header_continuation_lines_join_into_one_list():
    # query_file joins repeated `// render:` lines with a space; a leading | starts the next spec
    specs = parse_render("bar x=a y=b | heatmap x=a y=t value=b | table")
    assert [s.kind for s in specs] == ["bar", "heatmap", "table"]
    assert not specs[2].is_chart


def test_empty_render_is_no_spec():
    assert parse_render("") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pie x=a y=b", "unknown render kind 'pie'"),
        ("bar x=a y=b colour=red", "unknown render option 'colour'"),
        ("bar x=a", "render bar needs y="),
        ("heatmap x=a y=b", "render heatmap needs value="),
        ("bar x=a y=b top=ten", "top='ten' is not a whole number"),
        ("bar x=a y=b log=sometimes", "log='sometimes'"),
        ("bar x=a y=b,c", "render bar takes one y column"),
        ('bar x=a y=b title="open', "cannot read render options"),
        ("bar x", "render option 'x' is not key=value"),
    ],
)
def test_bad_specs_name_the_file(text, message):
    with pytest.raises(QueryFileError) as caught:
        parse_render(text, "analysis/x.cypher")
    assert "analysis/x.cypher" in str(caught.value)
    assert message in str(caught.value)


def test_facet_title_fills_known_columns_only():
    assert facet_title("Layer types in {task} ({missing})", {"task": "text-classification"}) == (
        "Layer types in text-classification ({missing})"
    )


def test_to_text_round_trips():
    spec = parse_render('box x=layer_type y=modules facet=task top=10 weight=models title="A b"')[0]
    assert parse_render(spec.to_text())[0] == spec
