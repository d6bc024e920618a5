"""A model's stored module tree, read back from Neo4j into plain Python objects.

``show``, ``diff`` and ``export`` (and any other command that needs a whole hierarchy) read a tree with
:func:`read_model_tree`; the pure :func:`build_tree` turns rows into a :class:`ModelTree`, so tests of the
folding and diff logic can hand it rows without a server.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nnstruct.errors import NnstructError
from nnstruct.graph.module_schema import STRUCTURAL_ATTRIBUTES
from nnstruct.queries.query_file import load

if TYPE_CHECKING:
    from nnstruct.graph.connection import Graph



class ModelNotFound(NnstructError):
    """No Model node has the id the user gave."""


class ModelNotBuilt(NnstructError):
    """The Model exists but has no stored architecture (status failed or skipped)."""


@dataclass(eq=False)
class TiedChild:
    """A second holder of a module object stored once under ``target.path`` (a ``TIED_CHILD`` relationship)."""

    name: str
    index: int
    path: str  # where named_modules(remove_duplicate=False) would yield it
    target: TreeNode


@dataclass(eq=False)
class TreeNode:
    path: str
    name: str
    class_name: str
    class_path: str
    depth: int
    index: int
    own_params: int
    subtree_params: int
    attrs: dict[str, Any]  # the structural attributes that apply to this module
    props: dict[str, Any]  # every stored property, for export
    children: list[TreeNode] = field(default_factory=list)  # CHILD, by index
    tied: list[TiedChild] = field(default_factory=list)  # TIED_CHILD, by index
    parent: TreeNode | None = field(default=None, repr=False)

    @property
    def is_leaf(self) -> bool:
        return not self.children and not self.tied

    def slots(self) -> list[TreeNode | TiedChild]:
        """Children and tied children in ``named_children()`` order."""
        return sorted([*self.children, *self.tied], key=lambda item: item.index)

    def walk(self) -> Iterator[TreeNode]:
        """This node and its CHILD descendants, pre-order (the order ``named_modules()`` yields them)."""
        yield self
        for child in self.children:
            yield from child.walk()

    def module_count(self) -> int:
        return sum(1 for _ in self.walk())


@dataclass
class ModelTree:
    model: dict[str, Any]
    architecture: dict[str, Any]
    root: TreeNode
    nodes: dict[str, TreeNode]  # by path

    @property
    def model_id(self) -> str:
        return str(self.model.get("id", ""))

    def holders_of(self, target: TreeNode) -> list[TiedChild]:
        """Every tied reference to ``target`` (the other paths the same module object lives at)."""
        return [tied for node in self.root.walk() for tied in node.tied if tied.target is target]

    def modules(self) -> list[TreeNode]:
        return list(self.root.walk())


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def _node(props: dict[str, Any]) -> TreeNode:
    path = props.get("path") or ""
    return TreeNode(
        path=path,
        name=props.get("name") if props.get("name") is not None else path.rpartition(".")[2],
        class_name=props.get("class_name") or "?",
        class_path=props.get("class_path") or props.get("class_name") or "?",
        depth=_int(props.get("depth")),
        index=_int(props.get("index")),
        own_params=_int(props.get("own_params")),
        subtree_params=_int(props.get("subtree_params")),
        attrs={k: props[k] for k in STRUCTURAL_ATTRIBUTES if props.get(k) is not None},
        props=dict(props),
    )


def build_tree(
    model: dict[str, Any],
    architecture: dict[str, Any] | None,
    module_rows: Iterable[dict[str, Any]],
    tied_rows: Iterable[dict[str, Any]] = (),
) -> ModelTree:
    """Assemble a tree from rows of ``queries/inspect/modules`` (``module`` props + ``parent_path``) and
    ``queries/inspect/tied_children``; bare dicts of Module properties with ``parent_path`` (or ``parent``, as
    ``ingest.module_tree`` gives them) work too."""
    nodes: dict[str, TreeNode] = {}
    parents: dict[str, str | None] = {}
    for row in module_rows:
        props = row.get("module", row)
        node = _node(props)
        if row.get("child_index") is not None:
            node.index = int(row["child_index"])
        nodes[node.path] = node
        parents[node.path] = row.get("parent_path", row.get("parent"))
    if "" not in nodes:
        raise NnstructError(f"model {model.get('id')!r}: its stored architecture has no root module")
    for path, parent_path in parents.items():
        if path == "":
            continue
        if parent_path is None:
            parent_path = path.rpartition(".")[0] if "." in path else ""
        parent = nodes.get(parent_path)
        if parent is None:
            raise NnstructError(f"model {model.get('id')!r}: module {path!r} has no stored parent {parent_path!r}")
        nodes[path].parent = parent
        parent.children.append(nodes[path])
    for row in tied_rows:
        holder, target = nodes.get(row["parent_path"]), nodes.get(row["target_path"])
        if holder is None or target is None:
            continue
        path = row.get("path") or (f"{holder.path}.{row['child_name']}" if holder.path else row["child_name"])
        holder.tied.append(TiedChild(row["child_name"], _int(row.get("child_index")), path, target))
    for node in nodes.values():
        node.children.sort(key=lambda child: child.index)
        node.tied.sort(key=lambda tied: tied.index)
    return ModelTree(dict(model), dict(architecture or {}), nodes[""], nodes)


def close_matches(wanted: str, ids: list[str], limit: int = 3) -> list[str]:
    """Stored ids a user probably meant: same id in other case, near spellings, then ids containing it."""
    lowered = {i.lower(): i for i in ids}
    found: list[str] = []
    if wanted.lower() in lowered:
        found.append(lowered[wanted.lower()])
    found += difflib.get_close_matches(wanted, ids, n=limit, cutoff=0.6)
    if len(wanted) >= 2:
        found += [i for i in ids if wanted.lower() in i.lower()]
    unique = list(dict.fromkeys(m for m in found if m != wanted))
    return unique[:limit]


def _not_found(graph: Graph, model_id: str) -> ModelNotFound:
    ids = [row["id"] for row in graph.read(load("inspect/model_ids").statements[0])]
    if not ids:
        return ModelNotFound(f"no model {model_id!r}: the graph holds no models yet; run `nnstruct ingest` first")
    matches = close_matches(model_id, ids)
    if matches:
        others = f" (other close ids: {', '.join(matches[1:])})" if len(matches) > 1 else ""
        return ModelNotFound(f"no model {model_id!r} in the graph; did you mean {matches[0]}?{others}")
    return ModelNotFound(f"no model {model_id!r} in the graph ({len(ids):,} models stored)")


def read_model(graph: Graph, model_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Model's properties and its Architecture's; a clear error when it is unknown or was not built."""
    query = load("inspect/model")
    rows = graph.read(query.statements[0], query.bind({"model_id": model_id}))
    if not rows:
        raise _not_found(graph, model_id)
    model, architecture = rows[0]["model"], rows[0]["architecture"]
    if architecture is None:
        status = model.get("status") or "unknown"
        reason = model.get("reason") or "no reason recorded"
        raise ModelNotBuilt(f"model {model_id!r} has no stored architecture (status {status}): {reason}")
    return model, architecture


def read_model_tree(graph: Graph, model_id: str) -> ModelTree:
    """Read one model's whole module tree (its Architecture's Modules, CHILD and TIED_CHILD) from Neo4j."""
    model, architecture = read_model(graph, model_id)
    params = {"arch_hash": architecture["hash"]}
    modules_query, tied_query = load("inspect/modules"), load("inspect/tied_children")
    module_rows = graph.read(modules_query.statements[0], modules_query.bind(params))
    tied_rows = graph.read(tied_query.statements[0], tied_query.bind(params))
    return build_tree(model, architecture, module_rows, tied_rows)
