"""A small real population for the analysis tests, and the same models built straight from PyTorch to check
the figures against.

The population is ingested by the real ingest (transformers' default configs, built on the meta device) and
labelled by the real dedup; the reference models are built here with transformers alone, never read back from
the graph, so a figure that matches was computed twice independently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

from nnstruct.graph.connection import Graph
from nnstruct.graph.schema import init_schema, reset
from tests.ingest_fixtures import catalogue_candidate, ingest

# (model_type, task, transformers class): two BERT heads, so BERT base appears in two tasks.
POPULATION = (
    ("bert", "token-classification", "BertForTokenClassification"),
    ("bert", "text-classification", "BertForSequenceClassification"),
    ("distilbert", "text-classification", "DistilBertForSequenceClassification"),
    ("gpt2", "text-generation", "GPT2LMHeadModel"),
    ("vit", "image-classification", "ViTForImageClassification"),
    ("resnet", "image-classification", "ResNetForImageClassification"),
)
TASKS = sorted({task for _, task, _ in POPULATION})


def model_id(model_type: str, task: str) -> str:
    return f"transformers/{model_type}/{task}"


@dataclass(frozen=True)
class Reference:
    """What PyTorch itself says about one model."""

    modules: int
    class_counts: dict[str, int]
    depths: tuple[int, ...]
    total_params: int

    @property
    def mean_depth(self) -> float:
        return sum(self.depths) / len(self.depths)

    @property
    def lower_median_depth(self) -> int:
        ordered = sorted(self.depths)
        return ordered[(len(ordered) - 1) // 2]


@cache
def reference(model_type: str, task: str) -> Reference:
    import torch
    import transformers

    class_name = next(c for t, k, c in POPULATION if (t, k) == (model_type, task))
    config = transformers.AutoConfig.for_model(model_type)
    with torch.device("meta"):
        model = getattr(transformers, class_name)(config)
    named = list(model.named_modules())
    return Reference(
        modules=len(named),
        class_counts=dict(Counter(type(module).__name__ for _, module in named)),
        depths=tuple(0 if path == "" else path.count(".") + 1 for path, _ in named),
        total_params=sum(p.numel() for p in model.parameters()),
    )


def _already_there(graph: Graph) -> bool:
    """The graph holds exactly this population, built and labelled by both dedup strategies (an earlier test
    module populated it): no need to build it again."""
    rows = graph.read("MATCH (m:Model) RETURN m.id AS id, m.status AS status, m.rep_name IS NOT NULL AS named, "
                      "m.rep_architecture IS NOT NULL AS clustered")
    runs = graph.read("MATCH (d:DedupRun) RETURN collect(d.strategy) AS strategies")[0]["strategies"]
    expected = {model_id(t, k) for t, k, _ in POPULATION}
    return ({row["id"] for row in rows} == expected and len(rows) == len(expected)
            and all(row["status"] == "ok" and row["named"] and row["clustered"] for row in rows)
            and set(runs) == {"name", "architecture"})


def populate(graph: Graph) -> dict[str, Any]:
    """Wipe the graph, ingest the population and run dedup with both strategies (unless already done)."""
    from nnstruct.dedup import run_dedup

    if _already_there(graph):
        return {"models": sorted(model_id(t, k) for t, k, _ in POPULATION)}
    reset(graph)
    init_schema(graph)
    # with the cost, so the report's Compute and memory section is drawn (ingest leaves it off by default)
    result = ingest(graph, [catalogue_candidate(t, k) for t, k, _ in POPULATION], workers=0, cost=True)
    rows = graph.read("MATCH (m:Model) RETURN m.id AS id, m.status AS status")
    assert all(row["status"] == "ok" for row in rows) and len(rows) == len(POPULATION), (rows, result.results)
    run_dedup(graph, "both")
    return {"models": [row["id"] for row in rows]}
