"""The module hierarchy of one ``nn.Module``, as rows ready for the graph (a pure function of the module).

Rows follow ``named_modules()`` exactly: each module object once, under the first path that reaches it, in that
order; the root is the model itself with path ``""``. A parent that holds a module object already yielded under
another path gets a :class:`TiedEdge` instead of a row, so the rows stay a tree.

Parameters are counted by tensor identity, like ``sum(p.numel() for p in module.parameters())``: tied weights (an
LM head sharing the input embedding's matrix) count once in every subtree that holds them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from nnstruct.graph.module_schema import STRUCTURAL_ATTRIBUTES

# Structural attributes (STRUCTURAL_ATTRIBUTES) are read from modules where they exist. Values that are not plain
# numbers, strings, booleans or sequences of those are left out.

# Other spellings of the same attribute in transformers' and torch's modules (first found wins).
_ALIASES = {
    "num_heads": ("num_heads", "num_attention_heads", "n_heads", "n_head"),
    "hidden_size": ("hidden_size", "embed_dim"),
    "in_features": ("in_features", "nx"),  # transformers' Conv1D (GPT-2) holds nx -> nf
    "out_features": ("out_features", "nf"),
}

# Attributes through which a module refers to its activation function without holding it as a child module.
_ACTIVATION_ATTRIBUTES = ("activation", "act", "act_fn", "activation_fn", "hidden_act", "intermediate_act_fn")

_ACTIVATION_MODULES = ("torch.nn.modules.activation", "transformers.activations")


@dataclass(frozen=True)
class TiedEdge:
    """``parent`` holds, as attribute ``name`` (position ``index``), the module already yielded at ``target``."""

    parent: str
    name: str
    index: int
    path: str  # the path this holder would give it: parent + "." + name
    target: str


@dataclass
class ModuleTree:
    """Rows (one dict per module, Module node properties plus ``parent``), tied edges and parameter totals."""

    rows: list[dict[str, Any]]
    tied: list[TiedEdge] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0

    @property
    def root(self) -> dict[str, Any]:
        return self.rows[0]

    @property
    def root_class(self) -> str:
        return self.rows[0]["class_name"]

    @property
    def module_count(self) -> int:
        return len(self.rows)

    @property
    def max_depth(self) -> int:
        return max(row["depth"] for row in self.rows)

    @property
    def leaf_count(self) -> int:
        return sum(1 for row in self.rows if row["is_leaf"])

    def layer_types(self) -> dict[str, dict[str, Any]]:
        """class_path -> LayerType properties plus ``modules`` (how many rows have that class)."""
        counts = Counter(row["class_path"] for row in self.rows)
        names = {row["class_path"]: (row["class_name"], row["class_module"]) for row in self.rows}
        return {
            qualname: {
                "qualname": qualname, "name": names[qualname][0], "module": names[qualname][1],
                "is_torch": names[qualname][1].startswith("torch.nn"), "modules": count,
            }
            for qualname, count in counts.items()
        }


def _plain(value: Any) -> Any:
    """``value`` as a Neo4j property value, or ``None`` when it is not a plain structural value."""
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, list | tuple) and value:
        items = [_plain(v) for v in value]
        if all(isinstance(v, bool) for v in items) or all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in items
        ) or all(isinstance(v, str) for v in items):
            return [float(v) if any(isinstance(x, float) for x in items) else v for v in items]
    return None


def _activation(module: nn.Module) -> str | None:
    cls = type(module)
    if cls.__module__ in _ACTIVATION_MODULES:
        return cls.__name__
    for attr in _ACTIVATION_ATTRIBUTES:
        value = module.__dict__.get(attr)
        if isinstance(value, str):
            return value
        if callable(value) and not isinstance(value, nn.Module) and hasattr(value, "__name__"):
            return value.__name__
    return None


def structural_attributes(module: nn.Module) -> dict[str, Any]:
    """The cheap structural attributes of one module (only those it has)."""
    found: dict[str, Any] = {}
    attributes = module.__dict__
    for key in STRUCTURAL_ATTRIBUTES:
        if key == "activation":
            value = _activation(module)
        elif key == "bias":
            value = _bias(module)
        else:
            value = None
            for attr in _ALIASES.get(key, (key,)):
                if attr in attributes:
                    value = _plain(attributes[attr])
                    break
        if value is not None:
            found[key] = value
    return found


def _bias(module: nn.Module) -> bool | None:
    """Whether a layer has a bias: a registered bias parameter (possibly ``None``) or a boolean flag."""
    if "bias" in module._parameters:
        return module._parameters["bias"] is not None
    flag = module.__dict__.get("bias")
    return flag if isinstance(flag, bool) else None


def extract_modules(model: nn.Module) -> ModuleTree:
    """Rows for every module of ``model`` as ``named_modules()`` yields them, tied edges and parameter totals."""
    yielded = list(model.named_modules())
    first_path = {id(module): path for path, module in yielded}
    # named_modules() is depth first, so a parent is always seen before its children: record where each child sits.
    placement: dict[str, tuple[str, str, int, int]] = {"": ("", "", 0, 0)}  # path -> (parent, name, depth, index)
    rows: list[dict[str, Any]] = []
    tied: list[TiedEdge] = []
    for path, module in yielded:
        parent, name, depth, index = placement[path]
        cls = type(module)
        row = {
            "path": path, "name": name, "parent": parent if path else None, "class_name": cls.__name__,
            "class_path": f"{cls.__module__}.{cls.__qualname__}", "class_module": cls.__module__,
            "depth": depth, "index": index,
            "own_params": sum(p.numel() for p in module._parameters.values() if p is not None),
            "subtree_params": sum(p.numel() for p in module.parameters()),  # parameters() dedups by identity
            "is_leaf": True,
            **structural_attributes(module),
        }
        rows.append(row)
        position = 0
        for child_name, child in module._modules.items():
            if child is None:
                continue
            row["is_leaf"] = False
            child_path = f"{path}.{child_name}" if path else child_name
            if first_path[id(child)] == child_path and child_path not in placement:
                placement[child_path] = (path, child_name, depth + 1, position)
            else:
                tied.append(TiedEdge(path, child_name, position, child_path, first_path[id(child)]))
            position += 1
    return ModuleTree(
        rows=rows,
        tied=tied,
        total_params=sum(p.numel() for p in model.parameters()),
        trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
    )
