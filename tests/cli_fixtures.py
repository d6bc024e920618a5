"""Running ``nnstruct`` in the test process (fast: no interpreter start) and a canonical dump of the whole graph,
for the bad-input and ownership tests."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from nnstruct.cli.main import main
from nnstruct.graph import aggregates
from nnstruct.graph.connection import Graph

TINY_BERT = {"model_type": "bert", "architectures": ["BertForSequenceClassification"], "hidden_size": 32,
             "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}


def dump(graph: Graph) -> Counter[str]:
    """Every node (labels, properties) and relationship (type, properties, both ends) as canonical text; without
    the per-task counts (graph/aggregates.py), which every model written legitimately changes."""
    nodes = graph.read("MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props")
    text = {}
    for row in nodes:
        props = row["props"]
        if "Task" in row["labels"]:
            props = {k: v for k, v in props.items() if k not in aggregates.TASK_PROPERTIES}
        text[row["id"]] = json.dumps({"labels": sorted(row["labels"]), "props": props}, sort_keys=True, default=str)
    rels = graph.read("MATCH (a)-[r]->(b) WHERE type(r) <> $derived RETURN elementId(a) AS a, type(r) AS type, "
                      "properties(r) AS props, elementId(b) AS b", {"derived": aggregates.RELATIONSHIP})
    canonical = Counter(text.values())
    canonical.update(json.dumps([text[r["a"]], r["type"], r["props"], text[r["b"]]], sort_keys=True, default=str)
                     for r in rels)
    return canonical


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]


def invoke(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
           env: dict[str, str] | None = None, cwd: Path | None = None) -> Outcome:
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    if cwd is not None:
        monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["nnstruct", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as ended:  # any other exception is a traceback for the user: the test fails
        main()
    captured = capsys.readouterr()
    code = ended.value.code if isinstance(ended.value.code, int) else (0 if ended.value.code is None else 1)
    return Outcome(code, captured.out, captured.err)
