"""The component rules, one module per kind. Each has ``KIND``, ``VERSION``, ``detect(ctx) -> list[Finding]``,
a docstring saying what it detects and how, and ``CASES`` (real architectures with the components expected;
``tests/test_components_rules.py`` builds and checks every case). Adding a kind: add a module here and list it
in ``RULES``."""

from __future__ import annotations

from types import ModuleType

from nnstruct.components.rules import attention, embeddings, feed_forward, moe, normalisation, position, token_mixer

# Order matters only for reading: later rules may reuse what earlier ones memoised on the context.
RULES: tuple[ModuleType, ...] = (attention, normalisation, feed_forward, moe, position, token_mixer, embeddings)
KINDS: tuple[str, ...] = tuple(rule.KIND for rule in RULES)
