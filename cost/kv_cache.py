"""KV cache per token, from the attention modules a model really contains (and its state-space state per sequence).

Only models that generate (``model.can_generate()``) keep a cache. Each attention module contributes, per token of
context, the width it would cache:

* key/value projections (``k_proj``/``v_proj``, ``key``/``value``, ``k``/``v``, ...): their ``out_features``
  summed, so grouped-query attention (8 KV heads of 64 instead of 32) is seen in the layer itself;
* fused projections (GPT-2's ``c_attn``, ``query_key_value``, ``qkv_proj``, ``Wqkv``): the K and V part, i.e.
  ``2 * kv_heads * head_dim`` from the module's or the config's head counts;
* latent attention (DeepSeek-V2/V3's ``kv_a_proj_with_mqa``): the compressed width ``kv_lora_rank +
  qk_rope_head_dim`` that MLA caches (transformers' own cache stores the decompressed keys and values; the
  compressed latent is what serving systems keep and what the design is for);
* sliding-window layers: the same width, but for at most ``window`` tokens (the module's ``sliding_window``, else
  the config's ``layer_types``/``sliding_window``);
* cross-attention (an encoder-decoder's decoder): per encoder token, kept apart.

State-space and recurrent mixers (a module with an ``A_log`` parameter: Mamba, Mamba-2, hybrids such as Jamba or
Zamba) hold a constant state per sequence instead: ``intermediate_size * ssm_state_size`` for the SSM state plus
``conv channels * kernel`` for the convolution state, as transformers' cache holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch import nn

from nnstruct.cost.inputs import text_config

_KV_PAIRS = (("k_proj", "v_proj"), ("key", "value"), ("k", "v"), ("wk", "wv"), ("key_proj", "value_proj"),
             ("to_k", "to_v"), ("linear_k", "linear_v"))
_FUSED = ("c_attn", "query_key_value", "qkv_proj", "Wqkv", "qkv", "in_proj", "W_pack", "qkv_linear")
_LATENT = "kv_a_proj_with_mqa"
_CROSS_NAMES = ("encoder_attn", "crossattention", "cross_attn", "EncDecAttention", "cross_attention")


@dataclass(frozen=True)
class KvLayer:
    path: str
    elements_per_token: int  # cached values per token of context (keys + values, or the latent)
    window: int | None = None  # sliding window: at most this many tokens are kept
    kind: str = "self"  # self | latent | cross


@dataclass
class KvCache:
    layers: list[KvLayer] = field(default_factory=list)
    state_elements: int = 0  # per sequence (state-space layers), independent of its length
    state_paths: list[str] = field(default_factory=list)

    def _self_layers(self) -> list[KvLayer]:
        return [layer for layer in self.layers if layer.kind != "cross"]

    @property
    def elements_per_token(self) -> int:
        """Per token of context while it fits every window (all self-attention layers, latent included)."""
        return sum(layer.elements_per_token for layer in self._self_layers())

    @property
    def global_elements_per_token(self) -> int:
        """Per token beyond every window: the layers without one."""
        return sum(layer.elements_per_token for layer in self._self_layers() if layer.window is None)

    @property
    def cross_elements_per_token(self) -> int:
        """Per encoder token (cross-attention keys and values)."""
        return sum(layer.elements_per_token for layer in self.layers if layer.kind == "cross")

    def windows(self) -> dict[int, int]:
        """window -> elements per token of the layers with that window."""
        found: dict[int, int] = {}
        for layer in self._self_layers():
            if layer.window is not None:
                found[layer.window] = found.get(layer.window, 0) + layer.elements_per_token
        return found

    def elements(self, tokens: int, encoder_tokens: int = 0) -> int:
        """Cached values for one sequence of ``tokens`` (and ``encoder_tokens`` for cross-attention)."""
        total = self.global_elements_per_token * tokens
        total += sum(width * min(tokens, window) for window, width in self.windows().items())
        return total + self.cross_elements_per_token * encoder_tokens + self.state_elements


def _out(module: Any) -> int | None:
    value = getattr(module, "out_features", None)
    if value is None:
        value = module.__dict__.get("nf") if isinstance(module, nn.Module) else None  # transformers' Conv1D
    return value if isinstance(value, int) else None


def _attr(module: nn.Module, config: Any, *names: str) -> int | None:
    for source in (module, config):
        for name in names:
            value = getattr(source, name, None)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


def _window(module: nn.Module, config: Any) -> int | None:
    if "sliding_window" in module.__dict__:  # the module decided (None: a global layer)
        value = module.__dict__["sliding_window"]
        return value if isinstance(value, int) and value > 0 else None
    window = getattr(config, "sliding_window", None)
    if not isinstance(window, int) or window <= 0 or getattr(config, "use_sliding_window", True) is False:
        return None
    types = getattr(config, "layer_types", None)
    index = getattr(module, "layer_idx", None)
    if isinstance(types, list | tuple) and isinstance(index, int) and 0 <= index < len(types):
        return window if "sliding" in str(types[index]) or "local" in str(types[index]) else None
    return window


def _is_cross(path: str, module: nn.Module) -> bool:
    if getattr(module, "is_cross_attention", False) is True:
        return True
    return any(name in path for name in _CROSS_NAMES)


def _fused_kv(module: nn.Module, fused: nn.Module, config: Any) -> int | None:
    heads = _attr(module, config, "num_heads", "num_attention_heads", "n_head", "n_heads")
    kv_heads = _attr(module, config, "num_key_value_heads", "num_kv_heads", "n_kv_heads", "multi_query_group_num")
    if getattr(config, "multi_query", False) is True:
        kv_heads = 1
    kv_heads = kv_heads or heads
    width = _out(fused)
    head_dim = _attr(module, config, "head_dim", "head_size", "kv_channels")
    if head_dim is None and heads and width:
        head_dim = width // (heads + 2 * (kv_heads or heads))
    if head_dim is None or kv_heads is None:
        return None
    return 2 * kv_heads * head_dim


def kv_cache(model: nn.Module) -> KvCache:
    """The cache ``model`` keeps while generating (empty for models that do not generate)."""
    result = KvCache()
    can_generate = getattr(model, "can_generate", None)
    if not callable(can_generate) or not can_generate():
        return result
    config = text_config(model.config)
    claimed: set[str] = set()  # attention modules already counted (a parent holding both pairs counts once)
    for path, module in _decoder_modules(model):
        children = module._modules
        if "A_log" in module._parameters and module._parameters["A_log"] is not None:
            result.state_elements += _ssm_state(module, config)
            result.state_paths.append(path)
            continue
        width: int | None = None
        kind = "self"
        if _LATENT in children:
            width, kind = _out(children[_LATENT]), "latent"
        else:
            for key, value in _KV_PAIRS:
                if key in children and value in children and _out(children[key]) and _out(children[value]):
                    width = _out(children[key]) + _out(children[value])  # type: ignore[operator]
                    break
            else:
                for name in _FUSED:
                    if name in children and _out(children[name]):
                        width = _fused_kv(module, children[name], config)
                        break
        if not width or any(path.startswith(done + ".") for done in claimed if done):
            continue
        claimed.add(path)
        if _is_cross(path, module):
            kind = "cross"
        window = _window(module, config) if kind != "cross" else None
        result.layers.append(KvLayer(path, width, window, kind))
    return result


def _decoder_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The modules of the part that generates (the decoder of an encoder-decoder, the language model of a
    vision-language model: ``get_decoder()``), with their paths in ``model``; encoders keep no cache."""
    named = list(model.named_modules())
    get_decoder = getattr(model, "get_decoder", None)
    try:
        decoder = get_decoder() if callable(get_decoder) else None
    except Exception:  # some models have no decoder accessor that works: take the whole model
        decoder = None
    if not isinstance(decoder, nn.Module) or decoder is model:
        return named
    prefix = next((path for path, module in named if module is decoder), None)
    if prefix is None:
        return named
    return [(path, module) for path, module in named
            if path == prefix or path.startswith(prefix + ".") or not prefix]


def _ssm_state(module: nn.Module, config: Any) -> int:
    a_log = module._parameters["A_log"]
    state_size = _attr(module, config, "ssm_state_size", "d_state", "state_size", "mamba_d_state")
    intermediate = _attr(module, config, "intermediate_size", "d_inner", "mamba_d_inner")
    if intermediate is None or state_size is None:
        ssm = a_log.numel() if a_log is not None else 0
    elif a_log is not None and a_log.dim() == 2:  # Mamba-1: A is (intermediate, state)
        ssm = a_log.numel()
    else:  # Mamba-2: one A per head; the state is (heads, head_dim, state) = intermediate * state
        ssm = intermediate * state_size
    conv = module._modules.get("conv1d")
    if isinstance(conv, nn.Conv1d):
        ssm += conv.in_channels * conv.kernel_size[0]
    return ssm
