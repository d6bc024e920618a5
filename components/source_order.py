"""Where a norm sits in its block, read from the block class's ``forward`` source text (no import, no execution).

The tree says which modules a block holds, in ``__init__`` order, which is not the order ``forward`` uses them
(Llama defines ``input_layernorm`` after ``self_attn``). The ``forward`` text of the block class (found from the
stored ``class_path`` in the installed packages, cached per class) says how a norm is used:

- ``self.norm(x + residual)``, or a norm overwriting the stream right after a residual add: **post**-norm;
- a norm right after ``residual = x``, or whose output feeds the next sublayer while the stream is kept: **pre**.

Remote-code classes (not importable here) and classes without a readable ``forward`` give ``None``.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

_CLASS = re.compile(r"^class\s+(\w+)\s*(?:\(([^)]*)\))?\s*:", re.M)
_DEF_FORWARD = re.compile(r"^(\s+)def forward\(", re.M)


@lru_cache(maxsize=64)
def _package_root(package: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=4096)
def _file_text(module: str) -> str | None:
    top, _, rest = module.partition(".")
    root = _package_root(top)
    if root is None:
        return None
    path = root.joinpath(*rest.split(".")).with_suffix(".py") if rest else root / "__init__.py"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _class_body(text: str, name: str) -> tuple[str, str] | None:
    """(bases, body) of ``class name`` in a module's text."""
    for match in _CLASS.finditer(text):
        if match.group(1) != name:
            continue
        start = match.end()
        following = _CLASS.search(text, start)
        return match.group(2) or "", text[start: following.start() if following else len(text)]
    return None


@lru_cache(maxsize=8192)
def forward_source(class_path: str) -> str | None:
    """The text of ``forward`` of the class at ``class_path`` (following same-file base classes), or None."""
    module, _, name = class_path.rpartition(".")
    text = _file_text(module)
    seen = set()
    while text is not None and name and name not in seen:
        seen.add(name)
        found = _class_body(text, name)
        if found is None:
            return None
        bases, body = found
        match = _DEF_FORWARD.search(body)
        if match:
            indent = match.group(1)
            end = re.search(rf"^{indent}(def |@)\w*", body[match.end():], re.M)
            return body[match.start(): match.end() + end.start() if end else len(body)]
        name = bases.split(",")[0].strip().rpartition(".")[2] if bases else ""
    return None


@lru_cache(maxsize=8192)
def _code_lines(class_path: str) -> list[str] | None:
    source = forward_source(class_path)
    if source is None:
        return None
    return [line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("#")]


@lru_cache(maxsize=16384)
def norm_placement(block_class_path: str, norm_name: str, sublayers: frozenset[str]) -> str | None:
    """``pre``, ``post`` or None (not decidable from the source) for child ``norm_name`` of a block class;
    ``sublayers`` are the block's children that are attention, feed-forward or token-mixer modules."""
    lines = _code_lines(block_class_path)
    if lines is None:
        return None
    call = re.compile(rf"self\.{re.escape(norm_name)}\(")
    for position, line in enumerate(lines):
        found = call.search(line)
        if not found:
            continue
        argument = line[found.end():].split(")")[0]
        if "+" in argument:
            return "post"  # normalises the residual sum
        previous = lines[position - 1] if position > 0 else ""
        assigned = line.split("=")[0].strip() if "=" in line.split("(")[0] else ""
        if re.match(r"(residual|res|shortcut|skip)\w*\s*=", previous) and "+" not in previous:
            return "pre"
        if "+" in previous and "=" in previous:  # right after a residual add
            stream = previous.split("=")[0].strip()
            return "post" if assigned == stream else "pre"
        later = " ".join(lines[position + 1:])
        refs = [ref for ref in re.findall(r"self\.(\w+)\(", later) if ref in sublayers]
        earlier = [ref for ref in re.findall(r"self\.(\w+)\(", " ".join(lines[:position])) if ref in sublayers]
        if refs:
            return "pre"
        if earlier:
            return "post"
        return None
    return None
