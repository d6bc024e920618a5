"""The local server's first start on a shared machine, for real: a password that begins with "-" given through
NEO4J_PASSWORD is accepted, never appears in any process's command line (what `ps` shows other users) while the
start runs, and the data folder, store files and auth.ini are the owner's alone; the configuration locks LOAD CSV
to an empty import folder with no file URLs and no network addresses."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import psutil

from nnstruct.graph.server.paths import ServerPaths
from nnstruct.graph.server.server_config import ADMIN_TOOL
from nnstruct.settings import Settings
from tests.server_fixtures import free_port, local_env, run_cli

PASSWORD = "-Xq7 \"odd\\ #pw@"  # a leading dash, a space, a quote, a backslash, a comment and an at-file sign


def _command_lines_with(secret: str, stop: threading.Event, seen: list[str], admin: list[str]) -> None:
    """Poll every process's command line, as `ps` shows it, for the secret (and note the admin tool's runs, so the
    test knows it looked while the password was being set)."""
    while not stop.is_set():
        for process in psutil.process_iter(["cmdline"]):
            try:
                line = " ".join(process.info["cmdline"] or ())
            except psutil.Error:
                continue
            if secret in line or "Xq7" in line:
                seen.append(line)
            if ADMIN_TOOL in line:
                admin.append(line)
        stop.wait(0.02)


def test_first_start_with_a_dash_password_shows_it_nowhere_and_keeps_data_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    lib = ServerPaths(home).lib_dir
    lib.parent.mkdir(parents=True)
    lib.symlink_to(ServerPaths(Settings().home).lib_dir.resolve())  # the test server's jars: no Maven run
    env = local_env(home, free_port(), free_port(), NEO4J_PASSWORD=PASSWORD)
    stop, seen, admin = threading.Event(), [], []
    watcher = threading.Thread(target=_command_lines_with, args=(PASSWORD, stop, seen, admin), daemon=True)
    watcher.start()
    try:
        started = run_cli("neo4j", "start", "--timeout", "240", env=env, cwd=tmp_path)
    finally:
        stop.set()
        watcher.join()
    try:
        assert started.returncode == 0, started.stderr  # Bolt answered with this very password
        assert "password from NEO4J_PASSWORD" in started.stderr
        assert seen == []
        assert admin and all("@" in line for line in admin)  # it ran, with an argument file instead
        paths = ServerPaths(home)
        assert stat.S_IMODE(paths.data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(paths.import_dir.stat().st_mode) == 0o700
        auth = paths.data_dir / "dbms" / "auth.ini"
        assert stat.S_IMODE(auth.stat().st_mode) & 0o077 == 0
        store = [p for p in (paths.data_dir / "databases" / "neo4j").iterdir() if p.is_file()]
        assert store and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in store)
        assert not list(paths.data_dir.glob(".initial-password-*"))  # the argument file is gone
        conf = paths.conf_file.read_text()
        for line in ("dbms.security.allow_csv_import_from_file_urls=false",
                     "internal.dbms.cypher_ip_blocklist=0.0.0.0/0,::/0",
                     f"server.directories.import={paths.import_dir}"):
            assert line in conf.splitlines()
    finally:
        run_cli("neo4j", "stop", env=env, cwd=tmp_path)
