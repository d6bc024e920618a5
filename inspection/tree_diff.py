"""Structural diff of two module trees, with repeated blocks aligned.

Both trees are folded first (``nnstruct.tree.fold``: runs of identical consecutive siblings become one block), then
aligned parent by parent on child names, so BERT with 12 layers against BERT with 6 reads as one line,
``bert.encoder.layer: BertLayer x12 -> x6 (6 removed: 6..11)``, not as six removed subtrees. Inside an aligned
block the first member of each side stands for all of them (they are identical by construction), and paths
below a folded block read ``...layer.*.attention``. Siblings left unmatched by name are paired when their
subtrees are identical (a rename) or of the same class (a rename with changes); the rest are added/removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Group
from rich.text import Text

from nnstruct.graph.model_trees import StoredModel
from nnstruct.inspection.tree_view import si
from nnstruct.tree.fold import Run, Signatures, Slot, fold, names_label
from nnstruct.tree.model import ModuleNode, TiedChild


@dataclass
class Side:
    """What one side of a change holds: a module, or a block of ``count`` identical ones."""

    class_name: str
    class_path: str
    count: int = 1
    names: list[str] = field(default_factory=list)
    subtree_params: int = 0  # of one block
    modules: int = 0  # in one block's subtree
    tied_to: str | None = None  # for a tied reference: the path of the module object it shares
    flops: int | None = None  # of one block at its model's reference input (Module.flops), when stored


@dataclass
class Change:
    """One line of the diff: ``added``, ``removed``, or ``changed`` (with what changed in ``aspects``)."""

    kind: str
    path: str  # path in A (B for added); "*" stands for every member of a folded block
    a: Side | None = None
    b: Side | None = None
    aspects: list[str] = field(default_factory=list)  # class, shape, params, count, renamed, tied
    attributes: dict[str, list[Any]] = field(default_factory=dict)  # name -> [value in A, value in B]
    path_b: str | None = None  # when the module sits under another name in B

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {key: value for key, value in data.items() if value not in (None, [], {})}


# The Model cost figures diff compares (nnstruct.cost.properties), in the order it shows them.
COST_DELTAS = ("flops_forward", "flops_per_token", "weight_bytes_fp32", "weight_bytes", "kv_cache_bytes_per_token",
               "state_bytes_per_sequence", "activation_bytes")


@dataclass
class TreeDiff:
    a: StoredModel
    b: StoredModel
    changes: list[Change]
    similarity: float | None = None  # WL score (dedup's, class labels); None when not computed
    similarity_note: str = ""
    similarity_by_label: dict[str, float] = field(default_factory=dict)
    components: list[str] | None = None  # per-kind component differences (nnstruct.components); None: not read

    def cost_deltas(self) -> list[dict[str, Any]]:
        """The stored cost of A and B side by side (``COST_DELTAS``), with B - A and B / A; empty when neither has
        a cost."""
        rows = []
        for key in COST_DELTAS:
            a, b = self.a.model.get(key), self.b.model.get(key)
            if a is None and b is None:
                continue
            both = isinstance(a, int | float) and isinstance(b, int | float)
            rows.append({"name": key, "a": a, "b": b, "delta": b - a if both else None,
                         "ratio": round(b / a, 4) if both and a else None})
        return rows

    def summary(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "changed": 0}
        for change in self.changes:
            counts[change.kind] += 1
        return counts

    @property
    def identical(self) -> bool:
        return not self.changes

    def to_json(self) -> dict[str, Any]:
        def model(tree: StoredModel) -> dict[str, Any]:
            return {
                "id": tree.model_id,
                "task": tree.model.get("task"),
                "class_name": tree.root.class_name,
                "arch_hash": tree.architecture.get("hash"),
                "total_params": tree.model.get("total_params"),
                "module_count": len(tree.nodes),
            }

        return {
            "a": model(self.a),
            "b": model(self.b),
            "similarity": {"wl_score": self.similarity, "by_label": self.similarity_by_label,
                           "note": self.similarity_note or None},
            "components": self.components,
            "summary": self.summary(),
            "cost": self.cost_deltas(),
            "changes": [change.to_json() for change in self.changes],
        }


def _side(repeat_or_node: Run | ModuleNode, names: list[str] | None = None) -> Side:
    node = repeat_or_node.first if isinstance(repeat_or_node, Run) else repeat_or_node
    names = names if names is not None else (repeat_or_node.names if isinstance(repeat_or_node, Run) else
                                             [node.name])
    return Side(node.class_name, node.class_path, len(names), names, node.subtree_params, node.module_count(),
                flops=node.props.get("flops"))


def _tied_side(tied: TiedChild) -> Side:
    target = tied.target
    return Side(target.class_name, target.class_path, 1, [tied.name], 0, 0, tied_to=target.path)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class _Differ:
    def __init__(self) -> None:
        self.signatures = Signatures()
        self.changes: list[Change] = []

    # -- one aligned pair ---------------------------------------------------------------------------------
    def pair(self, a: ModuleNode, b: ModuleNode, path: str, count_a: int = 1, count_b: int = 1,
             names_a: list[str] | None = None, names_b: list[str] | None = None, path_b: str | None = None,
             inner: str | None = None) -> None:
        """Compare ``a`` with ``b`` (each standing for ``count`` identical siblings), then their children, whose
        paths start with ``inner`` (default ``path``)."""
        aspects: list[str] = []
        attributes: dict[str, list[Any]] = {}
        if a.class_path != b.class_path:
            aspects.append("class")
        for key in sorted(set(a.attrs) | set(b.attrs)):
            if a.attrs.get(key) != b.attrs.get(key):
                attributes[key] = [a.attrs.get(key), b.attrs.get(key)]
        if attributes:
            aspects.append("shape")
        if a.own_params != b.own_params:
            aspects.append("params")
            attributes["own_params"] = [a.own_params, b.own_params]
        if count_a != count_b:
            aspects.append("count")
        if path_b is not None:
            aspects.append("renamed")
        if aspects:
            self.changes.append(Change(
                "changed", path, _side(a, names_a or [a.name]), _side(b, names_b or [b.name]), aspects, attributes,
                path_b,
            ))
        if self.signatures.of(a) != self.signatures.of(b):
            self.children(a, b, inner if inner is not None else path, path_b)

    # -- the children of an aligned pair ------------------------------------------------------------------
    def children(self, a: ModuleNode, b: ModuleNode, path: str, path_b: str | None) -> None:
        """Align the children of an aligned pair; report in A's order, B-only children last."""
        slots_a, slots_b = fold(a, self.signatures), fold(b, self.signatures)
        prefix_a = "" if path == "(root)" else path
        prefix_b = prefix_a if path_b is None else path_b
        whole = all(len(slots) == 1 and isinstance(slots[0], Run) and slots[0].count > 1
                    for slots in (slots_a, slots_b))
        by_name_b = {name: j for j, slot in enumerate(slots_b) for name in _names(slot)}
        groups = _components(slots_a, slots_b, by_name_b)
        group_at = {group[0][0]: group for group in groups}  # first A slot of each group -> the group
        in_group_a = {i for group in groups for i in group[0]}
        in_group_b = {j for group in groups for j in group[1]}
        left_a = [i for i in range(len(slots_a)) if i not in in_group_a]
        left_b = [j for j in range(len(slots_b)) if j not in in_group_b]
        renamed = dict(self.renames(slots_a, slots_b, left_a, left_b))
        for i, slot in enumerate(slots_a):
            if i in group_at:
                group_a, group_b = group_at[i]
                self.component([slots_a[k] for k in group_a], [slots_b[k] for k in group_b], prefix_a, whole)
            elif i in renamed:
                ra, rb = slot, slots_b[renamed[i]]
                assert isinstance(ra, Run) and isinstance(rb, Run)
                self.pair(ra.first, rb.first, _join(prefix_a, names_label(ra.names)), ra.count, rb.count, ra.names,
                          rb.names, path_b=_join(prefix_b, names_label(rb.names)))
            elif i not in in_group_a:
                self.changes.append(_added_or_removed("removed", slot, prefix_a))
        for j in left_b:
            if j not in renamed.values():
                self.changes.append(_added_or_removed("added", slots_b[j], prefix_b))

    def component(self, group_a: list[Slot], group_b: list[Slot], prefix: str, whole: bool) -> None:
        """Slots of A and B that share child names: one block against one block, or several overlapping."""
        if len(group_a) == 1 and len(group_b) == 1:
            sa, sb = group_a[0], group_b[0]
            if isinstance(sa, TiedChild) or isinstance(sb, TiedChild):
                self.tied_pair(sa, sb, prefix)
                return
            folded = sa.count > 1 or sb.count > 1
            if not folded:
                self.pair(sa.first, sb.first, _join(prefix, sa.first.name))
                return
            inner = _join(prefix, names_label(sa.names) if sa.names == sb.names else "*")
            self.pair(sa.first, sb.first, prefix if whole and prefix else inner, sa.count, sb.count, sa.names,
                      sb.names, inner=inner)
            return
        # Several blocks overlap (e.g. 12 identical layers in A, 6 + 6 of two kinds in B): pair by shared names.
        names_b = {name: slot for slot in group_b for name in _names(slot)}
        seen_b: set[str] = set()
        for sa in group_a:
            runs: dict[int, list[str]] = {}
            partner: dict[int, Slot] = {}
            missing: list[str] = []
            for name in _names(sa):
                sb = names_b.get(name)
                if sb is None:
                    missing.append(name)
                    continue
                runs.setdefault(id(sb), []).append(name)
                partner[id(sb)] = sb
                seen_b.add(name)
            for key, shared in runs.items():
                sb = partner[key]
                if isinstance(sa, TiedChild) or isinstance(sb, TiedChild):
                    self.tied_pair(sa, sb, prefix)
                    continue
                self.pair(sa.first, sb.first, _join(prefix, names_label(shared)), len(shared), len(shared),
                          shared, shared)
            if missing and isinstance(sa, Run):
                self.changes.append(_added_or_removed("removed", Run(_members(sa, missing)), prefix))
        for sb in group_b:
            extra = [name for name in _names(sb) if name not in seen_b]
            if extra and isinstance(sb, Run):
                self.changes.append(_added_or_removed("added", Run(_members(sb, extra)), prefix))

    def tied_pair(self, sa: Slot, sb: Slot, prefix: str) -> None:
        target_a = sa.target.path if isinstance(sa, TiedChild) else None
        target_b = sb.target.path if isinstance(sb, TiedChild) else None
        if target_a == target_b:
            return
        name = sa.name if isinstance(sa, TiedChild) else sa.first.name
        side_a = _tied_side(sa) if isinstance(sa, TiedChild) else _side(sa)
        side_b = _tied_side(sb) if isinstance(sb, TiedChild) else _side(sb)
        self.changes.append(Change("changed", _join(prefix, name), side_a, side_b, ["tied"],
                                   {"tied_to": [target_a, target_b]}))

    def renames(self, slots_a: list[Slot], slots_b: list[Slot], left_a: list[int],
                left_b: list[int]) -> Iterator[tuple[int, int]]:
        """Unmatched siblings that are the same subtree (or at least the same class) under another name."""
        free_a = [i for i in left_a if isinstance(slots_a[i], Run)]
        free_b = [j for j in left_b if isinstance(slots_b[j], Run)]
        for same in (self._same_structure, self._same_class):
            for i in list(free_a):
                j = next((j for j in free_b if same(slots_a[i], slots_b[j])), None)
                if j is not None:
                    free_a.remove(i)
                    free_b.remove(j)
                    yield i, j

    def _same_structure(self, a: Slot, b: Slot) -> bool:
        assert isinstance(a, Run) and isinstance(b, Run)
        return self.signatures.of(a.first) == self.signatures.of(b.first)

    @staticmethod
    def _same_class(a: Slot, b: Slot) -> bool:
        assert isinstance(a, Run) and isinstance(b, Run)
        return a.first.class_path == b.first.class_path


def _names(slot: Slot) -> list[str]:
    return [slot.name] if isinstance(slot, TiedChild) else slot.names


def _members(repeat: Run, names: list[str]) -> list[ModuleNode]:
    wanted = set(names)
    return [node for node in repeat.nodes if node.name in wanted]


def _added_or_removed(kind: str, slot: Slot, prefix: str) -> Change:
    if isinstance(slot, TiedChild):
        side = _tied_side(slot)
        path = _join(prefix, slot.name)
    else:
        side = _side(slot)
        path = _join(prefix, names_label(slot.names))
    return Change(kind, path, a=side if kind == "removed" else None, b=side if kind == "added" else None)


def _components(
    slots_a: list[Slot], slots_b: list[Slot], by_name_b: dict[str, int]
) -> list[tuple[list[int], list[int]]]:
    """Groups of A slots and B slots linked by shared child names, in A's order."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(key: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for i, slot in enumerate(slots_a):
        for name in _names(slot):
            j = by_name_b.get(name)
            if j is not None:
                parent[find(("a", i))] = find(("b", j))
    groups: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for i in range(len(slots_a)):
        if ("a", i) in parent:
            groups.setdefault(find(("a", i)), ([], []))[0].append(i)
    for j in range(len(slots_b)):
        if ("b", j) in parent:
            root = find(("b", j))
            if root in groups:
                groups[root][1].append(j)
    return [group for group in groups.values() if group[0] and group[1]]


def diff_trees(a: StoredModel, b: StoredModel) -> TreeDiff:
    """Every structural difference between two stored trees, repeated blocks aligned."""
    differ = _Differ()
    differ.pair(a.root, b.root, "(root)")
    return TreeDiff(a, b, differ.changes)


# -- text ---------------------------------------------------------------------------------------------------

def _describe(side: Side) -> str:
    if side.tied_to is not None:
        return f"tied to {side.tied_to or '(root)'} ({side.class_name})"
    count = f" x{side.count}" if side.count > 1 else ""
    each = " each" if side.count > 1 else ""
    params = f"{side.subtree_params:,} params" if side.subtree_params else "no params"
    modules = f"{side.modules:,} module{'s' if side.modules != 1 else ''}"
    flops = f", {si(side.flops)} FLOPs" if side.flops else ""
    return f"{side.class_name}{count} ({params}, {modules}{flops}{each})"


def _cost_line(row: dict[str, Any]) -> str:
    unit = "B" if "bytes" in row["name"] else ""
    change = ""
    if row["delta"] is not None:
        sign = "+" if row["delta"] >= 0 else "-"
        change = f" ({sign}{si(abs(row['delta']), unit)}" + (f", x{row['ratio']:.3g}" if row["ratio"] else "") + ")"
    return f"  {row['name']}: {si(row['a'], unit)} -> {si(row['b'], unit)}{change}"


def _count_note(a: Side, b: Side) -> str:
    gone = [n for n in a.names if n not in set(b.names)]
    new = [n for n in b.names if n not in set(a.names)]
    notes = []
    if gone:
        notes.append(f"{len(gone)} removed: {names_label(gone).strip('{}')}")
    if new:
        notes.append(f"{len(new)} added: {names_label(new).strip('{}')}")
    return f" ({'; '.join(notes)})" if notes else ""


def _value(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "-" if value is None else str(value)


def change_line(change: Change) -> Text:
    if change.kind == "removed":
        assert change.a is not None
        return Text(f"- {change.path}: {_describe(change.a)}", style="red")
    if change.kind == "added":
        assert change.b is not None
        return Text(f"+ {change.path}: {_describe(change.b)}", style="green")
    a, b = change.a, change.b
    assert a is not None and b is not None
    path = change.path + (f" -> {change.path_b}" if change.path_b else "")
    parts: list[str] = []
    if "tied" in change.aspects:
        parts.append(f"{_describe(a)} -> {_describe(b)}")
    elif "class" in change.aspects or "count" in change.aspects:
        left = a.class_name + (f" x{a.count}" if a.count > 1 or b.count > 1 else "")
        right = (b.class_name if "class" in change.aspects else "") + (
            f" x{b.count}" if a.count > 1 or b.count > 1 else "")
        parts.append(f"{left} -> {right.strip()}" + (_count_note(a, b) if "count" in change.aspects else ""))
    else:
        parts.append(a.class_name + (f" x{a.count}" if a.count > 1 else ""))
    attrs = [f"{key} {_value(old)} -> {_value(new)}" for key, (old, new) in change.attributes.items()
             if key != "tied_to"]
    if attrs:
        parts.append(", ".join(attrs))
    if "renamed" in change.aspects and len(change.aspects) == 1:
        parts.append("renamed, same structure")
    return Text(f"~ {path}: " + "; ".join(parts), style="yellow")


def render(diff: TreeDiff) -> Group:
    """Header (both models, the WL similarity), one line per change, and a summary line."""
    lines: list[Text] = []
    for tag, tree in (("A", diff.a), ("B", diff.b)):
        total = tree.model.get("total_params")
        params = f"{int(total):,} params" if total is not None else "params unknown"
        lines.append(Text(f"{tag}: {tree.model_id}  {tree.root.class_name}  {params}, {len(tree.nodes):,} modules",
                          style="bold"))
    score = f"{diff.similarity:.3f}" if diff.similarity is not None else "n/a"
    note = f" ({diff.similarity_note})" if diff.similarity_note else ""
    lines.append(Text(f"WL similarity: {score}{note}"))
    deltas = diff.cost_deltas()
    if deltas:
        references = {diff.a.model.get("reference_input"), diff.b.model.get("reference_input")}
        at = f" at {references.pop()}" if len(references) == 1 else " (each at its own reference input)"
        lines.append(Text(f"Cost, A -> B{at}:"))
        lines.extend(Text(_cost_line(row)) for row in deltas)
    lines.append(Text(""))
    if diff.components is not None:  # what the models are made of comes before how their trees differ
        lines.append(Text("Components", style="bold"))
        lines.extend(Text(f"  {line}") for line in diff.components or ["same components"])
        lines.append(Text(""))
    if diff.identical:
        lines.append(Text("no structural difference", style="bold green"))
    lines.extend(change_line(change) for change in diff.changes)
    counts = diff.summary()
    lines.append(Text(""))
    lines.append(Text(f"{counts['changed']} changed, {counts['removed']} removed, {counts['added']} added "
                      "(xN = N identical consecutive siblings; * = every member of a folded block)", style="dim"))
    return Group(*lines)
