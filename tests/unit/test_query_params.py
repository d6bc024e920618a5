"""Command-line query parameters: Cypher literals, list parameters, views."""

from __future__ import annotations

import pytest

from nnstruct.analysis.params import check_view, parse_params, parse_value, tasks_param
from nnstruct.errors import NnstructError


@pytest.mark.parametrize(
    ("raw", "value"),
    [("10", 10), ("0.2", 0.2), ("null", None), ("true", True), ("'x y'", "x y"), ("[1, 2]", [1, 2]),
     ("text-classification", "text-classification"), ("bert base", "bert base"), ("", "")],
)
def test_values_are_cypher_literals_or_text(raw, value):
    assert parse_value(raw) == value


def test_list_parameters_take_comma_lists():
    params = parse_params(["tasks=text-classification,image-classification", "top=5", "models=a/b"])
    assert params == {"tasks": ["text-classification", "image-classification"], "top": 5, "models": ["a/b"]}
    assert parse_params(["tasks=null"]) == {"tasks": None}
    assert parse_params(["names=x"], defaults={"names": []}) == {"names": ["x"]}


def test_views_are_checked():
    assert parse_params(["view=Name"]) == {"view": "name"}
    assert check_view(None) == "none"
    with pytest.raises(NnstructError, match="unknown view 'family'"):
        parse_params(["view=family"])


@pytest.mark.parametrize("pair", ["top", "=3", "bad name=1"])
def test_malformed_pairs(pair):
    with pytest.raises(NnstructError, match="expected NAME=VALUE"):
        parse_params([pair])


def test_tasks_param():
    assert tasks_param(None) is None
    assert tasks_param("a,b") == ["a", "b"]
    assert tasks_param(("a",)) == ["a"]
    assert tasks_param([]) is None
