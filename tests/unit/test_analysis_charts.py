"""Charts: every kind draws a valid, non-empty PNG; 50 layer types stay readable (top-N plus other,
no overlapping labels); log scales where counts span orders of magnitude."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.ticker import FixedLocator
from PIL import Image

from nnstruct.analysis import charts, shaping
from nnstruct.analysis.render_spec import parse_render
from nnstruct.errors import QueryFileError

RNG = np.random.default_rng(7)
TASKS = [f"task-{i:02d}-classification" for i in range(30)]
TYPES = [f"VeryLongModelSpecificLayerType{i:02d}" for i in range(50)]


def per_task_counts() -> pd.DataFrame:
    rows = [{"task": task, "layer_type": kind, "modules": int(10 ** RNG.uniform(0, 5)), "models": 3}
            for task in TASKS for kind in TYPES if RNG.random() < 0.6]
    return pd.DataFrame(rows)


def per_model_counts() -> pd.DataFrame:
    rows = [{"task": task, "model": f"{task}/m{m}", "layer_type": kind, "modules": int(RNG.integers(1, 80))}
            for task in TASKS[:3] for m in range(12) for kind in TYPES[:20] if RNG.random() < 0.7]
    return pd.DataFrame(rows)


def assert_png(path):
    assert path.is_file() and path.stat().st_size > 1000
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        width, height = image.size
        assert width > 100 and height > 100
        assert len(set(image.convert("L").get_flattened_data())) > 2  # something was drawn
    assert plt.imread(path).size > 0


def overlapping_labels(fig) -> list[tuple[str, str]]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    clashes = []
    for ax in fig.axes:
        for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ticks if t.get_text() and t.get_visible()]
            for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
                if box_a.overlaps(box_b):
                    clashes.append((a, b))
    return clashes


@pytest.mark.parametrize(
    ("render", "frame_factory"),
    [
        ("bar x=layer_type y=modules top=15", per_task_counts),
        ("heatmap x=layer_type y=task value=modules top=40", per_task_counts),
        ("heatmap-log x=layer_type y=task value=modules top=40", per_task_counts),
        ("box x=layer_type y=modules group=model fill=0 top=10", per_model_counts),
    ],
)
def test_fifty_layer_types_and_thirty_tasks_do_not_overlap(render, frame_factory):
    spec = parse_render(render)[0]
    fig = charts.figure(spec, frame_factory(), "title")
    fig.tight_layout()
    assert overlapping_labels(fig) == []
    ax = fig.axes[0]
    assert ax.get_title() == "title"
    assert ax.get_xlabel() and ax.get_ylabel()
    plt.close(fig)


def test_bar_keeps_top_n_plus_other_and_goes_log_over_orders_of_magnitude():
    spread = pd.DataFrame({"layer_type": TYPES, "modules": [max(1, int(1_000_000 / 1.8 ** i)) for i in range(50)]})
    fig = charts.figure(parse_render("bar x=layer_type y=modules top=15")[0], spread.head(16), "t")
    assert fig.axes[0].get_xscale() == "symlog"  # log above 1, from 0: no negative tick, a bar of 1 shows
    plt.close(fig)
    fig = charts.figure(parse_render("bar x=layer_type y=modules top=15")[0], spread, "t")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 16 and labels[-1] == "other (35)"
    assert overlapping_labels(fig) == []
    plt.close(fig)
    flat = pd.DataFrame({"layer_type": ["a", "b", "c"], "modules": [5, 8, 9]})
    fig = charts.figure(parse_render("bar x=layer_type y=modules")[0], flat, "t")
    assert fig.axes[0].get_yscale() == "linear" and fig.axes[0].get_xscale() == "linear"
    plt.close(fig)


def test_grouped_bar_histogram_and_box_log(tmp_path):
    sizes = pd.DataFrame({"task": np.repeat(TASKS[:5], 20), "total_params": 10 ** RNG.uniform(5, 10, 100)})
    dedup = pd.DataFrame({"task": TASKS, "models": RNG.integers(10, 500, 30), "families": RNG.integers(1, 50, 30)})
    for render, frame in [
        ("grouped-bar x=task y=models,families", dedup),
        ("histogram x=total_params", sizes),
        ("box x=task y=total_params log=true", sizes),
    ]:
        files = charts.draw(parse_render(render)[0], frame, tmp_path, "chart", "A title", "test.cypher")
        assert len(files) == 1
        assert_png(files[0].path)


def test_scatter_colours_the_largest_series_and_goes_log(tmp_path):
    frame = pd.DataFrame({"params": 10 ** RNG.uniform(6, 11, 60), "kv": 10 ** RNG.uniform(3, 6, 60),
                          "design": RNG.choice(["full", "window", "latent", "state", "hybrid"], 60)})
    spec = parse_render("scatter x=params y=kv series=design top=3 log=both")[0]
    figure = charts.figure(spec, frame, "A title")
    axes = figure.axes[0]
    assert axes.get_xscale() == axes.get_yscale() == "log"
    assert len(axes.get_legend().get_texts()) == 4  # the 3 largest groups and "other"
    files = charts.draw(spec, frame, tmp_path, "chart", "A title", "test.cypher")
    assert_png(files[0].path)


def test_facets_give_one_image_per_value(tmp_path):
    spec = parse_render('box x=layer_type y=modules facet=task group=model fill=0 top=10 dir=boxplot '
                        'title="Top 10 in {task}"')[0]
    files = charts.draw(spec, per_model_counts(), tmp_path, "layer_counts", "t", "test.cypher")
    assert [f.path.relative_to(tmp_path).as_posix() for f in files] == [
        f"boxplot/{task}.png" for task in TASKS[:3]
    ]
    assert files[0].title == f"Top 10 in {TASKS[0]}"
    for chart in files:
        assert_png(chart.path)


def test_missing_columns_and_empty_frames():
    spec = parse_render("bar x=layer_type y=modules")[0]
    with pytest.raises(QueryFileError, match="needs column\\(s\\) modules.*returns layer_type, count"):
        charts.draw(spec, pd.DataFrame({"layer_type": ["a"], "count": [1]}), None, "x", "t", "my.cypher")
    assert charts.draw(spec, pd.DataFrame(), None, "x", "t", "my.cypher") == []


def catalogue_sized_frames() -> list[tuple[str, pd.DataFrame]]:
    """Every chart kind the shipped analyses use, at the catalogue's size (26 tasks, ~60 per-task rows)."""
    tasks = [f"{name}-{i:02d}" for i, name in enumerate(["zero-shot-audio-classification", "text-generation"] * 13)]
    sizes = pd.DataFrame({"task": np.repeat(tasks, 12), "total_params": 10 ** RNG.uniform(3, 11, 12 * len(tasks)),
                          "mean_depth": RNG.uniform(2, 8, 12 * len(tasks))})
    dedup = pd.DataFrame({"task": tasks, "models": RNG.integers(0, 600, len(tasks)),
                          "families": RNG.integers(0, 300, len(tasks))})
    profile = pd.DataFrame([{"task": t, "depth": d, "share": RNG.random()} for t in tasks for d in range(14)])
    stats = []
    for i, kind in enumerate(TYPES[:10]):
        values = np.concatenate([RNG.integers(1, 300, 5 + 18 * i), np.zeros(185 - 5 - 18 * i)])
        stats.append({"layer_type": kind, "modules": int(values.sum()), "models": 185, "models_with": 5 + 18 * i,
                      "min": values.min(), "q1": np.percentile(values, 25), "median": np.median(values),
                      "q3": np.percentile(values, 75), "max": values.max(), "mean": values.mean()})
    counts = per_task_counts()
    return [
        ("bar x=layer_type y=modules top=25", counts.groupby("layer_type", as_index=False)["modules"].sum()),
        ("bar x=task y=families top=60 log=false", dedup),
        ("grouped-bar x=task y=models,families", dedup),
        ("grouped-bar x=task y=models,families log=false", dedup),
        ("heatmap x=layer_type y=task value=modules top=40", counts),
        ("heatmap-log x=layer_type y=task value=modules top=40", counts),
        ("heatmap x=depth y=task value=share format=pct top=60 sort=none", profile),
        ("box x=task y=total_params top=60 log=true sort=median", sizes),
        ("box x=task y=mean_depth top=60 sort=median log=false", sizes),
        ("box x=layer_type y=modules group=model fill=0 top=10", per_model_counts()),
        ("box-stats x=layer_type", pd.DataFrame(stats)),
        ("histogram x=total_params log=x", sizes),
        ("histogram x=mean_depth", sizes),
    ]


def visible_ticks(ax, axis: str) -> list[float]:
    low, high = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    ticks = ax.get_xticks() if axis == "x" else ax.get_yticks()
    return [t for t in ticks if low - 1e-9 <= t <= high + 1e-9]


@pytest.mark.parametrize(("render", "frame"), catalogue_sized_frames(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_chart_kind_has_sane_count_axes_and_readable_labels(render, frame):
    spec = parse_render(render)[0]
    fig = charts.figure(spec, frame, "title")
    fig.tight_layout()
    ax = fig.axes[0]
    for axis in ("x", "y"):
        if isinstance((ax.xaxis if axis == "x" else ax.yaxis).get_major_locator(), FixedLocator):
            continue  # a category axis (labels given): positions, not counts
        scale = ax.get_xscale() if axis == "x" else ax.get_yscale()
        limits = ax.get_xlim() if axis == "x" else ax.get_ylim()
        # counts never go below zero: no negative limits, no negative tick (categorical axes are 0..n)
        assert min(limits) >= (0 if scale in ("linear", "symlog") else 1e-300), (axis, limits)
        assert [t for t in visible_ticks(ax, axis) if t < 0] == []
        if spec.kind in ("bar", "grouped-bar") and scale != "linear":  # bars of counts grow from 0
            assert scale == "symlog" and min(limits) == 0, (scale, limits)
        if scale == "log":  # a log count axis starts at one or above, never at a fraction of a model
            assert min(visible_ticks(ax, axis) or [1]) >= 1 or spec.kind == "histogram"
    assert overlapping_labels(fig) == []
    plt.close(fig)


def test_most_frequent_ranks_by_share_of_models_then_count():
    rows = pd.DataFrame({"layer_type": ["RareHuge", "Common", "Everywhere", "AlsoCommon"],
                         "models_with": [2, 40, 185, 40], "modules": [9000, 80, 400, 120]})
    ranked = shaping.rank_by_share(rows, "layer_type")
    assert ranked["layer_type"].tolist() == ["Everywhere", "AlsoCommon", "Common", "RareHuge"]
    # per-model rows: a type 2 of 12 models hold in large numbers ranks below one every model holds once
    per_model = pd.DataFrame(
        [{"model": f"m{m}", "layer_type": "Gemma3nRMSNorm", "modules": 500} for m in range(2)]
        + [{"model": f"m{m}", "layer_type": "Linear", "modules": 3} for m in range(12)]
        + [{"model": f"m{m}", "layer_type": "Dropout", "modules": 1} for m in range(12)])
    groups = shaping.box_groups(per_model, "layer_type", "modules", 2, group="model", fill=0)
    assert list(groups) == ["Linear", "Dropout"]
    fig = charts.figure(parse_render("box-stats x=layer_type top=3")[0], rows.assign(
        models=185, min=0, q1=0, median=1, q3=2, max=9, mean=1.0), "t")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Everywhere (185 of 185)", "AlsoCommon (40 of 185)", "Common (40 of 185)"]
    plt.close(fig)


def test_weighted_box_and_histogram_count_each_row_weight_times(tmp_path):
    per_architecture = pd.DataFrame({"task": ["a", "a", "b"], "total_params": [1e6, 1e9, 5e7], "models": [40, 2, 7]})
    spec = parse_render("box x=task y=total_params weight=models log=true")[0]
    figure = charts.figure(spec, per_architecture, "sizes")
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert labels == ["a (n=42)", "b (n=7)"]
    hist = charts.figure(parse_render("histogram x=total_params weight=models log=false bins=3")[0],
                         per_architecture, "sizes")
    assert sum(patch.get_height() for patch in hist.axes[0].patches) == 49
    files = charts.draw(spec, per_architecture, tmp_path, "chart", "A title", "test.cypher")
    assert_png(files[0].path)
