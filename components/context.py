"""What every component rule reads: one stored module tree, its structural config, and shared tree predicates.

A rule (``components/rules/<kind>.py``) gets a :class:`Context` and returns :class:`Finding` s. The context holds
the tree (:class:`nnstruct.tree.model.ModuleTree`, as ingest extracts it or as it is read back from Neo4j),
the structural config the tree was built from (``Model.structural_config``), and memoised answers several rules
share (the attention cores, for instance), so each is computed once per tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from nnstruct.tree.model import ModuleNode, ModuleTree

UNKNOWN = "unknown"

# Classes that compute an activation function (torch's and transformers' own modules).
_ACTIVATION_MODULES = ("torch.nn.modules.activation.", "transformers.activations.")
# A normalised name per activation family (class names and config strings alike, lower-cased, without _ and -).
_ACTIVATIONS = (
    ("silu", re.compile(r"silu|swish")), ("gelu", re.compile(r"gelu")), ("relu2", re.compile(r"relu2|relusquared")),
    ("relu", re.compile(r"relu")), ("tanh", re.compile(r"tanh")), ("sigmoid", re.compile(r"sigmoid")),
    ("mish", re.compile(r"mish")), ("identity", re.compile(r"identity|linear")),
)
_LAYER_INDEX = re.compile(r"\.(\d+)(?:\.|$)")
# Nested configs that hold the text / encoder / decoder part of composite models.
_SUB_CONFIGS = ("text_config", "language_config", "llm_config", "decoder", "encoder", "vision_config", "audio_config",
                "backbone_config", "thinker_config", "talker_config", "text_encoder", "speech_config")


def activation_name(text: str | None) -> str | None:
    """The activation family of a class name or config string (``GELUActivation`` -> ``gelu``), else None."""
    if not text:
        return None
    flat = text.lower().replace("_", "").replace("-", "")
    for name, pattern in _ACTIVATIONS:
        if pattern.search(flat):
            return name
    return None


@dataclass
class Finding:
    """One component of a tree: ``kind`` and ``variant`` plus identity properties (``props``: part of the Component
    node's key), per-architecture values (``details``: on HAS_COMPONENT) and the modules that realise it."""

    kind: str
    variant: str
    props: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    modules: list[str] = field(default_factory=list)  # paths of the realising modules
    count: int | None = None  # how many times the tree has it; default: its modules, at least 1

    def __post_init__(self) -> None:
        if self.count is None:
            self.count = max(1, len(self.modules))

    @property
    def decided(self) -> bool:
        return self.variant != UNKNOWN


class Config:
    """Structural config lookup: the first non-null value of any key, at the top level, then in the nested configs
    of composite models (text_config, encoder, decoder, ...)."""

    def __init__(self, data: dict[str, Any] | None) -> None:
        self.data = data or {}
        self.present = data is not None
        self._found: dict[tuple[str, ...], Any] = {}

    def _levels(self) -> Iterator[dict[str, Any]]:
        yield self.data
        for key in _SUB_CONFIGS:
            nested = self.data.get(key)
            if isinstance(nested, dict):
                yield nested

    def get(self, *keys: str) -> Any:
        if keys in self._found:
            return self._found[keys]
        found = None
        for level in self._levels():
            found = next((level[key] for key in keys if level.get(key) is not None), None)
            if found is not None:
                break
        self._found[keys] = found
        return found

    def find_true(self, key: str) -> bool:
        """Whether ``key`` is true anywhere in the config (any nesting, e.g. MPT's ``attn_config.alibi``)."""
        def walk(value: Any) -> bool:
            if isinstance(value, dict):
                return value.get(key) is True or any(walk(v) for v in value.values())
            return False
        return walk(self.data)

    @property
    def model_type(self) -> str | None:
        value = self.data.get("model_type")
        return value if isinstance(value, str) else None


class Context:
    """One tree and its config, with shared, memoised predicates for the rules."""

    def __init__(self, tree: ModuleTree, config: dict[str, Any] | None) -> None:
        self.tree = tree
        self.config = Config(config)
        self.nodes: list[ModuleNode] = list(tree)  # named_modules() order: every parent before its children
        self._memo: dict[str, Any] = {}
        self._matches: dict[re.Pattern[str], dict[str, bool]] = {}

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def total_params(self) -> int:
        value = self.tree.total_params
        return int(value) if value is not None else sum(node.own_params for node in self.nodes)

    def matches(self, pattern: re.Pattern[str], text: str) -> bool:
        """``pattern.search(text)``, cached: trees repeat a few class and attribute names thousands of times."""
        cache = self._matches.get(pattern)
        if cache is None:
            cache = self._matches[pattern] = {}
        found = cache.get(text)
        if found is None:
            found = cache[text] = pattern.search(text) is not None
        return found

    def under(self, key: str, predicate: Callable[[ModuleNode], bool]) -> dict[int, bool]:
        """id(node) -> whether some proper ancestor satisfies ``predicate`` (one pre-order pass, memoised)."""
        def compute() -> dict[int, bool]:
            flags: dict[int, bool] = {}
            passed: dict[int, bool] = {}  # what a node hands its children: its own flag or its predicate
            for node in self.nodes:  # pre-order: a parent is handed on before its children ask
                parent = node.parent
                flag = flags[id(node)] = parent is not None and passed[id(parent)]
                if node.children:  # leaves hand nothing on: their predicate is never needed
                    passed[id(node)] = flag or predicate(node)
            return flags
        return self.memo(f"under.{key}", compute)

    # -- node predicates ----------------------------------------------------------------------------------------

    @staticmethod
    def is_linear(node: ModuleNode) -> bool:
        """A dense projection: Linear, transformers' Conv1D (GPT-2), or anything with in/out features."""
        return "out_features" in node.attrs and "in_features" in node.attrs

    @staticmethod
    def is_conv(node: ModuleNode) -> bool:
        return "out_channels" in node.attrs and "kernel_size" in node.attrs

    @staticmethod
    def is_activation(node: ModuleNode) -> bool:
        return node.class_path.startswith(_ACTIVATION_MODULES) or node.class_name.lower().endswith("activation")

    @staticmethod
    def is_embedding(node: ModuleNode) -> bool:
        return "num_embeddings" in node.attrs and "embedding_dim" in node.attrs

    @staticmethod
    def ancestors(node: ModuleNode) -> Iterator[ModuleNode]:
        parent = node.parent
        while parent is not None:
            yield parent
            parent = parent.parent

    @staticmethod
    def layer_index(node: ModuleNode) -> int | None:
        """The index of the block a module sits in (the first number in its path: ``layers.3.self_attn`` -> 3)."""
        match = _LAYER_INDEX.search("." + node.path)
        return int(match.group(1)) if match else None

    def activation_of(self, node: ModuleNode) -> tuple[str | None, str | None]:
        """(family, raw name) of the activation a module applies: an activation child, its ``activation``
        attribute, else the config's ``hidden_act``-style key."""
        for child in node.children:
            if self.is_activation(child):
                return activation_name(child.class_name), child.class_name
        raw = node.attrs.get("activation")
        if isinstance(raw, str) and activation_name(raw):
            return activation_name(raw), raw
        raw = self.config.get("hidden_act", "activation_function", "hidden_activation", "feed_forward_proj",
                              "ffn_act", "act_fn", "activation")
        if isinstance(raw, str) and activation_name(raw):
            return activation_name(raw), raw
        return None, None
