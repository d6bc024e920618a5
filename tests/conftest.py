"""Shared fixtures: a real Neo4j server (the one the environment configures) and settings to reach it.

Tests run one at a time against one server; a test that writes starts from `clean_graph`, so no test sees
another's data. `.ci/run` starts the local server before pytest and stops it afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nnstruct.graph.connection import Graph, connect
from nnstruct.graph.schema import init_schema, reset
from nnstruct.settings import Settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def graph(settings: Settings) -> Iterator[Graph]:
    with connect(settings) as connected:
        init_schema(connected)
        yield connected


@pytest.fixture
def clean_graph(graph: Graph) -> Graph:
    """The graph wiped of nnstruct's data, with the schema in place."""
    reset(graph)
    init_schema(graph)
    return graph


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The end-to-end tier: everything under tests/e2e/, and tests elsewhere that run the real `nnstruct` process
    # (named test_cli_*). `bin/test --fast` leaves them out; `bin/test` runs them.
    for item in items:
        if "e2e" in item.path.parts or getattr(item, "originalname", item.name).startswith("test_cli_"):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=_run_order)  # stable: a module's tests keep their order and stay together


def _run_order(item: pytest.Item) -> int:
    """Tiers in order, arranged around the graph's state: the modules that read the shared reference population
    run together (it is built once, not after every test that wiped it), and the README last (its main job leaves
    the whole catalogue in the graph, which any later test would first have to delete)."""
    if "unit" in item.path.parts:
        return 0
    if item.get_closest_marker("population"):
        return 1
    if item.path.name == "test_readme.py":
        return 4
    return 3 if "e2e" in item.path.parts else 2
