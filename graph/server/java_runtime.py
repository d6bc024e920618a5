"""Find the Java that runs the server: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else ``java`` on PATH."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nnstruct.errors import ServerError

MIN_JAVA = 17
INSTALL_HINT = "install a JDK 17 or 21 (e.g. `apt-get install openjdk-17-jre-headless`) or point JAVA_HOME at one"


@dataclass(frozen=True)
class JavaRuntime:
    executable: Path
    major: int
    version: str


def parse_java_version(text: str) -> tuple[int, str]:
    """The major version and full version string from ``java -version`` output (``1.8.0_292`` -> 8)."""
    match = re.search(r'version "([^"]+)"', text)
    if not match:
        raise ValueError("no version in output")
    version = match.group(1)
    parts = re.split(r"[._+-]", version)
    major = int(parts[1]) if parts[0] == "1" and len(parts) > 1 else int(parts[0])
    return major, version


def _locate(environ: Mapping[str, str]) -> tuple[Path, str]:
    java_home = environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            raise ServerError(f"JAVA_HOME is {java_home}, which has no bin/java; {INSTALL_HINT}")
        return candidate, "JAVA_HOME"
    found = shutil.which("java", path=environ.get("PATH"))
    if not found:
        raise ServerError(f"Java {MIN_JAVA}+ is needed to run Neo4j and none was found on PATH; {INSTALL_HINT}")
    return Path(found), "PATH"


def find_java(environ: Mapping[str, str] | None = None) -> JavaRuntime:
    """The Java to run Neo4j with, checked to be version 17 or newer; raises :class:`ServerError` otherwise."""
    environ = os.environ if environ is None else environ
    executable, origin = _locate(environ)
    try:
        done = subprocess.run([str(executable), "-version"], capture_output=True, text=True, timeout=60)
        major, version = parse_java_version(done.stderr + done.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise ServerError(f"cannot tell the version of {executable} (from {origin}): {exc}; {INSTALL_HINT}") from exc
    if major < MIN_JAVA:
        raise ServerError(
            f"{executable} (from {origin}) is Java {version}; Neo4j 5.26 needs Java {MIN_JAVA} or newer: {INSTALL_HINT}"
        )
    return JavaRuntime(executable, major, version)
