"""Hierarchy charts on a real transformers model built on the meta device: folding, depth cut, drawing, and the
same run labels as ``nnstruct show``."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from nnstruct.analysis.hierarchy import draw_tree, shape_text, tree_rows, visible_depth
from nnstruct.graph.model_trees import StoredModel
from nnstruct.inspection.tree_view import view_rows
from nnstruct.tree.model import ModuleTree


@pytest.fixture(scope="module")
def bert():
    from transformers import BertConfig, BertForSequenceClassification

    from nnstruct.ingest.module_tree import extract_modules

    with torch.device("meta"):
        model = BertForSequenceClassification(BertConfig(num_hidden_layers=6))
    return extract_modules(model), model


def test_rows_cover_named_modules(bert):
    tree, model = bert
    rows = tree_rows(tree.root, depth_limit=100)
    assert rows[0].label == "BertForSequenceClassification"
    # folded rows count each block once: the hidden counts plus rows times repeats give back every module
    assert len(rows) < len(list(model.named_modules()))


def test_identical_layers_fold_into_one_row_labelled_as_show_labels_it(bert):
    tree, _ = bert
    rows = tree_rows(tree.root, depth_limit=4)
    [layers] = [row for row in rows if row.class_name == "BertLayer"]
    assert (layers.name, layers.label, layers.repeat) == ("{0..5}", "BertLayer x6", 6)
    shown = view_rows(StoredModel({"id": "bert"}, {}, tree), max_depth=4)
    [show_row] = [row for row in shown if row.kind == "repeat" and row.class_path.endswith("BertLayer")]
    # one fold rule, one label format: `show` prints the same run name and label as the chart
    assert show_row.path.endswith("." + layers.name)
    assert show_row.label.startswith(layers.label + ":")


def test_different_shapes_do_not_fold():
    rows = [
        {"path": "", "class_name": "Net"},
        {"path": "0", "class_name": "Linear", "index": 0, "in_features": 4, "out_features": 8},
        {"path": "1", "class_name": "Linear", "index": 1, "in_features": 4, "out_features": 8},
        {"path": "2", "class_name": "Linear", "index": 2, "in_features": 8, "out_features": 2},
    ]
    shown = tree_rows(ModuleTree.from_rows(rows).root, depth_limit=1)[1:]
    assert [(row.name, row.repeat, row.shape) for row in shown] == [("{0..1}", 2, "(4→8)"), ("2", 1, "(8→2)")]


def test_readable_depth_and_hidden_counts(bert):
    tree, _ = bert
    assert visible_depth(tree.root, max_rows=10) < visible_depth(tree.root, max_rows=1000)
    shown = tree_rows(tree.root, 2)
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


def test_drawn_tree_is_an_image(bert, tmp_path):
    tree, _ = bert
    target = tmp_path / "bert.png"
    depth = draw_tree(tree.root, "bert", target)
    assert depth >= 3
    with Image.open(target) as image:
        assert image.size[0] > 500 and image.size[1] > 500
