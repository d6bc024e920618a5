"""The local server launcher, for real: ``nnstruct neo4j start|status|logs|stop`` in child processes.

One server (a temporary home, free ports) serves most tests in file order: it is started by the first
``nnstruct neo4j start`` (which assembles the jars with Maven) and stopped by the last test. Other homes
reuse its jars through a symlink, so only that first start runs Maven.
"""

from __future__ import annotations

import json
import re
import socket
import stat
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from nnstruct.graph.server import launcher
from nnstruct.graph.server.paths import NEO4J_VERSION, ServerPaths
from nnstruct.graph.server.server_config import ENTRY_POINT
from nnstruct.settings import Settings
from tests.server_fixtures import NNSTRUCT, error_line, free_port, local_env, run_cli

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class LocalServer:
    home: Path
    bolt_port: int
    http_port: int
    first_start: subprocess.CompletedProcess

    @property
    def paths(self) -> ServerPaths:
        return ServerPaths(self.home)

    @property
    def env(self) -> dict[str, str]:
        return local_env(self.home, self.bolt_port, self.http_port)

    def pid(self) -> int:
        return int(self.paths.pid_file.read_text())


def servers_of(home: Path) -> list[psutil.Process]:
    """Live Neo4j processes whose home is ``home``: what `stop` must leave none of."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.status() != psutil.STATUS_ZOMBIE and ENTRY_POINT in process.cmdline() \
                    and f"--home-dir={home / 'neo4j'}" in process.cmdline():
                found.append(process)
        except psutil.Error:
            continue
    return found


def home_sharing_jars(server: LocalServer, tmp_path: Path) -> Path:
    """A fresh home whose jars are the module server's (a symlink), so it needs no Maven run."""
    home = tmp_path / "home"
    lib = ServerPaths(home).lib_dir
    lib.parent.mkdir(parents=True)
    lib.symlink_to(server.paths.lib_dir)
    return home


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    home = tmp_path_factory.mktemp("launcher") / "home"
    bolt_port, http_port = free_port(), free_port()
    done = run_cli("neo4j", "start", env=local_env(home, bolt_port, http_port), cwd=home.parent)
    local = LocalServer(home, bolt_port, http_port, done)
    yield local
    run_cli("neo4j", "stop", env=local.env)
    for leftover in servers_of(home):  # only if a test failed half-way
        leftover.kill()


def test_first_start_assembles_the_jars_and_sets_a_stored_password(server):
    done = server.first_start
    assert done.returncode == 0, done.stderr
    assert "assembled the jars" in done.stderr
    assert "ready in" in done.stderr and f"bolt://127.0.0.1:{server.bolt_port}" in done.stderr
    password_file = server.paths.password_file
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert len(password_file.read_text().strip()) >= 20


def test_the_server_outlives_the_cli_and_listens_on_loopback_only(server):
    process = psutil.Process(server.pid())
    assert process.is_running() and ENTRY_POINT in process.cmdline()
    listening = {c.laddr.port: c.laddr.ip for c in process.net_connections(kind="tcp")
                 if c.status == psutil.CONN_LISTEN}
    assert set(listening) >= {server.bolt_port, server.http_port}
    assert all(ip in ("127.0.0.1", "::ffff:127.0.0.1") for ip in listening.values()), listening


def test_second_start_is_harmless(server):
    done = run_cli("neo4j", "start", env=server.env)
    assert done.returncode == 0, done.stderr
    assert f"already running (pid {server.pid()})" in done.stderr


def test_ensure_running_starts_nothing_when_running_or_remote(server):
    settings = Settings(environ=server.env)
    assert launcher.ensure_running(settings) is False
    remote = Settings(environ={**server.env, "NEO4J_URI": "bolt://127.0.0.1:1"})
    assert launcher.ensure_running(remote) is False


def test_status_shows_pid_version_addresses_folder_and_counts(server):
    done = run_cli("neo4j", "status", env=server.env)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert f"running (pid {server.pid()}" in text
    assert NEO4J_VERSION in text
    assert f"bolt://127.0.0.1:{server.bolt_port}" in text
    assert f"http://127.0.0.1:{server.http_port}/browser/" in text
    assert str(server.paths.data_dir) in text
    assert re.search(r"^nodes\s+\d", text, re.MULTILINE) and re.search(r"^relationships\s+\d", text, re.MULTILINE)

    as_json = json.loads(run_cli("neo4j", "status", "--json", env=server.env).stdout)
    assert as_json["running"] is True and as_json["version"] == NEO4J_VERSION and as_json["pid"] == server.pid()


def test_db_status_finds_the_stored_password(server):
    done = run_cli("db", "status", env=server.env)
    assert done.returncode == 0, done.stderr
    assert NEO4J_VERSION in done.stdout and str(server.paths.data_dir) in done.stdout


def test_browser_serves_its_page_and_scripts(server):
    with DIRECT.open(f"http://127.0.0.1:{server.http_port}/", timeout=10) as response:
        discovery = json.load(response)
    # Browser connects to what discovery advertises: it must be our Bolt port, not the default 7687.
    assert discovery["bolt_direct"] == f"bolt://127.0.0.1:{server.bolt_port}"
    base = f"http://127.0.0.1:{server.http_port}/browser/"
    with DIRECT.open(base, timeout=10) as response:
        page = response.read().decode()
    scripts = re.findall(r'src="([^"]+\.js)"', page)
    assert scripts, page[:500]
    with DIRECT.open(base + scripts[-1], timeout=30) as response:
        assert response.status == 200 and "javascript" in response.headers["Content-Type"]
        assert len(response.read()) > 100_000


def test_logs_prints_the_last_lines_and_follows_new_ones(server, tmp_path):
    done = run_cli("neo4j", "logs", "-n", "3", env=server.env)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
    assert "Started." in run_cli("neo4j", "logs", "-n", "200", env=server.env).stdout

    followed = tmp_path / "followed.txt"
    with followed.open("w") as sink:
        follower = subprocess.Popen([NNSTRUCT, "neo4j", "logs", "-n", "0", "--follow"], env=server.env,
                                    stdout=sink, stderr=subprocess.STDOUT)
    try:
        time.sleep(2)
        # A refused login makes the server log a warning: a new line for the follower to print.
        run_cli("db", "status", "--password", "not-the-password", env=server.env)
        deadline = time.monotonic() + 30
        while "unauthorized" not in followed.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "unauthorized" in followed.read_text()
    finally:
        follower.terminate()
        follower.wait(10)


def test_start_refuses_ports_taken_by_another_process(server, tmp_path):
    home = tmp_path / "home"
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        done = run_cli("neo4j", "start", env=local_env(home, taken, free_port()))
    line = error_line(done)
    assert done.returncode == 2
    assert f"Bolt port {taken}" in line and "NNSTRUCT_BOLT_PORT" in line
    assert f"pid {psutil.Process().pid}" in line  # this test process holds it

    done = run_cli("neo4j", "start", env=local_env(home, free_port(), server.http_port))
    line = error_line(done)
    assert done.returncode == 2
    assert f"HTTP port {server.http_port}" in line and f"a Neo4j server (pid {server.pid()}" in line
    assert not servers_of(home)


def test_a_setting_neo4j_rejects_is_one_line_naming_it(server, tmp_path):
    home = home_sharing_jars(server, tmp_path)
    done = run_cli("neo4j", "start", env=local_env(home, free_port(), free_port(), NNSTRUCT_NEO4J_PAGECACHE="lots"))
    line = error_line(done)
    # refused where settings are read, before anything starts (a JVM size and nothing else goes into neo4j.conf)
    assert done.returncode == 2 and "neo4j_pagecache" in line and "'lots'" in line and "JVM size" in line
    assert not servers_of(home)


def test_a_server_that_dies_at_start_up_shows_its_log(server, tmp_path):
    home = home_sharing_jars(server, tmp_path)
    done = run_cli("neo4j", "start", env=local_env(home, free_port(), free_port(), NNSTRUCT_NEO4J_HEAP="16m"))
    assert done.returncode == 2
    assert "exited during start-up; last lines of" in done.stderr and "OutOfMemoryError" in done.stderr
    assert not servers_of(home)
    assert not ServerPaths(home).pid_file.exists()


def test_a_server_that_does_not_answer_in_time_is_stopped(server, tmp_path):
    home = home_sharing_jars(server, tmp_path)
    done = run_cli("neo4j", "start", "--timeout", "1", env=local_env(home, free_port(), free_port()))
    assert done.returncode == 2
    assert "did not answer" in done.stderr and "within 1 s and was stopped" in done.stderr
    assert "last lines of" in done.stderr
    assert not servers_of(home)


def test_stop_leaves_no_process_and_is_harmless_when_not_running(server):
    pid = server.pid()
    done = run_cli("neo4j", "stop", env=server.env)
    assert done.returncode == 0, done.stderr
    assert f"stopped Neo4j (pid {pid})" in done.stderr
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not server.paths.pid_file.exists()
    assert not servers_of(server.home)

    again = run_cli("neo4j", "stop", env=server.env)
    assert again.returncode == 0 and "not running" in again.stderr
    status = run_cli("neo4j", "status", env=server.env)
    assert status.returncode == 0 and "not running" in status.stdout


def test_python_api_starts_when_needed_stops_and_empties_the_graph_only_while_stopped(server):
    # One restart serves both claims (each Neo4j start costs some 10 s of CPU).
    from nnstruct.graph.connection import connect

    settings = Settings(environ=server.env)
    assert launcher.ensure_running(settings) is True  # the data folder exists: a plain restart
    state = launcher.status(settings)
    assert state.running and state.graph["version"] == NEO4J_VERSION and state.error is None
    with connect(settings) as graph:
        graph.write("CREATE (:Scratch)")
    assert launcher.empty_if_stopped(settings) is False  # running: nothing is touched
    assert all(folder.is_dir() for folder in server.paths.graph_dirs)

    stopped = launcher.stop(settings)
    assert stopped.stopped and not stopped.killed
    assert not servers_of(server.home)
    assert launcher.stop(settings).stopped is False

    assert launcher.empty_if_stopped(settings) is True
    assert not any(folder.exists() for folder in server.paths.graph_dirs)
    assert server.paths.password_file.is_file()
    launcher.start(settings, timeout=300)  # the same stored password still opens it, on an empty graph
    with connect(settings) as graph:
        assert graph.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == 0
    launcher.stop(settings)
