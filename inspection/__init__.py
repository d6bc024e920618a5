"""Inspect one or two stored models: ``show`` (the folded tree view), ``diff`` (structural diff) and ``export``
(CSV, JSON, GraphML). Reads trees through ``nnstruct.graph.model_trees``; knows no CLI.

The folder is ``inspection/`` rather than ``inspect/``: a top-level ``inspect`` package would shadow the standard
library's ``inspect`` for any Python started in the repository root.
"""
