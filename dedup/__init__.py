"""Stage 2, dedup: label the graph with name families and architecture clusters that analyses filter on.

``run_dedup`` is the entry point the CLI and the pipeline share; ``architecture_similarity`` scores two stored
architectures (used by ``nnstruct diff``). The pure core (``families``, ``similarity_index``, ``clusters``,
``architectures``) works on module trees (``nnstruct.tree``) and needs no database.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ArchitectureSimilarity", "DedupSummary", "architecture_similarity", "run_dedup"]


def __getattr__(name: str) -> Any:
    # Lazy, so importing one pure module (e.g. in a worker process) does not pull in the driver.
    if name in ("DedupSummary", "run_dedup"):
        from nnstruct.dedup import runner

        return getattr(runner, name)
    if name in ("ArchitectureSimilarity", "architecture_similarity"):
        from nnstruct.dedup import similarity

        return getattr(similarity, name)
    raise AttributeError(name)
