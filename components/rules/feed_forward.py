"""Rule: feed_forward.

Detects: the position-wise feed-forward networks of the blocks (incl. each MoE's experts, counted once per MoE
block), one component per (variant, glu, activation).

How, from the projection shapes under one module:
- an **up/down pair** of dense children (``up: d -> i``, ``down: i -> d``, ``i != d``): ``plain``; two parallel
  ups of the same shape (gate and up) or one up of twice the width (fused ``gate_up``): ``gated``;
- a lone up projection in a module named like an intermediate layer (BERT's ``BertIntermediate``; its down
  projection lives in ``BertOutput``): ``plain``;
- fused experts (no dense children, 3-D weights): ``gated`` when their parameters are ``3 * experts * d * i``,
  ``plain`` at ``2 *``, from the config's sizes.
The **activation** is the FFN's activation module (or attribute, or the config's ``hidden_act``); a gated FFN
is named after it (``SwiGLU`` for SiLU, ``GeGLU`` for GELU, ``ReGLU`` for ReLU, ``GLU`` for sigmoid).
Attention cores, state-space mixers and modules in embeddings are never FFNs. An MoE experts module whose shape
cannot be read is ``unknown`` with the reason.

Realised by: the FFN module (for BERT-style split FFNs, the intermediate module).
"""

from __future__ import annotations

import re
from typing import Any

from nnstruct.components.context import UNKNOWN, Context, Finding
from nnstruct.components.rules import attention
from nnstruct.tree.model import ModuleNode

KIND = "feed_forward"
VERSION = 1

_INTERMEDIATE = re.compile(r"intermediate|dense_h_to_4h|fc_in", re.I)
_EXPERTS = re.compile(r"^experts?$", re.I)
_EXCLUDED = re.compile(r"mamba|mixer|ssm|embed|head$|pooler|rwkv|router|projector|adapter", re.I)
_GLU = {"silu": "SwiGLU", "gelu": "GeGLU", "relu": "ReGLU", "sigmoid": "GLU"}


def _dims(node: ModuleNode) -> tuple[int, int] | None:
    a, b = node.attrs.get("in_features"), node.attrs.get("out_features")
    if a is None:
        a, b = node.attrs.get("in_channels"), node.attrs.get("out_channels")
        if node.attrs.get("kernel_size") not in (1, [1], [1, 1], None):
            return None  # a spatial conv mixes tokens: not position-wise
    return (a, b) if isinstance(a, int) and isinstance(b, int) else None


def _shape(node: ModuleNode) -> str | None:
    """``plain`` / ``gated`` from the dense children of ``node``, else None."""
    dense = [(child, _dims(child)) for child in node.children]
    dense = [(child, dims) for child, dims in dense if dims is not None]
    best: str | None = None
    for down, (down_in, d) in dense:
        if down_in == d:
            continue
        ups = [dims for child, dims in dense if child is not down and dims in ((d, down_in), (d, 2 * down_in))]
        if ups.count((d, down_in)) >= 2 or (d, 2 * down_in) in ups:
            return "gated"
        if ups:
            best = "plain"
    if best is None and _INTERMEDIATE.search(f"{node.name} {node.class_name}") and len(dense) == 1:
        a, b = dense[0][1]
        return "plain" if b != a else None
    return best


def _fused_experts(ctx: Context, node: ModuleNode) -> str | None:
    experts = ctx.config.get("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts")
    hidden = ctx.config.get("hidden_size", "d_model")
    inner = ctx.config.get("moe_intermediate_size", "expert_intermediate_size", "intermediate_size", "d_ff")
    if not all(isinstance(v, int) and v > 0 for v in (experts, hidden, inner)):
        return None
    per_expert = node.own_params / (experts * hidden * inner)
    if abs(per_expert - 3) < 0.05:
        return "gated"
    if abs(per_expert - 2) < 0.05:
        return "plain"
    return None


def detect(ctx: Context) -> list[Finding]:
    cores = {id(core) for core in attention.cores(ctx)}
    blocked = ctx.under("ffn.blocked", lambda a: id(a) in cores or (
        a.parent is not None and ctx.matches(_EXCLUDED, a.class_name)))
    findings: list[Finding] = []
    claimed: set[int] = set()
    shapes: dict[tuple[str, str, str], str | None] = {}
    for node in ctx.nodes:
        if node.parent is None or id(node) in cores or blocked[id(node)] or ctx.matches(_EXCLUDED, node.class_name):
            continue
        if id(node.parent) in claimed:
            claimed.add(id(node))  # inside an FFN already found
            continue
        if ctx.matches(_EXPERTS, node.name):
            reason = None
            members = [child for child in node.children if not ctx.is_activation(child)]
            if members:  # a list of expert MLPs: the first one's shape speaks for all
                variant = _shape(members[0])
                activation = ctx.activation_of(members[0])
                reason = None if variant else f"{members[0].class_name}: expert of unreadable shape"
            else:
                variant = _fused_experts(ctx, node)
                activation = ctx.activation_of(node)
                reason = None if variant else f"{node.class_name}: fused expert weights of unreadable shape"
            claimed.add(id(node))
            findings.append(_finding(variant or UNKNOWN, activation, node, reason, experts=True))
            continue
        if not node.children:
            continue
        signature = (node.name, node.class_name, repr([(c.class_name, c.attrs) for c in node.children]))
        if signature not in shapes:
            shapes[signature] = _shape(node)
        variant = shapes[signature]
        if variant is None:
            continue
        claimed.add(id(node))
        findings.append(_finding(variant, ctx.activation_of(node), node, None, experts=False))
    return findings


def _finding(variant: str, activation: tuple[str | None, str | None], node: ModuleNode, reason: str | None,
             experts: bool) -> Finding:
    family, raw = activation
    props: dict[str, Any] = {"activation": family or UNKNOWN}
    if variant == "gated":
        props["glu"] = _GLU.get(family or "", f"{family or 'unknown'}-gated")
    if experts:
        props["in_experts"] = True
    if reason:
        props["reason"] = reason
    return Finding(KIND, variant, props, {"activation_class": raw} if raw else {}, [node.path])


CASES = [
    ("bert", "fill-mask", {}, [{"variant": "plain", "activation": "gelu"}]),
    ("gpt2", "text-generation", {}, [{"variant": "plain", "activation": "gelu"}]),
    ("llama", "text-generation", {}, [{"variant": "gated", "glu": "SwiGLU", "activation": "silu"}]),
    ("t5", "text2text-generation",
     {"feed_forward_proj": "gated-gelu", "is_gated_act": True, "dense_act_fn": "gelu_new"},
     [{"variant": "gated", "glu": "GeGLU"}]),
    ("t5", "text2text-generation", {}, [{"variant": "plain", "activation": "relu"}]),
    ("mixtral", "text-generation", {}, [{"variant": "gated", "glu": "SwiGLU", "in_experts": True}]),
    ("whisper", "automatic-speech-recognition", {}, [{"variant": "plain", "activation": "gelu"}]),
    ("vit", "image-classification", {}, [{"variant": "plain", "activation": "gelu"}]),
]
