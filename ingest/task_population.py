"""Which model types the transformers catalogue ingests for each task, decided from transformers' own registries.

Most tasks are served by a task Auto class (``AutoModelForSequenceClassification``) whose mapping lists exactly the
model types that have that task head: the catalogue takes that mapping. Four pipeline tags are served by a generic
class instead (``AutoModel``, or for ``decision`` the text-generation classes as a fallback), so their mapping holds
every architecture: BERT would count as an image feature extractor and a zero-shot audio classifier. For those the
catalogue keeps the model types whose modality fits the task. A model type's modalities come from the registries
transformers loads its inputs with (a tokenizer: text; an image processor: image; a feature extractor: audio, as
every one transformers registers is; a video processor: video), from the names of its config's sub-configs
(``text_config``, ``vision_config``, ``audio_config``, ...), and from the single-modality pipelines whose task Auto
classes map it (``llama`` registers no tokenizer of its own, but ``text-generation``, a text pipeline, maps it).

A model type that no task Auto class reaches (only ``AutoModel``: audio codecs, time-series models, ...) keeps
exactly one generic task (image-only: ``image-feature-extraction``; an audio-text dual encoder:
``zero-shot-audio-classification``; anything else: ``feature-extraction``), so the catalogue loses no architecture.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from nnstruct.ingest.tasks import TaskInfo, all_tasks, auto_mapping

GENERIC_AUTO_CLASS = "AutoModel"

# Sub-config name fragments -> the modality the sub-model reads.
_SUB_CONFIG_MODALITIES = (("text", "text"), ("vision", "image"), ("image", "image"), ("backbone", "image"),
                          ("audio", "audio"), ("speech", "audio"), ("acoustic", "audio"), ("codec", "audio"),
                          ("video", "video"))

# Tasks whose models generate (text, audio or any output): a model type with one of their heads is a generator,
# not a contrastive dual encoder.
_GENERATIVE_TASKS = ("text-generation", "image-text-to-text", "any-to-any", "automatic-speech-recognition",
                     "text-to-audio", "text2text-generation")

# The rules, one sentence each, stored on the Task node as ``catalogue_rule``.
RULES = {
    "feature-extraction": "model types of AutoModel that read text only (a tokenizer or a text pipeline's Auto "
                          "class; no image processor, feature extractor, video processor or non-text sub-config), "
                          "plus those no task Auto class reaches that are neither image-only nor audio-text dual "
                          "encoders",
    "image-feature-extraction": "model types of AutoModel that read images only (an image processor or an image "
                                "model mapping; no tokenizer, feature extractor or non-image sub-config)",
    "zero-shot-audio-classification": "model types of AutoModel with an audio and a text sub-config (a dual "
                                      "encoder, like CLAP) that no generative task's Auto class maps",
    "decision": "model types of AutoModelForDecision (the task's own head; any chat model can also answer through "
                "the text-generation classes, and is counted under those tasks)",
}


@dataclass(frozen=True)
class Population:
    """The model types the catalogue ingests for one task and the rule that chose them."""

    task: str
    model_types: tuple[str, ...]  # sorted
    rule: str
    mapped: int  # how many model types the task's Auto classes map (the population before the rule)


@cache
def _registry_modalities() -> dict[str, frozenset[str]]:
    from transformers.models.auto.feature_extraction_auto import FEATURE_EXTRACTOR_MAPPING_NAMES
    from transformers.models.auto.image_processing_auto import IMAGE_PROCESSOR_MAPPING_NAMES
    from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_MAPPING_NAMES
    from transformers.models.auto.tokenization_auto import TOKENIZER_MAPPING_NAMES
    from transformers.models.auto.video_processing_auto import VIDEO_PROCESSOR_MAPPING_NAMES

    found: dict[str, set[str]] = {}
    for names, modality in ((TOKENIZER_MAPPING_NAMES, "text"), (IMAGE_PROCESSOR_MAPPING_NAMES, "image"),
                            (MODEL_FOR_IMAGE_MAPPING_NAMES, "image"), (FEATURE_EXTRACTOR_MAPPING_NAMES, "audio"),
                            (VIDEO_PROCESSOR_MAPPING_NAMES, "video")):
        for model_type, value in names.items():
            if value and (not isinstance(value, tuple | list) or any(value)):
                found.setdefault(model_type, set()).add(modality)
    return {model_type: frozenset(kinds) for model_type, kinds in found.items()}


def sub_config_modalities(names: object) -> frozenset[str]:
    """Modalities named by a config's sub-config attributes (``{"text_config", "audio_config"}`` -> text, audio)."""
    found = set()
    for name in names or ():
        for fragment, modality in _SUB_CONFIG_MODALITIES:
            if fragment in str(name):
                found.add(modality)
    return frozenset(found)


@cache
def _sub_configs(model_type: str) -> dict[str, object]:
    """A config class's ``sub_configs``: attribute name -> config class."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    try:
        return dict(getattr(CONFIG_MAPPING[model_type], "sub_configs", None) or {})
    except Exception:  # a config class that cannot even be imported has no sub-configs we can read
        return {}


@cache
def _sub_model_modalities() -> dict[str, frozenset[str]]:
    """Model types that are another config's sub-config (``clip_vision_model`` is CLIP's ``vision_config``) -> the
    modality that sub-config's name gives them."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    found: dict[str, set[str]] = {}
    for parent in CONFIG_MAPPING_NAMES:
        for name, config_class in _sub_configs(parent).items():
            sub_type = getattr(config_class, "model_type", None)
            if isinstance(sub_type, str) and sub_type and sub_type != parent:
                found.setdefault(sub_type, set()).update(sub_config_modalities([name]))
    return {model_type: frozenset(kinds) for model_type, kinds in found.items()}


@cache
def _task_modalities() -> dict[str, frozenset[str]]:
    """model_type -> the modalities of the single-modality pipelines (``type`` text, image, audio, video) whose
    task Auto classes map it."""
    found: dict[str, set[str]] = {}
    for task in all_tasks().values():
        if task.modality in ("text", "image", "audio", "video"):
            for auto_name in task.auto_classes:
                if auto_name != GENERIC_AUTO_CLASS:
                    for model_type in auto_mapping(auto_name):
                        found.setdefault(model_type, set()).add(task.modality)
    return {model_type: frozenset(kinds) for model_type, kinds in found.items()}


def modalities(model_type: str) -> frozenset[str]:
    """What ``model_type`` reads, from transformers' processor registries, its config's sub-configs, the pipelines
    that map it and, for a sub-model type (``clip_vision_model``), the name its parent config gives it."""
    return (_registry_modalities().get(model_type, frozenset()) | sub_config_modalities(_sub_configs(model_type))
            | _sub_model_modalities().get(model_type, frozenset()) | _task_modalities().get(model_type, frozenset()))


@cache
def _specific_model_types() -> frozenset[str]:
    """Model types some task reaches through a task Auto class (anything but the generic AutoModel)."""
    return frozenset(model_type for task in all_tasks().values() for auto_name in task.auto_classes
                     if auto_name != GENERIC_AUTO_CLASS for model_type in auto_mapping(auto_name))


def _fits(task: str, model_type: str) -> bool:
    kinds = modalities(model_type)
    generic_only = model_type not in _specific_model_types()
    if task == "feature-extraction":
        return kinds == {"text"} or (generic_only and not _image_only(kinds)
                                     and not _fits("zero-shot-audio-classification", model_type))
    if task == "image-feature-extraction":
        return _image_only(kinds)
    if task == "zero-shot-audio-classification":
        tasks = all_tasks()
        generative = any(model_type in tasks[name].model_classes for name in _GENERATIVE_TASKS if name in tasks)
        return {"audio", "text"} <= sub_config_modalities(_sub_configs(model_type)) and not generative
    if task == "decision":
        return model_type in auto_mapping(all_tasks()[task].auto_class)
    return True


def _image_only(kinds: frozenset[str]) -> bool:
    return "image" in kinds and not kinds - {"image", "video"}


def task_population(info: TaskInfo) -> Population:
    """The model types the catalogue ingests for ``info``'s task, with the rule that chose them."""
    mapped = sorted(info.model_classes)
    if info.name not in RULES:
        return Population(info.name, tuple(mapped), f"model types of {' / '.join(info.auto_classes)}", len(mapped))
    return Population(info.name, tuple(t for t in mapped if _fits(info.name, t)), RULES[info.name], len(mapped))
