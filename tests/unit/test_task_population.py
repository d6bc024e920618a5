"""Which model types the transformers catalogue ingests per task: the generic-class tasks keep the model types
whose modality fits, read from transformers' registries (the rule on the Task node: tests/graph)."""

from __future__ import annotations

import pytest

from nnstruct.ingest.task_population import modalities, sub_config_modalities, task_population
from nnstruct.ingest.tasks import all_tasks


def _population(task: str) -> set[str]:
    return set(task_population(all_tasks()[task]).model_types)


@pytest.mark.parametrize(("task", "present", "absent"), [
    ("feature-extraction", {"bert", "roberta", "llama", "encodec", "decision_transformer"},
     {"vit", "clip", "clap", "whisper", "llava", "dinov2"}),
    ("image-feature-extraction", {"vit", "dinov2", "convnext", "resnet", "clip_vision_model"},
     {"bert", "clip", "clap", "whisper", "llama", "llava"}),
    ("zero-shot-audio-classification", {"clap"}, {"bert", "vit", "whisper", "wav2vec2", "qwen2_audio", "clip"}),
    ("decision", {"qwen2"}, {"llama", "gpt2", "llava", "bert"}),
])
def test_generic_tasks_keep_fitting_modalities(task: str, present: set[str], absent: set[str]) -> None:
    population = _population(task)
    assert present - population == set()
    assert absent & population == set()
    assert len(population) < task_population(all_tasks()[task]).mapped


def test_task_auto_classes_keep_their_whole_mapping() -> None:
    info = all_tasks()["text-classification"]
    population = task_population(info)
    assert population.model_types == tuple(sorted(info.model_classes))
    assert population.rule == "model types of AutoModelForSequenceClassification"


def test_every_generic_only_model_type_keeps_exactly_one_generic_task() -> None:
    specific = {mt for info in all_tasks().values() for name in info.auto_classes if name != "AutoModel"
                for mt in info.model_classes if info.auto_class_for(mt) == name}
    generic_only = set(all_tasks()["feature-extraction"].model_classes) - specific
    generic = [_population(task) for task in ("feature-extraction", "image-feature-extraction",
                                              "zero-shot-audio-classification")]
    assert generic_only
    assert {mt for mt in generic_only if sum(mt in population for population in generic) != 1} == set()


def test_modalities_come_from_registries_and_sub_configs() -> None:
    assert modalities("bert") == {"text"}
    assert modalities("vit") == {"image"}
    assert {"audio", "text"} <= modalities("clap")
    assert modalities("clip_vision_model") == {"image"}  # CLIP's vision_config
    assert sub_config_modalities(["text_config", "vision_config"]) == {"text", "image"}
