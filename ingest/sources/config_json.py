"""Reading one ``config.json`` into a dict, with the reason a model is recorded as failed when that is impossible."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class ConfigUnreadable(Exception):
    """The file exists but is no usable config; ``str(self)`` is the reason recorded on the model."""


def read_config_json(path: Path | str) -> dict[str, Any]:
    """The parsed JSON object in ``path``; raises :class:`ConfigUnreadable` with a one-line reason."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigUnreadable(f"config.json is not valid JSON: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigUnreadable(f"cannot read config.json: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigUnreadable(f"config.json is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        kind = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
        raise ConfigUnreadable(f"config.json is not a JSON object (it holds {kind.get(type(data), 'null')})")
    return data
