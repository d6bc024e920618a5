"""A model's stored module tree, read back from Neo4j into a :class:`~nnstruct.tree.ModuleTree`.

``show``, ``diff`` and ``export`` (and any other command that needs a whole hierarchy) read one with
:func:`read_model_tree`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nnstruct.errors import NnstructError
from nnstruct.graph.query_runner import run_named
from nnstruct.tree.model import ModuleNode, ModuleTree

if TYPE_CHECKING:
    from nnstruct.graph.connection import Graph


class ModelNotFound(NnstructError):
    """No Model node has the id the user gave."""


class ModelNotBuilt(NnstructError):
    """The Model exists but has no stored architecture (status failed or skipped)."""


@dataclass
class StoredModel:
    """A Model's properties, its Architecture's, and its module tree."""

    model: dict[str, Any]
    architecture: dict[str, Any]
    tree: ModuleTree

    @property
    def model_id(self) -> str:
        return str(self.model.get("id", ""))

    @property
    def root(self) -> ModuleNode:
        return self.tree.root

    @property
    def nodes(self) -> dict[str, ModuleNode]:
        return self.tree.nodes


def stored_model(model: dict[str, Any], architecture: dict[str, Any] | None, module_rows: Iterable[dict[str, Any]],
                 tied_rows: Iterable[dict[str, Any]] = ()) -> StoredModel:
    """Assemble a stored model from rows of ``queries/inspect/modules`` and ``queries/inspect/tied_children``."""
    tree = ModuleTree.from_rows(module_rows, tied_rows, model.get("total_params"), model.get("trainable_params"),
                                name=f"model {model.get('id')!r}")
    return StoredModel(dict(model), dict(architecture or {}), tree)


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
    ids = [row["id"] for row in run_named(graph, "inspect/model_ids")]
    if not ids:
        return ModelNotFound(f"no model {model_id!r}: the graph holds no models yet; run `nnstruct ingest` first")
    matches = close_matches(model_id, ids)
    if matches:
        others = f" (other close ids: {', '.join(matches[1:])})" if len(matches) > 1 else ""
        return ModelNotFound(f"no model {model_id!r} in the graph; did you mean {matches[0]}?{others}")
    return ModelNotFound(f"no model {model_id!r} in the graph ({len(ids):,} models stored)")


def read_model(graph: Graph, model_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Model's properties and its Architecture's; a clear error when it is unknown or was not built."""
    rows = run_named(graph, "inspect/model", {"model_id": model_id})
    if not rows:
        raise _not_found(graph, model_id)
    model, architecture = rows[0]["model"], rows[0]["architecture"]
    if architecture is None:
        status = model.get("status") or "unknown"
        reason = model.get("reason") or "no reason recorded"
        raise ModelNotBuilt(f"model {model_id!r} has no stored architecture (status {status}): {reason}")
    return model, architecture


def read_model_tree(graph: Graph, model_id: str) -> StoredModel:
    """Read one model's whole module tree (its Architecture's Modules, CHILD and TIED_CHILD) from Neo4j."""
    model, architecture = read_model(graph, model_id)
    params = {"arch_hash": architecture["hash"]}
    module_rows = run_named(graph, "inspect/modules", params)
    tied_rows = run_named(graph, "inspect/tied_children", params)
    return stored_model(model, architecture, module_rows, tied_rows)
