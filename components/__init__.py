"""Components: what a model is made of (attention and its variant, normalisation and its placement, feed-forward,
mixture-of-experts, position information, token mixers, embeddings), detected once per distinct tree from the
stored module tree and the structural config, and stored as ``(:Architecture)-[:HAS_COMPONENT]->(:Component)``.

The rules are files, one per kind, in ``components/rules/``; ``detect`` runs them on one tree, ``run_components``
on every stored tree whose components are missing or from another detector version.
"""

from nnstruct.components.detect import DETECTOR_VERSION, Component, detect
from nnstruct.components.runner import ComponentsSummary, run_components

__all__ = ["DETECTOR_VERSION", "Component", "ComponentsSummary", "detect", "run_components"]
