"""extract_modules and the architecture hash on small hand-made trees and on real transformers architectures."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nnstruct.ingest.module_tree import extract_modules
from nnstruct.tree.model import ModuleTree
from nnstruct.tree.wl import class_label, to_digraph, tree_hash


class Block(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.proj = nn.Linear(width, width * 2)
        self.norm = nn.LayerNorm(width * 2, eps=1e-6)
        self.act = nn.GELU()
        self.drop = nn.Dropout(0.25)


class Tied(nn.Module):
    """An embedding also held as the output head: one module object under two paths."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.blocks = nn.ModuleList([Block(4), Block(4)])
        self.conv = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1, groups=1, bias=False)
        self.head = self.embed


def _rows(model: nn.Module) -> dict[str, dict]:
    """Every module's stored properties plus its parent's path, by path."""
    return {node.path: node.record() | {"parent": node.parent.path if node.parent else None}
            for node in extract_modules(model)}


def test_rows_follow_named_modules() -> None:
    model = Tied()
    tree = extract_modules(model)
    assert list(tree.nodes) == [path for path, _ in model.named_modules()]
    rows = _rows(model)
    root = rows[""]
    assert (root["path"], root["name"], root["parent"], root["depth"], root["is_leaf"]) == ("", "", None, 0, False)
    assert rows["blocks.1.norm"]["parent"] == "blocks.1"
    assert rows["blocks.1.norm"]["depth"] == 3
    siblings = ("blocks.0.proj", "blocks.0.norm", "blocks.0.act", "blocks.0.drop")
    assert [rows[p]["index"] for p in siblings] == [0, 1, 2, 3]
    assert rows["blocks.0"]["class_path"] == f"{Block.__module__}.{Block.__qualname__}"


def test_tied_module_is_an_edge_not_a_row() -> None:
    tree = extract_modules(Tied())
    assert "head" not in tree.nodes
    (edge,) = tree.tied_children()
    assert (edge.holder.path, edge.name, edge.path, edge.target.path, edge.index) == ("", "head", "head", "embed", 3)


def test_parameters_counted_by_tensor_identity() -> None:
    model = Tied()
    tree = extract_modules(model)
    assert tree.total_params == sum(p.numel() for p in model.parameters())
    assert tree.root.subtree_params == tree.total_params
    rows = _rows(model)
    assert rows["blocks.0"]["subtree_params"] == sum(p.numel() for p in model.blocks[0].parameters())
    assert rows["embed"]["own_params"] == 40


def test_parameters_shared_between_modules_count_once() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    model[1].weight = model[0].weight
    tree = extract_modules(model)
    assert tree.total_params == 16 + 4 + 4
    assert tree.root.subtree_params == tree.total_params


def test_frozen_parameters_are_not_trainable() -> None:
    model = Block(4)
    model.proj.requires_grad_(False)
    tree = extract_modules(model)
    assert tree.trainable_params == tree.total_params - (4 * 8 + 8)


def test_structural_attributes() -> None:
    rows = _rows(Tied())
    proj = rows["blocks.0.proj"]
    assert (proj["in_features"], proj["out_features"], proj["bias"]) == (4, 8, True)
    assert rows["blocks.0.norm"]["normalized_shape"] == [8]
    assert rows["blocks.0.norm"]["eps"] == 1e-6
    assert rows["blocks.0.drop"]["p"] == 0.25
    assert rows["blocks.0.act"]["activation"] == "GELU"
    conv = rows["conv"]
    assert (conv["in_channels"], conv["out_channels"], conv["kernel_size"], conv["stride"], conv["padding"],
            conv["groups"], conv["bias"]) == (3, 8, [3, 3], [2, 2], [1, 1], 1, False)
    assert rows["embed"]["num_embeddings"] == 10 and rows["embed"]["embedding_dim"] == 4
    assert "in_features" not in rows["blocks.0"]


def test_meta_device_trees_match_cpu_trees() -> None:
    cpu = extract_modules(Tied())
    with torch.device("meta"):
        meta = extract_modules(Tied())
    assert cpu.records() == meta.records()
    assert tree_hash(cpu) == tree_hash(meta)


def test_trees_survive_pickling() -> None:
    """Build workers send trees to the writer by pickle (a compact form): nothing may change on the way."""
    import pickle

    tree = extract_modules(Tied())
    copy = pickle.loads(pickle.dumps(tree))
    assert copy.records() == tree.records()
    assert [(t.holder.path, t.name, t.index, t.path, t.target.path) for t in copy.tied_children()] == \
        [(t.holder.path, t.name, t.index, t.path, t.target.path) for t in tree.tied_children()]
    assert (copy.total_params, copy.trainable_params) == (tree.total_params, tree.trainable_params)
    assert copy.layer_types() == tree.layer_types()
    assert tree_hash(copy) == tree_hash(tree)


def test_hash_sees_sizes_names_and_classes() -> None:
    base = tree_hash(extract_modules(Block(4))).hash
    assert tree_hash(extract_modules(Block(4))).hash == base
    assert tree_hash(extract_modules(Block(8))).hash != base
    renamed = Block(4)
    renamed.add_module("extra", nn.Identity())
    assert tree_hash(extract_modules(renamed)).hash != base
    # class-only labels ignore sizes
    small, large = extract_modules(Block(4)), extract_modules(Block(8))
    assert tree_hash(small, "class").hash == tree_hash(large, "class").hash


def test_hash_covers_the_whole_depth() -> None:
    def deep(width: int) -> nn.Module:
        return nn.Sequential(nn.Sequential(nn.Sequential(nn.Sequential(nn.Linear(width, width)))))

    a, b = tree_hash(extract_modules(deep(3))), tree_hash(extract_modules(deep(5)))
    assert a.wl_iterations >= 4
    assert a.hash != b.hash
    assert a.wl_labels == "structural" and a.networkx_version


def test_digraph_from_stored_rows() -> None:
    rows = [
        {"path": "", "class_name": "Root"},
        {"path": "a", "class_name": "Linear"},
        {"path": "b", "class_name": "Linear"},
    ]
    tree = ModuleTree.from_rows(rows)
    graph = to_digraph(tree, class_label)
    assert sorted(graph.edges) == [("", "a"), ("", "b")]
    assert tree_hash(tree, "class").wl_labels == "class"


@pytest.mark.parametrize(
    "mutate", [lambda m: m.add_module("extra", nn.ReLU()), lambda m: setattr(m, "drop", nn.Identity())]
)
def test_hash_changes_with_structure(mutate) -> None:
    model = Block(4)
    before = tree_hash(extract_modules(model)).hash
    mutate(model)
    assert tree_hash(extract_modules(model)).hash != before
