"""The unit tier: pure functions, hand-made trees, real transformers architectures built on the meta device, the
CLI's parsing; no Neo4j server (``bin/test --unit`` does not start one)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def graph() -> None:
    pytest.fail("a unit test asked for the graph: move it to tests/graph/ (the unit tier runs without a server)")
