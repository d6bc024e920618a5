"""Config repairs for the ``transformers`` catalogue source only: fill structural fields that transformers' own
default config leaves unset although the model code needs them.

Some default configs (``CONFIG_MAPPING[model_type]()``) in transformers 5.24 cannot build their own model: a field
the modeling code reads is ``None``. For those model types, and only those, the field is set to the value
transformers itself documents or derives: the shared argument docs (``transformers/utils/auto_docstring.py``), the
model's configuration docstring, or the fallback its modeling code spells out. The table below names each
repair and where its value comes from; nothing else is touched, and a field that already has a value is left alone.
Hub and local configs are what their authors wrote and are never repaired.

Each applied repair is recorded on the Model node as ``config_repairs`` (e.g. ``["head_dim=128"]``; a field of a
sub-config is written with its path, e.g. ``text_config.head_dim=128``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _head_dim(config: dict[str, Any]) -> int | None:
    """``hidden_size // num_attention_heads``: auto_docstring.py's ``head_dim`` ("If None, it will default to
    hidden_size // num_attention_heads"), and the ``getattr(config, "head_dim", hidden_size // num_attention_heads)``
    fallback of these models' attention code (which misses because the attribute exists, as None)."""
    hidden, heads = config.get("hidden_size"), config.get("num_attention_heads")
    return hidden // heads if isinstance(hidden, int) and isinstance(heads, int) and heads > 0 else None


def _num_key_value_heads(config: dict[str, Any]) -> int | None:
    """``num_attention_heads``: auto_docstring.py's ``num_key_value_heads`` ("If it is not specified, will default
    to `num_attention_heads`")."""
    heads = config.get("num_attention_heads")
    return heads if isinstance(heads, int) and heads > 0 else None


@dataclass(frozen=True)
class Repair:
    """Set ``field`` (a dotted path into the config dict, e.g. ``text_config.head_dim``) when it is unset."""

    field: str
    value: Callable[[dict[str, Any]], Any] | int | float | str  # a rule on the (sub-)config holding the field
    why: str


HEAD_DIM = Repair("head_dim", _head_dim, "auto_docstring.py head_dim: defaults to hidden_size // num_attention_heads")
TEXT_HEAD_DIM = Repair("text_config.head_dim", _head_dim, HEAD_DIM.why)
NUM_KEY_VALUE_HEADS = Repair("num_key_value_heads", _num_key_value_heads,
                             "auto_docstring.py num_key_value_heads: defaults to num_attention_heads")
# The time-series models raise "The `prediction_length` config needs to be specified." on a default config; 12 is
# the value of the configuration examples of InformerConfig and TimeSeriesTransformerConfig (AutoformerConfig, the
# same family of HF time-series models, gives none: it gets the same).
PREDICTION_LENGTH = Repair("prediction_length", 12,
                           "configuration_informer.py / configuration_time_series_transformer.py example: 12")

REPAIRS: dict[str, tuple[Repair, ...]] = {
    # Attention reads head_dim (scaling = head_dim**-0.5), the default config leaves it None.
    "ministral": (HEAD_DIM,),
    "hunyuan_v1_dense": (HEAD_DIM,),
    "hunyuan_v1_moe": (HEAD_DIM,),
    "hunyuan_vl_text": (HEAD_DIM,),
    "hunyuan_vl": (TEXT_HEAD_DIM,),
    # Attention computes num_heads // num_key_value_heads, the default config leaves the latter None.
    "nemotron": (NUM_KEY_VALUE_HEADS,),
    "autoformer": (PREDICTION_LENGTH,),
    "informer": (PREDICTION_LENGTH,),
    "time_series_transformer": (PREDICTION_LENGTH,),
    # The word embedding needs vocab_size (None by default); 33 is configuration_esm.py's example
    # (``EsmConfig(vocab_size=33)``), the ESM-2 alphabet.
    "esm": (Repair("vocab_size", 33, "configuration_esm.py example: EsmConfig(vocab_size=33)"),),
}


def _holder(config: dict[str, Any], path: list[str]) -> dict[str, Any] | None:
    """The (sub-)config dict that holds the last element of ``path``, or None when the path does not exist."""
    holder: Any = config
    for key in path[:-1]:
        holder = holder.get(key) if isinstance(holder, dict) else None
    return holder if isinstance(holder, dict) else None


def repair_config(model_type: str, config: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``config`` with the repairs of ``model_type`` applied (a copy when any applies), and the repairs applied as
    ``field=value`` strings. Fields that already have a value, and model types without repairs, are left as they
    are; a rule whose inputs are missing does nothing."""
    repairs = REPAIRS.get(model_type, ())
    applied: list[str] = []
    repaired = copy.deepcopy(config) if repairs else config
    for repair in repairs:
        path = repair.field.split(".")
        holder = _holder(repaired, path)
        if holder is None or holder.get(path[-1]) is not None:
            continue
        value = repair.value(holder) if callable(repair.value) else repair.value
        if value is None:
            continue
        holder[path[-1]] = value
        applied.append(f"{repair.field}={value}")
    return (repaired if applied else config), applied
