"""Hand-made module trees (rows as ingest stores them) for dedup's pure unit tests."""

from __future__ import annotations

from typing import Any

from nnstruct.tree.model import ModuleTree


def encoder_rows(blocks: int = 4, width: int = 16, block_class: str = "Block", heads: int = 2,
                 head: bool = True) -> list[dict[str, Any]]:
    """A small transformer-like tree: embeddings, a ModuleList of blocks, an optional classification head."""
    rows: list[dict[str, Any]] = [
        {"path": "", "class_name": "TinyForClassification"},
        {"path": "embed", "class_name": "Embedding", "num_embeddings": 100, "embedding_dim": width},
        {"path": "layers", "class_name": "ModuleList"},
    ]
    for i in range(blocks):
        p = f"layers.{i}"
        rows += [
            {"path": p, "class_name": block_class},
            {"path": f"{p}.attn", "class_name": "Attention", "num_heads": heads, "hidden_size": width},
            {"path": f"{p}.attn.qkv", "class_name": "Linear", "in_features": width, "out_features": 3 * width},
            {"path": f"{p}.attn.out", "class_name": "Linear", "in_features": width, "out_features": width},
            {"path": f"{p}.norm", "class_name": "LayerNorm", "normalized_shape": [width]},
            {"path": f"{p}.mlp", "class_name": "Mlp"},
            {"path": f"{p}.mlp.up", "class_name": "Linear", "in_features": width, "out_features": 4 * width},
            {"path": f"{p}.mlp.act", "class_name": "GELU"},
            {"path": f"{p}.mlp.down", "class_name": "Linear", "in_features": 4 * width, "out_features": width},
        ]
    if head:
        rows.append({"path": "classifier", "class_name": "Linear", "in_features": width, "out_features": 2})
    return rows


def conv_rows(stages: int = 3) -> list[dict[str, Any]]:
    """A small CNN: nothing like the encoder but Linear/GELU."""
    rows: list[dict[str, Any]] = [{"path": "", "class_name": "TinyConvNet"},
                                  {"path": "stages", "class_name": "Sequential"}]
    for i in range(stages):
        rows += [
            {"path": f"stages.{i}", "class_name": "ConvStage"},
            {"path": f"stages.{i}.conv", "class_name": "Conv2d", "in_channels": 8 * (i + 1),
             "out_channels": 8 * (i + 2), "kernel_size": [3, 3]},
            {"path": f"stages.{i}.bn", "class_name": "BatchNorm2d", "num_features": 8 * (i + 2)},
            {"path": f"stages.{i}.act", "class_name": "ReLU"},
        ]
    rows += [{"path": "pool", "class_name": "AdaptiveAvgPool2d"},
             {"path": "fc", "class_name": "Linear", "in_features": 32, "out_features": 10}]
    return rows


def module_tree(rows: list[dict[str, Any]], tied: tuple[tuple[str, str], ...] = ()) -> ModuleTree:
    """The tree of ``rows``; ``tied`` adds (holder path, target path) references to modules held elsewhere."""
    return ModuleTree.from_rows(rows, [
        {"parent_path": holder, "target_path": target, "child_name": f"tied{i}", "child_index": 1000 + i}
        for i, (holder, target) in enumerate(tied)])


def tree(name: str, rows: list[dict[str, Any]], tied: tuple[tuple[str, str], ...] = ()) -> tuple[str, ModuleTree]:
    """A stored architecture as dedup reads it: (hash, tree)."""
    return name, module_tree(rows, tied)
