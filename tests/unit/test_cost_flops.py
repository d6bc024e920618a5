"""FLOPs from the meta-device forward pass: equal to FlopCounterMode on the same model materialised on CPU, per
module, and attention growing with the square of the sequence length.

The CPU models keep the named configs' widths, heads and intermediate sizes (what decides every matmul's shape)
but have 2 layers (Whisper: 2 + 2), Llama's vocabulary is cut from 128,256 to 32,000 and the comparison runs at 128
tokens (Whisper: 30 s of audio, its full encoder input, with 32 decoder tokens): a full-size CPU forward at 512
tokens takes minutes on the test machine. The per-layer work is the same, so the equality says the same.
"""

from __future__ import annotations

import pytest
import torch
import transformers
from torch import nn

from nnstruct.cost.compute import compute_cost
from nnstruct.cost.flops import count_analytic, count_flops, count_forward
from nnstruct.cost.inputs import ReferenceInput, candidates

TOKENS = 128

# name -> (config, Auto class): the named models' configs, shrunk in depth only (see the module docstring).
CONFIGS = {
    "bert-base": (lambda: transformers.BertConfig(num_hidden_layers=2), "AutoModelForSequenceClassification"),
    "gpt2": (lambda: transformers.GPT2Config(n_layer=2), "AutoModelForCausalLM"),
    "llama-3.2-1b": (lambda: transformers.LlamaConfig(
        hidden_size=2048, intermediate_size=8192, num_hidden_layers=2, num_attention_heads=32, num_key_value_heads=8,
        head_dim=64, vocab_size=32000, tie_word_embeddings=True, max_position_embeddings=131072,
    ), "AutoModelForCausalLM"),
    "t5-small": (lambda: transformers.T5Config(d_model=512, d_ff=2048, num_heads=8, num_layers=2,
                                               num_decoder_layers=2), "AutoModelForSeq2SeqLM"),
    "vit-base": (lambda: transformers.ViTConfig(num_hidden_layers=2), "AutoModelForImageClassification"),
    "whisper-small": (lambda: transformers.WhisperConfig(
        d_model=768, encoder_layers=2, decoder_layers=2, encoder_attention_heads=12, decoder_attention_heads=12,
        encoder_ffn_dim=3072, decoder_ffn_dim=3072, num_mel_bins=80, max_target_positions=32,
    ), "AutoModelForSpeechSeq2Seq"),
}


def _build(name: str, device: str) -> nn.Module:
    make, auto = CONFIGS[name]
    torch.manual_seed(0)
    with torch.device(device):
        model = getattr(transformers, auto).from_config(make())
    return model.eval()


def _on_cpu(reference: ReferenceInput) -> ReferenceInput:
    tensors = {key: torch.zeros(tensor.shape, dtype=tensor.dtype) for key, tensor in reference.tensors.items()}
    return ReferenceInput(tensors, reference.batch, reference.tokens, options=reference.options)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_meta_flops_equal_cpu_flops_per_module(name: str) -> None:
    meta = _build(name, "meta")
    meta_count = count_flops(meta, tokens=TOKENS)
    assert meta_count.method == "forward", meta_count.reason
    reference = candidates(meta, tokens=TOKENS)[0]
    assert meta_count.reference == reference.describe()
    cpu_count = count_forward(_build(name, "cpu"), _on_cpu(reference))
    assert meta_count.total > 0
    assert meta_count.total == cpu_count.total
    assert meta_count.per_module == cpu_count.per_module
    assert meta_count.attention == cpu_count.attention > 0


def test_full_size_bert_base_matches_the_closed_form() -> None:
    """BERT-base at the default reference (512 tokens) on the meta device, against the hand count."""
    model = _build_full_bert()
    count = count_flops(model)
    assert count.reference == "batch=1 input_ids=1x512"
    hidden, ffn, layers, tokens = 768, 3072, 12, 512
    linear = layers * tokens * 2 * (4 * hidden * hidden + 2 * hidden * ffn) + 2 * hidden * hidden + 2 * hidden * 2
    attention = layers * 4 * tokens * tokens * hidden
    assert count.attention == attention
    assert count.total == linear + attention
    assert count.per_module["bert.encoder.layer.0"] == count.per_module["bert.encoder.layer.11"]
    assert count.per_token == count.total / tokens


def _build_full_bert() -> nn.Module:
    with torch.device("meta"):
        return transformers.AutoModelForSequenceClassification.from_config(transformers.BertConfig()).eval()


@pytest.mark.parametrize("name", ["bert-base", "gpt2", "llama-3.2-1b", "t5-small"])
def test_attention_flops_grow_quadratically(name: str) -> None:
    model = _build(name, "meta")
    short, long = count_flops(model, tokens=64), count_flops(model, tokens=256)
    assert short.method == long.method == "forward"
    assert long.attention == 16 * short.attention  # 4x the tokens: 16x the attention matmuls
    assert long.total - long.attention == pytest.approx(4 * (short.total - short.attention), rel=0.01)


def test_analytic_fallback_counts_linears_and_attention() -> None:
    model = _build_full_bert()
    count = count_analytic(model, "test", tokens=512)
    forward = count_flops(model)
    assert count.method == "analytic" and count.reason == "test"
    # The same attention matmuls; the Linear layers all at every token, where the forward pass runs the pooler and
    # the classifier on the first token only: 0.6% more.
    assert count.attention == forward.attention
    assert count.total == pytest.approx(forward.total, rel=0.01)
    assert count.per_module["bert.encoder.layer.3.attention.self.query"] == 2 * 768 * 768 * 512


class DataDependent(nn.Module):
    """A forward pass the meta device cannot run (``.item()`` on a meta tensor)."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 16)
        self.config = transformers.PretrainedConfig(max_position_embeddings=32)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        steps = int(input_ids.sum().item())
        return self.proj(torch.zeros(steps, 8, device=input_ids.device))


def test_a_forward_pass_that_fails_falls_back_with_its_reason() -> None:
    with torch.device("meta"):
        model = DataDependent()
    cost = compute_cost(model)
    assert cost.flops.method == "analytic"
    assert "item" in (cost.flops.reason or "").lower() or "meta" in (cost.flops.reason or "").lower()
    assert cost.flops.total == 2 * 8 * 16 * 32
    assert cost.tree_properties()["flops_reason"] == cost.flops.reason


def test_mixture_of_experts_counts_the_routed_experts() -> None:
    config = transformers.MixtralConfig(num_hidden_layers=1, hidden_size=256, intermediate_size=512,
                                        num_attention_heads=4, num_key_value_heads=2, vocab_size=1000,
                                        num_local_experts=8, num_experts_per_tok=2)
    with torch.device("meta"):
        model = transformers.AutoModelForCausalLM.from_config(config)
    count = count_flops(model, tokens=64)
    experts = next(path for path, _ in model.named_modules() if path.endswith("experts"))
    # top-2 of 8 experts per token, each a gated MLP: gate+up (256 -> 2x512) and down (512 -> 256)
    assert count.per_module[experts] == 64 * 2 * 2 * (256 * 2 * 512 + 512 * 256)
