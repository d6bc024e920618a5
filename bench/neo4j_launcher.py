"""Benchmark of the local Neo4j launcher: first start on a "fresh machine", a later start, memory, stop.

A fresh machine here means an empty NNSTRUCT_HOME and, unless --warm-maven, an empty Maven repository
(``MAVEN_OPTS=-Dmaven.repo.local=<empty temp dir>``), so the first start downloads every jar and Maven plugin
from Maven Central. Everything runs through the real ``nnstruct`` command, in temporary folders that are
deleted at the end; ports are picked free at run time.

Printed: wall time of each command as a person sees it, the time the launcher reports for assembly and for
the server to answer, the server's resident memory (RSS) idle after start, the jars' size on disk.

    python bench/neo4j_launcher.py                 # empty Maven repository: downloads ~140 MB
    python bench/neo4j_launcher.py --warm-maven    # reuse ~/.m2 (what a second project checkout sees)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from nnstruct.graph.server.ports import free_port

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import print_rows  # noqa: E402  (bench/ingest.py)

NNSTRUCT = str(Path(sys.executable).with_name("nnstruct"))


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    began = time.monotonic()
    done = subprocess.run([NNSTRUCT, *args], env=env, capture_output=True, text=True)
    seconds = time.monotonic() - began
    if done.returncode != 0:
        sys.exit(f"nnstruct {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, done.stderr


def reported(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    return f"{float(match.group(1)):.1f} s" if match else "-"


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warm-maven", action="store_true", help="Reuse ~/.m2 instead of an empty repository.")
    parser.add_argument("--idle", type=float, default=10.0, help="Seconds to let the server idle before ps.")
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="nnstruct-launcher-bench-"))
    home, repo = scratch / "home", scratch / "m2"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(NNSTRUCT_HOME=str(home), NNSTRUCT_BOLT_PORT=str(free_port()), NNSTRUCT_HTTP_PORT=str(free_port()))
    if not options.warm_maven:
        repo.mkdir()
        env["MAVEN_OPTS"] = f"{env.get('MAVEN_OPTS', '')} -Dmaven.repo.local={repo}".strip()
    rows: list[tuple[str, str]] = []
    try:
        seconds, text = run(["neo4j", "start"], env)
        rows.append(("first start (wall)", f"{seconds:.1f} s"))
        rows.append(("  of which: assembly (mvn)", reported(r"assembled the jars in ([\d.]+) s", text)))
        rows.append(("  of which: server ready", reported(r"ready in ([\d.]+) s", text)))
        lib = next((home / "neo4j").glob("lib-*"))
        rows.append(("jars on disk", f"{folder_size(lib) / 2**20:.0f} MiB in {len(list(lib.glob('*.jar')))} jars"))
        if not options.warm_maven:
            rows.append(("Maven repository filled", f"{folder_size(repo) / 2**20:.0f} MiB"))

        time.sleep(options.idle)
        pid = int((home / "neo4j" / "run" / "neo4j.pid").read_text())
        rss = psutil.Process(pid).memory_info().rss
        rows.append((f"server RSS idle {options.idle:g} s after start", f"{rss / 2**20:.0f} MiB"))

        seconds, _ = run(["neo4j", "stop"], env)
        rows.append(("stop (wall)", f"{seconds:.1f} s"))
        seconds, text = run(["neo4j", "start"], env)
        rows.append(("later start (wall)", f"{seconds:.1f} s"))
        rows.append(("  of which: server ready", reported(r"ready in ([\d.]+) s", text)))
        seconds, _ = run(["neo4j", "start"], env)
        rows.append(("start when running (wall)", f"{seconds:.1f} s"))
        seconds, _ = run(["neo4j", "status"], env)
        rows.append(("status (wall)", f"{seconds:.1f} s"))
    finally:
        subprocess.run([NNSTRUCT, "neo4j", "stop"], env=env, capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"Maven repository: {'~/.m2 (warm)' if options.warm_maven else 'empty'}")
    print_rows(rows)


if __name__ == "__main__":
    main()
