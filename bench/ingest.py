"""Benchmark of ``nnstruct ingest``: prints figures, asserts nothing.

1. meta device vs real weights: a sample of catalogue models (small enough to allocate on CPU) built both ways in
   the same run; median of the per-model ratio (targets: >= 10x).
2. module nodes written per second: built trees written again and again under fresh hashes, the sustained rate
   after a warm-up (target: >= 20,000/s); the warm-up's own rate is printed too.
3. the catalogue's base models (one task, ``feature-extraction``: every model type) ingested with 2 workers into an
   empty graph (target: < 3 min).
4. 1,000 hub-like models over 10 distinct configs (synthesized candidates, source "hub") ingested with 2 workers
   into an empty graph (target: < 30 s).

By default the benchmark starts its own scratch Neo4j (a temporary NNSTRUCT_HOME and free ports) and stops it at
the end, so it never touches your graph; ``--configured-server`` uses (and WIPES) the server the environment
configures instead. The machine may be shared: the load average is printed with the figures.

    python bench/ingest.py
    python bench/ingest.py --sample 10 --skip catalogue
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

NNSTRUCT = str(Path(sys.executable).with_name("nnstruct"))
REAL_WEIGHTS_MAX_PARAMS = 150_000_000  # keep the real-weights builds within memory and minutes


def skip_set(text: str) -> set[str]:
    """The parts a ``--skip a,b`` option names."""
    return {part.strip() for part in text.split(",") if part.strip()}


def print_rows(rows: list[tuple[str, str]]) -> None:
    """A bench's figures, one ``name  value`` line each, the names aligned."""
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


@contextmanager
def scratch_server(home: Path | None = None, bolt: int | None = None, http: int | None = None,
                   prefix: str = "nnstruct-ingest-bench-") -> Iterator[None]:
    """A Neo4j of our own for the run, configured through the environment this process passes on: in ``home``
    (kept afterwards) or a temporary folder (deleted), on the given ports or free ones."""
    from nnstruct.graph.server.ports import free_port

    own = home is None
    home = home or Path(tempfile.mkdtemp(prefix=prefix))
    for key in [k for k in os.environ if k.startswith("NEO4J_")]:
        del os.environ[key]
    os.environ.update(NNSTRUCT_HOME=str(home), NNSTRUCT_BOLT_PORT=str(bolt or free_port()),
                      NNSTRUCT_HTTP_PORT=str(http or free_port()))
    started = subprocess.run([NNSTRUCT, "neo4j", "start", "--timeout", "300"], capture_output=True, text=True)
    if started.returncode != 0:
        sys.exit(f"cannot start a scratch Neo4j:\n{started.stderr}")
    try:
        yield
    finally:
        subprocess.run([NNSTRUCT, "neo4j", "stop"], capture_output=True)
        if own:
            shutil.rmtree(home, ignore_errors=True)


def clean(graph) -> None:
    from nnstruct.graph.schema import init_schema, reset

    reset(graph)
    init_schema(graph)


def sample_model_types(count: int) -> list[str]:
    from nnstruct.ingest.tasks import all_tasks

    types = sorted(all_tasks()["feature-extraction"].model_classes)
    step = max(1, len(types) // (count * 3))
    return types[::step]  # more than needed: some fail, some are too big for real weights


def bench_meta_vs_real(count: int) -> list[tuple[str, str]]:
    import torch
    import transformers

    from nnstruct.ingest.meta_build import BuildJob, build_on_meta, plan_build
    from nnstruct.ingest.quiet import quiet
    from nnstruct.ingest.sources.catalogue import default_config

    torch.set_num_threads(1)
    rows, ratios, meta_times, real_times = [], [], [], []
    for model_type in sample_model_types(count):
        if len(ratios) >= count:
            break
        try:
            config = default_config(model_type)
            plan = plan_build(config, "feature-extraction")
            job = BuildJob(model_type, "feature-extraction", config)
            with quiet():
                build_on_meta(job, plan)  # warm: imports the model's module, like a worker's first build
                began = time.perf_counter()
                model = build_on_meta(job, plan)
                meta = time.perf_counter() - began
            params = sum(p.numel() for p in model.parameters())
            if params > REAL_WEIGHTS_MAX_PARAMS:
                continue
            from transformers.models.auto.configuration_auto import CONFIG_MAPPING

            with quiet():
                real_config = CONFIG_MAPPING[plan.model_type].from_dict(dict(config))
                began = time.perf_counter()
                real = getattr(transformers, plan.auto_class).from_config(real_config)
                real_seconds = time.perf_counter() - began
            del real
        except Exception:
            continue
        ratios.append(real_seconds / meta)
        meta_times.append(meta)
        real_times.append(real_seconds)
        rows.append((f"  {model_type} ({params / 1e6:.0f}M params)",
                     f"meta {meta * 1000:.0f} ms, real {real_seconds * 1000:.0f} ms, x{real_seconds / meta:.1f}"))
    summary = [
        (f"meta vs real weights, {len(ratios)} models", f"median ratio x{statistics.median(ratios):.1f} "
         f"(median meta {statistics.median(meta_times) * 1000:.0f} ms, real {statistics.median(real_times) * 1000:.0f}"
         f" ms; meta {len(ratios) / sum(meta_times):.1f} models/s)"),
    ]
    return summary + rows


def bench_writes(graph, warmup_modules: int, measured_modules: int) -> list[tuple[str, str]]:
    """Trees written again and again under fresh hashes. A fresh server's JIT needs on the order of 100,000
    module nodes to warm up, so the first ``warmup_modules`` are reported apart from the sustained rate over the
    next ``measured_modules`` (a catalogue ingest writes ~730,000 modules: it spends most of its time warm)."""
    from nnstruct.graph.writer import GraphWriter
    from nnstruct.ingest.meta_build import BuildJob, run_job
    from nnstruct.ingest.sources.catalogue import default_config

    clean(graph)
    writer = GraphWriter(graph)
    outcomes = [run_job(BuildJob(mt, task, default_config(mt)))
                for mt, task in [("bert", "fill-mask"), ("t5", "text2text-generation"), ("vit", "image-classification"),
                                 ("nllb-moe", "feature-extraction")]]
    outcomes = [o for o in outcomes if o.status == "ok"]

    def writes() -> Iterator[tuple[str, int, float]]:
        """(tree, modules, seconds) of one write after another, each tree under a fresh hash."""
        for round_ in itertools.count():
            for outcome in outcomes:
                arch = replace(outcome.arch, hash=f"bench{round_}-{outcome.arch.hash}")
                began = time.perf_counter()
                result = writer.write_model({"id": f"bench/{round_}/{outcome.id}", "status": "ok"},
                                            {"name": "bench", "auto_class": None}, outcome.tree, arch)
                yield outcome.id, result.modules, time.perf_counter() - began

    def take(stream: Iterator[tuple[str, int, float]], modules: int) -> list[tuple[str, int, float]]:
        """Writes from ``stream`` until they hold ``modules`` module nodes (or the stream ends)."""
        part, total = [], 0
        for write in stream:
            part.append(write)
            total += write[1]
            if total >= modules:
                break
        return part

    def count(part: list[tuple[str, int, float]]) -> int:
        return sum(m for _, m, _ in part)

    def rate(part: list[tuple[str, int, float]]) -> float:
        return count(part) / sum(s for _, _, s in part)

    stream = writes()
    cold = take(stream, warmup_modules)
    warm = take(stream, measured_modules)
    windows, remaining = [], iter(warm)  # ~50,000-module windows show the spread (GC, checkpoints)
    while count(window := take(remaining, 50_000)) >= 50_000:
        windows.append(rate(window))
    sizes = ", ".join(f"{o.id} {o.tree.module_count}" for o in outcomes)
    trees = ", ".join(f"{o.id} {o.tree.module_count / statistics.median(s for t, _, s in warm if t == o.id):,.0f}/s"
                      for o in outcomes)
    return [(f"module nodes written, sustained (trees: {sizes})",
             f"{rate(warm):,.0f} modules/s: {count(warm):,} modules in {sum(s for _, _, s in warm):.1f} s, "
             f"after a warm-up of {count(cold):,}"),
            ("  warm-up (the server's first module writes)", f"{rate(cold):,.0f} modules/s"),
            ("  sustained, per ~50,000-module window", ", ".join(f"{r:,.0f}/s" for r in windows)),
            ("  sustained, per tree (median transaction)", trees)]


def bench_catalogue(graph, workers: int) -> list[tuple[str, str]]:
    from nnstruct.ingest.options import IngestOptions
    from nnstruct.ingest.runner import run_ingest, source_candidates

    clean(graph)
    options = IngestOptions(source="transformers", tasks=("feature-extraction",), workers=workers)
    began = time.perf_counter()
    result = run_ingest(graph, source_candidates(options), options)
    seconds = time.perf_counter() - began
    counts = result.counts()["feature-extraction"]
    return [(f"catalogue base models (feature-extraction), {workers} workers",
             f"{seconds:.1f} s for {len(result.results)} models: {counts['ok']} ok, {counts['skipped']} skipped, "
             f"{counts['failed']} failed; {result.modules_written:,} modules written "
             f"(writing {result.write_seconds:.1f} s)")]


def hub_like_candidates(models: int, configs: int):
    from nnstruct.ingest.candidates import Candidate
    from nnstruct.ingest.sources.catalogue import default_config

    bert = default_config("bert")
    variants = [{**bert, "num_hidden_layers": 1 + i % 12, "hidden_size": 64 * (1 + i // 12) * 4,
                 "num_attention_heads": 4, "intermediate_size": 1024} for i in range(configs)]
    for i in range(models):
        config = dict(variants[i % configs])
        config["_name_or_path"] = f"bench-org/model-{i}"
        config["id2label"] = {"0": f"NEG-{i}", "1": f"POS-{i}"}
        config["label2id"] = {f"NEG-{i}": 0, f"POS-{i}": 1}
        yield Candidate(f"bench-org/model-{i}", "text-classification", "hub", config=config,
                        metadata={"downloads": 10_000 - i, "likes": i % 50, "pipeline_tag": "text-classification",
                                  "library_name": "transformers", "gated": False, "private": False})


def bench_hub_like(graph, workers: int, models: int = 1000, configs: int = 10) -> list[tuple[str, str]]:
    from nnstruct.ingest.options import IngestOptions
    from nnstruct.ingest.runner import run_ingest

    clean(graph)
    options = IngestOptions(source="hub", workers=workers)
    began = time.perf_counter()
    result = run_ingest(graph, hub_like_candidates(models, configs), options)
    seconds = time.perf_counter() - began
    return [(f"{models} hub-like models over {configs} configs, {workers} workers",
             f"{seconds:.1f} s: {result.builds} builds, {result.architectures_created} architectures, "
             f"{result.ok} ok, {len(result.failures)} failed; writing {result.write_seconds:.1f} s")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=20, help="models in the meta vs real weights comparison")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup-modules", type=int, default=100_000,
                        help="module nodes written before the sustained write rate is measured")
    parser.add_argument("--measured-modules", type=int, default=200_000,
                        help="module nodes over which the sustained write rate is measured")
    parser.add_argument("--skip", default="", help="comma-separated: meta,writes,catalogue,hub")
    parser.add_argument("--configured-server", action="store_true",
                        help="use (and wipe!) the server NNSTRUCT_*/NEO4J_* configure instead of a scratch one")
    args = parser.parse_args()
    skip = skip_set(args.skip)

    from nnstruct.ingest.quiet import silence_libraries

    silence_libraries()
    rows: list[tuple[str, str]] = []
    load_before = os.getloadavg()[0]
    if "meta" not in skip:
        rows += bench_meta_vs_real(args.sample)
    server = nullcontext() if args.configured_server else scratch_server()
    with server:
        from nnstruct.graph.connection import connect
        from nnstruct.settings import Settings

        with connect(Settings()) as graph:
            if "writes" not in skip:
                rows += bench_writes(graph, args.warmup_modules, args.measured_modules)
            if "catalogue" not in skip:
                rows += bench_catalogue(graph, args.workers)
            if "hub" not in skip:
                rows += bench_hub_like(graph, args.workers)
    import torch
    import transformers

    print(f"machine: {os.cpu_count()} cores, load average {load_before:.1f} at start, "
          f"{os.getloadavg()[0]:.1f} at end (shared machine: figures are indicative); "
          f"torch {torch.__version__}, transformers {transformers.__version__}")
    print_rows(rows)


if __name__ == "__main__":
    main()
