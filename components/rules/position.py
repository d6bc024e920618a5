"""Rule: position.

Detects: how a model gets position information; a model may have several (DeBERTa: relative and absolute).

How:
- ``rotary``: a module whose class says rotary / RoPE, or a config with rotary settings (``rope_theta``,
  ``rope_parameters``, ``rotary_dim``, ``position_embedding_type: rotary``);
- ``relative-bias``: a module named or classed relative (T5's ``relative_attention_bias``, DeBERTa's
  ``rel_embeddings``), ``position_embedding_type: relative_key*``, or attention holding its own bias table beside
  its projections (Swin, LeViT);
- ``alibi``: ``alibi: true`` anywhere in the config, or a BLOOM model (ALiBi is computed in ``forward``; no module
  or config key shows it);
- ``convolutional``: a positional convolution (wav2vec2's ``pos_conv_embed``), or a depthwise conv inside the
  feed-forward (SegFormer's Mix-FFN);
- ``sinusoidal``: a module whose class says sinusoidal / sine (DETR), or a position-encoding class of its own
  without parameters (computed);
- ``learned-absolute``: an ``Embedding`` named for positions (``position_embeddings``, ``wpe``,
  ``embed_positions``), a position-encoding class holding parameters (Reformer's axial, Perceiver's), an
  embeddings module holding its own parameters beside a patch projection (ViT), or the config's
  ``position_embedding_type: absolute``;
- tables computed in ``forward`` from constants only, which no module or config key shows, by model type: CTRL
  and VideoMAE sinusoidal, XLNet, Funnel and Transformer-XL relative;
- ``none``: none of these in a model without attention (convolutional nets) or with a state-space or recurrent
  mixer that orders tokens itself (Jamba); in a pure attention model, no evidence is ``unknown`` with the reason.

Realised by: the modules that carry it (none for config-only evidence).
"""

from __future__ import annotations

import re
from functools import lru_cache

from nnstruct.components.context import UNKNOWN, Context, Finding
from nnstruct.components.rules import attention, token_mixer

KIND = "position"
VERSION = 1

_ROTARY = re.compile(r"rotary|rope", re.I)
_RELATIVE = re.compile(r"relative|rel_pos|rel_embed|relpos|position_bias", re.I)
_CONV_POS = re.compile(r"pos.*conv|conv.*pos", re.I)
_DW_CONV = re.compile(r"dwconv|depthwise", re.I)
_SINUSOIDAL = re.compile(r"sinusoid|sine|sincos", re.I)
_POSITION_CLASS = re.compile(r"position(al)?_?(embedding|encoding)|posembed|positionencoding", re.I)
_POSITION_NAME = re.compile(r"^(position_embeddings?|positions?_embed|wpe|embed_positions|pos_embed(ding)?s?|"
                            r"position_embedding|"
                            r"positional_embedding|pos_emb|abs_pos_embed)$", re.I)
_EMBEDDINGS_CLASS = re.compile(r"embeddings$", re.I)
_PATCH = re.compile(r"patch|projection|conv", re.I)
_ALIBI_TYPES = ("bloom",)
# Position tables computed in forward from constants, with no module or config key to show them.
_FIXED_TABLES = {"ctrl": "sinusoidal", "xlnet": "relative-bias", "funnel": "relative-bias",
                 "transfo-xl": "relative-bias", "videomae": "sinusoidal"}
_FFN = re.compile(r"mlp|ffn|feed", re.I)


@lru_cache(maxsize=8192)
def _by_name(name: str, class_name: str, is_leaf: bool, is_embedding: bool) -> str | None:
    text = f"{name} {class_name}"
    if _ROTARY.search(class_name):
        return "rotary"
    if _SINUSOIDAL.search(class_name):
        return "sinusoidal"
    if _CONV_POS.search(class_name) or (_CONV_POS.search(name) and not is_leaf):
        return "convolutional"
    if _RELATIVE.search(class_name) or (_RELATIVE.search(name) and (
            "embed" in text.lower() or "bias" in text.lower() or is_embedding)):
        return "relative-bias"
    if _POSITION_NAME.search(name) and (is_embedding or "embedding" in class_name.lower()):
        return "learned-absolute"
    return None


def detect(ctx: Context) -> list[Finding]:
    found: dict[str, list[str]] = {}

    def add(variant: str, path: str | None = None) -> None:
        found.setdefault(variant, [])
        if path is not None:
            found[variant].append(path)

    cores = attention.cores(ctx)
    in_ffn = ctx.under("position.in_ffn", lambda a: ctx.matches(_FFN, a.class_name))
    for node in ctx.nodes:
        variant = _by_name(node.name, node.class_name, node.is_leaf, ctx.is_embedding(node))
        if variant is None and _EMBEDDINGS_CLASS.search(node.class_name) and node.own_params > 0 and any(
                _PATCH.search(child.name) or _PATCH.search(child.class_name) for child in node.children):
            variant = "learned-absolute"  # a position table held as a parameter beside the patch projection
        if variant is None and ctx.matches(_POSITION_CLASS, node.class_name):
            # a position module of its own class: learned when it holds parameters, computed (fixed) when not
            variant = "learned-absolute" if node.subtree_params > 0 else "sinusoidal"
        if variant is None and in_ffn[id(node)] and ctx.matches(_DW_CONV, node.class_name):
            variant = "convolutional"  # SegFormer's Mix-FFN: a depthwise conv gives position
        if variant is not None:
            add(variant, node.path)
    config = ctx.config
    kind = str(config.get("position_embedding_type", "position_embeddings_type") or "")
    if "rotary" not in found and (config.get("rope_theta", "rotary_dim", "rotary_emb_base", "rope_parameters",
                                             "rotary_pct") is not None or kind == "rotary"):
        add("rotary")
    if kind.startswith("relative") and "relative-bias" not in found:
        add("relative-bias")
    if kind == "absolute" and not found:
        add("learned-absolute")
    if config.model_type in _FIXED_TABLES and not found:
        add(_FIXED_TABLES[config.model_type])
    if config.find_true("alibi") or config.model_type in _ALIBI_TYPES:
        add("alibi")
    biased = [core for core in cores if core.own_params > 0 and core.children]  # a bias table beside projections
    if "relative-bias" not in found and biased:
        add("relative-bias", biased[0].path)
    if not found:
        mixers = token_mixer.mixers(ctx)
        if cores and not ({"state-space", "recurrent"} & mixers.keys()):
            return [Finding(KIND, UNKNOWN, {"reason": "attention without a position module or config key"})]
        return [Finding(KIND, "none")]
    return [Finding(KIND, variant, modules=paths, count=max(1, len(paths))) for variant, paths in found.items()]


CASES = [
    ("bert", "fill-mask", {}, [{"variant": "learned-absolute"}]),
    ("gpt2", "text-generation", {}, [{"variant": "learned-absolute"}]),
    ("llama", "text-generation", {}, [{"variant": "rotary"}]),
    ("t5", "text2text-generation", {}, [{"variant": "relative-bias"}]),
    ("wav2vec2", "automatic-speech-recognition", {}, [{"variant": "convolutional"}]),
    ("vit", "image-classification", {}, [{"variant": "learned-absolute"}]),
    ("swin", "image-classification", {}, [{"variant": "relative-bias"}]),
    ("bloom", "text-generation", {}, [{"variant": "alibi"}]),
    ("resnet", "image-classification", {}, [{"variant": "none"}]),
    ("mamba", "text-generation", {}, [{"variant": "none"}]),
]
