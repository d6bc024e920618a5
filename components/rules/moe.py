"""Rule: mixture_of_experts.

Detects: sparse mixture-of-experts blocks (a module holding a child named ``experts``), one component per
(experts, experts per token, shared experts).

How:
- **experts**: the number of expert modules under ``experts`` (a list), else the router's output width (a dense
  child named ``gate``/``router``), else the config (``num_local_experts``, ``num_experts``, ``n_routed_experts``);
- **top_k** (experts per token): the config (``num_experts_per_tok``, ``moe_top_k``, ...); Switch-style routers
  with one expert per token say so in their class (``Top1``); null when nothing says;
- **shared** experts: children named ``shared_expert(s)`` (a list counts its members; one module counts
  ``n_shared_experts`` from the config, else 1), else 0.
An MoE block whose expert count cannot be read is ``unknown`` with the reason.

Realised by: each MoE block.
"""

from __future__ import annotations

import re

from nnstruct.components.context import UNKNOWN, Context, Finding
from nnstruct.tree.model import ModuleNode

KIND = "mixture_of_experts"
VERSION = 1

_EXPERTS = re.compile(r"^experts?$", re.I)
_ROUTER = re.compile(r"^(gate|router|switch|w_gate|gating|classifier)$", re.I)
_SHARED = re.compile(r"shared_experts?$|shared_mlp$", re.I)


def _experts(ctx: Context, block: ModuleNode, experts: ModuleNode) -> int | None:
    members = [child for child in experts.children if not Context.is_activation(child)]
    if members and all(child.class_name == members[0].class_name for child in members):
        return len(members)
    for child in block.children:
        if _ROUTER.search(child.name):
            width = child.attrs.get("out_features")
            if isinstance(width, int):
                return width
            for grandchild in child.children:  # routers that wrap their classifier (SwitchTransformersTop1Router)
                width = grandchild.attrs.get("out_features")
                if isinstance(width, int):
                    return width
    value = ctx.config.get("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts")
    return value if isinstance(value, int) and value > 0 else None


def _top_k(ctx: Context, block: ModuleNode) -> int | None:
    value = ctx.config.get("num_experts_per_tok", "moe_top_k", "num_selected_experts", "router_top_k",
                           "num_experts_per_token", "moe_k", "top_k_experts")
    if isinstance(value, int) and value > 0:
        return value
    if any("top1" in node.class_name.lower() for node in block.walk()):
        return 1
    return None


def _shared(ctx: Context, block: ModuleNode) -> int:
    for child in block.children:
        if _SHARED.search(child.name):
            if child.class_name in ("ModuleList", "ModuleDict"):
                return len(child.children)
            value = ctx.config.get("n_shared_experts", "num_shared_experts", "moe_num_shared_experts")
            return value if isinstance(value, int) and value > 0 else 1
    return 0


def blocks(ctx: Context) -> list[ModuleNode]:
    # parent of each ``experts`` module (pre-order: each block once per experts child)
    return [node.parent for node in ctx.nodes if node.parent is not None and ctx.matches(_EXPERTS, node.name)]


def detect(ctx: Context) -> list[Finding]:
    findings = []
    for block in blocks(ctx):
        experts_node = next(child for child in block.children if _EXPERTS.search(child.name))
        experts = _experts(ctx, block, experts_node)
        if experts is None:
            findings.append(Finding(KIND, UNKNOWN, {"reason": f"{block.class_name}: expert count not readable"},
                                    modules=[block.path]))
            continue
        findings.append(Finding(KIND, "sparse", {"experts": experts, "top_k": _top_k(ctx, block),
                                                 "shared": _shared(ctx, block)}, modules=[block.path]))
    return findings


CASES = [
    ("mixtral", "text-generation", {"num_local_experts": 8, "num_experts_per_tok": 2},
     [{"variant": "sparse", "experts": 8, "top_k": 2, "shared": 0}]),
    ("deepseek_v3", "text-generation", {}, [{"variant": "sparse", "experts": 8, "top_k": 2, "shared": 1}]),
    ("jamba", "text-generation", {}, [{"variant": "sparse", "experts": 4, "top_k": 2}]),
    ("qwen2_moe", "text-generation", {}, [{"variant": "sparse", "shared": 1}]),
]
