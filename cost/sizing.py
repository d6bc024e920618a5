"""Size a stored model for one workload, the way people size a GPU: weights + KV cache + activations, and FLOPs.

Works from the figures ingest stored on the ``Model`` (no torch, no rebuild). Other lengths than the reference are
derived from the reference run: the non-attention FLOPs grow with the number of tokens, the attention matmuls with
its square (so sliding windows, which cap them, are over-counted past the window); activations (the peak of live
tensors during the reference forward pass) grow with the tokens. A reference input that is not token ids alone
(images, audio) cannot be rescaled: its figures are given at the reference, and ``scaled`` says so.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from nnstruct.cost.precision import PRECISION_BYTES, precision
from nnstruct.cost.properties import DEFAULT_DTYPE

_TOKEN_INPUTS = re.compile(r"^batch=\d+( (input_ids|decoder_input_ids)=\d+x\d+)+$")


@dataclass
class Sizing:
    model: str
    dtype: str
    batch: int
    seq_len: int
    scaled: bool  # False: FLOPs and activations are the reference input's (not token ids alone)
    weight_bytes: int
    kv_cache_bytes: int
    state_bytes: int
    activation_bytes: int | None
    total_bytes: int
    flops_forward: int | None
    flops_per_token: float | None
    flops_method: str | None
    flops_reason: str | None
    reference_input: str | None
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _ratio(model: dict[str, Any], dtype: str) -> float:
    """Bytes at ``dtype`` per stored byte (KV cache and state are stored at the model's dtype)."""
    return PRECISION_BYTES[dtype] / PRECISION_BYTES[precision(model.get("torch_dtype")) or DEFAULT_DTYPE]


def kv_cache_bytes(model: dict[str, Any], seq_len: int, batch: int, dtype: str) -> int:
    """KV cache of ``batch`` sequences of ``seq_len`` tokens at ``dtype``, from the stored per-token figures
    (sliding-window layers capped at their window)."""
    per_sequence = _int(model.get("kv_cache_global_bytes_per_token")) * seq_len
    windows = model.get("kv_cache_windows") or []
    widths = model.get("kv_cache_window_bytes_per_token") or []
    per_sequence += sum(_int(width) * min(seq_len, _int(window))
                        for window, width in zip(windows, widths, strict=False))
    return int(per_sequence * batch * _ratio(model, dtype))


def state_bytes(model: dict[str, Any], batch: int, dtype: str) -> int:
    """State-space state of ``batch`` sequences at ``dtype`` (constant in their length)."""
    return int(_int(model.get("state_bytes_per_sequence")) * batch * _ratio(model, dtype))


def size(model: dict[str, Any], seq_len: int | None = None, batch: int = 1, dtype: str | None = None) -> Sizing:
    """``model`` is a stored Model's properties (``id`` and the cost properties)."""
    dtype = precision(dtype) or precision(model.get("torch_dtype")) or DEFAULT_DTYPE
    reference_batch = _int(model.get("reference_batch")) or 1
    reference_tokens = _int(model.get("reference_tokens"))
    seq_len = seq_len or reference_tokens or 1
    notes: list[str] = []
    parameters = _int(model.get("weight_bytes_fp32")) / PRECISION_BYTES["fp32"]
    weights = int(round(parameters * PRECISION_BYTES[dtype]))
    kv = kv_cache_bytes(model, seq_len, batch, dtype)
    state = state_bytes(model, batch, dtype)
    if _int(model.get("kv_cache_cross_bytes_per_token")):
        cross = _int(model["kv_cache_cross_bytes_per_token"]) * _ratio(model, dtype)
        notes.append(f"plus {cross:,.0f} bytes of cross-attention cache per encoder token")
    total = _int(model.get("flops_forward"))
    attention = _int(model.get("flops_attention"))
    reference = model.get("reference_input")
    scaled = bool(reference_tokens and reference and _TOKEN_INPUTS.match(str(reference)))
    activations = model.get("activation_bytes")
    if scaled:
        positions = reference_batch * reference_tokens
        flops = (total - attention) * batch * seq_len / positions
        flops += attention * batch * seq_len * seq_len / (reference_batch * reference_tokens * reference_tokens)
        flops_forward: int | None = int(round(flops))
        per_token = flops / (batch * seq_len)
        if isinstance(activations, int):
            activations = int(activations * batch * seq_len / positions * PRECISION_BYTES[dtype] / 4)
    else:
        flops_forward = total if model.get("flops_forward") is not None else None
        per_token = model.get("flops_per_token")
        if isinstance(activations, int):
            activations = int(activations * PRECISION_BYTES[dtype] / 4)
        notes.append(f"FLOPs and activations at the reference input ({reference}): it is not token ids alone, so "
                     "--seq-len and --batch do not rescale them")
    if model.get("kv_cache_windows"):
        notes.append("sliding-window layers keep at most their window: " + ", ".join(
            f"{window:,} tokens" for window in model["kv_cache_windows"]))
    return Sizing(
        model=str(model.get("id")), dtype=dtype, batch=batch, seq_len=seq_len, scaled=scaled, weight_bytes=weights,
        kv_cache_bytes=kv, state_bytes=state, activation_bytes=activations if isinstance(activations, int) else None,
        total_bytes=weights + kv + state + (activations if isinstance(activations, int) else 0),
        flops_forward=flops_forward, flops_per_token=round(per_token, 1) if isinstance(per_token, float) else per_token,
        flops_method=model.get("flops_method"), flops_reason=model.get("flops_reason"), reference_input=reference,
        notes=notes,
    )
