"""Coverage of ``nnstruct ingest --source transformers``: how many model types build, and why the others do not.

Runs the real code path without Neo4j: the catalogue source's candidates (``nnstruct.ingest.sources.catalogue``)
and the worker's build (``nnstruct.ingest.meta_build.run_job``), in this process. For each model type its tasks
are tried in the catalogue's order until one builds. Coverage = model types that build for at least one task /
model types that have at least one task model. Prints the figure and the failures grouped by reason.

    python bench/catalogue_coverage.py
    python bench/catalogue_coverage.py --types ministral esm dinat
    python bench/catalogue_coverage.py --no-repairs   # transformers' default configs as they are
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict

from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.meta_build import BuildJob, run_job
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.sources import catalogue, catalogue_repairs


def _group(reason: str) -> str:
    """A reason with model-specific details (numbers, quoted names) blurred, to group similar failures."""
    return re.sub(r"'[^']*'|\d+", "…", reason)[:120]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--types", nargs="*", help="only these model types")
    parser.add_argument("--no-repairs", action="store_true", help="do not apply catalogue_repairs (the baseline)")
    args = parser.parse_args()
    if args.no_repairs:
        catalogue_repairs.REPAIRS.clear()

    by_type: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in catalogue.candidates(IngestOptions(source="transformers"), lambda message: print(message)):
        model_type = candidate.id.split("/")[1]  # the registry's key (a config may name another model_type)
        if not args.types or model_type in args.types:
            by_type[model_type].append(candidate)

    started = time.perf_counter()
    built: dict[str, str] = {}  # model type -> the task it built for
    failed: dict[str, tuple[str, str]] = {}  # model type -> (status, reason of its first task)
    repaired: dict[str, list[str]] = {}
    for model_type, candidates in sorted(by_type.items()):
        first: tuple[str, str] | None = None
        for candidate in candidates:
            if candidate.config is None:
                outcome_status, outcome_reason = candidate.status or "failed", candidate.reason or "no config"
            else:
                outcome = run_job(BuildJob(candidate.id, candidate.task, candidate.config))
                outcome_status, outcome_reason = outcome.status, outcome.reason or ""
            if outcome_status == "ok":
                built[model_type] = candidate.task
                break
            first = first or (outcome_status, outcome_reason)
        else:
            failed[model_type] = first or ("failed", "no candidate")
        if candidate.metadata.get("config_repairs"):
            repaired[model_type] = candidate.metadata["config_repairs"]

    total = len(by_type)
    print(f"\ncoverage: {len(built)}/{total} model types build for at least one task "
          f"({100 * len(built) / max(total, 1):.1f}%) in {time.perf_counter() - started:.0f} s")
    if repaired:
        print(f"\nconfig repairs ({len(repaired)} model types, {sum(t in built for t in repaired)} of them build):")
        for model_type, repairs in sorted(repaired.items()):
            print(f"  {model_type:32} {', '.join(repairs)}{'' if model_type in built else '  (still fails)'}")
    groups: dict[str, list[str]] = defaultdict(list)
    for model_type, (status, reason) in failed.items():
        groups[f"{status}: {_group(reason)}"].append(model_type)
    print(f"\nnot built ({len(failed)} model types), by reason:")
    for group, types in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        print(f"  [{len(types)}] {group}")
        for model_type in types:
            print(f"        {model_type}: {failed[model_type][1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
