"""The cost of one built model (on the meta device): FLOPs per module, weight memory, KV cache and state.

:func:`compute_cost` never raises for a model that built: a forward pass that fails falls back to analytic FLOPs,
with the reason kept (``flops_reason``). What it returns splits into the properties of the tree (``Architecture``,
shared by every model with that tree) and those of one config (``Model``: the dtype, the KV cache, which the
sliding window or the config's layer types decide without changing the modules).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from torch import nn

from nnstruct.cost.flops import FlopCount, count_analytic, count_flops, counter_version
from nnstruct.cost.kv_cache import KvCache, kv_cache
from nnstruct.cost.memory import parameter_count, weight_properties
from nnstruct.cost.precision import PRECISION_BYTES, config_dtype
from nnstruct.cost.properties import DEFAULT_DTYPE


@dataclass
class ModelCost:
    flops: FlopCount
    kv: KvCache
    parameters: int
    dtype: str | None  # the config's own dtype (None: not given)
    seconds: float = 0.0

    def tree_properties(self) -> dict[str, Any]:
        """Properties of the ``Architecture`` (the module tree at the reference input)."""
        flops = self.flops
        per_token = flops.per_token
        return {
            "flops_forward": flops.total, "flops_attention": flops.attention,
            "flops_per_token": round(per_token, 1) if per_token is not None else None,
            "flops_method": flops.method, "flops_reason": flops.reason, "flop_counter": counter_version(),
            "reference_input": flops.reference, "reference_batch": flops.batch, "reference_tokens": flops.tokens,
            "activation_bytes": flops.activation_bytes,
            **{key: value for key, value in weight_properties(self.parameters).items()
               if key.startswith("weight_bytes_")},
        }

    def model_properties(self) -> dict[str, Any]:
        """Properties of the ``Model``: the tree's, plus its dtype, weights at that dtype, KV cache and state."""
        size = PRECISION_BYTES[self.dtype or DEFAULT_DTYPE]
        windows = sorted(self.kv.windows().items())
        return {
            **self.tree_properties(),
            **weight_properties(self.parameters, self.dtype),
            "kv_cache_bytes_per_token": int(self.kv.elements_per_token * size),
            "kv_cache_global_bytes_per_token": int(self.kv.global_elements_per_token * size),
            "kv_cache_windows": [window for window, _ in windows] or None,
            "kv_cache_window_bytes_per_token": [int(width * size) for _, width in windows] or None,
            "kv_cache_cross_bytes_per_token": int(self.kv.cross_elements_per_token * size),
            "kv_cache_layers": len(self.kv.layers),
            "state_bytes_per_sequence": int(self.kv.state_elements * size),
        }


def compute_cost(model: nn.Module, config: dict[str, Any] | None = None, batch: int = 1,
                 tokens: int | None = None, forward: bool = True) -> ModelCost:
    """Cost of ``model`` (built on the meta device); ``config`` is its raw config (for ``torch_dtype``)."""
    started = time.perf_counter()
    if forward:
        flops = count_flops(model, batch, tokens)
    else:
        flops = count_analytic(model, "forward pass not requested", batch, tokens)
    try:
        kv = kv_cache(model)
    except Exception:  # an attention module the reader does not understand: no cache rather than no cost
        kv = KvCache()
    return ModelCost(flops, kv, parameter_count(model), config_dtype(config), time.perf_counter() - started)
