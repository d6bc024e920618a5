"""Answers to all/any checks on meta tensors (nnstruct.cost.answers): the forward pass takes the branch the reference
input takes (one unpadded, unpacked sequence), counted FLOPs equal the CPU pass on that input, and every other value
read still fails."""

from __future__ import annotations

import torch
import transformers
from torch import nn

from nnstruct.cost.flops import count_flops, count_forward
from nnstruct.cost.inputs import ReferenceInput


class Checks(nn.Module):
    """Branches on an all() and an any() check, as transformers' mask code does."""

    def __init__(self) -> None:
        super().__init__()
        self.small = nn.Linear(8, 8)
        self.large = nn.Linear(8, 64)
        self.config = transformers.PretrainedConfig(max_position_embeddings=16)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        hidden = torch.zeros(*input_ids.shape, 8, device=input_ids.device)
        unpadded = torch.ones_like(input_ids, dtype=torch.bool)
        hidden = self.small(hidden) if unpadded.all() else self.large(hidden)[..., :8]
        if 7 in input_ids:  # aten.any
            hidden = self.large(hidden)[..., :8]
        return self.small(hidden)


def _cpu_reference(tokens: int) -> ReferenceInput:
    return ReferenceInput({"input_ids": torch.zeros(1, tokens, dtype=torch.long)}, 1, tokens)


def test_all_and_any_take_the_reference_inputs_branch() -> None:
    with torch.device("meta"):
        meta = Checks()
    count = count_flops(meta)
    assert count.method == "forward", count.reason
    assert count.total == count_forward(Checks(), _cpu_reference(16)).total == 2 * (2 * 8 * 8 * 16)


def test_a_packed_sequence_check_matches_the_cpu_pass() -> None:
    """Llama without a cache asks whether its position ids are several packed sequences ((mask == 0).all())."""
    config = transformers.LlamaConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=128,
                                      num_attention_heads=4, num_key_value_heads=2, vocab_size=500)
    with torch.device("meta"):
        meta = transformers.AutoModelForCausalLM.from_config(config).eval()
    torch.manual_seed(0)
    cpu = transformers.AutoModelForCausalLM.from_config(config).eval()
    ids = {"input_ids": torch.zeros(1, 32, dtype=torch.long)}
    meta_count = count_forward(meta, ReferenceInput({"input_ids": ids["input_ids"].to("meta")}, 1, 32,
                                                    options={"use_cache": False}))
    cpu_count = count_forward(cpu, ReferenceInput(ids, 1, 32, options={"use_cache": False}))
    assert meta_count.total == cpu_count.total > 0
    assert meta_count.per_module == cpu_count.per_module


class Sum(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.config = transformers.PretrainedConfig(max_position_embeddings=16)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.proj(torch.zeros(int(input_ids.sum().item()), 8, device=input_ids.device))


def test_other_value_reads_still_fall_back() -> None:
    with torch.device("meta"):
        model = Sum()
    count = count_flops(model)
    assert count.method == "analytic" and "item" in (count.reason or "")
