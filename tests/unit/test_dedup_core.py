"""dedup's pure core on hand-made trees and on real transformers trees (no database): WL hashes equal networkx's,
the prefix index finds exactly what brute force finds, families, clusters and their monotonicity."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from nnstruct.dedup.architectures import compute_features, label_architectures
from nnstruct.dedup.families import family_name, label_families
from nnstruct.dedup.models import ModelRow
from nnstruct.dedup.runner import DedupInputError, validate
from nnstruct.dedup.similarity_index import bag_matrix, cosine, exhaustive_pairs, similar_pairs
from nnstruct.errors import NnstructError
from nnstruct.tree.model import ModuleTree
from nnstruct.tree.wl import (
    WlSettings,
    class_label,
    class_shape_label,
    edge_index,
    networkx_hashes,
    structural_label,
    to_digraph,
    tree_hash,
    wl_hashes,
)
from tests.dedup_trees import conv_rows, encoder_rows, module_tree, tree

SETTINGS = WlSettings()


def _ours(rows, label, tied=()):
    return wl_hashes(module_tree(rows, tied), label, SETTINGS)


def _reference(rows, label, tied=()):
    return networkx_hashes(to_digraph(module_tree(rows, tied), label), SETTINGS)


@pytest.mark.parametrize("label", [class_label, class_shape_label])
@pytest.mark.parametrize("rows", [encoder_rows(), encoder_rows(blocks=1, head=False), conv_rows(),
                                  [{"path": "", "class_name": "Identity"}]])
def test_fast_pass_equals_networkx(rows, label) -> None:
    ours, reference = _ours(rows, label), _reference(rows, label)
    assert ours.exact_hash == reference.exact_hash
    assert ours.bag == reference.bag
    assert ours.hash_iterations == reference.hash_iterations


def test_fast_pass_equals_networkx_with_tied_modules() -> None:
    rows = encoder_rows(blocks=2)
    tied = (("", "embed"), ("layers.1", "layers.0.attn.qkv"))  # root holds embed again; a block shares a Linear
    ours, reference = _ours(rows, class_label, tied), _reference(rows, class_label, tied)
    assert (ours.exact_hash, ours.bag) == (reference.exact_hash, reference.bag)
    assert ours.exact_hash != _ours(rows, class_label).exact_hash


def test_class_hash_is_tree_hash_with_class_labels() -> None:
    rows = encoder_rows()
    assert _ours(rows, class_label).exact_hash == tree_hash(module_tree(rows), "class").hash


def test_fast_pass_equals_networkx_on_real_transformers_trees() -> None:
    import torch
    import transformers

    from nnstruct.ingest.module_tree import extract_modules

    for config in (transformers.BertConfig(num_hidden_layers=2), transformers.T5Config(num_layers=2),
                   transformers.GPT2Config(n_layer=2)):
        with torch.device("meta"):
            model = transformers.AutoModel.from_config(config)
        extracted = extract_modules(model)
        for label in (structural_label, class_label, class_shape_label):
            ours = wl_hashes(extracted, label, SETTINGS)
            reference = networkx_hashes(to_digraph(extracted, label), SETTINGS)
            assert (ours.exact_hash, ours.bag) == (reference.exact_hash, reference.bag), type(model).__name__
        # the Architecture hash ingest stores is networkx's graph hash over structural labels
        assert tree_hash(extracted).hash == networkx_hashes(to_digraph(extracted)).exact_hash


def test_broken_trees_are_refused() -> None:
    with pytest.raises(NnstructError, match="no root"):
        ModuleTree.from_rows([{"path": "a"}])
    with pytest.raises(NnstructError, match="no parent"):
        ModuleTree.from_rows([{"path": ""}, {"path": "a.b"}])


def test_depth_sets_hash_iterations() -> None:
    assert edge_index(module_tree([{"path": p} for p in ("", "a", "a.b", "a.b.c")])).hash_iterations == 3
    assert edge_index(module_tree([{"path": ""}])).hash_iterations == 1


def _random_bags(seed: int = 7, families: int = 12, members: int = 15) -> list[Counter[str]]:
    rng = random.Random(seed)
    bags = []
    common = {f"common{k}": rng.randint(1, 40) for k in range(6)}
    for f in range(families):
        base = {f"f{f}.{k}": rng.randint(1, 12) for k in range(60)}
        for m in range(members):
            bag = Counter(base)
            bag.update(common)
            for k in rng.sample(range(60), rng.randint(0, 30)):
                bag[f"f{f}.{k}"] = rng.randint(1, 12)
            for k in range(rng.randint(0, 20)):
                bag[f"m{f}.{m}.{k}"] = rng.randint(1, 5)
            bags.append(bag)
    return bags


@pytest.mark.parametrize("threshold", [0.3, 0.6, 0.85, 0.95, 1.0])
def test_prefix_index_finds_exactly_the_brute_force_pairs(threshold) -> None:
    matrix = bag_matrix(_random_bags())
    index, brute = similar_pairs(matrix, threshold), exhaustive_pairs(matrix, threshold)
    assert index.as_set() == brute.as_set()
    assert len(index) > 0 or threshold == 1.0


def test_scores_are_cosines() -> None:
    bags = _random_bags(families=2, members=3)
    matrix = bag_matrix(bags)
    pairs = similar_pairs(matrix, 0.1)
    for left, right, score in zip(pairs.left, pairs.right, pairs.score, strict=True):
        assert score == pytest.approx(cosine(bags[left], bags[right]))
    assert cosine(Counter(a=2, b=1), Counter(a=4, b=2)) == pytest.approx(1.0)
    assert cosine(Counter(a=1), Counter(b=1)) == 0.0


def test_family_rule() -> None:
    types = {"bert", "distilbert", "xlm-roberta", "gpt2"}
    assert family_name("distilbert/distilbert-base-uncased", "distilbert", None, types).name == "distilbert"
    assert family_name("google-bert/bert-base-uncased", "bert", None, types).name == "bert"
    assert family_name("x/y", None, "GPT2LMHeadModel", types) == family_name("x/y", None, "GPT2LMHeadModel")
    assert family_name("x/y", None, "GPT2LMHeadModel", types).rule == "class"
    assert family_name("x/y", None, "XLMRobertaForMaskedLM", types).name == "xlm-roberta"
    assert family_name("FacebookAI/xlm-roberta-base", None, None, types).name == "xlm-roberta"
    assert family_name("someone/distilbert-base-finetuned", None, None, types).name == "distilbert"
    assert family_name("meta-llama/Llama-3.1-8B", None, None, types).name == "llama"
    assert family_name("meta-llama/Llama-3.1-8B", None, None, types).rule == "id"


def test_one_representative_per_family_and_task_most_downloaded_else_smallest_id() -> None:
    models = [
        ModelRow("a/bert-1", "text-classification", "ok", 10, "bert"),
        ModelRow("a/bert-2", "text-classification", "ok", 99, "bert"),
        ModelRow("a/bert-3", "fill-mask", "ok", None, "bert"),
        ModelRow("a/bert-0", "fill-mask", "ok", None, "bert"),
        ModelRow("a/bert-9", "fill-mask", "failed", 10**6, "bert"),  # never built: cannot stand for the family
        ModelRow("a/distilbert", "text-classification", "ok", 1, "distilbert"),
    ]
    labelling = label_families(models)
    assert labelling.representative == {"a/bert-2", "a/bert-0", "a/distilbert"}
    assert labelling.family_of["a/bert-9"] == "bert"
    assert [(f.name, f.models, f.representatives) for f in labelling.families] == [("bert", 5, 2),
                                                                                   ("distilbert", 1, 1)]


def _population():
    trees = [
        tree("bert12", encoder_rows(blocks=12, width=64)),
        tree("bert12-narrow", encoder_rows(blocks=12, width=32)),  # differs only in widths
        tree("bert6", encoder_rows(blocks=6, width=64)),
        tree("bert3", encoder_rows(blocks=3, width=64)),
        tree("renamed", encoder_rows(blocks=12, width=64, block_class="OtherBlock")),
        tree("cnn", conv_rows()),
    ]
    models = [ModelRow(f"m{i}-{name}", "text-classification", "ok", i, arch_hash=name)
              for i, (name, _) in enumerate(trees)]
    models.append(ModelRow("popular-bert12", "text-classification", "ok", 10**6, arch_hash="bert12"))
    models.append(ModelRow("broken", "text-classification", "failed", 10**7))
    return trees, models


def test_architecture_labelling_exact_and_near_duplicates() -> None:
    trees, models = _population()
    features = compute_features(trees, "class", SETTINGS)
    assert features["bert12"].class_hash == features["bert12-narrow"].class_hash
    assert features["bert12"].class_hash != features["bert6"].class_hash
    labelling = label_architectures(features, models, "class", 0.85, SETTINGS)
    rows = {row.hash: row for row in labelling.architectures}
    assert labelling.distinct_trees == 5
    assert rows["bert12"].cluster == rows["bert6"].cluster == rows["bert12-narrow"].cluster
    assert rows["cnn"].cluster != rows["bert12"].cluster
    assert rows["bert12"].representative and rows["bert12"].score == 1.0
    assert 0.85 <= rows["bert6"].score < 1.0
    links = {(link.source, link.target): link for link in labelling.links}
    assert links[("bert12-narrow", "bert12")].exact
    assert "popular-bert12" in labelling.representative_models
    assert "broken" not in labelling.representative_models

    by_shape = label_architectures(compute_features(trees, "class+shape", SETTINGS), models, "class+shape", 0.85,
                                   SETTINGS)
    assert by_shape.distinct_trees == 6
    assert {row.hash: row.shape_hash for row in by_shape.architectures}["bert12-narrow"] != \
        {row.hash: row.shape_hash for row in by_shape.architectures}["bert12"]


def test_lower_threshold_more_links_fewer_clusters() -> None:
    trees, models = _population()
    features = compute_features(trees, "class", SETTINGS)
    previous_links, previous_clusters = -1, 10**9
    for threshold in (1.0, 0.99, 0.95, 0.9, 0.85, 0.7, 0.5, 0.3, 0.1, 0.01):
        labelling = label_architectures(features, models, "class", threshold, SETTINGS)
        assert len(labelling.links) >= previous_links
        assert len(labelling.clusters) <= previous_clusters
        previous_links, previous_clusters = len(labelling.links), len(labelling.clusters)
    assert previous_clusters < 6


@pytest.mark.parametrize(("strategy", "threshold", "label", "message"), [
    ("names", 0.85, "class", "unknown dedup strategy"),
    ("name", 0.0, "class", "in \\(0, 1\\]"),
    ("name", 1.01, "class", "in \\(0, 1\\]"),
    ("name", float("nan"), "class", "in \\(0, 1\\]"),
    ("architecture", 0.85, "shape", "unknown label"),
])
def test_bad_input_is_one_clear_error(strategy, threshold, label, message) -> None:
    with pytest.raises(DedupInputError, match=message):
        validate(strategy, threshold, label)


def test_no_trees_no_clusters() -> None:
    labelling = label_architectures({}, [ModelRow("a", "t", "failed")], "class", 0.85, SETTINGS)
    assert (labelling.architectures, labelling.clusters, labelling.links) == ([], [], [])
    assert labelling.representative_models == set() and labelling.labelled_models == ["a"]
