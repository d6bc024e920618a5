"""Run every rule on one tree and fold the findings into components (one per kind, variant and identity).

Pure: a :class:`~nnstruct.tree.model.ModuleTree` and a config in, components out. A rule that raises
is recorded as an ``unknown`` component of its kind with the error as the reason, never dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from nnstruct.components.context import UNKNOWN, Context, Finding
from nnstruct.components.rules import RULES
from nnstruct.tree.model import ModuleTree

# Bump when the shared machinery changes what rules see; each rule has its own VERSION.
CORE_VERSION = 1
DETECTOR_VERSION = f"core:{CORE_VERSION}," + ",".join(f"{rule.KIND}:{rule.VERSION}" for rule in RULES)


@dataclass
class Component:
    """One component of one tree: what the graph stores as HAS_COMPONENT to a shared Component node."""

    kind: str
    variant: str
    properties: dict[str, Any]  # identity: part of the Component's key
    count: int
    details: dict[str, Any] = field(default_factory=dict)  # per architecture: on HAS_COMPONENT
    paths: list[str] = field(default_factory=list)  # realising modules

    @property
    def key(self) -> str:
        identity = ",".join(f"{name}={value}" for name, value in sorted(self.properties.items()))
        return f"{self.kind}/{self.variant}" + (f"/{identity}" if identity else "")

    @property
    def decided(self) -> bool:
        return self.variant != UNKNOWN

    def label(self) -> str:
        """Short text for terminals: ``attention GQA 4:1 self sliding(4096)``."""
        props = self.properties
        parts = [self.kind, self.variant]
        for name in ("ratio_label", "glu", "activation", "role", "scope", "placement", "class_name"):
            value = props.get(name)
            if value is not None and not (name == "activation" and props.get("glu")):
                parts.append(str(value))
        if props.get("window") is not None:
            parts[-1] = f"{parts[-1]}({props['window']})"
        if self.kind == "mixture_of_experts" and self.decided:
            parts.append(f"{props.get('experts')} experts, top-{props.get('top_k') or '?'}, "
                         f"{props.get('shared', 0)} shared")
        if props.get("in_experts"):
            parts.append("(experts)")
        if props.get("reason"):
            parts.append(f"({props['reason']})")
        return " ".join(parts)

    def row(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "variant": self.variant, "properties": self.properties,
                "count": self.count, "details": self.details, "paths": self.paths}


def _plain(properties: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in properties.items() if value is not None}


def detect(tree: ModuleTree, config: dict[str, Any] | None) -> list[Component]:
    """The components of ``tree`` built from ``config`` (structural config; None when unknown)."""
    ctx = Context(tree, config)
    findings: list[Finding] = []
    for rule in RULES:
        try:
            findings += rule.detect(ctx)
        except Exception as exc:  # a rule bug on one odd tree must not lose the other kinds
            findings.append(Finding(rule.KIND, UNKNOWN, {"reason": f"rule failed: {type(exc).__name__}: {exc}"}))
    merged: dict[str, Component] = {}
    paths: dict[str, dict[str, None]] = {}  # key -> realising paths, in order, once each
    for finding in findings:
        component = Component(finding.kind, finding.variant, _plain(finding.props), finding.count or 1,
                              _plain(finding.details))
        stored = merged.setdefault(component.key, component)
        if stored is not component:
            stored.count += component.count
            for name, value in component.details.items():
                stored.details.setdefault(name, value)
        paths.setdefault(component.key, {}).update(dict.fromkeys(finding.modules))
    for key, component in merged.items():
        component.paths = list(paths[key])
    return list(merged.values())


def version_digest() -> str:
    """A short digest of DETECTOR_VERSION (for file names and compact displays)."""
    return hashlib.sha256(DETECTOR_VERSION.encode()).hexdigest()[:8]
