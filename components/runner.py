"""``run_components``: detect the components of every stored tree that lacks them (or has them from another
detector version), in batches, and store them. Once per distinct tree, whatever its number of models.

The CLI (``nnstruct components``, and ``nnstruct ingest``/``run`` after ingesting) and Python callers use it.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from nnstruct.components.detect import DETECTOR_VERSION, Component, detect
from nnstruct.components.rules import KINDS
from nnstruct.graph.connection import Graph
from nnstruct.graph.query_runner import run_named
from nnstruct.graph.writer import components_row
from nnstruct.tree.model import ModuleTree

BATCH = 40  # architectures read and written per round trip

Log = Callable[[str], None]


@dataclass
class ComponentsSummary:
    version: str
    architectures: int = 0  # trees detected in this run
    components: int = 0  # HAS_COMPONENT edges written
    kinds: Counter[str] = field(default_factory=Counter)  # kind -> trees having it
    undecided: Counter[str] = field(default_factory=Counter)  # kind -> trees with an unknown component of it
    seconds: dict[str, float] = field(default_factory=lambda: {"read": 0.0, "detect": 0.0, "write": 0.0})

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "architectures": self.architectures, "components": self.components,
                "kinds": dict(self.kinds), "undecided": dict(self.undecided),
                "seconds": {name: round(value, 2) for name, value in self.seconds.items()}}

    def lines(self) -> list[str]:
        if not self.architectures:
            return [f"components: every stored tree is up to date (detector {self.version})"]
        out = [f"components: {self.architectures} trees detected, {self.components} components stored "
               f"(detector {self.version})"]
        for kind in KINDS:
            if self.kinds[kind]:
                decided = self.kinds[kind] - self.undecided[kind]
                out.append(f"  {kind}: {self.kinds[kind]} trees, decided in {decided} "
                           f"({100 * decided / self.kinds[kind]:.1f}%)")
        per_tree = 1000 * self.seconds["detect"] / self.architectures
        out.append("  time: " + ", ".join(f"{name} {value:.1f}s" for name, value in self.seconds.items())
                   + f" ({per_tree:.1f} ms detection per tree)")
        return out


def _batches(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start: start + size]


def _config(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def read_trees(graph: Graph, pending: list[dict[str, Any]]) -> dict[str, ModuleTree]:
    """hash -> ModuleTree of the given pending rows (one round trip for modules, one for tied edges)."""
    hashes = [row["hash"] for row in pending]
    modules: dict[str, list[dict[str, Any]]] = {h: [] for h in hashes}
    for row in run_named(graph, "components/read_modules", {"hashes": hashes}):
        modules[row["hash"]].append(row["module"])
    tied: dict[str, list[dict[str, Any]]] = {h: [] for h in hashes}
    for row in run_named(graph, "components/read_tied", {"hashes": hashes}):
        tied[row["hash"]].append(row)
    return {row["hash"]: ModuleTree.from_rows(modules[row["hash"]], tied[row["hash"]], row.get("total_params"),
                                              name=f"architecture {row['hash']}") for row in pending}


def run_components(graph: Graph, force: bool = False, log: Log | None = None) -> ComponentsSummary:
    """Detect and store the components of every tree whose stored components are missing or stale."""
    summary = ComponentsSummary(DETECTOR_VERSION)
    started = time.perf_counter()
    pending = run_named(graph, "components/pending", {"version": DETECTOR_VERSION, "force": force})
    summary.seconds["read"] += time.perf_counter() - started
    for batch in _batches(pending, BATCH):
        started = time.perf_counter()
        trees = read_trees(graph, batch)
        summary.seconds["read"] += time.perf_counter() - started
        started = time.perf_counter()
        rows = []
        for row in batch:
            components = detect(trees[row["hash"]], _config(row.get("config")))
            _count(summary, components)
            rows.append(components_row(row["hash"], [component.row() for component in components]))
        summary.seconds["detect"] += time.perf_counter() - started
        started = time.perf_counter()
        run_named(graph, "components/write", {"version": DETECTOR_VERSION, "architectures": rows}, write=True)
        summary.seconds["write"] += time.perf_counter() - started
        if log and len(pending) > BATCH:
            log(f"components: {min(summary.architectures, len(pending))}/{len(pending)} trees")
    # Components left without architectures (re-detected, or their trees deleted by `ingest --force`).
    run_named(graph, "components/delete_orphans", write=True)
    return summary


def _count(summary: ComponentsSummary, components: list[Component]) -> None:
    summary.architectures += 1
    summary.components += len(components)
    kinds = {component.kind for component in components}
    summary.kinds.update(kinds)
    summary.undecided.update({component.kind for component in components if not component.decided})
