"""The part of a model config that decides its module tree, and the hash that lets equal configs share one build.

The rule: a config key is *structural* unless it can only change names, provenance, tokenisation, generation or
runtime behaviour, never which modules are built or their sizes. Dropped, at every nesting level:

* names, paths and versions: ``_name_or_path``, ``name_or_path``, ``transformers_version``, ``_commit_hash``,
  ``architectures`` (we build the task's class, not the saved one), ``torch_dtype``/``dtype`` (meta tensors);
* label names: ``id2label``/``label2id`` are replaced by their count, ``num_labels`` (the size of the head);
* token ids and tokenizer settings (``*_token_id``, ``tokenizer_class``, ``prefix``, ...);
* generation and runtime switches (``max_length``, ``num_beams``, ``use_cache``, ``output_attentions``,
  ``return_dict``, ``problem_type``, ``task_specific_params``, ...).

Everything else is kept (dropout rates included: they are stored on Dropout modules). Keeping a harmless key only
costs a redundant build, whose tree then deduplicates by architecture hash; dropping a structural one would link a
model to the wrong tree, so the list errs on the side of keeping.

The config hash covers the structural config and the class that builds it (the task's model class for the
``model_type``, or the task's Auto classes when only remote code knows the class): the same config built for two
tasks served by the same class (``text-classification`` and ``zero-shot-classification``) is built once.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

_DROPPED_KEYS = frozenset({
    # names, paths, versions
    "_name_or_path", "name_or_path", "transformers_version", "_commit_hash", "architectures", "torch_dtype", "dtype",
    "_attn_implementation_autoset", "_attn_implementation_internal", "_experts_implementation",
    # labels: only their count matters (num_labels is added back)
    "id2label", "label2id",
    # tokenisation
    "tokenizer_class", "prefix", "sep_token", "pad_token", "bos_token", "eos_token", "unk_token", "mask_token",
    # generation
    "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups", "diversity_penalty",
    "temperature", "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
    "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
    "return_dict_in_generate", "remove_invalid_values", "exponential_decay_length_penalty", "suppress_tokens",
    "begin_suppress_tokens", "forced_decoder_ids", "task_specific_params", "generation_config",
    # runtime switches and training-only settings
    "use_cache", "output_attentions", "output_hidden_states", "return_dict", "use_return_dict", "torchscript",
    "problem_type", "finetuning_task", "gradient_checkpointing", "chunk_size_feed_forward", "pruned_heads",
    "tf_legacy_loss", "use_bfloat16", "xla_device", "initializer_range", "initializer_factor", "init_std",
})

_TOKEN_ID = re.compile(r"(^|_)token_(id|ids|index)$")


def _labels(config: dict[str, Any]) -> int | None:
    for key in ("id2label", "label2id"):
        value = config.get(key)
        if isinstance(value, dict) and value:
            return len(value)
    value = config.get("num_labels")
    return value if isinstance(value, int) else None


def _structural(value: Any) -> Any:
    if isinstance(value, dict):
        return structural_config(value)
    if isinstance(value, list | tuple):
        return [_structural(item) for item in value]
    return value


def structural_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` without the keys that cannot change the module tree (see the module docstring); keys become
    strings (JSON's), nested configs and lists of them are filtered too."""
    kept: dict[str, Any] = {}
    for key, value in config.items():
        key = str(key)
        if key in _DROPPED_KEYS or _TOKEN_ID.search(key):
            continue
        kept[key] = _structural(value)
    labels = _labels(config)
    if labels is not None:
        kept["num_labels"] = labels
    return kept


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def config_hash(config: dict[str, Any], built_by: str) -> str:
    """Hash of the structural config and the class (or Auto classes) that builds it."""
    payload = canonical_json({"builds": built_by, "config": structural_config(config)})
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def normalized_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config with transformers' defaults filled in, so a hub ``config.json`` that omits default values hashes
    like the full default config. Unknown model types and remote-code configs come back unchanged."""
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or "auto_map" in config:
        return config
    from nnstruct.ingest.quiet import quiet

    with quiet():
        from transformers.models.auto.configuration_auto import CONFIG_MAPPING

        if model_type not in CONFIG_MAPPING:
            return config
        try:
            return CONFIG_MAPPING[model_type].from_dict(dict(config)).to_dict()
        except Exception:  # a broken config is reported by the build, with its own error
            return config
