"""What may reach the HTML report: an allow-list pass over the rendered page, and Markdown-safe cell text.

Report text comes from the graph (model ids, class names), from query files and from the spec, all of which may be
other people's. The Markdown renderer passes raw HTML through, so the body is rebuilt from an allow-list of tags
and attributes: no script, no event handlers, no ``javascript:`` links, whatever the source.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_TAGS = frozenset({
    "a", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img",
    "li", "ol", "p", "pre", "span", "strong", "summary", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
})
_VOID = frozenset({"br", "hr", "img"})
_DROP_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"})
_ATTRIBUTES = frozenset({"alt", "title", "class", "id", "href", "src", "align", "style", "open"})
_SAFE_STYLE = re.compile(r"^\s*text-align:\s*(left|right|center);?\s*$")
_SAFE_URL = re.compile(r"^(https?://|#|data:image/(png|jpeg|gif);base64,|[^:]*$)", re.IGNORECASE)


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0  # depth inside a tag whose content is dropped

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in _TAGS:
            return
        kept = []
        for name, value in attrs:
            value = value or ""
            if name not in _ATTRIBUTES:
                continue
            if name in ("href", "src") and not _SAFE_URL.match(value.strip()):
                continue
            if name == "style" and not _SAFE_STYLE.match(value):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _DROP_CONTENT:
            self.dropping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if not self.dropping and tag in _TAGS and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))


def sanitise(body: str) -> str:
    """``body`` with only allow-listed tags and attributes; all text escaped; comments and scripts gone."""
    parser = _Sanitiser()
    parser.feed(body)
    parser.close()
    return "".join(parser.out)


_MARKDOWN_SPECIAL = re.compile(r"([\\`\[\]|])")  # structure and links; emphasis is harmless


def markdown_text(value: object) -> str:
    """Outside text as one literal Markdown table cell or inline span: HTML and Markdown syntax escaped."""
    text = html.escape(str(value), quote=False).replace("\n", " ").replace("\r", " ")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
