"""Folding repeated blocks: the one rule and the one label format that ``show``, ``diff`` and the hierarchy charts use.

Consecutive siblings whose subtrees are structurally identical (same classes, structural attributes, own parameter
counts and child names all the way down; their own names aside) form one :class:`Run`. Twelve ``BertLayer`` under
``encoder.layer`` read ``encoder.layer.{0..11}`` (:func:`names_label`) and ``BertLayer x12`` (:func:`repeat_label`)
wherever a tree is shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from nnstruct.tree.model import ModuleNode, TiedChild


@dataclass(eq=False)
class Run:
    """A run of consecutive, structurally identical siblings (one node when nothing repeats)."""

    nodes: list[ModuleNode]

    @property
    def first(self) -> ModuleNode:
        return self.nodes[0]

    @property
    def count(self) -> int:
        return len(self.nodes)

    @property
    def names(self) -> list[str]:
        return [node.name for node in self.nodes]

    @property
    def name(self) -> str:
        """``{0..11}`` for a folded run, the module's own name otherwise."""
        return names_label(self.names)

    @property
    def path(self) -> str:
        """``encoder.layer.{0..11}`` for a folded run, the module's own path otherwise."""
        parent = self.first.parent.path if self.first.parent is not None else ""
        return f"{parent}.{self.name}" if parent else self.name

    @property
    def label(self) -> str:
        """``BertLayer x12`` for a folded run, the class name otherwise."""
        return repeat_label(self.first.class_name, self.count)


Slot = Run | TiedChild


class Signatures:
    """Structural fingerprints of subtrees, computed once per node."""

    def __init__(self) -> None:
        self._cache: dict[int, str] = {}

    def of(self, node: ModuleNode) -> str:
        key = id(node)
        if key not in self._cache:
            parts: list[Any] = [node.class_path, sorted((k, repr(v)) for k, v in node.attrs.items()), node.own_params]
            for slot in node.slots():
                if isinstance(slot, TiedChild):
                    parts.append(("tied", slot.name, slot.target.class_path))
                else:
                    parts.append((slot.name, self.of(slot)))
            self._cache[key] = hashlib.sha1(repr(parts).encode()).hexdigest()
        return self._cache[key]


def fold(node: ModuleNode, signatures: Signatures | None = None, enabled: bool = True) -> list[Slot]:
    """The node's children in order, runs of identical consecutive siblings merged into one :class:`Run`."""
    signatures = signatures or Signatures()
    slots: list[Slot] = []
    for item in node.slots():
        if isinstance(item, TiedChild):
            slots.append(item)
            continue
        last = slots[-1] if slots else None
        if enabled and isinstance(last, Run) and signatures.of(last.first) == signatures.of(item):
            last.nodes.append(item)
        else:
            slots.append(Run([item]))
    return slots


def names_label(names: list[str]) -> str:
    """``{0..11}`` for a run of consecutive integers, ``{query,key,value}`` otherwise; the name when alone."""
    if len(names) == 1:
        return names[0]
    if all(n.isdigit() for n in names):
        numbers = [int(n) for n in names]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{{{numbers[0]}..{numbers[-1]}}}"
    return "{" + ",".join(names) + "}"


def repeat_label(class_name: str, count: int) -> str:
    """``BertLayer x12`` for ``count`` identical blocks, the class name alone for one."""
    return f"{class_name} x{count}" if count > 1 else class_name
