"""One model's module tree as a self-contained interactive HTML page (``nnstruct show MODEL --html FILE``).

What a reader would open Netron or Model Explorer for, without a server or network: the tree folded the way
``show`` folds it (``BertLayer x12`` once), every block collapsible, a search box that finds modules by path or
class (expanding the blocks that hold them), parameters per node. Plain JavaScript and CSS inlined in the page;
the tree travels as JSON in a ``<script type="application/json">`` element and is put in the page with
``textContent`` only, so no text from the graph is ever read as HTML.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from nnstruct.graph.model_trees import StoredModel
from nnstruct.tree.fold import Run, Signatures, fold
from nnstruct.tree.model import ModuleNode, TiedChild

OPEN_DEPTH = 4  # blocks above this depth start expanded (repeated blocks start folded); deeper ones collapsed


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _attrs(node: ModuleNode) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(node.attrs.items()) if value is not None)


def tree_data(tree: StoredModel, folded: bool = True) -> dict[str, Any]:
    """The folded tree as nested dicts: ``name``, ``cls`` (class), ``cp`` (qualified class), ``path`` (as shown,
    ``encoder.layer.{0..11}.attention``), ``first`` (the first instance's real path), ``own``/``sub`` (parameters,
    per instance for a repeated block), ``x`` (repeat count), ``kind``, ``attrs``, ``ch`` (children)."""
    signatures = Signatures()

    def visit(node: ModuleNode, shown: str, slot_name: str, count: int, kind: str) -> dict[str, Any]:
        item: dict[str, Any] = {"name": slot_name, "cls": node.class_name, "cp": node.class_path,
                                "path": shown, "first": node.path, "own": node.own_params,
                                "sub": node.subtree_params, "x": count, "kind": kind, "attrs": _attrs(node),
                                "depth": node.depth, "ch": []}
        for slot in fold(node, signatures, folded):
            if isinstance(slot, TiedChild):
                target = slot.target
                item["ch"].append({"name": slot.name, "cls": target.class_name,
                                   "cp": target.class_path, "path": _join(shown, slot.name),
                                   "first": target.path, "own": 0, "sub": 0, "x": 1, "kind": "tied",
                                   "attrs": f"the module at {target.path or '(root)'}", "depth": node.depth + 1,
                                   "ch": []})
                continue
            assert isinstance(slot, Run)
            item["ch"].append(visit(slot.first, _join(shown, slot.name), slot.name, slot.count,
                                    "repeat" if slot.count > 1 else "module"))
        return item

    return visit(tree.root, "", "", 1, "module")


def _summary(tree: StoredModel) -> list[tuple[str, str]]:
    model, arch = tree.model, tree.architecture
    total = model.get("total_params", arch.get("total_params", tree.root.subtree_params))
    rows = [("model", tree.model_id), ("task", str(model.get("task") or "")), ("class", tree.root.class_name),
            ("parameters", f"{int(total or 0):,} (each tensor once)"), ("modules", f"{len(tree.nodes):,}"),
            ("deepest level", str(max(node.depth for node in tree.nodes.values()))),
            ("architecture hash", str(arch.get("hash", "")))]
    for key in ("model_type", "source", "transformers_version"):
        if model.get(key):
            rows.append((key.replace("_", " "), str(model[key])))
    return rows


def _json_for_script(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, no ``<!--``."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026")


_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.2em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .4em; word-break: break-all; }
table.summary { border-collapse: collapse; font-size: 90%; margin-bottom: .8em; }
table.summary td { padding: 1px 10px 1px 0; vertical-align: top; }
table.summary td:first-child { color: #666; }
.bar { position: sticky; top: 0; background: #fff; padding: .4em 0; border-bottom: 1px solid #eee; z-index: 1; }
.bar input { width: 28em; max-width: 90%; padding: 4px 6px; font-size: 100%; }
.bar button { margin-left: .3em; }
#count { color: #666; margin-left: .6em; font-size: 90%; }
ul.tree { list-style: none; padding-left: 1.3em; margin: 0; }
ul.tree.top { padding-left: 0; }
li.node { margin: 1px 0; }
.row { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; white-space: nowrap; }
.toggle { display: inline-block; width: 1.1em; cursor: pointer; color: #555; user-select: none; }
.toggle.leaf { cursor: default; color: #bbb; }
.cls { font-weight: 600; }
.name { color: #555; }
.times { color: #0a7d8c; font-weight: 700; margin-left: .3em; }
.params { color: #777; margin-left: .8em; }
.attrs { color: #999; margin-left: .8em; }
.kind-tied .cls { color: #a0288f; }
li.collapsed > ul { display: none; }
li.hidden { display: none; }
.match > .row { background: #fff3b0; }
.path { color: #2a62b8; margin-left: .8em; }
"""

_SCRIPT = r"""
(function () {
  const data = JSON.parse(document.getElementById("tree-data").textContent);
  const openDepth = Number(document.getElementById("tree").dataset.openDepth);
  const all = [];
  function fmt(n) { return n ? n.toLocaleString("en-US") : "--"; }
  function span(cls, text) {
    const s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    return s;
  }
  function build(item, parentLi) {
    const li = document.createElement("li");
    li.className = "node kind-" + item.kind;
    li.dataset.path = item.path;
    li.dataset.search = (item.path + " " + item.first + " " + item.cls + " " + item.cp).toLowerCase();
    li._parent = parentLi;
    const row = document.createElement("div");
    row.className = "row";
    const toggle = span("toggle" + (item.ch.length ? "" : " leaf"), item.ch.length ? "\u25be" : "\u00b7");
    row.appendChild(toggle);
    row.appendChild(span("cls", item.cls));
    if (item.x > 1) row.appendChild(span("times", "\u00d7" + item.x));
    if (item.name) row.appendChild(span("name", " " + item.name));
    row.appendChild(span("path", item.path || "(root)"));
    const each = item.x > 1 ? " each" : "";
    if (item.kind === "tied") row.appendChild(span("params", "shared module"));
    else row.appendChild(span("params", "params " + fmt(item.sub) + each + " (own " + fmt(item.own) + ")"));
    if (item.attrs) row.appendChild(span("attrs", item.attrs));
    row.title = item.cp + (item.x > 1 ? "\n" + item.x + " identical blocks, folded as show folds them" : "");
    li.appendChild(row);
    if (item.ch.length) {
      const ul = document.createElement("ul");
      ul.className = "tree";
      item.ch.forEach(function (child) { ul.appendChild(build(child, li)); });
      li.appendChild(ul);
      if (item.depth >= openDepth || item.x > 1) li.classList.add("collapsed");
      toggle.addEventListener("click", function () { setOpen(li, li.classList.contains("collapsed")); });
    }
    all.push(li);
    return li;
  }
  function setOpen(li, open) {
    li.classList.toggle("collapsed", !open);
    const t = li.querySelector(":scope > .row > .toggle");
    if (t && !t.classList.contains("leaf")) t.textContent = open ? "\u25be" : "\u25b8";
  }
  const root = document.getElementById("tree");
  root.appendChild(build(data, null));
  all.forEach(function (li) { if (li.classList.contains("collapsed")) setOpen(li, false); });
  const box = document.getElementById("search");
  const count = document.getElementById("count");
  function search() {
    const q = box.value.trim().toLowerCase();
    let found = 0;
    all.forEach(function (li) { li.classList.remove("match", "hidden"); });
    if (!q) { count.textContent = ""; return; }
    const keep = new Set();
    all.forEach(function (li) {
      if (li.dataset.search.indexOf(q) >= 0) {
        li.classList.add("match");
        found += 1;
        for (let p = li; p; p = p._parent) { keep.add(p); if (p !== li) setOpen(p, true); }
      }
    });
    all.forEach(function (li) {
      const underMatch = li._parent && li._parent.classList.contains("match");
      if (!keep.has(li) && !underMatch) li.classList.add("hidden");
    });
    count.textContent = found + (found === 1 ? " module" : " modules");
    const first = root.querySelector(".match");
    if (first) first.scrollIntoView({block: "center"});
  }
  box.addEventListener("input", search);
  document.getElementById("expand").addEventListener("click", function () {
    all.forEach(function (li) { if (li.querySelector("ul")) setOpen(li, true); });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    all.forEach(function (li) { if (li._parent && li.querySelector("ul")) setOpen(li, false); });
  });
})();
"""


def render_page(tree: StoredModel, folded: bool = True) -> str:
    """The page for ``tree``: summary, search box, the collapsible folded tree."""
    summary = "\n".join(f"<tr><td>{html.escape(key)}</td><td>{html.escape(value)}</td></tr>"
                        for key, value in _summary(tree))
    title = html.escape(f"{tree.model_id}: module tree")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{title}</h1>\n<table class=\"summary\">\n{summary}\n</table>\n"
        "<div class=\"bar\"><input id=\"search\" type=\"search\" placeholder=\"find a module by path or class, "
        "e.g. attention or LayerNorm\" autocomplete=\"off\"> <button id=\"expand\">expand all</button>"
        "<button id=\"collapse\">collapse all</button><span id=\"count\"></span></div>\n"
        f"<ul class=\"tree top\" id=\"tree\" data-open-depth=\"{OPEN_DEPTH}\"></ul>\n"
        f"<script type=\"application/json\" id=\"tree-data\">{_json_for_script(tree_data(tree, folded))}</script>\n"
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def write_page(tree: StoredModel, path: Path, folded: bool = True) -> Path:
    """Write :func:`render_page` to ``path`` (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(tree, folded), encoding="utf-8")
    return path
