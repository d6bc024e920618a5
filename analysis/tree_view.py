"""Folding repeated blocks of a module tree, and the torchinfo-style table ``nnstruct show`` prints.

Folding: consecutive siblings whose subtrees are structurally identical (same classes, structural attributes,
parameter counts and child names all the way down; their own names aside) are shown once with a count, e.g.
twelve ``BertLayer`` under ``encoder.layer`` become one row ``BertLayer x12``. ``tree_diff`` aligns folded
blocks the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from nnstruct.graph.model_trees import ModelTree, TiedChild, TreeNode


@dataclass(eq=False)
class Repeat:
    """A run of consecutive, structurally identical siblings (one node when nothing repeats)."""

    nodes: list[TreeNode]

    @property
    def first(self) -> TreeNode:
        return self.nodes[0]

    @property
    def count(self) -> int:
        return len(self.nodes)

    @property
    def names(self) -> list[str]:
        return [node.name for node in self.nodes]

    @property
    def path(self) -> str:
        """``encoder.layer.{0..11}`` for a folded run, the module's own path otherwise."""
        parent = self.first.parent.path if self.first.parent is not None else ""
        label = names_label(self.names)
        return f"{parent}.{label}" if parent else label


Slot = Repeat | TiedChild


class Signatures:
    """Structural fingerprints of subtrees, computed once per node."""

    def __init__(self) -> None:
        self._cache: dict[int, str] = {}

    def of(self, node: TreeNode) -> str:
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


def fold(node: TreeNode, signatures: Signatures, enabled: bool = True) -> list[Slot]:
    """The node's children in order, runs of identical consecutive siblings merged into one :class:`Repeat`."""
    slots: list[Slot] = []
    for item in node.slots():
        if isinstance(item, TiedChild):
            slots.append(item)
            continue
        last = slots[-1] if slots else None
        if enabled and isinstance(last, Repeat) and signatures.of(last.first) == signatures.of(item):
            last.nodes.append(item)
        else:
            slots.append(Repeat([item]))
    return slots


def names_label(names: list[str]) -> str:
    """``0..11`` style for a run of consecutive integers, ``{query,key,value}`` otherwise; the name when alone."""
    if len(names) == 1:
        return names[0]
    if all(n.isdigit() for n in names):
        numbers = [int(n) for n in names]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{{{numbers[0]}..{numbers[-1]}}}"
    return "{" + ",".join(names) + "}"


def short_class_path(class_path: str) -> str:
    """``torch.nn.Linear`` for torch's modules, ``modeling_bert.BertLayer`` for transformers' model code."""
    parts = class_path.split(".")
    if class_path.startswith("torch.nn.modules.") and len(parts) >= 2:
        return f"torch.nn.{parts[-1]}"
    if class_path.startswith("transformers.models.") and len(parts) >= 4:
        return ".".join(parts[3:])
    return class_path


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@dataclass
class ViewRow:
    """One line of the ``show`` table, before styling (tests read these)."""

    guide: str  # tree-drawing prefix
    label: str  # "BertLayer x12: 3-1..12"
    path: str
    class_path: str
    own_params: str
    subtree_params: str
    depth: int
    kind: str  # "module" | "repeat" | "tied"


def _params(value: int, each: bool = False) -> str:
    if not value:
        return "--"
    return f"{value:,} each" if each else f"{value:,}"


def view_rows(tree: ModelTree, max_depth: int | None = None, folded: bool = True) -> list[ViewRow]:
    """The rows of the tree view, pre-order, down to ``max_depth`` (root = 0)."""
    signatures = Signatures()
    shared = {id(tied.target) for node in tree.nodes.values() for tied in node.tied}
    root = tree.root
    rows = [ViewRow("", root.class_name + (" (shared)" if id(root) in shared else ""), "", root.class_path,
                    _params(root.own_params), _params(root.subtree_params), 0, "module")]

    def visit(node: TreeNode, guides: str, shown_path: str) -> Iterator[ViewRow]:
        # shown_path: the node's path as displayed; below a folded block it reads layer.{0..11}.attention
        if max_depth is not None and node.depth + 1 > max_depth:
            return
        slots = fold(node, signatures, folded)
        for position, slot in enumerate(slots):
            last = position == len(slots) - 1
            guide = guides + ("└─ " if last else "├─ ")
            below = guides + ("   " if last else "│  ")
            depth = node.depth + 1
            if isinstance(slot, TiedChild):
                target = slot.target
                shown = f"{_join(shown_path, slot.name)} = {target.path or '(root)'}"
                yield ViewRow(guide, f"{target.class_name}: {depth}-{slot.index + 1} (tied)", shown,
                              target.class_path, "shared", "shared", depth, "tied")
                continue
            first = slot.first
            path = _join(shown_path, names_label(slot.names))
            mark = " (shared)" if id(first) in shared else ""
            if slot.count > 1:
                label = f"{first.class_name} x{slot.count}: {depth}-{first.index + 1}..{slot.nodes[-1].index + 1}"
                yield ViewRow(guide, label + mark, path, first.class_path, _params(first.own_params, True),
                              _params(first.subtree_params, True), depth, "repeat")
            else:
                yield ViewRow(guide, f"{first.class_name}: {depth}-{first.index + 1}{mark}", path,
                              first.class_path, _params(first.own_params), _params(first.subtree_params), depth,
                              "module")
            yield from visit(first, below, path)

    rows.extend(visit(root, "", ""))
    return rows


@dataclass
class Totals:
    total_params: int
    trainable_params: int | None
    module_count: int
    max_depth: int
    arch_hash: str
    tied_params: int  # parameters held by more than one module (tied weights), counted once in total_params


def totals(tree: ModelTree) -> Totals:
    """Totals as stored on the Model (parameters counted once per tensor), falling back to the tree's root."""
    model, arch = tree.model, tree.architecture
    total = model.get("total_params")
    if total is None:
        total = arch.get("total_params", tree.root.subtree_params)
    return Totals(
        total_params=int(total),
        trainable_params=model.get("trainable_params"),
        module_count=len(tree.nodes),
        max_depth=max(node.depth for node in tree.nodes.values()),
        arch_hash=str(arch.get("hash", "")),
        tied_params=max(0, sum(node.own_params for node in tree.nodes.values()) - int(total)),
    )


_STYLES = {"module": "", "repeat": "bold cyan", "tied": "magenta"}


def render(tree: ModelTree, max_depth: int | None = None, folded: bool = True) -> Group:
    """The rich table of the tree plus the totals lines under it."""
    rows = view_rows(tree, max_depth, folded)
    table = Table(title=f"{tree.model_id}  ({tree.model.get('task') or 'no task'})", title_justify="left",
                  show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("Layer (type:depth-idx)", no_wrap=True)
    table.add_column("Path", overflow="fold")
    table.add_column("Class", overflow="fold", style="dim")
    table.add_column("Own params", justify="right", no_wrap=True)
    table.add_column("Subtree params", justify="right", no_wrap=True)
    table.add_column("Depth", justify="right")
    for row in rows:
        style = _STYLES[row.kind]
        table.add_row(Text(row.guide, style="dim") + Text(row.label, style=style), row.path or "(root)",
                      short_class_path(row.class_path), row.own_params, row.subtree_params, str(row.depth))
    figures = totals(tree)
    lines = [
        f"Total params: {figures.total_params:,} (each tensor counted once, as stored on the model)",
    ]
    if figures.trainable_params is not None:
        lines.append(f"Trainable params: {int(figures.trainable_params):,}")
    if figures.tied_params:
        lines.append(f"Tied weights: {figures.tied_params:,} params belong to several modules (in each one's "
                     "own/subtree column), counted once in the total")
    lines.append(f"Modules: {figures.module_count:,} (max depth {figures.max_depth})")
    lines.append(f"Architecture: {figures.arch_hash}")
    notes = []
    if folded and any(row.kind == "repeat" for row in rows):
        notes.append("xN = N consecutive identical siblings shown once, their parameters per block (--no-fold)")
    if any(row.kind == "tied" for row in rows):
        notes.append("(tied) = the same module object as the path after '=', counted once; (shared) = its owner")
    if max_depth is not None and any(node.depth > max_depth for node in tree.nodes.values()):
        notes.append(f"modules deeper than {max_depth} hidden (--depth)")
    footer = Text("\n".join(lines))
    return Group(table, Text(""), footer, *(Text(note, style="dim") for note in notes))
