"""Ingest runs against a real Neo4j: idempotence, resume, failures with reasons, config-hash dedup, --force,
concurrent writers of one tree, remote code, a crashing worker, and the CLI's exit codes."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nnstruct.graph.connection import Graph
from nnstruct.graph.writer import GraphWriter
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.meta_build import BuildJob, run_job
from tests.cli_fixtures import invoke
from tests.ingest_fixtures import catalogue_candidate, ingest, remote_code_folder, snapshot

SMALL = [("bert", "fill-mask"), ("gpt2", "text-generation"), ("distilbert", "text-classification"),
         ("roberta", "token-classification")]


def _small() -> list[Candidate]:
    return [catalogue_candidate(mt, task, num_hidden_layers=2) if mt != "gpt2" else
            catalogue_candidate(mt, task, n_layer=2) for mt, task in SMALL]


def test_ingest_twice_creates_nothing_new(clean_graph: Graph) -> None:
    first = ingest(clean_graph, _small())
    before = snapshot(clean_graph)
    second = ingest(clean_graph, _small())
    assert [r.status for r in first.results] == ["ok"] * len(SMALL)
    assert second.results == [] and sum(second.already_ingested.values()) == len(SMALL)
    assert second.builds == 0 and second.exit_code == 0
    assert snapshot(clean_graph) == before


def test_resumed_run_equals_clean_run(clean_graph: Graph) -> None:
    candidates = _small()
    ingest(clean_graph, candidates)
    clean = snapshot(clean_graph)

    from nnstruct.graph.schema import init_schema, reset

    reset(clean_graph)
    init_schema(clean_graph)
    ingest(clean_graph, candidates[:2])  # a run stopped half-way ...
    resumed = ingest(clean_graph, candidates)  # ... and started again
    assert resumed.builds == len(candidates) - 2
    assert snapshot(clean_graph) == clean


def test_failed_models_are_recorded_with_a_reason_and_the_run_goes_on(clean_graph: Graph) -> None:
    broken = catalogue_candidate("bert", "text-classification", hidden_size=30, num_attention_heads=7)
    unknown = Candidate("someone/new-arch", "text-classification", "hub", config={"model_type": "no-such-type"})
    unreadable = Candidate("someone/private", "text-generation", "hub", status="skipped", reason="gated (401)")
    fine = catalogue_candidate("bert", "fill-mask", num_hidden_layers=1)
    result = ingest(clean_graph, [broken, unknown, unreadable, fine])
    by_id = {r.id: r for r in result.results}
    assert by_id[broken.id].status == "failed" and "ValueError" in by_id[broken.id].reason
    assert by_id[unknown.id].status == "skipped" and "no-such-type" in by_id[unknown.id].reason
    assert (by_id[unreadable.id].status, by_id[unreadable.id].reason) == ("skipped", "gated (401)")
    assert by_id[fine.id].status == "ok"
    assert result.exit_code == 1
    rows = clean_graph.read(
        "MATCH (m:Model)-[:FOR_TASK]->(t:Task) WHERE m.status <> 'ok' "
        "RETURN m.id AS id, m.status AS status, m.reason AS reason, t.name AS task, "
        "EXISTS { (m)-[:HAS_ARCHITECTURE]->() } AS linked ORDER BY id")
    assert [(r["id"], r["status"], r["task"], r["linked"]) for r in rows] == [
        ("someone/new-arch", "skipped", "text-classification", False),
        ("someone/private", "skipped", "text-generation", False),
        (broken.id, "failed", "text-classification", False),
    ]
    assert all(r["reason"] for r in rows)


def test_a_failed_model_is_retried_and_its_reason_cleared(clean_graph: Graph) -> None:
    broken = catalogue_candidate("bert", "fill-mask", hidden_size=30, num_attention_heads=7)
    assert ingest(clean_graph, [broken]).exit_code == 2  # nothing could be done
    fixed = catalogue_candidate("bert", "fill-mask", num_hidden_layers=1)
    assert ingest(clean_graph, [fixed]).results[0].status == "ok"
    (row,) = clean_graph.read("MATCH (m:Model {id: $id}) RETURN m.status AS status, m.reason AS reason",
                              {"id": fixed.id})
    assert row == {"status": "ok", "reason": None}


def test_missing_optional_library_is_skipped_with_its_name(clean_graph: Graph) -> None:
    if importlib.util.find_spec("natten") is not None:
        pytest.skip("natten is installed: DiNAT builds here")
    result = ingest(clean_graph, [catalogue_candidate("dinat", "image-classification")])
    assert (result.results[0].status, result.results[0].reason) == ("skipped", "needs natten (not installed)")


def test_same_structural_config_builds_once(clean_graph: Graph) -> None:
    base = catalogue_candidate("bert", "text-classification", num_hidden_layers=2)
    twins = [
        Candidate(f"someone/bert-finetune-{i}", "text-classification", "hub",
                  config={**base.config, "_name_or_path": f"someone/bert-finetune-{i}",
                          "id2label": {"0": f"NEG{i}", "1": f"POS{i}"}, "label2id": {f"NEG{i}": 0, f"POS{i}": 1}},
                  metadata={"downloads": 100 + i, "likes": i, "library_name": "transformers"})
        for i in range(5)
    ]
    result = ingest(clean_graph, twins, workers=1)
    assert result.builds == 1 and result.architectures_created == 1
    assert sum(1 for r in result.results if r.linked) == 4
    (row,) = clean_graph.read("MATCH (m:Model)-[:HAS_ARCHITECTURE]->(a:Architecture) "
                              "RETURN count(DISTINCT a) AS archs, count(m) AS models, "
                              "count(DISTINCT m.config_hash) AS configs, min(m.total_params) > 0 AS sized")
    assert row == {"archs": 1, "models": 5, "configs": 1, "sized": True}
    (meta,) = clean_graph.read("MATCH (m:Model {id: 'someone/bert-finetune-3'}) RETURN m.downloads AS d, "
                               "m.likes AS l, m.library_name AS lib, m.source AS source")
    assert meta == {"d": 103, "l": 3, "lib": "transformers", "source": "hub"}
    # Next run: a new id with the same config is linked from the graph, without a build.
    later = Candidate("someone/bert-finetune-9", "text-classification", "hub", config=dict(base.config))
    again = ingest(clean_graph, [later])
    assert again.builds == 0 and again.results[0].linked


def test_force_rebuilds_without_duplicates(clean_graph: Graph) -> None:
    ingest(clean_graph, _small())
    before = snapshot(clean_graph)
    forced = ingest(clean_graph, _small(), force=True)
    assert forced.builds == len(SMALL) and forced.architectures_created == 0
    assert snapshot(clean_graph) == before


def test_concurrent_writers_of_one_tree_store_it_once(clean_graph: Graph) -> None:
    outcome = run_job(BuildJob("x", "fill-mask", catalogue_candidate("bert", "fill-mask", num_hidden_layers=2).config))
    writer = GraphWriter(clean_graph)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            writer.write_model({"id": f"racer-{i}", "status": "ok"}, {"name": "fill-mask", "auto_class": None},
                               outcome.tree, outcome.arch)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    (row,) = clean_graph.read("MATCH (a:Architecture) WITH count(a) AS archs MATCH (m:Module) "
                              "WITH archs, count(m) AS modules MATCH (x:Model)-[:HAS_ARCHITECTURE]->() "
                              "RETURN archs, modules, count(x) AS linked")
    assert row == {"archs": 1, "modules": outcome.tree.module_count, "linked": 4}


def test_remote_code_needs_trust(clean_graph: Graph, tmp_path: Path) -> None:
    folder = remote_code_folder(tmp_path, "tiny", "self.proj = torch.nn.Linear(config.width, 2)")
    candidate = Candidate(f"local:{folder}", "feature-extraction", "local",
                          config=json.loads((folder / "config.json").read_text()))
    refused = ingest(clean_graph, [candidate])
    assert (refused.results[0].status, refused.results[0].reason) == ("skipped", "needs trust_remote_code")
    trusted = ingest(clean_graph, [candidate], workers=1, trust_remote_code=True)
    assert trusted.results[0].status == "ok", trusted.results[0].reason
    (row,) = clean_graph.read("MATCH (m:Model {id: $id}) RETURN m.class_name AS cls, m.total_params AS n",
                              {"id": candidate.id})
    assert row == {"cls": "TestModel", "n": 8 * 2 + 2}


def test_a_crashing_worker_is_a_failed_model(clean_graph: Graph, tmp_path: Path) -> None:
    folder = remote_code_folder(tmp_path, "crashy", "os._exit(3)")
    crashy = Candidate(f"local:{folder}", "feature-extraction", "local",
                       config=json.loads((folder / "config.json").read_text()))
    fine = [catalogue_candidate("bert", "fill-mask", num_hidden_layers=1),
            catalogue_candidate("gpt2", "text-generation", n_layer=1)]
    result = ingest(clean_graph, [fine[0], crashy, fine[1]], workers=2, trust_remote_code=True)
    by_id = {r.id: r for r in result.results}
    assert by_id[crashy.id].status == "failed" and "crashed" in by_id[crashy.id].reason
    assert by_id[fine[0].id].status == by_id[fine[1].id].status == "ok"


def test_a_build_past_its_timeout_is_a_failed_model(clean_graph: Graph, tmp_path: Path) -> None:
    # Model code that swallows exceptions must not swallow the timeout either.
    stuck = remote_code_folder(tmp_path, "stuck", """
        import time
        try:
            time.sleep(600)
        except Exception:
            pass
    """)
    spinning = remote_code_folder(tmp_path, "spinning", "while True:\n    pass")
    hanging = [Candidate(f"local:{folder}", "feature-extraction", "local",
                         config=json.loads((folder / "config.json").read_text())) for folder in (stuck, spinning)]
    fine = catalogue_candidate("bert", "fill-mask", num_hidden_layers=1)
    began = time.perf_counter()
    result = ingest(clean_graph, [hanging[0], fine, hanging[1]], workers=1, trust_remote_code=True, build_timeout=3)
    assert time.perf_counter() - began < 120
    by_id = {r.id: r for r in result.results}
    for candidate in hanging:
        assert by_id[candidate.id].status == "failed"
        assert by_id[candidate.id].reason == "the build took longer than 3 s (--build-timeout)"
    assert by_id[fine.id].status == "ok"
    rows = clean_graph.read("MATCH (m:Model) RETURN m.id AS id, m.status AS status, m.reason AS reason ORDER BY id")
    assert sorted((r["id"], r["status"]) for r in rows) == sorted(
        [(hanging[0].id, "failed"), (hanging[1].id, "failed"), (fine.id, "ok")])


def test_cli_build_timeout_in_process(clean_graph: Graph, tmp_path: Path) -> None:
    sleepy = remote_code_folder(tmp_path, "sleepy", "import time\ntime.sleep(600)")
    tiny = remote_code_folder(tmp_path, "tiny", "self.proj = torch.nn.Linear(config.width, 2)")
    done = _cli(str(sleepy), str(tiny), "--tasks", "feature-extraction", "--trust-remote-code",
                "--build-timeout", "2", "--workers", "0")
    assert done.returncode == 1, done.stderr  # some models failed, the others are in
    rows = clean_graph.read("MATCH (m:Model) RETURN m.id AS id, m.status AS status, m.reason AS reason ORDER BY id")
    assert rows == [
        {"id": f"local:{sleepy}", "status": "failed", "reason": "the build took longer than 2 s (--build-timeout)"},
        {"id": f"local:{tiny}", "status": "ok", "reason": None}]
    refused = _cli(str(sleepy), "--build-timeout", "-1")
    assert refused.returncode == 2 and "--build-timeout must be 0" in refused.stderr


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    nnstruct = Path(sys.executable).with_name("nnstruct")
    return subprocess.run([str(nnstruct), "ingest", *args], capture_output=True, text=True, env=dict(os.environ),
                          timeout=600)


# The two below run the command in this process (cli_fixtures.invoke): the exit code and messages are the same,
# without an interpreter start; test_cli_build_timeout_in_process above needs a process of its own.
def test_ingest_command_unknown_task_exits_2(monkeypatch, capsys) -> None:
    done = invoke(["ingest", "--source", "transformers", "--tasks", "text-clasification"], monkeypatch, capsys)
    assert done.code == 2, done.err
    assert "unknown task 'text-clasification'" in done.err and "text-classification" in done.err
    assert len(done.error_lines) == 1


def test_ingest_command_ingests_the_catalogue_for_one_task(clean_graph: Graph, monkeypatch, capsys) -> None:
    done = invoke(["ingest", "--source", "transformers", "--tasks", "table-question-answering", "--workers", "1"],
                  monkeypatch, capsys)
    assert done.code == 0, done.err
    assert "ingest summary" in done.err and done.out == ""
    (row,) = clean_graph.read("MATCH (m:Model {source: 'transformers', status: 'ok'})-[:FOR_TASK]->"
                              "(:Task {name: 'table-question-answering'}) RETURN count(m) AS n")
    assert row["n"] >= 1
