"""The server process: launch it detached, find it again (pid file, else by its command line), stop it."""

from __future__ import annotations

import fcntl
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from nnstruct.graph.server.paths import ServerPaths
from nnstruct.graph.server.server_config import ENTRY_POINT

# Popen objects of servers this Python process launched, kept so they are not garbage-collected while running.
_LAUNCHED: list[subprocess.Popen] = []


def _is_ours(process: psutil.Process, paths: ServerPaths) -> bool:
    """A live (not zombie) Neo4j server whose home is this one."""
    try:
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        args = process.cmdline()
    except psutil.Error:
        return False
    return ENTRY_POINT in args and f"--home-dir={paths.root}" in args


def read_pid(paths: ServerPaths) -> int | None:
    try:
        return int(paths.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def find_server(paths: ServerPaths) -> psutil.Process | None:
    """The running server of this home: the pid file's process if it is ours, else a scan of the processes
    (the pid file may have been lost); a stale pid file is removed."""
    pid = read_pid(paths)
    if pid is not None:
        try:
            process = psutil.Process(pid)
            if _is_ours(process, paths):
                return process
        except psutil.Error:
            pass
        paths.pid_file.unlink(missing_ok=True)
    for process in psutil.process_iter():
        if _is_ours(process, paths):
            write_pid(paths, process.pid)
            return process
    return None


def write_pid(paths: ServerPaths, pid: int) -> None:
    paths.run_dir.mkdir(parents=True, exist_ok=True)
    paths.pid_file.write_text(f"{pid}\n")


def rotate_console_log(paths: ServerPaths) -> None:
    """Keep the previous run's console output as ``console.log.1``; each start begins a fresh log."""
    paths.logs_dir.mkdir(parents=True, exist_ok=True)
    if paths.console_log.exists():
        paths.console_log.replace(paths.console_log.with_name(paths.console_log.name + ".1"))


# Store files, auth.ini and logs the server creates are its owner's alone (the default umask leaves them 0644).
OWNER_ONLY_UMASK = 0o077


def launch(command: list[str], paths: ServerPaths, env: dict[str, str]) -> psutil.Process:
    """Start the server in its own session (it outlives this process and its terminal), console output
    to ``logs/console.log``, pid to the pid file."""
    rotate_console_log(paths)
    with paths.console_log.open("ab") as log:
        popen = subprocess.Popen(
            command, cwd=paths.root, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True, umask=OWNER_ONLY_UMASK,
        )
    _LAUNCHED.append(popen)
    write_pid(paths, popen.pid)
    return psutil.Process(popen.pid)


def is_alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def terminate(process: psutil.Process, timeout: float) -> bool:
    """SIGTERM (Neo4j shuts down cleanly), then SIGKILL after ``timeout`` s; True if it had to be killed."""
    killed = False
    try:
        process.terminate()
        try:
            process.wait(timeout)
        except psutil.TimeoutExpired:
            process.kill()
            killed = True
            process.wait(30)
    except psutil.NoSuchProcess:
        pass
    _reap_launched()
    return killed


def _reap_launched() -> None:
    for popen in list(_LAUNCHED):
        if popen.poll() is not None:
            _LAUNCHED.remove(popen)


def resident_bytes(process: psutil.Process) -> int | None:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return None


@contextmanager
def home_lock(paths: ServerPaths) -> Iterator[None]:
    """Serialise starts and stops of one home across processes (two `start`s would launch two servers)."""
    paths.run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(paths.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of a text file (empty if it does not exist)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            block = min(size, max(4096, lines * 400))
            while True:
                handle.seek(size - block)
                data = handle.read()
                if data.count(b"\n") > lines or block == size:
                    break
                block = min(size, block * 2)
    except OSError:
        return []
    text = data.decode("utf-8", errors="replace").splitlines()
    return text[-lines:] if lines > 0 else []
