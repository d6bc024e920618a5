"""KV cache per token and state per sequence, read from the attention modules of real transformers models, against
values derived by hand from the configs; weight memory by tensor identity; sizing at other lengths and dtypes."""

from __future__ import annotations

import pytest
import torch
import transformers
from torch import nn

from nnstruct.cost.compute import compute_cost
from nnstruct.cost.sizing import kv_cache_bytes, size, state_bytes

BF16 = {"torch_dtype": "bfloat16"}


def _cost(config: transformers.PretrainedConfig, raw: dict | None = None, auto: str = "AutoModelForCausalLM"):
    with torch.device("meta"):
        model: nn.Module = getattr(transformers, auto).from_config(config)
    return compute_cost(model, raw, forward=False)


def test_llama_3_2_1b_sized_grouped_query_attention() -> None:
    config = transformers.LlamaConfig(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                                      num_attention_heads=32, num_key_value_heads=8, head_dim=64, vocab_size=128256,
                                      tie_word_embeddings=True)
    props = _cost(config, BF16).model_properties()
    # 16 layers x (keys + values) x 8 KV heads x 64 x 2 bytes
    assert props["kv_cache_bytes_per_token"] == 16 * 2 * 8 * 64 * 2 == 32_768
    assert props["kv_cache_global_bytes_per_token"] == 32_768
    assert props["kv_cache_windows"] is None and props["state_bytes_per_sequence"] == 0
    assert props["torch_dtype"] == "bf16"
    # tied embedding counted once: 1,235,814,400 parameters (Llama-3.2-1B's count)
    assert props["weight_bytes_fp32"] == 4 * 1_235_814_400
    assert props["weight_bytes"] == props["weight_bytes_bf16"] == 2 * 1_235_814_400
    assert props["weight_bytes_int4"] == 1_235_814_400 // 2


def test_mistral_sliding_window_beyond_its_window() -> None:
    config = transformers.MistralConfig(sliding_window=4096)  # Mistral-7B-v0.1: 32 layers, 8 KV heads of 128
    props = {"id": "mistral", **_cost(config, BF16).model_properties()}
    per_token = 32 * 2 * 8 * 128 * 2
    assert props["kv_cache_bytes_per_token"] == per_token == 131_072
    assert props["kv_cache_global_bytes_per_token"] == 0
    assert props["kv_cache_windows"] == [4096]
    assert kv_cache_bytes(props, 2048, 1, "bf16") == 2048 * per_token
    assert kv_cache_bytes(props, 16_384, 1, "bf16") == 4096 * per_token  # capped by the window: 512 MiB, not 2 GiB
    assert kv_cache_bytes(props, 16_384, 2, "fp32") == 2 * 2 * 4096 * per_token


def test_gemma_2_alternating_local_and_global_layers() -> None:
    # Gemma-2-9B: 42 layers alternating sliding (4096) and global, 8 KV heads of 256
    config = transformers.Gemma2Config(num_hidden_layers=42, num_key_value_heads=8, head_dim=256, hidden_size=3584,
                                       num_attention_heads=16, intermediate_size=14336, sliding_window=4096)
    props = {"id": "gemma2", **_cost(config, BF16).model_properties()}
    layer = 2 * 8 * 256 * 2
    assert props["kv_cache_bytes_per_token"] == 42 * layer == 344_064
    assert props["kv_cache_global_bytes_per_token"] == 21 * layer
    assert props["kv_cache_window_bytes_per_token"] == [21 * layer]
    assert kv_cache_bytes(props, 8192, 1, "bf16") == 21 * layer * 8192 + 21 * layer * 4096


def test_gemma_3_five_local_to_one_global() -> None:
    config = transformers.Gemma3TextConfig(num_hidden_layers=12, num_key_value_heads=4, head_dim=256,
                                           sliding_window=1024)
    props = _cost(config, BF16).model_properties()
    layer = 2 * 4 * 256 * 2
    assert props["kv_cache_global_bytes_per_token"] == 2 * layer  # layers 5 and 11
    assert props["kv_cache_windows"] == [1024]
    assert props["kv_cache_window_bytes_per_token"] == [10 * layer]


def test_deepseek_v3_latent_attention_caches_the_compressed_width() -> None:
    config = transformers.DeepseekV3Config(num_hidden_layers=61, n_routed_experts=8, num_experts_per_tok=2,
                                           first_k_dense_replace=3, kv_lora_rank=512, qk_rope_head_dim=64)
    cost = _cost(config, BF16)
    assert {layer.kind for layer in cost.kv.layers} == {"latent"}
    # 61 layers x (kv_lora_rank 512 + decoupled RoPE key 64) x 2 bytes, not 128 heads x (192 + 128) x 2
    assert cost.model_properties()["kv_cache_bytes_per_token"] == 61 * (512 + 64) * 2 == 70_272


def test_mamba_keeps_a_state_per_sequence_not_per_token() -> None:
    # mamba-130m: 24 layers, d_model 768, expand 2 (1,536 channels), d_state 16, conv kernel 4; no dtype: fp32
    config = transformers.MambaConfig(hidden_size=768, num_hidden_layers=24, state_size=16, expand=2, conv_kernel=4)
    props = {"id": "mamba", **_cost(config).model_properties()}
    assert props["kv_cache_bytes_per_token"] == 0
    assert props["state_bytes_per_sequence"] == 24 * (1536 * 16 + 1536 * 4) * 4 == 2_949_120
    assert state_bytes(props, 3, "bf16") == 3 * 2_949_120 // 2
    assert size(props, seq_len=100_000).kv_cache_bytes == 0


def test_jamba_hybrid_has_both() -> None:
    config = transformers.JambaConfig(num_hidden_layers=8, attn_layer_period=8, attn_layer_offset=4,
                                      num_key_value_heads=8, hidden_size=4096, num_attention_heads=32,
                                      mamba_d_state=16, mamba_expand=2, mamba_d_conv=4, num_experts=2)
    props = _cost(config, BF16).model_properties()
    assert props["kv_cache_layers"] == 1
    assert props["kv_cache_bytes_per_token"] == 2 * 8 * 128 * 2
    assert props["state_bytes_per_sequence"] == 7 * (8192 * 16 + 8192 * 4) * 2


def test_encoder_decoder_caches_decoder_self_and_cross_attention_only() -> None:
    config = transformers.T5Config(d_model=512, d_kv=64, num_heads=8, num_layers=6)  # t5-small
    props = _cost(config, auto="AutoModelForSeq2SeqLM").model_properties()
    assert props["kv_cache_bytes_per_token"] == 6 * 2 * 512 * 4  # decoder self-attention only, fp32
    assert props["kv_cache_cross_bytes_per_token"] == 6 * 2 * 512 * 4


def test_encoders_keep_no_cache() -> None:
    props = _cost(transformers.BertConfig(), auto="AutoModelForSequenceClassification").model_properties()
    assert props["kv_cache_bytes_per_token"] == 0 and props["kv_cache_layers"] == 0


def test_gpt2_fused_projection() -> None:
    props = _cost(transformers.GPT2Config()).model_properties()
    assert props["kv_cache_bytes_per_token"] == 12 * 2 * 768 * 4


def test_sizing_rescales_flops_from_the_reference() -> None:
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(transformers.GPT2Config(n_layer=2))
    props = {"id": "gpt2", **compute_cost(model, {}).model_properties()}
    assert props["flops_method"] == "forward" and props["reference_tokens"] == 512
    at_reference = size(props)
    assert at_reference.flops_forward == props["flops_forward"] and at_reference.scaled
    doubled = size(props, seq_len=1024, batch=2, dtype="bf16")
    linear = props["flops_forward"] - props["flops_attention"]
    assert doubled.flops_forward == 2 * (2 * linear + 4 * props["flops_attention"])
    assert doubled.weight_bytes == props["weight_bytes_bf16"]
    assert doubled.kv_cache_bytes == 2 * 1024 * props["kv_cache_bytes_per_token"] // 2
    assert doubled.total_bytes == doubled.weight_bytes + doubled.kv_cache_bytes + doubled.activation_bytes


@pytest.mark.parametrize("name", ["bfloat16", "float16", "float32"])
def test_dtype_from_config(name: str) -> None:
    props = _cost(transformers.GPT2Config(n_layer=1), {"torch_dtype": name}).model_properties()
    expected = {"bfloat16": 2, "float16": 2, "float32": 4}[name]
    assert props["kv_cache_bytes_per_token"] == 2 * 768 * expected


def test_with_dtype_rescales_only_the_dtype_dependent_figures() -> None:
    from nnstruct.cost.properties import with_dtype

    props = _cost(transformers.GPT2Config(n_layer=1)).model_properties()  # no dtype: fp32
    bf16 = with_dtype(props, "bf16")
    assert bf16["torch_dtype"] == "bf16" and bf16["weight_bytes"] == props["weight_bytes_bf16"]
    assert bf16["kv_cache_bytes_per_token"] * 2 == props["kv_cache_bytes_per_token"]
    assert bf16["flops_forward"] == props["flops_forward"] and bf16["weight_bytes_fp32"] == props["weight_bytes_fp32"]
    assert with_dtype(bf16, None) == {**props, "torch_dtype": None}


def test_images_are_not_rescaled_by_length() -> None:
    with torch.device("meta"):
        model = transformers.AutoModelForImageClassification.from_config(transformers.ViTConfig(num_hidden_layers=1))
    props = {"id": "vit", **compute_cost(model).model_properties()}
    assert props["reference_input"] == "batch=1 pixel_values=1x3x224x224"
    assert props["reference_tokens"] == 196  # 14 x 14 patches
    sized = size(props, seq_len=4096, batch=8)
    assert not sized.scaled and sized.flops_forward == props["flops_forward"]
    assert any("reference input" in note for note in sized.notes)
