"""Reading one ``config.json`` into a dict, with the reason a model is recorded as failed when that is impossible.

Configs come from hub repos and folders nnstruct does not control, so a few limits keep a hostile one from
crashing or exhausting the run (each is recorded on the model as ``failed`` with its reason): at most
``MAX_BYTES`` of JSON, nested at most ``MAX_DEPTH`` levels, and no layer/block/head/expert count above
``MAX_COUNT`` (transformers' config classes build per-layer lists from those counts before any model exists).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

MAX_BYTES = 8 * 1024 * 1024  # the largest real configs (21k ImageNet-22k labels) are ~1 MB
MAX_DEPTH = 32  # real configs nest 4-5 levels (a text config inside a multimodal one)
MAX_COUNT = 10_000  # real models have at most a few hundred layers
# Keys that say how many times a module is repeated: num_hidden_layers, n_layer, encoder_layers, depths, ...
_COUNT_KEY = re.compile(r"(layers?|blocks?|heads?|experts?|stages?|depths?)$")


class ConfigUnreadable(Exception):
    """The file exists but is no usable config; ``str(self)`` is the reason recorded on the model."""


def read_config_json(path: Path | str) -> dict[str, Any]:
    """The parsed JSON object in ``path``; raises :class:`ConfigUnreadable` with a one-line reason."""
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise ConfigUnreadable(f"config.json is {size:,} bytes, more than the limit of {MAX_BYTES:,}")
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigUnreadable(f"cannot read config.json: {exc.strerror or exc}") from exc
    return config_from_bytes(data)


def config_from_bytes(raw: bytes) -> dict[str, Any]:
    """The parsed JSON object in ``raw`` (a config.json's bytes); raises :class:`ConfigUnreadable`."""
    if len(raw) > MAX_BYTES:
        raise ConfigUnreadable(f"config.json is {len(raw):,} bytes, more than the limit of {MAX_BYTES:,}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigUnreadable(f"config.json is not valid JSON: not UTF-8 text ({exc.reason})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigUnreadable(f"config.json is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise ConfigUnreadable(f"config.json nests deeper than the limit of {MAX_DEPTH} levels") from exc
    if not isinstance(data, dict):
        kind = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
        raise ConfigUnreadable(f"config.json is not a JSON object (it holds {kind.get(type(data), 'null')})")
    check_limits(data)
    return data


def check_limits(config: dict[str, Any]) -> None:
    """Raise :class:`ConfigUnreadable` when ``config`` nests too deep or asks for too many repeated modules.

    Iterative, so a config nested thousands of levels deep cannot exhaust the interpreter's stack here."""
    stack: list[tuple[Any, int, str]] = [(config, 1, "")]
    while stack:
        value, depth, key = stack.pop()
        if depth > MAX_DEPTH:
            raise ConfigUnreadable(f"config.json nests deeper than the limit of {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((item, depth + 1, str(name)) for name, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, depth + 1, key) for item in value)
        elif isinstance(value, int | float) and not isinstance(value, bool) and _COUNT_KEY.search(key.lower()) \
                and value > MAX_COUNT:
            raise ConfigUnreadable(f"config.json asks for {key} = {value}, more than the limit of {MAX_COUNT:,}")
