"""Dedup's reads from and writes to the graph; statements take their rows in UNWIND batches (see
:func:`replace_labelling` for which transaction holds what)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from neo4j import ManagedTransaction

from nnstruct.dedup.architectures import ArchitectureFeatures, ArchitectureLabelling, StoredTree
from nnstruct.dedup.families import NameLabelling
from nnstruct.dedup.models import ModelRow
from nnstruct.graph.connection import Graph
from nnstruct.graph.query_runner import run_in, run_named
from nnstruct.queries.query_file import load
from nnstruct.tree.features import TreeFeatures
from nnstruct.tree.model import ModuleTree
from nnstruct.tree.wl import WlLabel, WlSettings

BATCH = 5_000
TREE_BATCH = 200  # architectures per module read


def read_models(graph: Graph) -> list[ModelRow]:
    return [ModelRow.from_record(row) for row in run_named(graph, "dedup/read_models")]


def read_features(graph: Graph, label: str, settings: WlSettings) -> tuple[dict[str, ArchitectureFeatures], list[str]]:
    """The features ingest stored, per architecture, under ``label``; and the hashes of architectures without
    usable ones (stored by an older nnstruct or with other WL settings)."""
    wanted = settings.describe()
    found: dict[str, ArchitectureFeatures] = {}
    lacking: list[str] = []
    for row in run_named(graph, "dedup/read_features", {"label": label}):
        bag, counts = row["bag"], row["counts"]
        if (row["settings"] != wanted or row["class_hash"] is None or bag is None or counts is None
                or len(bag) != len(counts) or (label != WlLabel.CLASS and row["shape_hash"] is None)):
            lacking.append(row["hash"])
            continue
        found[row["hash"]] = ArchitectureFeatures(
            row["hash"], row["class_hash"], None if label == WlLabel.CLASS else row["shape_hash"],
            int(row["hash_iterations"]), Counter(dict(zip(bag, counts, strict=True))), row["description"] or "")
    return found, lacking


def write_features(graph: Graph, features: Sequence[tuple[str, TreeFeatures]]) -> None:
    """Store features computed from the modules, so the next dedup reads them (one transaction per batch)."""
    rows = [{"hash": arch_hash, "properties": tree.properties()} for arch_hash, tree in features]
    _run_batches(graph, "write_features", {"rows": rows}, "rows", TREE_BATCH)


def read_trees(graph: Graph, hashes: Sequence[str], batch: int = TREE_BATCH) -> Iterator[StoredTree]:
    """Module rows (and tied edges) of each architecture, a batch of architectures per query."""
    for start in range(0, len(hashes), batch):
        chunk = list(hashes[start:start + batch])
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in run_named(graph, "dedup/read_modules", {"hashes": chunk}):
            rows[record["hash"]].append(record["row"])
        edges: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in run_named(graph, "dedup/read_tied", {"hashes": chunk}):
            edges[record["hash"]].append(record)
        for arch in chunk:
            if rows.get(arch):
                yield arch, ModuleTree.from_rows(rows[arch], edges.get(arch, ()), name=f"architecture {arch}")


def _run(tx: ManagedTransaction, name: str, params: dict[str, Any], batched: str | None = None) -> None:
    run_in(tx, load(f"dedup/{name}"), params, batched, BATCH)


def _run_batches(graph: Graph, name: str, params: dict[str, Any], batched: str, batch: int = BATCH) -> None:
    """``dedup/<name>`` in transactions of ``batch`` rows of ``params[batched]`` each: in one transaction, 100,000
    models' labels outgrow the transaction memory of a server with the default 1 GiB heap."""
    query = load(f"dedup/{name}")
    rows = params[batched]
    for start in range(0, len(rows), batch):
        chunk = {**params, batched: rows[start:start + batch]}
        graph.write_transaction(lambda tx, chunk=chunk: run_in(tx, query, chunk))


def family_rows(labelling: NameLabelling) -> list[dict[str, Any]]:
    return [{"id": model_id, "family": family, "representative": model_id in labelling.representative}
            for model_id, family in labelling.family_of.items()]


def model_flag_rows(labelling: ArchitectureLabelling) -> list[dict[str, Any]]:
    return [{"id": model_id, "representative": model_id in labelling.representative_models}
            for model_id in labelling.labelled_models]


def write_architectures(tx: ManagedTransaction, labelling: ArchitectureLabelling, run: dict[str, Any]) -> None:
    """Everything per architecture and cluster (thousands of rows, not one per model) and the run."""
    settings = labelling.settings
    hashes = [row.hash for row in labelling.architectures]
    _run(tx, "clear_architecture_labelling", {"hashes": hashes})
    _run(tx, "write_architecture_hashes", {
        "rows": [{"hash": r.hash, "class_hash": r.class_hash, "shape_hash": r.shape_hash,
                  "iterations": r.hash_iterations} for r in labelling.architectures],
        "networkx_version": settings.networkx_version}, batched="rows")
    _run(tx, "write_clusters", {
        "clusters": [vars(cluster) for cluster in labelling.clusters], "label": labelling.label,
        "threshold": labelling.threshold, "networkx_version": settings.networkx_version,
        "wl_iterations": settings.iterations, "wl_initial_labels": settings.include_initial}, batched="clusters")
    _run(tx, "write_cluster_members", {
        "rows": [{"hash": r.hash, "cluster": r.cluster, "representative": r.representative, "score": r.score}
                 for r in labelling.architectures]}, batched="rows")
    links: dict[str, list[dict[str, Any]]] = {arch: [] for arch in hashes}
    for link in labelling.links:
        links[link.source].append({"target": link.target, "score": link.score})
    _run(tx, "write_similar", {"rows": [{"hash": h, "links": out} for h, out in links.items()],
                               "label": labelling.label, "threshold": labelling.threshold}, batched="rows")
    _run(tx, "clear_clusters", {})
    _run(tx, "write_run", {"strategy": "architecture", "settings": run})


def replace_labelling(graph: Graph, names: NameLabelling | None, names_run: dict[str, Any],
                      architectures: ArchitectureLabelling | None, architectures_run: dict[str, Any]) -> None:
    """Replace the labelling of both strategies (for ``--strategy both``) or one.

    Each model's labels (family, representative flags, ``views``) go in transactions of ``BATCH`` models: the
    labels of a model land together, and 100,000 models fit a 1 GiB server. Everything per family, architecture
    and cluster, the runs, and the mark that every task's counts owe a recount go in one last transaction. The
    analyses read those per-task counts (graph/aggregates.py), recounted after it: they see the old labelling until
    the new one is whole. A dedup killed midway leaves models of both labellings until the next dedup replaces it.
    """
    if names is not None:
        graph.write_transaction(lambda tx: _run(
            tx, "write_families", {"families": [vars(family) for family in names.families]}, batched="families"))
        _run_batches(graph, "write_family_members", {"rows": family_rows(names)}, "rows")
    if architectures is not None:
        _run_batches(graph, "write_model_flags", {"rows": model_flag_rows(architectures)}, "rows")

    def last(tx: ManagedTransaction) -> None:
        if names is not None:
            _run(tx, "clear_families", {})
            _run(tx, "write_run", {"strategy": "name", "settings": names_run})
        if architectures is not None:
            write_architectures(tx, architectures, architectures_run)
        run_in(tx, load("aggregates/mark_all_stale"))  # the views changed: every task's counts owe a recount

    graph.write_transaction(last)
