"""The torchinfo-style table ``nnstruct show`` prints, repeated blocks folded by ``nnstruct.tree.fold``: twelve
``BertLayer`` under ``encoder.layer`` become one row ``BertLayer x12`` at ``encoder.layer.{0..11}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text

from nnstruct.cost.precision import STORED_PRECISIONS
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
    flops: str = ""  # FLOPs at the reference input, children included ("each" and the block's total when folded)
    share: str = ""  # of the whole forward pass (a folded block: all its members)


def si(value: float | None, unit: str = "") -> str:
    """``96.6 G`` style: three significant digits and an SI prefix."""
    if value is None:
        return "--"
    for factor, prefix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}".rstrip()


def _flops(node: ModuleNode, count: int, total: int | None) -> tuple[str, str]:
    value = node.props.get("flops")
    if not value:
        return "--", ""
    text = f"{si(value)} each ({si(value * count)})" if count > 1 else si(value)
    share = f"{value * count / total * 100:.1f}%" if total else ""
    return text, share


def _params(value: int, each: bool = False) -> str:
    if not value:
        return "--"
    return f"{value:,} each" if each else f"{value:,}"


def view_rows(tree: StoredModel, max_depth: int | None = None, folded: bool = True) -> list[ViewRow]:
    """The rows of the tree view, pre-order, down to ``max_depth`` (root = 0)."""
    signatures = Signatures()
    shared = {id(tied.target) for node in tree.nodes.values() for tied in node.tied}
    root = tree.root
    total = root.props.get("flops")
    rows = [ViewRow("", root.class_name + (" (shared)" if id(root) in shared else ""), "", root.class_path,
                    _params(root.own_params), _params(root.subtree_params), 0, "module", *_flops(root, 1, total))]

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
                              target.class_path, "shared", "shared", depth, "tied", "shared", "")
                continue
            first = slot.first
            path = _join(shown_path, slot.name)
            mark = " (shared)" if id(first) in shared else ""
            if slot.count > 1:
                label = f"{slot.label}: {depth}-{first.index + 1}..{slot.nodes[-1].index + 1}"
                yield ViewRow(guide, label + mark, path, first.class_path, _params(first.own_params, True),
                              _params(first.subtree_params, True), depth, "repeat", *_flops(first, slot.count, total))
            else:
                yield ViewRow(guide, f"{first.class_name}: {depth}-{first.index + 1}{mark}", path,
                              first.class_path, _params(first.own_params), _params(first.subtree_params), depth,
                              "module", *_flops(first, 1, total))
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


def cost_lines(model: dict) -> list[str]:
    """The model's stored cost in a few lines (``show --cost``); a note when it has none."""
    if model.get("flops_forward") is None:
        return ["Cost: none stored (ingested without it: `nnstruct ingest --force --cost` computes it)"]
    method = model.get("flops_method")
    how = ("a forward pass on the meta device, FlopCounterMode" if method == "forward"
           else f"analytic, from the module shapes: {model.get('flops_reason')}")
    per_token = model.get("flops_per_token")
    lines = [f"FLOPs: {si(model['flops_forward'])} per forward pass at {model.get('reference_input')} ({how})"
             + (f"; {si(per_token)} per token" if per_token else "")]
    weights = ", ".join(f"{si(model.get(f'weight_bytes_{name}'), 'B')} {name}" for name in STORED_PRECISIONS)
    dtype = model.get("torch_dtype")
    lines.append(f"Weights: {weights}" + (f" (the config's dtype: {dtype})" if dtype else ""))
    if model.get("kv_cache_layers") or model.get("state_bytes_per_sequence"):
        kv = f"KV cache: {si(model.get('kv_cache_bytes_per_token'), 'B')} per token at {dtype or 'fp32'}"
        if model.get("kv_cache_windows"):
            kv += (f" ({si(model.get('kv_cache_global_bytes_per_token'), 'B')} beyond the sliding windows of "
                   + ", ".join(f"{window:,}" for window in model["kv_cache_windows"]) + " tokens)")
        if model.get("kv_cache_cross_bytes_per_token"):
            kv += f"; cross-attention {si(model['kv_cache_cross_bytes_per_token'], 'B')} per encoder token"
        if model.get("state_bytes_per_sequence"):
            kv += f"; state {si(model['state_bytes_per_sequence'], 'B')} per sequence"
        lines.append(kv)
    return lines


def render(tree: StoredModel, max_depth: int | None = None, folded: bool = True, cost: bool = False) -> Group:
    """The rich table of the tree plus the totals lines under it; ``cost`` adds FLOPs and share columns and the
    model's cost under the totals."""
    rows = view_rows(tree, max_depth, folded)
    table = Table(title=f"{tree.model_id}  ({tree.model.get('task') or 'no task'})", title_justify="left",
                  show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("Layer (type:depth-idx)", no_wrap=True)
    table.add_column("Path", overflow="fold")
    table.add_column("Class", overflow="fold", style="dim")
    table.add_column("Own params", justify="right", no_wrap=True)
    table.add_column("Subtree params", justify="right", no_wrap=True)
    table.add_column("Depth", justify="right")
    if cost:
        table.add_column("FLOPs", justify="right", no_wrap=True)
        table.add_column("Share", justify="right", no_wrap=True)
    for row in rows:
        style = _STYLES[row.kind]
        cells = [Text(row.guide, style="dim") + Text(row.label, style=style), row.path or "(root)",
                 short_class_path(row.class_path), row.own_params, row.subtree_params, str(row.depth)]
        table.add_row(*cells, *((row.flops, row.share) if cost else ()))
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
    if cost:
        lines += cost_lines(tree.model)
    notes = []
    if folded and any(row.kind == "repeat" for row in rows):
        notes.append("xN = N consecutive identical siblings shown once, their parameters per block (--no-fold)"
                     + ("; FLOPs per block and (in brackets) for all N" if cost else ""))
    if any(row.kind == "tied" for row in rows):
        notes.append("(tied) = the same module object as the path after '=', counted once; (shared) = its owner")
    if max_depth is not None and any(node.depth > max_depth for node in tree.nodes.values()):
        notes.append(f"modules deeper than {max_depth} hidden (--depth)")
    footer = Text("\n".join(lines))
    return Group(table, Text(""), footer, *(Text(note, style="dim") for note in notes))
