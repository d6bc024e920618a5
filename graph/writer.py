"""Write ingested models into Neo4j: a model is fully in the graph or not at all.

A model with a new tree is one transaction (:meth:`GraphWriter.write_model`); models that bring no new tree (linked
to a stored Architecture, failed or skipped) go thousands to a transaction (:meth:`GraphWriter.write_models`).

Architectures are content addressed by their WL hash: a tree already stored is only linked. A new tree is written
with a handful of batched ``UNWIND $rows`` statements (``queries/ingest/write_architecture.cypher``). Two writers
racing on the same new tree (or new Component): the unique constraint on ``Architecture.hash`` (``Component.key``)
makes the second transaction fail, and it is retried once, which then links what the other writer stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import neo4j
from neo4j.exceptions import ConstraintError

from nnstruct.graph.connection import Graph
from nnstruct.graph.query_runner import run_in, run_named
from nnstruct.graph.schema import init_schema
from nnstruct.queries.query_file import load
from nnstruct.tree.features import TreeFeatures
from nnstruct.tree.model import ModuleTree
from nnstruct.tree.wl import TreeHash


@dataclass(frozen=True)
class StoredArchitecture:
    """What the graph already knows about a config hash's architecture (so the model need not be built)."""

    arch_hash: str
    class_name: str | None
    total_params: int | None
    trainable_params: int | None
    module_count: int | None
    max_depth: int | None
    model: dict[str, Any]  # every property of the model stored with it (its cost among them)


@dataclass(frozen=True)
class WriteResult:
    created_architecture: bool  # False: the tree was already stored (or the model has none)
    modules: int  # Module nodes written by this transaction


def architecture_properties(tree: ModuleTree, arch: TreeHash, features: TreeFeatures | None = None) -> dict[str, Any]:
    return {
        "hash": arch.hash, "wl_iterations": arch.wl_iterations, "wl_labels": arch.wl_labels,
        "networkx_version": arch.networkx_version, "root_class": tree.root_class, "module_count": tree.module_count,
        "max_depth": tree.max_depth, "total_params": tree.total_params, "leaf_count": tree.leaf_count,
        **(features.properties() if features is not None else {}),
    }


def architecture_params(tree: ModuleTree, arch: TreeHash, features: TreeFeatures | None = None,
                        module_flops: dict[str, int] | None = None) -> dict[str, Any]:
    """The parameter maps of ``write_architecture.cypher`` for one tree (edges as positions in ``modules``);
    ``module_flops`` (path -> FLOPs) becomes ``Module.flops``."""
    layer_types = list(tree.layer_types().values())
    type_position = {layer["qualname"]: i for i, layer in enumerate(layer_types)}
    position = {id(node): i for i, node in enumerate(tree)}
    flops = module_flops or {}
    return {
        "architecture": architecture_properties(tree, arch, features),
        "layer_types": layer_types,
        "modules": [node.record() | {"arch_hash": arch.hash, "flops": flops.get(node.path)} for node in tree],
        "type_of": [type_position[node.class_path] for node in tree],
        "parent_of": [-1 if node.parent is None else position[id(node.parent)] for node in tree],
        "tied": [
            {"parent": position[id(tied.holder)], "target": position[id(tied.target)], "index": tied.index,
             "name": tied.name, "path": tied.path}
            for tied in tree.tied_children()
        ],
    }


class GraphWriter:
    """Writes models (built, linked, skipped or failed) into one graph."""

    def __init__(self, graph: Graph, init: bool = True) -> None:
        self.graph = graph
        if init:
            init_schema(graph)

    def ok_model_ids(self) -> set[str]:
        return {row["id"] for row in run_named(self.graph, "ingest/ok_model_ids")}

    def architecture_for_config(self, config_hash: str) -> StoredArchitecture | None:
        rows = run_named(self.graph, "ingest/architecture_for_config", {"config_hash": config_hash})
        return StoredArchitecture(**rows[0]) if rows else None

    def delete_orphan_architectures(self) -> int:
        """Delete Architectures (and their modules) no Model links to; returns how many went."""
        rows = run_named(self.graph, "ingest/delete_orphan_architectures", write=True)
        return int(rows[0]["architectures"]) if rows else 0

    def write_model(
        self,
        model: dict[str, Any],
        task: dict[str, Any] | None = None,
        tree: ModuleTree | None = None,
        arch: TreeHash | None = None,
        arch_hash: str | None = None,
        components: list[dict[str, Any]] | None = None,
        components_version: str | None = None,
        features: TreeFeatures | None = None,
        architecture_extra: dict[str, Any] | None = None,
        module_flops: dict[str, int] | None = None,
    ) -> WriteResult:
        """Write one model in one transaction: its tree when ``tree``/``arch`` are new to the graph, the Model node,
        FOR_TASK (``task`` = ``{name, auto_class}``) and HAS_ARCHITECTURE (to ``arch.hash`` or ``arch_hash``);
        a new tree's ``components`` (rows of ``nnstruct.components``, detected by ``components_version``) go with
        it (``queries/components/write.cypher``), and its dedup ``features`` go on the Architecture;
        ``architecture_extra`` adds properties to a new Architecture and ``module_flops`` to its Modules (the cost)."""
        target = arch.hash if arch is not None else arch_hash
        model_params = {"model": model, "task": task, "arch_hash": target}
        tree_params = (architecture_params(tree, arch, features, module_flops)
                       if tree is not None and arch is not None else None)
        if tree_params is not None and architecture_extra:
            tree_params["architecture"] |= architecture_extra

        def work(tx: neo4j.ManagedTransaction, allow_create: bool) -> WriteResult:
            # write_architecture returns no row when the tree is stored already (the check costs no round trip).
            created = (tree_params is not None and allow_create
                       and bool(run_in(tx, load("ingest/write_architecture"), tree_params)))
            if created and components is not None and arch is not None:
                run_in(tx, load("components/write"), {"version": components_version,
                                                      "architectures": [components_row(arch.hash, components)]})
            run_in(tx, load("ingest/write_model"), model_params)
            return WriteResult(created, len(tree_params["modules"]) if created and tree_params else 0)

        try:
            return self.graph.write_transaction(lambda tx: work(tx, True))
        except ConstraintError:
            # Another writer committed the same tree (Architecture.hash) or a new Component node of ours
            # (Component.key) between our check and our commit. Once more: a stored tree is only linked now, a
            # stored Component merged; our own new tree, if it still is new, is written.
            return self.graph.write_transaction(lambda tx: work(tx, True))

    def write_models(self, rows: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> int:
        """Write many models that bring no new tree in ONE transaction (``queries/ingest/write_models.cypher``):
        ``rows`` of ``{model, task (name or None), arch_hash (stored, or None)}``, ``tasks`` the distinct
        ``{name, auto_class, catalogue_rule}`` they name. All land or none (the caller retries model by model)."""

        def work(tx: neo4j.ManagedTransaction) -> int:
            result = run_in(tx, load("ingest/write_models"), {"rows": rows, "tasks": tasks})
            return int(result[0]["models"]) if result else 0

        return self.graph.write_transaction(work)


def components_row(arch_hash: str, components: list[dict[str, Any]]) -> dict[str, Any]:
    """One architecture's row for ``queries/components/write.cypher``: its components (rows of
    ``nnstruct.components``) and, per realising module path, the keys of the components that module realises."""
    by_path: dict[str, list[str]] = {}
    for component in components:
        for path in component["paths"]:
            by_path.setdefault(path, []).append(component["key"])
    return {"hash": arch_hash, "by_path": by_path,
            "components": [{name: value for name, value in component.items() if name != "paths"}
                           for component in components]}
