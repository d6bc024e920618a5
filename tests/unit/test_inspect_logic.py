"""Folding, diff and export logic on trees extracted from real modules (no Neo4j): the pure half of inspect."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
import pytest
from torch import nn

from nnstruct.graph.model_trees import close_matches, stored_model
from nnstruct.inspection import export
from nnstruct.inspection.tree_diff import change_line, diff_trees
from nnstruct.inspection.tree_view import totals, view_rows
from nnstruct.tree.fold import Signatures, fold, names_label
from tests.inspect_fixtures import build_on_meta, tree_of


@pytest.fixture(scope="module")
def bert12():
    model = build_on_meta("BertConfig", "AutoModelForSequenceClassification")
    return model, tree_of(model, "transformers/bert/text-classification", "text-classification")


@pytest.fixture(scope="module")
def bert6():
    model = build_on_meta("BertConfig", "AutoModelForSequenceClassification", num_hidden_layers=6)
    return tree_of(model, "bert-6", "text-classification")


@pytest.fixture(scope="module")
def gpt2():
    model = build_on_meta("GPT2Config", "AutoModelForSequenceClassification")
    return tree_of(model, "transformers/gpt2/text-classification", "text-classification")


class Block(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.proj = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)


class Shared(nn.Module):
    """An embedding also held as the output head: one module object under two paths."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.blocks = nn.ModuleList([Block(4), Block(4), Block(4), Block(8)])
        self.output = nn.Sequential(nn.LayerNorm(4))
        self.output.add_module("head", self.embed)


def test_names_label() -> None:
    assert names_label(["0", "1", "2"]) == "{0..2}"
    assert names_label(["query", "key", "value"]) == "{query,key,value}"
    assert names_label(["3"]) == "3"
    assert names_label(["1", "3"]) == "{1,3}"


def test_show_folds_bert_layers_and_totals_match_pytorch(bert12) -> None:
    model, tree = bert12
    rows = view_rows(tree)
    layer_rows = [row for row in rows if row.label.startswith("BertLayer")]
    assert len(layer_rows) == 1
    assert layer_rows[0].label.startswith("BertLayer x12")
    assert layer_rows[0].path == "bert.encoder.layer.{0..11}"
    assert layer_rows[0].kind == "repeat"
    figures = totals(tree)
    assert figures.total_params == sum(p.numel() for p in model.parameters())
    assert figures.module_count == len(list(model.named_modules()))
    # Inside the folded block, query/key/value (three identical Linear) fold too; the whole view is short.
    assert any(row.label.startswith("Linear x3") for row in rows)
    assert len(rows) < 40


def test_show_no_fold_and_depth(bert12) -> None:
    model, tree = bert12
    unfolded = view_rows(tree, folded=False)
    assert len(unfolded) == len(list(model.named_modules()))
    assert [row.path for row in unfolded] == [path for path, _ in model.named_modules()]
    shallow = view_rows(tree, max_depth=2)
    assert max(row.depth for row in shallow) == 2
    assert {row.path for row in shallow} == {path for path, _ in model.named_modules() if path.count(".") < 2}


def test_fold_needs_identical_subtrees_but_not_identical_names() -> None:
    tree = tree_of(Shared())
    slots = fold(tree.nodes["blocks"], Signatures())
    assert [slot.count for slot in slots] == [3, 1]  # Block(8) differs from the three Block(4)
    rows = view_rows(tree)
    tied = [row for row in rows if row.kind == "tied"]
    assert len(tied) == 1 and tied[0].path == "output.head = embed"
    assert any(row.label.endswith("(shared)") and row.path == "embed" for row in rows)


def test_diff_bert12_vs_bert6_aligns_the_removed_layers(bert12, bert6) -> None:
    _, tree = bert12
    result = diff_trees(tree, bert6)
    assert len(result.changes) == 1, [change_line(c).plain for c in result.changes]
    (change,) = result.changes
    assert change.kind == "changed" and change.aspects == ["count"]
    assert change.path == "bert.encoder.layer"
    assert (change.a.count, change.b.count) == (12, 6)
    assert change_line(change).plain == "~ bert.encoder.layer: BertLayer x12 -> x6 (6 removed: 6..11)"
    reverse = diff_trees(bert6, tree)
    assert change_line(reverse.changes[0]).plain == "~ bert.encoder.layer: BertLayer x6 -> x12 (6 added: 6..11)"


def test_diff_reports_shape_changes_inside_aligned_blocks(bert12) -> None:
    _, tree = bert12
    wide = tree_of(build_on_meta("BertConfig", "AutoModelForSequenceClassification", intermediate_size=4096), "wide")
    paths = {change.path: change for change in diff_trees(tree, wide).changes}
    dense = paths["bert.encoder.layer.{0..11}.intermediate.dense"]
    assert dense.aspects == ["shape", "params"]
    assert dense.attributes["out_features"] == [3072, 4096]
    assert dense.a.count == 1  # one module per block; the block path says which blocks


def test_diff_bert_vs_gpt2_reports_class_changes(bert12, gpt2) -> None:
    _, tree = bert12
    result = diff_trees(tree, gpt2)
    root = result.changes[0]
    assert root.path == "(root)" and "class" in root.aspects
    assert (root.a.class_name, root.b.class_name) == ("BertForSequenceClassification", "GPT2ForSequenceClassification")
    lines = [change_line(change).plain for change in result.changes]
    assert any(line.startswith("- bert: BertModel") for line in lines)
    assert any(line.startswith("+ transformer: GPT2Model") for line in lines)
    # classifier (Linear 768->2, bias) and score (Linear 768->2, no bias) are paired as a rename.
    renamed = [c for c in result.changes if "renamed" in c.aspects]
    assert [(c.path, c.path_b) for c in renamed] == [("classifier", "score")]
    assert renamed[0].attributes["bias"] == [True, False]
    json.dumps(result.to_json())  # serialisable


def test_identical_trees_have_no_changes(bert12) -> None:
    _, tree = bert12
    assert diff_trees(tree, tree).identical


def test_export_rows_follow_named_modules(bert12) -> None:
    model, tree = bert12
    buffer = io.StringIO()
    count = export.write_csv([tree], buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert count == len(rows) == len(list(model.named_modules()))
    assert [row["path"] for row in rows] == [path for path, _ in model.named_modules()]
    assert list(rows[0]) == list(export.COLUMNS)
    query = next(row for row in rows if row["path"] == "bert.encoder.layer.0.attention.self.query")
    assert (query["layer_type"], query["depth"], query["in_features"], query["own_params"]) == (
        "Linear", "7", "768", str(768 * 768 + 768))


def test_export_tied_paths_and_graphml_round_trip(tmp_path) -> None:
    tree = tree_of(Shared())
    rows = export.module_rows(tree)
    assert next(row for row in rows if row["path"] == "embed")["tied_paths"] == ["output.head"]
    target = tmp_path / "shared.graphml"
    assert export.write_graphml(tree, target) == len(tree.nodes)
    loaded = nx.read_graphml(target)
    assert loaded.number_of_nodes() == len(tree.nodes)
    assert loaded.nodes[export.ROOT_NODE_ID]["path"] == ""
    assert loaded.edges["output", "embed"]["kind"] == "tied"
    assert loaded.edges["(root)", "embed"]["kind"] == "child"


def test_build_tree_rejects_rows_without_root() -> None:
    from nnstruct.errors import NnstructError

    with pytest.raises(NnstructError):
        stored_model({"id": "x"}, {}, [{"path": "a", "parent_path": ""}])


def test_close_matches() -> None:
    ids = ["transformers/bert/fill-mask", "transformers/bert/text-classification", "transformers/gpt2/text-generation"]
    assert close_matches("transformers/bert/fill-mas", ids)[0] == "transformers/bert/fill-mask"
    assert close_matches("Transformers/BERT/fill-mask", ids) == ["transformers/bert/fill-mask"]
    assert "transformers/gpt2/text-generation" in close_matches("gpt2", ids)
    assert close_matches("zzzzzz", ids) == []
