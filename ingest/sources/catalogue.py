"""Source ``transformers``: every architecture the installed transformers implements, for every task it has a task
model for, built from its default config.

The tasks and their model types come from ``nnstruct.ingest.tasks`` (transformers' own registries); the config is
``CONFIG_MAPPING[model_type]()`` as a dict, with the few documented repairs of ``catalogue_repairs`` applied where
transformers' own default leaves a field the model code needs unset (the candidate's ``config_repairs`` metadata
lists them). Model id: ``transformers/<model_type>/<task>``. A default config that cannot even be made becomes a
failed candidate with the reason. Which model types a task gets is ``ingest/task_population.py``: the task Auto
class's mapping, or for the four tasks a generic class serves, the model types whose modality fits; each candidate
carries that rule (``catalogue_rule``), stored on its Task node. ``options.catalogue_limit`` caps the model types
per task (alphabetical), for quick runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from nnstruct.choices import Source, Status
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.quiet import quiet
from nnstruct.ingest.sources.catalogue_repairs import repair_config

SOURCE = Source.TRANSFORMERS


def model_id(model_type: str, task: str) -> str:
    return f"{SOURCE}/{model_type}/{task}"


def default_config(model_type: str) -> dict[str, Any]:
    """transformers' default config for ``model_type`` as a dict (raises when transformers cannot make it)."""
    with quiet():
        from transformers.models.auto.configuration_auto import CONFIG_MAPPING

        return CONFIG_MAPPING[model_type]().to_dict()


def candidates(options: IngestOptions, log: Callable[[str], None]) -> Iterator[Candidate]:
    """One candidate per (model type, task), task by task, model types in alphabetical order."""
    import transformers

    from nnstruct.ingest.task_population import task_population
    from nnstruct.ingest.tasks import all_tasks, validate_tasks

    registry = all_tasks()
    tasks = validate_tasks(options.tasks) if options.tasks else tuple(registry)
    populations = {task: task_population(registry[task]) for task in tasks}
    plan = {task: list(populations[task].model_types)[: options.catalogue_limit] for task in tasks}
    log(f"transformers {transformers.__version__}: {sum(len(types) for types in plan.values())} (model type, task) "
        f"pairs over {len({t for types in plan.values() for t in types})} model types and {len(tasks)} task(s)")
    configs: dict[str, dict[str, Any] | str] = {}  # model_type -> config, or the reason it cannot be made
    repairs: dict[str, list[str]] = {}  # model_type -> the repairs applied to its default config
    for task, model_types in plan.items():
        for model_type in model_types:
            if model_type not in configs:
                try:
                    configs[model_type], repairs[model_type] = repair_config(model_type, default_config(model_type))
                except Exception as exc:  # a broken default config is a failed model, not a failed run
                    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    configs[model_type] = f"default config cannot be made: {type(exc).__name__}: {first}"[:300]
            config = configs[model_type]
            rule = populations[task].rule
            if isinstance(config, str):
                yield Candidate(model_id(model_type, task), task, SOURCE, status=Status.FAILED, reason=config,
                                metadata={"model_type": model_type, "catalogue_rule": rule})
            else:
                metadata = {"catalogue_rule": rule}
                if repairs.get(model_type):
                    metadata["config_repairs"] = repairs[model_type]
                yield Candidate(model_id(model_type, task), task, SOURCE, config=config, metadata=metadata)
