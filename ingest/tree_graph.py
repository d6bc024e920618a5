"""A module tree as a networkx graph, and the Weisfeiler-Lehman hash that names an Architecture.

Rows are mappings with at least ``path`` and ``parent`` (``None`` for the root), e.g. ``ModuleTree.rows`` or Module
nodes read back from Neo4j. The node label is pluggable: ingest hashes ``structural_label`` (attribute name +
qualified class + structural attributes + own parameter count), dedup hashes ``class_label`` (class name only).

Directed WL in networkx >= 3.5 mixes successor and predecessor labels; with ``iterations`` at least the tree depth,
the root's final label depends on the whole tree, so two trees share a hash only when they match everywhere (up to
the order of siblings, which the attribute names carry for ``Sequential``/``ModuleList``). Hashes change between
networkx versions, so each hash is stored with the version and settings that made it.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from nnstruct.ingest.module_tree import STRUCTURAL_ATTRIBUTES, ModuleTree

Row = Mapping[str, Any]
Label = Callable[[Row], str]

DIGEST_SIZE = 16  # bytes: 32 hex characters


def structural_label(row: Row) -> str:
    """Attribute name + qualified class + the structural attributes the module has, with its own parameter count
    (a module can hold parameters sized by the config without exposing the size as an attribute, e.g. a ViT's
    position embeddings: the count keeps two such trees apart, so an Architecture's totals are exact)."""
    attributes = {key: row[key] for key in STRUCTURAL_ATTRIBUTES if row.get(key) is not None}
    attributes["own_params"] = row.get("own_params")
    return f"{row['name']}|{row['class_path']}|{json.dumps(attributes, sort_keys=True, separators=(',', ':'))}"


def class_label(row: Row) -> str:
    """The class name only: trees that differ only in sizes or attribute names share it."""
    return str(row["class_name"])


LABELS: dict[str, Label] = {"structural": structural_label, "class": class_label}


def _rows(tree: ModuleTree | Iterable[Row]) -> Iterable[Row]:
    return tree.rows if isinstance(tree, ModuleTree) else tree


def to_digraph(
    tree: ModuleTree | Iterable[Row],
    label: Label = structural_label,
    tied: Iterable[tuple[str, str]] = (),
) -> nx.DiGraph:
    """Parent -> child graph keyed by path, each node carrying ``label``; ``tied`` adds (holder, target) edges."""
    graph = nx.DiGraph()
    rows = list(_rows(tree))
    for row in rows:
        graph.add_node(row["path"], label=label(row), depth=row.get("depth"))
    for row in rows:
        if row.get("parent") is not None:
            graph.add_edge(row["parent"], row["path"], kind="child")
    if isinstance(tree, ModuleTree) and not tied:
        tied = [(edge.parent, edge.target) for edge in tree.tied]
    for holder, target in tied:
        if not graph.has_edge(holder, target):
            graph.add_edge(holder, target, kind="tied")
    return graph


def tree_depth(graph: nx.DiGraph) -> int:
    """Longest parent -> child chain from the root (path ``""``)."""
    if "" not in graph:
        return 0
    child_edges = nx.subgraph_view(graph, filter_edge=lambda u, v: graph[u][v].get("kind", "child") == "child")
    return max(nx.single_source_shortest_path_length(child_edges, "").values())


@dataclass(frozen=True)
class TreeHash:
    hash: str
    wl_iterations: int
    wl_labels: str  # name of the label function ("structural", "class", ...)
    networkx_version: str


def tree_hash(
    tree: ModuleTree | Iterable[Row] | nx.DiGraph,
    label: Label = structural_label,
    label_name: str | None = None,
    iterations: int | None = None,
) -> TreeHash:
    """WL hash of a module tree; ``iterations`` defaults to the tree depth (at least 1)."""
    graph = tree if isinstance(tree, nx.DiGraph) else to_digraph(tree, label)
    if iterations is None:
        iterations = max(1, tree_depth(graph))
    with warnings.catch_warnings():
        # "hashes produced for directed graphs changed in v3.5": known, hence the stored networkx version.
        warnings.simplefilter("ignore", UserWarning)
        digest = nx.weisfeiler_lehman_graph_hash(
            graph, node_attr="label", edge_attr="kind", iterations=iterations, digest_size=DIGEST_SIZE
        )
    name = label_name or next((key for key, fn in LABELS.items() if fn is label), getattr(label, "__name__", "custom"))
    return TreeHash(digest, iterations, name, nx.__version__)
