"""Rule: attention.

Detects: every attention block of a tree (the *core*: the innermost module whose class says attention and that
holds the projections), one component per distinct (variant, role, scope, ratio).

How:
- **variant** from the projection shapes: separate ``q``/``k``/``v`` projections give the query/key-value head
  ratio ``q.out_features / k.out_features``: 1 is multi-head (``MHA``), the number of heads is multi-query
  (``MQA``), anything between is grouped-query (``GQA``, ratio ``4:1``). A fused ``qkv`` projection gives it from
  ``out = (heads + 2 * kv_heads) * head_dim``. Low-rank key/value compression (``kv_a_proj``, DeepSeek) is
  multi-head latent attention (``MLA``); ``torch.nn.MultiheadAttention`` is MHA; a class called linear attention
  is ``linear``. A query projection without key/value projections reuses another layer's keys and values
  (``kv: shared``, Gemma 3n): the ratio then comes from the config's head counts. Heads come from the
  module's ``num_heads`` or the config.
- **role**: ``cross`` when the path or class says cross / encoder attention (``encoder_attn``,
  ``crossattention``), else ``self``.
- **scope**: ``sliding`` (config ``sliding_window``, per layer when ``layer_types`` says which), ``local``
  (``attention_window``, GPT-Neo's local layers), ``block-sparse`` (BigBird), ``windowed`` (Swin: config
  ``window_size``), ``reduced`` (SegFormer's spatial-reduction ``sr`` conv), else ``global``.
- A projection wrapped in a module of its own (``MoshiLinear``, a ``Sequential``) counts by its inner dense
  layer. Where widths cannot be read (bare parameters), a config with a head count and no key/value head count is
  multi-head (transformers' convention; ``basis: config`` on the relationship). Additive, gated-MLP and
  deformable "attention" is ``other`` with its class; RWKV's time mixing is left to the token_mixer rule.
- A core whose projections still cannot be read is ``unknown`` with the reason.

Realised by: the core module, plus its ``k``/``v`` projections for GQA/MQA/MLA (what makes the variant).
"""

from __future__ import annotations

import re
from typing import Any

from nnstruct.components.context import UNKNOWN, Context, Finding
from nnstruct.tree.model import ModuleNode

KIND = "attention"
VERSION = 1

_CLASS = re.compile(r"attention|attn|multihead|mla$", re.I)
# Helpers named after attention (judged by how the class name ends: RobertaPreLayerNormSelfAttention is a core).
_NOT_CORE = re.compile(r"(output|dropout|norm|rotary|embeddings?|pool|mask|scores?|bias|gate|residual|projection|"
                       r"structure|layer)$", re.I)
_NOT_ATTENTION = re.compile(r"rwkv", re.I)  # RWKV's time mixing is recurrent (token_mixer), not attention
_OTHER = re.compile(r"additive|gatedattention|deformable", re.I)
_CROSS = re.compile(r"cross|encoder_attn|enc_dec|encdec|encoder_decoder_attention", re.I)
_Q = re.compile(r"^(q|query|q_proj|to_q|wq|q_lin|query_proj|q_linear|linear_q|q_attn|query_net|project_q|q_head|"
                r"query_key)$", re.I)
_K = re.compile(r"^(k|key|k_proj|to_k|wk|k_lin|key_proj|k_linear|linear_k|key_net|project_k|k_head)$", re.I)
_V = re.compile(r"^(v|value|v_proj|to_v|wv|v_lin|value_proj|v_linear|linear_v|value_net|project_v|v_head)$", re.I)
_QKV = re.compile(r"qkv|c_attn|in_proj|query_key_value|wqkv|to_qkv", re.I)
_KV = re.compile(r"^(kv|kv_proj|to_kv|wkv|key_value)$", re.I)
_LATENT = re.compile(r"kv_a_proj|kv_b_proj|q_a_proj|kv_lora", re.I)
_REDUCTION = re.compile(r"^(sr|spatial_reduction|sequence_reduction|reduction)$", re.I)


def cores(ctx: Context) -> list[ModuleNode]:
    """The attention cores of the tree (shared with other rules through the context's memo)."""
    return ctx.memo("attention.cores", lambda: _cores(ctx))


def is_cross(node: ModuleNode) -> bool:
    return bool(_CROSS.search(node.path) or _CROSS.search(node.class_name))


def _cores(ctx: Context) -> list[ModuleNode]:
    def candidate(node: ModuleNode) -> bool:
        if node.class_path == "torch.nn.modules.activation.MultiheadAttention":
            return True
        return ctx.matches(_CLASS, node.class_name) and not ctx.matches(_NOT_CORE, node.class_name) \
            and not ctx.matches(_NOT_ATTENTION, node.class_name) and (
                node.own_params > 0 or any(Context.is_linear(c) or Context.is_conv(c) or c.children
                                           for c in node.children))

    found = [node for node in ctx.nodes if candidate(node)]
    marked = {id(node) for node in found}
    inner = set()
    for node in found:  # drop wrappers: a candidate with a candidate below it
        parent = node.parent
        while parent is not None and id(parent) not in inner:
            if id(parent) in marked:
                inner.add(id(parent))
            parent = parent.parent
    return [node for node in found if id(node) not in inner]


def _heads(ctx: Context, core: ModuleNode) -> int | None:
    value = core.attrs.get("num_heads")
    if isinstance(value, int) and value > 0:
        return value
    value = ctx.config.get("num_attention_heads", "n_head", "num_heads", "n_heads", "encoder_attention_heads",
                           "decoder_attention_heads")
    return value if isinstance(value, int) and value > 0 else None


def _kv_heads(ctx: Context) -> int | None:
    value = ctx.config.get("num_key_value_heads", "num_kv_heads", "n_head_kv", "multi_query_group_num",
                           "n_kv_heads")
    if isinstance(value, int) and value > 0:
        return value
    if ctx.config.get("multi_query") is True:
        return 1
    return None


def _dense(node: ModuleNode) -> ModuleNode | None:
    """The projection a child stands for: itself when dense, else the first dense module inside (wrappers such as
    ``MoshiLinear`` or a ``Sequential`` of conv and norm)."""
    for inner in node.walk():
        if Context.is_linear(inner) or Context.is_conv(inner):
            return inner
    return None


def _projections(core: ModuleNode) -> dict[str, ModuleNode]:
    found: dict[str, ModuleNode] = {}
    for child in core.children:
        dense = _dense(child)
        if dense is None:
            continue
        if dense is not child:  # a wrapper: its name, the inner projection's shape
            dense = _renamed(dense, child.name)
        for role, pattern in (("q", _Q), ("k", _K), ("v", _V), ("kv", _KV), ("qkv", _QKV), ("latent", _LATENT)):
            if pattern.search(child.name) and role not in found:
                found[role] = dense
                break
    return found


def _renamed(node: ModuleNode, name: str) -> ModuleNode:
    return ModuleNode(node.path, name, node.class_name, node.class_path, node.depth, node.index, node.own_params,
                      node.subtree_params, node.attrs)


def _out(node: ModuleNode) -> int | None:
    value = node.attrs.get("out_features", node.attrs.get("out_channels"))
    return value if isinstance(value, int) else None


def _in(node: ModuleNode) -> int | None:
    value = node.attrs.get("in_features", node.attrs.get("in_channels"))
    return value if isinstance(value, int) else None


def _ratio_variant(ratio: int, heads: int | None) -> str:
    if ratio == 1:
        return "MHA"
    return "MQA" if heads is not None and ratio == heads else "GQA"


def _variant(ctx: Context, core: ModuleNode) -> tuple[str, dict[str, Any], dict[str, Any], list[str]]:
    """(variant, identity props, details, extra realising paths) of one core."""
    heads = _heads(ctx, core)
    details: dict[str, Any] = {"heads": heads} if heads else {}
    if core.class_path == "torch.nn.modules.activation.MultiheadAttention":
        return "MHA", {"ratio": 1}, details, []
    if "linear" in core.class_name.lower() and "attention" in core.class_name.lower():
        return "linear", {}, details, []
    if ctx.matches(_OTHER, core.class_name):  # additive, gated-MLP or deformable sampling: not dot-product heads
        return "other", {"class_name": core.class_name}, details, []
    proj = _projections(core)
    if "latent" in proj or (ctx.config.get("kv_lora_rank") and any(_LATENT.search(c.name) for c in core.children)):
        paths = [c.path for c in core.children if _LATENT.search(c.name)]
        return "MLA", {}, details, paths
    q, k = proj.get("q"), proj.get("k") or proj.get("kv")
    if q is not None and k is not None and _out(q) and _out(k):
        q_out, k_out = _out(q), _out(k)
        if "kv" in proj and "k" not in proj:
            k_out //= 2  # fused key+value
        if k_out and q_out % k_out == 0:
            ratio = q_out // k_out
        else:  # query and key head sizes differ: trust the config's head counts
            kv = _kv_heads(ctx)
            if not (heads and kv and heads % kv == 0):
                return UNKNOWN, {"reason": f"{core.class_name}: q/k widths {q_out}/{k_out} and no head counts"}, \
                    details, []
            ratio = heads // kv
        variant = _ratio_variant(ratio, heads)
        if heads:
            details["kv_heads"] = heads // ratio
        extra = [node.path for node in (proj.get("k"), proj.get("v"), proj.get("kv")) if node is not None]
        return variant, {"ratio": ratio}, details, extra if variant != "MHA" else []
    if q is not None and k is None and "qkv" not in proj:
        # keys and values reused from another layer (Gemma 3n's KV sharing): head counts from the config
        kv = _kv_heads(ctx) or heads
        if heads and kv and heads % kv == 0:
            ratio = heads // kv
            details["kv_heads"] = kv
            return _ratio_variant(ratio, heads), {"ratio": ratio, "kv": "shared"}, details, []
    fused = proj.get("qkv")
    if fused is not None and _out(fused) and _in(fused):
        width, total = _in(fused), _out(fused)
        if total == 3 * width or (total % 3 == 0 and _kv_heads(ctx) is None):
            return "MHA", {"ratio": 1}, details, []  # three equal parts (Sam2 pools queries to a wider output)
        kv = _kv_heads(ctx)
        if heads and width % heads == 0:
            per_head = width // heads
            kv_from_shape = (total // per_head - heads) / 2 if total % per_head == 0 else None
            if kv_from_shape and kv_from_shape >= 1 and kv_from_shape == int(kv_from_shape):
                kv = int(kv_from_shape)
        if heads and kv and heads % kv == 0:
            ratio = heads // kv
            details["kv_heads"] = kv
            return _ratio_variant(ratio, heads), {"ratio": ratio}, details, [fused.path]
        return UNKNOWN, {"reason": f"{core.class_name}: fused qkv {width}->{total} without head counts"}, details, []
    if heads and _kv_heads(ctx) is None and (q is not None or (core.own_params > 0 and not proj)):
        # projections whose widths cannot be read (or held as bare parameters): a config without a key/value
        # head count is multi-head attention in transformers' conventions
        details["basis"] = "config"
        return "MHA", {"ratio": 1}, details, []
    if core.own_params > 0 and not proj:
        return UNKNOWN, {"reason": f"{core.class_name}: projections are bare parameters, not modules"}, details, []
    return UNKNOWN, {"reason": f"{core.class_name}: no q/k/v projections recognised"}, details, []


def _scope(ctx: Context, core: ModuleNode) -> tuple[str, dict[str, Any]]:
    if any(_REDUCTION.search(child.name) for child in core.children) or "efficient" in core.class_name.lower():
        return "reduced", {}
    layer_types = ctx.config.get("layer_types")
    index = ctx.layer_index(core)
    window = ctx.config.get("sliding_window")
    if isinstance(layer_types, list) and index is not None and index < len(layer_types):
        kind = str(layer_types[index])
        if "sliding" in kind or "local" in kind:
            return "sliding", {"window": window} if isinstance(window, int) else {}
        if "linear" in kind:
            return "linear", {}
        return "global", {}
    if isinstance(window, int) and window > 0 and ctx.config.get("use_sliding_window") is not False:
        return "sliding", {"window": window}
    attention_layers = ctx.config.get("attention_layers")
    if isinstance(attention_layers, list) and index is not None and index < len(attention_layers):
        return ("local" if attention_layers[index] == "local" else "global"), {}
    if ctx.config.get("attention_window") is not None:
        return "local", {}
    if ctx.config.get("attention_type") == "block_sparse":
        return "block-sparse", {}
    if ctx.config.get("window_size") is not None:  # Swin-style shifted windows
        return "windowed", {}
    return "global", {}


def detect(ctx: Context) -> list[Finding]:
    findings = []
    for core in cores(ctx):
        variant, props, details, extra = _variant(ctx, core)
        scope, scope_props = _scope(ctx, core)
        role = "cross" if is_cross(core) else "self"
        if variant in ("GQA", "MQA"):
            props["ratio_label"] = f"{props['ratio']}:1"
        findings.append(Finding(KIND, variant, {"role": role, "scope": scope, **props, **scope_props}, details,
                                [core.path, *extra], count=1))
    return findings


# Test cases, built by ingest from transformers' configs (small sizes): model_type, task, config overrides,
# and the components expected among this rule's findings (variant plus the properties that must match).
CASES = [
    ("bert", "fill-mask", {}, [{"variant": "MHA", "role": "self", "scope": "global"}]),
    ("gpt2", "text-generation", {}, [{"variant": "MHA", "role": "self"}]),
    ("llama", "text-generation", {"num_attention_heads": 8, "num_key_value_heads": 2},
     [{"variant": "GQA", "ratio": 4, "ratio_label": "4:1", "scope": "global"}]),
    ("qwen2", "text-generation", {"num_attention_heads": 8, "num_key_value_heads": 4},
     [{"variant": "GQA", "ratio": 2}]),
    ("mistral", "text-generation", {"num_attention_heads": 8, "num_key_value_heads": 2, "sliding_window": 64},
     [{"variant": "GQA", "ratio": 4, "scope": "sliding", "window": 64}]),
    ("falcon", "text-generation", {"multi_query": True, "new_decoder_architecture": False},
     [{"variant": "MQA"}]),
    ("deepseek_v3", "text-generation", {}, [{"variant": "MLA"}]),
    ("t5", "text2text-generation", {}, [{"variant": "MHA", "role": "self"}, {"variant": "MHA", "role": "cross"}]),
    ("whisper", "automatic-speech-recognition", {}, [{"variant": "MHA", "role": "cross"}]),
    ("swin", "image-classification", {}, [{"variant": "MHA", "scope": "windowed"}]),
    ("segformer", "image-classification", {}, [{"variant": "MHA", "scope": "reduced"}]),
    ("vit", "image-classification", {}, [{"variant": "MHA", "scope": "global"}]),
    ("jamba", "text-generation", {}, [{"variant": "GQA"}]),
]
