"""Benchmark of architecture dedup at hub scale: time and recall of the prefix index against exhaustive search.

Populations are made of real trees: ~20 transformers architectures built on the meta device by ingest's own
``run_job``, each perturbed into many distinct variants (more or fewer blocks, a head removed, a class renamed,
widths or attention heads changed, adapters added, activations swapped, dropouts removed), then shared by many
models with Zipf-like popularity, as fine-tunes share an architecture on the hub. Dedup computes features once
per distinct tree, as ``run_dedup`` does per stored Architecture; the database round trip is not part of these
figures.

Printed per population: feature (WL) time, index + clustering time, near-duplicate pairs and clusters; the
exhaustive baselines, run where they finish within the budget (else estimated from a timed sample):
- "brute": every pair scored by sparse matrix products over the same features;
- "naive": networkx WL features (``weisfeiler_lehman_subgraph_hashes`` on ingest's graph) and Counter cosine
  for every pair, as a straightforward implementation would do it;
and the recall of the index against brute force (all pairs, or a sample of query trees when too large).

    python bench/dedup.py                         # 1,000 / 10,000 / 100,000 models + 10,000 distinct trees
    python bench/dedup.py --sizes 1000 --distinct-sizes ''   # quick look
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstruct.dedup.architectures import StoredTree, compute_features, label_architectures
from nnstruct.dedup.models import ModelRow
from nnstruct.dedup.similarity_index import bag_matrix, candidate_count, cosine, exhaustive_pairs, similar_pairs
from nnstruct.tree.model import ModuleTree
from nnstruct.tree.wl import WlSettings, label_function, networkx_hashes, to_digraph

# (model_type, task, config overrides): real architectures across text, vision and audio.
BASES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("bert", "text-classification", {}),
    ("roberta", "fill-mask", {}),
    ("distilbert", "question-answering", {}),
    ("albert", "fill-mask", {}),
    ("electra", "token-classification", {}),
    ("deberta-v2", "text-classification", {}),
    ("gpt2", "text-generation", {}),
    ("llama", "text-generation", {}),
    ("mistral", "text-generation", {}),
    ("qwen2", "text-generation", {}),
    ("gemma", "text-generation", {}),
    ("t5", "text2text-generation", {}),
    ("bart", "summarization", {}),
    ("vit", "image-classification", {}),
    ("convnext", "image-classification", {}),
    ("resnet", "image-classification", {}),
    ("swin", "image-classification", {}),
    ("wav2vec2", "automatic-speech-recognition", {}),
    ("whisper", "automatic-speech-recognition", {}),
    ("mobilebert", "fill-mask", {}),
)

WIDTH_KEYS = ("in_features", "out_features", "hidden_size", "embedding_dim", "normalized_shape", "num_features",
              "in_channels", "out_channels")


@dataclass(frozen=True)
class Base:
    name: str
    task: str
    rows: list[dict[str, Any]]
    tied: list[tuple[str, str]]


def build_bases() -> list[Base]:
    import transformers

    from nnstruct.ingest.meta_build import BuildJob, run_job

    bases = []
    for model_type, task, overrides in BASES:
        config_class = transformers.AutoConfig.for_model(model_type).__class__
        config = {**config_class().to_dict(), **overrides, "model_type": model_type}
        outcome = run_job(BuildJob(f"bench/{model_type}", task, config))
        if outcome.status != "ok" or outcome.tree is None:
            print(f"  (skipping {model_type}: {outcome.reason})", file=sys.stderr)
            continue
        keep = ("path", "class_name", "class_path", *WIDTH_KEYS, "num_heads", "kernel_size", "stride", "padding",
                "groups", "num_embeddings")
        rows = [{k: row[k] for k in keep if k in row} for row in outcome.tree.records()]
        bases.append(Base(model_type, task, rows,
                          [(t.holder.path, t.target.path) for t in outcome.tree.tied_children()]))
    return bases


# ---- perturbations: each returns new rows, sharing the unchanged row dicts --------------------------------------

def _block_list(rows: list[dict[str, Any]]) -> tuple[str, int] | None:
    """The parent holding the longest run of same-class non-leaf children (the layer stack), and its length."""
    paths = {row["path"] for row in rows}
    has_children = {row["path"].rpartition(".")[0] for row in rows if row["path"]}
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        parent, _, name = row["path"].rpartition(".")
        if row["path"] and name.isdigit() and row["path"] in has_children:
            counts[(parent, row["class_name"])] = counts.get((parent, row["class_name"]), 0) + 1
    if not counts:
        return None
    (parent, _), length = max(counts.items(), key=lambda item: item[1])
    return (parent, length) if f"{parent}.0" in paths or parent == "" else None


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def change_blocks(rows: list[dict[str, Any]], delta: int) -> list[dict[str, Any]]:
    found = _block_list(rows)
    if found is None or delta == 0:
        return rows
    parent, length = found
    prefix = f"{parent}." if parent else ""
    if delta < 0:
        keep = max(1, length + delta)
        dropped = [f"{prefix}{i}" for i in range(keep, length)]
        return [row for row in rows if not any(_under(row["path"], d) for d in dropped)]
    last = f"{prefix}{length - 1}"
    block = [row for row in rows if _under(row["path"], last)]
    added = [{**row, "path": f"{prefix}{length + j}" + row["path"][len(last):]} for j in range(delta) for row in block]
    return rows + added


def remove_head(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop the smallest subtree under the root (the classifier, pooler or LM head)."""
    top = [row["path"] for row in rows if row["path"] and "." not in row["path"]]
    if len(top) < 2:
        return rows
    size = {p: sum(1 for row in rows if _under(row["path"], p)) for p in top}
    head = min(top, key=lambda p: (size[p], p))
    return [row for row in rows if not _under(row["path"], head)]


def rename_class(rows: list[dict[str, Any]], which: int) -> list[dict[str, Any]]:
    """Rename one of the model's own (non-torch) classes everywhere it occurs."""
    own = sorted({row["class_name"] for row in rows if not str(row.get("class_path", "")).startswith("torch.")})
    if not own:
        return rows
    old = own[which % len(own)]
    return [{**row, "class_name": old + "Renamed"} if row["class_name"] == old else row for row in rows]


def _scale(value: Any, factor: float) -> Any:
    if isinstance(value, list):
        return [_scale(v, factor) for v in value]
    return max(1, round(value * factor)) if isinstance(value, int) and not isinstance(value, bool) else value


def change_widths(rows: list[dict[str, Any]], factor: float) -> list[dict[str, Any]]:
    if factor == 1:
        return rows
    return [{**row, **{k: _scale(row[k], factor) for k in WIDTH_KEYS if k in row}}
            if any(k in row for k in WIDTH_KEYS) else row for row in rows]


def change_heads(rows: list[dict[str, Any]], factor: float) -> list[dict[str, Any]]:
    if factor == 1:
        return rows
    return [{**row, "num_heads": _scale(row["num_heads"], factor)} if "num_heads" in row else row for row in rows]


ACTIVATIONS = {"GELU", "ReLU", "SiLU", "Tanh", "GELUActivation", "NewGELUActivation", "GELUTanh", "QuickGELUActivation",
               "SiLUActivation", "PytorchGELUTanh", "FastGELUActivation"}


def add_adapters(rows: list[dict[str, Any]], every: int) -> list[dict[str, Any]]:
    """A bottleneck adapter (Sequential of Linear, ReLU, Linear) in every ``every``-th block, as PEFT adds."""
    found = _block_list(rows)
    if found is None or every == 0:
        return rows
    parent, length = found
    prefix = f"{parent}." if parent else ""
    added = []
    for i in range(0, length, every):
        p = f"{prefix}{i}.adapter"
        added += [{"path": p, "class_name": "Sequential", "class_path": "torch.nn.modules.container.Sequential"},
                  {"path": f"{p}.0", "class_name": "Linear", "class_path": "torch.nn.modules.linear.Linear",
                   "in_features": 768, "out_features": 64},
                  {"path": f"{p}.1", "class_name": "ReLU", "class_path": "torch.nn.modules.activation.ReLU"},
                  {"path": f"{p}.2", "class_name": "Linear", "class_path": "torch.nn.modules.linear.Linear",
                   "in_features": 64, "out_features": 768}]
    return rows + added


def swap_activations(rows: list[dict[str, Any]], to: str | None) -> list[dict[str, Any]]:
    if to is None:
        return rows
    return [{**row, "class_name": to} if row["class_name"] in ACTIVATIONS else row for row in rows]


def drop_dropouts(rows: list[dict[str, Any]], drop: bool) -> list[dict[str, Any]]:
    return [row for row in rows if row["class_name"] != "Dropout"] if drop else rows


# base, block delta, head removed, rename (-1 none), width, heads, adapters every n (0 none), activation, no dropout
Variant = tuple[int, int, bool, int, float, float, int, str, bool]
DELTAS = tuple(range(-8, 9))
WIDTHS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
HEADS = (0.5, 1.0, 2.0)
ADAPTERS = (0, 1, 2)
SWAPS = ("", "SiLU", "ReLU")


def variants(bases: Sequence[Base], count: int, rng: random.Random) -> list[Variant]:
    """``count`` distinct perturbation recipes spread over the bases (the unperturbed bases first)."""
    originals = [(b, 0, False, -1, 1.0, 1.0, 0, "", False) for b in range(len(bases))]
    chosen, seen = list(originals), set(originals)
    while len(chosen) < count:  # the space (~880,000 recipes) is far larger than any population here
        variant = (rng.randrange(len(bases)), rng.choice(DELTAS), rng.random() < 0.5, rng.choice((-1, 0, 1, 2)),
                   rng.choice(WIDTHS), rng.choice(HEADS), rng.choice(ADAPTERS), rng.choice(SWAPS),
                   rng.random() < 0.5)
        if variant not in seen:
            seen.add(variant)
            chosen.append(variant)
    return chosen[:count]


def stored_tree(name: str, rows: list[dict[str, Any]], tied: Sequence[tuple[str, str]]) -> StoredTree:
    return name, ModuleTree.from_rows(rows, [{"parent_path": h, "target_path": t, "child_name": f"tied{i}",
                                              "child_index": 10_000 + i} for i, (h, t) in enumerate(tied)])


def variant_tree(bases: Sequence[Base], variant: Variant) -> StoredTree:
    base_index, delta, head, rename, width, heads, adapters, swap, no_dropout = variant
    base = bases[base_index]
    rows = add_adapters(change_blocks(base.rows, delta), adapters)
    if head:
        rows = remove_head(rows)
    if rename >= 0:
        rows = rename_class(rows, rename)
    rows = drop_dropouts(swap_activations(change_heads(change_widths(rows, width), heads), swap or None), no_dropout)
    paths = {row["path"] for row in rows}
    tied = [(h, t) for h, t in base.tied if h in paths and t in paths]
    return stored_tree("v" + "-".join(map(str, variant)), rows, tied)


def trees_of(bases: Sequence[Base], recipes: Sequence[Variant]) -> Iterator[StoredTree]:
    for variant in recipes:
        yield variant_tree(bases, variant)


def population(bases: Sequence[Base], recipes: Sequence[Variant], models: int, rng: random.Random
               ) -> list[ModelRow]:
    """Every tree used by at least one model; the rest shared with Zipf-like popularity (fine-tunes)."""
    names = ["v" + "-".join(map(str, v)) for v in recipes]
    weights = np.array([1.0 / (rank + 1) ** 1.1 for rank in range(len(names))])
    order = list(range(len(names)))
    rng.shuffle(order)
    extra = np.random.default_rng(rng.randrange(2**32)).choice(len(names), size=max(0, models - len(names)),
                                                             p=weights / weights.sum())
    owners = list(range(min(models, len(names)))) + [order[i] for i in extra]
    rows = []
    for number, tree_index in enumerate(owners):
        base = bases[recipes[tree_index][0]]
        rows.append(ModelRow(f"org{number % 997}/{base.name}-{number}", base.task, "ok",
                             int(rng.paretovariate(1.2) * 10), base.name, None, names[tree_index]))
    return rows


# ---- baselines ----------------------------------------------------------------------------------------------

def naive_cost(bases: Sequence[Base], recipes: Sequence[Variant], label: str, settings: WlSettings,
               rng: random.Random, sample: int = 40) -> tuple[float, float, list]:
    """Seconds per tree for networkx WL features and per pair for Counter cosine, from a timed sample."""
    chosen = rng.sample(list(recipes), min(sample, len(recipes)))
    clock = time.perf_counter()
    bags = [networkx_hashes(to_digraph(tree, label_function(label)), settings).bag
            for _, tree in trees_of(bases, chosen)]
    per_tree = (time.perf_counter() - clock) / len(bags)
    pairs = list(itertools.combinations(range(len(bags)), 2))[:2000]
    clock = time.perf_counter()
    for i, j in pairs:
        cosine(bags[i], bags[j])
    per_pair = (time.perf_counter() - clock) / max(1, len(pairs))
    return per_tree, per_pair, bags


def naive_exhaustive(bases, recipes, label, settings, threshold) -> tuple[float, set[tuple[int, int]]]:
    clock = time.perf_counter()
    bags = [networkx_hashes(to_digraph(tree, label_function(label)), settings).bag
            for _, tree in trees_of(bases, recipes)]
    found = {(i, j) for i, j in itertools.combinations(range(len(bags)), 2)
             if cosine(bags[i], bags[j]) >= threshold - 1e-9}
    return time.perf_counter() - clock, found


def _fmt(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def bench_one(bases, models_count: int, trees_count: int, args, settings: WlSettings) -> None:
    rng = random.Random(args.seed + models_count + trees_count)
    recipes = variants(bases, trees_count, rng)
    models = population(bases, recipes, models_count, rng)
    clock = time.perf_counter()
    features = compute_features(trees_of(bases, recipes), args.label, settings, workers=args.workers)
    feature_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    labelling = label_architectures(features, models, args.label, args.threshold, settings)
    index_seconds = time.perf_counter() - clock
    total = feature_seconds + index_seconds
    print(f"\n{models_count:,} models over {len(recipes):,} distinct trees ({labelling.distinct_trees:,} distinct "
          f"{args.label} trees), threshold {args.threshold}:")
    print(f"  dedup (index):  {_fmt(total)} total = features {_fmt(feature_seconds)} "
          f"({1000 * feature_seconds / len(recipes):.2f} ms/tree) + index and clusters {_fmt(index_seconds)}; "
          f"{labelling.near_pairs:,} near-duplicate pairs, {len(labelling.clusters):,} clusters")

    # brute force over the same feature vectors: the recall ground truth
    groups: dict[str, str] = {}
    for arch, f in features.items():
        groups.setdefault(f.exact_hash(args.label), arch)
    canon = sorted(groups.values())
    matrix = bag_matrix([features[a].bag for a in canon])
    clock = time.perf_counter()
    index_pairs = similar_pairs(matrix, args.threshold)
    index_only = time.perf_counter() - clock
    n = matrix.shape[0]
    candidates = candidate_count(matrix, args.threshold)
    print(f"  index:          {candidates:,} candidate pairs verified of {n * (n - 1) // 2:,} "
          f"({100 * candidates / max(1, n * (n - 1) // 2):.2f}%), {len(index_pairs):,} kept")
    estimated_brute = None
    if n <= args.brute_limit:
        clock = time.perf_counter()
        brute = exhaustive_pairs(matrix, args.threshold)
        brute_seconds = time.perf_counter() - clock
        truth, got = brute.as_set(), index_pairs.as_set()
        recall = len(truth & got) / len(truth) if truth else 1.0
        print(f"  brute force:    {_fmt(brute_seconds)} for all {n * (n - 1) // 2:,} pairs (index alone: "
              f"{_fmt(index_only)}); recall of the index {recall:.4f} ({len(truth & got):,}/{len(truth):,} pairs)")
    else:
        queries = np.array(sorted(random.Random(args.seed).sample(range(n), args.recall_sample)))
        clock = time.perf_counter()
        sampled = exhaustive_pairs(matrix, args.threshold, rows=queries)
        per_query = (time.perf_counter() - clock) / len(queries)
        estimated_brute = per_query * n / 2
        query_set = set(queries.tolist())
        truth = sampled.as_set()
        got = {p for p in index_pairs.as_set() if p[0] in query_set or p[1] in query_set}
        recall = len(truth & got) / len(truth) if truth else 1.0
        print(f"  brute force:    ~{_fmt(estimated_brute)} estimated for all pairs; recall of the index on "
              f"{len(queries)} sampled query trees {recall:.4f} ({len(truth & got):,}/{len(truth):,} pairs)")

    per_tree, per_pair, _ = naive_cost(bases, recipes, args.label, settings, rng)
    naive_estimate = per_tree * n + per_pair * n * (n - 1) / 2
    line = (f"  naive:          networkx {1000 * per_tree:.1f} ms/tree + {1000 * per_pair:.3f} ms/pair "
            f"-> ~{_fmt(naive_estimate)} for all pairs")
    if naive_estimate <= args.naive_budget:
        canon_recipes = [next(v for v in recipes if "v" + "-".join(map(str, v)) == a) for a in canon]
        seconds, naive_pairs = naive_exhaustive(bases, canon_recipes, args.label, settings, args.threshold)
        agree = naive_pairs == index_pairs.as_set()
        line += f"; ran it: {_fmt(seconds)}, same pairs as the index: {agree}"
    print(line)
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="model counts (distinct trees = models/10)")
    parser.add_argument("--distinct-sizes", default="10000", help="populations where every model is distinct")
    parser.add_argument("--threshold", type=float, default=0.85)
    parser.add_argument("--label", default="class", choices=("class", "class+shape"))
    parser.add_argument("--brute-limit", type=int, default=12_000, help="largest n scored by full brute force")
    parser.add_argument("--recall-sample", type=int, default=300)
    parser.add_argument("--naive-budget", type=float, default=120.0, help="seconds the naive baseline may take")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="processes computing WL features")
    args = parser.parse_args(argv)
    settings = WlSettings()
    clock = time.perf_counter()
    bases = build_bases()
    sizes = [(int(s), int(s) // 10) for s in args.sizes.split(",") if s]
    sizes += [(int(s), int(s)) for s in args.distinct_sizes.split(",") if s]
    print(f"{len(bases)} base architectures built by ingest in {time.perf_counter() - clock:.1f} s "
          f"({', '.join(b.name for b in bases)}); modules per tree "
          f"{min(len(b.rows) for b in bases)}-{max(len(b.rows) for b in bases)}; {settings.describe()}")
    for models_count, trees_count in sizes:
        bench_one(bases, models_count, trees_count, args, settings)


if __name__ == "__main__":
    main()
