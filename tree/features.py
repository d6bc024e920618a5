"""What architecture dedup needs of one tree, computed once where the tree is in memory (ingest's worker) and
stored on its Architecture node, so ``nnstruct dedup`` reads a few properties instead of re-reading and
re-hashing thousands of Module nodes per tree.

Per dedup label (:data:`~nnstruct.tree.wl.DEDUP_LABELS`: ``class`` and ``class+shape``): the WL graph hash and
the bag of WL subtree hashes. Stored compactly as parallel lists (``features_<label>_bag`` the distinct subtree
hashes, ``features_<label>_counts`` how often each occurs; a tree of 1,000 modules has a few dozen distinct ones)
with ``features_settings`` naming the WL settings and networkx version: features made with other settings are
never mixed in, dedup recomputes and rewrites them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from nnstruct.tree.describe import describe_tree
from nnstruct.tree.model import ModuleTree
from nnstruct.tree.wl import DEDUP_LABELS, HashMemo, WlSettings, edge_index, label_function, wl_hashes

PREFIX = "features_"


def _key(label: str) -> str:
    return label.replace("+", "_")  # property names: class, class_shape


@dataclass(frozen=True)
class LabelFeatures:
    hash: str  # WL graph hash under the label
    bag: Counter[str]  # WL subtree hashes under the label, iterations 0..settings.iterations


@dataclass(frozen=True)
class TreeFeatures:
    settings: str  # WlSettings.describe() of the settings that made them
    hash_iterations: int
    description: str
    labels: dict[str, LabelFeatures]  # dedup label -> its features

    def properties(self) -> dict[str, Any]:
        """The Architecture properties that store these features."""
        props: dict[str, Any] = {f"{PREFIX}settings": self.settings, f"{PREFIX}hash_iterations": self.hash_iterations,
                                 f"{PREFIX}description": self.description}
        for label, features in self.labels.items():
            key = _key(label)
            items = sorted(features.bag.items())
            props[f"{PREFIX}{key}_hash"] = features.hash
            props[f"{PREFIX}{key}_bag"] = [h for h, _ in items]
            props[f"{PREFIX}{key}_counts"] = [c for _, c in items]
        return props


def tree_features(tree: ModuleTree, settings: WlSettings | None = None, memo: HashMemo | None = None
                  ) -> TreeFeatures:
    """Every dedup label's WL graph hash and subtree bag, and the tree's short description."""
    settings = settings or WlSettings()
    memo = memo if memo is not None and memo.digest_size == settings.digest_size else HashMemo(settings.digest_size)
    shape = edge_index(tree)
    labels = {}
    for label in DEDUP_LABELS:
        result = wl_hashes(tree, label_function(label), settings, memo, shape)
        labels[str(label)] = LabelFeatures(result.exact_hash, result.bag)
    return TreeFeatures(settings.describe(), shape.hash_iterations, describe_tree(tree), labels)


def stored_features(props: dict[str, Any], settings: WlSettings | None = None) -> TreeFeatures | None:
    """The features stored in ``props`` (an Architecture's properties), or None when absent or made with other
    settings (an older nnstruct, another networkx)."""
    settings = settings or WlSettings()
    if props.get(f"{PREFIX}settings") != settings.describe():
        return None
    labels = {}
    for label in DEDUP_LABELS:
        key = _key(label)
        hashed, bag, counts = (props.get(f"{PREFIX}{key}_{part}") for part in ("hash", "bag", "counts"))
        if hashed is None or bag is None or counts is None or len(bag) != len(counts):
            return None
        labels[str(label)] = LabelFeatures(hashed, Counter(dict(zip(bag, counts, strict=True))))
    return TreeFeatures(props[f"{PREFIX}settings"], int(props[f"{PREFIX}hash_iterations"]),
                        props.get(f"{PREFIX}description") or "", labels)
