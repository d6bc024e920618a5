"""Rule: normalisation.

Detects: every normalisation layer (a leaf module whose class is a norm), one component per (variant, placement).

How:
- **variant** from the class, whatever the model calls it: ``RMSNorm`` (class says RMS, or a custom ``*LayerNorm``
  whose ``forward`` scales by the root mean square without centring, as ``T5LayerNorm``), ``LayerNorm``,
  ``BatchNorm`` (incl. frozen/sync), ``GroupNorm``, ``InstanceNorm``; any other norm class is ``other`` with its
  class. A norm class whose kind cannot be told (a custom ``*LayerNorm`` without a readable source and without a
  bias) is ``unknown`` with the reason.
- **placement**: ``embedding`` (inside an embeddings module), ``final`` (after the stack of blocks), ``inner``
  (inside attention or a mixer: q/k norms, MLA's latent norms), ``pre`` / ``post`` (before the sublayer, or on the
  residual sum after it) from the block's ``forward`` source (:mod:`nnstruct.components.source_order`), else
  ``unknown`` (the placement only; the variant stays decided).

Realised by: each norm module.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nnstruct.components import source_order
from nnstruct.components.context import UNKNOWN, Context, Finding
from nnstruct.components.rules import attention, token_mixer
from nnstruct.tree.model import ModuleNode

KIND = "normalisation"
VERSION = 1

_NORM = re.compile(r"norm", re.I)
_NOT_NORM = re.compile(r"normaliz|normalis|denorm", re.I)
_VARIANTS = (
    ("RMSNorm", re.compile(r"rms", re.I)),
    ("BatchNorm", re.compile(r"batch_?norm|frozenbatch|syncbatch", re.I)),
    ("GroupNorm", re.compile(r"group_?norm", re.I)),
    ("InstanceNorm", re.compile(r"instance_?norm", re.I)),
    ("LayerNorm", re.compile(r"layer_?norm", re.I)),
)
_EMBEDDINGS = re.compile(r"embed", re.I)
_TRANSITION = re.compile(r"downsampl|merg|upsampl|reduction", re.I)
_STACK = re.compile(r"encoder|decoder|stages|layers|blocks|backbone", re.I)
_SUBLAYER = re.compile(r"attn|attention|mlp|ffn|feed_?forward|mixer|mamba|moe|experts|intermediate|conv|fc1|"
                       r"dense|mixffn|block_sparse|linear_attn|ssm", re.I)


def norms(ctx: Context) -> list[ModuleNode]:
    return ctx.memo("normalisation.nodes", lambda: [
        node for node in ctx.nodes
        if node.is_leaf and ctx.matches(_NORM, node.class_name) and not ctx.matches(_NOT_NORM, node.class_name)
        and not node.class_path.startswith("torch.nn.utils.parametriz")  # weight norm reparametrises weights
    ])


def _rms_by_source(class_path: str) -> bool | None:
    source = source_order.forward_source(class_path)
    if source is None:
        return None
    if "layer_norm(" in source or ".var(" in source:
        return False
    scales = "rsqrt" in source or "pow(2).mean" in source or "square().mean" in source
    centres = re.search(r"-\s*(u|mean|mu)\b", source) or re.search(r"-\s*\w+\.mean\(", source)
    return bool(scales and not centres)


@lru_cache(maxsize=4096)
def _variant(class_path: str, class_name: str, bias: object) -> tuple[str, dict[str, str]]:
    if class_path.startswith("torch.nn."):
        if class_name == "LayerNorm":
            return "LayerNorm", {}
        if class_name == "RMSNorm":
            return "RMSNorm", {}
    for name, pattern in _VARIANTS:
        if pattern.search(class_name):
            if name != "LayerNorm":
                return name, {}
            rms = _rms_by_source(class_path)
            if rms is True:
                return "RMSNorm", {"note": f"{class_name} scales by the root mean square"}
            if rms is False or bias is True:
                return "LayerNorm", {}
            return UNKNOWN, {"reason": f"{class_name}: no source to tell LayerNorm from RMSNorm, no bias"}
    return "other", {"class_name": class_name}


def _placement(ctx: Context, node: ModuleNode, flags: dict[str, dict[int, bool]],
               blocks: dict[tuple[str, str, int], str]) -> str:
    parent = node.parent
    if parent is None:
        return UNKNOWN
    if flags["inner"][id(node)]:
        return "inner"
    if flags["embeddings"][id(node)] or ctx.matches(_EMBEDDINGS, node.name):
        return "embedding"
    if flags["transition"][id(node)]:
        return "transition"  # between stages (Swin's patch merging)
    key = (parent.class_path, node.name, node.index)
    if key not in blocks:  # every layer of a stack asks the same question: answer it once per tree
        siblings = tuple((child.name, child.class_name, len(child.children)) for child in parent.children)
        blocks[key] = _placement_in_block(parent.class_path, node.name, node.index, siblings)
    return blocks[key]


@lru_cache(maxsize=16384)
def _placement_in_block(block_class: str, name: str, index: int,
                        siblings: tuple[tuple[str, str, int], ...]) -> str:
    """Placement of child ``name`` of a block, from the block's class and its children (same for every layer)."""
    before = siblings[:index]
    if any((cls in ("ModuleList", "Sequential") and count > 1) or _STACK.search(f"{child} {cls}")
           for child, cls, count in before):
        return "final"
    sublayers = {child for child, cls, _ in siblings if child != name and _SUBLAYER.search(f"{child} {cls}")}
    return source_order.norm_placement(block_class, name, frozenset(sublayers)) or UNKNOWN


def detect(ctx: Context) -> list[Finding]:
    mixers = token_mixer.mixers(ctx)
    inner = {id(core) for core in attention.cores(ctx)} | {
        id(node) for kind in ("state-space", "recurrent") for node in mixers.get(kind, [])}
    flags = {
        "inner": ctx.under("norm.inner", lambda a: id(a) in inner),
        "embeddings": ctx.under("norm.embeddings", lambda a: a.parent is not None and ctx.matches(
            _EMBEDDINGS, f"{a.name} {a.class_name}")),
        "transition": ctx.under("norm.transition", lambda a: ctx.matches(_TRANSITION, f"{a.name} {a.class_name}")),
    }
    blocks: dict[tuple[str, str, int], str] = {}
    grouped: dict[tuple[str, tuple[tuple[str, str], ...], str | None], list[str]] = {}
    for node in norms(ctx):
        variant, props = _variant(node.class_path, node.class_name, node.attrs.get("bias"))
        placement = _placement(ctx, node, flags, blocks)
        key = (variant, tuple(sorted((k, v) for k, v in props.items() if k != "note")), placement)
        grouped.setdefault(key, []).append(node.path)
        if props.get("note"):
            grouped.setdefault(("note", (), variant), []).append(props["note"])
    findings = []
    for (variant, props, placement), paths in grouped.items():
        if variant == "note":
            continue
        notes = grouped.get(("note", (), variant))
        findings.append(Finding(KIND, variant, {**dict(props), "placement": placement},
                                {"note": notes[0]} if notes else {}, paths))
    return findings


CASES = [
    ("bert", "fill-mask", {}, [{"variant": "LayerNorm", "placement": "post"},
                               {"variant": "LayerNorm", "placement": "embedding"}]),
    ("gpt2", "text-generation", {}, [{"variant": "LayerNorm", "placement": "pre"},
                                     {"variant": "LayerNorm", "placement": "final"}]),
    ("llama", "text-generation", {}, [{"variant": "RMSNorm", "placement": "pre"},
                                      {"variant": "RMSNorm", "placement": "final"}]),
    ("t5", "text2text-generation", {}, [{"variant": "RMSNorm", "placement": "pre"}]),
    ("whisper", "automatic-speech-recognition", {}, [{"variant": "LayerNorm", "placement": "pre"}]),
    ("resnet", "image-classification", {}, [{"variant": "BatchNorm"}]),
    ("convnext", "image-classification", {}, [{"variant": "LayerNorm"}]),
    ("wav2vec2", "automatic-speech-recognition", {"feat_extract_norm": "group"}, [{"variant": "GroupNorm"}]),
    ("deepseek_v3", "text-generation", {}, [{"variant": "RMSNorm", "placement": "inner"}]),
]
