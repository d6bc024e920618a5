"""Query results as CSV: map columns (``m {.*} AS module``) spread into one column per key."""

from __future__ import annotations

import pandas as pd

from nnstruct.analysis.tables import flat


def test_map_columns_spread_into_their_keys() -> None:
    frame = pd.DataFrame({"model": ["a", "a"], "module": [{"path": "", "model": "x"}, {"path": "b", "depth": 1}],
                          "child_index": [None, 0]})
    spread = flat(frame)
    assert list(spread.columns) == ["model", "path", "module.model", "depth", "child_index"]
    assert spread["path"].tolist() == ["", "b"]


def test_frames_without_maps_are_unchanged() -> None:
    frame = pd.DataFrame({"task": ["x"], "models": [3]})
    assert flat(frame) is frame
