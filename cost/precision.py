"""Bytes per value of the precisions cost figures are given at, and the dtype names that map onto them (no torch:
the CLI reads stored figures with this)."""

from __future__ import annotations

from typing import Any

# The one table of precisions: name -> bytes per value. Names a config may give map onto these.
PRECISION_BYTES: dict[str, float] = {"fp32": 4, "bf16": 2, "fp16": 2, "int8": 1, "int4": 0.5}
STORED_PRECISIONS = ("fp32", "bf16", "int8", "int4")  # weight_bytes_<name> on Model/Architecture

_DTYPE_ALIASES = {
    "float32": "fp32", "float": "fp32", "fp32": "fp32", "torch.float32": "fp32",
    "bfloat16": "bf16", "bf16": "bf16", "torch.bfloat16": "bf16",
    "float16": "fp16", "half": "fp16", "fp16": "fp16", "torch.float16": "fp16",
    "int8": "int8", "uint8": "int8", "float8_e4m3fn": "int8", "float8_e5m2": "int8",
    "int4": "int4", "4bit": "int4", "nf4": "int4", "fp4": "int4",
}


def precision(name: Any) -> str | None:
    """A dtype name (``bfloat16``, ``torch.float16``, ``int4``, ...) as a key of :data:`PRECISION_BYTES`."""
    if name is None:
        return None
    return _DTYPE_ALIASES.get(str(name).strip().lower())


def config_dtype(config: dict[str, Any] | None) -> str | None:
    """The model's own dtype from its raw config (top level, else its text config), or ``None``."""
    if not isinstance(config, dict):
        return None
    for source in (config, config.get("text_config")):
        if isinstance(source, dict):
            for key in ("torch_dtype", "dtype"):
                found = precision(source.get(key))
                if found:
                    return found
    return None
