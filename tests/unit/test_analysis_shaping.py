"""Shaping of query results for charts: top-N plus other, matrices, box data, log-scale decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nnstruct.analysis import shaping


def _layer_counts(types: int) -> pd.DataFrame:
    return pd.DataFrame({"layer_type": [f"Type{i:02d}" for i in range(types)], "modules": list(range(types, 0, -1))})


def test_top_with_other_keeps_the_total():
    frame = _layer_counts(50)
    shaped = shaping.top_with_other(frame, "layer_type", "modules", top=15)
    assert len(shaped) == 16
    assert shaped["layer_type"].iloc[-1] == "other (35)"
    assert shaped["modules"].sum() == frame["modules"].sum()
    assert list(shaped["layer_type"].iloc[:3]) == ["Type00", "Type01", "Type02"]


def test_top_with_other_sums_repeated_categories_and_needs_no_other_when_few():
    frame = pd.DataFrame({"x": ["a", "b", "a"], "y": [1, 5, 2]})
    shaped = shaping.top_with_other(frame, "x", "y", top=5)
    assert shaped.to_dict("list") == {"x": ["b", "a"], "y": [5, 3]}


def test_matrix_orders_columns_by_total_and_cuts_to_top():
    frame = pd.DataFrame({
        "task": ["t1", "t1", "t2", "t2", "t2"],
        "layer_type": ["Linear", "Conv2d", "Linear", "Dropout", "Conv2d"],
        "modules": [10, 1, 5, 7, 2],
    })
    table = shaping.matrix(frame, "task", "layer_type", "modules", top=2)
    assert list(table.columns) == ["Linear", "Dropout"]
    assert table.loc["t1", "Dropout"] == 0
    assert table.loc["t2", "Linear"] == 5


def test_matrix_natural_order_for_depths():
    frame = pd.DataFrame({"task": ["a", "a", "b", "b"], "depth": [2, 0, 3, 1], "share": [0.5, 0.5, 0.9, 0.1]})
    table = shaping.matrix(frame, "task", "depth", "share", order="none")
    assert list(table.columns) == ["0", "1", "2", "3"]


def test_box_groups_fill_absent_pairs_with_zero():
    frame = pd.DataFrame({
        "model": ["m1", "m1", "m2", "m3"],
        "layer_type": ["Linear", "Dropout", "Linear", "Linear"],
        "modules": [73, 10, 40, 20],
    })
    groups = shaping.box_groups(frame, "layer_type", "modules", top=10, group="model", fill=0)
    assert list(groups) == ["Linear", "Dropout"]
    assert sorted(groups["Dropout"].tolist()) == [0.0, 0.0, 10.0]
    unfilled = shaping.box_groups(frame, "layer_type", "modules", top=1)
    assert list(unfilled) == ["Linear"] and len(unfilled["Linear"]) == 3


def test_box_groups_median_order():
    frame = pd.DataFrame({"task": ["a"] * 3 + ["b"] * 2, "params": [1, 1, 100, 10, 10]})
    assert list(shaping.box_groups(frame, "task", "params", None, order="median")) == ["b", "a"]
    assert list(shaping.box_groups(frame, "task", "params", None)) == ["a", "b"]


def test_wide_series_long_and_wide_forms():
    long = pd.DataFrame({"task": ["a", "a", "b"], "kind": ["x", "y", "x"], "n": [1, 2, 3]})
    table = shaping.wide_series(long, "task", ("n",), "kind")
    assert table.loc["b", "y"] == 0 and table.loc["a", "y"] == 2
    wide = pd.DataFrame({"task": ["a", "b"], "models": [3, 4], "families": [1, 2]})
    assert shaping.wide_series(wide, "task", ("models", "families"), None).loc["b"].tolist() == [4, 2]


def test_spans_orders_decides_log_scales():
    assert shaping.spans_orders([1, 10, 100_000])
    assert not shaping.spans_orders([5, 50, 500])
    assert not shaping.spans_orders([0, 0, 7])


def test_weighted_median_of_a_depth_histogram():
    assert shaping.weighted_median([0, 1, 2, 3], [1, 1, 5, 1]) == 2
    assert np.isnan(shaping.weighted_median([1], [0]))


def test_facets_in_first_seen_order():
    frame = pd.DataFrame({"task": ["b", "a", "b"], "v": [1, 2, 3]})
    assert [value for value, _ in shaping.facets(frame, "task")] == ["b", "a"]
    assert [value for value, _ in shaping.facets(frame, None)] == [None]


def test_expand_weights_repeats_each_row_its_weight_times():
    frame = pd.DataFrame({"task": ["a", "a", "b"], "depth": [1.0, 5.0, 2.0], "models": [3, 1, 0]})
    expanded = shaping.expand_weights(frame, "models")
    assert expanded["depth"].tolist() == [1.0, 1.0, 1.0, 5.0]  # b's row stands for no model: gone
    groups = shaping.box_groups(expanded, "task", "depth", None)
    assert groups["a"].tolist() == [1.0, 1.0, 1.0, 5.0] and np.median(groups["a"]) == 1.0
    assert shaping.expand_weights(frame, None) is frame
