"""The cost properties ingest stores, declared once (the graph schema in README.md documents them), and how the
dtype-dependent ones follow a config's dtype. No torch: the ingest runner and the CLI use this."""

from __future__ import annotations

from typing import Any

from nnstruct.cost.precision import PRECISION_BYTES, precision

DEFAULT_DTYPE = "fp32"  # the KV cache and state are given at this when the config names no dtype

# On Architecture and Model: figures of the module tree at the reference input.
TREE_COST_PROPERTIES = (
    "flops_forward", "flops_attention", "flops_per_token", "flops_method", "flops_reason", "flop_counter",
    "reference_input", "reference_batch", "reference_tokens", "activation_bytes",
    "weight_bytes_fp32", "weight_bytes_bf16", "weight_bytes_int8", "weight_bytes_int4",
)
# On Model only, in bytes at the model's dtype (``torch_dtype``; fp32 when the config gives none).
DTYPE_COST_PROPERTIES = (
    "weight_bytes", "kv_cache_bytes_per_token", "kv_cache_global_bytes_per_token", "kv_cache_window_bytes_per_token",
    "kv_cache_cross_bytes_per_token", "state_bytes_per_sequence",
)
MODEL_COST_PROPERTIES = (*TREE_COST_PROPERTIES, "torch_dtype", "kv_cache_windows", "kv_cache_layers",
                         *DTYPE_COST_PROPERTIES)


def _scaled(value: Any, ratio: float) -> Any:
    if isinstance(value, list):
        return [int(item * ratio) for item in value]
    return int(value * ratio) if isinstance(value, int | float) else value


def with_dtype(properties: dict[str, Any], dtype: str | None) -> dict[str, Any]:
    """``properties`` (a Model's cost properties) for a config of the same structure whose dtype is ``dtype``:
    ``torch_dtype`` is dropped from the structural config, so models linked to one build may differ in it."""
    if not properties or "kv_cache_bytes_per_token" not in properties:
        return dict(properties)
    old = PRECISION_BYTES[precision(properties.get("torch_dtype")) or DEFAULT_DTYPE]
    new = PRECISION_BYTES[dtype or DEFAULT_DTYPE]
    result = {**properties, "torch_dtype": dtype}
    for key in DTYPE_COST_PROPERTIES:
        if key == "weight_bytes":
            fp32 = properties.get("weight_bytes_fp32")
            result[key] = int(fp32 / 4 * new) if dtype and isinstance(fp32, int) else None
        else:
            result[key] = _scaled(properties.get(key), new / old)
    return result
