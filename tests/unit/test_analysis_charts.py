"""Charts: every kind draws a valid, non-empty PNG; 50 layer types stay readable (top-N plus other,
no overlapping labels); log scales where counts span orders of magnitude."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from nnstruct.analysis import charts
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
    assert fig.axes[0].get_xscale() == "log"
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
