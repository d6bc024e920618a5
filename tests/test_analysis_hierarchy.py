"""Module trees for hierarchy charts, rebuilt from rows of a real transformers model built on the meta device."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from nnstruct.analysis.hierarchy import (
    build_tree,
    collapse,
    draw_tree,
    shape_text,
    tree_rows,
    visible_depth,
)


@pytest.fixture(scope="module")
def bert_rows():
    from transformers import BertConfig, BertForSequenceClassification

    from nnstruct.ingest.module_tree import extract_modules

    with torch.device("meta"):
        model = BertForSequenceClassification(BertConfig(num_hidden_layers=6))
    rows = extract_modules(model).rows
    # as analysis/model_hierarchy returns them: child_index and subtree params under the query's names
    return [{**row, "child_index": row["index"], "params": row["subtree_params"]} for row in rows], model


def test_tree_matches_named_modules(bert_rows):
    rows, model = bert_rows
    tree = build_tree(rows)
    assert tree.class_name == "BertForSequenceClassification"
    assert tree.size() == len(list(model.named_modules()))
    assert [child.name for child in tree.children] == [name for name, _ in model.named_children()]


def test_identical_layers_collapse_into_one_repeated_node(bert_rows):
    rows, model = bert_rows
    collapsed = collapse(build_tree(rows))
    layer_list = collapsed.children[0].children[1].children[0]  # bert.encoder.layer
    assert layer_list.class_name == "ModuleList"
    [layers] = layer_list.children
    assert (layers.class_name, layers.repeat, layers.label_name) == ("BertLayer", 6, "0-5")
    # collapsing keeps the module count: 6 x one layer's modules
    assert collapsed.size() == len(list(model.named_modules()))


def test_different_shapes_do_not_collapse():
    rows = [
        {"path": "", "name": "", "parent": None, "class_name": "Net", "child_index": None},
        {"path": "0", "name": "0", "parent": "", "class_name": "Linear", "child_index": 0,
         "in_features": 4, "out_features": 8},
        {"path": "1", "name": "1", "parent": "", "class_name": "Linear", "child_index": 1,
         "in_features": 4, "out_features": 8},
        {"path": "2", "name": "2", "parent": "", "class_name": "Linear", "child_index": 2,
         "in_features": 8, "out_features": 2},
    ]
    children = collapse(build_tree(rows)).children
    assert [(c.label_name, c.repeat, c.shape) for c in children] == [("0-1", 2, "(4→8)"), ("2", 1, "(8→2)")]


def test_readable_depth_and_hidden_counts(bert_rows):
    rows, _ = bert_rows
    collapsed = collapse(build_tree(rows))
    assert visible_depth(collapsed, max_rows=10) < visible_depth(collapsed, max_rows=1000)
    shown = tree_rows(collapsed, 2)
    assert max(row.depth for row in shown) == 2
    encoder = next(row for row in shown if row.class_name == "BertEncoder")
    assert encoder.hidden > 0


def test_shape_text():
    assert shape_text({"in_channels": 3, "out_channels": 64, "kernel_size": [7, 7], "stride": [2, 2]}) == (
        "(3→64, k=7x7, s=2x2)"
    )
    assert shape_text({"p": 0.1}) == "(p=0.1)"
    assert shape_text({"normalized_shape": [768]}) == "(768)"
    assert shape_text({}) == ""


def test_drawn_tree_is_an_image(bert_rows, tmp_path):
    rows, _ = bert_rows
    target = tmp_path / "bert.png"
    depth = draw_tree(build_tree(rows), "bert", target)
    assert depth >= 3
    with Image.open(target) as image:
        assert image.size[0] > 500 and image.size[1] > 500


def test_rows_without_root_are_refused():
    with pytest.raises(ValueError, match="no root module"):
        build_tree([{"path": "a", "name": "a", "parent": "", "class_name": "X"}])
