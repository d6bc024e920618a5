"""A Markdown report as one self-contained HTML file: images inlined as base64 data URIs.

Only image files inside the report's own output folder are inlined (a spec's ``![x](/home/me/.ssh/id_rsa)`` is
not), and the rendered body goes through :func:`~nnstruct.analysis.html_safety.sanitise`.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import markdown

from nnstruct.analysis.html_safety import sanitise

_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")')
# No SVG: it can carry script.
_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.5; }
h1, h2, h3 { border-bottom: 1px solid #eee; padding-bottom: .2em; }
img { max-width: 100%; height: auto; border: 1px solid #eee; margin: .4em 0; }
table { border-collapse: collapse; margin: 1em 0; font-size: 90%; display: block; overflow-x: auto; }
th, td { border: 1px solid #ddd; padding: 3px 8px; }
th { background: #f6f8fa; }
tr:nth-child(even) td { background: #fafafa; }
code, pre { background: #f6f8fa; border-radius: 3px; }
pre { padding: .8em; overflow-x: auto; }
details { margin: .6em 0; }
summary { cursor: pointer; color: #0366d6; }
.facets img { width: 49%; vertical-align: top; }
.query-note { color: #666; font-size: 85%; }
"""


def inline_images(body: str, base: Path, root: Path | None = None) -> tuple[str, list[str]]:
    """Replace ``src`` paths (relative to ``base``) by data URIs; returns the HTML and the paths missing.

    Only image files (by suffix) under ``root`` (default: ``base``'s parent, the output folder) are read; any other
    path counts as missing and stays a link."""
    missing: list[str] = []
    allowed = (root or base.parent).resolve()

    def replace(match: re.Match[str]) -> str:
        src = html.unescape(match.group(2))
        if src.startswith(("data:", "http://", "https://")):
            return match.group(0)
        path = (base / src).resolve()
        if path.suffix.lower() not in _MIME or not path.is_relative_to(allowed):
            missing.append(src)
            return match.group(0)
        try:
            data = path.read_bytes()
        except OSError:
            missing.append(src)
            return match.group(0)
        mime = _MIME[path.suffix.lower()]
        return f"{match.group(1)}data:{mime};base64,{base64.b64encode(data).decode('ascii')}{match.group(3)}"

    return _IMG_SRC.sub(replace, body), missing


def to_html(markdown_text: str, title: str, base: Path) -> tuple[str, list[str]]:
    """Render ``markdown_text`` to a standalone HTML page; images are read relative to ``base``."""
    body = markdown.markdown(markdown_text, extensions=["tables", "fenced_code", "md_in_html", "toc", "sane_lists"])
    body, missing = inline_images(sanitise(body), base)
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
    return page, missing
