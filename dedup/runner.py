"""``run_dedup``: read the graph, label it by name and/or architecture, replace the old labelling in one
transaction, and summarise. The CLI (``nnstruct dedup``) and the pipeline (``nnstruct run``) both call it."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nnstruct.choices import Strategy, parse_choice
from nnstruct.dedup.architectures import (
    ArchitectureLabelling,
    compute_tree_features,
    from_tree_features,
    label_architectures,
)
from nnstruct.dedup.families import NameLabelling, label_families
from nnstruct.dedup.models import ModelRow
from nnstruct.errors import NnstructError
from nnstruct.graph.connection import Graph
from nnstruct.tree.wl import DEDUP_LABELS, WlSettings

LARGEST = 5  # groups listed in the summary

Log = Callable[[str], None]


class DedupInputError(NnstructError):
    """Bad dedup settings or nothing to deduplicate."""


def validate(strategy: str, threshold: float, label: str) -> Strategy:
    """The strategy (any spelling case) as a :class:`Strategy`; raises :class:`DedupInputError` on bad input."""
    try:
        chosen = parse_choice(Strategy, strategy, "dedup strategy")
    except NnstructError as exc:
        raise DedupInputError(str(exc)) from None
    if not isinstance(threshold, int | float) or math.isnan(threshold) or not 0 < threshold <= 1:
        raise DedupInputError(f"similarity threshold must be in (0, 1], got {threshold}")
    if label not in DEDUP_LABELS:
        raise DedupInputError(f"unknown label {label!r}; choose one of: {', '.join(DEDUP_LABELS)}")
    return Strategy(chosen)


@dataclass
class DedupSummary:
    """What a dedup run found; ``lines()`` is the text the CLI prints."""

    strategy: str
    label: str
    threshold: float
    networkx_version: str
    models: int = 0
    built_models: int = 0
    families: int | None = None
    name_representatives: int | None = None
    architectures: int | None = None
    distinct_trees: int | None = None  # under the label
    clusters: int | None = None
    near_pairs: int | None = None
    links: int | None = None
    architecture_representatives: int | None = None
    largest: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"dedup --strategy {self.strategy}: {self.models} models ({self.built_models} built)"]
        if self.families is not None:
            out.append(f"  name: {self.families} families, {self.name_representatives} representative models "
                       "(one per family and task)")
        if self.architectures is not None:
            out.append(
                f"  architecture (label {self.label}, threshold {self.threshold:g}, networkx {self.networkx_version}):"
                f" {self.architectures} distinct architectures, {self.distinct_trees} distinct {self.label} trees,"
                f" {self.clusters} clusters, {self.near_pairs} near-duplicate pairs ({self.links} links stored),"
                f" {self.architecture_representatives} representative models (one per cluster and task)")
        if self.largest:
            out.append("  largest groups:")
            out.extend(f"    {line}" for line in self.largest)
        timing = ", ".join(f"{name} {value:.1f}s" for name, value in self.seconds.items())
        if timing:
            out.append(f"  time: {timing}")
        return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _largest_families(labelling: NameLabelling) -> list[str]:
    return [f"{family.models} models in family {family.name} ({_plural(family.tasks, 'task')}, "
            f"rule {family.rule})" for family in labelling.families[:LARGEST] if family.models > 1]


def _largest_architecture_groups(labelling: ArchitectureLabelling) -> list[str]:
    lines = []
    by_models = sorted(labelling.architectures, key=lambda row: (-row.models, row.hash))
    lines += [f"{row.models} models share 1 architecture: {row.description}"
              for row in by_models[:LARGEST] if row.models > 1]
    lines += [f"{sum(r.models for r in rows)} models share 1 {labelling.label} tree over "
              f"{len(rows)} architectures: {rows[0].description}"
              for _, rows in labelling.exact_groups()[:LARGEST] if len(rows) > 1]
    lines += [f"{cluster.models} models in 1 cluster of {cluster.size} architectures ({cluster.trees} distinct "
              f"trees) around {cluster.description}" for cluster in labelling.clusters[:LARGEST] if cluster.size > 1]
    return lines


def run_dedup(graph: Graph, strategy: str = "name", threshold: float = 0.85, label: str = "class",
              log: Log | None = None, settings: WlSettings | None = None) -> DedupSummary:
    """Label the graph by ``strategy`` and return what was found. Raises :class:`DedupInputError` on bad input."""
    from nnstruct.dedup.store import read_models, replace_labelling
    from nnstruct.graph.aggregates import refresh_stale

    strategy = validate(strategy, threshold, label)
    log = log or (lambda _line: None)
    settings = settings or WlSettings()
    clock = time.perf_counter()
    models = read_models(graph)
    if not models:
        raise DedupInputError("the graph has no models to deduplicate; run `nnstruct ingest` first")
    summary = DedupSummary(strategy, label, threshold, settings.networkx_version, models=len(models),
                           built_models=sum(m.ok for m in models))
    seconds = {"read models": time.perf_counter() - clock}

    names = None
    if strategy in (Strategy.NAME, Strategy.BOTH):
        names = label_families(models)
        summary.families = len(names.families)
        summary.name_representatives = len(names.representative)
        summary.largest += _largest_families(names)

    architectures = None
    if strategy in (Strategy.ARCHITECTURE, Strategy.BOTH):
        architectures = _label_architectures(graph, models, label, threshold, settings, log, seconds)
        summary.architectures = len(architectures.architectures)
        summary.distinct_trees = architectures.distinct_trees
        summary.clusters = len(architectures.clusters)
        summary.near_pairs = architectures.near_pairs
        summary.links = len(architectures.links)
        summary.architecture_representatives = len(architectures.representative_models)
        summary.largest += _largest_architecture_groups(architectures)

    clock = time.perf_counter()
    run = {"networkx_version": settings.networkx_version, "models": len(models)}
    replace_labelling(
        graph, names, {**run, "families": summary.families or 0},
        architectures, {**run, "label": label, "threshold": threshold, "wl_iterations": settings.iterations,
                        "wl_initial_labels": settings.include_initial, "clusters": summary.clusters or 0,
                        "architectures": summary.architectures or 0})
    seconds["write"] = time.perf_counter() - clock
    clock = time.perf_counter()
    refresh_stale(graph)  # the per-task counts the analyses read, by the new views
    seconds["count per task"] = time.perf_counter() - clock
    summary.seconds = seconds
    return summary


def _note_previous_run(graph: Graph, label: str, threshold: float, settings: WlSettings, log: Log) -> None:
    """Say so when the labelling being replaced was made with other settings (hashes of networkx < 3.5 differ)."""
    from nnstruct.graph.query_runner import run_named

    for run in run_named(graph, "dedup/read_runs"):
        if run["strategy"] != "architecture":
            continue
        before = (run["networkx_version"], run["wl_iterations"], run["label"], run["threshold"])
        now = (settings.networkx_version, settings.iterations, label, threshold)
        if before != now:
            log(f"replacing the architecture labelling of {run['finished_at']} (networkx {before[0]}, "
                f"{before[1]} WL iterations, label {before[2]}, threshold {before[3]}): every hash, link and "
                f"cluster is recomputed with networkx {now[0]}, {now[1]} iterations, label {now[2]}, "
                f"threshold {now[3]}")


def _label_architectures(graph: Graph, models: list[ModelRow], label: str, threshold: float,
                         settings: WlSettings, log: Log, seconds: dict[str, float]) -> ArchitectureLabelling:
    from nnstruct.dedup.store import read_features, read_trees, write_features

    if not any(m.ok and m.arch_hash for m in models):
        raise DedupInputError("no built model has an architecture to compare (all failed or skipped?); "
                              "run `nnstruct ingest` first or use --strategy name")
    _note_previous_run(graph, label, threshold, settings, log)
    clock = time.perf_counter()
    features, lacking = read_features(graph, label, settings)
    seconds["read features"] = time.perf_counter() - clock
    used = {m.arch_hash for m in models if m.arch_hash}
    lacking = sorted(set(lacking) | (used - set(features) - set(lacking)))
    if lacking:
        # Architectures stored by an older nnstruct (or with other WL settings): hash their modules once and
        # store the features, so the next run reads them too.
        log(f"computing WL features of {len(lacking)} architectures from their modules, once "
            f"({settings.describe()}); the others were stored by ingest")
        clock = time.perf_counter()
        computed = list(compute_tree_features(read_trees(graph, lacking), settings))
        write_features(graph, computed)
        features.update((h, from_tree_features(h, tree, label)) for h, tree in computed)
        seconds["read + hash trees"] = time.perf_counter() - clock
        missing = len(lacking) - len(computed)
        if missing:
            log(f"{missing} architectures have no stored modules and are left out")
    log(f"comparing {len(features)} distinct architectures (WL, {settings.describe()})")
    labelling = label_architectures(features, models, label, threshold, settings)
    seconds.update({f"{name}": value for name, value in labelling.seconds.items()})
    return labelling
