"""Helpers for the ingest tests: catalogue and hub-like candidates, remote-code model folders, and graph snapshots."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from nnstruct.graph.connection import Graph
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.runner import IngestResult, run_ingest
from nnstruct.ingest.sources.catalogue import default_config, model_id


def catalogue_candidate(model_type: str, task: str, **overrides: Any) -> Candidate:
    """The transformers source's candidate for (model_type, task), its default config changed by ``overrides``."""
    config = {**default_config(model_type), **overrides}
    return Candidate(model_id(model_type, task), task, "transformers", config=config)


def hub_like(configs: dict[str, tuple[str, dict[str, Any]]], count: int) -> list[Candidate]:
    """``count`` hub candidates over three tiny configs (downloads falling, hub creation dates over three months),
    plus one failed and one skipped by the source."""
    names = ["bert", "gpt2", "vit"]
    months = ["2023-01", "2023-02", "2024-07"]
    out = []
    for i in range(count):
        name = names[i % len(names)]
        task, config = configs[name]
        out.append(Candidate(f"org{i % 3}/{name}-{i}", task, "hub", config=config,
                             metadata={"downloads": count - i, "likes": i, "pipeline_tag": task,
                                       "created_at": f"{months[i % 3]}-05T10:00:00Z"}))
    out.append(Candidate("org/gone", "text-classification", "hub", status="failed", reason="not found (HTTP 404)"))
    out.append(Candidate("org/gated", "fill-mask", "hub", status="skipped", reason="gated model"))
    return out


def ingest(graph: Graph, candidates: list[Candidate], workers: int = 0, **options: Any) -> IngestResult:
    """Run ingest on ``candidates``; ``workers=0`` builds in the test process (fast), ``>= 1`` uses the pool."""
    return run_ingest(graph, candidates, IngestOptions(source="transformers", workers=workers, **options))


def snapshot(graph: Graph) -> dict[str, Any]:
    """Everything ingest writes, minus timestamps and timings: two equal snapshots are the same graph."""
    nodes = graph.read("MATCH (n) RETURN labels(n)[0] AS label, count(*) AS count ORDER BY label")
    edges = graph.read("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count ORDER BY type")
    models = graph.read(
        "MATCH (m:Model) OPTIONAL MATCH (m)-[:HAS_ARCHITECTURE]->(a) OPTIONAL MATCH (m)-[:FOR_TASK]->(t) "
        "RETURN m.id AS id, m.status AS status, m.reason AS reason, m.config_hash AS config_hash, "
        "m.total_params AS total_params, a.hash AS arch, t.name AS task ORDER BY id"
    )
    modules = graph.read("MATCH (m:Module) RETURN m.arch_hash + ':' + m.path AS uid ORDER BY uid")
    children = graph.read(
        "MATCH (p:Module)-[c:CHILD]->(m:Module) RETURN p.arch_hash + ':' + p.path AS parent, "
        "m.arch_hash + ':' + m.path AS child, c.index AS index "
        "ORDER BY child"
    )
    return {"nodes": nodes, "edges": edges, "models": models, "modules": [r["uid"] for r in modules],
            "children": children}


def remote_code_folder(root: Path, name: str, body: str) -> Path:
    """A model folder whose class exists only in the folder's own Python files (``auto_map``): ``body`` is the
    model's ``__init__`` after ``super().__init__(config)``."""
    folder = root / name
    folder.mkdir(parents=True)
    model_type = f"nnstruct-test-{name}"
    (folder / "config.json").write_text(json.dumps({
        "model_type": model_type, "width": 8,
        "auto_map": {"AutoConfig": f"configuration_{name}.TestConfig", "AutoModel": f"modeling_{name}.TestModel"},
    }))
    (folder / f"configuration_{name}.py").write_text(textwrap.dedent(f"""
        from transformers import PretrainedConfig


        class TestConfig(PretrainedConfig):
            model_type = "{model_type}"

            def __init__(self, width=8, **kwargs):
                self.width = width
                super().__init__(**kwargs)
    """))
    body_lines = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    (folder / f"modeling_{name}.py").write_text(textwrap.dedent(f"""
        import os

        import torch
        from transformers import PreTrainedModel

        from .configuration_{name} import TestConfig


        class TestModel(PreTrainedModel):
            config_class = TestConfig

            def __init__(self, config):
                super().__init__(config)
    """) + body_lines + "\n        self.post_init()\n")
    return folder


def canonical(graph: Graph) -> dict[str, Any]:
    """:func:`snapshot` plus every property of every Model (timestamps and timings aside), Architecture and Task:
    two equal canonical graphs hold the same models, trees, links and facts."""
    models = graph.read("MATCH (m:Model) RETURN m {.*} AS m ORDER BY m.id")
    archs = graph.read("MATCH (a:Architecture) RETURN a {.*} AS a ORDER BY a.hash")
    tasks = graph.read("MATCH (t:Task) RETURN t {.*} AS t ORDER BY t.name")
    uses = graph.read("MATCH (a:Architecture)-[u:USES]->(l:LayerType) RETURN a.hash AS a, l.qualname AS l, "
                      "u.modules AS n ORDER BY a, l")
    counts = graph.read("MATCH (t:Task)-[c:TASK_ARCHITECTURE]->(a:Architecture) RETURN t.name AS t, a.hash AS a, "
                        "c {.*} AS c ORDER BY t, a, c.view")
    volatile = {"ingested_at", "build_seconds"}
    return {**snapshot(graph), "model_properties": [{k: v for k, v in row["m"].items() if k not in volatile}
                                                    for row in models],
            "architectures": [row["a"] for row in archs], "tasks": [row["t"] for row in tasks], "uses": uses,
            "task_counts": counts}


def ingest_hub_shard(shard: tuple[int, int] | None, tasks: tuple[str, ...]) -> int:
    """A whole hub ingest in a process of its own (``multiprocessing``): the server and the hub come from the
    environment, as for ``nnstruct ingest --source hub --limit 0 --shard I/N``; returns the models it wrote."""
    from nnstruct.graph.connection import connect
    from nnstruct.ingest.runner import source_candidates
    from nnstruct.settings import Settings

    options = IngestOptions(source="hub", tasks=tasks, limit=0, min_models=1, workers=0, shard=shard,
                            write_batch=25)
    with connect(Settings()) as graph:
        result = run_ingest(graph, source_candidates(options), options)
    return len(result.results)
