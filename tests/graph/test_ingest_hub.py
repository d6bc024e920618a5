"""The hub source against a fake hub on 127.0.0.1: listing, metadata, every error path, offline mode.

The source is a generator of candidates, so most tests call it directly; the end of the file runs
``nnstruct ingest --source hub`` in a child process and checks what lands in Neo4j.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from nnstruct.errors import NnstructError
from nnstruct.graph.schema import init_schema, reset
from nnstruct.graph.server.ports import free_port
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.sources import hub as hub_source
from tests.hub_fixtures import configs_fixture, hf_home_fixture, hub_fixture, run_nnstruct  # noqa: F401 - fixtures
from tests.support.fake_hub import GATED, MALFORMED, MISSING, NO_CONFIG, SLOW, FakeHub

TC = "text-classification"


def collect(options: IngestOptions) -> tuple[list[Candidate], list[str]]:
    logged: list[str] = []
    return list(hub_source.candidates(options, logged.append)), logged


def add_bert_models(hub: FakeHub, configs: dict, downloads: list[int]) -> None:
    for n in downloads:
        hub.add_model(f"org/bert-{n}", config=configs["bert"][1], pipeline_tag=TC, downloads=n, likes=n // 10)


def test_lists_most_downloaded_first_up_to_the_limit(hub, hf_home, configs):
    add_bert_models(hub, configs, [5, 500, 50, 5000, 0, 50000])
    hub.add_model("org/gpt", config=configs["gpt2"][1], pipeline_tag="text-generation", downloads=10**6)

    found, _ = collect(IngestOptions(tasks=(TC,), limit=4, min_models=2))

    assert [c.id for c in found] == ["org/bert-50000", "org/bert-5000", "org/bert-500", "org/bert-50"]
    assert all(c.task == TC and c.source == "hub" and c.status is None for c in found)
    assert found[0].config == configs["bert"][1]
    # a page holds 3 models: the listing followed the Link header to the second page
    assert sum(path.startswith("/api/models") for _, path in hub.requests) == 2
    # only config.json is ever fetched, never weights
    assert {path.rsplit("/", 1)[-1] for path in hub.config_requests()} == {"config.json"}


def test_hub_metadata_rides_on_the_candidate(hub, hf_home, configs):
    hub.add_model("org/bert", config=configs["bert"][1], pipeline_tag=TC, downloads=1234, likes=56,
                  library_name="transformers", created_at="2021-02-03T04:05:06.000Z",
                  last_modified="2024-07-08T09:10:11.000Z", gated="auto")

    (found,), _ = collect(IngestOptions(tasks=(TC,), limit=5, min_models=1))

    assert found.metadata == {
        "downloads": 1234, "likes": 56, "pipeline_tag": TC, "library_name": "transformers",
        "created_at": "2021-02-03T04:05:06+00:00", "last_modified": "2024-07-08T09:10:11+00:00",
        "gated": True, "gated_access": "auto", "private": False,
    }


def test_task_listing_fewer_than_min_models_is_skipped_and_said(hub, hf_home, configs):
    add_bert_models(hub, configs, [1, 2, 3])
    hub.add_model("org/gpt", config=configs["gpt2"][1], pipeline_tag="text-generation", downloads=9)

    found, logged = collect(IngestOptions(tasks=(TC, "text-generation"), limit=10, min_models=2))

    assert {c.task for c in found} == {TC}
    assert "text-generation: skipped, the hub lists 1 model(s), fewer than --min-models 2" in logged


def test_without_tasks_every_task_transformers_builds_is_listed(hub, hf_home, configs):
    from nnstruct.ingest.tasks import all_tasks

    add_bert_models(hub, configs, [1, 2])
    hub.add_model("org/vit", config=configs["vit"][1], pipeline_tag="image-classification", downloads=3)

    found, logged = collect(IngestOptions(limit=5, min_models=1))

    assert {(c.id, c.task) for c in found} == {
        ("org/bert-1", TC), ("org/bert-2", TC), ("org/vit", "image-classification")}
    listed = {parse_qs(urlsplit(path).query)["pipeline_tag"][0] for _, path in hub.requests if "/api/models" in path}
    assert listed == set(all_tasks())
    assert "fill-mask: skipped, the hub lists 0 model(s), fewer than --min-models 1" in logged


@pytest.mark.parametrize(
    ("scenario", "status", "reason"),
    [
        (MISSING, "failed", "not found on the hub (HTTP 404)"),
        (GATED, "skipped", "gated model: the hub refused config.json (HTTP 401)"),
        (MALFORMED, "failed", "config.json is not valid JSON: "),
        (NO_CONFIG, "skipped", "the repo has no config.json"),
    ],
)
def test_a_model_that_cannot_be_fetched_gets_a_status_and_reason(hub, hf_home, configs, scenario, status, reason):
    add_bert_models(hub, configs, [10, 30])
    hub.add_model("org/broken", config=configs["bert"][1], pipeline_tag=TC, downloads=20, scenario=scenario)

    found, _ = collect(IngestOptions(tasks=(TC,), limit=5, min_models=1))

    by_id = {c.id: c for c in found}
    broken = by_id.pop("org/broken")
    assert broken.status == status and broken.config is None
    assert broken.reason.startswith(reason), broken.reason
    assert broken.metadata["downloads"] == 20  # the hub's metadata is kept all the same
    assert all(c.status is None and c.config for c in by_id.values())  # one bad model spoils nothing else


def test_gated_model_is_read_with_hf_token(hub, hf_home, configs):
    hub.token = "hf_granted"
    hub.add_model("org/gated", config=configs["bert"][1], pipeline_tag=TC, scenario=GATED, gated="manual")
    hf_home.monkeypatch.setenv("HF_TOKEN", "hf_granted")

    (found,), _ = collect(IngestOptions(tasks=(TC,), limit=5, min_models=1))

    assert found.status is None and found.config == configs["bert"][1]


def test_a_config_needing_remote_code_is_left_to_the_builder(hub, hf_home, configs):
    remote = {**configs["bert"][1], "auto_map": {"AutoModel": "modeling_custom.CustomModel"}}
    hub.add_model("org/custom", config=remote, pipeline_tag=TC)

    (found,), _ = collect(IngestOptions(tasks=(TC,), limit=5, min_models=1))

    assert found.status is None and found.config["auto_map"] == remote["auto_map"]


@pytest.mark.e2e  # waits out the hub timeout: not for the fast loop
def test_a_slow_model_times_out_and_is_failed(hub, hf_home, configs):
    hf_home.timeouts(1)
    add_bert_models(hub, configs, [10])
    hub.add_model("org/slow", config=configs["bert"][1], pipeline_tag=TC, downloads=5, scenario=SLOW,
                  slow_seconds=60)

    found, _ = collect(IngestOptions(tasks=(TC,), limit=5, min_models=1))

    slow = next(c for c in found if c.id == "org/slow")
    assert slow.status == "failed"
    assert slow.reason.startswith(f"timed out fetching config.json from {hub.endpoint}")
    assert next(c for c in found if c.id == "org/bert-10").config


def test_offline_reuses_the_cached_listing_and_configs(hub, hf_home, configs):
    add_bert_models(hub, configs, [1, 2, 3])
    hub.add_model("org/gone", pipeline_tag=TC, downloads=4, scenario=MISSING)
    online, _ = collect(IngestOptions(tasks=(TC,), limit=10, min_models=1))
    served = len(hub.requests)

    hf_home.go_offline()
    offline, logged = collect(IngestOptions(tasks=(TC,), limit=10, min_models=1))

    assert len(hub.requests) == served  # not one request went out
    assert [(c.id, c.config, c.metadata) for c in offline] == [(c.id, c.config, c.metadata) for c in online]
    gone = next(c for c in offline if c.id == "org/gone")
    assert (gone.status, gone.reason) == ("skipped", "config.json is not in the local HF cache (HF_HUB_OFFLINE is set)")
    assert any("offline: cached listings" in line for line in logged)


def test_offline_without_a_cached_listing_says_so(hub, hf_home, configs):
    add_bert_models(hub, configs, [1, 2])
    hf_home.go_offline()

    with pytest.raises(NnstructError, match="HF_HUB_OFFLINE is set and no listing is cached for task "
                                            "text-classification .* cannot list models offline"):
        collect(IngestOptions(tasks=(TC,), limit=10, min_models=1))


def test_a_hub_refusing_to_list_is_an_error_naming_the_endpoint(hub, hf_home):
    hub.listing_error = 403

    with pytest.raises(NnstructError, match=f"the hub at {hub.endpoint} refused to list text-classification"):
        collect(IngestOptions(tasks=(TC,), limit=10, min_models=1))


@pytest.mark.e2e  # waits out the connection retries: not for the fast loop
def test_an_unreachable_hub_is_an_error_naming_the_endpoint(hf_home):
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    hf_home.monkeypatch.setenv("HF_ENDPOINT", endpoint)

    # huggingface_hub retries a failed connection 5 times with backoff (about 20 s) before giving up
    with pytest.raises(NnstructError, match=f"cannot reach the hub at {endpoint} to list text-classification"):
        collect(IngestOptions(tasks=(TC,), limit=10, min_models=1))


def test_an_unknown_task_is_refused_before_any_request(hub, hf_home):
    with pytest.raises(NnstructError, match="unknown task 'text-clasification'"):
        collect(IngestOptions(tasks=("text-clasification",), limit=10, min_models=1))
    assert hub.requests == []


# --- through `nnstruct ingest --source hub`, into Neo4j ---------------------------------------------------------


def models_in(graph) -> dict[str, dict]:
    rows = graph.read("MATCH (m:Model) OPTIONAL MATCH (m)-[:FOR_TASK]->(t:Task) "
                      "OPTIONAL MATCH (m)-[:HAS_ARCHITECTURE]->(a:Architecture) "
                      "RETURN m {.*} AS model, t.name AS task, a.hash AS arch")
    return {row["model"]["id"]: {**row["model"], "for_task": row["task"], "arch": row["arch"]} for row in rows}


def hub_ingest(hub: FakeHub, hf_home, tmp_path, *args: str, **env: str):
    return run_nnstruct(["ingest", "--source", "hub", "--workers", "0", *args],
                        hub.environment(hf_home, **env), cwd=tmp_path)


def test_cli_hub_run_stores_metadata_and_a_reason_for_every_model_it_could_not_build(clean_graph, hub, tmp_path,
                                                                                     configs):
    hub.add_model("org/bert", config=configs["bert"][1], pipeline_tag=TC, downloads=900, likes=12,
                  created_at="2021-02-03T04:05:06.000Z", last_modified="2024-07-08T09:10:11.000Z")
    hub.add_model("org/bert-copy", config=configs["bert"][1], pipeline_tag=TC, downloads=800)
    hub.add_model("org/distilbert", config=configs["distilbert"][1], pipeline_tag=TC, downloads=700)
    for downloads, scenario in enumerate([MISSING, GATED, MALFORMED, NO_CONFIG, SLOW]):
        hub.add_model(f"org/{scenario}", config=configs["bert"][1], pipeline_tag=TC, downloads=600 - downloads,
                      scenario=scenario, slow_seconds=60, gated="manual" if scenario == GATED else False)
    unknown = {**configs["bert"][1], "model_type": "no-such-type", "architectures": ["NoSuchForSequenceClassification"]}
    hub.add_model("org/unknown-type", config=unknown, pipeline_tag=TC, downloads=500)
    hub.add_model("org/below-limit", config=configs["bert"][1], pipeline_tag=TC, downloads=1)  # 11th: not listed
    hub.add_model("org/gpt", config=configs["gpt2"][1], pipeline_tag="text-generation", downloads=10**6)

    done = hub_ingest(hub, tmp_path / "hf", tmp_path, "--tasks", f"{TC},text-generation", "--limit", "9",
                      "--min-models", "2", HF_HUB_ETAG_TIMEOUT="1", HF_HUB_DOWNLOAD_TIMEOUT="1")

    assert done.returncode == 1, done.stderr  # some models failed
    assert "text-generation: skipped, the hub lists 1 model(s), fewer than --min-models 2" in done.stderr
    models = models_in(clean_graph)
    assert set(models) == {"org/bert", "org/bert-copy", "org/distilbert", "org/unknown-type",
                           *(f"org/{s}" for s in (MISSING, GATED, MALFORMED, NO_CONFIG, SLOW))}
    bert = models["org/bert"]
    assert (bert["status"], bert["source"], bert["task"], bert["for_task"]) == ("ok", "hub", TC, TC)
    assert {key: bert[key] for key in ("downloads", "likes", "pipeline_tag", "library_name", "created_at",
                                       "last_modified", "gated", "private")} == {
        "downloads": 900, "likes": 12, "pipeline_tag": TC, "library_name": "transformers",
        "created_at": "2021-02-03T04:05:06+00:00", "last_modified": "2024-07-08T09:10:11+00:00",
        "gated": False, "private": False}
    assert models["org/bert-copy"]["arch"] == bert["arch"] and models["org/distilbert"]["status"] == "ok"
    recorded = {model_id: (m["status"], m["reason"]) for model_id, m in models.items() if m["status"] != "ok"}
    expected = {
        f"org/{MISSING}": ("failed", "not found on the hub (HTTP 404)"),
        f"org/{GATED}": ("skipped", "gated model: the hub refused config.json (HTTP 401)"),
        f"org/{MALFORMED}": ("failed", "config.json is not valid JSON: "),
        f"org/{NO_CONFIG}": ("skipped", "the repo has no config.json"),
        f"org/{SLOW}": ("failed", f"timed out fetching config.json from {hub.endpoint}"),
        "org/unknown-type": ("skipped", "model_type 'no-such-type' is unknown to the installed transformers"),
    }
    assert {k: v[0] for k, v in recorded.items()} == {k: v[0] for k, v in expected.items()}
    for model_id, (_, reason) in expected.items():
        assert recorded[model_id][1].startswith(reason), recorded[model_id]
    gated = models[f"org/{GATED}"]
    assert (gated["gated"], gated["gated_access"], gated["for_task"]) == (True, "manual", TC)


def test_cli_hub_offline_ingests_from_a_prefilled_hf_cache(clean_graph, hub, tmp_path, configs):
    for n, name in enumerate(["bert", "distilbert", "bert"]):
        hub.add_model(f"org/{name}-{n}", config=configs[name][1], pipeline_tag=TC, downloads=100 - n)
    hf = tmp_path / "hf"

    refused = hub_ingest(hub, hf, tmp_path, "--tasks", TC, "--min-models", "1", HF_HUB_OFFLINE="1")
    assert refused.returncode == 2
    assert "HF_HUB_OFFLINE is set and no listing is cached for task text-classification" in refused.stderr
    assert "Traceback" not in refused.stderr

    online = hub_ingest(hub, hf, tmp_path, "--tasks", TC, "--min-models", "1")
    assert online.returncode == 0, online.stderr
    before = models_in(clean_graph)
    reset(clean_graph)
    init_schema(clean_graph)
    hub.stop()  # from here on, nothing answers at HF_ENDPOINT

    offline = hub_ingest(hub, hf, tmp_path, "--tasks", TC, "--min-models", "1", HF_HUB_OFFLINE="1")

    assert offline.returncode == 0, offline.stderr
    after = models_in(clean_graph)
    assert sorted(after) == sorted(before) == ["org/bert-0", "org/bert-2", "org/distilbert-1"]
    same = ("status", "arch", "downloads", "created_at", "for_task")
    assert {k: {p: m[p] for p in same} for k, m in after.items()} == {
        k: {p: m[p] for p in same} for k, m in before.items()}

