"""Stacks run short (nnstruct.cost.repeats): one layer per group of alike layers runs, the others get its counts.
The short forward pass must count exactly what the full one counts, module by module, for uniform stacks, stacks
whose first layer differs (T5's relative attention bias), hybrid stacks (Jamba: attention and Mamba layers, dense
and mixture-of-experts feed-forwards) and dense-then-MoE stacks (DeepSeek-V3)."""

from __future__ import annotations

import pytest
import torch
import transformers
from torch import nn

from nnstruct.cost.flops import count_flops, count_forward
from nnstruct.cost.inputs import candidates
from nnstruct.cost.repeats import find_repeats

CONFIGS = {
    "llama": (lambda: transformers.LlamaConfig(num_hidden_layers=4, hidden_size=128, intermediate_size=256,
                                               num_attention_heads=4, num_key_value_heads=2, vocab_size=1000),
              "AutoModelForCausalLM"),
    "t5": (lambda: transformers.T5Config(d_model=64, d_ff=128, num_heads=4, d_kv=16, num_layers=3,
                                         num_decoder_layers=3, vocab_size=1000), "AutoModelForSeq2SeqLM"),
    "jamba": (lambda: transformers.JambaConfig(num_hidden_layers=8, hidden_size=64, intermediate_size=128,
                                               num_attention_heads=4, num_key_value_heads=2, vocab_size=1000,
                                               num_experts=4, num_experts_per_tok=2, attn_layer_period=4,
                                               attn_layer_offset=2, expert_layer_period=2, expert_layer_offset=1,
                                               mamba_d_state=8, mamba_dt_rank=8, use_mamba_kernels=False),
              "AutoModelForCausalLM"),
    "deepseek_v3": (lambda: transformers.DeepseekV3Config(
        num_hidden_layers=4, first_k_dense_replace=1, hidden_size=64, intermediate_size=128,
        moe_intermediate_size=32, num_attention_heads=4, num_key_value_heads=4, n_routed_experts=4,
        num_experts_per_tok=2, n_group=1, topk_group=1, kv_lora_rank=16, q_lora_rank=24, qk_rope_head_dim=8,
        qk_nope_head_dim=8, v_head_dim=8, vocab_size=1000), "AutoModelForCausalLM"),
}


def _meta(name: str) -> nn.Module:
    make, auto = CONFIGS[name]
    with torch.device("meta"):
        model = getattr(transformers, auto).from_config(make()).eval()
    # as count_flops runs it (a matmul on inputs that need gradients may run as bmm rather than mm: same FLOPs)
    return model.requires_grad_(False)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_short_stacks_count_what_the_full_pass_counts(name: str) -> None:
    model = _meta(name)
    modules = [path for path, _ in model.named_modules()]
    short = count_flops(model, tokens=64)  # eager attention, batched experts, the stacks short
    repeats = find_repeats(model)
    assert repeats and any(len(group) > 1 for repeat in repeats for group in repeat.groups)
    full = count_forward(model, candidates(model, tokens=64)[0], [])
    assert short.method == "forward" and short.total > 0
    assert (short.total, short.attention, short.by_op) == (full.total, full.attention, full.by_op)
    assert short.per_module == full.per_module
    assert [path for path, _ in model.named_modules()] == modules  # the swap is undone


def test_groups_keep_one_layer_of_each_kind() -> None:
    model = _meta("jamba")
    (stack,) = [repeat for repeat in find_repeats(model) if repeat.path == "model.layers"]
    kinds = {index: (type(layer).__name__, type(layer.feed_forward).__name__)
             for index, layer in enumerate(model.model.layers)}
    assert len(stack.groups) == len(set(kinds.values())) < len(kinds)
    for group in stack.groups:
        assert len({kinds[index] for index in group}) == 1


def test_a_layer_object_held_twice_is_not_shortened() -> None:
    with torch.device("meta"):
        layer = nn.Linear(8, 8)
        model = nn.Module()
        model.layers = nn.ModuleList([layer, layer, nn.Linear(8, 8)])
    assert find_repeats(model) == []


def test_a_short_pass_that_fails_on_a_value_read_is_not_run_again_in_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """XLM's short pass fails on its layer lists, indexed by layer number, and runs again in full; given no
    ``lengths``, it reads ``lengths.max().item()`` before any layer, which the full pass would read too."""
    from nnstruct.cost import flops

    with torch.device("meta"):
        model = transformers.AutoModelForSequenceClassification.from_config(
            transformers.XLMConfig(n_layers=3, emb_dim=64, n_heads=4)).eval()
    repeats = find_repeats(model)
    with_lengths, without = (next(c for c in candidates(model) if c.describe() == described) for described in
                             ("batch=1 input_ids=1x512 lengths=[512]", "batch=1 input_ids=1x512"))
    passes: list[int] = []

    def counted(model: nn.Module, reference: object, short: list | None = None) -> object:
        passes.append(len(short or []))
        return count_forward(model, reference, short)

    monkeypatch.setattr(flops, "count_forward", counted)
    assert flops._count_reference(model, with_lengths, repeats).method == "forward"
    assert passes == [len(repeats), 0]  # short, then in full
    passes.clear()
    with pytest.raises(RuntimeError, match="cannot be called on meta tensors"):
        flops._count_reference(model, without, repeats)
    assert passes == [len(repeats)]  # short only
