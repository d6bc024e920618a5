"""The catalogue's task population rule reaches the Task node (tests/unit/test_task_population.py tests the rule)."""

from __future__ import annotations

from nnstruct.graph.connection import Graph
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.runner import run_ingest
from nnstruct.ingest.sources import catalogue
from nnstruct.ingest.task_population import RULES


def test_catalogue_rule_is_stored_on_the_task(clean_graph: Graph) -> None:
    graph = clean_graph
    options = IngestOptions(source="transformers", tasks=("zero-shot-audio-classification",), catalogue_limit=1,
                            workers=0)
    listed = list(catalogue.candidates(options, lambda _: None))
    assert [c.id for c in listed] == ["transformers/clap/zero-shot-audio-classification"]
    run_ingest(graph, listed, options)
    (row,) = graph.read("MATCH (t:Task {name: 'zero-shot-audio-classification'}) RETURN t.catalogue_rule AS rule")
    assert row["rule"] == RULES["zero-shot-audio-classification"]
