"""The meta-kernel cache (nnstruct.cost.meta_cache) changes how fast the FLOPs are counted, never what is counted."""

from __future__ import annotations

import contextlib

import pytest
import torch
import transformers

from nnstruct.cost import flops, meta_cache
from nnstruct.cost.flops import count_flops
from nnstruct.cost.meta_cache import MetaKernelCache

aten = torch.ops.aten


@pytest.fixture
def empty_cache() -> None:
    MetaKernelCache.results.clear()


def _meta(*shape: int) -> torch.Tensor:
    return torch.empty(*shape, device="meta")


def test_a_repeated_call_gets_fresh_tensors_of_the_recorded_metadata(empty_cache: None) -> None:
    x, w = _meta(2, 8, 16).transpose(1, 2), _meta(8, 4)
    with MetaKernelCache():
        first = torch.matmul(x, w)
        hits = MetaKernelCache.hits
        second = torch.matmul(x, w)
    assert MetaKernelCache.hits > hits
    assert (second.shape, second.stride(), second.dtype) == (first.shape, first.stride(), first.dtype)
    assert second.untyped_storage()._cdata != first.untyped_storage()._cdata


def test_scalars_equal_in_value_but_not_in_type_are_different_calls(empty_cache: None) -> None:
    counts = torch.empty(4, dtype=torch.int64, device="meta")
    with MetaKernelCache():
        results = [counts * 1, counts * 1.0, counts * True, counts * 1]
    assert [tensor.dtype for tensor in results] == [torch.int64, torch.float32, torch.int64, torch.int64]
    flags = torch.empty(4, dtype=torch.bool, device="meta")
    with MetaKernelCache():
        assert [(flags + 1).dtype, (flags + True).dtype] == [torch.int64, torch.bool]


def test_views_mutations_and_cpu_tensors_always_run_their_kernel(empty_cache: None) -> None:
    x = _meta(4, 6)
    with MetaKernelCache():
        for _ in range(2):
            x.view(6, 4)  # a view, by its schema
            x.add_(1)  # a mutation
            torch.ones(3) + 1  # values on the CPU
    assert all(record is meta_cache._UNCACHEABLE for record in MetaKernelCache.results.values())


def test_a_result_that_aliases_its_input_is_not_cached(empty_cache: None) -> None:
    """``_unsafe_view`` returns a view without saying so in its schema: a copy would count its bytes twice."""
    x = _meta(4, 6)
    with MetaKernelCache():
        out = aten._unsafe_view(x, [24])
        again = aten._unsafe_view(x, [24])
    assert out.untyped_storage()._cdata == again.untyped_storage()._cdata == x.untyped_storage()._cdata
    assert list(MetaKernelCache.results.values()) == [meta_cache._UNCACHEABLE]


@contextlib.contextmanager
def _without_cache(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN202
    with monkeypatch.context() as patch:
        patch.setattr(flops, "MetaKernelCache", contextlib.nullcontext)
        patch.setattr(flops, "_uncounted", lambda func: False)
        yield


CONFIGS = {
    "bert": (transformers.BertConfig(num_hidden_layers=3), "AutoModelForSequenceClassification"),
    "gpt2": (transformers.GPT2Config(n_layer=3), "AutoModelForCausalLM"),
    "t5": (transformers.T5Config(num_layers=2, num_decoder_layers=2), "AutoModelForSeq2SeqLM"),
    "vit": (transformers.ViTConfig(num_hidden_layers=2), "AutoModelForImageClassification"),
    "whisper": (transformers.WhisperConfig(encoder_layers=2, decoder_layers=2), "AutoModelForSpeechSeq2Seq"),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_counts_and_peak_activations_are_the_same_with_and_without_the_cache(
        name: str, empty_cache: None, monkeypatch: pytest.MonkeyPatch) -> None:
    config, auto = CONFIGS[name]
    with torch.device("meta"):
        model = getattr(transformers, auto).from_config(config)

    def figures() -> tuple:
        count = count_flops(model)
        assert count.method == "forward", count.reason
        return count.total, count.attention, count.per_module, count.by_op, count.activation_bytes

    with _without_cache(monkeypatch):
        plain = figures()
    first, hits = figures(), MetaKernelCache.hits
    second = figures()  # answered from the cache, mostly
    assert MetaKernelCache.hits > hits
    assert first == plain
    assert second == plain
