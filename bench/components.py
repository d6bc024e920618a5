"""Benchmark of component detection (``nnstruct.components``): coverage and cost. Prints figures, asserts nothing.

1. Coverage and detection cost over the transformers catalogue, without Neo4j: every (model type, task) pair is
   built on the meta device by the worker's own code path (``ingest.meta_build.run_job``, which detects the
   components of the tree it built); each distinct tree (architecture hash) is counted once. Prints, per kind, the
   trees that have it and the share decided (not ``unknown``) (target: >= 95% for attention and normalisation),
   the most frequent unknown reasons, and the detection time per distinct tree (target: mean < 20 ms) beside the
   build + extract time it adds to.
   ``--graph``: the same figures over the distinct trees already stored in the configured graph (read back with
   the catch-up stage's own reader, each with the structural config of one of its models), e.g. after
   ``nnstruct ingest --source transformers``; only detection is timed.
2. ``--ingest N``: what detection adds to an ingest: N catalogue model types ingested into an empty scratch Neo4j
   (its own temporary home and ports; ``--configured-server`` uses and WIPES the configured one), in this process,
   with detection and with it switched off, alternately, ``--rounds`` times each; the best time of each (target:
   < 15% added).

The machine may be shared: the load average is printed with the figures.

    python bench/components.py                      # whole catalogue (takes a while: every pair is built)
    python bench/components.py --tasks text-generation,image-classification
    python bench/components.py --skip coverage --ingest 80
    python bench/components.py --graph --skip ingest    # the trees of the configured graph
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import clean, scratch_server  # noqa: E402  (bench/ingest.py: the scratch Neo4j helpers)
from nnstruct.components.rules import KINDS  # noqa: E402
from nnstruct.ingest.meta_build import BuildJob, run_job  # noqa: E402
from nnstruct.ingest.options import IngestOptions  # noqa: E402
from nnstruct.ingest.sources import catalogue  # noqa: E402

FOCUS = ("attention", "normalisation")  # kinds with a coverage target


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def trees_from_graph() -> tuple[dict[str, dict], int]:
    from nnstruct.components.detect import detect
    from nnstruct.components.runner import BATCH, _config, read_trees
    from nnstruct.graph.connection import connect
    from nnstruct.graph.query_runner import run_named
    from nnstruct.settings import Settings

    seen: dict[str, dict] = {}
    with connect(Settings()) as graph:
        pending = run_named(graph, "components/pending", {"version": "", "force": True})
        for start in range(0, len(pending), BATCH):
            batch = pending[start: start + BATCH]
            trees = read_trees(graph, batch)
            for row in batch:
                began, began_cpu = time.perf_counter(), time.process_time()
                components = [c.row() for c in detect(trees[row["hash"]], _config(row.get("config")))]
                seen[row["hash"]] = {"id": row["model_id"], "components": components,
                                     "detect": time.perf_counter() - began,
                                     "detect_cpu": time.process_time() - began_cpu, "build": 0.0,
                                     "modules": trees[row["hash"]].module_count}
    return seen, 0


def bench_coverage(tasks: list[str] | None, types: list[str] | None, from_graph: bool = False) -> None:
    started = time.perf_counter()
    if from_graph:
        seen, failed = trees_from_graph()
    else:
        seen, failed = built_trees(tasks, types)
    report(seen, failed, time.perf_counter() - started)


def built_trees(tasks: list[str] | None, types: list[str] | None) -> tuple[dict[str, dict], int]:
    import nnstruct.ingest.meta_build as meta_build

    options = IngestOptions(source="transformers", tasks=tuple(tasks or ()))
    seen: dict[str, dict] = {}  # arch hash -> {components, detect, detect_cpu, build}
    failed = 0
    detect, cpu = meta_build._components, [0.0]

    def timed(tree, config):  # the worker's own detection, also timed in CPU seconds (the machine may be shared)
        began = time.process_time()
        try:
            return detect(tree, config)
        finally:
            cpu[0] = time.process_time() - began

    meta_build._components = timed
    for candidate in catalogue.candidates(options, lambda message: print(message)):
        if types and candidate.id.split("/")[1] not in types:
            continue
        if candidate.config is None:
            failed += 1
            continue
        outcome = run_job(BuildJob(candidate.id, candidate.task, candidate.config))
        if outcome.status != "ok" or outcome.arch is None:
            failed += 1
            continue
        if outcome.arch.hash in seen:
            continue
        seen[outcome.arch.hash] = {
            "id": candidate.id, "components": outcome.components,
            "detect": outcome.components_seconds or 0.0, "detect_cpu": cpu[0],
            "build": (outcome.build_seconds or 0.0) + (outcome.extract_seconds or 0.0),
            "modules": outcome.tree.module_count if outcome.tree else 0,
        }
    meta_build._components = detect
    return seen, failed


def report(seen: dict[str, dict], failed: int, seconds: float) -> None:
    trees = list(seen.values())
    print(f"\n{len(trees)} distinct trees from the catalogue ({failed} pairs did not build) in {seconds:.0f} s; "
          f"load average {load()}")
    errors = [tree for tree in trees if tree["components"] is None]
    if errors:
        print(f"detection raised on {len(errors)} trees: {[tree['id'] for tree in errors[:10]]}")
    having: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    variants: dict[str, Counter[str]] = defaultdict(Counter)
    for tree in trees:
        rows = tree["components"] or []
        for kind in {row["kind"] for row in rows}:
            having[kind] += 1
            unknown = [row for row in rows if row["kind"] == kind and row["variant"] == "unknown"]
            if not unknown:
                decided[kind] += 1
            for row in unknown:
                reasons[kind][row["properties"].get("reason", "?")] += 1
        for row in rows:
            variants[row["kind"]][row["variant"]] += 1
    print("\nshare of trees with every component of a kind decided (not unknown):")
    for kind in KINDS:
        if having[kind]:
            share = 100 * decided[kind] / having[kind]
            target = "  (target >= 95%)" if kind in FOCUS else ""
            print(f"  {kind:20} {decided[kind]:5}/{having[kind]:<5} {share:5.1f}%{target}")
    print("\nvariants (trees having each):")
    for kind in KINDS:
        print(f"  {kind:20} " + ", ".join(f"{name} {count}" for name, count in variants[kind].most_common()))
    print("\nmost frequent unknown reasons:")
    for kind in KINDS:
        for reason, count in reasons[kind].most_common(5):
            print(f"  {kind:20} [{count}] {reason[:110]}")
    detect = [tree["detect"] * 1000 for tree in trees]
    build = [tree["build"] * 1000 for tree in trees]
    if detect:
        p95 = sorted(detect)[int(0.95 * (len(detect) - 1))]
        print(f"\ndetection per distinct tree: mean {statistics.mean(detect):.1f} ms, median "
              f"{statistics.median(detect):.1f} ms, p95 {p95:.1f} ms, max {max(detect):.0f} ms (target: mean < 20 ms)")
        cpu = [tree["detect_cpu"] * 1000 for tree in trees]
        print(f"  in CPU time (what waiting for a busy CPU does not inflate): mean {statistics.mean(cpu):.1f} ms, "
              f"median {statistics.median(cpu):.1f} ms, max {max(cpu):.0f} ms")
        if sum(build):
            print(f"build + extract per distinct tree: mean {statistics.mean(build):.1f} ms; detection adds "
                  f"{100 * sum(detect) / sum(build):.1f}% to the worker's time")
        biggest = max(trees, key=lambda tree: tree["modules"])
        print(f"largest tree: {biggest['id']} ({biggest['modules']} modules): detection "
              f"{biggest['detect'] * 1000:.0f} ms")


def server_cpu() -> float:
    """CPU seconds the configured local Neo4j has used so far (0 when it is not local): the component writes'
    share of the work, which the ingesting process's own CPU time leaves out."""
    import psutil

    from nnstruct.graph.server.launcher import server_paths
    from nnstruct.graph.server.process import find_server
    from nnstruct.settings import Settings

    server = find_server(server_paths(Settings()))
    try:
        times = server.cpu_times() if server is not None else None
    except psutil.Error:  # it may have just exited
        return 0.0
    return times.user + times.system if times is not None else 0.0


def bench_ingest(count: int, rounds: int) -> None:
    import nnstruct.ingest.meta_build as meta_build
    from nnstruct.graph.connection import connect
    from nnstruct.ingest.runner import run_ingest
    from nnstruct.settings import Settings

    candidates = [c for c in catalogue.candidates(IngestOptions(source="transformers", tasks=("feature-extraction",)),
                                                  lambda message: None) if c.config is not None][:count]
    detect = meta_build._components
    spent = [0.0]

    def timed(tree, config):  # the worker's detection, timed (workers=0: it runs in this process)
        began = time.perf_counter()
        try:
            return detect(tree, config)
        finally:
            spent[0] += time.perf_counter() - began

    times: dict[str, list[float]] = {"with detection": [], "without": []}
    cpu: dict[str, list[float]] = {"with detection": [], "without": []}  # this process (workers=0): build + detect
    server: dict[str, list[float]] = {"with detection": [], "without": []}  # Neo4j's CPU: the writes
    shares = []
    with connect(Settings()) as graph:
        for _ in range(rounds):
            for label in ("with detection", "without"):
                meta_build._components = timed if label == "with detection" else (lambda tree, config: None)
                clean(graph)
                spent[0] = 0.0
                started, started_cpu, started_server = time.perf_counter(), time.process_time(), server_cpu()
                result = run_ingest(graph, candidates, IngestOptions(source="transformers", workers=0))
                times[label].append(time.perf_counter() - started)
                cpu[label].append(time.process_time() - started_cpu)
                server[label].append(server_cpu() - started_server)
                if label == "with detection":
                    shares.append(spent[0] / times[label][-1])
                print(f"  {label}: {times[label][-1]:.1f} s ({result.ok} ok, {result.architectures_created} trees)"
                      + (f", detection itself {spent[0]:.2f} s" if label == "with detection" else ""))
        meta_build._components = detect
    best_with, best_without = min(times["with detection"]), min(times["without"])
    print(f"\ningest of {len(candidates)} catalogue models, best of {rounds}: {best_with:.1f} s with detection, "
          f"{best_without:.1f} s without: {100 * (best_with - best_without) / best_without:+.1f}% "
          f"(target < 15%); detection itself {100 * statistics.median(shares):.1f}% of the ingest time "
          f"(median over rounds; the rest of the difference is component writes and noise); "
          f"load average {load()}")
    cpu_with, cpu_without = min(cpu["with detection"]), min(cpu["without"])
    print(f"CPU time of the ingesting process (excludes Neo4j's), best of {rounds}: {cpu_with:.1f} s with detection, "
          f"{cpu_without:.1f} s without: {100 * (cpu_with - cpu_without) / cpu_without:+.1f}%")
    both_with = min(c + s for c, s in zip(cpu["with detection"], server["with detection"], strict=True))
    both_without = min(c + s for c, s in zip(cpu["without"], server["without"], strict=True))
    print(f"CPU time of the ingesting process and Neo4j together (the work, whatever else the machine runs), best "
          f"of {rounds}: {both_with:.1f} s with detection, {both_without:.1f} s without: "
          f"{100 * (both_with - both_without) / both_without:+.1f}% (target < 15%)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", help="comma-separated tasks (default: every task)")
    parser.add_argument("--types", nargs="*", help="only these model types")
    parser.add_argument("--skip", nargs="*", default=[], choices=["coverage", "ingest"])
    parser.add_argument("--ingest", type=int, default=60, metavar="N", help="model types for the ingest A/B")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--configured-server", action="store_true")
    parser.add_argument("--graph", action="store_true", help="coverage over the trees stored in the configured graph")
    args = parser.parse_args()
    if "coverage" not in args.skip:
        bench_coverage(args.tasks.split(",") if args.tasks else None, args.types, args.graph)
    if "ingest" not in args.skip and args.ingest > 0:
        with nullcontext() if args.configured_server else scratch_server():
            bench_ingest(args.ingest, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
