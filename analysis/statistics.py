"""Statistics per task as plain text (``statistics_txt/<task>.txt``), from the analysis query results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nnstruct.analysis.charts import slug
from nnstruct.analysis.hierarchy import human
from nnstruct.analysis.tables import cell


def _describe(values: pd.Series, as_size: bool = False) -> str:
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return "(no data)"
    show = human if as_size else (lambda v: f"{v:,.2f}".rstrip("0").rstrip("."))
    return (f"min {show(values.min())}, median {show(values.median())}, mean {show(values.mean())}, "
            f"max {show(values.max())} (n={len(values)})")


def _rows_for(frame: pd.DataFrame | None, task: str) -> pd.DataFrame:
    if frame is None or frame.empty or "task" not in frame.columns:
        return pd.DataFrame()
    return frame[frame["task"] == task]


def task_statistics(task: str, view: str, results: dict[str, pd.DataFrame], top: int = 10) -> str:
    """The text block for one task; ``results`` maps analysis names to their DataFrames."""
    lines = [f"Task: {task}", f"View: {view}", ""]
    dedup = _rows_for(results.get("dedup_effect"), task)
    if not dedup.empty:
        row = dedup.iloc[0]
        lines.append(f"Models built: {cell(row['models'])} of {cell(row['listed'])} listed "
                     f"(failed {cell(row['failed'])}, skipped {cell(row['skipped'])})")
        lines.append(f"Name families: {cell(row['families'])}; distinct architectures: "
                     f"{cell(row['architectures'])}; architecture clusters: {cell(row['clusters'])}")
        lines.append(f"Representatives: {cell(row['name_representatives'])} by name, "
                     f"{cell(row['architecture_representatives'])} by architecture")
    sizes = _rows_for(results.get("model_sizes"), task)
    if not sizes.empty:
        lines.append(f"Models in this view: {len(sizes)}")
        lines.append("Parameters per model: " + _describe(sizes["total_params"], as_size=True))
        lines.append("Modules per model: " + _describe(sizes["module_count"]))
    nesting = _rows_for(results.get("nesting_level"), task)
    if not nesting.empty:
        row = nesting.iloc[0]
        lines.append(f"Module depth (root = 0): mean {cell(row['mean_depth'])}, median {cell(row['median_depth'])}, "
                     f"mean deepest level {cell(row['mean_max_depth'])}, deepest {cell(row['max_depth'])}")
    depth = _rows_for(results.get("depth_per_model"), task)
    if not depth.empty:
        lines.append("Mean module depth per model: " + _describe(depth["mean_depth"]))
    torch_share = _rows_for(results.get("torch_vs_custom"), task)
    if not torch_share.empty:
        row = torch_share.iloc[0]
        lines.append(f"torch.nn layers: {float(row['torch_share']) * 100:.1f}% of modules; "
                     f"model-specific classes: {cell(row['custom_types'])} types")
    layers = _rows_for(results.get("layer_types_per_task"), task)
    if not layers.empty:
        total = pd.to_numeric(layers["modules"]).sum()
        lines += ["", f"Top {top} layer types (modules summed over models, share of the task's modules, "
                      "models using it):"]
        for row in layers.sort_values("modules", ascending=False).head(top).itertuples():
            lines.append(f"  {row.layer_type:<40} {int(row.modules):>10,}  {row.modules / total * 100:5.1f}%  "
                         f"{int(row.models):>5,} models")
        lines.append(f"  ({len(layers)} layer types in all)")
    distinctive = _rows_for(results.get("distinctive_layer_types"), task)
    if not distinctive.empty:
        lines += ["", "Distinctive layer types (lift = share in this task / share in all tasks):"]
        for row in distinctive.itertuples():
            lines.append(f"  {row.layer_type:<40} lift {row.lift:6.2f}  in {int(row.models)} of "
                         f"{int(row.task_models)} models")
    return "\n".join(lines) + "\n"


def overall_statistics(view: str, results: dict[str, pd.DataFrame]) -> str:
    lines = ["All tasks", f"View: {view}", ""]
    overview = results.get("overview")
    if overview is not None and not overview.empty:
        for key, value in overview.iloc[0].items():
            lines.append(f"{key.replace('_', ' ')}: {cell(value)}")
    sizes = results.get("model_sizes")
    if sizes is not None and not sizes.empty:
        lines.append("Parameters per model: " + _describe(sizes["total_params"], as_size=True))
        lines.append("Modules per model: " + _describe(sizes["module_count"]))
    overall = results.get("layer_types_overall")
    if overall is not None and not overall.empty:
        lines += ["", "Top 20 layer types:"]
        for row in overall.head(20).itertuples():
            lines.append(f"  {row.layer_type:<40} {int(row.modules):>10,}  {row.share * 100:5.1f}%  "
                         f"{int(row.models):>5,} models  {int(row.tasks):>3} tasks")
    return "\n".join(lines) + "\n"


def write_statistics(folder: Path, view: str, results: dict[str, pd.DataFrame]) -> list[Path]:
    """One file per task plus ``all_tasks.txt``; returns the paths written."""
    tasks: list[str] = []
    for name in ("model_sizes", "layer_types_per_task", "dedup_effect"):
        frame = results.get(name)
        if frame is not None and not frame.empty:
            tasks += [t for t in frame["task"].unique() if t not in tasks]
    written = []
    path = folder / "all_tasks.txt"
    path.write_text(overall_statistics(view, results))
    written.append(path)
    for task in sorted(tasks):
        path = folder / f"{slug(task)}.txt"
        path.write_text(task_statistics(task, view, results))
        written.append(path)
    return written
