"""Small sizes for the architectures the component rules' CASES build (fast builds; the structure is the same)."""

from __future__ import annotations

from typing import Any

_LAYERS = ("num_hidden_layers", "num_layers", "n_layer", "encoder_layers", "decoder_layers", "num_decoder_layers")

SMALL: dict[str, dict[str, Any]] = {
    "deepseek_v3": {"num_hidden_layers": 2, "first_k_dense_replace": 1, "hidden_size": 64, "intermediate_size": 128,
                    "moe_intermediate_size": 32, "num_attention_heads": 4, "num_key_value_heads": 4,
                    "n_routed_experts": 8, "n_shared_experts": 1, "num_experts_per_tok": 2, "n_group": 1,
                    "topk_group": 1, "q_lora_rank": 16, "kv_lora_rank": 16, "qk_rope_head_dim": 8,
                    "qk_nope_head_dim": 8, "v_head_dim": 8, "vocab_size": 1000},
    "jamba": {"num_hidden_layers": 2, "attn_layer_period": 2, "attn_layer_offset": 1, "expert_layer_period": 2,
              "expert_layer_offset": 1, "num_experts": 4, "num_experts_per_tok": 2, "hidden_size": 64,
              "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2, "mamba_d_state": 8,
              "vocab_size": 1000},
    "mixtral": {"hidden_size": 64, "intermediate_size": 128, "vocab_size": 1000},
    "qwen2_moe": {"hidden_size": 64, "intermediate_size": 128, "moe_intermediate_size": 32,
                  "shared_expert_intermediate_size": 64, "num_experts": 4, "vocab_size": 1000},
    "mamba": {"hidden_size": 64, "vocab_size": 1000},
    "llama": {"hidden_size": 128, "intermediate_size": 256, "vocab_size": 1000},
    "mistral": {"hidden_size": 128, "intermediate_size": 256, "vocab_size": 1000},
    "qwen2": {"hidden_size": 128, "intermediate_size": 256, "vocab_size": 1000},
    "falcon": {"hidden_size": 128, "num_attention_heads": 8, "vocab_size": 1000},
    "bloom": {"hidden_size": 64, "n_head": 4, "vocab_size": 1000},
}


def small_config(model_type: str, default: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``default`` shrunk to two layers (and the sizes in SMALL), then the case's own ``overrides``."""
    config = dict(default)
    for key in _LAYERS:
        if isinstance(config.get(key), int) and config[key] > 2:
            config[key] = 2
    if isinstance(config.get("layer_types"), list):
        config["layer_types"] = config["layer_types"][:2]
    config.update(SMALL.get(model_type, {}))
    config.update(overrides)
    return config
