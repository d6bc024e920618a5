"""Benchmark of ``nnstruct analyze`` on the graph the environment points at (fill it first, e.g. with
``nnstruct ingest --source transformers`` for the whole catalogue, then ``nnstruct dedup --strategy both``).

Prints the size of the graph, then the whole analysis as ``run_analysis`` does it (every query, chart,
statistics file and the report) with the time of each step, then each query once more warm (plans cached),
and flags any query slower than the 2-second budget. The machine is shared: figures are indicative.

    python bench/analyze.py                             # view none, all tasks, into a temporary folder
    python bench/analyze.py --view name --keep out/     # keep the output
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from nnstruct.analysis.analyze import analysis_names, run_analysis
from nnstruct.analysis.params import tasks_param
from nnstruct.analysis.runner import run_file
from nnstruct.graph.connection import connect
from nnstruct.graph.schema import graph_status
from nnstruct.queries.query_file import load
from nnstruct.settings import Settings

SLOW_QUERY_SECONDS = 2.0
BUDGET_SECONDS = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--view", default="none", choices=("none", "name", "architecture"))
    parser.add_argument("--tasks", default=None, help="comma-separated tasks (default: all)")
    parser.add_argument("--keep", type=Path, default=None, help="write the output here instead of a temp folder")
    args = parser.parse_args(argv)

    with connect(Settings()) as graph:
        status = graph_status(graph)
        print(f"graph: {status.get('models', 0):,} models, {status.get('architectures', 0):,} architectures, "
              f"{status.get('modules', 0):,} modules, {status.get('relationships', 0):,} relationships "
              f"({status.get('name')} {status.get('version')})")
        with tempfile.TemporaryDirectory() as temporary:
            folder = args.keep or Path(temporary) / f"analysis_result_{args.view}"
            started = time.perf_counter()
            result = run_analysis(graph, args.view, tasks_param(args.tasks), folder)
            total = time.perf_counter() - started

        print(f"\nwhole analysis, view {args.view}: {total:.1f} s "
              f"({'within' if total < BUDGET_SECONDS else 'OVER'} the {BUDGET_SECONDS:.0f} s budget); "
              f"{len(result.charts)} charts, {len(result.csvs)} CSVs, {len(result.statistics)} statistics files")
        by_kind: dict[str, float] = {}
        for step in result.steps:
            by_kind[step.kind] = by_kind.get(step.kind, 0.0) + step.seconds
        print("  time by kind: " + ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in by_kind.items()))
        print(f"\n{'seconds':>8}  {'kind':<6}  {'rows/files':>10}  step")
        for step in result.steps:
            rows = "" if step.rows is None else f"{step.rows:,}"
            print(f"{step.seconds:8.2f}  {step.kind:<6}  {rows:>10}  {step.name}")

        print(f"\nwarm re-run of each query (view {args.view}):")
        slow = []
        params = {"view": args.view, "tasks": tasks_param(args.tasks)}
        for name in [*analysis_names(), "analysis/run_info"]:
            rerun = run_file(graph, load(name), params)
            flag = "  SLOW" if rerun.seconds > SLOW_QUERY_SECONDS else ""
            print(f"{rerun.seconds:8.2f}  {len(rerun.frame):>10,}  {name}{flag}")
            if flag:
                slow.append(name)
        if slow:
            print(f"queries over {SLOW_QUERY_SECONDS:.0f} s: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
