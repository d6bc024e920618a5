"""The pipeline under stress, as users meet it: the server going away mid-run, hostile ids, two runs at once.

Each test drives the real ``nnstruct`` command in child processes against a real Neo4j server.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from nnstruct.graph.connection import Graph, connect
from nnstruct.graph.server import launcher
from nnstruct.ingest.candidates import Candidate
from nnstruct.settings import Settings
from tests.ingest_fixtures import catalogue_candidate, ingest
from tests.server_fixtures import NNSTRUCT, error_line, free_port, local_env, run_cli

INGEST_ARGS = ("ingest", "--source", "transformers", "--tasks", "text-classification", "--workers", "1")


def integrity_problems(graph: Graph) -> list[dict]:
    """Every way a model or tree can be partial or duplicated; empty when the graph is whole."""
    return graph.read(
        """
        MATCH (m:Model)
        WITH m, COUNT { (m)-[:HAS_ARCHITECTURE]->() } AS archs, COUNT { (m)-[:FOR_TASK]->() } AS tasks
        WHERE tasks <> 1 OR (m.status = 'ok' AND archs <> 1) OR (m.status <> 'ok' AND archs <> 0)
        RETURN 'model' AS kind, m.id AS id, archs, tasks
        UNION ALL
        MATCH (a:Architecture)
        CALL (a) { MATCH (x:Module {arch_hash: a.hash}) RETURN count(x) AS modules }
        CALL (a) { MATCH (:Module {arch_hash: a.hash})-[c:CHILD]->() RETURN count(c) AS children }
        CALL (a) { OPTIONAL MATCH (a)-[u:USES]->() RETURN coalesce(sum(u.modules), 0) AS uses }
        WITH a, modules, children, uses, COUNT { (a)-[:ROOT]->() } AS roots
        WHERE modules <> a.module_count OR children <> a.module_count - 1 OR roots <> 1 OR uses <> a.module_count
        RETURN 'architecture' AS kind, a.hash AS id, modules AS archs, children AS tasks
        """
    )


def ids(graph: Graph) -> list[str]:
    return [row["id"] for row in graph.read("MATCH (m:Model) RETURN m.id AS id ORDER BY id")]


@pytest.fixture
def own_server(tmp_path: Path):
    """A local server of the test's own (temp home, free ports), stopped and left behind at the end."""
    bolt, http = free_port(), free_port()
    env = local_env(tmp_path / "home", bolt, http)
    settings = Settings(environ=env)
    yield env, settings
    launcher.stop(settings)


def test_run_starts_the_local_server_and_survives_it_stopping_mid_ingest(own_server, tmp_path: Path) -> None:
    env, settings = own_server
    # Nothing runs in this home: `run` starts the server itself and says how to stop it.
    first = run_cli("run", "--ingest", *INGEST_ARGS[1:], "--limit", "1", env=env, cwd=tmp_path, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "started the local Neo4j server" in first.stderr
    assert "nnstruct neo4j stop" in first.stderr

    # A longer ingest; stop the server once a few models are in (20 leave it ample time on an idle machine).
    child = subprocess.Popen([NNSTRUCT, *INGEST_ARGS, "--limit", "20"], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        with connect(settings) as graph:
            deadline = time.monotonic() + 300
            while len(ids(graph)) < 4 and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.5)
        assert child.poll() is None, "the ingest finished before the server could be stopped"
        launcher.stop(settings)
        _, stderr = child.communicate(timeout=180)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 2, stderr
    assert "Traceback" not in stderr, stderr
    assert f"cannot reach Neo4j at bolt://127.0.0.1:{settings.bolt_port}" in stderr.strip().splitlines()[-1]

    # After a restart the same command finishes the rest: no duplicate, no partial model or tree.
    launcher.start(settings, timeout=300)
    rerun = run_cli(*INGEST_ARGS, "--limit", "20", env=env, cwd=tmp_path, timeout=900)
    assert rerun.returncode in (0, 1), rerun.stderr
    with connect(settings) as graph:
        assert integrity_problems(graph) == []
        stored = ids(graph)
        assert len(stored) == len(set(stored)) == 20


def test_ids_and_task_names_with_quotes_and_cypher_are_stored_verbatim(clean_graph: Graph) -> None:
    hostile_id = "evil'\"`}) MATCH (n) DETACH DELETE n //"
    hostile_task = "text-classification`'; MATCH (n) DETACH DELETE n"
    keep = catalogue_candidate("bert", "text-classification", num_hidden_layers=1)
    evil = catalogue_candidate("bert", "text-classification", num_hidden_layers=1)
    evil.id = hostile_id
    odd_task = Candidate("odd/task-model", hostile_task, "transformers", config=dict(evil.config or {}))
    ingest(clean_graph, [keep, evil, odd_task])

    stored = {row["id"]: row for row in clean_graph.read(
        "MATCH (m:Model)-[:FOR_TASK]->(t:Task) RETURN m.id AS id, t.name AS task, m.status AS status")}
    assert set(stored) == {keep.id, hostile_id, "odd/task-model"}
    assert stored[hostile_id]["status"] == "ok"
    assert stored["odd/task-model"]["task"] == hostile_task
    assert stored["odd/task-model"]["status"] in ("failed", "skipped")  # no Auto class for such a task
    assert integrity_problems(clean_graph) == []

    # The commands that take ids as arguments pass them as parameters too.
    env = dict(os.environ)
    shown = run_cli("show", hostile_id, "--depth", "1", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "BertForSequenceClassification" in shown.stdout
    missing = run_cli("show", hostile_id + "x", env=env)
    assert missing.returncode == 2
    assert "no model" in error_line(missing)
    assert len(ids(clean_graph)) == 3


def test_two_ingests_at_once_store_each_model_and_tree_once(clean_graph: Graph, tmp_path: Path) -> None:
    env = dict(os.environ)
    args = [NNSTRUCT, *INGEST_ARGS, "--limit", "8"]
    children = [subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, stdin=subprocess.DEVNULL) for _ in range(2)]
    outcomes = [child.communicate(timeout=900) for child in children]
    for child, (_, stderr) in zip(children, outcomes, strict=True):
        assert child.returncode in (0, 1), stderr
        assert "Traceback" not in stderr, stderr
    stored = ids(clean_graph)
    assert len(stored) == len(set(stored)) == 8
    assert integrity_problems(clean_graph) == []
    hashes = clean_graph.read("MATCH (a:Architecture) RETURN a.hash AS hash")
    assert len(hashes) == len({row["hash"] for row in hashes})
