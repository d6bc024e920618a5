"""Hierarchy charts: a model's module tree, repeated blocks folded, cut to a readable depth, drawn as an indented
tree (the view torchinfo users know).

Folding and its labels are ``nnstruct.tree.fold``'s, as in ``nnstruct show``: twenty-four identical ``BertLayer``
siblings become one row ``{0..23}: BertLayer x24``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from nnstruct.tree.fold import Run, Signatures, fold
from nnstruct.tree.model import ModuleNode, TiedChild

MAX_ROWS = 60


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def shape_text(attrs: dict[str, Any]) -> str:
    """``(768→3072)``-style summary of the shape attributes a module has."""
    def get(key: str) -> Any:
        value = attrs.get(key)
        return None if _missing(value) else value

    def fmt(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, list | tuple):
            return "x".join(fmt(v) for v in value)
        return str(value)

    pairs = [("in_features", "out_features"), ("in_channels", "out_channels"), ("num_embeddings", "embedding_dim")]
    for left, right in pairs:
        if get(left) is not None and get(right) is not None:
            text = f"{fmt(get(left))}→{fmt(get(right))}"
            if left == "in_channels" and get("kernel_size") is not None:
                text += f", k={fmt(get('kernel_size'))}"
                if get("stride") is not None and fmt(get("stride")) not in ("1", "1x1"):
                    text += f", s={fmt(get('stride'))}"
            return f"({text})"
    for key in ("normalized_shape", "num_features", "num_heads"):
        if get(key) is not None:
            return f"({fmt(get(key))})"
    if get("p") is not None:
        return f"(p={fmt(get('p'))})"
    return ""


@dataclass(frozen=True)
class TreeRow:
    depth: int
    name: str  # the run's name: "encoder", "{0..11}"
    label: str  # the run's label: "BertLayer x12"
    class_name: str
    params: int  # subtree parameters of one block
    repeat: int
    hidden: int  # modules below this row that the depth cut hides (per block)
    last_child_row: int | None  # row index of this node's last visible child
    shape: str = ""


def _runs(node: ModuleNode, signatures: Signatures) -> list[Run]:
    return [slot for slot in fold(node, signatures) if not isinstance(slot, TiedChild)]


def visible_depth(root: ModuleNode, max_rows: int = MAX_ROWS, limit: int | None = None) -> int:
    """The deepest level whose rows (folded) still fit in ``max_rows``; at least 1."""
    signatures = Signatures()
    rows_at: dict[int, int] = {}
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        rows_at[depth] = rows_at.get(depth, 0) + 1
        stack.extend((run.first, depth + 1) for run in _runs(node, signatures))
    deepest = max(rows_at)
    if limit is not None:
        return max(0, min(limit, deepest))
    total, chosen = 0, 1
    for depth in range(deepest + 1):
        total += rows_at.get(depth, 0)
        if total > max_rows:
            break
        chosen = depth
    return max(1, min(chosen, deepest))


def tree_rows(root: ModuleNode, depth_limit: int) -> list[TreeRow]:
    """Pre-order rows of the folded tree down to ``depth_limit``, each knowing where its visible children end."""
    signatures = Signatures()
    rows: list[TreeRow] = []

    def visit(run: Run, depth: int) -> int:
        node = run.first
        index = len(rows)
        rows.append(TreeRow(depth, "", "", "", 0, 1, 0, None))  # placeholder, filled below
        last_child: int | None = None
        hidden = 0
        if depth < depth_limit:
            for child in _runs(node, signatures):
                last_child = visit(child, depth + 1)
        else:
            hidden = node.module_count() - 1
        rows[index] = TreeRow(depth, run.name if depth else "", run.label, node.class_name, node.subtree_params,
                              run.count, hidden, last_child, shape_text(node.attrs))
        return index

    visit(Run([root]), 0)
    return rows


def human(count: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(count) >= size:
            return f"{count / size:.1f}{unit}"
    return str(int(count))


_ROLE_COLOURS = (
    (("Embedding",), "#f4cccc"),
    (("Attention", "MultiheadAttention"), "#fce5cd"),
    (("Norm",), "#d9ead3"),
    (("Linear", "Conv1D", "Dense"), "#cfe2f3"),
    (("Conv1d", "Conv2d", "Conv3d", "ConvTranspose"), "#d9d2e9"),
    (("Dropout", "Identity"), "#eeeeee"),
    (("ModuleList", "Sequential", "ModuleDict"), "#ffffff"),
    (("GELU", "ReLU", "Tanh", "SiLU", "Sigmoid", "Activation", "Softmax"), "#fff2cc"),
)


def role_colour(class_name: str) -> str:
    for words, colour in _ROLE_COLOURS:
        if any(word in class_name for word in words):
            return colour
    return "#e8eef7"


def draw_tree(root: ModuleNode, title: str, path: Any, depth: int | None = None, max_rows: int = MAX_ROWS) -> int:
    """Draw the folded tree to ``path`` (PNG); returns the depth drawn."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    shown = visible_depth(root, max_rows, depth)
    rows = tree_rows(root, shown)
    deepest = max(node.depth for node in root.walk()) - root.depth
    height = 1.0 + 0.26 * len(rows)
    fig = plt.figure(figsize=(13, height))
    ax = fig.add_axes((0.01, 0.2 / height, 0.98, 1 - 0.75 / height))
    ax.set_xlim(0, 100)
    ax.set_ylim(len(rows) - 0.5, -0.6)
    ax.axis("off")
    indent = 3.0
    segments = []
    for index, row in enumerate(rows):
        x = 1 + row.depth * indent
        text = f"{row.name}: {row.label}" if row.depth else row.label
        text += f" {row.shape}" if row.shape else ""
        ax.text(x, index, text, va="center", ha="left", fontsize=8.5,
                bbox={"boxstyle": "round,pad=0.25", "fc": role_colour(row.class_name),
                      "ec": "#b22222" if row.repeat > 1 else "#999999", "lw": 1.2 if row.repeat > 1 else 0.6})
        right = human(row.params) + " params" if row.params else ""
        if row.hidden:
            right = f"+{row.hidden} modules below{' each' if row.repeat > 1 else ''}   " + right
        if right:
            ax.text(99, index, right, va="center", ha="right", fontsize=8, color="#555555")
        if row.last_child_row is not None:
            stem = x + indent * 0.35
            segments.append([(stem, index + 0.35), (stem, row.last_child_row)])
        if row.depth:
            stem = 1 + (row.depth - 1) * indent + indent * 0.35
            segments.append([(stem, index), (x - 0.2, index)])
    ax.add_collection(LineCollection(segments, colors="#888888", linewidths=0.7))
    cut = f"depth {shown} of {deepest}" if shown < deepest else f"all {deepest} levels"
    fig.suptitle(f"{title}  ({cut}; xN = N identical consecutive blocks)", fontsize=10.5, x=0.01, ha="left",
                 y=1 - 0.12 / height, va="top")
    fig.savefig(path, dpi=100, pil_kwargs={"compress_level": 1})
    plt.close(fig)
    return shown
