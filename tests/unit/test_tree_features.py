"""Tree features: what ingest stores for dedup round-trips through the Architecture's properties and equals
dedup's own hashing of the same tree."""

from __future__ import annotations

from nnstruct.dedup.architectures import architecture_features, from_tree_features
from nnstruct.tree.features import stored_features, tree_features
from nnstruct.tree.wl import WlSettings
from tests.dedup_trees import encoder_rows, module_tree


def test_features_round_trip_and_match_dedup() -> None:
    tree = module_tree(encoder_rows(blocks=3))
    features = tree_features(tree)
    props = features.properties()
    assert stored_features(props) == features
    assert stored_features({**props, "features_settings": "networkx=0.1"}) is None
    assert stored_features({k: v for k, v in props.items() if k != "features_class_bag"}) is None
    for label in ("class", "class+shape"):
        assert from_tree_features("h", stored_features(props), label) == \
            architecture_features(("h", tree), label, WlSettings())
    assert len(props["features_class_bag"]) < sum(props["features_class_counts"])  # distinct hashes, counted
