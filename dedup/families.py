"""Name families: which base name ("bert", "gpt2", "llama") a model belongs to, and one representative per task.

The rule, first that applies (stored as ``Family.rule``):

1. ``model_type``: the config's ``model_type``, lower-cased (``bert``, ``distilbert``, ``gpt2``, ``llama``,
   ``xlm-roberta``). It is transformers' own name for the family, so ``distilbert`` never falls into ``bert``:
   families are whole names, never substrings.
2. ``class``: the architecture class without its head (``GPT2LMHeadModel`` -> ``gpt2``,
   ``BertForSequenceClassification`` -> ``bert``), spelled like a known model_type when one matches with
   ``-``/``_`` ignored (``XLMRobertaModel`` -> ``xlm-roberta``).
3. ``id``: the repository name (after the last ``/``) split on ``-``, ``_``, ``.`` and spaces: the longest run of
   leading tokens that spells a known model_type (``xlm-roberta-base`` -> ``xlm-roberta``,
   ``distilbert-base-uncased`` -> ``distilbert``), else the first token (``Llama-3.1-8B`` -> ``llama``).

Known model_types are those of the models in the graph. Rule 3 serves models that were not built (no config).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nnstruct.dedup.models import ModelRow, representatives

_HEAD_SUFFIX = re.compile(r"(For[A-Z]\w*|LMHeadModel|PreTrainedModel|Model)$")
_TOKEN_SPLIT = re.compile(r"[-_.\s]+")


def _squash(name: str) -> str:
    return re.sub(r"[-_.\s]", "", name.lower())


@dataclass(frozen=True)
class FamilyName:
    name: str
    rule: str  # "model_type" | "class" | "id"


def family_name(model_id: str, model_type: str | None, class_name: str | None,
                known_types: Iterable[str] = ()) -> FamilyName:
    """The family of one model, by the rule in this module's docstring."""
    if model_type and model_type.strip():
        return FamilyName(model_type.strip().lower(), "model_type")
    by_squash = {_squash(t): t.lower() for t in known_types if t}
    if class_name and class_name.strip():
        stem = _HEAD_SUFFIX.sub("", class_name.strip()) or class_name.strip()
        return FamilyName(by_squash.get(_squash(stem), stem.lower()), "class")
    repo = model_id.rstrip("/").rsplit("/", 1)[-1].lower()
    tokens = [t for t in _TOKEN_SPLIT.split(repo) if t]
    if not tokens:
        return FamilyName(repo or model_id.lower(), "id")
    for length in range(len(tokens), 0, -1):
        spelled = by_squash.get("".join(tokens[:length]))
        if spelled:
            return FamilyName(spelled, "id")
    return FamilyName(tokens[0], "id")


@dataclass(frozen=True)
class Family:
    name: str
    rule: str  # the rules its members were named by, joined with "+"
    models: int
    tasks: int
    representatives: int


@dataclass(frozen=True)
class NameLabelling:
    family_of: dict[str, str]  # model id -> family name
    representative: set[str]  # ids with rep_name = true
    families: list[Family]  # largest first


def label_families(models: Sequence[ModelRow]) -> NameLabelling:
    """Every model's family and one representative per (family, task): the most downloaded built model."""
    known_types = {m.model_type.strip().lower() for m in models if m.model_type and m.model_type.strip()}
    names = {m.id: family_name(m.id, m.model_type, m.class_name, known_types) for m in models}
    family_of = {model_id: name.name for model_id, name in names.items()}
    chosen = representatives(models, family_of)
    rules: dict[str, set[str]] = defaultdict(set)
    tasks: dict[str, set[str | None]] = defaultdict(set)
    for model in models:
        rules[family_of[model.id]].add(names[model.id].rule)
        tasks[family_of[model.id]].add(model.task)
    sizes = Counter(family_of.values())
    reps = Counter(family_of[model_id] for model_id in chosen)
    families = [
        Family(name, "+".join(sorted(rules[name])), count, len(tasks[name]), reps[name])
        for name, count in sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
    ]
    return NameLabelling(family_of, chosen, families)
