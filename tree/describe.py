"""A short human name for a module tree, for summaries: ``BertForSequenceClassification 12x768``."""

from __future__ import annotations

from collections import Counter

from nnstruct.tree.model import ModuleTree

# Where the model's width shows, most telling first: LayerNorm size, hidden size, embedding size, Linear input.
_WIDTH_KEYS = ("normalized_shape", "hidden_size", "embedding_dim", "in_features", "in_channels")


def describe_tree(tree: ModuleTree) -> str:
    """Root class, then blocks x width: the longest run of same-class non-leaf siblings, and the usual width."""
    blocks = 1
    for node in tree:
        if len(node.children) > blocks:
            counts = Counter(child.class_name for child in node.children if child.children)
            if counts:
                blocks = max(blocks, max(counts.values()))
    widths: dict[str, Counter] = {key: Counter() for key in _WIDTH_KEYS}
    for node in tree:
        for key in _WIDTH_KEYS:
            value = node.attrs.get(key)
            if value is not None:
                if isinstance(value, list | tuple):
                    value = value[0] if value else None
                if type(value) is int and value > 0:
                    widths[key][value] += 1
    width = next((counts.most_common(1)[0][0] for counts in widths.values() if counts), None)
    root = tree.root_class
    size = "x".join(str(part) for part in (blocks if blocks > 1 else None, width) if part)
    return f"{root} {size}".strip()
