"""``nnstruct show MODEL --html``: one self-contained page, opened in headless Chromium: the tree folded the way
``show`` folds it, blocks expand, search finds a module by path or class."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnstruct.analysis.model_page import write_page
from nnstruct.graph.connection import Graph
from tests.browser_support import chromium  # noqa: F401  (fixture)
from tests.ingest_fixtures import catalogue_candidate, ingest
from tests.inspect_fixtures import build_on_meta, tree_of


@pytest.fixture(scope="module")
def bert_tree():
    return tree_of(build_on_meta("BertConfig", "AutoModelForSequenceClassification"),
                   "transformers/bert/<text-classification>")


def test_page_in_headless_chromium_expands_a_folded_block_and_searches(chromium, bert_tree,  # noqa: F811
                                                                        tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    path = write_page(bert_tree, tmp_path / "bert.html")
    chromium.get(path.as_uri())
    assert chromium.execute_script("return document.querySelectorAll('li.node').length") > 20
    block = chromium.find_element(By.CSS_SELECTOR, 'li.node[data-path="bert.encoder.layer.{0..11}"]')
    assert "BertLayer" in block.text and "×12" in block.text
    inside = block.find_element(By.CSS_SELECTOR, 'li.node[data-path="bert.encoder.layer.{0..11}.attention"]')
    assert "collapsed" in block.get_attribute("class") and not inside.is_displayed()
    block.find_element(By.CSS_SELECTOR, ":scope > .row > .toggle").click()
    assert "collapsed" not in block.get_attribute("class") and inside.is_displayed()
    assert "BertAttention" in inside.text
    block.find_element(By.CSS_SELECTOR, ":scope > .row > .toggle").click()  # fold it again
    assert not inside.is_displayed()
    search = chromium.find_element(By.ID, "search")
    search.send_keys("attention.output.LayerNorm")
    matches = chromium.find_elements(By.CSS_SELECTOR, "li.match")
    assert [m.get_attribute("data-path") for m in matches] == ["bert.encoder.layer.{0..11}.attention.output.LayerNorm"]
    assert matches[0].is_displayed() and "768" in matches[0].text  # found inside the folded block, params shown
    assert chromium.find_element(By.ID, "count").text == "1 module"
    search.clear()
    search.send_keys("BertSelfAttention")  # by class
    assert len(chromium.find_elements(By.CSS_SELECTOR, "li.match")) == 1
    assert chromium.find_element(By.CSS_SELECTOR, 'li.node[data-path="bert.pooler"]').is_displayed() is False


def test_show_html_writes_the_page_from_the_graph(clean_graph: Graph, tmp_path: Path) -> None:
    ingest(clean_graph, [catalogue_candidate("bert", "text-classification", num_hidden_layers=2)])
    target = tmp_path / "page.html"
    done = _nnstruct("show", "transformers/bert/text-classification", "--html", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(target)
    page = target.read_text()
    assert "BertLayer" in page and "transformers/bert/text-classification" in page
    missing = _nnstruct("show", "transformers/no-such/model", "--html", str(tmp_path / "x.html"))
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.html").exists()


def _nnstruct(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnstruct.cli.main", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)
