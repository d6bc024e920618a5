"""Weisfeiler-Lehman hashes of a module tree: the label registry, networkx's reference, and the fast path.

**Labels** (:data:`LABELS`, by :class:`WlLabel`): what two modules must share to count as the same node.

``structural``  attribute name + qualified class + structural attributes + own parameter count: names an
                Architecture (ingest's content address).
``class``       the class name alone (``Linear``): models that differ only in widths get the same tree.
``class+shape`` the class name and its shape attributes (``Linear(in_features=768,out_features=3072)``).

networkx hashes labels as ASCII, so anything else is escaped.

**The reference** is networkx on :func:`to_digraph` (nodes keyed by path carrying ``label``, parent -> child edges of
kind ``child`` plus ``tied`` edges to shared modules, ``weisfeiler_lehman_graph_hash`` with ``node_attr="label",
edge_attr="kind"`` and as many iterations as the tree is deep, at least 1). Directed WL in networkx >= 3.5 mixes
successor and predecessor labels, so the root's final label depends on the whole tree: two trees share a hash
only when they match everywhere (up to the order of siblings, which attribute names carry). Hashes change between
networkx versions, so each hash is stored with the version and settings that made it.

**The fast path** (:func:`wl_hashes`) does networkx's arithmetic (``blake2b(own + sorted(kind + successor) +
sorted(kind + predecessor))`` per node and iteration) on index lists and hashes each distinct neighbourhood once
(a model repeats one block 12 to 80 times). It gives the graph hash and the bag of subtree hashes at iterations
0..``iterations`` (compared by cosine in dedup). The tests hold it equal to networkx, so stored hashes are
networkx's.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from hashlib import blake2b

import networkx as nx

from nnstruct.errors import NnstructError
from nnstruct.tree.fields import SHAPE_ATTRIBUTES, STRUCTURAL_ATTRIBUTES
from nnstruct.tree.model import ModuleNode, ModuleTree

DIGEST_SIZE = 16  # bytes (32 hex characters): networkx's default
CHILD, TIED = "child", "tied"  # edge kinds

Label = Callable[[ModuleNode], str]


# -- labels -------------------------------------------------------------------------------------------------------

class WlLabel(StrEnum):
    STRUCTURAL = "structural"
    CLASS = "class"
    CLASS_SHAPE = "class+shape"


def _ascii(text: str) -> str:
    return text if text.isascii() else text.encode("ascii", "backslashreplace").decode("ascii")


def structural_label(node: ModuleNode) -> str:
    """Attribute name + qualified class + the structural attributes the module has, with its own parameter count
    (a module can hold parameters sized by the config without exposing the size as an attribute, e.g. a ViT's
    position embeddings: the count keeps two such trees apart, so an Architecture's totals are exact)."""
    attributes = {key: node.attrs[key] for key in STRUCTURAL_ATTRIBUTES if node.attrs.get(key) is not None}
    attributes["own_params"] = node.own_params
    return _ascii(f"{node.name}|{node.class_path}|{json.dumps(attributes, sort_keys=True, separators=(',', ':'))}")


def class_label(node: ModuleNode) -> str:
    """The class name only: trees that differ only in sizes or attribute names share it."""
    return _ascii(str(node.class_name))


def _value(value: object) -> str:
    if isinstance(value, list | tuple):
        return "x".join(_value(v) for v in value)
    return str(value)


def class_shape_label(node: ModuleNode) -> str:
    """The class name and its shape attributes (attribute names left out: naming, not structure)."""
    shape = ",".join(f"{name}={_value(node.attrs[name])}" for name in SHAPE_ATTRIBUTES
                     if node.attrs.get(name) is not None)
    return _ascii(f"{node.class_name}({shape})")


LABELS: dict[WlLabel, Label] = {
    WlLabel.STRUCTURAL: structural_label, WlLabel.CLASS: class_label, WlLabel.CLASS_SHAPE: class_shape_label,
}
# What dedup may group by (structural labels name Architectures; they are exact by construction).
DEDUP_LABELS: tuple[WlLabel, ...] = (WlLabel.CLASS, WlLabel.CLASS_SHAPE)


def label_function(name: str) -> Label:
    try:
        return LABELS[WlLabel(name)]
    except ValueError:
        raise NnstructError(f"unknown label {name!r}; choose one of: {', '.join(LABELS)}") from None


# -- the reference: networkx --------------------------------------------------------------------------------------

def to_digraph(tree: ModuleTree, label: Label = structural_label) -> nx.DiGraph:
    """Parent -> child graph keyed by path, each node carrying ``label``, plus (holder, target) ``tied`` edges."""
    graph = nx.DiGraph()
    for node in tree:
        graph.add_node(node.path, label=label(node), depth=node.depth)
    for node in tree:
        if node.parent is not None:
            graph.add_edge(node.parent.path, node.path, kind=CHILD)
    for tied in tree.tied_children():
        holder = tied.holder.path if tied.holder is not None else tied.path.rpartition(".")[0]
        if not graph.has_edge(holder, tied.target.path):
            graph.add_edge(holder, tied.target.path, kind=TIED)
    return graph


def tree_depth(graph: nx.DiGraph) -> int:
    """Longest parent -> child chain from the root (path ``""``)."""
    if "" not in graph:
        return 0
    child_edges = nx.subgraph_view(graph, filter_edge=lambda u, v: graph[u][v].get("kind", CHILD) == CHILD)
    return max(nx.single_source_shortest_path_length(child_edges, "").values())


@dataclass(frozen=True)
class WlSettings:
    """What a stored hash or score depends on; stored beside it so runs with other settings never mix."""

    iterations: int = 3  # subtree-feature iterations
    include_initial: bool = True  # the plain labels count as features too
    digest_size: int = DIGEST_SIZE
    networkx_version: str = field(default=nx.__version__)

    def describe(self) -> str:
        return (f"networkx={self.networkx_version} iterations={self.iterations} "
                f"initial={self.include_initial} digest={self.digest_size}")


@dataclass(frozen=True)
class WlResult:
    exact_hash: str
    hash_iterations: int
    bag: Counter[str]


def networkx_hashes(graph: nx.DiGraph, settings: WlSettings | None = None) -> WlResult:
    """Graph hash and subtree-feature bag straight from networkx (the reference :func:`wl_hashes` is held to)."""
    settings = settings or WlSettings()
    hash_iterations = max(1, tree_depth(graph))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "directed hashes changed in 3.5": hence the stored version
        exact = nx.weisfeiler_lehman_graph_hash(graph, node_attr="label", edge_attr="kind",
                                                iterations=hash_iterations, digest_size=settings.digest_size)
        per_node = nx.weisfeiler_lehman_subgraph_hashes(
            graph, node_attr="label", edge_attr="kind", iterations=settings.iterations,
            digest_size=settings.digest_size, include_initial_labels=settings.include_initial)
    return WlResult(exact, hash_iterations, Counter(h for hashes in per_node.values() for h in hashes))


# -- the fast path ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EdgeIndex:
    """The fast path's view of a module tree: its edges by node position (``ModuleTree.nodes`` order)."""

    parents: tuple[int, ...]  # -1 for the root
    children: tuple[tuple[int, ...], ...]
    tied: tuple[tuple[int, int], ...]  # (holder, target) beyond the parent -> child edges
    depth: int  # longest root-to-leaf chain of child edges

    @property
    def hash_iterations(self) -> int:
        """Enough iterations for the root's label to cover the whole tree."""
        return max(1, self.depth)


def edge_index(tree: ModuleTree) -> EdgeIndex:
    position = {id(node): i for i, node in enumerate(tree)}
    parents = tuple(position[id(node.parent)] if node.parent is not None else -1 for node in tree)
    children = tuple(tuple(position[id(child)] for child in node.children) for node in tree)
    extra = set()
    for tied in tree.tied_children():
        holder, target = position[id(tied.holder)], position[id(tied.target)]
        if parents[target] != holder:  # a DiGraph keeps one edge per pair: the child edge wins
            extra.add((holder, target))
    return EdgeIndex(parents, children, tuple(sorted(extra)), tree.max_depth)


class HashMemo:
    """blake2b of neighbourhood strings, each computed once; shareable across the trees of a run, bounded."""

    def __init__(self, digest_size: int = DIGEST_SIZE, max_entries: int = 300_000):
        self.digest_size = digest_size
        self.max_entries = max_entries
        self._known: dict[str, str] = {}
        self.by_neighbourhood: dict[tuple, str] = {}  # (own, sorted children, parent) -> hash

    def __call__(self, text: str) -> str:
        known = self._known.get(text)
        if known is None:
            if len(self._known) >= self.max_entries:
                self._known.clear()
                self.by_neighbourhood.clear()
            known = blake2b(text.encode("ascii"), digest_size=self.digest_size).hexdigest()
            self._known[text] = known
        return known


def wl_hashes(tree: ModuleTree, label: Label = structural_label, settings: WlSettings | None = None,
              memo: HashMemo | None = None, shape: EdgeIndex | None = None) -> WlResult:
    """Graph hash (``shape.hash_iterations`` iterations) and subtree-feature bag in one pass, equal to
    :func:`networkx_hashes` on :func:`to_digraph`."""
    settings = settings or WlSettings()
    shape = shape or edge_index(tree)
    if memo is None or memo.digest_size != settings.digest_size:
        memo = HashMemo(settings.digest_size)
    hash_iterations = shape.hash_iterations
    parents, children = shape.parents, shape.children
    tied_out: dict[int, list[int]] = defaultdict(list)
    tied_in: dict[int, list[int]] = defaultdict(list)
    for holder, target in shape.tied:
        tied_out[holder].append(target)
        tied_in[target].append(holder)
    current = [label(node) for node in tree]
    bag: Counter[str] = Counter()
    if settings.include_initial:
        bag.update(memo(text) for text in current)
    graph_counts: list[tuple[str, int]] = []
    known = memo.by_neighbourhood
    special = set(tied_out) | set(tied_in)
    for iteration in range(1, max(hash_iterations, settings.iterations) + 1):
        updated = []
        append = updated.append
        for node, own in enumerate(current):
            if node in special:
                append(memo(_neighbourhood(node, current, children[node], parents[node], tied_out, tied_in)))
                continue
            # Every copy of a repeated block has the same neighbourhood: look it up by a tuple of label strings
            # (whose hashes Python caches) before building and hashing the string networkx would hash.
            kids, parent = children[node], parents[node]
            key = (own, tuple(sorted([current[k] for k in kids])) if kids else (),
                   current[parent] if parent >= 0 else None)
            hashed = known.get(key)
            if hashed is None:
                hashed = known[key] = memo(_neighbourhood(node, current, kids, parent, tied_out, tied_in))
            append(hashed)
        current = updated
        if iteration <= hash_iterations:
            graph_counts.extend(sorted(Counter(current).items()))
        if iteration <= settings.iterations:
            bag.update(current)
    exact = blake2b(str(tuple(graph_counts)).encode("ascii"), digest_size=settings.digest_size).hexdigest()
    return WlResult(exact, hash_iterations, bag)


def _neighbourhood(node: int, current: list[str], kids: tuple[int, ...], parent: int,
                   tied_out: dict[int, list[int]], tied_in: dict[int, list[int]]) -> str:
    """The string networkx hashes for a node: own label, successors then predecessors, each sorted by kind + label."""
    if node in tied_out:
        text = current[node] + "".join(sorted([CHILD + current[k] for k in kids]
                                              + [TIED + current[t] for t in tied_out[node]]))
    elif kids:
        text = current[node] + CHILD + CHILD.join(sorted([current[k] for k in kids]))
    else:
        text = current[node]
    if node in tied_in:
        text += "".join(sorted(([CHILD + current[parent]] if parent >= 0 else [])
                               + [TIED + current[h] for h in tied_in[node]]))
    elif parent >= 0:
        text += CHILD + current[parent]
    return text


# -- the Architecture hash ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TreeHash:
    hash: str
    wl_iterations: int
    wl_labels: str  # the label's name ("structural", "class", ...)
    networkx_version: str


_GRAPH_HASH_ONLY = WlSettings(iterations=0, include_initial=False)


def tree_hash(tree: ModuleTree, label: WlLabel | str = WlLabel.STRUCTURAL, memo: HashMemo | None = None) -> TreeHash:
    """WL graph hash of a module tree with as many iterations as it is deep: with the ``structural`` label, the
    Architecture's content address."""
    result = wl_hashes(tree, label_function(label), _GRAPH_HASH_ONLY, memo)
    return TreeHash(result.exact_hash, result.hash_iterations, str(WlLabel(label)), nx.__version__)
