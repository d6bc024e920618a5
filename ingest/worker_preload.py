"""Imported once by the forkserver before it forks build workers, so each worker starts with torch, transformers
and its Auto registries already loaded (a worker's start-up is then a fork, not a 5 s import)."""

from nnstruct.ingest.quiet import quiet, silence_libraries

silence_libraries()
with quiet():
    import torch  # noqa: F401
    import transformers  # noqa: F401
    from transformers.models.auto import configuration_auto, modeling_auto  # noqa: F401

    import nnstruct.cost.compute  # noqa: F401  (ingest --cost: every worker would import it)
    import nnstruct.ingest.meta_build  # noqa: F401
    from nnstruct.ingest.tasks import all_tasks

    all_tasks()
