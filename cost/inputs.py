"""The reference input of a model's forward pass, synthesised for its modality from its config (meta tensors).

Text: token ids, batch 1, 512 tokens or the model's own maximum if smaller (encoder-decoders get as many decoder
tokens, up to the decoder's maximum). Vision: one image at the config's image size. Speech: 30 s of audio as the
model takes it (log-mel input features or raw samples at 16 kHz). Models whose forward takes both text and images
(CLIP-style) get both. Candidates are tried in order; the first that runs is the reference.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any

import torch

DEFAULT_TOKENS = 512
AUDIO_SECONDS = 30
SAMPLING_RATE = 16_000
FRAMES_PER_SECOND = 100  # log-mel features: one frame per 10 ms
DEFAULT_IMAGE_SIZE = 224
_VALUES_SHOWN = 8  # option tensors with more values are described by their shape

_AUDIO_SUBCONFIGS = ("encoder_config", "audio_config", "speech_config", "audio_encoder_config")
_MAX_POSITION_KEYS = ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "n_ctx",
                      "max_sequence_length")


@dataclass
class ReferenceInput:
    """One candidate input: the tensors, and what it stands for (stored with the FLOPs)."""

    tensors: dict[str, torch.Tensor]
    batch: int
    tokens: int | None  # positions the model processes (text tokens, image patches), None when not known
    description: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # non-tensor arguments of the forward pass

    def describe(self) -> str:
        """``batch=1 input_ids=1x512`` style: the stored ``reference_input``."""
        parts = [f"batch={self.batch}"]
        parts += [f"{name}={'x'.join(str(d) for d in tensor.shape)}" for name, tensor in self.tensors.items()]
        # values the model reads (an image's patch grid, a sentence's length), by shape when they are many
        parts += [f"{name}={value.tolist()}".replace(" ", "") if value.numel() <= _VALUES_SHOWN
                  else f"{name}={'x'.join(str(d) for d in value.shape)}"
                  for name, value in self.options.items() if isinstance(value, torch.Tensor)]
        return " ".join(parts)


def _get(config: Any, *keys: str) -> Any:
    for key in keys:
        value = getattr(config, key, None)
        if value is not None:
            return value
    return None


def text_config(config: Any) -> Any:
    """The config of the text part (itself for text models)."""
    getter = getattr(config, "get_text_config", None)
    if callable(getter):
        try:
            return getter(decoder=True)
        except TypeError:
            return getter()
    return config


def max_tokens(config: Any) -> int | None:
    """The model's own maximum sequence length, when its config gives one."""
    for part in (config, text_config(config)):
        value = _get(part, *_MAX_POSITION_KEYS)
        if isinstance(value, int) and value > 0:
            return value
    return None


def reference_tokens(config: Any, requested: int | None = None) -> int:
    limit = max_tokens(config)
    tokens = requested or DEFAULT_TOKENS
    return min(tokens, limit) if limit else tokens


def _image_size(config: Any) -> tuple[int, int]:
    for part in (config, getattr(config, "vision_config", None)):
        if part is None:
            continue
        size = _get(part, "image_size", "img_size", "input_size")
        if isinstance(size, int) and size > 0:
            return size, size
        if isinstance(size, list | tuple) and len(size) >= 2 and all(isinstance(s, int) for s in size[-2:]):
            return int(size[-2]), int(size[-1])
        if isinstance(size, dict) and isinstance(size.get("height"), int):
            return size["height"], size["width"]
    return DEFAULT_IMAGE_SIZE, DEFAULT_IMAGE_SIZE


def _patches(config: Any, height: int, width: int) -> int | None:
    for part in (config, getattr(config, "vision_config", None)):
        patch = _get(part, "patch_size") if part is not None else None
        if isinstance(patch, list | tuple) and patch and isinstance(patch[0], int):
            patch = patch[0]
        if isinstance(patch, int) and patch > 0:
            return (height // patch) * (width // patch)
    return None


def _channels(config: Any) -> int:
    for part in (config, getattr(config, "vision_config", None)):
        value = _get(part, "num_channels", "in_channels", "in_chans") if part is not None else None
        if isinstance(value, int) and value > 0:
            return value
    return 3


def _ids(batch: int, tokens: int) -> torch.Tensor:
    return torch.zeros(batch, tokens, dtype=torch.long, device="meta")


def _pixels(config: Any, batch: int) -> tuple[torch.Tensor, int | None]:
    height, width = _image_size(config)
    return (torch.zeros(batch, _channels(config), height, width, device="meta"), _patches(config, height, width))


def _frames(config: Any) -> int | None:
    """Frames of one clip, for video models (their config gives the clip length)."""
    for part in (config, getattr(config, "vision_config", None)):
        value = _get(part, "num_frames", "frames_per_clip") if part is not None else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _video(config: Any, batch: int) -> torch.Tensor | None:
    """One clip at the config's frame count and image size, (batch, frames, channels, height, width) as
    transformers' video models take it; None for models without a frame count."""
    frames = _frames(config)
    if frames is None:
        return None
    height, width = _image_size(config)
    return torch.zeros(batch, frames, _channels(config), height, width, device="meta")


def _decoder_tokens(config: Any, tokens: int) -> int:
    limit = _get(config, "max_target_positions", "decoder_max_position_embeddings")
    return min(tokens, limit) if isinstance(limit, int) and limit > 0 else tokens


def _audio_parts(config: Any) -> list[Any]:
    """The config and the sub-configs that describe an audio encoder's input (speech-to-text models nest them)."""
    return [config, *(part for name in _AUDIO_SUBCONFIGS if (part := getattr(config, name, None)) is not None)]


def _audio_int(config: Any, key: str, default: int) -> int:
    return next((value for part in _audio_parts(config) if (value := _get_int(part, key, 0))), default)


def _audio_candidates(config: Any, name: str, batch: int) -> list[dict[str, torch.Tensor]]:
    frames = AUDIO_SECONDS * FRAMES_PER_SECOND
    if name == "input_values":
        samples = AUDIO_SECONDS * _audio_int(config, "sampling_rate", SAMPLING_RATE)
        channels = _audio_int(config, "audio_channels", 1)
        found = [{name: torch.zeros(batch, samples, device="meta")},
                 {name: torch.zeros(batch, channels, samples, device="meta")}]
        mels, length = _audio_int(config, "num_mel_bins", 0), _audio_int(config, "max_length", 0)
        if mels and length:  # a spectrogram of the model's own length (Audio Spectrogram Transformer)
            found.append({name: torch.zeros(batch, length, mels, device="meta")})
        return found
    mels = _audio_int(config, "num_mel_bins", 0)
    features = _audio_int(config, "input_feat_per_channel", 0) * _audio_int(config, "input_channels", 1)
    features = (features or _audio_int(config, "feature_size", 0)
                or _audio_int(config, "feature_projection_input_dim", 0) or mels or 80)
    source = _audio_int(config, "max_source_positions", 0)
    candidates = []
    if mels:  # Whisper-style (batch, mel bins, frames); the encoder takes exactly twice its positions
        candidates.append({name: torch.zeros(batch, mels, 2 * source if source else frames, device="meta")})
    candidates.append({name: torch.zeros(batch, frames, features, device="meta")})
    candidates.append({name: torch.zeros(batch, features, frames, device="meta")})
    return candidates


def _series(config: Any, batch: int, parameters: set[str]) -> list[ReferenceInput]:
    """Time-series models: one window of the config's context length (plus the longest lag, for models that build
    lagged features from it), every value observed, with zero time features where the model takes them."""
    context = _get_int(config, "context_length", 0)
    if not context:
        return []
    channels = _get_int(config, "num_input_channels", 0) or _get_int(config, "input_size", 1)
    lags = getattr(config, "lags_sequence", None)
    length = context + (max(lags) if isinstance(lags, list | tuple) and lags else 0)
    shape = (batch, length, channels) if channels > 1 or "num_input_channels" in config.to_dict() else (batch, length)
    tensors = {"past_values": torch.zeros(*shape, device="meta")}
    if "past_observed_mask" in parameters:
        tensors["past_observed_mask"] = torch.ones(*shape, device="meta")
    if "past_time_features" in parameters:
        tensors["past_time_features"] = torch.zeros(batch, length, _get_int(config, "num_time_features", 0),
                                                    device="meta")
    if "past_values_padding" in parameters:  # TimesFM: no padding, and a frequency class
        tensors["past_values_padding"] = torch.zeros(*shape, device="meta")
    if "freq" in parameters:
        tensors["freq"] = torch.zeros(batch, 1, dtype=torch.long, device="meta")
    return [ReferenceInput(tensors, batch, context)]


_GRID_NAMES = ("grid_thw", "image_grid_thw")


def _patch_grid(config: Any, batch: int, patches_name: str, grid: str) -> ReferenceInput:
    """Qwen-VL-style vision towers: one image at the reference size as flattened patches (patches, channels x
    temporal patch x patch x patch), with its grid (1 frame, rows, columns of patches, rows and columns even for a
    2x2 merge) as a CPU tensor, since the model reads its values to lay out positions."""
    height, width = _image_size(config)
    patch = _get_int(config, "patch_size", 14)
    temporal = _get_int(config, "temporal_patch_size", 0) or _get_int(config, "patch_temporal", 1)
    channels = _get_int(config, "in_channels", 0) or _channels(config)
    rows, columns = height // patch // 2 * 2, width // patch // 2 * 2
    tokens = batch * rows * columns
    patches = torch.zeros(tokens, channels * temporal * patch * patch, device="meta")
    return ReferenceInput({patches_name: patches}, batch, rows * columns,
                          options={grid: torch.tensor([[1, rows, columns]] * batch)})


def _native_resolution(config: Any, batch: int, text: dict[str, torch.Tensor]) -> ReferenceInput:
    """NaFlex-style vision encoders (SigLIP 2): one square image of the config's patch budget as flattened patches
    (batch, patches, channels x patch x patch), all of them valid, with its shape in patches as a CPU tensor (the
    model reads it to resize its position embeddings); with ``text``, the text too (zero-shot models)."""
    vision = getattr(config, "vision_config", None) or config
    side = math.isqrt(_get_int(vision, "num_patches", 256))
    patch = _get_int(vision, "patch_size", 16)
    tensors = {"pixel_values": torch.zeros(batch, side * side, _channels(vision) * patch * patch, device="meta"),
               "pixel_attention_mask": torch.ones(batch, side * side, dtype=torch.long, device="meta"), **text}
    tokens = text["input_ids"].shape[1] if text else side * side  # as for CLIP-style models: the text's tokens
    return ReferenceInput(tensors, batch, tokens, options={"spatial_shapes": torch.tensor([[side, side]] * batch)})


def _trajectory(config: Any, batch: int) -> ReferenceInput | None:
    """Decision transformers: one trajectory of returns-to-go, states and actions (the config's ``state_dim`` and
    ``act_dim``), every step valid; the model interleaves them as three tokens per step, so the trajectory has as
    many steps as fit in the reference length (170 steps, 510 tokens, for 512)."""
    state, action = _get_int(config, "state_dim", 0), _get_int(config, "act_dim", 0)
    steps = reference_tokens(config) // 3
    if not (state and action and steps):
        return None
    tensors = {"states": torch.zeros(batch, steps, state, device="meta"),
               "actions": torch.zeros(batch, steps, action, device="meta"),
               "rewards": torch.zeros(batch, steps, 1, device="meta"),
               "returns_to_go": torch.zeros(batch, steps, 1, device="meta"),
               "timesteps": torch.zeros(batch, steps, dtype=torch.long, device="meta"),
               "attention_mask": torch.ones(batch, steps, dtype=torch.long, device="meta")}
    return ReferenceInput(tensors, batch, 3 * steps)


def _language_index(config: Any) -> int | None:
    """X-MOD's language adapter for the reference input: the config's ``default_language``, or its only language;
    None when it has several and names none of them."""
    languages = list(getattr(config, "languages", None) or [])
    default = getattr(config, "default_language", None)
    if default in languages:
        return languages.index(default)
    return 0 if len(languages) == 1 else None


def _get_int(config: Any, key: str, default: int) -> int:
    value = getattr(config, key, None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def forward_parameters(model: torch.nn.Module) -> set[str]:
    try:
        return set(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        return set()


def candidates(model: Any, batch: int = 1, tokens: int | None = None) -> list[ReferenceInput]:
    """Inputs to try, most likely first, for ``model`` (a transformers ``PreTrainedModel`` on the meta device)."""
    config = model.config
    main = getattr(model, "main_input_name", "input_ids")
    parameters = forward_parameters(model)
    length = reference_tokens(config, tokens)
    found: list[ReferenceInput] = []

    Tensors = dict[str, torch.Tensor]

    def decoder(tensors: Tensors, seen_tokens: int | None) -> tuple[Tensors, int | None]:
        if "decoder_input_ids" in parameters and getattr(config, "is_encoder_decoder", False):
            decoder_length = _decoder_tokens(config, length)
            # audio-token decoders (MusicGen) take one row of tokens per codebook
            codebooks = _get_int(getattr(config, "decoder", None), "num_codebooks", 1)
            tensors = {**tensors, "decoder_input_ids": _ids(batch * codebooks, decoder_length)}
            seen_tokens = (seen_tokens or 0) + decoder_length if main == "input_ids" else decoder_length
        return tensors, seen_tokens

    if (main not in parameters or main == "inputs") and "pixel_values" in parameters and "input_ids" not in parameters:
        # a vision tower that inherits its language model's main input name; Perceiver's image classifiers, whose
        # generic ``inputs`` stand for ``pixel_values``
        main = "pixel_values"
    if main == "input_ids" or (main not in ("pixel_values", "input_features", "input_values")
                               and "input_ids" in parameters):
        tensors, seen = decoder({"input_ids": _ids(batch, length)}, length)
        language = _language_index(config) if "lang_ids" in parameters else None
        if language is not None:  # X-MOD: the language adapter to run, a value the model reads (CPU tensor)
            found.append(ReferenceInput(tensors, batch, seen, options={"lang_ids": torch.full((batch,), language)}))
        if "lengths" in parameters:  # XLM, FlauBERT: the sentence's length, a value the model reads (CPU tensor)
            found.append(ReferenceInput(tensors, batch, seen, options={"lengths": torch.tensor([length] * batch)}))
        if "pixel_values" in parameters and getattr(config, "vision_config", None) is not None:
            pixels, _ = _pixels(config, batch)
            video = _video(config, batch)
            if video is not None:  # text and a clip (X-CLIP)
                found.append(ReferenceInput({**tensors, "pixel_values": video}, batch, seen))
            found.append(ReferenceInput({**tensors, "pixel_values": pixels}, batch, seen))
        found.append(ReferenceInput(tensors, batch, seen))
        if "position_ids" in parameters:  # positions 0..n-1 as values, for models that read them (Reformer's axial
            positions = torch.arange(length).expand(batch, length)  # embeddings: their maximum) or cannot number them
            found.append(ReferenceInput(tensors, batch, seen, options={"position_ids": positions}))
    elif main in ("pixel_values", "pixel_values_videos"):
        video = _video(config, batch)
        if video is not None:  # a video model: one clip (its token count depends on its tubelets: not given)
            tensors, _ = decoder({main: video}, None)
            found.append(ReferenceInput(tensors, batch, None))
        if main == "pixel_values":
            pixels, patches = _pixels(config, batch)
            tensors, seen = decoder({"pixel_values": pixels}, patches)
            found.append(ReferenceInput(tensors, batch, seen))
            if "input_ids" in parameters and getattr(config, "text_config", None) is not None:
                # an image and the text its text decoder continues (BLIP's captioner): as for CLIP-style models,
                # the text's tokens are the reference tokens
                found.append(ReferenceInput({**tensors, "input_ids": _ids(batch, length)}, batch, length))
    elif main == "past_values":
        found += _series(config, batch, parameters)
    elif main == "states" and (trajectory := _trajectory(config, batch)) is not None:
        found.append(trajectory)
    elif main in ("input_features", "input_values"):
        for audio in _audio_candidates(config, main, batch):
            tensors, seen = decoder(audio, None)
            found.append(ReferenceInput(tensors, batch, seen))
    grid = next((name for name in _GRID_NAMES if name in parameters), None)
    patches_name = next((name for name in ("hidden_states", "pixel_values") if name in parameters), None)
    if grid and patches_name:
        found.append(_patch_grid(config, batch, patches_name, grid))
    if "spatial_shapes" in parameters and "pixel_values" in parameters:
        text = {"input_ids": _ids(batch, length)} if "input_ids" in parameters else {}
        found.append(_native_resolution(config, batch, text))
    if "use_cache" in parameters:  # last resort: no cache (a hybrid cache that cannot be asked its length)
        found += [ReferenceInput(reference.tensors, batch, reference.tokens,
                                 options={**reference.options, "use_cache": False}) for reference in list(found)]
    return found
