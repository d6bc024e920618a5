"""The module tree: one :class:`ModuleNode` per entry of ``named_modules()``, parent/child links, tied children.

The same class serves every stage: ingest produces it from an ``nn.Module`` (``nnstruct.ingest.module_tree``),
the graph layer writes its :meth:`ModuleTree.records` and reads stored trees back with :meth:`ModuleTree.from_rows`,
dedup hashes it, analysis draws it and inspect shows, diffs and exports it.

A module object held by two parents is a node once, under the first path that reaches it; the second holder gets a
:class:`TiedChild` pointing at it, so the CHILD links stay a tree and nothing is counted twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from nnstruct.errors import NnstructError
from nnstruct.tree.fields import MODULE_PROPERTIES, STRUCTURAL_ATTRIBUTES


@dataclass(eq=False, slots=True)
class TiedChild:
    """``holder`` holds, as attribute ``name`` (position ``index``), the module stored once at ``target``."""

    name: str
    index: int
    path: str  # where named_modules(remove_duplicate=False) would yield it: holder path + "." + name
    target: ModuleNode
    holder: ModuleNode | None = field(default=None, repr=False)


@dataclass(eq=False, slots=True)
class ModuleNode:
    path: str
    name: str
    class_name: str
    class_path: str
    depth: int
    index: int  # position among the parent's children (named_children() order, tied ones included)
    own_params: int
    subtree_params: int
    attrs: dict[str, Any]  # the structural attributes that apply to this module
    class_module: str = ""  # the Python module that defines the class
    props: dict[str, Any] = field(default_factory=dict)  # every stored property, when read back from the graph
    children: list[ModuleNode] = field(default_factory=list)  # CHILD, by index
    tied: list[TiedChild] = field(default_factory=list)  # TIED_CHILD, by index
    parent: ModuleNode | None = field(default=None, repr=False)

    @property
    def is_leaf(self) -> bool:
        return not self.children and not self.tied

    def slots(self) -> list[ModuleNode | TiedChild]:
        """Children and tied children in ``named_children()`` order."""
        if not self.tied:
            return self.children
        return sorted([*self.children, *self.tied], key=lambda item: item.index)

    def walk(self) -> Iterator[ModuleNode]:
        """This node and its CHILD descendants, pre-order (the order ``named_modules()`` yields them)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def module_count(self) -> int:
        return sum(1 for _ in self.walk())

    def record(self) -> dict[str, Any]:
        """The Module node's properties as stored (arch_hash aside)."""
        return {
            "path": self.path, "name": self.name, "class_name": self.class_name, "class_path": self.class_path,
            "depth": self.depth, "index": self.index, "own_params": self.own_params,
            "subtree_params": self.subtree_params, "is_leaf": self.is_leaf, **self.attrs,
        }


@dataclass(eq=False)
class ModuleTree:
    """A whole hierarchy: nodes by path in ``named_modules()`` order, and the model's parameter totals."""

    nodes: dict[str, ModuleNode]
    total_params: int | None = None  # by tensor identity (tied weights once), as the model counts them
    trainable_params: int | None = None

    @property
    def root(self) -> ModuleNode:
        return self.nodes[""]

    @property
    def root_class(self) -> str:
        return self.root.class_name

    @property
    def module_count(self) -> int:
        return len(self.nodes)

    @property
    def max_depth(self) -> int:
        return max(node.depth for node in self.nodes.values())

    @property
    def leaf_count(self) -> int:
        return sum(1 for node in self.nodes.values() if node.is_leaf)

    def __iter__(self) -> Iterator[ModuleNode]:
        return iter(self.nodes.values())

    def tied_children(self) -> list[TiedChild]:
        return [tied for node in self.nodes.values() for tied in node.tied]

    def holders_of(self, target: ModuleNode) -> list[TiedChild]:
        """Every tied reference to ``target`` (the other paths the same module object lives at)."""
        return [tied for tied in self.tied_children() if tied.target is target]

    def layer_types(self) -> dict[str, dict[str, Any]]:
        """class_path -> LayerType properties plus ``modules`` (how many modules have that class)."""
        counts = Counter(node.class_path for node in self.nodes.values())
        first = {}
        for node in self.nodes.values():
            first.setdefault(node.class_path, node)
        return {
            qualname: {
                "qualname": qualname, "name": first[qualname].class_name, "module": first[qualname].class_module,
                "is_torch": first[qualname].class_module.startswith("torch.nn"), "modules": count,
            }
            for qualname, count in counts.items()
        }

    def records(self) -> list[dict[str, Any]]:
        """Module properties of every node, in order (what the graph stores per Module)."""
        return [node.record() for node in self.nodes.values()]

    def __reduce__(self) -> tuple[Any, ...]:
        # Build workers send trees to the writer: flat rows pickle far faster than a linked object graph.
        position = {id(node): i for i, node in enumerate(self.nodes.values())}
        rows = [(n.path, n.name, n.class_name, n.class_path, n.depth, n.index, n.own_params, n.subtree_params,
                 n.attrs, n.class_module, n.props, position[id(n.parent)] if n.parent is not None else -1)
                for n in self.nodes.values()]
        ties = [(t.name, t.index, t.path, position[id(t.target)], position[id(t.holder)])
                for t in self.tied_children()]
        return (_unpickle_tree, (rows, ties, self.total_params, self.trainable_params))

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], tied: Iterable[Mapping[str, Any]] = (),
                  total_params: int | None = None, trainable_params: int | None = None,
                  name: str = "module tree") -> ModuleTree:
        """Assemble a tree from stored module properties.

        ``rows``: mappings of Module properties (``path`` at least), or ``{"module": props, "parent_path": ...,
        "child_index": ...}`` as ``queries/inspect/modules`` returns them; the parent defaults to the path's
        prefix. ``tied``: ``{"parent_path", "child_name", "child_index", "path", "target_path"}`` mappings.
        ``name`` goes into error messages.
        """
        nodes: dict[str, ModuleNode] = {}
        parents: dict[str, str | None] = {}
        for row in rows:
            props = row.get("module", row)
            node = node_from_props(props)
            if row.get("child_index") is not None:
                node.index = int(row["child_index"])
            nodes[node.path] = node
            parents[node.path] = row.get("parent_path", row.get("parent"))
        if "" not in nodes:
            raise NnstructError(f"{name}: no root module (no module with path '')")
        for path, parent_path in parents.items():
            if path == "":
                continue
            if parent_path is None:
                parent_path = path.rpartition(".")[0]
            parent = nodes.get(parent_path)
            if parent is None:
                raise NnstructError(f"{name}: module {path!r} has no parent {parent_path!r}")
            node = nodes[path]
            node.parent = parent
            parent.children.append(node)
        for row in tied:
            holder, target = nodes.get(row["parent_path"]), nodes.get(row["target_path"])
            if holder is None or target is None:
                raise NnstructError(f"{name}: tied child {row['parent_path']!r} -> {row['target_path']!r} "
                                    "leaves the tree")
            child_name = row.get("child_name") or row["path"].rpartition(".")[2]
            path = row.get("path") or (f"{holder.path}.{child_name}" if holder.path else child_name)
            holder.tied.append(TiedChild(child_name, _int(row.get("child_index")), path, target, holder))
        for node in nodes.values():
            node.children.sort(key=lambda child: child.index)
            node.tied.sort(key=lambda item: item.index)
        root = nodes[""]
        ordered = {node.path: node for node in root.walk()}  # named_modules() order whatever the rows' order
        return cls(ordered, total_params, trainable_params)


def _unpickle_tree(rows: list[tuple], ties: list[tuple], total_params: int | None,
                   trainable_params: int | None) -> ModuleTree:
    nodes = [ModuleNode(*row[:11]) for row in rows]
    for node, row in zip(nodes, rows, strict=True):
        if row[11] >= 0:
            node.parent = nodes[row[11]]
            node.parent.children.append(node)
    for name, index, path, target, holder in ties:
        nodes[holder].tied.append(TiedChild(name, index, path, nodes[target], nodes[holder]))
    return ModuleTree({node.path: node for node in nodes}, total_params, trainable_params)


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def node_from_props(props: Mapping[str, Any]) -> ModuleNode:
    """A node (without links) from a Module's stored properties; unknown properties stay in ``props``."""
    path = props.get("path") or ""
    class_path = props.get("class_path") or props.get("class_name") or "?"
    return ModuleNode(
        path=path,
        name=props["name"] if props.get("name") is not None else path.rpartition(".")[2],
        class_name=props.get("class_name") or "?",
        class_path=class_path,
        depth=_int(props.get("depth")) if props.get("depth") is not None else (path.count(".") + 1 if path else 0),
        index=_int(props.get("index")),
        own_params=_int(props.get("own_params")),
        subtree_params=_int(props.get("subtree_params")),
        attrs={key: props[key] for key in STRUCTURAL_ATTRIBUTES if props.get(key) is not None},
        class_module=class_path.rpartition(".")[0],
        props=dict(props),
    )


__all__ = ["MODULE_PROPERTIES", "ModuleNode", "ModuleTree", "TiedChild", "node_from_props"]
