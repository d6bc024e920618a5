"""Benchmark of the cost stage (``nnstruct.cost``, run in ingest's build workers): prints figures, asserts nothing.

1. ``trees``: every (model type, task) of the transformers catalogue, deduplicated by config hash as ingest does,
   built in worker processes exactly as ingest builds them (``run_job``: build, extract, hash, cost). Per distinct
   tree: the cost time (target: median under 150 ms); over the catalogue: the share of built trees whose FLOPs come
   from the forward pass (target: at least 85%), the share with any FLOPs (target: 100%), the main reasons for the
   analytic fallback, and the cost time against the build time. ``--out FILE`` keeps one JSON line per build.
2. ``ingest``: one task of the catalogue (default ``feature-extraction``: every model type once; ``--ingest-tasks ""``
   the whole catalogue) ingested with 2 workers into an empty scratch Neo4j twice, with the cost and then with
   ``--no-cost`` (the first run also warms the fresh server up, against the cost), and what the cost adds to the
   wall time (target: under 40%) and to the CPU time.

The machine may be shared: the load average is printed with the figures.

    python bench/cost.py
    python bench/cost.py --skip ingest --out /tmp/cost.jsonl
    python bench/cost.py --skip trees --ingest-tasks feature-extraction,text-generation --ingest-limit 100
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import clean, print_rows, scratch_server, skip_set  # noqa: E402  (bench/ingest.py)


def _reason_kind(reason: str | None) -> str:
    """A fallback reason without its model-specific details (numbers, names in quotes), to group by."""
    if not reason:
        return "-"
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", reason)
    text = re.sub(r"\d+", "N", text)
    return text[:110]


def _distinct_jobs(tasks: tuple[str, ...]) -> dict:
    """config hash -> BuildJob: the catalogue's (model type, task) pairs, one per structural config as ingest builds."""
    from nnstruct.ingest.meta_build import BuildJob, plan_build
    from nnstruct.ingest.options import IngestOptions
    from nnstruct.ingest.sources.catalogue import candidates
    from nnstruct.ingest.structural_config import config_hash, normalized_config

    options = IngestOptions(source="transformers", tasks=tasks)
    jobs: dict[str, BuildJob] = {}
    for candidate in candidates(options, lambda message: None):
        if candidate.config is None:
            continue
        try:
            plan = plan_build(candidate.config, candidate.task)
            key = config_hash(normalized_config(candidate.config), plan.built_by)
        except Exception:
            continue
        if plan.problem or plan.needs_remote_code or key in jobs:
            continue
        jobs[key] = BuildJob(candidate.id, candidate.task, candidate.config, timeout=300.0)
    return jobs


def bench_trees(workers: int, tasks: tuple[str, ...], out: Path | None) -> list[tuple[str, str]]:
    from nnstruct.ingest.build_pool import BuildPool

    jobs = _distinct_jobs(tasks)
    began = time.perf_counter()
    outcomes = []
    sink = open(out, "w") if out else None  # noqa: SIM115 (closed below)
    with BuildPool(workers) as pool:
        for job in jobs.values():
            pool.submit(job)
            for outcome in pool.results(block=pool.in_flight >= pool.capacity):
                outcomes.append(outcome)
        outcomes.extend(pool.drain())
    seconds = time.perf_counter() - began
    trees: dict[str, object] = {}
    for outcome in outcomes:
        if sink:
            cost = outcome.cost or {}
            sink.write(json.dumps({
                "id": outcome.id, "status": outcome.status, "reason": outcome.reason,
                "arch": outcome.arch.hash if outcome.arch else None, "build": outcome.build_seconds,
                "extract": outcome.extract_seconds, "cost": outcome.cost_seconds, "cost_cpu": outcome.cost_cpu_seconds,
                **{key: cost.get(key) for key in ("flops_method", "flops_reason", "flops_forward", "reference_input",
                                                   "kv_cache_bytes_per_token", "state_bytes_per_sequence")},
            }) + "\n")
        if outcome.status == "ok" and outcome.arch and outcome.arch.hash not in trees:
            trees[outcome.arch.hash] = outcome
    if sink:
        sink.close()
    built = list(trees.values())
    cost_times = [o.cost_seconds for o in built if o.cost_seconds is not None]
    cost_cpu = [o.cost_cpu_seconds for o in built if o.cost_cpu_seconds is not None]
    build_times = [o.build_seconds + o.extract_seconds for o in built]
    forward = [o for o in built if o.cost and o.cost["flops_method"] == "forward"]
    any_flops = [o for o in built if o.cost and o.cost.get("flops_forward")]
    reasons = Counter(_reason_kind(o.cost.get("flops_reason")) for o in built
                      if o.cost and o.cost["flops_method"] == "analytic")
    no_cost = len([o for o in built if not o.cost])
    rows = [
        (f"catalogue ({', '.join(tasks) or 'every task'}): builds", f"{len(jobs)} distinct configs built in "
         f"{seconds:.0f} s with {workers} workers; {len(built)} distinct trees ok"),
        ("cost time per distinct tree", f"median {statistics.median(cost_times) * 1000:.0f} ms, "
         f"p90 {statistics.quantiles(cost_times, n=10)[-1] * 1000:.0f} ms, max {max(cost_times):.1f} s "
         f"(target: median < 150 ms)"),
        ("  in the worker's CPU time", f"median {statistics.median(cost_cpu) * 1000:.0f} ms, "
         f"p90 {statistics.quantiles(cost_cpu, n=10)[-1] * 1000:.0f} ms, max {max(cost_cpu):.1f} s, "
         f"sum {sum(cost_cpu):.0f} s"),
        ("build + extract per distinct tree", f"median {statistics.median(build_times) * 1000:.0f} ms; cost / "
         f"(build + extract), summed: {sum(cost_times) / sum(build_times) * 100:.0f}%"),
        ("flops_method = forward", f"{len(forward)} of {len(built)} trees = {len(forward) / len(built) * 100:.1f}% "
         "(target: >= 85%)"),
        ("any FLOPs", f"{len(any_flops)} of {len(built)} = {len(any_flops) / len(built) * 100:.1f}% (target: 100%); "
         f"{no_cost} without a cost at all"),
    ]
    rows += [(f"  fallback: {count} x", reason) for reason, count in reasons.most_common(12)]
    return rows


def bench_repeats(sample: int, tasks: tuple[str, ...]) -> list[tuple[str, str]]:
    """Stacks run once against every layer run: on every k-th distinct config (``sample`` of them), the FLOPs of the
    short forward pass (nnstruct.cost.repeats) and of the full one, per module."""
    from nnstruct.cost.flops import _dense_experts, _eager_attention, count_forward
    from nnstruct.cost.inputs import candidates
    from nnstruct.cost.repeats import find_repeats
    from nnstruct.ingest.meta_build import BuildTimeout, build_on_meta, plan_build, time_limit
    from nnstruct.ingest.quiet import quiet

    jobs = list(_distinct_jobs(tasks).values())
    step = max(1, len(jobs) // sample) if sample else 1
    with_stacks = equal = ran = 0
    short_times, full_times, different = [], [], []
    for job in jobs[::step][:sample]:
        try:
            with quiet(), time_limit(120.0):
                model = build_on_meta(job, plan_build(job.config, job.task))
                model.eval()
                _eager_attention(model)
                _dense_experts(model)
                repeats = find_repeats(model)
                if not repeats:
                    continue
                with_stacks += 1
                for reference in candidates(model):
                    try:
                        began = time.perf_counter()
                        short = count_forward(model, reference, repeats)
                        middle = time.perf_counter()
                        full = count_forward(model, reference, [])
                    except Exception:
                        continue
                    short_times.append(middle - began)
                    full_times.append(time.perf_counter() - middle)
                    ran += 1
                    if (short.total, short.attention, short.per_module) == (full.total, full.attention,
                                                                            full.per_module):
                        equal += 1
                    else:
                        change = (short.total / full.total - 1) * 100 if full.total else 0
                        different.append(f"{job.id} (total {change:+.2f}%)")
                    break
        except (Exception, BuildTimeout):
            continue
    rows = [("stacks run once: sampled distinct configs", f"{len(jobs[::step][:sample])} (every {step}th); "
             f"{with_stacks} with stacks; {ran} ran both ways"),
            ("  short == full (total, attention, every module)", f"{equal} of {ran}"),
            ("  forward time, short / full", f"median {statistics.median(short_times or [0]) * 1000:.0f} ms / "
             f"{statistics.median(full_times or [0]) * 1000:.0f} ms")]
    rows += [("  differs", item) for item in different[:12]]
    return rows


class DescendantCpu:
    """CPU seconds (user + system) of this process and every process it starts (the build workers, which come and
    go: each is sampled every ``interval`` seconds while it lives, so at most that much of a worker's last moments
    is missed). On a loaded machine wall times stretch with the wait for a core; CPU times do not."""

    def __init__(self, interval: float = 0.25) -> None:
        import threading

        import psutil

        self.interval = interval
        self.me = psutil.Process()
        self.before = {self._key(p): self._cpu(p) for p in self._processes()}
        self.last: dict[tuple[int, float], float] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _processes(self) -> list:
        import psutil

        try:
            return [self.me, *self.me.children(recursive=True)]
        except psutil.Error:
            return [self.me]

    @staticmethod
    def _key(process) -> tuple[int, float]:
        return process.pid, process.create_time()

    @staticmethod
    def _cpu(process) -> float:
        times = process.cpu_times()
        return times.user + times.system

    def _sample(self) -> None:
        import psutil

        for process in self._processes():
            try:
                self.last[self._key(process)] = self._cpu(process)
            except psutil.Error:  # it just exited
                continue

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            self._sample()

    def stop(self) -> float:
        self.stopped.set()
        self.thread.join()
        self._sample()
        return sum(value - self.before.get(key, 0.0) for key, value in self.last.items())


def bench_ingest(graph, workers: int, tasks: tuple[str, ...], limit: int | None,
                 plain_first: bool = False) -> list[tuple[str, str]]:
    from components import server_cpu  # bench/components.py: the Neo4j server's CPU time
    from nnstruct.ingest.options import IngestOptions
    from nnstruct.ingest.runner import run_ingest, source_candidates

    seconds, cpu, server = {}, {}, {}
    rows = []
    # The run with the cost first: the first run on a fresh server also pays its warm-up (the JIT, the page cache),
    # which then counts against the cost, never for it (--plain-first: the other way round, to average the two).
    for cost in (False, True) if plain_first else (True, False):
        clean(graph)
        options = IngestOptions(source="transformers", tasks=tasks, workers=workers, cost=cost,
                                catalogue_limit=limit)
        began, began_server, meter = time.perf_counter(), server_cpu(), DescendantCpu()
        result = run_ingest(graph, source_candidates(options), options)
        seconds[cost] = time.perf_counter() - began
        cpu[cost], server[cost] = meter.stop(), server_cpu() - began_server
        what = f"{', '.join(tasks) or 'whole catalogue'}{f' (first {limit} model types)' if limit else ''}"
        rows.append((f"ingest {what}, {workers} workers, {'with' if cost else 'without'} cost",
                     f"{seconds[cost]:.1f} s: {result.builds} builds, {result.ok} ok, "
                     f"{result.architectures_created} trees, writing {result.write_seconds:.1f} s; CPU: "
                     f"{cpu[cost]:.0f} s ingest + workers, {server[cost]:.0f} s Neo4j"))
    rows.append(("what the cost adds to the ingest", f"{(seconds[True] / seconds[False] - 1) * 100:+.0f}% wall "
                 "(target: < 40%)"))
    both = {cost: cpu[cost] + server[cost] for cost in cpu}
    rows.append(("  in CPU time", f"{(cpu[True] / cpu[False] - 1) * 100:+.0f}% ingest + workers, "
                 f"{(both[True] / both[False] - 1) * 100:+.0f}% with Neo4j's"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tasks", default="", help="catalogue tasks for the trees part (default: every task)")
    parser.add_argument("--ingest-tasks", default="feature-extraction", help="catalogue tasks for the ingest part")
    parser.add_argument("--ingest-limit", type=int, default=None,
                        help="ingest part: model types per task (alphabetical; default: all)")
    parser.add_argument("--out", type=Path, default=None, help="trees part: one JSON line per build")
    parser.add_argument("--skip", default="", help="comma-separated: trees,ingest")
    parser.add_argument("--check-repeats", type=int, default=0, metavar="N",
                        help="also compare the short and the full forward pass on N sampled distinct configs")
    parser.add_argument("--plain-first", action="store_true",
                        help="ingest part: the run without the cost first (by default it goes second)")
    parser.add_argument("--configured-server", action="store_true",
                        help="use (and wipe!) the server NNSTRUCT_*/NEO4J_* configure instead of a scratch one")
    args = parser.parse_args()
    skip = skip_set(args.skip)

    from nnstruct.ingest.quiet import silence_libraries

    silence_libraries()
    rows: list[tuple[str, str]] = []
    load_before = os.getloadavg()[0]
    split = lambda text: tuple(part.strip() for part in text.split(",") if part.strip())  # noqa: E731
    if "trees" not in skip:
        rows += bench_trees(args.workers, split(args.tasks), args.out)
    if args.check_repeats:
        rows += bench_repeats(args.check_repeats, split(args.tasks))
    if "ingest" not in skip:
        with nullcontext() if args.configured_server else scratch_server():
            from nnstruct.graph.connection import connect
            from nnstruct.settings import Settings

            with connect(Settings()) as graph:
                rows += bench_ingest(graph, args.workers, split(args.ingest_tasks), args.ingest_limit, args.plain_first)
    import torch
    import transformers

    print(f"machine: {os.cpu_count()} cores, load average {load_before:.1f} at start, "
          f"{os.getloadavg()[0]:.1f} at end (shared machine: figures are indicative); "
          f"torch {torch.__version__}, transformers {transformers.__version__}")
    print_rows(rows)


if __name__ == "__main__":
    main()
