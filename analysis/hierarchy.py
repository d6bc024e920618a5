"""Module trees for hierarchy charts: rebuild the tree from query rows, collapse repeated blocks, cut to a
readable depth, and draw it as an indented tree (the view torchinfo users know).

Twenty-four identical ``BertLayer`` siblings become one node ``0-23 ×24``; blocks are identical when their
class, shape attributes and whole sub-trees (child names included) are equal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

# Columns of analysis/model_hierarchy that describe a module's shape, in label order.
SHAPE_COLUMNS = (
    "in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride", "num_embeddings",
    "embedding_dim", "normalized_shape", "num_features", "num_heads", "p",
)
MAX_ROWS = 60


@dataclass
class TreeNode:
    path: str
    name: str
    class_name: str
    params: int = 0
    shape: str = ""
    children: list[TreeNode] = field(default_factory=list)
    repeat: int = 1
    label_name: str = ""

    def walk(self, depth: int = 0) -> Iterator[tuple[int, TreeNode]]:
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)

    def size(self) -> int:
        """Modules in this sub-tree, this node included, repeats counted once each."""
        return 1 + sum(child.size() * child.repeat for child in self.children)

    def height(self) -> int:
        return 1 + max((child.height() for child in self.children), default=0)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def shape_text(row: dict[str, Any]) -> str:
    """``(768→3072)``-style summary of the shape attributes a module has."""
    def get(key: str) -> Any:
        value = row.get(key)
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


def build_tree(rows: Iterable[dict[str, Any]]) -> TreeNode:
    """Rebuild one model's tree from rows with ``path``, ``parent``, ``name``, ``class_name`` and ordering
    ``child_index``; the root is the row whose parent is null."""
    nodes: dict[str, TreeNode] = {}
    order: dict[str, float] = {}
    parents: dict[str, str | None] = {}
    for row in rows:
        path = "" if _missing(row.get("path")) else str(row["path"])
        params = row.get("params")
        nodes[path] = TreeNode(
            path=path,
            name="" if _missing(row.get("name")) else str(row["name"]),
            class_name=row.get("class_name") or "?",
            params=0 if _missing(params) else int(params),
            shape=shape_text(row),
        )
        parent = row.get("parent")
        parents[path] = None if _missing(parent) else str(parent)
        index = row.get("child_index")
        order[path] = 0 if _missing(index) else float(index)
    if "" not in nodes:
        raise ValueError("no root module (path '') among the rows")
    for path, parent in parents.items():
        if path == "":
            continue
        holder = nodes.get(parent if parent is not None else path.rpartition(".")[0])
        if holder is not None:
            holder.children.append(nodes[path])
    for node in nodes.values():
        node.children.sort(key=lambda child: order[child.path])
    return nodes[""]


def signature(node: TreeNode, cache: dict[int, Any] | None = None) -> Any:
    """Structural identity of a sub-tree: class, shape and the children's names and signatures."""
    cache = {} if cache is None else cache
    key = id(node)
    if key not in cache:
        cache[key] = (node.class_name, node.shape,
                      tuple((child.name, child.repeat, signature(child, cache)) for child in node.children))
    return cache[key]


def _run_label(names: list[str]) -> str:
    """``0-11`` for numbered siblings, ``query, key, value`` for a few named ones."""
    if all(name.isdigit() for name in names):
        return f"{names[0]}-{names[-1]}"
    if len(names) <= 4:
        return ", ".join(names)
    return f"{names[0]} .. {names[-1]}"


def collapse(node: TreeNode, cache: dict[int, Any] | None = None) -> TreeNode:
    """A copy of the tree in which each run of consecutive identical siblings is one node with ``repeat``."""
    cache = {} if cache is None else cache
    children: list[TreeNode] = []
    run: list[TreeNode] = []

    def flush() -> None:
        if not run:
            return
        first = collapse(run[0], cache)
        first.repeat = len(run)
        first.label_name = _run_label([r.name for r in run]) if len(run) > 1 else run[0].name
        children.append(first)
        run.clear()

    for child in node.children:
        if run and signature(child, cache) != signature(run[0], cache):
            flush()
        run.append(child)
    flush()
    return TreeNode(node.path, node.name, node.class_name, node.params, node.shape, children,
                    node.repeat, node.label_name or node.name)


def visible_depth(tree: TreeNode, max_rows: int = MAX_ROWS, limit: int | None = None) -> int:
    """The deepest level whose rows (collapsed) still fit in ``max_rows``; at least 1."""
    rows_at: dict[int, int] = {}
    for depth, _ in tree.walk():
        rows_at[depth] = rows_at.get(depth, 0) + 1
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


@dataclass(frozen=True)
class TreeRow:
    depth: int
    label: str
    class_name: str
    params: int
    repeat: int
    hidden: int  # modules below this row that the depth cut hides (per copy)
    last_child_row: int | None  # row index of this node's last visible child
    shape: str = ""


def tree_rows(tree: TreeNode, depth_limit: int) -> list[TreeRow]:
    """Pre-order rows down to ``depth_limit``, each knowing where its visible children end."""
    rows: list[TreeRow] = []

    def visit(node: TreeNode, depth: int) -> int:
        index = len(rows)
        rows.append(TreeRow(depth, "", "", 0, 1, 0, None))  # placeholder, filled below
        last_child: int | None = None
        hidden = 0
        if depth < depth_limit:
            for child in node.children:
                last_child = visit(child, depth + 1)
        else:
            hidden = node.size() - 1
        label = node.label_name or node.name or "(model)"
        rows[index] = TreeRow(depth, label, node.class_name, node.params, node.repeat, hidden, last_child, node.shape)
        return index

    visit(tree, 0)
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


def draw_tree(tree: TreeNode, title: str, path: Any, depth: int | None = None, max_rows: int = MAX_ROWS) -> int:
    """Draw the collapsed tree to ``path`` (PNG); returns the depth drawn."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    collapsed = collapse(tree)
    shown = visible_depth(collapsed, max_rows, depth)
    rows = tree_rows(collapsed, shown)
    deepest = collapsed.height() - 1
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
        text = f"{row.label}: {row.class_name}" if row.depth else row.class_name
        text += f" {row.shape}" if row.shape else ""
        text += f"  ×{row.repeat}" if row.repeat > 1 else ""
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
    fig.suptitle(f"{title}  ({cut}; ×N = N identical consecutive blocks)", fontsize=10.5, x=0.01, ha="left",
                 y=1 - 0.12 / height, va="top")
    fig.savefig(path, dpi=100, pil_kwargs={"compress_level": 1})
    plt.close(fig)
    return shown
