"""The tasks nnstruct knows, read from transformers' own registries rather than a hand-written table.

A task is a Hugging Face pipeline tag. ``transformers.pipelines.SUPPORTED_TASKS`` gives, for each tag, the Auto
classes that build its models (e.g. ``automatic-speech-recognition`` -> ``AutoModelForCTC``, ``AutoModelForTDT``,
``AutoModelForSpeechSeq2Seq``); each Auto class's mapping (``MODEL_FOR_*_MAPPING_NAMES`` in
``transformers.models.auto.modeling_auto``) gives the model class per ``model_type``.

Two small tables complete it: hub tags whose pipeline transformers v5 dropped although the task models remain
(``question-answering`` is still ``AutoModelForQuestionAnswering``), and aliases (transformers' ``TASK_ALIASES``
plus ``image-to-text``, which v5 renamed).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from nnstruct.errors import NnstructError

# Hub pipeline tags with no transformers pipeline any more (see transformers.pipelines.REMOVED_TASKS) whose models
# transformers still builds through these Auto classes.
_HUB_ONLY_TASKS: dict[str, tuple[str, ...]] = {
    "question-answering": ("AutoModelForQuestionAnswering",),
    "text2text-generation": ("AutoModelForSeq2SeqLM",),
    "summarization": ("AutoModelForSeq2SeqLM",),
    "translation": ("AutoModelForSeq2SeqLM",),
    "visual-question-answering": ("AutoModelForVisualQuestionAnswering",),
}

# Extra spellings accepted for --tasks, on top of transformers' TASK_ALIASES.
_EXTRA_ALIASES = {"image-to-text": "image-text-to-text", "vqa": "visual-question-answering"}

# Tasks that reuse another task's models (same Auto class): task_for_architecture never answers with these.
_DERIVED_TASKS = ("zero-shot-classification", "zero-shot-audio-classification", "decision",
                  "summarization", "translation")


@dataclass(frozen=True)
class TaskInfo:
    """One pipeline tag and how transformers builds its models."""

    name: str
    auto_classes: tuple[str, ...]  # Auto classes in the order transformers tries them
    model_classes: dict[str, str] = field(repr=False)  # model_type -> default model class (first Auto class's)
    modality: str = ""  # "text", "image", "audio", "multimodal", "video" ("" for hub-only tasks)
    has_pipeline: bool = True  # False: a hub tag transformers v5 has no pipeline for

    @property
    def auto_class(self) -> str:
        """The primary Auto class, stored as ``Task.auto_class``."""
        return self.auto_classes[0]

    def auto_class_for(self, model_type: str) -> str | None:
        """The Auto class that builds ``model_type`` for this task (``None`` when none does)."""
        for auto_name in self.auto_classes:
            if model_type in auto_mapping(auto_name):
                return auto_name
        return None

    def model_class_for(self, model_type: str, architectures: object = None) -> str | None:
        """The class transformers' Auto class builds for ``model_type``: the one ``architectures`` names among
        the candidates when there are several, else the default."""
        auto_name = self.auto_class_for(model_type)
        if auto_name is None:
            return None
        names = auto_mapping(auto_name)[model_type]
        if isinstance(architectures, list | tuple):
            chosen = next((arch for arch in architectures if arch in names), None)
            if chosen:
                return chosen
        return names[0]


@cache
def auto_mapping(auto_name: str) -> dict[str, tuple[str, ...]]:
    """model_type -> model class name(s) of one Auto class, read from its lazy mapping without importing models.

    A few model types map to several classes (``funnel`` -> ``FunnelModel``, ``FunnelBaseModel``): transformers
    picks the one the config's ``architectures`` names, else the first.
    """
    import transformers

    auto = getattr(transformers, auto_name)
    return {
        model_type: (names,) if isinstance(names, str) else tuple(names)
        for model_type, names in auto._model_mapping._model_mapping.items()
    }


def _task_info(name: str, auto_names: tuple[str, ...], modality: str, has_pipeline: bool) -> TaskInfo:
    classes: dict[str, str] = {}
    for auto_name in auto_names:
        for model_type, class_names in auto_mapping(auto_name).items():
            classes.setdefault(model_type, class_names[0])
    return TaskInfo(name, auto_names, classes, modality, has_pipeline)


@cache
def all_tasks() -> dict[str, TaskInfo]:
    """Every task transformers can build models for: pipeline tag -> :class:`TaskInfo`."""
    from transformers.pipelines import SUPPORTED_TASKS

    tasks: dict[str, TaskInfo] = {}
    for name, entry in SUPPORTED_TASKS.items():
        auto_names = tuple(cls.__name__ for cls in entry.get("pt", ()))
        if auto_names:
            tasks[name] = _task_info(name, auto_names, str(entry.get("type", "")), True)
    for name, auto_names in _HUB_ONLY_TASKS.items():
        if name not in tasks:
            tasks[name] = _task_info(name, auto_names, "", False)
    return tasks


@cache
def task_aliases() -> dict[str, str]:
    """Alternative spellings -> pipeline tag."""
    from transformers.pipelines import TASK_ALIASES

    tasks = all_tasks()
    aliases = {**dict(TASK_ALIASES), **_EXTRA_ALIASES}
    return {alias: target for alias, target in aliases.items() if target in tasks and alias not in tasks}


def canonical_task(name: str) -> str | None:
    """The pipeline tag ``name`` stands for, or ``None`` when it is no known task or alias."""
    name = name.strip().lower()
    if name in all_tasks():
        return name
    return task_aliases().get(name)


def validate_tasks(names: Iterable[str]) -> tuple[str, ...]:
    """Canonical pipeline tags for ``names`` (aliases resolved, duplicates dropped, order kept).

    Raises :class:`NnstructError` naming each unknown task with its closest known spellings.
    """
    known = sorted({*all_tasks(), *task_aliases()})
    resolved: list[str] = []
    problems: list[str] = []
    for name in names:
        if not name.strip():
            continue
        task = canonical_task(name)
        if task is None:
            close = difflib.get_close_matches(name.strip().lower(), known, n=3, cutoff=0.5)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"{name!r}{hint}")
        elif task not in resolved:
            resolved.append(task)
    if problems:
        raise NnstructError(
            f"unknown task {'; '.join(problems)}; known tasks: {', '.join(sorted(all_tasks()))}"
        )
    return tuple(resolved)


@cache
def _architecture_index() -> dict[str, str]:
    """model class name -> task, preferring primary tasks over the ones that reuse their models."""
    index: dict[str, str] = {}
    ordered = sorted(all_tasks().values(), key=lambda t: (t.name in _DERIVED_TASKS, not t.has_pipeline))
    for task in ordered:
        for auto_name in task.auto_classes:
            for class_names in auto_mapping(auto_name).values():
                for class_name in class_names:
                    index.setdefault(class_name, task.name)
    return index


@cache
def _image_model_types() -> frozenset[str]:
    from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_MAPPING_NAMES

    return frozenset(MODEL_FOR_IMAGE_MAPPING_NAMES)


def task_for_architecture(class_name: str, model_type: str | None = None) -> str | None:
    """The task a model class (a config's ``architectures`` entry) serves, e.g. ``BertForSequenceClassification``
    -> ``text-classification``; ``None`` when no task builds that class.

    A bare backbone (``AutoModel``) is ``image-feature-extraction`` when transformers lists its ``model_type`` among
    image models, else ``feature-extraction``.
    """
    task = _architecture_index().get(class_name)
    if task == "feature-extraction" and model_type is None:
        model_type = next((mt for mt, cls in all_tasks()[task].model_classes.items() if cls == class_name), None)
    if task == "feature-extraction" and model_type in _image_model_types():
        return "image-feature-extraction"
    return task
