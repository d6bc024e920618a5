"""Query parameters from the command line (``--param k=v``) and the two every analysis takes: view and tasks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from nnstruct.choices import View, parse_choice
from nnstruct.errors import NnstructError
from nnstruct.queries.query_file import parse_cypher_map

# Parameters that always hold a list (or null); a bare word or comma list given for them becomes a list.
LIST_PARAMS = frozenset({"tasks", "models"})


def parse_value(raw: str) -> Any:
    """A Cypher literal (``12``, ``null``, ``'x'``, ``[1, 2]``) if ``raw`` is one, else the text itself."""
    text = raw.strip()
    try:
        return parse_cypher_map(f"{{v: {text}}}")["v"] if text else ""
    except (ValueError, KeyError):
        return raw


def as_list(name: str, value: Any) -> Any:
    """Normalise a list parameter: ``a,b`` and ``'a'`` become lists; null and lists pass through."""
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    parts = [part.strip() for part in str(value).split(",") if part.strip()]
    return parts or None


def parse_params(pairs: Iterable[str], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """``["top=10", "tasks=a,b"]`` -> ``{"top": 10, "tasks": ["a", "b"]}``."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip().lstrip("$")
        if not sep or not name.isidentifier():
            raise NnstructError(f"--param {pair!r}: expected NAME=VALUE, e.g. --param top=10")
        params[name] = parse_value(raw)
    return normalise(params, defaults)


def normalise(params: dict[str, Any], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """Lists where lists belong, and a known view; raises a one-line error otherwise."""
    list_names = set(LIST_PARAMS) | {k for k, v in (defaults or {}).items() if isinstance(v, list)}
    result = dict(params)
    for name in list_names & set(result):
        result[name] = as_list(name, result[name])
    if "view" in result:
        result["view"] = check_view(result["view"])
    return result


def check_view(view: Any) -> str:
    # a plain str: the value goes to Neo4j as a query parameter
    return str(parse_choice(View, View.NONE if view is None else view, "view").value)


def tasks_param(tasks: Sequence[str] | str | None) -> list[str] | None:
    """The ``$tasks`` value: null means every task."""
    if tasks is None:
        return None
    return as_list("tasks", tasks if isinstance(tasks, str) else list(tasks)) or None
