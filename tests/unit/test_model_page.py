"""The model page of ``nnstruct show MODEL --html`` as data and text: folded like ``show``, self-contained,
graph text escaped (tests/graph/test_model_page.py opens it in headless Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstruct.analysis.model_page import render_page, tree_data, write_page
from tests.inspect_fixtures import build_on_meta, tree_of


@pytest.fixture(scope="module")
def bert_tree():
    return tree_of(build_on_meta("BertConfig", "AutoModelForSequenceClassification"),
                   "transformers/bert/<text-classification>")


def test_tree_data_is_folded_like_show(bert_tree) -> None:
    data = tree_data(bert_tree)
    encoder = next(child for child in data["ch"][0]["ch"] if child["name"] == "encoder")
    (layers,) = encoder["ch"]
    (block,) = layers["ch"]
    assert (block["cls"], block["x"], block["kind"], block["path"]) == ("BertLayer", 12, "repeat",
                                                                        "bert.encoder.layer.{0..11}")
    assert block["first"] == "bert.encoder.layer.0" and block["sub"] > 0
    assert data["sub"] == bert_tree.root.subtree_params


def test_page_is_self_contained_and_escapes_graph_text(bert_tree, tmp_path: Path) -> None:
    page = render_page(bert_tree)
    assert "<text-classification>" not in page and "&lt;text-classification&gt;" in page
    for remote in ("http://", "https://", "src=", "<link"):
        assert remote not in page, remote
    path = write_page(bert_tree, tmp_path / "sub" / "bert.html")
    assert path.read_text() == page
