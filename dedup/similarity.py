"""The WL similarity of two stored architectures, for ``nnstruct diff`` and for anyone comparing two models.

The score is recomputed from the stored modules with the current settings (so it never mixes networkx versions);
what dedup stored (a ``SIMILAR_TO`` score, the clusters) is reported beside it, flagged when it was made with other
settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnstruct.dedup.architectures import architecture_features
from nnstruct.dedup.similarity_index import cosine
from nnstruct.errors import NnstructError
from nnstruct.graph.connection import Graph
from nnstruct.graph.query_runner import run_named
from nnstruct.tree.wl import DEDUP_LABELS, HashMemo, WlSettings


@dataclass(frozen=True)
class ArchitectureSimilarity:
    left: str  # architecture hashes
    right: str
    label: str
    score: float  # cosine of the WL feature bags, in [0, 1]
    same_architecture: bool  # one stored tree (ingest hash)
    exact: bool  # same tree under the label (equal class hash / shape hash)
    left_description: str
    right_description: str
    stored_score: float | None  # SIMILAR_TO score from the last dedup run, when one links them
    same_cluster: bool | None  # None when dedup has not clustered them
    stored_settings_current: bool | None  # whether dedup's stored values were made with these settings
    settings: WlSettings

    def near_duplicate(self, threshold: float = 0.85) -> bool:
        return self.score >= threshold

    def __float__(self) -> float:
        return self.score


def architecture_similarity(graph: Graph, left: str, right: str, label: str = "class",
                            settings: WlSettings | None = None) -> ArchitectureSimilarity:
    """Score two architectures, each given by its hash or by the id of a model that builds it."""
    from nnstruct.dedup.store import read_trees

    if label not in DEDUP_LABELS:
        raise NnstructError(f"unknown label {label!r}; choose one of: {', '.join(DEDUP_LABELS)}")
    settings = settings or WlSettings()
    rows = run_named(graph, "dedup/architecture_pair", {"left": left, "right": right})
    found = rows[0] if rows else {}
    for given, side in ((left, "left"), (right, "right")):
        if not found.get(side):
            raise NnstructError(f"no architecture or built model {given!r} in the graph")
    hashes = [found["left"], found["right"]]
    trees = dict(read_trees(graph, sorted(set(hashes))))
    for arch in hashes:
        if arch not in trees:
            raise NnstructError(f"architecture {arch} has no stored modules")
    memo = HashMemo(settings.digest_size)
    a, b = (architecture_features((h, trees[h]), label, settings, memo) for h in hashes)
    current = found.get("cluster_networkx_version")
    stored_current = None if current is None else (
        current == settings.networkx_version and found.get("cluster_wl_iterations") == settings.iterations)
    same_cluster = None if found.get("left_cluster") is None else found["left_cluster"] == found["right_cluster"]
    return ArchitectureSimilarity(
        hashes[0], hashes[1], label, 1.0 if hashes[0] == hashes[1] else round(cosine(a.bag, b.bag), 6),
        hashes[0] == hashes[1], a.exact_hash(label) == b.exact_hash(label), a.description, b.description,
        found.get("stored_score"), same_cluster, stored_current, settings)
