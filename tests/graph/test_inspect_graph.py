"""``nnstruct show | diff | export`` on real architectures ingested by the real ingest into the real Neo4j.

The population (built once for the module, from a wiped graph like ``clean_graph``): the catalogue's BERT, GPT-2 and
OpenAI GPT (whose blocks share one activation module object: TIED_CHILD) for text-classification and BERT for
fill-mask, a BERT with 6 layers saved in a local folder whose name holds quotes, a backtick and Cypher text (so its
id does too), and a model recorded as failed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from typing import Any

import networkx as nx
import pytest

from nnstruct.graph.connection import Graph
from nnstruct.graph.schema import init_schema, reset
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.runner import run_ingest, source_candidates
from nnstruct.ingest.sources.catalogue import default_config, model_id
from tests.inspect_fixtures import build_on_meta

TASK = "text-classification"
BERT = model_id("bert", TASK)
GPT2 = model_id("gpt2", TASK)
OPENAI_GPT = model_id("openai-gpt", TASK)
BERT_MLM = model_id("bert", "fill-mask")
FAILED = model_id("nonexistent", TASK)
ODD_FOLDER = "bert-6 it's `odd` \"}) MATCH (n) DETACH DELETE n //"


@pytest.fixture(scope="module")
def population(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Model ids by role, ingested into a wiped graph."""
    reset(graph)
    init_schema(graph)
    candidates = [Candidate(mid, task, "transformers", config=default_config(mt))
                  for mid, mt, task in ((BERT, "bert", TASK), (GPT2, "gpt2", TASK), (OPENAI_GPT, "openai-gpt", TASK),
                                        (BERT_MLM, "bert", "fill-mask"))]
    candidates.append(Candidate(FAILED, TASK, "transformers", status="failed",
                                reason="default config cannot be made: KeyError: 'nonexistent'"))
    folder = tmp_path_factory.mktemp("inspect-models") / ODD_FOLDER
    folder.mkdir()
    config = {**default_config("bert"), "num_hidden_layers": 6, "architectures": ["BertForSequenceClassification"]}
    (folder / "config.json").write_text(json.dumps(config))
    options = IngestOptions(workers=0)
    run_ingest(graph, candidates, options)
    local = IngestOptions(source="local", tasks=(TASK,), paths=(folder,), workers=0)
    run_ingest(graph, source_candidates(local), local)
    statuses = {row["id"]: row["status"] for row in graph.read("MATCH (m:Model) RETURN m.id AS id, m.status AS status")}
    bert6 = next(i for i in statuses if i.startswith("local:"))
    assert "`odd`" in bert6 and "DETACH DELETE" in bert6
    assert statuses == {BERT: "ok", GPT2: "ok", OPENAI_GPT: "ok", BERT_MLM: "ok", FAILED: "failed", bert6: "ok"}
    return {"bert": BERT, "gpt2": GPT2, "openai_gpt": OPENAI_GPT, "bert_mlm": BERT_MLM, "failed": FAILED,
            "bert6": bert6}


@pytest.fixture(scope="module")
def bert_model() -> Any:
    return build_on_meta("BertConfig", "AutoModelForSequenceClassification")


def run(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """``nnstruct ARGS`` in this process, through the real entry point (its error handling and exit codes)."""
    from nnstruct.cli import main as cli_main

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["nnstruct", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main()
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def test_show_folds_bert_layers_and_totals_match_pytorch(population, bert_model, capsys, monkeypatch) -> None:
    code, out, err = run(["show", population["bert"]], capsys, monkeypatch)
    assert code == 0, err
    layer_lines = [line for line in out.splitlines() if "BertLayer" in line]
    assert len(layer_lines) == 1 and "BertLayer x12: 4-1..12" in layer_lines[0]
    assert "bert.encoder.layer.{0..11}" in out
    total = sum(p.numel() for p in bert_model.parameters())
    assert f"Total params: {total:,} " in out
    assert f"Modules: {len(list(bert_model.named_modules())):,} " in out


def test_show_no_fold_and_depth(population, capsys, monkeypatch) -> None:
    code, out, _ = run(["show", population["bert"], "--no-fold"], capsys, monkeypatch)
    assert code == 0
    assert sum(1 for line in out.splitlines() if "BertLayer: 4-" in line) == 12
    code, out, _ = run(["show", population["bert"], "--depth", "1"], capsys, monkeypatch)
    assert code == 0
    assert "BertModel: 1-1" in out and "BertEmbeddings" not in out


def test_show_marks_tied_weights_of_the_mlm_head(population, capsys, monkeypatch) -> None:
    code, out, _ = run(["show", population["bert_mlm"], "--depth", "2"], capsys, monkeypatch)
    assert code == 0
    mlm = build_on_meta("BertConfig", "AutoModelForMaskedLM")
    # decoder.weight is word_embeddings.weight: the total counts it once, the module rows twice.
    assert f"Total params: {sum(p.numel() for p in mlm.parameters()):,} " in out
    assert "Tied weights: " in out


def test_diff_bert12_vs_bert6_aligns_the_removed_layers(population, capsys, monkeypatch) -> None:
    code, out, err = run(["diff", population["bert"], population["bert6"]], capsys, monkeypatch)
    assert code == 0, err
    assert "~ bert.encoder.layer: BertLayer x12 -> x6 (6 removed: 6..11)" in out
    assert "1 changed, 0 removed, 0 added" in out
    code, out, _ = run(["diff", population["bert"], population["bert6"], "--format", "json"], capsys, monkeypatch)
    data = json.loads(out)
    assert [(c["path"], c["aspects"], c["a"]["count"], c["b"]["count"]) for c in data["changes"]] == [
        ("bert.encoder.layer", ["count"], 12, 6)]
    assert 0.5 < data["similarity"]["wl_score"] < 1.0
    assert data["b"]["id"] == population["bert6"]


def test_diff_bert_vs_gpt2_reports_class_changes(population, capsys, monkeypatch) -> None:
    code, out, _ = run(["diff", population["bert"], population["gpt2"], "--format", "json"], capsys, monkeypatch)
    assert code == 0
    data = json.loads(out)
    root = data["changes"][0]
    assert root["path"] == "(root)" and "class" in root["aspects"]
    assert (root["a"]["class_name"], root["b"]["class_name"]) == (
        "BertForSequenceClassification", "GPT2ForSequenceClassification")
    assert data["similarity"]["wl_score"] < 0.5
    code, out, _ = run(["diff", population["bert"], population["gpt2"]], capsys, monkeypatch)
    assert "~ (root): BertForSequenceClassification -> GPT2ForSequenceClassification" in out


def test_diff_of_a_model_with_itself_is_empty(population, capsys, monkeypatch) -> None:
    code, out, _ = run(["diff", population["bert"], population["bert"]], capsys, monkeypatch)
    assert code == 0
    assert "no structural difference" in out and "WL similarity: 1.000" in out


def test_export_csv_has_one_row_per_named_module(population, bert_model, capsys, monkeypatch) -> None:
    code, out, err = run(["export", population["bert"]], capsys, monkeypatch)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["path"] for row in rows] == [path for path, _ in bert_model.named_modules()]
    assert {row["model_id"] for row in rows} == {population["bert"]}
    by_path = {row["path"]: row for row in rows}
    assert (by_path["classifier"]["layer_type"], by_path["classifier"]["depth"]) == ("Linear", "1")
    assert by_path["classifier"]["own_params"] == str(768 * 2 + 2)


def test_export_several_models_combined_and_per_file(population, tmp_path, capsys, monkeypatch) -> None:
    combined = tmp_path / "trees.csv"
    code, _, err = run(["export", population["bert"], population["bert6"], "-o", str(combined)], capsys, monkeypatch)
    assert code == 0, err
    rows = list(csv.DictReader(combined.open()))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["model_id"]] = counts.get(row["model_id"], 0) + 1
    assert counts == {population["bert"]: 231, population["bert6"]: 123}
    folder = tmp_path / "json"
    code, _, err = run(["export", population["bert"], population["gpt2"], "--format", "json", "-o", f"{folder}/"],
                       capsys, monkeypatch)
    assert code == 0, err
    files = sorted(path.name for path in folder.iterdir())
    assert files == ["transformers__bert__text-classification.json", "transformers__gpt2__text-classification.json"]
    gpt2 = json.loads((folder / files[1]).read_text())
    assert gpt2["models"][0]["model"]["id"] == population["gpt2"]


def test_export_graphml_reloads_with_networkx(population, bert_model, tmp_path, capsys, monkeypatch) -> None:
    folder = tmp_path / "graphs"
    code, _, err = run(["export", population["bert"], population["bert6"], "--format", "graphml", "-o", str(folder)],
                       capsys, monkeypatch)
    assert code == 0, err
    graph = nx.read_graphml(folder / "transformers__bert__text-classification.graphml")
    assert graph.number_of_nodes() == len(list(bert_model.named_modules()))
    assert graph.number_of_edges() == graph.number_of_nodes() - 1  # a tree: no tied modules in BERT
    assert graph.nodes["bert.encoder.layer.11"]["label"] == "BertLayer"
    assert graph.graph["model_id"] == population["bert"]
    assert len(list(folder.iterdir())) == 2


def test_unknown_model_id_exits_2_with_close_matches(population) -> None:
    done = subprocess.run([sys.executable, "-m", "nnstruct.cli.main", "show", "transformers/bert/fill-mas"],
                          capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "did you mean transformers/bert/fill-mask?" in lines[0]


@pytest.mark.parametrize("given", ["x' RETURN 1 //", "`; MATCH (n) DETACH DELETE n", '"}) RETURN 1'])
def test_odd_ids_are_parameters(population, given, graph, capsys, monkeypatch) -> None:
    code, out, err = run(["export", given], capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err.startswith("error: no model ") and len(err.strip().splitlines()) == 1
    assert graph.read("MATCH (m:Model) RETURN count(m) AS models")[0]["models"] == 6


def test_failed_model_says_why(population, capsys, monkeypatch) -> None:
    for command in (["show"], ["export"], ["diff", population["bert"]]):
        code, out, err = run([*command, population["failed"]], capsys, monkeypatch)
        assert (code, out) == (2, "")
        assert "status failed" in err and "KeyError: 'nonexistent'" in err


def test_help_has_examples() -> None:
    from click.testing import CliRunner

    from nnstruct.cli.inspect_commands import COMMANDS

    for command in COMMANDS:
        result = CliRunner().invoke(command, ["--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output, command.name


@pytest.fixture(scope="module")
def openai_gpt_model() -> Any:
    return build_on_meta("OpenAIGPTConfig", "AutoModelForSequenceClassification")


def _shared_paths(model: Any) -> dict[str, list[str]]:
    """First path of each module object held under several paths -> its other paths (what TIED_CHILD stores)."""
    first: dict[int, str] = {}
    others: dict[str, list[str]] = {}
    for path, module in model.named_modules(remove_duplicate=False):
        if id(module) in first:
            others.setdefault(first[id(module)], []).append(path)
        else:
            first[id(module)] = path
    return others


def test_show_marks_shared_modules(population, openai_gpt_model, capsys, monkeypatch) -> None:
    shared = _shared_paths(openai_gpt_model)
    assert list(shared) == ["transformer.h.0.mlp.act"] and len(shared["transformer.h.0.mlp.act"]) == 11
    code, out, _ = run(["show", population["openai_gpt"]], capsys, monkeypatch)
    assert code == 0
    lines = out.splitlines()
    assert any("(shared)" in line and "transformer.h.0.mlp.act " in line for line in lines)
    assert any("(tied)" in line and "transformer.h.{1..11}.mlp.act = transformer.h.0.mlp.act" in line
               for line in lines)
    assert "Block x11: 3-2..12" in out  # h.0 owns the activation, so it folds apart from the 11 others
    assert f"Total params: {sum(p.numel() for p in openai_gpt_model.parameters()):,} " in out
    code, out, _ = run(["show", population["openai_gpt"], "--no-fold"], capsys, monkeypatch)
    assert sum(1 for line in out.splitlines() if "NewGELUActivation: 5-3 (tied)" in line) == 11


def test_export_of_shared_modules(population, openai_gpt_model, tmp_path, capsys, monkeypatch) -> None:
    code, out, _ = run(["export", population["openai_gpt"]], capsys, monkeypatch)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["path"] for row in rows] == [path for path, _ in openai_gpt_model.named_modules()]
    tied = {row["path"]: row["tied_paths"].split(";") for row in rows if row["tied_paths"]}
    assert tied == _shared_paths(openai_gpt_model)
    target = tmp_path / "gpt.graphml"
    code, _, _ = run(["export", population["openai_gpt"], "--format", "graphml", "-o", str(target)], capsys,
                     monkeypatch)
    assert code == 0
    graph = nx.read_graphml(target)
    assert graph.number_of_nodes() == len(rows)
    kinds = [kind for _, _, kind in graph.edges(data="kind")]
    assert (kinds.count("child"), kinds.count("tied")) == (len(rows) - 1, 11)
