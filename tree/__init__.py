"""The module-tree core: one tree model, its field schema, its folding rule and its Weisfeiler-Lehman hashes.

Knows neither torch nor Neo4j: ingest produces a :class:`ModuleTree` from an ``nn.Module``, the graph layer
writes and reads it, and dedup, analysis and inspect consume it.
"""

from nnstruct.tree.fields import MODULE_PROPERTIES, SHAPE_ATTRIBUTES, STRUCTURAL_ATTRIBUTES
from nnstruct.tree.fold import Run, Signatures, fold, names_label, repeat_label
from nnstruct.tree.model import ModuleNode, ModuleTree, TiedChild

__all__ = [
    "MODULE_PROPERTIES", "SHAPE_ATTRIBUTES", "STRUCTURAL_ATTRIBUTES", "ModuleNode", "ModuleTree", "Run",
    "Signatures", "TiedChild", "fold", "names_label", "repeat_label",
]
