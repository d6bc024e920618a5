"""Clusters of near-duplicate trees: connected components of the similarity links, one representative each.

Components (single linkage) make the labelling monotonic: lowering the threshold only adds links, so clusters only
merge. Trees are numbered most popular first, so "the smallest number" is the representative rule everywhere:
the cluster's representative is its most popular tree. Stored links are capped per tree (its ``max_links`` best,
kept when either end keeps them) so a family of thousands of variants does not store millions of relationships;
the cap keeps monotonicity (a tree's best links at a higher threshold stay among its best at a lower one), and
clusters are computed from all links, not the capped ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from nnstruct.dedup.similarity_index import Pairs

MAX_LINKS = 20


@dataclass(frozen=True)
class Components:
    cluster: np.ndarray  # tree -> cluster number
    representative: np.ndarray  # cluster number -> representative tree (its smallest tree number)


def components(n: int, pairs: Pairs) -> Components:
    if n == 0:
        return Components(np.empty(0, np.int64), np.empty(0, np.int64))
    graph = sparse.coo_matrix((np.ones(len(pairs)), (pairs.left, pairs.right)), shape=(n, n))
    _, raw = connected_components(graph, directed=False)
    representative = np.full(raw.max() + 1, n, np.int64)
    np.minimum.at(representative, raw, np.arange(n))
    # renumber clusters by their representative, so cluster numbers follow popularity too
    order = np.argsort(representative)
    renumber = np.empty_like(order)
    renumber[order] = np.arange(len(order))
    return Components(renumber[raw], representative[order])


def capped_links(pairs: Pairs, max_links: int = MAX_LINKS) -> np.ndarray:
    """Indices into ``pairs`` of the links to store: each tree's ``max_links`` best (score, then popularity)."""
    if len(pairs) == 0:
        return np.empty(0, np.int64)
    edge = np.arange(len(pairs))
    source = np.concatenate([pairs.left, pairs.right])
    other = np.concatenate([pairs.right, pairs.left])
    score = np.concatenate([pairs.score, pairs.score])
    edges = np.concatenate([edge, edge])
    order = np.lexsort((other, -score, source))
    source, edges = source[order], edges[order]
    start = np.searchsorted(source, source, side="left")
    rank = np.arange(len(source)) - start
    return np.unique(edges[rank < max_links])
