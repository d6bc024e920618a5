"""Cypher query files: a header of ``// key: value`` lines, then statements runnable as-is in Neo4j Browser.

A header looks like::

    // title: Layer types per task
    // answers: Which layer types dominate each task?
    // params: {view: 'none', tasks: null, top: 15}
    // render: bar x=layer_type y=modules

``params`` is the map a Browser user pastes after ``:params`` to run the file by hand; its values are the
defaults. Other keys are free-form metadata (``render`` is read by the analysis stage). Statements are
separated by a ``;`` at the end of a line (not one inside a string or comment).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from nnstruct.errors import QueryFileError

_HEADER_LINE = re.compile(r"^//\s*([A-Za-z_][\w-]*)\s*:\s?(.*)$")
_MAP_KEY = re.compile(r"([{,]\s*)([A-Za-z_]\w*)\s*:")
_CYPHER_WORDS = re.compile(r"\b(null|true|false)\b", re.IGNORECASE)
_PARAM_USE = re.compile(r"\$([A-Za-z_]\w*)")


# A quoted string (single, double or backtick quotes, backslash escapes), a // or /* */ comment, or one character.
_STRING = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`"
_CYPHER_TOKEN = re.compile(rf"({_STRING})|(//[^\n]*|/\*.*?\*/)|(;)|.", re.DOTALL)


def _outside_strings(text: str, change: Any) -> str:
    """``change`` applied to the parts of ``text`` outside quoted strings (names in strings stay as written)."""
    parts = re.split(rf"({_STRING})", text)
    return "".join(part if index % 2 else change(part) for index, part in enumerate(parts))


def split_statements(body: str) -> list[str]:
    """Statements separated by a ``;`` at the end of a line, ignoring ``;`` inside strings and comments."""
    statements: list[str] = []
    start = 0
    for match in _CYPHER_TOKEN.finditer(body):
        if match.group(3) is None:
            continue
        rest = body[match.end():].split("\n", 1)[0]
        if rest.strip() == "" or rest.strip().startswith("//"):
            statements.append(body[start:match.start()])
            start = match.end()
    statements.append(body[start:])
    return [s.strip() for s in statements if s.strip()]


def parse_cypher_map(text: str) -> dict[str, Any]:
    """Parse a literal Cypher map such as ``{view: 'none', tasks: null, top: 15}`` into a dict."""
    text = text.strip()
    if not text:
        return {}
    words = {"null": "None", "true": "True", "false": "False"}

    def to_python(part: str) -> str:
        part = _MAP_KEY.sub(lambda m: f'{m.group(1)}"{m.group(2)}":', part)
        return _CYPHER_WORDS.sub(lambda m: words[m.group(1).lower()], part)

    python = _outside_strings(text, to_python)
    try:
        value = ast.literal_eval(python)
    except (ValueError, SyntaxError) as exc:
        raise ValueError(f"not a literal Cypher map: {text}") from exc
    if not isinstance(value, dict):
        raise ValueError(f"not a Cypher map: {text}")
    return value


@dataclass(frozen=True)
class QueryFile:
    path: Path  # the file, or where an inline query came from (a report spec)
    name: str
    meta: dict[str, str]
    defaults: dict[str, Any]
    statements: tuple[str, ...] = field(repr=False)
    source: str = field(default="", repr=False)  # the whole text as parsed

    @property
    def title(self) -> str:
        return self.meta.get("title", self.name)

    @property
    def answers(self) -> str:
        return self.meta.get("answers", "")

    @property
    def text(self) -> str:
        return self.source

    @property
    def display_name(self) -> str:
        """``analysis/x.cypher`` for shipped files, the path as given for a user's own."""
        try:
            return str(self.path.relative_to(queries_root()))
        except ValueError:
            return str(self.path)

    def statement_line(self, index: int) -> int:
        """1-based line of the text where statement ``index`` starts (for error messages)."""
        first_line = self.statements[index].splitlines()[0]
        position = self.source.find(first_line)
        return self.source.count("\n", 0, position) + 1 if position >= 0 else 0

    def used_parameters(self) -> set[str]:
        return {name for statement in self.statements for name in _PARAM_USE.findall(statement)}

    @staticmethod
    def parameters_of(statement: str) -> set[str]:
        return set(_PARAM_USE.findall(statement))

    def bind(self, given: dict[str, Any] | None = None) -> dict[str, Any]:
        """Defaults overlaid with ``given``; every ``$name`` the statements use must end up with a value."""
        params = {**self.defaults, **(given or {})}
        missing = sorted(self.used_parameters() - set(params))
        if missing:
            raise QueryFileError(
                f"{self.path}: missing parameter(s) {', '.join('$' + m for m in missing)}; "
                f"give them with --param NAME=VALUE or declare defaults in the file's `// params:` line"
            )
        return params


def parse(path: Path, name: str | None = None) -> QueryFile:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise QueryFileError(f"cannot read query file {path}: not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise QueryFileError(f"cannot read query file {path}: {exc.strerror or exc}") from exc
    return parse_text(text, path, name)


def parse_text(text: str, path: Path, name: str | None = None) -> QueryFile:
    """Parse query text (a file's, or a block of a report spec); ``path`` names where it came from."""
    meta: dict[str, str] = {}
    body: list[str] = []
    in_header = True
    for line in text.splitlines():
        match = _HEADER_LINE.match(line.strip()) if in_header else None
        if match:
            key, value = match.group(1).lower(), match.group(2).strip()
            meta[key] = f"{meta[key]} {value}".strip() if key in meta else value
            continue
        if in_header and line.strip().startswith("//"):
            continue  # free comment lines inside the header
        if line.strip():
            in_header = False
        body.append(line)
    try:
        defaults = parse_cypher_map(meta.get("params", ""))
    except ValueError as exc:
        raise QueryFileError(f"{path}: bad `// params:` line: {exc}") from exc
    statements = tuple(split_statements("\n".join(body)))
    if not statements:
        raise QueryFileError(f"{path}: no Cypher statement in the file")
    return QueryFile(path, name or path.stem, meta, defaults, statements, text)


def queries_root() -> Path:
    """The folder of the query files that ship with nnstruct (package data)."""
    return Path(str(resources.files("nnstruct.queries")))


@cache
def load(name: str) -> QueryFile:
    """Load a shipped query by its name relative to ``queries/`` without the suffix, e.g. ``ingest/write_model``."""
    path = queries_root() / f"{name}.cypher"
    if not path.is_file():
        raise QueryFileError(f"no shipped query named {name!r} (looked for {path})")
    return parse(path, name)


def load_path(path: str | Path) -> QueryFile:
    """Load a user's own query file, or a shipped one by name when no such file exists."""
    candidate = Path(path).expanduser()
    if candidate.is_file():
        return parse(candidate)
    if candidate.suffix != ".cypher" and not candidate.is_absolute():
        return load(str(path))
    raise QueryFileError(f"query file {candidate} does not exist")
