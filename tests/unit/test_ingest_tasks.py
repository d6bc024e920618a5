"""Pure tests: the task registry, the structural config and its hash, and the build plan."""

from __future__ import annotations

import pytest

from nnstruct.errors import NnstructError
from nnstruct.ingest.meta_build import plan_build
from nnstruct.ingest.sources.catalogue import default_config
from nnstruct.ingest.structural_config import config_hash, normalized_config, structural_config
from nnstruct.ingest.tasks import all_tasks, task_for_architecture, validate_tasks


def test_tasks_come_from_transformers_registries() -> None:
    from transformers.pipelines import SUPPORTED_TASKS

    tasks = all_tasks()
    assert set(SUPPORTED_TASKS) <= set(tasks)
    assert tasks["text-classification"].auto_class == "AutoModelForSequenceClassification"
    assert tasks["text-classification"].model_classes["bert"] == "BertForSequenceClassification"
    asr = tasks["automatic-speech-recognition"]
    assert asr.auto_class_for("wav2vec2") == "AutoModelForCTC"
    assert asr.auto_class_for("whisper") == "AutoModelForSpeechSeq2Seq"
    assert tasks["question-answering"].model_classes["bert"] == "BertForQuestionAnswering"  # hub-only tag


@pytest.mark.parametrize(("class_name", "task"), [
    ("BertForSequenceClassification", "text-classification"),
    ("GPT2LMHeadModel", "text-generation"),
    ("BertModel", "feature-extraction"),
    ("ViTModel", "image-feature-extraction"),
    ("ViTForImageClassification", "image-classification"),
    ("WhisperForConditionalGeneration", "automatic-speech-recognition"),
    ("NoSuchModelClass", None),
])
def test_task_for_architecture(class_name: str, task: str | None) -> None:
    assert task_for_architecture(class_name) == task


def test_validate_tasks_resolves_aliases_and_names_close_matches() -> None:
    assert validate_tasks(["ner", " text-classification", "sentiment-analysis", ""]) == (
        "token-classification", "text-classification")
    with pytest.raises(NnstructError, match="did you mean text-classification"):
        validate_tasks(["text-clasification"])


def test_structural_config_drops_names_versions_and_label_names() -> None:
    config = {
        "_name_or_path": "someone/bert", "transformers_version": "4.40.0", "architectures": ["BertForMaskedLM"],
        "torch_dtype": "float32", "id2label": {"0": "NEG", "1": "POS"}, "label2id": {"NEG": 0, "POS": 1},
        "pad_token_id": 0, "bos_token_id": 1, "use_cache": True, "hidden_size": 768, "hidden_dropout_prob": 0.1,
        "text_config": {"_name_or_path": "x", "eos_token_id": 2, "vocab_size": 10},
    }
    assert structural_config(config) == {
        "hidden_size": 768, "hidden_dropout_prob": 0.1, "num_labels": 2, "text_config": {"vocab_size": 10},
    }


def test_config_hash_ignores_label_names_but_not_structure() -> None:
    base = {"model_type": "bert", "hidden_size": 64, "id2label": {"0": "a", "1": "b"}}
    renamed = {**base, "id2label": {"0": "neg", "1": "pos"}, "_name_or_path": "other"}
    assert config_hash(base, "BertModel") == config_hash(renamed, "BertModel")
    assert config_hash(base, "BertModel") != config_hash({**base, "hidden_size": 128}, "BertModel")
    assert config_hash(base, "BertModel") != config_hash({**base, "id2label": {"0": "a"}}, "BertModel")
    assert config_hash(base, "BertModel") != config_hash(base, "BertForMaskedLM")


def test_normalized_config_fills_defaults() -> None:
    full = default_config("bert")
    sparse = {"model_type": "bert", "hidden_size": full["hidden_size"]}
    assert config_hash(normalized_config(sparse), "BertModel") == config_hash(normalized_config(full), "BertModel")
    assert normalized_config({"model_type": "no-such-type", "a": 1}) == {"model_type": "no-such-type", "a": 1}


def test_plan_build() -> None:
    bert = default_config("bert")
    plan = plan_build(bert, "text-classification")
    assert (plan.auto_class, plan.class_name, plan.needs_remote_code, plan.problem) == (
        "AutoModelForSequenceClassification", "BertForSequenceClassification", False, None)
    assert plan_build(bert, "zero-shot-classification").built_by == plan.built_by
    assert plan_build({"model_type": "no-such-type"}, "text-classification").problem
    remote = plan_build({"model_type": "custom", "auto_map": {"AutoModel": "m.Custom"}}, "feature-extraction")
    assert remote.needs_remote_code and remote.problem is None
    # a task transformers has no model for with this type, but the config names a class it implements
    saved = plan_build({**bert, "architectures": ["BertForPreTraining"]}, "image-classification")
    assert saved.class_name == "BertForPreTraining" and saved.problem is None
    assert plan_build(bert, "image-classification").problem
