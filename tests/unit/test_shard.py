"""``--shard I/N``: the split of model ids and the setting's parsing."""

from __future__ import annotations

import pytest

from nnstruct.errors import NnstructError
from nnstruct.ingest.shard import in_shard, shard_of
from nnstruct.settings import Settings


def test_shards_partition_the_ids_evenly_and_stably() -> None:
    ids = [f"org{i % 17}/model-{i}" for i in range(4000)]
    counts = [sum(in_shard(model_id, (i, 4)) for model_id in ids) for i in range(4)]
    assert sum(counts) == len(ids)
    assert min(counts) > 900  # 1000 expected each
    assert all(sum(in_shard(model_id, (i, 4)) for i in range(4)) == 1 for model_id in ids)
    # the hash is not Python's salted hash(): the same id lands in the same shard in every process
    assert shard_of("bert-base-uncased", 1000) == shard_of("bert-base-uncased", 1000)
    assert [shard_of(f"m{i}", 7) for i in range(5)] == [1, 3, 3, 4, 5]
    assert in_shard("anything", None) and in_shard("anything", (0, 1))


@pytest.mark.parametrize("raw, message", [("3/2", "0 <= I < N"), ("1", "I/N"), ("a/b", "I/N"), ("0/0", "N >= 1")])
def test_a_bad_shard_is_refused_with_the_reason(raw: str, message: str) -> None:
    with pytest.raises(NnstructError, match=message):
        _ = Settings(environ={}).with_flags(shard=raw).shard


def test_shard_parses() -> None:
    assert Settings(environ={"NNSTRUCT_SHARD": " 2/5 "}).shard == (2, 5)
    assert Settings(environ={}).shard is None
