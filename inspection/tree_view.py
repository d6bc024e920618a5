"""The torchinfo-style table ``nnstruct show`` prints, repeated blocks folded by ``nnstruct.tree.fold``: twelve
``BertLayer`` under ``encoder.layer`` become one row ``BertLayer x12`` at ``encoder.layer.{0..11}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text

from nnstruct.graph.model_trees import StoredModel
from nnstruct.tree.fold import Signatures, fold
from nnstruct.tree.model import ModuleNode, TiedChild


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


def view_rows(tree: StoredModel, max_depth: int | None = None, folded: bool = True) -> list[ViewRow]:
    """The rows of the tree view, pre-order, down to ``max_depth`` (root = 0)."""
    signatures = Signatures()
    shared = {id(tied.target) for node in tree.nodes.values() for tied in node.tied}
    root = tree.root
    rows = [ViewRow("", root.class_name + (" (shared)" if id(root) in shared else ""), "", root.class_path,
                    _params(root.own_params), _params(root.subtree_params), 0, "module")]

    def visit(node: ModuleNode, guides: str, shown_path: str) -> Iterator[ViewRow]:
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
            path = _join(shown_path, slot.name)
            mark = " (shared)" if id(first) in shared else ""
            if slot.count > 1:
                label = f"{slot.label}: {depth}-{first.index + 1}..{slot.nodes[-1].index + 1}"
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


def totals(tree: StoredModel) -> Totals:
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


def render(tree: StoredModel, max_depth: int | None = None, folded: bool = True) -> Group:
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
