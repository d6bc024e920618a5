"""Data-driven sentences for the analysis report ("Key findings"), computed from the query results."""

from __future__ import annotations

import pandas as pd

from nnstruct.analysis.hierarchy import human


def _ok(frame: pd.DataFrame | None) -> bool:
    return frame is not None and not frame.empty


def findings(results: dict[str, pd.DataFrame], view: str) -> list[str]:
    """Markdown bullet texts; each finding is left out when its data is missing."""
    notes: list[str] = []
    overview = results.get("overview")
    if _ok(overview):
        row = overview.iloc[0]
        notes.append(
            f"The selection (view `{view}`) holds **{int(row['models']):,} models** over {int(row['tasks'])} tasks, "
            f"built from {int(row['architectures']):,} distinct architectures with {int(row['distinct_modules']):,} "
            f"modules between them ({int(row['modules_per_model']):,} counting every model's own tree), "
            f"of {int(row['layer_types'])} layer types."
        )
    overall = results.get("layer_types_overall")
    if _ok(overall):
        top = overall.head(3)
        parts = ", ".join(f"`{r.layer_type}` ({r.share * 100:.1f}%)" for r in top.itertuples())
        covered = overall.head(10)["share"].sum() * 100
        notes.append(f"The most frequent layer types are {parts}; the 10 most frequent types make up "
                     f"{covered:.0f}% of all modules, the other {max(0, len(overall) - 10)} types the rest.")
    sizes = results.get("model_sizes")
    if _ok(sizes) and sizes["task"].nunique() > 1:
        medians = sizes.groupby("task")["total_params"].median().dropna().sort_values()
        if not medians.empty:
            notes.append(f"Median model size ranges from {human(medians.iloc[0])} parameters "
                         f"(`{medians.index[0]}`) to {human(medians.iloc[-1])} (`{medians.index[-1]}`).")
    nesting = results.get("nesting_level")
    if _ok(nesting) and len(nesting) > 1:
        ordered = nesting.sort_values("mean_depth")
        shallow, deep = ordered.iloc[0], ordered.iloc[-1]
        notes.append(f"Modules sit deepest in `{deep['task']}` (mean depth {deep['mean_depth']:.2f}, median "
                     f"{int(deep['median_depth'])}) and shallowest in `{shallow['task']}` (mean "
                     f"{shallow['mean_depth']:.2f}, median {int(shallow['median_depth'])}).")
    torch_share = results.get("torch_vs_custom")
    if _ok(torch_share) and len(torch_share) > 1:
        ordered = torch_share.sort_values("torch_share")
        low, high = ordered.iloc[0], ordered.iloc[-1]
        notes.append(f"Stock `torch.nn` layers are {low['torch_share'] * 100:.0f}% (`{low['task']}`) to "
                     f"{high['torch_share'] * 100:.0f}% (`{high['task']}`) of a task's modules; the rest are "
                     f"classes the model code defines (blocks, attention, heads).")
    distinctive = results.get("distinctive_layer_types")
    if _ok(distinctive):
        best = distinctive.sort_values("lift", ascending=False).drop_duplicates("task").head(5)
        best = best[best["lift"] > 1]
        parts = "; ".join(f"`{r.layer_type}` for `{r.task}` (lift {r.lift:.1f}, in {int(r.models)} of "
                          f"{int(r.task_models)} models)" for r in best.itertuples())
        if parts:
            notes.append(f"Most distinctive layer types (share in the task over share overall): {parts}.")
    dedup = results.get("dedup_effect")
    if _ok(dedup):
        models = int(dedup["models"].sum())
        by_name = int(dedup["name_representatives"].sum())
        by_arch = int(dedup["architecture_representatives"].sum())
        architectures = int(dedup["architectures"].sum())
        if models:
            text = (f"Of {models:,} built models (summed over tasks), {architectures:,} distinct architectures "
                    "remain per task")
            if by_name:
                text += f"; name dedup keeps {by_name:,} ({by_name / models * 100:.0f}%)"
            if by_arch:
                text += f"; architecture dedup keeps {by_arch:,} ({by_arch / models * 100:.0f}%)"
            if not by_name and not by_arch:
                text += "; dedup has not run yet (no representatives marked)"
            notes.append(text + ".")
    return notes


def findings_markdown(results: dict[str, pd.DataFrame], view: str) -> str:
    notes = findings(results, view)
    return "\n".join(f"- {note}" for note in notes) if notes else "_No data to summarise._"
