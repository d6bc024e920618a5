"""Stacks run short: the forward pass that counts FLOPs runs one layer per group of alike layers, and the others get
its counts.

Most of a meta-device forward pass is Python per op, and most ops are in the layer stack (a 32-layer decoder runs
32 times the same few hundred ops on the same shapes). A stack here is an ``nn.ModuleList`` of distinct module
objects; two of its layers are alike when they match to the last parameter shape (same classes, parameter and
buffer shapes and dtypes, structural attributes, at every path below them). Within the forward pass the list is
swapped for a ``ModuleList`` of the first layer of each group (in the order of their first layers: a hybrid stack
of attention and state-space layers keeps one of each); every layer of a group then gets its first layer's counts,
and the stack's ancestors get ``(n - 1)`` times them per group of ``n``. Not swapped: lists inside a swapped list,
lists that hold one module object more than once (a shared layer run several times), lists with a layer without
parameters, lists whose layers are all different, and lists where a layer with a strided convolution or pooling
sits between two alike layers, or is the first of them (it shortens what the later one sees: a speech model's
feature encoder; a vision stage whose first layer downsamples and whose other layers are alike is still swapped).
A forward pass that fails with the short stacks, or that never runs one of their layers, is run again in full.

What this assumes: layers alike in every shape do the same matmuls, wherever they sit in the stack. FLOPs are a
function of shapes, so it holds for what the counter counts: sliding-window and global layers differ by their mask,
not their matmuls, in the eager attention :func:`nnstruct.cost.flops.count_flops` selects. It would not see a layer
that behaves differently by its index alone (reusing an earlier layer's keys and values, being skipped), except
where the stack's owner lists layer indices (Qwen2.5-VL's ``fullatt_block_indexes``: those layers attend over the
whole image, the others within windows): layers in and out of each such list are never alike.
``bench/cost.py --check-repeats N`` compares the short and the full forward pass, per module, over the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from torch import nn

from nnstruct.tree.fields import ALIASES, STRUCTURAL_ATTRIBUTES

MIN_LAYERS = 2


@dataclass(frozen=True)
class Repeat:
    """A stack run short: the ``ModuleList`` at ``path`` runs one layer per group of alike layers; ``groups[s]`` are
    the original indices the ``s``-th layer of the short list stands for (itself first)."""

    path: str
    groups: tuple[tuple[int, ...], ...]

    @property
    def count(self) -> int:
        return sum(len(group) for group in self.groups)

    def split(self, key: str) -> tuple[int, str] | None:
        """``(s, rest)`` when ``key`` is the short list's layer ``s`` or a module below it (``rest``: ``.attn`` ...)."""
        prefix = f"{self.path}."
        if not key.startswith(prefix):
            return None
        index, dot, rest = key[len(prefix):].partition(".")
        return (int(index), dot + rest) if index.isdigit() else None

    def layer(self, index: int) -> str:
        return f"{self.path}.{index}"


# every name a structural attribute is stored under (its aliases too)
_ATTRIBUTE_NAMES = frozenset(alias for name in STRUCTURAL_ATTRIBUTES for alias in ALIASES.get(name, (name,)))


def _attributes(module: nn.Module) -> tuple[Any, ...]:
    """The structural attributes the module has, under each name it has them: one pass over its ``__dict__`` (two
    layers alike under every name are alike under the names the tree stores)."""
    return tuple((name, value if isinstance(value, int | float | str | bool | tuple) else type(value).__name__)
                 for name, value in module.__dict__.items() if name in _ATTRIBUTE_NAMES and value is not None)


def _signature(layer: nn.Module) -> tuple[Any, ...]:
    """What must be equal for two layers to do the same work: classes, parameter and buffer shapes and structural
    attributes at every path below the layer."""
    parts = []
    for path, module in layer.named_modules():
        parts.append((
            path, type(module).__module__, type(module).__qualname__,
            tuple((name, tuple(p.shape), p.dtype) for name, p in module._parameters.items() if p is not None),
            tuple((name, tuple(b.shape), b.dtype) for name, b in module._buffers.items() if b is not None),
            _attributes(module),
        ))
    return tuple(parts)


def _resamples(layer: nn.Module) -> bool:
    """The layer holds a strided convolution or pooling (a speech model's feature encoder: each layer shortens
    the sequence), so its output is not as long as its input."""
    for module in layer.modules():
        if isinstance(module, nn.modules.conv._ConvNd | nn.modules.pooling._MaxPoolNd | nn.modules.pooling._AvgPoolNd):
            stride = module.stride
            strides = stride if isinstance(stride, tuple | list) else (stride,)
            if any(isinstance(value, int) and value > 1 for value in strides):
                return True
    return False


def _index_lists(owner: nn.Module, count: int) -> list[frozenset[int]]:
    """Lists of layer indices the stack's owner holds (``fullatt_block_indexes``): its forward may treat those
    layers apart, so membership is part of being alike."""
    return [frozenset(value) for value in vars(owner).values()
            if isinstance(value, list | tuple) and value
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < count for v in value)]


def find_repeats(model: nn.Module) -> list[Repeat]:
    """The outermost stacks of alike layers in ``model`` (see the module docstring)."""
    found: list[Repeat] = []
    for path, module in model.named_modules():
        if not path or not isinstance(module, nn.ModuleList) or len(module) < MIN_LAYERS:
            continue
        if any(path.startswith(f"{repeat.path}.") for repeat in found):
            continue  # inside a stack that runs short
        layers = list(module)
        if len({id(layer) for layer in layers}) != len(layers):
            continue  # one layer object called several times
        listed = _index_lists(model.get_submodule(path.rpartition(".")[0]), len(layers))
        groups: dict[tuple[Any, ...], list[int]] = {}
        for index, layer in enumerate(layers):
            if not any(True for _ in layer.parameters()):
                break
            groups.setdefault((_signature(layer), tuple(index in indices for indices in listed)), []).append(index)
        else:
            resampling = [index for index, layer in enumerate(layers) if _resamples(layer)]
            if any(group[0] <= index < group[-1] for group in groups.values() for index in resampling):
                continue  # a layer shortens what later layers of a group see: they do not count the same
            if len(groups) < len(layers):
                found.append(Repeat(path, tuple(tuple(group) for group in groups.values())))
    return found


@contextmanager
def short_stacks(model: nn.Module, repeats: list[Repeat]) -> Iterator[None]:
    """Within the block, each stack in ``repeats`` is a ``ModuleList`` of one layer per group, in the order of the
    groups' first layers; restored afterwards."""
    swapped: list[tuple[nn.Module, str, nn.Module]] = []
    try:
        for repeat in repeats:
            parent_path, _, name = repeat.path.rpartition(".")
            parent = model.get_submodule(parent_path)
            original = parent._modules[name]
            parent._modules[name] = nn.ModuleList([original[group[0]] for group in repeat.groups])
            swapped.append((parent, name, original))
        yield
    finally:
        for parent, name, original in reversed(swapped):
            parent._modules[name] = original


def ancestors(path: str) -> list[str]:
    """Proper ancestors of a module path, the root ("") first."""
    parts = path.split(".") if path else []
    return [".".join(parts[:depth]) for depth in range(len(parts))]
