"""The hub source at scale, against the simulated hub: ``--limit 0`` lists every model page by page (streamed),
configs come over retries on 429/5xx (``Retry-After`` honoured), a re-run reads the config cache, a shard fetches
only its own configs; and a killed ingest, run again, completes with no duplicate or partial model."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from nnstruct.graph.connection import Graph
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.shard import in_shard
from nnstruct.ingest.sources import hub as hub_source
from nnstruct.ingest.sources.hub_config import RETRIES
from tests.hub_fixtures import NNSTRUCT, configs_fixture, hf_home_fixture, hub_fixture  # noqa: F401 - fixtures
from tests.support.fake_hub import FakeHub

TC = "text-classification"


def collect(options: IngestOptions) -> list:
    return list(hub_source.candidates(options, lambda _line: None))


def listing_requests(hub: FakeHub) -> int:
    return sum(path.startswith("/api/models") for _, path in hub.requests)


def test_limit_0_lists_every_model_streamed_page_by_page(hub, hf_home, configs):
    per_task = hub.add_simulated_hub(400, 30, configs, seed=3)

    found = collect(IngestOptions(tasks=(TC,), limit=0, min_models=1))

    expected = sorted((m for m in hub.models.values() if m.pipeline_tag == TC), key=lambda m: (-m.downloads, m.id))
    assert [c.id for c in found] == [m.id for m in expected] and len(found) == per_task[TC]
    assert all(c.config is not None and c.status is None for c in found)
    assert listing_requests(hub) == -(-per_task[TC] // hub.page_size)  # every page, each once
    assert sum(per_task.values()) == 400 and len({m.body() for m in hub.models.values()}) == 30


def test_the_listing_is_consumed_as_it_streams(hub, hf_home, configs):
    hub.add_simulated_hub(3000, 10, {"bert": configs["bert"]})  # one task, 1,000 pages of 3

    stream = hub_source.candidates(IngestOptions(tasks=(TC,), limit=0, min_models=1), lambda _line: None)
    first = next(stream)
    time.sleep(0.5)  # let the reading thread run ahead as far as it may
    pages_read = listing_requests(hub)
    stream.close()

    assert first.config is not None
    assert pages_read < 1000  # read ahead a bounded way, not the whole listing


def test_429_and_503_are_retried_honouring_retry_after(hub, hf_home, configs):
    hub.add_simulated_hub(12, 3, {"bert": configs["bert"]})
    hub.throttled, hub.retry_after = 3, 0.3
    hub.unavailable = 2
    began = time.perf_counter()

    found = collect(IngestOptions(tasks=(TC,), limit=0, min_models=1))

    assert [c.status for c in found] == [None] * 12 and all(c.config for c in found)
    assert time.perf_counter() - began >= 0.3  # the Retry-After was waited
    assert len(hub.config_requests()) == 12 + 3 + 2


def test_a_hub_that_keeps_refusing_fails_the_model_after_bounded_retries(hub, hf_home, configs):
    hub.add_simulated_hub(1, 1, {"bert": configs["bert"]})
    hub.throttled, hub.retry_after = 100, 0.01

    (found,) = collect(IngestOptions(tasks=(TC,), limit=0, min_models=1))

    assert (found.status, found.config) == ("failed", None)
    assert found.reason.startswith("the hub answered HTTP 429 for config.json")
    assert len(hub.config_requests()) == 1 + RETRIES


def test_a_rerun_reads_the_config_cache_and_a_shard_fetches_only_its_own(hub, hf_home, configs):
    hub.add_simulated_hub(60, 6, configs, seed=1)
    tasks = tuple(sorted({m.pipeline_tag for m in hub.models.values()}))
    first = collect(IngestOptions(tasks=tasks, limit=0, min_models=1))
    fetched = len(hub.config_requests())
    again = collect(IngestOptions(tasks=tasks, limit=0, min_models=1))
    assert fetched == 60 and len(hub.config_requests()) == fetched  # nothing fetched the second time
    assert [(c.id, c.config) for c in again] == [(c.id, c.config) for c in first]

    hub.requests.clear()
    hf_home.monkeypatch.setenv("HF_HOME", str(hf_home.path / "elsewhere"))
    from huggingface_hub import constants

    hf_home.monkeypatch.setattr(constants, "HF_ASSETS_CACHE", str(hf_home.path / "elsewhere" / "assets"))
    shard = collect(IngestOptions(tasks=tasks, limit=0, min_models=1, shard=(1, 3)))
    assert {c.id for c in shard} == {c.id for c in first if in_shard(c.id, (1, 3))}
    fetched_repos = {path.split("/resolve/")[0].lstrip("/") for path in hub.config_requests()}
    assert fetched_repos == {c.id for c in shard}


def test_cli_killed_ingest_rerun_completes_without_duplicate_or_partial_models(clean_graph: Graph, tmp_path,
                                                                               configs):
    hub = FakeHub(page_size=50)
    hub.add_simulated_hub(600, 40, configs, seed=5)
    tasks = ",".join(sorted({m.pipeline_tag for m in hub.models.values()}))
    args = [NNSTRUCT, "ingest", "--source", "hub", "--tasks", tasks, "--limit", "0", "--min-models", "1",
            "--workers", "1", "--write-batch", "50"]


    with hub:
        env = {**os.environ, **hub.environment(tmp_path / "hf")}
        env.pop("NNSTRUCT_CONFIG", None)
        # a session of its own, so the kill takes its build workers too (as a machine going down would)
        run = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and run.poll() is None:
            stored = clean_graph.read("MATCH (m:Model) RETURN count(m) AS n")[0]["n"]
            if stored >= 100:
                break
            time.sleep(0.2)
        os.killpg(run.pid, signal.SIGKILL)  # no chance to clean up
        run.wait()
        killed_at = clean_graph.read("MATCH (m:Model) RETURN count(m) AS n")[0]["n"]

        rerun = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)

    assert 0 < killed_at < 600
    assert rerun.returncode == 0, rerun.stderr
    rows = clean_graph.read(
        "MATCH (m:Model) RETURN m.id AS id, m.status AS status, COUNT { (m)-[:FOR_TASK]->() } AS tasks, "
        "COUNT { (m)-[:HAS_ARCHITECTURE]->() } AS archs")
    assert len(rows) == len({r["id"] for r in rows}) == 600
    assert all((r["status"], r["tasks"], r["archs"]) == ("ok", 1, 1) for r in rows)
    trees = clean_graph.read(
        "MATCH (a:Architecture) RETURN a.hash AS hash, a.module_count AS expected, "
        "COUNT { MATCH (m:Module {arch_hash: a.hash}) } AS modules, a.features_settings AS features")
    assert len(trees) == 40
    assert all(t["modules"] == t["expected"] and t["features"] for t in trees)  # every tree complete
