"""What lets more models count FLOPs by their forward pass, each checked against the same model on the CPU.

- parameters a model makes on the CPU despite the meta device (the legacy ``torch.Tensor(n)`` constructor: ImageGPT's
  norms) are moved to the meta device for the count;
- video models get one clip (frames from their config);
- a stack that a text-only input never calls (a VLM's vision tower) runs in full, the others stay short;
- a vision tower whose forward takes flattened patches and their grid gets one image that way;
- the cost's time limit counts CPU time, which waiting for a busy core does not use;
- values models read from their input, given where the model documents the input and the reference decides the value
  (XLM's lengths, Reformer's and ESM's position ids, X-MOD's language), inputs of their own kind (a decision
  transformer's trajectory, Perceiver's and BLIP's images), and ops that meet CPU tensors the model made from them
  (a grid vision tower's positions) run on meta.

The CPU models are small configs of the same classes; equality per module is the claim, as in test_cost_flops.
"""

from __future__ import annotations

import time

import pytest
import torch
import transformers
from torch import nn

from nnstruct.cost import flops
from nnstruct.cost.flops import FlopCount, count_flops, count_forward
from nnstruct.cost.inputs import ReferenceInput, candidates
from nnstruct.cost.repeats import find_repeats
from nnstruct.ingest.meta_build import BuildTimeout, time_limit


def _build(config: transformers.PretrainedConfig, auto: str, device: str) -> nn.Module:
    torch.manual_seed(0)
    with torch.device(device):
        cls = getattr(transformers, auto)
        return (cls.from_config(config) if auto.startswith("Auto") else cls._from_config(config)).eval()


def _cpu_count(config: transformers.PretrainedConfig, auto: str, reference: ReferenceInput) -> FlopCount:
    tensors = {key: torch.zeros(tensor.shape, dtype=tensor.dtype) for key, tensor in reference.tensors.items()}
    model = _build(config, auto, "cpu").requires_grad_(False)  # as count_flops does (Perceiver's latents)
    return count_forward(model, ReferenceInput(tensors, reference.batch, reference.tokens, options=reference.options))


def _assert_forward_at(config: transformers.PretrainedConfig, auto: str, reference: str) -> None:
    """The meta count runs forward at ``reference`` and equals the CPU's count at the same input, per module."""
    meta = _build(config, auto, "meta")
    count = count_flops(meta)
    assert count.method == "forward", count.reason
    assert count.reference == reference
    cpu = _cpu_count(config, auto, next(c for c in candidates(meta) if c.describe() == reference))
    assert (count.total, count.per_module) == (cpu.total, cpu.per_module)


def test_parameters_made_on_the_cpu_are_counted_on_the_meta_device() -> None:
    config = transformers.ImageGPTConfig(n_layer=2, n_embd=64, n_head=4, vocab_size=513, n_positions=256)
    meta = _build(config, "AutoModelForImageClassification", "meta")
    assert any(p.device.type == "cpu" for p in meta.parameters())  # ImageGPT's layer norms: nn.Parameter(Tensor(n))
    count = count_flops(meta)
    assert count.method == "forward", count.reason
    cpu = _cpu_count(config, "AutoModelForImageClassification", candidates(meta)[0])
    assert (count.total, count.per_module) == (cpu.total, cpu.per_module)


def test_a_video_model_gets_one_clip_at_its_frame_count() -> None:
    config = transformers.VideoMAEConfig(num_hidden_layers=2, hidden_size=96, intermediate_size=192,
                                         num_attention_heads=4, num_frames=4, image_size=64, patch_size=16)
    meta = _build(config, "AutoModelForVideoClassification", "meta")
    count = count_flops(meta)
    assert count.method == "forward", count.reason
    assert count.reference == "batch=1 pixel_values=1x4x3x64x64"
    cpu = _cpu_count(config, "AutoModelForVideoClassification", candidates(meta)[0])
    assert (count.total, count.per_module) == (cpu.total, cpu.per_module)


def _tiny_qwen2_vl() -> transformers.Qwen2VLConfig:
    return transformers.Qwen2VLConfig(
        text_config={"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3, "num_attention_heads": 4,
                     "num_key_value_heads": 2, "vocab_size": 1000, "max_position_embeddings": 128,
                     "rope_scaling": {"type": "mrope", "mrope_section": [2, 2, 4]}},
        vision_config={"depth": 2, "embed_dim": 32, "hidden_size": 64, "num_heads": 4, "mlp_ratio": 2},
    )


def test_a_stack_the_input_never_calls_runs_in_full_and_the_others_stay_short(monkeypatch) -> None:
    meta = _build(_tiny_qwen2_vl(), "AutoModelForImageTextToText", "meta")
    repeats = find_repeats(meta)
    assert {repeat.path for repeat in repeats} >= {"model.visual.blocks", "model.language_model.layers"}
    passes: list[tuple[str, set[str]]] = []  # (reference, stacks run short) of every pass that ran to the end

    def recording(model: nn.Module, reference: ReferenceInput, short: list | None = None) -> FlopCount:
        result = count_forward(model, reference, short)
        passes.append((reference.describe(), {repeat.path for repeat in short or []}))
        return result

    monkeypatch.setattr(flops, "count_forward", recording)
    count = count_flops(meta, tokens=32)
    assert passes == [("batch=1 input_ids=1x32", {"model.language_model.layers"})]
    assert count.method == "forward", count.reason
    assert count.reference == "batch=1 input_ids=1x32"  # text only: the image candidate needs image tokens
    full = count_forward(meta, next(c for c in candidates(meta, tokens=32) if "pixel_values" not in c.tensors))
    assert (count.total, count.attention, count.per_module) == (full.total, full.attention, full.per_module)
    assert "model.visual.blocks.0" not in count.per_module  # the vision tower never ran
    assert count.per_module["model.language_model.layers.2"] == count.per_module["model.language_model.layers.0"]


def test_a_cpu_time_limit_ignores_waiting_and_stops_work() -> None:
    with time_limit(0.2, cpu=True):
        time.sleep(0.4)  # waiting (for a core, here for the clock) uses no CPU time
    with pytest.raises(BuildTimeout), time_limit(0.2, cpu=True):
        began = time.process_time()
        while time.process_time() - began < 5:
            pass


def test_input_checks_transformers_can_switch_off_do_not_stop_the_count() -> None:
    """RT-DETR v2 checks that its spatial shapes sum to the encoder's length (``torch_compilable_check``), which the
    meta device cannot evaluate; the count runs with transformers' switch for those checks and equals the CPU's."""
    config = transformers.RTDetrV2Config(encoder_layers=1, decoder_layers=2, num_queries=20)
    meta = _build(config, "AutoModelForObjectDetection", "meta")
    count = count_flops(meta)
    assert count.method == "forward", count.reason
    cpu = _cpu_count(config, "AutoModelForObjectDetection", candidates(meta)[0])
    assert (count.total, count.per_module) == (cpu.total, cpu.per_module)


def test_an_audio_spectrogram_model_gets_a_spectrogram_of_its_length() -> None:
    config = transformers.ASTConfig(num_hidden_layers=2, hidden_size=96, intermediate_size=192, num_attention_heads=4,
                                    max_length=256, num_mel_bins=64)
    _assert_forward_at(config, "AutoModelForAudioClassification", "batch=1 input_values=1x256x64")


def test_a_naflex_vision_encoder_gets_patches_and_their_shape() -> None:
    config = transformers.Siglip2VisionConfig(num_hidden_layers=2, hidden_size=96, intermediate_size=192,
                                              num_attention_heads=4, num_patches=64, patch_size=16)
    _assert_forward_at(config, "Siglip2VisionModel",
                       "batch=1 pixel_values=1x64x768 pixel_attention_mask=1x64 spatial_shapes=[[8,8]]")


@pytest.mark.parametrize(("config", "reference"), [
    (lambda: transformers.PatchTSTConfig(num_hidden_layers=2, d_model=64, num_attention_heads=4, ffn_dim=128,
                                         context_length=64, patch_length=8, patch_stride=8, num_input_channels=3),
     "batch=1 past_values=1x64x3 past_observed_mask=1x64x3"),
    (lambda: transformers.TimeSeriesTransformerConfig(prediction_length=12, context_length=12, d_model=32,
                                                      encoder_layers=2, decoder_layers=2),
     "batch=1 past_values=1x19 past_observed_mask=1x19 past_time_features=1x19x0"),
])
def test_a_time_series_model_gets_one_window_of_its_context(config, reference: str) -> None:
    _assert_forward_at(config(), "AutoModel", reference)


def test_an_audio_token_decoder_gets_a_row_of_tokens_per_codebook() -> None:
    decoder = {"num_hidden_layers": 1, "hidden_size": 64, "ffn_dim": 128, "num_attention_heads": 4,
               "num_codebooks": 4, "vocab_size": 128}
    config = transformers.MusicgenConfig(text_encoder={"model_type": "t5", "d_model": 64, "d_ff": 128, "num_layers": 1,
                                                       "num_heads": 4, "vocab_size": 100},
                                         audio_encoder={"model_type": "encodec"}, decoder=decoder)
    meta = _build(config, "AutoModelForTextToWaveform", "meta")
    count = count_flops(meta, tokens=16)
    assert count.method == "forward", count.reason
    assert count.reference == "batch=1 input_ids=1x16 decoder_input_ids=4x16"


@pytest.mark.parametrize(("config", "auto"), [
    (lambda: transformers.XLMConfig(n_layers=2, emb_dim=64, n_heads=4, vocab_size=100), "XLMWithLMHeadModel"),
    (lambda: transformers.FlaubertConfig(n_layers=2, emb_dim=64, n_heads=4, vocab_size=100),
     "FlaubertForSequenceClassification"),
])
def test_a_model_that_reads_the_sentence_length_gets_it(config, auto: str) -> None:
    """XLM and FlauBERT read the longest sentence's length (``lengths.max().item()``): given as ``lengths``."""
    meta = _build(config(), auto, "meta")
    assert count_flops(meta, tokens=32).reference == "batch=1 input_ids=1x32 lengths=[32]"
    _assert_forward_at(config(), auto, "batch=1 input_ids=1x512 lengths=[512]")


@pytest.mark.parametrize(("config", "auto", "reference"), [
    # Reformer's axial position embeddings read the largest position id
    (lambda: transformers.ReformerConfig(
        axial_pos_shape=[8, 8], axial_pos_embds_dim=[32, 32], max_position_embeddings=64, hidden_size=64,
        num_hidden_layers=2, attn_layers=["local", "lsh"], feed_forward_size=128, num_attention_heads=2,
        vocab_size=100), "ReformerForMaskedLM", "batch=1 input_ids=1x64 position_ids=1x64"),
    # ESM's default config has no pad token, from which it numbers its positions by default
    (lambda: transformers.EsmConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=128, num_attention_heads=4,
                                    vocab_size=33), "EsmForMaskedLM", "batch=1 input_ids=1x512 position_ids=1x512"),
])
def test_a_model_that_needs_its_position_ids_gets_the_default_ones(config, auto: str, reference: str) -> None:
    _assert_forward_at(config(), auto, reference)


def test_a_decision_transformer_gets_one_trajectory_of_its_state_and_action_sizes() -> None:
    config = transformers.DecisionTransformerConfig(state_dim=5, act_dim=3, hidden_size=64, n_layer=2, n_head=4,
                                                    n_positions=96, max_ep_len=100)
    _assert_forward_at(config, "DecisionTransformerModel",
                       "batch=1 states=1x32x5 actions=1x32x3 rewards=1x32x1 returns_to_go=1x32x1 timesteps=1x32 "
                       "attention_mask=1x32")


def test_a_perceiver_image_classifier_gets_its_inputs_as_an_image() -> None:
    config = transformers.PerceiverConfig(num_latents=32, d_latents=64, d_model=64, num_blocks=1,
                                          num_self_attends_per_block=2, num_self_attention_heads=4,
                                          num_cross_attention_heads=4, image_size=32, num_labels=10)
    _assert_forward_at(config, "PerceiverForImageClassificationLearned", "batch=1 pixel_values=1x3x32x32")


def test_a_model_with_language_adapters_gets_its_only_language() -> None:
    """X-MOD runs the adapter of ``lang_ids`` (boolean indexing by its value): given as the config's only language;
    with several languages and none named the default, no value is justified and none is given."""
    # 514 positions, as X-MOD's checkpoints have: RoBERTa-style positions start after the padding index
    config = transformers.XmodConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=128,
                                     num_attention_heads=4, vocab_size=100, max_position_embeddings=514)
    _assert_forward_at(config, "XmodForMaskedLM", "batch=1 input_ids=1x512 lang_ids=[0]")
    several = transformers.XmodConfig(num_hidden_layers=1, hidden_size=64, intermediate_size=128,
                                      num_attention_heads=4, vocab_size=100, max_position_embeddings=514,
                                      languages=["en_XX", "de_DE"])
    assert all("lang_ids" not in c.options for c in candidates(_build(several, "XmodForMaskedLM", "meta")))
    several.default_language = "de_DE"
    _assert_forward_at(several, "XmodForMaskedLM", "batch=1 input_ids=1x512 lang_ids=[1]")


def test_an_image_captioner_gets_an_image_and_the_text_it_continues() -> None:
    config = transformers.BlipConfig(
        text_config={"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                     "vocab_size": 100, "max_position_embeddings": 32, "encoder_hidden_size": 64},
        vision_config={"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                       "image_size": 64, "patch_size": 16})
    _assert_forward_at(config, "BlipForConditionalGeneration", "batch=1 pixel_values=1x3x64x64 input_ids=1x32")


@pytest.mark.parametrize(("config", "auto", "reference"), [
    (lambda: transformers.Qwen2_5_VLVisionConfig(depth=2, hidden_size=64, intermediate_size=128, num_heads=4,
                                                 out_hidden_size=64, fullatt_block_indexes=[1]),
     "Qwen2_5_VisionTransformerPretrainedModel", "batch=1 hidden_states=256x1176 grid_thw=[[1,16,16]]"),
    (lambda: transformers.Glm4vVisionConfig(depth=2, hidden_size=64, intermediate_size=128, num_heads=4,
                                            out_hidden_size=64, image_size=112),
     "Glm4vVisionModel", "batch=1 hidden_states=64x1176 grid_thw=[[1,8,8]]"),
])
def test_a_vision_tower_that_lays_out_positions_from_the_grid_on_the_cpu_runs_on_meta(config, auto: str,
                                                                                      reference: str) -> None:
    """Qwen2.5-VL's and GLM-4V's towers make their rotary positions on the grid's device (the CPU), which then meet
    the meta tensors: those ops run with the CPU tensors moved to meta (cost/devices.py); the window index the
    Qwen2.5-VL tower computes from the grid stays on the CPU. Its full-attention layer (``fullatt_block_indexes``)
    is alike in shapes to the windowed one but counts more: the short stack keeps it apart (cost/repeats.py)."""
    _assert_forward_at(config(), auto, reference)


def test_a_grid_vision_tower_gets_patches_of_its_temporal_patch_size() -> None:
    """Muse Spark's tower calls its temporal patch size ``patch_temporal``: 2 frames per patch, 3 x 2 x 14 x 14."""
    config = transformers.MuseSparkVisionConfig(
        num_hidden_layers=4, hidden_size=64, intermediate_size=128, num_attention_heads=4,
        layer_types=["window_attention", "window_attention", "window_attention", "full_attention"])
    _assert_forward_at(config, "MuseSparkVisionModel", "batch=1 pixel_values=256x1176 grid_thw=[[1,16,16]]")


def test_tensors_the_model_makes_on_the_cpu_meet_the_meta_ones_on_meta() -> None:
    """SEW-D makes ``torch.tensor(finfo.min)`` and position buckets on the CPU, which meet the meta tensors: the pass
    runs again with those ops' CPU tensors moved to meta (cost/devices.py), and counts what the CPU counts. Its
    feature encoder's last two convolutions are alike but the second sees a twentieth of the length: that stack runs
    in full (cost/repeats.py; run short, it counted the encoder's last layer at twenty times the CPU's length)."""
    config = transformers.SEWDConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=128,
                                     num_attention_heads=4, conv_dim=(32,) * 3, conv_kernel=(50, 20, 20),
                                     conv_stride=(50, 20, 20), max_position_embeddings=64, position_buckets=32)
    _assert_forward_at(config, "SEWDForSequenceClassification", "batch=1 input_values=1x480000")
