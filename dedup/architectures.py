"""Architecture dedup on plain rows: exact groups by WL graph hash, near duplicates by WL feature cosine, clusters.

The unit of work is the distinct tree: features are computed once per stored Architecture (ingest already stores
one Architecture per distinct tree, shared by every model that builds it), and the similarity index runs over the
distinct trees of the chosen labelling (``--label class`` merges Architectures that differ only in sizes).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstruct.dedup.clusters import MAX_LINKS, capped_links, components
from nnstruct.dedup.models import ModelRow, representatives
from nnstruct.dedup.similarity_index import bag_matrix, row_dots, similar_pairs
from nnstruct.tree.features import TreeFeatures, tree_features
from nnstruct.tree.model import ModuleTree
from nnstruct.tree.wl import HashMemo, WlLabel, WlSettings

# One stored Architecture's tree: (Architecture.hash, its module tree).
StoredTree = tuple[str, ModuleTree]


@dataclass(frozen=True)
class ArchitectureFeatures:
    hash: str
    class_hash: str  # WL graph hash over class names (label "class")
    shape_hash: str | None  # WL graph hash over class + shape (label "class+shape"), when that label is used
    hash_iterations: int
    bag: Any  # Counter of WL subtree hashes under the chosen label
    description: str

    def exact_hash(self, label: str) -> str:
        return self.shape_hash if label == "class+shape" and self.shape_hash else self.class_hash


def architecture_features(stored: StoredTree, label: str, settings: WlSettings, memo: HashMemo | None = None
                          ) -> ArchitectureFeatures:
    arch_hash, tree = stored
    return from_tree_features(arch_hash, tree_features(tree, settings, memo), label)


def from_tree_features(arch_hash: str, features: TreeFeatures, label: str) -> ArchitectureFeatures:
    """What dedup compares of one architecture, under ``label``, from the features stored at ingest."""
    by_class = features.labels[WlLabel.CLASS]
    by_label = features.labels[str(label)]
    shape_hash = None if label == WlLabel.CLASS else by_label.hash
    return ArchitectureFeatures(arch_hash, by_class.hash, shape_hash, features.hash_iterations, by_label.bag,
                                features.description)


def compute_tree_features(trees: Iterable[StoredTree], settings: WlSettings) -> Iterator[tuple[str, TreeFeatures]]:
    """Features of trees read back from the graph (architectures stored before ingest computed them)."""
    memo = HashMemo(settings.digest_size)
    for arch_hash, tree in trees:
        yield arch_hash, tree_features(tree, settings, memo)


@dataclass(frozen=True)
class ArchitectureRow:
    hash: str
    class_hash: str
    shape_hash: str | None
    hash_iterations: int
    cluster: str  # Cluster key
    representative: bool  # the cluster's representative architecture
    score: float  # cosine to the cluster's representative tree
    description: str
    models: int  # built models using it


@dataclass(frozen=True)
class ClusterRow:
    key: str
    representative: str  # architecture hash
    size: int  # architectures
    trees: int  # distinct trees under the label
    models: int
    description: str


@dataclass(frozen=True)
class Link:
    source: str  # the less popular architecture
    target: str
    score: float
    exact: bool  # same tree under the label (score 1)


@dataclass
class ArchitectureLabelling:
    label: str
    threshold: float
    settings: WlSettings
    architectures: list[ArchitectureRow]
    clusters: list[ClusterRow]  # largest (by models) first
    links: list[Link]
    representative_models: set[str]
    labelled_models: list[str]  # models given rep_architecture (true or false)
    distinct_trees: int
    near_pairs: int  # pairs of distinct trees at or above the threshold (before the per-tree cap)
    seconds: dict[str, float] = field(default_factory=dict)

    def exact_groups(self) -> list[tuple[str, list[ArchitectureRow]]]:
        """Architectures sharing one tree under the label, largest (by models) first."""
        groups: dict[str, list[ArchitectureRow]] = defaultdict(list)
        for row in self.architectures:
            groups[row.shape_hash or row.class_hash].append(row)
        return sorted(groups.items(), key=lambda item: (-sum(r.models for r in item[1]), item[0]))


def cluster_key(label: str, threshold: float, representative: str) -> str:
    return f"{label}:{threshold:g}:{representative}"


def _features_of_chunk(chunk: list[StoredTree], label: str, settings: WlSettings) -> list[ArchitectureFeatures]:
    memo = HashMemo(settings.digest_size)
    return [architecture_features(tree, label, settings, memo) for tree in chunk]


def _chunks(trees: Iterable[StoredTree], size: int) -> Iterator[list[StoredTree]]:
    chunk: list[StoredTree] = []
    for tree in trees:
        chunk.append(tree)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def compute_features(trees: Iterable[StoredTree], label: str, settings: WlSettings,
                     progress: Callable[[int], None] | None = None, workers: int = 1,
                     chunk: int = 64) -> dict[str, ArchitectureFeatures]:
    """Features of every tree (each stored Architecture once). ``workers`` > 1 hashes chunks of trees in that
    many processes while ``trees`` (e.g. a read from Neo4j) is still being consumed."""
    features: dict[str, ArchitectureFeatures] = {}

    def keep(done: list[ArchitectureFeatures]) -> None:
        for item in done:
            features[item.hash] = item
        if progress:
            progress(len(done))

    if workers <= 1:
        memo = HashMemo(settings.digest_size)
        for tree in trees:
            keep([architecture_features(tree, label, settings, memo)])
        return features
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from multiprocessing import get_context

    # forkserver: workers never inherit the parent's driver threads or open sockets
    with ProcessPoolExecutor(workers, mp_context=get_context("forkserver")) as pool:
        pending = set()
        for part in _chunks(trees, chunk):
            pending.add(pool.submit(_features_of_chunk, part, label, settings))
            if len(pending) >= 2 * workers:  # bounded: do not read far ahead of the workers
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    keep(future.result())
        for future in pending:
            keep(future.result())
    return features


def label_architectures(features: Mapping[str, ArchitectureFeatures], models: Sequence[ModelRow], label: str,
                        threshold: float, settings: WlSettings, max_links: int = MAX_LINKS) -> ArchitectureLabelling:
    """Exact groups, near-duplicate links, clusters and one representative model per (cluster, task)."""
    clock = time.perf_counter()
    used = defaultdict(lambda: [0, 0])  # hash -> [built models, downloads]
    for model in models:
        if model.ok and model.arch_hash in features:
            used[model.arch_hash][0] += 1
            used[model.arch_hash][1] += model.downloads or 0

    def popularity(arch: str) -> tuple[int, int, str]:
        return (-used[arch][0], -used[arch][1], arch)

    members: dict[str, list[str]] = defaultdict(list)
    for arch in sorted(features, key=popularity):
        members[features[arch].exact_hash(label)].append(arch)
    # one row per distinct tree, most popular first (so "smallest number" = "most popular")
    groups = sorted(members.values(), key=lambda archs: (-sum(used[a][0] for a in archs),
                                                         -sum(used[a][1] for a in archs), archs[0]))
    matrix = bag_matrix([features[archs[0]].bag for archs in groups])
    pairs = similar_pairs(matrix, threshold)
    found = components(len(groups), pairs)
    rep_of_group = found.representative[found.cluster]
    score_to_rep = row_dots(matrix, np.arange(len(groups)), rep_of_group) if groups else np.empty(0)
    seconds = {"index": time.perf_counter() - clock}

    keys = [cluster_key(label, threshold, groups[rep][0]) for rep in found.representative]
    architectures, links = [], []
    for number, archs in enumerate(groups):
        cluster = int(found.cluster[number])
        canonical = archs[0]
        for arch in archs:
            f = features[arch]
            architectures.append(ArchitectureRow(
                arch, f.class_hash, f.shape_hash, f.hash_iterations, keys[cluster],
                arch == groups[found.representative[cluster]][0], round(min(1.0, float(score_to_rep[number])), 6),
                f.description, used[arch][0]))
            if arch != canonical:
                links.append(Link(arch, canonical, 1.0, True))
    for index in capped_links(pairs, max_links):
        left, right = int(pairs.left[index]), int(pairs.right[index])
        links.append(Link(groups[right][0], groups[left][0], round(float(pairs.score[index]), 6), False))

    clusters = []
    by_cluster: dict[str, list[ArchitectureRow]] = defaultdict(list)
    for row in architectures:
        by_cluster[row.cluster].append(row)
    for number, key in enumerate(keys):
        rows = by_cluster[key]
        rep_hash = groups[found.representative[number]][0]
        trees = len({row.shape_hash or row.class_hash for row in rows})
        clusters.append(ClusterRow(key, rep_hash, len(rows), trees, sum(r.models for r in rows),
                                   features[rep_hash].description))
    clusters.sort(key=lambda c: (-c.models, -c.size, c.key))

    cluster_of_arch = {row.hash: row.cluster for row in architectures}
    group_of = {m.id: cluster_of_arch[m.arch_hash] for m in models if m.arch_hash in cluster_of_arch}
    chosen = representatives(models, group_of)
    seconds["clusters"] = time.perf_counter() - clock - seconds["index"]
    return ArchitectureLabelling(
        label, threshold, settings, architectures, clusters, links, chosen, [m.id for m in models],
        len(groups), len(pairs), seconds)
