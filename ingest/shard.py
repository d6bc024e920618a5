"""``--shard I/N``: which candidates one of N cooperating ingest processes takes.

A model belongs to shard ``blake2b(model id) mod N``: stable across processes, machines and Python versions
(``hash()`` is salted per process), independent of listing order, and even over ids. N processes given shards
0..N-1 with the same sources together take every candidate exactly once; they can write into one Neo4j at the
same time because trees are content addressed (a tree two shards build is stored once: the unique constraint
makes the later writer link to it).
"""

from __future__ import annotations

from hashlib import blake2b


def shard_of(model_id: str, count: int) -> int:
    """The shard (0..count-1) ``model_id`` belongs to."""
    digest = blake2b(model_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def in_shard(model_id: str, shard: tuple[int, int] | None) -> bool:
    """Whether this process (``shard`` = (I, N), or None for an unsharded run) takes ``model_id``."""
    return shard is None or shard[1] == 1 or shard_of(model_id, shard[1]) == shard[0]
