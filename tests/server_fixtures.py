"""Helpers for tests that run the real ``nnstruct`` command in a child process, as a person would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from nnstruct.graph.server.ports import free_port as free_kernel_port

# The venv's console script sits beside its python; fall back to PATH.
NNSTRUCT = str(Path(sys.executable).with_name("nnstruct")) if Path(sys.executable).with_name("nnstruct").exists() \
    else shutil.which("nnstruct") or "nnstruct"

# Variables that would steer a child's connection away from the server a test means.
CONNECTION_VARS = ("NEO4J_URI", "NEO4J_USER", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE", "NNSTRUCT_CONFIG")
# Ports other helpers and the default server use; tests never pick these.
RESERVED = {7474, 7687, *range(7701, 7761)}


def free_port() -> int:
    """A TCP port nothing listens on right now (the kernel's choice, outside the reserved ones)."""
    while True:
        port = free_kernel_port()
        if port not in RESERVED:
            return port


def local_env(home: Path, bolt_port: int, http_port: int, **extra: str) -> dict[str, str]:
    """The environment of a child that talks to the local server of ``home`` only."""
    env = {k: v for k, v in os.environ.items() if k not in CONNECTION_VARS}
    env.update(NNSTRUCT_HOME=str(home), NNSTRUCT_BOLT_PORT=str(bolt_port), NNSTRUCT_HTTP_PORT=str(http_port))
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str], cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``nnstruct ARGS`` and capture its output (text)."""
    return subprocess.run([NNSTRUCT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def error_line(done: subprocess.CompletedProcess) -> str:
    """The one line a failed command printed, checked to be exactly one line and no traceback."""
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr, done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), done.stderr
    return lines[0]
