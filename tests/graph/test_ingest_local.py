"""The local source: model folders, HF cache snapshots and trees of them, and bad inputs.

The source is a generator of candidates, so most tests call it directly; the end of the file runs the
``nnstruct ingest --source local`` command (in this process: a child process would prove nothing more here) and
checks its exit code, its messages and what lands in Neo4j.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstruct.errors import NnstructError
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.sources import local as local_source
from tests.cli_fixtures import Outcome, invoke
from tests.hub_fixtures import configs_fixture, hf_home_fixture, hub_fixture  # noqa: F401 - fixtures


def collect(*paths: Path, tasks: tuple[str, ...] = ()) -> tuple[list[Candidate], list[str]]:
    logged: list[str] = []
    options = IngestOptions(source="local", tasks=tasks, paths=tuple(paths))
    return list(local_source.candidates(options, logged.append)), logged


def save(folder: Path, config: dict | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = config if isinstance(config, str) else json.dumps(config)
    (folder / "config.json").write_text(text)
    return folder


def cache_snapshot(cache: Path, repo_id: str, revision: str, config: dict, main: bool = True) -> Path:
    """The layout hf_hub_download leaves: a blob, a snapshot symlink to it, refs/main naming the snapshot."""
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    blob = repo / "blobs" / f"blob-{revision}"
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_text(json.dumps(config))
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").symlink_to(Path("../../blobs") / blob.name)
    if main:
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(revision)
    return snapshot


def test_a_model_folder_is_local_path_with_the_task_of_its_architecture(tmp_path, configs):
    folder = save(tmp_path / "my-bert", configs["bert"][1])

    (found,), _ = collect(folder)

    assert found.id == f"local:{folder.resolve()}"
    assert (found.task, found.source, found.status) == ("text-classification", "local", None)
    assert found.config == configs["bert"][1]


def test_a_single_task_given_wins_over_the_architecture(tmp_path, configs):
    folder = save(tmp_path / "gpt", configs["gpt2"][1])

    (found,), _ = collect(folder, tasks=("text-classification",))

    assert found.task == "text-classification"


def test_a_config_without_architectures_is_skipped_unless_a_task_is_given(tmp_path, configs):
    bare = {k: v for k, v in configs["bert"][1].items() if k != "architectures"}
    folder = save(tmp_path / "bare", bare)

    (found,), _ = collect(folder)
    (given,), _ = collect(folder, tasks=("fill-mask",))

    assert (found.status, found.reason) == ("skipped", "cannot tell the task; pass --tasks")
    assert (given.status, given.task) == (None, "fill-mask")


def test_a_cache_snapshot_is_its_repo_id(tmp_path, configs):
    snapshot = cache_snapshot(tmp_path / "hub", "google/bert-tiny", "a" * 40, configs["bert"][1])

    (found,), _ = collect(snapshot)

    assert found.id == "google/bert-tiny"
    assert found.config == configs["bert"][1]


def test_a_cache_filled_by_huggingface_hub_is_walked(hub, hf_home, configs):
    from huggingface_hub import hf_hub_download

    for name in ("bert", "gpt2", "vit"):
        hub.add_model(f"org/{name}-tiny", config=configs[name][1], pipeline_tag=configs[name][0])
        hf_hub_download(f"org/{name}-tiny", "config.json", endpoint=hub.endpoint)
    hub.add_model("noorg", config=configs["roberta"][1], pipeline_tag="fill-mask")
    hf_hub_download("noorg", "config.json", endpoint=hub.endpoint)

    found, _ = collect(hf_home.cache)

    assert {(c.id, c.task) for c in found} == {
        ("org/bert-tiny", "text-classification"), ("org/gpt2-tiny", "text-generation"),
        ("org/vit-tiny", "image-classification"), ("noorg", "fill-mask"),
    }


def test_a_repo_with_several_snapshots_counts_once_at_refs_main(tmp_path, configs):
    cache = tmp_path / "hub"
    old = cache_snapshot(cache, "org/m", "1" * 40, configs["bert"][1], main=False)
    main = cache_snapshot(cache, "org/m", "2" * 40, configs["distilbert"][1])
    assert old.exists() and main.exists()

    (found,), _ = collect(cache)

    assert found.id == "org/m" and found.config == configs["distilbert"][1]


def test_a_tree_is_walked_skipping_hidden_folders_and_model_subfolders(tmp_path, configs):
    save(tmp_path / "a", configs["bert"][1])
    save(tmp_path / "a" / "checkpoint-500", configs["bert"][1])  # a model folder's own business
    save(tmp_path / "deep" / "er" / "b", configs["gpt2"][1])
    save(tmp_path / ".trash" / "c", configs["vit"][1])
    (tmp_path / "notes").mkdir()
    cache_snapshot(tmp_path / "cache", "org/cached", "c" * 40, configs["vit"][1])

    found, _ = collect(tmp_path)

    assert [c.id for c in found] == [
        f"local:{(tmp_path / 'a').resolve()}", "org/cached", f"local:{(tmp_path / 'deep/er/b').resolve()}",
    ]


def test_paths_overlapping_give_each_model_once(tmp_path, configs):
    folder = save(tmp_path / "a", configs["bert"][1])

    found, _ = collect(tmp_path, folder, folder / "config.json")

    assert len(found) == 1


def test_with_several_tasks_a_model_of_another_task_is_left_out(tmp_path, configs):
    save(tmp_path / "bert", configs["bert"][1])
    save(tmp_path / "gpt", configs["gpt2"][1])

    found, logged = collect(tmp_path, tasks=("text-classification", "fill-mask"))

    assert [c.task for c in found] == ["text-classification"]
    assert any("not among --tasks" in line for line in logged)


def test_a_config_that_is_not_json_is_a_failed_model(tmp_path, configs):
    save(tmp_path / "good", configs["bert"][1])
    save(tmp_path / "broken", '{"model_type": "bert",')
    save(tmp_path / "list", "[1, 2]")

    found, _ = collect(tmp_path)

    by_name = {Path(c.id.removeprefix("local:")).name: c for c in found}
    assert by_name["good"].status is None
    assert by_name["broken"].status == "failed"
    assert by_name["broken"].reason.startswith("config.json is not valid JSON: Expecting")
    assert (by_name["list"].status, by_name["list"].reason) == (
        "failed", "config.json is not a JSON object (it holds an array)")


def test_a_folder_without_config_json_is_named(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)

    with pytest.raises(NnstructError, match=r"empty: no config.json in this folder or below it"):
        collect(tmp_path / "empty")


def test_a_missing_path_is_named(tmp_path, configs):
    good = save(tmp_path / "good", configs["bert"][1])

    with pytest.raises(NnstructError, match="nowhere: no such file or folder"):
        collect(good, tmp_path / "nowhere")


def test_no_path_at_all_is_refused():
    with pytest.raises(NnstructError, match="needs at least one PATH"):
        collect()


def test_an_unknown_task_is_refused(tmp_path, configs):
    folder = save(tmp_path / "a", configs["bert"][1])

    with pytest.raises(NnstructError, match="unknown task 'text-clasification'"):
        collect(folder, tasks=("text-clasification",))


# --- through `nnstruct ingest --source local`, into Neo4j -------------------------------------------------------


@pytest.fixture
def local_ingest(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    def run(tmp_path: Path, *args: str) -> Outcome:
        monkeypatch.delenv("NNSTRUCT_CONFIG", raising=False)
        return invoke(["ingest", "--source", "local", "--workers", "0", *args], monkeypatch, capsys,
                      env={"HF_HUB_OFFLINE": "1"}, cwd=tmp_path)
    return run


def models_in(graph) -> dict[str, dict]:
    rows = graph.read("MATCH (m:Model) OPTIONAL MATCH (m)-[:FOR_TASK]->(t:Task) "
                      "OPTIONAL MATCH (m)-[:HAS_ARCHITECTURE]->(a:Architecture) "
                      "RETURN m {.*} AS model, t.name AS task, a.hash AS arch")
    return {row["model"]["id"]: {**row["model"], "for_task": row["task"], "arch": row["arch"]} for row in rows}


def test_local_command_stores_folders_snapshots_and_reasons(clean_graph, tmp_path, configs, local_ingest):
    tree = tmp_path / "models"
    bert = save(tree / "my-bert", configs["bert"][1])
    cache_snapshot(tree / "hf-cache", "org/gpt2-tiny", "e" * 40, configs["gpt2"][1])
    broken = save(tree / "broken", '{"model_type": "bert",')
    bare = save(tree / "bare", {k: v for k, v in configs["vit"][1].items() if k != "architectures"})

    done = local_ingest(tmp_path, str(tree))

    assert done.code == 1, done.err  # the broken config failed
    models = models_in(clean_graph)
    assert set(models) == {f"local:{p.resolve()}" for p in (bert, broken, bare)} | {"org/gpt2-tiny"}
    mine = models[f"local:{bert.resolve()}"]
    assert (mine["status"], mine["source"], mine["for_task"], mine["model_type"]) == (
        "ok", "local", "text-classification", "bert")
    assert mine["arch"] is not None
    cached = models["org/gpt2-tiny"]
    assert (cached["status"], cached["source"], cached["for_task"]) == ("ok", "local", "text-generation")
    failed = models[f"local:{broken.resolve()}"]
    assert failed["status"] == "failed" and failed["reason"].startswith("config.json is not valid JSON: ")
    skipped = models[f"local:{bare.resolve()}"]
    assert (skipped["status"], skipped["reason"], skipped["for_task"]) == (
        "skipped", "cannot tell the task; pass --tasks", None)


def test_local_command_records_an_unknown_model_type_with_its_reason(clean_graph, tmp_path, configs,
                                                                     local_ingest):
    odd = save(tmp_path / "odd", {**configs["bert"][1], "model_type": "no-such-type",
                                  "architectures": ["NoSuchForSequenceClassification"]})

    done = local_ingest(tmp_path, "--tasks", "text-classification", str(odd))

    assert done.code == 2, done.err  # nothing at all could be ingested
    model = models_in(clean_graph)[f"local:{odd.resolve()}"]
    assert (model["status"], model["reason"], model["for_task"]) == (
        "skipped", "model_type 'no-such-type' is unknown to the installed transformers", "text-classification")


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (lambda root: (root / "empty").mkdir(), ["empty"], "empty: no config.json in this folder or below it"),
        (lambda root: None, ["nowhere"], "nowhere: no such file or folder"),
        (lambda root: save(root / "a", {"model_type": "bert"}), ["--tasks", "text-clasification", "a"],
         "unknown task 'text-clasification'"),
    ],
    ids=["folder-without-config", "missing-path", "unknown-task"],
)
def test_local_command_bad_input_is_one_line_and_exit_2(clean_graph, tmp_path, make, args, message, local_ingest):
    make(tmp_path)

    done = local_ingest(tmp_path, *args)

    assert done.code == 2
    assert message in done.err and "Traceback" not in done.err and len(done.error_lines) == 1
    assert models_in(clean_graph) == {}
