"""Report specs: Markdown in which fenced ``cypher`` blocks are queries to run and draw.

A block's info string carries its options::

    ```cypher render=bar x=layer_type y=modules top=15 title="Layer types"
    MATCH ... RETURN ...
    ```

    ```cypher file=analysis/layer_types_per_task params="{top: 5}"
    ```

``file=`` runs a query file (a shipped name or a path, relative to the spec) instead of inline Cypher, with
the file's own ``// render:`` specs unless the block gives ``render=``. Other options: ``name=`` (CSV and image
names), ``table=true|false|N`` (show the rows as a table; N = at most N rows), ``params="{...}"`` (a Cypher
map of parameters for this block). A first line ``<!-- params: {view: 'none', tasks: null} -->`` gives the
report-wide parameter defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnstruct.analysis.render_spec import RenderSpec, spec_from_options, split_options, tokenize
from nnstruct.errors import QueryFileError
from nnstruct.queries.query_file import parse_cypher_map

_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*cypher\b(?P<info>.*)$", re.IGNORECASE)
_SPEC_PARAMS = re.compile(r"^\s*<!--\s*params:\s*(?P<map>\{.*\})\s*-->\s*$")
BLOCK_OPTIONS = ("file", "name", "table", "params", "render")


@dataclass
class Block:
    line: int  # 1-based line of the opening fence in the spec
    cypher: str
    file: str | None = None
    name: str | None = None
    table: int | bool | None = None  # None = default for the render kind
    params: dict[str, Any] = field(default_factory=dict)
    renders: list[RenderSpec] | None = None  # None = the query file's own


@dataclass
class Spec:
    path: Path
    parts: list[str | Block]
    params: dict[str, Any]

    @property
    def blocks(self) -> list[Block]:
        return [part for part in self.parts if isinstance(part, Block)]


def _table_option(raw: str, where: str) -> int | bool:
    lowered = raw.lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    try:
        value = int(raw)
    except ValueError as exc:
        raise QueryFileError(f"{where}: table={raw!r}; use true, false or a number of rows") from exc
    return value if value > 0 else False


def parse_block_options(info: str, where: str) -> tuple[dict[str, str], RenderSpec | None]:
    """Split an info string into block options and (when ``render=`` is given) one render spec."""
    options = split_options(tokenize(info, where), where)
    block = {key: options.pop(key) for key in BLOCK_OPTIONS if key in options}
    kind = block.pop("render", None)
    if kind is None:
        if options:
            raise QueryFileError(f"{where}: options {', '.join(sorted(options))} need render=KIND")
        return block, None
    return block, spec_from_options(kind, options, where)


def parse_spec_text(text: str, path: Path) -> Spec:
    lines = text.splitlines()
    parts: list[str | Block] = []
    params: dict[str, Any] = {}
    prose: list[str] = []
    index = 0
    if lines and (match := _SPEC_PARAMS.match(lines[0])):
        try:
            params = parse_cypher_map(match.group("map"))
        except ValueError as exc:
            raise QueryFileError(f"{path}:1: bad params comment: {exc}") from exc
        index = 1
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            prose.append(lines[index])
            index += 1
            continue
        start = index + 1
        where = f"{path}:{start}"
        fence = match.group("fence")
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index])
            index += 1
        if index >= len(lines):
            raise QueryFileError(f"{where}: the cypher block is never closed (no {fence} line)")
        index += 1
        parts.append("\n".join(prose))
        prose = []
        parts.append(_block(match.group("info"), "\n".join(body), start, where))
    parts.append("\n".join(prose))
    return Spec(path, [part for part in parts if not (isinstance(part, str) and not part)], params)


def _block(info: str, cypher: str, line: int, where: str) -> Block:
    options, render = parse_block_options(info, where)
    block = Block(line=line, cypher=cypher.strip("\n"), file=options.get("file"), name=options.get("name"))
    if block.file and block.cypher.strip():
        raise QueryFileError(f"{where}: a block takes file= or inline Cypher, not both")
    if not block.file and not block.cypher.strip():
        raise QueryFileError(f"{where}: empty cypher block (write a query or give file=NAME)")
    if "table" in options:
        block.table = _table_option(options["table"], where)
    if "params" in options:
        try:
            block.params = parse_cypher_map(options["params"])
        except ValueError as exc:
            raise QueryFileError(f"{where}: params={options['params']!r}: {exc}") from exc
    if render is not None:
        block.renders = [render]
    return block


def parse_spec(path: Path) -> Spec:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise QueryFileError(f"cannot read report spec {path}: not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise QueryFileError(f"cannot read report spec {path}: {exc.strerror or exc}") from exc
    return parse_spec_text(text, path)
