"""``nnstruct dedup`` on bad input: one clear line and exit code 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nnstruct.dedup import run_dedup
from nnstruct.dedup.runner import DedupInputError
from nnstruct.graph.connection import Graph


def _dedup(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnstruct.cli.main", "dedup", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=300)


@pytest.mark.parametrize(("args", "env", "message"), [
    (("--similarity-threshold", "0"), {}, "similarity threshold must be in (0, 1], got 0.0"),
    (("--similarity-threshold", "1.5"), {}, "similarity threshold must be in (0, 1], got 1.5"),
    (("--strategy", "names"), {}, "unknown dedup strategy 'names'"),
    ((), {"NNSTRUCT_DEDUP_STRATEGY": "fuzzy"}, "unknown dedup strategy 'fuzzy'"),
    (("--label", "shape"), {}, "unknown label 'shape'"),
])
def test_bad_settings_exit_2_with_one_line(args, env, message) -> None:
    done = _dedup(*args, **env)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_empty_graph_is_a_clear_error(clean_graph: Graph) -> None:
    with pytest.raises(DedupInputError, match="no models"):
        run_dedup(clean_graph, "name")
    done = _dedup("--strategy", "both")
    assert done.returncode == 2
    assert "the graph has no models to deduplicate; run `nnstruct ingest` first" in done.stderr
    assert "Traceback" not in done.stderr


def test_architecture_dedup_without_built_models_is_a_clear_error(clean_graph: Graph) -> None:
    clean_graph.write("CREATE (:Model:Nnstruct {id: 'someone/gated', status: 'failed', task: 'text-classification'})")
    with pytest.raises(DedupInputError, match="no built model"):
        run_dedup(clean_graph, "architecture")
    summary = run_dedup(clean_graph, "name")  # the name labelling still works: the family comes from the id
    assert summary.families == 1 and summary.name_representatives == 0
    row = clean_graph.read("MATCH (m:Model)-[r:IN_FAMILY]->(f:Family) RETURN f.name AS name, f.rule AS rule, "
                           "m.rep_name AS rep")[0]
    assert row == {"name": "gated", "rule": "id", "rep": False}
