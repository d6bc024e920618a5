"""Helpers for the inspect tests: real architectures built on the meta device, turned into ModelTrees."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nnstruct.graph.model_trees import StoredModel
from nnstruct.ingest.module_tree import extract_modules


def tree_of(module: nn.Module, model_id: str = "test/model", task: str = "test-task") -> StoredModel:
    """The stored model ingest would write for ``module`` (ingest's own extractor, no Neo4j)."""
    extracted = extract_modules(module)
    model = {"id": model_id, "task": task, "status": "ok", "total_params": extracted.total_params,
             "trainable_params": extracted.trainable_params, "module_count": extracted.module_count}
    return StoredModel(model, {"hash": f"hash-of-{model_id}"}, extracted)


def build_on_meta(config_class: str, auto_class: str = "AutoModel", **config: Any) -> nn.Module:
    """A transformers model built from a default config (with overrides) on the meta device: no weights."""
    import transformers

    cfg = getattr(transformers, config_class)(**config)
    with torch.device("meta"):
        return getattr(transformers, auto_class).from_config(cfg)
