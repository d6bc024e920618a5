"""The one schema of a Module's fields: what every module stores, and the structural attributes that apply to some.

Python code filters stored rows by these names; Cypher reads modules as map projections (``m {.*}``), so no
query repeats the list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attribute:
    """A structural attribute read off a module object where it has one."""

    name: str
    shape: bool  # describes the module's shape (class+shape labels, hierarchy text); else a setting (eps, p, ...)
    aliases: tuple[str, ...] = ()  # other spellings in transformers' and torch's modules, first found wins
    meaning: str = ""


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("in_features", True, ("in_features", "nx"), "input width (Linear; transformers' Conv1D nx)"),
    Attribute("out_features", True, ("out_features", "nf"), "output width (Linear; Conv1D nf)"),
    Attribute("in_channels", True, meaning="input channels (convolutions)"),
    Attribute("out_channels", True, meaning="output channels (convolutions)"),
    Attribute("kernel_size", True, meaning="kernel size (convolutions, pooling)"),
    Attribute("stride", True, meaning="stride"),
    Attribute("padding", True, meaning="padding"),
    Attribute("groups", True, meaning="convolution groups"),
    Attribute("num_embeddings", True, meaning="rows of an embedding table"),
    Attribute("embedding_dim", True, meaning="width of an embedding table"),
    Attribute("normalized_shape", True, meaning="LayerNorm shape"),
    Attribute("num_features", True, meaning="BatchNorm/GroupNorm features"),
    Attribute("eps", False, meaning="normalisation epsilon"),
    Attribute("p", False, meaning="dropout probability"),
    Attribute("activation", False, meaning="activation class or function name"),
    Attribute("num_heads", True, ("num_heads", "num_attention_heads", "n_heads", "n_head"), "attention heads"),
    Attribute("hidden_size", True, ("hidden_size", "embed_dim"), "hidden width of an attention or block module"),
    Attribute("bias", False, meaning="whether the layer has a bias"),
)

# Structural attributes in the order the schema documents them; set on a Module only where they apply.
STRUCTURAL_ATTRIBUTES: tuple[str, ...] = tuple(attribute.name for attribute in ATTRIBUTES)
# The subset that describes shape (eps, p, activation and bias are settings, not shape).
SHAPE_ATTRIBUTES: tuple[str, ...] = tuple(attribute.name for attribute in ATTRIBUTES if attribute.shape)
ALIASES: dict[str, tuple[str, ...]] = {a.name: a.aliases for a in ATTRIBUTES if a.aliases}

# Properties every Module node has, besides the structural attributes that apply (and arch_hash, the tree's).
MODULE_PROPERTIES: tuple[str, ...] = (
    "path", "name", "class_name", "class_path", "depth", "index", "own_params", "subtree_params", "is_leaf",
)
