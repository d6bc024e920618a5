"""Connection settings precedence and connection errors, through the real ``nnstruct db status``.

Precedence: flags (--uri/--user/--password/--database), then NEO4J_* variables, then the local server's
address and stored password. Every failure is one line naming the address tried, exit code 2, no traceback.
Runs against the server the environment configures (the `graph` fixture checks it answers).

Neo4j locks a user for a few seconds after 3 failed logins in a row, so wrong-password attempts here are
never more than two in a row and a good login follows them.
"""

from __future__ import annotations

import os

import pytest

from nnstruct.graph.connection import Graph
from tests.server_fixtures import CONNECTION_VARS, error_line, free_port, run_cli


@pytest.fixture
def env() -> dict[str, str]:
    """This process's environment without NEO4J_*: each test sets what it means."""
    return {k: v for k, v in os.environ.items() if k not in CONNECTION_VARS}


@pytest.fixture
def right(graph: Graph) -> tuple[str, str]:
    """The address and password that reach the test server."""
    assert graph.info.password is not None
    return graph.info.uri, graph.info.password


def closed_uri() -> str:
    return f"bolt://127.0.0.1:{free_port()}"


def test_flags_reach_the_server(right, env):
    uri, password = right
    done = run_cli("db", "status", "--uri", uri, "--password", password, env=env)
    assert done.returncode == 0, done.stderr
    assert uri in done.stdout


def test_wrong_password_flag_is_one_line_with_the_address(right, env):
    uri, password = right
    done = run_cli("db", "status", "--uri", uri, "--password", "wrong-password", env=env)
    line = error_line(done)
    assert done.returncode == 2
    assert uri in line and "refused user 'neo4j'" in line and "password given" in line
    # The password flag beats NEO4J_PASSWORD (and a good login resets the failed-login count).
    done = run_cli("db", "status", "--uri", uri, "--password", password, env={**env, "NEO4J_PASSWORD": "wrong-pw"})
    assert done.returncode == 0, done.stderr


def test_neo4j_password_variable_beats_the_stored_password(graph, right, env):
    if not graph.info.local:
        pytest.skip("the test server is not the local one, so there is no stored password to beat")
    done = run_cli("db", "status", env={**env, "NEO4J_PASSWORD": "wrong-password"})
    line = error_line(done)
    assert done.returncode == 2 and graph.info.uri in line
    done = run_cli("db", "status", env=env)  # the stored password, found by itself
    assert done.returncode == 0, done.stderr


def test_wrong_user_is_one_line(right, env):
    uri, _ = right
    done = run_cli("db", "status", "--uri", uri, "--user", "nobody", "--password", "whatever1", env=env)
    line = error_line(done)
    assert done.returncode == 2 and "refused user 'nobody'" in line and uri in line


def test_unreachable_uri_is_one_line_with_the_address(env):
    uri = closed_uri()
    done = run_cli("db", "status", "--uri", uri, "--password", "whatever1", env=env)
    line = error_line(done)
    assert done.returncode == 2
    assert f"cannot reach Neo4j at {uri}" in line and "Connection refused" in line and "NEO4J_URI" in line


def test_uri_flag_beats_neo4j_uri_variable(right, env):
    uri, password = right
    closed = closed_uri()
    done = run_cli("db", "status", "--uri", uri, "--password", password, env={**env, "NEO4J_URI": closed})
    assert done.returncode == 0, done.stderr

    done = run_cli("db", "status", env={**env, "NEO4J_URI": closed, "NEO4J_PASSWORD": password})
    line = error_line(done)
    assert done.returncode == 2 and closed in line


def test_local_server_not_running_says_how_to_start_it(env):
    port = free_port()
    done = run_cli("db", "status", env={**env, "NNSTRUCT_BOLT_PORT": str(port)})
    line = error_line(done)
    assert done.returncode == 2
    assert f"bolt://127.0.0.1:{port}" in line and "nnstruct neo4j start" in line


@pytest.mark.parametrize("uri", ["http://127.0.0.1:7474", "127.0.0.1:7687", "bolt://127.0.0.1:notaport"])
def test_malformed_uri_is_one_line(uri, env):
    done = run_cli("db", "status", "--uri", uri, "--password", "whatever1", env=env)
    line = error_line(done)
    assert done.returncode == 2 and f"invalid Neo4j address '{uri}'" in line


def test_unknown_database_is_one_line(right, env):
    uri, password = right
    done = run_cli("db", "status", "--uri", uri, "--password", password, "--database", "nosuchdb", env=env)
    line = error_line(done)
    assert done.returncode == 2 and "no database 'nosuchdb'" in line and uri in line
