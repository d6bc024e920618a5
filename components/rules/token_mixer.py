"""Rule: token_mixer.

Detects: what mixes information across positions (tokens, pixels, frames). Hybrids get several components:
Jamba has ``attention`` and ``state-space``; wav2vec2 has ``attention`` and ``convolution`` (its feature encoder).

How:
- ``attention``: the self-attention cores of the attention rule (cross-attention mixes two sequences and is
  counted by the attention rule only);
- ``state-space``: the innermost module whose class says Mamba / SSM / S4, or a mixer holding a ``conv1d`` and
  an ``in_proj`` (selective-scan layout);
- ``recurrent``: torch's RNN/LSTM/GRU, or a class saying RWKV / recurrent / retention / xLSTM;
- ``fourier`` (FNet's Fourier transform) and ``pooling`` (PoolFormer) for the attention-free mixers;
- ``convolution``: convolutions with a kernel wider than 1 in repeated blocks (ResNet and ConvNeXt stages, audio
  feature encoders), not in a stem, embeddings, attention, a state-space mixer or a feed-forward;
- a tree with none of these is ``unknown`` with the reason.

Realised by: the mixing modules (cores, mixers, recurrent modules, convolutions).
"""

from __future__ import annotations

import re

from nnstruct.components.context import UNKNOWN, Context, Finding
from nnstruct.components.rules import attention
from nnstruct.tree.model import ModuleNode

KIND = "token_mixer"
VERSION = 1

_SSM = re.compile(r"mamba|ssm|\bs4|s4d|selective|statespace|state_space", re.I)
_RECURRENT_TORCH = ("torch.nn.modules.rnn.LSTM", "torch.nn.modules.rnn.GRU", "torch.nn.modules.rnn.RNN")
_RECURRENT = re.compile(r"rwkv|recurren|retention|xlstm|mlstm|slstm|lstm|gru\b|rglru", re.I)
_NOT_MIXING = re.compile(r"stem|embed|patch|downsampl|pooler|head|proj|mlp|ffn|feed_?forward|intermediate|"
                         r"shortcut|reduction|fpn|classifier", re.I)
_FOURIER = re.compile(r"fourier|fft", re.I)
_POOLING = re.compile(r"pooling$", re.I)


def _innermost(ctx: Context, matches: list[ModuleNode]) -> list[ModuleNode]:
    marked = {id(node) for node in matches}
    outer: set[int] = set()
    for node in matches:
        parent = node.parent
        while parent is not None:
            if id(parent) in marked:
                outer.add(id(parent))
            parent = parent.parent
    return [node for node in matches if id(node) not in outer]


def mixers(ctx: Context) -> dict[str, list[ModuleNode]]:
    def compute() -> dict[str, list[ModuleNode]]:
        found: dict[str, list[ModuleNode]] = {}
        cores = attention.cores(ctx)
        selfs = [core for core in cores if not attention.is_cross(core)]
        if selfs:
            found["attention"] = selfs
        ssm = _innermost(ctx, [node for node in ctx.nodes if not node.is_leaf and (
            ctx.matches(_SSM, node.class_name) and any(ctx.is_conv(c) or ctx.is_linear(c) for c in node.children)
            or {"conv1d", "in_proj"} <= {c.name for c in node.children})])
        if ssm:
            found["state-space"] = ssm
        recurrent = _innermost(ctx, [node for node in ctx.nodes if node.class_path in _RECURRENT_TORCH or (
            not node.is_leaf and ctx.matches(_RECURRENT, node.class_name))])
        if recurrent:
            found["recurrent"] = recurrent
        fourier = [node for node in ctx.nodes if ctx.matches(_FOURIER, node.class_name)]
        fourier = _innermost(ctx, fourier)
        if fourier:
            found["fourier"] = fourier  # FNet
        pooling = [node for node in ctx.nodes if ctx.matches(_POOLING, node.class_name)
                   and ctx.layer_index(node) is not None and "pooler" not in node.name.lower()]
        if pooling:
            found["pooling"] = pooling  # PoolFormer
        skip = {id(node) for group in (cores, ssm, recurrent) for node in group}
        blocked = ctx.under("mixer.blocked", lambda a: id(a) in skip or (
            a.parent is not None and ctx.matches(_NOT_MIXING, f"{a.name} {a.class_name}")))
        convs = [node for node in ctx.nodes if ctx.is_conv(node) and _wide(node.attrs.get("kernel_size")) > 1
                 and not blocked[id(node)] and ctx.layer_index(node) is not None
                 and not ctx.matches(_NOT_MIXING, f"{node.name} {node.class_name}")]
        if convs:
            found["convolution"] = convs
        return found

    return ctx.memo("token_mixer.mixers", compute)


def _wide(kernel: object) -> int:
    if isinstance(kernel, int):
        return kernel
    if isinstance(kernel, list) and kernel:
        return max(int(k) for k in kernel)
    return 0


def detect(ctx: Context) -> list[Finding]:
    found = mixers(ctx)
    if not found:
        return [Finding(KIND, UNKNOWN, {"reason": "no attention, state-space, recurrent or convolution module"})]
    return [Finding(KIND, variant, modules=[node.path for node in nodes], count=len(nodes))
            for variant, nodes in found.items()]


CASES = [
    ("bert", "fill-mask", {}, [{"variant": "attention"}]),
    ("mamba", "text-generation", {}, [{"variant": "state-space"}]),
    ("jamba", "text-generation", {}, [{"variant": "attention"}, {"variant": "state-space"}]),
    ("resnet", "image-classification", {}, [{"variant": "convolution"}]),
    ("convnext", "image-classification", {}, [{"variant": "convolution"}]),
    ("wav2vec2", "automatic-speech-recognition", {}, [{"variant": "attention"}, {"variant": "convolution"}]),
]
