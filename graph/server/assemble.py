"""Assemble the server's jars from Maven Central with ``mvn dependency:copy-dependencies`` (first start only).

Maven reuses ``~/.m2`` as usual; ``MAVEN_OPTS`` and ``MAVEN_ARGS`` reach it unchanged, so
``MAVEN_OPTS=-Dmaven.repo.local=/some/dir`` points it at another local repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from nnstruct.errors import ServerError
from nnstruct.graph.server.paths import NEO4J_VERSION, ServerPaths

POM = Path(__file__).with_name("pom.xml")
# A jar every complete assembly holds; a folder without it is an interrupted or hand-made one.
KEY_JAR = f"neo4j-server-{NEO4J_VERSION}.jar"


def jars_ready(paths: ServerPaths) -> bool:
    return (paths.lib_dir / KEY_JAR).is_file()


def assemble_jars(paths: ServerPaths, echo: Callable[[str], None] = lambda _: None) -> float:
    """Copy Neo4j's runtime jars into ``paths.lib_dir``; returns the seconds it took.

    Maven writes into a sibling folder first and it is renamed at the end, so an interrupted run never
    leaves a half-filled ``lib_dir`` behind.
    """
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerError(
            f"Maven (mvn) is needed once to assemble Neo4j {NEO4J_VERSION} into {paths.lib_dir} and none was "
            "found on PATH; install it (e.g. `apt-get install maven`)"
        )
    partial = paths.lib_dir.with_name(paths.lib_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    paths.logs_dir.mkdir(parents=True, exist_ok=True)
    echo(f"assembling Neo4j {NEO4J_VERSION} from Maven Central into {paths.lib_dir} (first start only)")
    command = [
        mvn, "-B", "-f", str(POM), "dependency:copy-dependencies",
        f"-DoutputDirectory={partial}", "-DincludeScope=runtime",
    ]
    began = time.monotonic()
    with paths.assemble_log.open("w") as log:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                              env=os.environ.copy())
    if done.returncode != 0 or not (partial / KEY_JAR).is_file():
        raise ServerError(
            f"mvn could not assemble Neo4j {NEO4J_VERSION} (exit {done.returncode}); "
            f"see {paths.assemble_log}: {_last_error(paths.assemble_log)}"
        )
    shutil.rmtree(paths.lib_dir, ignore_errors=True)
    partial.rename(paths.lib_dir)
    return time.monotonic() - began


def _last_error(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if "[ERROR]" in line]
    return lines[0] if lines else "no [ERROR] line"
