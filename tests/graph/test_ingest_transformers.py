"""The graph against PyTorch itself: for real architectures (text, decoder, encoder-decoder, vision, speech), the
stored tree has the paths, classes, parents, sibling order, shared modules and parameter totals that
``named_modules()`` and ``parameters()`` give."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch

from nnstruct.graph.connection import Graph
from nnstruct.graph.schema import init_schema, reset
from nnstruct.ingest.runner import IngestResult
from nnstruct.ingest.tasks import all_tasks
from tests.ingest_fixtures import catalogue_candidate, ingest

ARCHITECTURES = [
    ("bert", "text-classification"),
    ("gpt2", "text-generation"),
    ("t5", "text2text-generation"),
    ("vit", "image-classification"),
    ("wav2vec2", "automatic-speech-recognition"),
    ("whisper", "automatic-speech-recognition"),
    ("openai-gpt", "text-generation"),  # one activation module object shared by every block's MLP
]


@pytest.fixture(scope="module")
def ingested(graph: Graph) -> Iterator[tuple[Graph, IngestResult]]:
    """The architectures above, ingested once for the module through a worker process."""
    reset(graph)
    init_schema(graph)
    result = ingest(graph, [catalogue_candidate(mt, task) for mt, task in ARCHITECTURES], workers=1)
    yield graph, result


@pytest.fixture(scope="module")
def reference() -> dict[str, torch.nn.Module]:
    """The same models built directly with transformers on the meta device, for comparison."""
    import transformers
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    models = {}
    for model_type, task in ARCHITECTURES:
        auto = getattr(transformers, all_tasks()[task].auto_class_for(model_type))
        with torch.device("meta"):
            models[model_type] = auto.from_config(CONFIG_MAPPING[model_type]())
    return models


def _stored_tree(graph: Graph, model_type: str, task: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    model_id = f"transformers/{model_type}/{task}"
    (model,) = graph.read(
        "MATCH (m:Model {id: $id})-[:HAS_ARCHITECTURE]->(a:Architecture)-[:ROOT]->(root:Module) "
        "RETURN m {.*} AS model, a {.*} AS arch, root {.arch_hash, .path} AS root", {"id": model_id})
    modules = graph.read(
        "MATCH (m:Module {arch_hash: $hash}) OPTIONAL MATCH (p:Module)-[c:CHILD]->(m) "
        "OPTIONAL MATCH (m)-[:OF_TYPE]->(l:LayerType) "
        "RETURN m {.*} AS module, p.path AS parent, c.index AS index, l.qualname AS type",
        {"hash": model["arch"]["hash"]})
    return model, modules


def _depth_first(modules: list[dict[str, Any]]) -> list[str]:
    """Paths in the order a walk of CHILD edges by index visits them (what named_modules() does)."""
    children: dict[str | None, list[tuple[int, str]]] = {}
    for row in modules:
        children.setdefault(row["parent"], []).append((row["index"] if row["index"] is not None else 0,
                                                      row["module"]["path"]))
    order: list[str] = []
    stack = [""]
    while stack:
        path = stack.pop()
        order.append(path)
        stack.extend(child for _, child in sorted(children.get(path, []), reverse=True))
    return order


def test_every_model_built(ingested: tuple[Graph, IngestResult]) -> None:
    _, result = ingested
    assert [(r.id, r.status) for r in result.results] == [
        (f"transformers/{mt}/{task}", "ok") for mt, task in ARCHITECTURES]
    assert result.exit_code == 0


@pytest.mark.parametrize(("model_type", "task"), ARCHITECTURES)
def test_tree_matches_named_modules(ingested: tuple[Graph, IngestResult], reference: dict[str, Any],
                                    model_type: str, task: str) -> None:
    graph, _ = ingested
    torch_model = reference[model_type]
    model, modules = _stored_tree(graph, model_type, task)
    by_path = {row["module"]["path"]: row for row in modules}
    named = list(torch_model.named_modules())

    assert _depth_first(modules) == [path for path, _ in named]  # same paths, parents and sibling order
    assert len(modules) == len(named) == model["model"]["module_count"] == model["arch"]["module_count"]
    for path, module in named:
        row = by_path[path]
        cls = type(module)
        assert row["module"]["class_name"] == cls.__name__
        assert row["module"]["class_path"] == row["type"] == f"{cls.__module__}.{cls.__qualname__}"
        assert row["module"]["subtree_params"] == sum(p.numel() for p in module.parameters())
        assert row["module"]["own_params"] == sum(p.numel() for p in module.parameters(recurse=False))
        if path:
            parent, _, name = path.rpartition(".")
            assert (row["parent"], row["module"]["name"]) == (parent, name)
            assert row["index"] == row["module"]["index"]  # CHILD carries the sibling order too
            assert row["module"]["depth"] == path.count(".") + 1
        else:
            assert row["parent"] is None and model["root"] == {"arch_hash": model["arch"]["hash"], "path": ""}


@pytest.mark.parametrize(("model_type", "task"), ARCHITECTURES)
def test_parameter_totals_match_pytorch(ingested: tuple[Graph, IngestResult], reference: dict[str, Any],
                                        model_type: str, task: str) -> None:
    graph, _ = ingested
    torch_model = reference[model_type]
    model, _ = _stored_tree(graph, model_type, task)
    expected = sum(p.numel() for p in torch_model.parameters())  # counts tied tensors once
    assert model["model"]["total_params"] == model["arch"]["total_params"] == expected
    assert model["model"]["trainable_params"] == sum(p.numel() for p in torch_model.parameters() if p.requires_grad)
    assert model["model"]["class_name"] == type(torch_model).__name__ == model["arch"]["root_class"]


def test_model_properties(ingested: tuple[Graph, IngestResult]) -> None:
    graph, _ = ingested
    (row,) = graph.read("MATCH (m:Model {id: 'transformers/bert/text-classification'})-[:FOR_TASK]->(t:Task) "
                        "RETURN m {.*} AS m, t {.*} AS t")
    model = row["m"]
    assert (model["source"], model["task"], model["status"], model["model_type"]) == (
        "transformers", "text-classification", "ok", "bert")
    assert model["torch_version"] == torch.__version__.split("+")[0] or model["torch_version"].startswith(
        torch.__version__.split("+")[0])
    assert model["transformers_version"] and model["ingested_at"] is not None and model["build_seconds"] > 0
    assert model["config_hash"] and model["arch_hash"] and model["max_depth"] >= 3
    task = row["t"]
    assert (task["name"], task["auto_class"]) == ("text-classification", "AutoModelForSequenceClassification")
    # the task's counts, recounted at the end of the run (graph/aggregates.py)
    assert task["architecture_counts_stale"] is False and task["models_built"] == task["models_listed"] >= 1


def test_uses_counts_match_of_type(ingested: tuple[Graph, IngestResult]) -> None:
    graph, _ = ingested
    rows = graph.read(
        "MATCH (a:Architecture)-[u:USES]->(l:LayerType) "
        "CALL (a, l) { MATCH (m:Module {arch_hash: a.hash})-[:OF_TYPE]->(l) RETURN count(m) AS counted } "
        "RETURN u.modules AS stored, counted")
    assert rows and all(row["stored"] == row["counted"] for row in rows)
    (orphans,) = graph.read("MATCH (m:Module) WHERE NOT (m)-[:OF_TYPE]->() RETURN count(m) AS n")
    assert orphans["n"] == 0


def test_tied_weights_counted_once(ingested: tuple[Graph, IngestResult], reference: dict[str, Any]) -> None:
    """GPT-2's LM head shares the token embedding matrix: it must not be counted twice."""
    graph, _ = ingested
    gpt2 = reference["gpt2"]
    assert gpt2.lm_head.weight is gpt2.transformer.wte.weight
    model, modules = _stored_tree(graph, "gpt2", "text-generation")
    naive = sum(row["module"]["own_params"] for row in modules)
    assert model["model"]["total_params"] == naive - gpt2.lm_head.weight.numel()


@pytest.mark.parametrize(("model_type", "task"), ARCHITECTURES)
def test_shared_modules_are_tied_children(ingested: tuple[Graph, IngestResult], reference: dict[str, Any],
                                          model_type: str, task: str) -> None:
    """A module object held by a second parent (GPT-1's blocks share one activation module) is a TIED_CHILD edge
    from that parent to the node of the path named_modules() yielded it under."""
    graph, _ = ingested
    torch_model = reference[model_type]
    first = {id(module): path for path, module in torch_model.named_modules()}
    expected = sorted(
        (holder, f"{holder}.{name}" if holder else name, first[id(child)])
        for holder, module in torch_model.named_modules()
        for name, child in module._modules.items()
        if child is not None and first[id(child)] != (f"{holder}.{name}" if holder else name)
    )
    model, _ = _stored_tree(graph, model_type, task)
    stored = graph.read(
        "MATCH (h:Module {arch_hash: $hash})-[t:TIED_CHILD]->(target:Module) "
        "RETURN h.path AS holder, t.path AS path, target.path AS target ORDER BY holder, path",
        {"hash": model["arch"]["hash"]})
    assert sorted((r["holder"], r["path"], r["target"]) for r in stored) == expected
    if model_type == "openai-gpt":
        assert ("transformer.h.1.mlp", "transformer.h.1.mlp.act", "transformer.h.0.mlp.act") in expected
