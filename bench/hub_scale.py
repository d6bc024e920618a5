"""Benchmark of nnstruct at hub scale, against the simulated hub (tests/support/fake_hub.py, in a process of its
own): prints each figure with its target, the machine line and the load, asserts nothing.

1. end to end, ``nnstruct ingest --source hub --limit 0`` (listed, fetched, built, written; 2 workers) into an
   empty graph with an empty config cache: the curve at --sizes (models over models/50 distinct configs; target
   at 100,000 over 2,000: < 10 min at latency 0), and one run at --latency (seconds per hub answer);
   peak RSS of the CLI process (target < 2 GiB);
2. link-only writes: models whose tree is stored, written --write-batch to a transaction (target >= 3,000/s),
   against one transaction per model;
3. ``nnstruct dedup --strategy both`` on the largest graph of 1, and over --dedup-trees stored distinct trees
   (real architectures perturbed, as bench/dedup.py makes them; target: 10,000 in < 60 s);
4. every shipped analysis query on the largest graph (view none and architecture; target < 2 s each) and
   ``nnstruct analyze`` (target < 3 min, peak RSS < 2 GiB);
5. an ingest of --kill-rerun models killed halfway (SIGKILL to the CLI and its build workers) and rerun: no
   duplicate or partial model, no partial tree, per-task counts equal to the models.

It starts its own Neo4j (--home, --bolt-port, --http-port; default a temporary home and free ports) and stops it.

    python bench/hub_scale.py                                   # the whole thing (long: run it once, quietly)
    python bench/hub_scale.py --sizes 10000 --skip dedup-trees  # a quick look
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.fake_hub
sys.path.insert(0, str(ROOT / "bench"))

from ingest import scratch_server, skip_set  # noqa: E402  (bench/ingest.py)

NNSTRUCT = str(Path(sys.executable).with_name("nnstruct"))
GIB = 1024 ** 3


def say(line: str) -> None:
    print(line, flush=True)


def machine() -> str:
    memory = psutil.virtual_memory().total / GIB
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, "
            f"Python {platform.python_version()}; load average now {load}")


# -- the server and the hub -----------------------------------------------------------------------------------------



def _serve(conn: Any, count: int, distinct: int, latency: float, page_size: int) -> None:
    from tests.support.fake_hub import FakeHub, tiny_configs

    hub = FakeHub(page_size=page_size)
    per_task = hub.add_simulated_hub(count, distinct, tiny_configs())
    hub.latency = latency
    hub.start()
    conn.send((hub.endpoint, per_task))
    conn.recv()  # until told to stop
    hub.stop()


@contextmanager
def simulated_hub(count: int, distinct: int, latency: float, page_size: int = 1000
                  ) -> Iterator[tuple[str, dict[str, int]]]:
    """The fake hub serving ``count`` models in a process of its own (its own GIL, as a real hub is elsewhere)."""
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(child, count, distinct, latency,
                                                                                page_size), daemon=True)
    process.start()
    endpoint, per_task = parent.recv()
    try:
        yield endpoint, per_task
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.kill()


# -- measuring a command ----------------------------------------------------------------------------------------------

def run_measured(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int, str]:
    """(seconds, peak RSS of the command's own process, peak RSS of its whole process tree, stderr tail)."""
    began = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, tree_peak = 0, 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak, tree_peak
        try:
            me = psutil.Process(process.pid)
            while not stop.is_set():
                try:
                    own = me.memory_info().rss
                    total = own + sum(child.memory_info().rss for child in me.children(recursive=True))
                except psutil.Error:
                    break
                peak, tree_peak = max(peak, own), max(tree_peak, total)
                time.sleep(0.2)
        except psutil.Error:
            pass

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, err = process.communicate()
    stop.set()
    watcher.join()
    seconds = time.perf_counter() - began
    if process.returncode not in (0, 1):
        say(f"  ! {' '.join(args[1:4])} exited {process.returncode}: {err[-2000:]}")
    return seconds, peak, tree_peak, err[-1500:]


def wipe() -> None:
    from nnstruct.graph.connection import connect
    from nnstruct.graph.schema import init_schema, reset
    from nnstruct.settings import Settings

    with connect(Settings()) as graph:
        reset(graph)
        init_schema(graph)


def graph_counts() -> dict[str, int]:
    from nnstruct.graph.connection import connect
    from nnstruct.settings import Settings

    with connect(Settings()) as graph:
        rows = graph.read("MATCH (m:Model) RETURN count(m) AS models, count(DISTINCT m.id) AS ids, "
                          "sum(CASE m.status WHEN 'ok' THEN 1 ELSE 0 END) AS ok")
        archs = graph.read("MATCH (a:Architecture) RETURN count(a) AS n")[0]["n"]
    return {**rows[0], "architectures": archs}


# -- 1. end to end --

def hub_env(endpoint: str, hf: str) -> dict[str, str]:
    env = {**os.environ, "HF_ENDPOINT": endpoint, "HF_HOME": hf, "HF_HUB_CACHE": str(Path(hf) / "hub"),
           "HF_HUB_DISABLE_TELEMETRY": "1", "HF_TOKEN": ""}
    env.pop("HF_HUB_OFFLINE", None)
    return env


def ingest_args(per_task: dict[str, int], workers: int) -> list[str]:
    return [NNSTRUCT, "ingest", "--source", "hub", "--tasks", ",".join(sorted(per_task)), "--limit", "0",
            "--min-models", "1", "--workers", str(workers)]


def end_to_end(count: int, distinct: int, latency: float, workers: int) -> dict[str, Any]:
    wipe()
    with simulated_hub(count, distinct, latency) as (endpoint, per_task), \
            tempfile.TemporaryDirectory(prefix="nnstruct-hf-") as hf:
        seconds, peak, tree_peak, err = run_measured(ingest_args(per_task, workers), hub_env(endpoint, hf))
    counts = graph_counts()
    return {"models": count, "configs": distinct, "latency": latency, "seconds": seconds,
            "rate": count / seconds, "rss": peak, "tree_rss": tree_peak, **counts, "stderr": err}


def bench_curve(sizes: list[int], latency_size: int, latency: float, workers: int) -> dict[str, Any]:
    say("\n1. end to end: nnstruct ingest --source hub --limit 0, the simulated hub in its own process, "
        f"{workers} build workers, empty graph and config cache")
    results = []
    if latency and latency_size:  # first, so the graph left behind is the largest latency-0 run's
        distinct = max(10, latency_size // 50)
        result = end_to_end(latency_size, distinct, latency, workers)
        say(f"  {latency_size:>7,} models over {distinct:>5,} configs, latency {latency * 1000:.0f} ms per answer: "
            f"{result['seconds']:7.1f} s, {result['rate']:6.0f} models/s, {result['ok']:,} ok; load "
            f"{os.getloadavg()[0]:.2f}")
    for count in sizes:
        distinct = max(10, count // 50)
        result = end_to_end(count, distinct, 0.0, workers)
        results.append(result)
        target = "  (target < 600 s)" if count == 100_000 else ""
        say(f"  {count:>7,} models over {distinct:>5,} configs, latency 0: {result['seconds']:7.1f} s, "
            f"{result['rate']:6.0f} models/s, {result['ok']:,} ok / {result['ids']:,} stored (of {result['models']:,}"
            f" rows), {result['architectures']:,} trees; CLI peak RSS {result['rss'] / GIB:.2f} GiB "
            f"(tree {result['tree_rss'] / GIB:.2f} GiB){target}; load {os.getloadavg()[0]:.2f}")
    if len(results) >= 2:
        first, last = results[0], results[-1]
        per_model = [(r["seconds"] / r["models"]) * 1000 for r in results]
        say("  per model: " + ", ".join(f"{r['models']:,}: {p:.2f} ms" for r, p in zip(results, per_model,
                                                                                         strict=True))
            + f" (linear would keep it flat; {last['models'] / first['models']:.0f}x the models took "
              f"{last['seconds'] / first['seconds']:.1f}x the time)")
        say(f"  extrapolated to 1,000,000 models over 20,000 configs at the {last['models']:,} rate: "
            f"{1_000_000 * per_model[-1] / 1000 / 60:.0f} min")
    return {"runs": results}


# -- 2. link-only writes --

def bench_link_only(count: int, batch: int) -> None:
    from nnstruct.graph.connection import connect
    from nnstruct.graph.schema import init_schema, reset
    from nnstruct.ingest.candidates import Candidate
    from nnstruct.ingest.options import IngestOptions
    from nnstruct.ingest.runner import run_ingest
    from nnstruct.settings import Settings
    from tests.support.fake_hub import tiny_configs

    configs = tiny_configs()
    names = sorted(configs)

    def candidates(n: int, offset: int) -> list[Candidate]:
        out = []
        for i in range(n):
            name = names[i % len(names)]
            task, config = configs[name]
            out.append(Candidate(f"org{i % 97}/{name}-ft-{offset + i}", task, "hub", config=config,
                                 metadata={"downloads": n - i, "likes": i % 100, "pipeline_tag": task,
                                           "library_name": "transformers", "gated": False, "private": False}))
        return out

    say(f"\n2. link-only writes: models whose tree is stored (10 configs built first), {batch} per transaction")
    with connect(Settings()) as graph:
        reset(graph)
        init_schema(graph)
        run_ingest(graph, candidates(10, 0), IngestOptions(source="hub", workers=0))
        for n, size, label in ((2_000, 1, "one transaction per model (before)"), (count, batch, "batched")):
            batch_of = candidates(n, 10_000_000 if size == 1 else 0)
            result = run_ingest(graph, batch_of, IngestOptions(source="hub", workers=0, write_batch=size))
            linked = sum(r.linked for r in result.results)
            target = "  (target >= 3,000/s)" if size > 1 else ""
            say(f"  {label}: {linked:,} models linked, writes {result.write_seconds:.1f} s = "
                f"{linked / result.write_seconds:,.0f} models/s; the whole run {result.seconds:.1f} s = "
                f"{linked / result.seconds:,.0f} models/s{target}; load {os.getloadavg()[0]:.2f}")


# -- 3. dedup --

def dedup_cli(what: str, target: str) -> float:
    seconds, peak, _, err = run_measured([NNSTRUCT, "dedup", "--strategy", "both"])
    timing = next((line.strip() for line in err.splitlines() if line.strip().startswith("time:")),
                  err.strip().splitlines()[-1][:200] if err.strip() else "")
    say(f"  nnstruct dedup --strategy both over {what}: {seconds:.1f} s ({timing}); peak RSS {peak / GIB:.2f} GiB"
        f"{target}; load {os.getloadavg()[0]:.2f}")
    return seconds


def store_trees(count: int, seed: int) -> None:
    """``count`` distinct real trees (bench/dedup.py's perturbed architectures), each stored as ingest stores a
    built model's tree (modules, WL hash, dedup features), shared by one model each."""
    import random

    spec = importlib.util.spec_from_file_location("bench_dedup", ROOT / "bench" / "dedup.py")
    assert spec is not None and spec.loader is not None
    bench_dedup = importlib.util.module_from_spec(spec)
    sys.modules["bench_dedup"] = bench_dedup  # dataclasses look their module up
    spec.loader.exec_module(bench_dedup)
    build_bases, variant_tree, variants = bench_dedup.build_bases, bench_dedup.variant_tree, bench_dedup.variants
    from nnstruct.graph.connection import connect
    from nnstruct.graph.writer import GraphWriter
    from nnstruct.settings import Settings
    from nnstruct.tree.features import tree_features
    from nnstruct.tree.wl import HashMemo, tree_hash

    bases = build_bases()
    recipes = variants(bases, count, random.Random(seed))
    memo = HashMemo()
    began = time.perf_counter()
    modules = 0
    with connect(Settings()) as graph:
        writer = GraphWriter(graph)
        for number, recipe in enumerate(recipes):
            name, tree = variant_tree(bases, recipe)
            arch = tree_hash(tree, memo=memo)
            model = {"id": f"bench/{name}", "name": name, "source": "hub", "task": bases[recipe[0]].task,
                     "status": "ok", "downloads": count - number, "model_type": bases[recipe[0]].name,
                     "class_name": tree.root_class, "arch_hash": arch.hash}
            write = writer.write_model(model, {"name": bases[recipe[0]].task}, tree, arch,
                                       features=tree_features(tree, memo=memo))
            modules += write.modules
            if (number + 1) % 1000 == 0:
                say(f"    stored {number + 1:,} trees ({modules:,} modules) in {time.perf_counter() - began:.0f} s")
    say(f"  stored {count:,} distinct trees ({modules:,} modules) in {time.perf_counter() - began:.0f} s")


def bench_dedup_trees(count: int) -> None:
    say(f"\n3b. dedup over {count:,} stored distinct trees (real architectures perturbed; one model each)")
    wipe()
    store_trees(count, seed=15)
    dedup_cli(f"{count:,} distinct trees, features stored by ingest", "  (target < 60 s at 10,000)")
    from nnstruct.graph.connection import connect
    from nnstruct.settings import Settings

    sample = min(count, 500)
    with connect(Settings()) as graph:
        graph.write("MATCH (a:Architecture) WITH a ORDER BY a.hash LIMIT $n REMOVE a.features_settings",
                    {"n": sample})
    dedup_cli(f"{count:,} trees of which {sample} lack features (an older graph: read from their modules)", "")


# -- 5. killed and rerun --

def integrity() -> dict[str, int]:
    """What a killed run must not leave: duplicate or partial models, partial trees, counts behind the models."""
    from nnstruct.graph.aggregates import stale_tasks
    from nnstruct.graph.connection import connect
    from nnstruct.settings import Settings

    with connect(Settings()) as graph:
        models = graph.read(
            "MATCH (m:Model) RETURN count(m) AS models, count(DISTINCT m.id) AS ids, "
            "sum(CASE WHEN m.status = 'ok' THEN 1 ELSE 0 END) AS ok, "
            "sum(CASE WHEN m.status IS NULL OR COUNT { (m)-[:FOR_TASK]->() } <> 1 "
            "  OR (m.status = 'ok') <> (COUNT { (m)-[:HAS_ARCHITECTURE]->() } = 1) THEN 1 ELSE 0 END) AS partial")[0]
        trees = graph.read("MATCH (a:Architecture) RETURN count(a) AS trees, sum(CASE WHEN COUNT { (mod:Module "
                           "{arch_hash: a.hash}) } <> a.module_count THEN 1 ELSE 0 END) AS partial_trees")[0]
        counted = graph.read("MATCH (:Task)-[c:TASK_ARCHITECTURE {view: 'none'}]->() RETURN sum(c.models) AS n")[0]
        return {**models, **trees, "counted": counted["n"] or 0, "stale_tasks": len(stale_tasks(graph))}


def bench_kill_rerun(count: int, workers: int) -> None:
    from nnstruct.graph.connection import connect
    from nnstruct.settings import Settings

    distinct = max(10, count // 50)
    say(f"\n5. an ingest of {count:,} models over {distinct:,} configs killed (SIGKILL, CLI and build workers) "
        "halfway, then rerun to the end")
    wipe()
    with simulated_hub(count, distinct, 0.0) as (endpoint, per_task), \
            tempfile.TemporaryDirectory(prefix="nnstruct-hf-") as hf:
        env = hub_env(endpoint, hf)
        began = time.perf_counter()
        process = subprocess.Popen(ingest_args(per_task, workers), env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        stored = 0
        with connect(Settings()) as graph:
            while process.poll() is None and stored < count // 2:
                time.sleep(2)
                stored = graph.read("MATCH (m:Model) RETURN count(m) AS n")[0]["n"]
        tree = [process.pid] + [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
        for pid in tree:
            with suppress(ProcessLookupError):
                os.kill(pid, 9)
        process.wait()
        killed_at = time.perf_counter() - began
        before = integrity()
        say(f"  killed after {killed_at:.0f} s with {before['models']:,} models stored ({before['ok']:,} ok); "
            f"partial models {before['partial']}, partial trees {before['partial_trees']}, tasks owing a recount "
            f"{before['stale_tasks']}")
        seconds, _, _, _ = run_measured(ingest_args(per_task, workers), env)
    after = integrity()
    clean = (after["models"] == after["ids"] == count and after["partial"] == 0 and after["partial_trees"] == 0
             and after["counted"] == after["ok"] and after["stale_tasks"] == 0)
    say(f"  rerun: {seconds:.1f} s; {after['models']:,} models ({after['ids']:,} distinct ids, of {count:,} listed), "
        f"{after['ok']:,} ok, {after['trees']:,} trees; partial models {after['partial']}, partial trees "
        f"{after['partial_trees']}; counted per task {after['counted']:,}; tasks owing a recount "
        f"{after['stale_tasks']}: {'no duplicate or partial model' if clean else 'NOT CLEAN'}; "
        f"load {os.getloadavg()[0]:.2f}")


# -- 4. analysis --

def bench_queries() -> None:
    from nnstruct.analysis.analyze import analysis_names
    from nnstruct.graph.connection import connect
    from nnstruct.graph.query_runner import run_query
    from nnstruct.queries.query_file import load
    from nnstruct.settings import Settings

    say("\n4. every shipped analysis query on this graph (target < 2 s each), second run (warm page cache)")
    with connect(Settings()) as graph:
        for view in ("none", "architecture"):
            slow = []
            for name in analysis_names():
                query = load(name)
                params = {"view": view, "tasks": None}
                try:
                    run_query(graph, query, params)
                    rows = run_query(graph, query, params)
                except Exception as exc:  # e.g. the server's transaction memory: say so, go on
                    say(f"  view {view:<12} {name:<38} FAILED: {str(exc).splitlines()[0][:150]}")
                    slow.append(name)
                    continue
                flag = "" if rows.seconds < 2 else "  OVER 2 s"
                say(f"  view {view:<12} {name:<38} {rows.seconds:6.2f} s  {len(rows.values):>6} rows{flag}")
                if rows.seconds >= 2:
                    slow.append(name)
            say(f"  view {view}: {len(analysis_names()) - len(slow)}/{len(analysis_names())} under 2 s"
                + (f"; over: {', '.join(slow)}" if slow else ""))


def bench_analyze() -> None:
    with tempfile.TemporaryDirectory(prefix="nnstruct-analyze-") as out:
        seconds, peak, tree_peak, err = run_measured([NNSTRUCT, "analyze", "--view", "none", "--output-dir", out])
    say(f"  nnstruct analyze --view none: {seconds:.1f} s (target < 180 s); CLI peak RSS {peak / GIB:.2f} GiB "
        f"(with its chart workers {tree_peak / GIB:.2f} GiB; target < 2 GiB); load {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000", help="models per end-to-end run (the curve)")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per hub answer for the latency run")
    parser.add_argument("--latency-size", type=int, default=100_000, help="models of the latency run (0: none)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--link-only", type=int, default=50_000, help="models of the link-only write figure")
    parser.add_argument("--write-batch", type=int, default=2000)
    parser.add_argument("--dedup-trees", type=int, default=10_000)
    parser.add_argument("--kill-rerun", type=int, default=100_000, help="models of the killed-and-rerun ingest")
    parser.add_argument("--skip", default="", help="comma-separated: curve, latency, dedup, queries, analyze, "
                                                   "link-only, dedup-trees, kill-rerun")
    parser.add_argument("--home", type=Path, help="Neo4j home for the bench (default: a temporary one)")
    parser.add_argument("--bolt-port", type=int)
    parser.add_argument("--http-port", type=int)
    args = parser.parse_args()
    skip = skip_set(args.skip)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    say(machine())
    with scratch_server(args.home, args.bolt_port, args.http_port, prefix="nnstruct-hub-scale-"):
        say(f"Neo4j: {os.environ['NNSTRUCT_HOME']} (heap {os.environ.get('NNSTRUCT_NEO4J_HEAP', '1g')}, page cache "
            f"{os.environ.get('NNSTRUCT_NEO4J_PAGECACHE', '512m')})")
        if "curve" not in skip:
            bench_curve(sizes, 0 if "latency" in skip else args.latency_size, args.latency, args.workers)
        counts = graph_counts()
        say(f"\n3. dedup on the graph of {counts['models']:,} models, {counts['architectures']:,} trees")
        if "dedup" not in skip:
            dedup_cli(f"{counts['models']:,} models", "")
        if "queries" not in skip:
            bench_queries()
        if "analyze" not in skip:
            bench_analyze()
        if "link-only" not in skip:
            bench_link_only(args.link_only, args.write_batch)
        if "dedup-trees" not in skip:
            bench_dedup_trees(args.dedup_trees)
        if "kill-rerun" not in skip and args.kill_rerun:
            bench_kill_rerun(args.kill_rerun, args.workers)
    say("\n" + machine())


if __name__ == "__main__":
    main()
