"""Components of stored models as text: the list ``nnstruct show`` prints above a tree, and the per-kind
differences ``nnstruct diff`` prints first ("attention: MHA self global -> GQA 4:1 self global")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nnstruct.components.detect import Component
from nnstruct.components.rules import KINDS
from nnstruct.graph.query_runner import run_named

if TYPE_CHECKING:
    from nnstruct.graph.connection import Graph

_NODE_KEYS = ("key", "kind", "variant")


def from_rows(rows: list[dict[str, Any]]) -> list[Component]:
    """Components from ``queries/components/of_model`` rows."""
    out = []
    for row in rows:
        props = {k: v for k, v in (row.get("component") or {}).items() if k not in _NODE_KEYS}
        rel = dict(row.get("relationship") or {})
        count = int(rel.pop("count", 1) or 1)
        out.append(Component(row["kind"], row["variant"], props, count, rel))
    return out


def read_components(graph: Graph, model_id: str) -> list[Component]:
    return from_rows(run_named(graph, "components/of_model", {"model_id": model_id}))


def _order(components: list[Component]) -> list[Component]:
    rank = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(components, key=lambda c: (rank.get(c.kind, len(rank)), -c.count, c.label()))


def lines(components: list[Component]) -> list[str]:
    """One line per component: label, count and per-architecture details (heads, vocabulary size...)."""
    out = []
    for component in _order(components):
        details = ", ".join(f"{name} {value}" for name, value in sorted(component.details.items())
                            if name not in ("activation_class", "note"))
        out.append(f"{component.label()} x{component.count}" + (f" ({details})" if details else ""))
    return out


def _summary(components: list[Component], kind: str) -> str:
    mine = _order([c for c in components if c.kind == kind])
    if not mine:
        return "(none)"
    return " + ".join(c.label().removeprefix(f"{kind} ") for c in mine)


def changes(a: list[Component], b: list[Component]) -> list[str]:
    """Per kind whose components differ: ``kind: A's -> B's``; same components in other numbers: the counts."""
    out = []
    for kind in KINDS:
        left, right = _summary(a, kind), _summary(b, kind)
        if left != right:
            out.append(f"{kind}: {left} -> {right}")
            continue
        counts_a = {c.label(): c.count for c in a if c.kind == kind}
        counts_b = {c.label(): c.count for c in b if c.kind == kind}
        for label, count in counts_a.items():
            if counts_b.get(label) != count:
                out.append(f"{label}: x{count} -> x{counts_b.get(label)}")
    return out
