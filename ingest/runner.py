"""One ingest run: candidates -> skip models already in the graph -> config-hash dedup -> build in workers -> write.

Building happens in worker processes (:class:`BuildPool`), writing in this process: a model with a new tree in a
transaction of its own, models that bring no new tree (linked, failed, skipped) ``write_batch`` to a transaction.
The same :func:`run_ingest` serves the CLI and Python callers; it returns an :class:`IngestResult`.

``--force`` rebuilds every model (no skip, no config-hash shortcut through the graph), relinks each to the tree it
builds now, and at the end deletes Architectures no model links to any more (with their Module nodes).

Dedup before building: the config hash (structural config + the class that builds it) of each candidate is looked
up among models built earlier in this run, then in the graph (``Model.config_hash``); a hit is linked to that
Architecture without building. Candidates whose config is being built right now wait for that build.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from neo4j.exceptions import Neo4jError

from nnstruct.choices import Source, Status
from nnstruct.components.detect import DETECTOR_VERSION
from nnstruct.cost.precision import config_dtype
from nnstruct.cost.properties import MODEL_COST_PROPERTIES, TREE_COST_PROPERTIES, with_dtype
from nnstruct.errors import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from nnstruct.graph.aggregates import refresh_stale
from nnstruct.graph.connection import Graph
from nnstruct.graph.writer import GraphWriter
from nnstruct.ingest.build_pool import BuildPool
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.meta_build import BuildJob, BuildOutcome, plan_build
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.shard import in_shard
from nnstruct.ingest.structural_config import canonical_json, config_hash, normalized_config, structural_config
from nnstruct.ingest.tasks import all_tasks

# A slow source (a hub far away) still sees its models stored (and counted) every few seconds.
FLUSH_SECONDS = 2.0
PLAN_MEMO = 20_000  # distinct (config, task) plans kept in memory

SOURCE_MODULES = {Source.TRANSFORMERS: "catalogue", Source.HUB: "hub", Source.LOCAL: "local"}

# Candidate metadata that becomes Model properties (what the hub source provides).
HUB_METADATA = ("downloads", "likes", "pipeline_tag", "library_name", "created_at", "last_modified", "gated",
                "gated_access", "private")

# Every property ingest owns on a Model: written on each (re)write, absent ones as null, so stale values go.
MODEL_PROPERTIES = ("id", "name", "source", "task", "status", "reason", "model_type", "class_name", "config_hash",
                    "arch_hash", "total_params", "trainable_params", "module_count", "max_depth", "build_seconds",
                    "torch_version", "transformers_version", "ingested_at", "config_repairs", "structural_config",
                    *HUB_METADATA, *MODEL_COST_PROPERTIES)


def short_name(model_id: str) -> str:
    """What tells a model apart at a glance (Neo4j Browser's caption): ``bert/text-classification`` for
    ``transformers/bert/text-classification``, the repo name for a hub id, the folder name for a local one."""
    if model_id.startswith("transformers/"):
        return model_id.removeprefix("transformers/")
    if model_id.startswith("local:"):
        return model_id.rstrip("/").rsplit("/", 1)[-1] or model_id
    return model_id.rsplit("/", 1)[-1] or model_id


@dataclass(frozen=True)
class ModelResult:
    id: str
    task: str
    status: Status
    reason: str | None = None
    build_seconds: float | None = None  # None: not built (linked to a stored tree, or never buildable)
    linked: bool = False  # ok without a build: same structural config as a model built before
    modules_written: int = 0


@dataclass
class IngestResult:
    """What a run did; ``exit_code`` is what the CLI exits with."""

    results: list[ModelResult] = field(default_factory=list)
    already_ingested: Counter[str] = field(default_factory=Counter)  # task -> models skipped as already ok
    architectures_created: int = 0
    modules_written: int = 0
    builds: int = 0
    orphans_deleted: int = 0  # --force: architectures left without a model, deleted at the end
    seconds: float = 0.0
    write_seconds: float = 0.0

    def counts(self) -> dict[str, Counter[str]]:
        """task -> Counter of statuses (plus ``already`` for models already in the graph)."""
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for result in self.results:
            table[result.task][result.status] += 1
        for task, count in self.already_ingested.items():
            table[task]["already"] += count
        return dict(table)

    @property
    def ok(self) -> int:
        return sum(1 for r in self.results if r.status == Status.OK)

    @property
    def failures(self) -> list[ModelResult]:
        return [r for r in self.results if r.status == Status.FAILED]

    @property
    def skipped(self) -> list[ModelResult]:
        return [r for r in self.results if r.status == Status.SKIPPED]

    @property
    def exit_code(self) -> int:
        if self.ok == 0 and not self.already_ingested:
            return EXIT_USAGE  # nothing could be done
        return EXIT_SOME_FAILED if self.failures else EXIT_OK


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


@dataclass(frozen=True)
class _Known:
    """A config hash whose outcome is settled in this run: an architecture to link to, or a failure to copy."""

    status: str
    reason: str | None = None
    arch_hash: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)  # class_name, total_params, ... of the tree


@dataclass(frozen=True)
class _Pending:
    """A model written with the next batch: its properties and task, computed when it was taken."""

    candidate: Candidate
    model: dict[str, Any]
    task: dict[str, Any] | None
    linked: bool


class Progress:
    """What the runner reports while it works; the CLI's rich progress bar implements it."""

    def listed(self, candidate: Candidate) -> None: ...

    def started(self, candidate: Candidate) -> None: ...

    def finished(self, task: str, status: str) -> None: ...

    def log(self, message: str) -> None: ...


class _Run:
    def __init__(self, graph: Graph, options: IngestOptions, progress: Progress) -> None:
        self.options = options
        self.progress = progress
        self.writer = GraphWriter(graph)
        self.result = IngestResult()
        self.done_ok: set[str] = set() if options.force else self.writer.ok_model_ids()
        self.seen: set[str] = set()
        self.known: dict[str, _Known] = {}
        self.planned: dict[tuple[str, str], tuple[Any, str, str]] = {}
        self.pending: list[_Pending] = []  # models without a new tree, written together by flush()
        self.flushed = time.monotonic()
        self.waiting: dict[str, list[tuple[Candidate, dict[str, Any]]]] = {}
        self.building: dict[str, tuple[Candidate, dict[str, Any]]] = {}  # job id -> (candidate, base properties)
        self.versions = {"torch_version": _version("torch"), "transformers_version": _version("transformers")}
        self.auto_classes = {name: info.auto_class for name, info in all_tasks().items()}

    # -- candidates -------------------------------------------------------------------------------------------

    def take(self, candidate: Candidate, pool: BuildPool) -> None:
        if not in_shard(candidate.id, self.options.shard):
            return  # another shard's (sources that know the shard skip it before fetching its config)
        if candidate.id in self.seen:
            return  # listed twice (e.g. under two tasks): the first listing wins
        self.seen.add(candidate.id)
        self.progress.listed(candidate)
        if candidate.id in self.done_ok:
            self.result.already_ingested[candidate.task] += 1
            self.progress.finished(candidate.task, "already")
            return
        base = self._base_properties(candidate)
        if candidate.status is not None or candidate.config is None:
            status = candidate.status if candidate.status in (Status.SKIPPED, Status.FAILED) else Status.FAILED
            self._write(candidate, base, status, candidate.reason or "the source gave no config")
            return
        try:
            plan, key, structural = self._plan(candidate)
        except Exception as exc:  # a config too broken to even plan: that model failed, the run goes on
            self._write(candidate, base, Status.FAILED, f"cannot read the config: {type(exc).__name__}: {exc}"[:300])
            return
        if plan.problem or (plan.needs_remote_code and not self.options.trust_remote_code):
            self._write(candidate, base, Status.SKIPPED, plan.problem or "needs trust_remote_code")
            return
        base["config_hash"] = key
        base["class_name"] = plan.class_name
        # Component detection (nnstruct.components) reads config-only facts (sliding window, experts per token).
        base["structural_config"] = structural
        if key in self.waiting:
            self.waiting[key].append((candidate, base))
            return
        known = self.known.get(key) or self._stored(key)
        if known is not None:
            self._write_known(candidate, base, known)
            return
        self.waiting[key] = []
        self.building[candidate.id] = (candidate, base)
        self.progress.started(candidate)
        pool.submit(BuildJob(candidate.id, candidate.task, candidate.config, self.options.trust_remote_code,
                             self.options.build_timeout, cost=self.options.cost))
        self.result.builds += 1

    def _plan(self, candidate: Candidate) -> tuple[Any, str, str]:
        """(build plan, config hash, structural config JSON) of the candidate. Planning reads the config through
        transformers' config class (milliseconds); the hub repeats one config.json over many repos, so the result
        is kept per (config text, task) for the run (bounded: a run over a million distinct configs stays flat)."""
        assert candidate.config is not None
        text = json.dumps(candidate.config, sort_keys=True, default=str)
        memo_key = (text, candidate.task)
        planned = self.planned.get(memo_key)
        if planned is None:
            plan = plan_build(candidate.config, candidate.task)
            normalized = normalized_config(candidate.config)
            planned = (plan, config_hash(normalized, plan.built_by), canonical_json(structural_config(normalized)))
            if len(self.planned) >= PLAN_MEMO:
                self.planned.clear()
            self.planned[memo_key] = planned
        return planned

    def _stored(self, key: str) -> _Known | None:
        if self.options.force:
            return None  # --force rebuilds rather than trusting what the graph holds
        stored = self.writer.architecture_for_config(key)
        if stored is None:
            return None
        properties = {"class_name": stored.class_name, "total_params": stored.total_params,
                      "trainable_params": stored.trainable_params, "module_count": stored.module_count,
                      "max_depth": stored.max_depth,
                      **{key: stored.model.get(key) for key in MODEL_COST_PROPERTIES}}
        known = _Known(Status.OK, None, stored.arch_hash, properties)
        self.known[key] = known
        return known

    # -- outcomes ---------------------------------------------------------------------------------------------

    def settle(self, outcome: BuildOutcome) -> None:
        candidate, base = self.building.pop(outcome.id)
        key = base["config_hash"]
        if outcome.status == Status.OK:
            assert outcome.tree is not None and outcome.arch is not None
            tree = outcome.tree
            properties = {"class_name": outcome.class_name, "total_params": tree.total_params,
                          "trainable_params": tree.trainable_params, "module_count": tree.module_count,
                          "max_depth": tree.max_depth, **(outcome.cost or {})}
            known = _Known(Status.OK, None, outcome.arch.hash, properties)
            written = self._write(candidate, {**base, **properties, "build_seconds": outcome.build_seconds}, Status.OK,
                                  None, arch_hash=outcome.arch.hash, outcome=outcome)
            if not written:
                known = _Known(Status.FAILED, "the model built by the same config could not be written")
        else:
            if outcome.class_name:
                base["class_name"] = outcome.class_name
            known = _Known(outcome.status, outcome.reason)
            self._write(candidate, {**base, "build_seconds": outcome.build_seconds}, outcome.status, outcome.reason)
        self.known[key] = known
        for waiter, waiter_base in self.waiting.pop(key, []):
            self._write_known(waiter, waiter_base, known)

    def _write_known(self, candidate: Candidate, base: dict[str, Any], known: _Known) -> None:
        # Same structural config, but the dtype is not part of it: the dtype-dependent cost follows this config's.
        properties = with_dtype(known.properties, config_dtype(candidate.config))
        self._write(candidate, {**base, **properties}, known.status, known.reason, arch_hash=known.arch_hash,
                    linked=known.status == Status.OK)

    def _base_properties(self, candidate: Candidate) -> dict[str, Any]:
        model_type = (candidate.config or {}).get("model_type") or candidate.metadata.get("model_type")
        base: dict[str, Any] = {key: None for key in MODEL_PROPERTIES}
        base.update({key: candidate.metadata.get(key) for key in HUB_METADATA})
        base.update(id=candidate.id, name=short_name(candidate.id), source=candidate.source,
                    task=candidate.task or None, model_type=model_type if isinstance(model_type, str) else None,
                    **self.versions,
                    config_repairs=candidate.metadata.get("config_repairs") or None)  # catalogue: fields it filled
        return base

    def _write(
        self, candidate: Candidate, properties: dict[str, Any], status: str, reason: str | None,
        arch_hash: str | None = None, outcome: BuildOutcome | None = None, linked: bool = False,
    ) -> bool:
        model = {**properties, "status": status, "reason": reason, "arch_hash": arch_hash,
                 "ingested_at": datetime.now(UTC)}
        task = {"name": candidate.task, "auto_class": self.auto_classes.get(candidate.task),
                "catalogue_rule": candidate.metadata.get("catalogue_rule")} if candidate.task else None
        if (outcome is None or outcome.tree is None) and self.options.write_batch > 1:
            # No new tree: written with others in one transaction (flushed when the batch is full, and at the end).
            self.pending.append(_Pending(candidate, model, task, linked))
            if len(self.pending) >= self.options.write_batch or time.monotonic() - self.flushed > FLUSH_SECONDS:
                self.flush()
            return True
        return self._write_one(_Pending(candidate, model, task, linked), outcome)

    def _write_one(self, pending: _Pending, outcome: BuildOutcome | None = None) -> bool:
        candidate, model, task, linked = pending.candidate, pending.model, pending.task, pending.linked
        status, reason, arch_hash = model["status"], model["reason"], model["arch_hash"]
        started = time.perf_counter()
        written = True
        modules = 0
        try:
            if outcome is not None and outcome.tree is not None:
                tree_cost = {key: outcome.cost.get(key) for key in TREE_COST_PROPERTIES} if outcome.cost else {}
                write = self.writer.write_model(model, task, outcome.tree, outcome.arch,
                                                components=outcome.components, components_version=DETECTOR_VERSION,
                                                features=outcome.features, architecture_extra=tree_cost,
                                                module_flops=outcome.module_flops)
                self.result.architectures_created += int(write.created_architecture)
                modules = write.modules
            else:
                self.writer.write_model(model, task, arch_hash=arch_hash)
        except (Neo4jError, TypeError, ValueError) as exc:
            # One model the graph refuses (a property value it cannot store, ...) must not end the run.
            written = False
            status, reason, arch_hash, linked = Status.FAILED, f"cannot write to Neo4j: {exc}"[:300], None, False
            with contextlib.suppress(Neo4jError, TypeError, ValueError):
                self.writer.write_model({key: model.get(key) for key in ("id", "source", "task", "model_type")}
                                        | {"status": status, "reason": reason}, task)
        self.result.write_seconds += time.perf_counter() - started
        self.result.modules_written += modules
        self._record(candidate, status, reason, model.get("build_seconds") if not linked else None, linked, modules)
        return written

    def _record(self, candidate: Candidate, status: str, reason: str | None, build_seconds: float | None,
                linked: bool, modules: int = 0) -> None:
        self.result.results.append(ModelResult(candidate.id, candidate.task, status, reason, build_seconds, linked,
                                               modules))
        self.progress.finished(candidate.task, status)

    def flush(self) -> None:
        """Write the pending models in one transaction; a batch the graph refuses is retried model by model, so
        one bad model fails alone and every model still lands whole or not at all."""
        batch, self.pending = self.pending, []
        self.flushed = time.monotonic()
        if not batch:
            return
        started = time.perf_counter()
        tasks = {p.task["name"]: p.task for p in batch if p.task is not None}
        rows = [{"model": p.model, "task": p.task["name"] if p.task else None, "arch_hash": p.model["arch_hash"]}
                for p in batch]
        try:
            self.writer.write_models(rows, list(tasks.values()))
        except (Neo4jError, TypeError, ValueError) as exc:
            self.result.write_seconds += time.perf_counter() - started
            self.progress.log(f"a batch of {len(batch)} models was refused ({type(exc).__name__}); "
                              "writing them one by one")
            for pending in batch:
                self._write_one(pending)
            return
        self.result.write_seconds += time.perf_counter() - started
        for p in batch:
            self._record(p.candidate, p.model["status"], p.model["reason"],
                         p.model.get("build_seconds") if not p.linked else None, p.linked)


def run_ingest(
    graph: Graph,
    candidates: Iterable[Candidate] | Callable[[Callable[[str], None]], Iterable[Candidate]],
    options: IngestOptions,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest ``candidates`` (or a source: a callable taking the log function) into ``graph``."""
    progress = progress or Progress()
    started = time.perf_counter()
    run = _Run(graph, options, progress)
    source = candidates(progress.log) if callable(candidates) else candidates
    with BuildPool(options.workers) as pool:
        for candidate in source:
            run.take(candidate, pool)
            for outcome in pool.results(block=pool.in_flight >= pool.capacity):
                run.settle(outcome)
        for outcome in pool.drain():
            run.settle(outcome)
    run.flush()
    if options.force:
        # A rebuild can leave the model's previous tree without any model: remove such trees.
        run.result.orphans_deleted = run.writer.delete_orphan_architectures()
    # The analyses read per-task counts, not every model: bring the tasks this run (or a killed one) changed up to date.
    refresh_stale(graph)
    run.result.seconds = time.perf_counter() - started
    return run.result


def source_candidates(options: IngestOptions) -> Callable[[Callable[[str], None]], Iterable[Candidate]]:
    """The candidates function of the source ``options.source`` names."""
    import importlib

    module = importlib.import_module(f"nnstruct.ingest.sources.{SOURCE_MODULES[Source(options.source)]}")
    return lambda log: module.candidates(options, log)
