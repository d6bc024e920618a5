"""Stored module trees as files: CSV / JSON rows (one per module, keyed by path) or GraphML.

The CSV carries the old pipeline's per-model layer CSV (model id, task, layer name, layer type, nesting level,
parameters) under names that say what they hold, plus everything else the graph knows about each module.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from typing import IO, Any

from nnstruct.graph.model_trees import StoredModel
from nnstruct.tree.fields import STRUCTURAL_ATTRIBUTES
from nnstruct.tree.model import ModuleNode

# Column -> meaning; the export command's --help prints this table, so keep it in step with module_rows().
COLUMNS: dict[str, str] = {
    "model_id": "Model id (hub repo id, transformers/<model_type>/<task>, or local:<folder>)",
    "task": "task the model was ingested for (pipeline tag)",
    "path": "module path as named_modules() yields it ('' = the model itself); unique within a model",
    "layer_name": "attribute name under the parent ('' for the root)",
    "layer_type": "class name, e.g. Linear, BertLayer",
    "class_path": "qualified class, e.g. torch.nn.modules.linear.Linear",
    "parent_path": "path of the parent module (empty for the root)",
    "depth": "nesting level, root = 0",
    "child_index": "position among the parent's children (named_children() order)",
    "child_count": "number of direct children",
    "is_leaf": "true when the module has no children",
    "own_params": "parameters held directly by this module (not its children)",
    "subtree_params": "parameters of this module and everything below it",
    "tied_paths": "other paths holding this same module object (shared/tied modules), ';'-separated",
    **{name: f"structural attribute {name} (empty where it does not apply)" for name in STRUCTURAL_ATTRIBUTES},
    "arch_hash": "WL hash of the model's architecture (same value = same module tree)",
}


def _tied_paths(tree: StoredModel) -> dict[int, list[str]]:
    holders: dict[int, list[str]] = {}
    for node in tree.root.walk():  # named_modules() order
        for tied in node.tied:
            holders.setdefault(id(tied.target), []).append(tied.path)
    return holders


def module_rows(tree: StoredModel) -> list[dict[str, Any]]:
    """One row per module, in ``named_modules()`` order, with the columns of :data:`COLUMNS`."""
    tied = _tied_paths(tree)
    rows = []
    for node in tree.root.walk():
        row: dict[str, Any] = {
            "model_id": tree.model_id,
            "task": tree.model.get("task"),
            "path": node.path,
            "layer_name": node.name,
            "layer_type": node.class_name,
            "class_path": node.class_path,
            "parent_path": node.parent.path if node.parent is not None else None,
            "depth": node.depth,
            "child_index": node.index if node.parent is not None else None,
            "child_count": len(node.children) + len(node.tied),
            "is_leaf": node.is_leaf,
            "own_params": node.own_params,
            "subtree_params": node.subtree_params,
            "tied_paths": tied.get(id(node), []),
        }
        row.update({name: node.attrs.get(name) for name in STRUCTURAL_ATTRIBUTES})
        row["arch_hash"] = tree.architecture.get("hash")
        rows.append(row)
    return rows


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value) if all(isinstance(v, str) for v in value) else json.dumps(value)
    return value


def write_csv(trees: Iterable[StoredModel], stream: IO[str]) -> int:
    """All trees' rows into one CSV (the ``model_id`` column tells them apart); returns the row count."""
    writer = csv.DictWriter(stream, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    count = 0
    for tree in trees:
        for row in module_rows(tree):
            writer.writerow({key: _csv_value(value) for key, value in row.items()})
            count += 1
    return count


def model_summary(tree: StoredModel) -> dict[str, Any]:
    keys = ("id", "task", "source", "status", "model_type", "class_name", "total_params", "trainable_params",
            "module_count", "max_depth", "arch_hash", "torch_version", "transformers_version", "ingested_at")
    return {key: _plain(tree.model.get(key)) for key in keys if tree.model.get(key) is not None}


def _plain(value: Any) -> Any:
    """Neo4j temporal values and other driver types as JSON-friendly values."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    iso = getattr(value, "iso_format", None)
    return iso() if callable(iso) else str(value)


def to_json(trees: Iterable[StoredModel]) -> dict[str, Any]:
    """``{"columns": {...}, "models": [{"model": {...}, "modules": [rows]}]}``."""
    return {
        "columns": COLUMNS,
        "models": [
            {"model": model_summary(tree),
             "modules": [{k: _plain(v) for k, v in row.items()} for row in module_rows(tree)]}
            for tree in trees
        ],
    }


def write_json(trees: Iterable[StoredModel], stream: IO[str]) -> int:
    payload = to_json(trees)
    json.dump(payload, stream, indent=2)
    stream.write("\n")
    return sum(len(model["modules"]) for model in payload["models"])


ROOT_NODE_ID = "(root)"  # GraphML ids must not be empty; the node's `path` attribute keeps the exact ''


def node_id(node: ModuleNode) -> str:
    return node.path or ROOT_NODE_ID


def _graphml_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return json.dumps(value)
    return value


def to_networkx(tree: StoredModel) -> Any:
    """The tree as a ``networkx.DiGraph``: a node per module (id = path), ``kind=child`` edges parent -> child
    and ``kind=tied`` edges from a second holder to the shared module."""
    import networkx as nx

    graph = nx.DiGraph(model_id=tree.model_id, task=tree.model.get("task") or "",
                       arch_hash=tree.architecture.get("hash") or "")
    total = tree.model.get("total_params")
    if total is not None:
        graph.graph["total_params"] = int(total)
    for row, node in zip(module_rows(tree), tree.root.walk(), strict=True):
        attrs = {key: _graphml_value(value) for key, value in row.items()
                 if value is not None and key not in ("model_id", "task", "arch_hash", "tied_paths")}
        if row["tied_paths"]:
            attrs["tied_paths"] = ";".join(row["tied_paths"])
        graph.add_node(node_id(node), label=node.class_name, **attrs)
    for node in tree.root.walk():
        for child in node.children:
            graph.add_edge(node_id(node), node_id(child), kind="child", index=child.index, name=child.name)
        for tied in node.tied:
            source, target = node_id(node), node_id(tied.target)
            if graph.has_edge(source, target):  # the parent also holds it directly: keep one edge (a DiGraph)
                graph.edges[source, target]["tied_names"] = tied.name
                continue
            graph.add_edge(source, target, kind="tied", index=tied.index, name=tied.name, path=tied.path)
    return graph


def write_graphml(tree: StoredModel, target: Any) -> int:
    """Write one tree as GraphML to a path or binary stream; returns the node count."""
    import networkx as nx

    graph = to_networkx(tree)
    nx.write_graphml(graph, target)
    return graph.number_of_nodes()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_stem(model_id: str) -> str:
    """A file name for a model id: ``transformers/bert/fill-mask`` -> ``transformers__bert__fill-mask``."""
    stem = _UNSAFE.sub("_", model_id.replace("/", "__")).strip("._") or "model"
    return stem[:180]
