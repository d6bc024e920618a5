"""A short human name for a module tree (moved to :mod:`nnstruct.tree.describe`: ingest stores it too)."""

from nnstruct.tree.describe import describe_tree

__all__ = ["describe_tree"]
