"""Two ``--shard`` processes ingesting at once into one server give the graph one unsharded run gives."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from nnstruct.graph.connection import Graph
from nnstruct.graph.schema import init_schema, reset
from tests.hub_fixtures import configs_fixture, hf_home_fixture, hub_fixture  # noqa: F401 - fixtures
from tests.ingest_fixtures import canonical, ingest_hub_shard


def test_two_shards_at_once_give_the_canonical_graph_of_one_run(clean_graph: Graph, hub, hf_home, configs):
    hub.page_size = 20
    per_task = hub.add_simulated_hub(240, 24, configs, seed=7)
    tasks = tuple(sorted(per_task))
    assert ingest_hub_shard(None, tasks) == 240
    expected = canonical(clean_graph)
    reset(clean_graph)
    init_schema(clean_graph)

    # Two processes of their own (spawned: the environment pointing at the hub and the server is inherited).
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        shards = [pool.submit(ingest_hub_shard, (i, 2), tasks) for i in range(2)]
        written = [shard.result(timeout=600) for shard in shards]

    assert sum(written) == 240 and all(written)
    assert canonical(clean_graph) == expected
