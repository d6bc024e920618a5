"""Weisfeiler-Lehman hashes of a module tree, computed by one cheap pass that gives networkx's exact values.

The reference is networkx on ingest's graph of the tree (``nnstruct.ingest.tree_graph.to_digraph``: nodes keyed
by path carrying ``label``, parent -> child edges of kind ``child`` plus ``tied`` edges to shared modules, WL with
``node_attr="label", edge_attr="kind"``). For a directed graph networkx relabels each node with
``blake2b(own + sorted(kind + successor) + sorted(kind + predecessor))``. This module does the same arithmetic on
index lists instead of a generic graph and hashes each distinct neighbourhood string once (a model repeats the
same block 12 to 80 times): the tests hold both to identical values, so stored hashes stay networkx's.

Two products per tree:
- ``exact_hash``: the WL graph hash with as many iterations as the tree is deep (at least 1), like ingest's
  ``tree_hash``: the root's label then covers the whole tree, so equal hashes mean the same labelled tree.
- ``bag``: every node's subtree hashes at iterations 0..``iterations`` counted as a bag of features, compared by
  cosine (``similarity_index``). Three iterations keep "BERT with 6 layers" close to "BERT with 12": the block
  count reaches a block's label only through its parent, one level further down per iteration.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

import networkx as nx

from nnstruct.errors import NnstructError

DIGEST_SIZE = 16  # networkx's default, as ingest uses it
CHILD, TIED = "child", "tied"  # edge kinds, as ingest's to_digraph names them


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
class TreeShape:
    """Edges of a module tree by row position; the root is the row whose path is ""."""

    parents: tuple[int, ...]  # -1 for the root
    children: tuple[tuple[int, ...], ...]
    tied: tuple[tuple[int, int], ...]  # (holder, target) beyond the parent -> child edges
    depth: int  # longest root-to-leaf chain of child edges

    @property
    def hash_iterations(self) -> int:
        """Enough iterations for the root's label to cover the whole tree."""
        return max(1, self.depth)


def parent_path(path: str) -> str | None:
    """``named_modules()`` paths: the parent of ``a.b.c`` is ``a.b``, of ``a`` the root ``""``."""
    return None if path == "" else path.rpartition(".")[0]


def tree_shape(paths: Sequence[str], tied: Iterable[tuple[str, str]] = ()) -> TreeShape:
    """Edges from the rows' paths and the (holder path, target path) pairs of ``TIED_CHILD``."""
    position = {path: i for i, path in enumerate(paths)}
    if "" not in position:
        raise NnstructError("module tree has no root (no row with path '')")
    parents = [-1] * len(paths)
    children: list[list[int]] = [[] for _ in paths]
    depth = 0
    for i, path in enumerate(paths):
        if path == "":
            continue
        parent = position.get(path.rpartition(".")[0])
        if parent is None:
            raise NnstructError(f"module tree: {path!r} has no parent row")
        parents[i] = parent
        children[parent].append(i)
        depth = max(depth, path.count(".") + 1)
    extra = set()
    for holder_path, target_path in tied:
        holder, target = position.get(holder_path), position.get(target_path)
        if holder is None or target is None:
            raise NnstructError(f"module tree: tied edge {holder_path!r} -> {target_path!r} leaves the tree")
        if parents[target] != holder:  # a DiGraph keeps one edge per pair: the child edge wins
            extra.add((holder, target))
    return TreeShape(tuple(parents), tuple(tuple(c) for c in children), tuple(sorted(extra)), depth)


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


@dataclass(frozen=True)
class WlResult:
    exact_hash: str
    hash_iterations: int
    bag: Counter[str]


def wl_hashes(labels: Sequence[str], shape: TreeShape, settings: WlSettings | None = None,
              memo: HashMemo | None = None) -> WlResult:
    """Graph hash (``shape.hash_iterations`` iterations) and subtree-feature bag in one pass."""
    settings = settings or WlSettings()
    if memo is None or memo.digest_size != settings.digest_size:
        memo = HashMemo(settings.digest_size)
    hash_iterations = shape.hash_iterations
    parents, children = shape.parents, shape.children
    tied_out: dict[int, list[int]] = defaultdict(list)
    tied_in: dict[int, list[int]] = defaultdict(list)
    for holder, target in shape.tied:
        tied_out[holder].append(target)
        tied_in[target].append(holder)
    current = list(labels)
    bag: Counter[str] = Counter()
    if settings.include_initial:
        bag.update(memo(label) for label in current)
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


def networkx_hashes(graph: nx.DiGraph, settings: WlSettings | None = None) -> WlResult:
    """The same values straight from networkx on ingest's graph (the reference ``wl_hashes`` is tested against)."""
    import warnings

    from nnstruct.ingest.tree_graph import tree_depth

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


def rows_with_parents(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Module rows read back from Neo4j lack ``parent``; ingest's ``to_digraph`` wants it."""
    return [{**row, "parent": parent_path(row["path"])} for row in rows]
