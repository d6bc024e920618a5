"""Weight memory by tensor identity (tied weights once), at the usual precisions and at the model's own dtype.

Bytes are parameters only (buffers such as rotary tables or position ids are recomputed or tiny), at 4 bytes (fp32),
2 (bf16/fp16), 1 (int8) and 0.5 (4-bit; quantisation scales and zero points come on top and depend on the
scheme's group size, so they are left out). The model's dtype is the config's ``torch_dtype`` (or ``dtype``, its
newer name), read from the raw config since ingest builds every model at the default dtype on the meta device.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from nnstruct.cost.precision import PRECISION_BYTES, STORED_PRECISIONS


def parameter_count(model: nn.Module) -> int:
    """Parameters by tensor identity (``parameters()`` yields a shared tensor once)."""
    return sum(p.numel() for p in model.parameters())


def weight_bytes(parameters: int, name: str) -> int:
    return int(round(parameters * PRECISION_BYTES[name]))


def weight_properties(parameters: int, dtype: str | None = None) -> dict[str, Any]:
    """``weight_bytes_fp32`` ... ``weight_bytes_int4``, and ``weight_bytes``/``torch_dtype`` at the model's dtype."""
    found: dict[str, Any] = {f"weight_bytes_{name}": weight_bytes(parameters, name) for name in STORED_PRECISIONS}
    found["torch_dtype"] = dtype
    found["weight_bytes"] = weight_bytes(parameters, dtype) if dtype else None
    return found
