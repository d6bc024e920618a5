"""The module hierarchy of one ``nn.Module`` as a :class:`~nnstruct.tree.ModuleTree` (a pure function of the module).

Nodes follow ``named_modules()`` exactly: each module object once, under the first path that reaches it, in that
order; the root is the model itself with path ``""``. A parent that holds a module object already yielded under
another path gets a :class:`~nnstruct.tree.TiedChild` instead of a node, so the nodes stay a tree.

Parameters are counted by tensor identity, like ``sum(p.numel() for p in module.parameters())``: tied weights (an
LM head sharing the input embedding's matrix) count once in every subtree that holds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nnstruct.tree.fields import ALIASES, STRUCTURAL_ATTRIBUTES
from nnstruct.tree.model import ModuleNode, ModuleTree, TiedChild

if TYPE_CHECKING:  # torch is imported where a module is read, so commands that never build one start fast
    from torch import nn

# Structural attributes (nnstruct.tree.fields) are read from modules where they exist. Values that are not plain
# numbers, strings, booleans or sequences of those are left out.

# Attributes through which a module refers to its activation function without holding it as a child module.
_ACTIVATION_ATTRIBUTES = ("activation", "act", "act_fn", "activation_fn", "hidden_act", "intermediate_act_fn")

_ACTIVATION_MODULES = ("torch.nn.modules.activation", "transformers.activations")


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


def _is_module(value: Any) -> bool:
    from torch import nn

    return isinstance(value, nn.Module)


def _activation(module: nn.Module) -> str | None:
    cls = type(module)
    if cls.__module__ in _ACTIVATION_MODULES:
        return cls.__name__
    for attr in _ACTIVATION_ATTRIBUTES:
        value = module.__dict__.get(attr)
        if isinstance(value, str):
            return value
        if callable(value) and not _is_module(value) and hasattr(value, "__name__"):
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
            for attr in ALIASES.get(key, (key,)):
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
    """The tree of every module of ``model`` as ``named_modules()`` yields them, tied children and parameter totals."""
    yielded = list(model.named_modules())
    first_path = {id(module): path for path, module in yielded}
    nodes: dict[str, ModuleNode] = {}
    # named_modules() is depth first, so a parent is always seen before its children: record where each child sits.
    placement: dict[str, tuple[ModuleNode | None, str, int, int]] = {"": (None, "", 0, 0)}
    ties: list[tuple[ModuleNode, str, int, str, str]] = []
    for path, module in yielded:
        parent, name, depth, index = placement[path]
        cls = type(module)
        node = ModuleNode(
            path=path, name=name, class_name=cls.__name__, class_path=f"{cls.__module__}.{cls.__qualname__}",
            depth=depth, index=index,
            own_params=sum(p.numel() for p in module._parameters.values() if p is not None),
            subtree_params=sum(p.numel() for p in module.parameters()),  # parameters() dedups by identity
            attrs=structural_attributes(module), class_module=cls.__module__, parent=parent,
        )
        nodes[path] = node
        if parent is not None:
            parent.children.append(node)
        position = 0
        for child_name, child in module._modules.items():
            if child is None:
                continue
            child_path = f"{path}.{child_name}" if path else child_name
            if first_path[id(child)] == child_path and child_path not in placement:
                placement[child_path] = (node, child_name, depth + 1, position)
            else:
                ties.append((node, child_name, position, child_path, first_path[id(child)]))
            position += 1
    for holder, child_name, position, child_path, target in ties:  # targets may come later in the walk
        holder.tied.append(TiedChild(child_name, position, child_path, nodes[target], holder))
    return ModuleTree(
        nodes,
        total_params=sum(p.numel() for p in model.parameters()),
        trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
    )
