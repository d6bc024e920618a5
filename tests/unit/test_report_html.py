"""The self-contained HTML report and Markdown tables."""

from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from nnstruct.analysis.html_report import to_html  # noqa: E402
from nnstruct.analysis.run_info import installed_versions, run_info_rows  # noqa: E402
from nnstruct.analysis.tables import cell, markdown_table, plain  # noqa: E402


def test_images_are_inlined_and_missing_ones_reported(tmp_path):
    images, reports = tmp_path / "images", tmp_path / "reports"
    images.mkdir()
    reports.mkdir()
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    fig.savefig(images / "chart.png")
    plt.close(fig)
    text = ("# Title\n\n![A chart](../images/chart.png)\n\n![gone](../images/gone.png)\n\n"
            "| a | b |\n|---|---:|\n| x | 1 |\n\n"
            '<details markdown="1">\n<summary>more</summary>\n\n![A chart](../images/chart.png)\n\n</details>\n')
    page, missing = to_html(text, "Title", reports)
    assert missing == ["../images/gone.png"]
    assert page.count("data:image/png;base64,") == 2
    assert "<table>" in page and "<details>" in page and "<title>Title</title>" in page
    encoded = page.split("data:image/png;base64,")[1].split('"')[0]
    assert base64.b64decode(encoded) == (images / "chart.png").read_bytes()


def test_markdown_table_formats_numbers_and_cuts_rows():
    frame = pd.DataFrame({"layer_type": ["Linear", "A|B"], "modules": [12345, 7], "share": [0.23891, np.nan]})
    table = markdown_table(frame, max_rows=1)
    lines = table.splitlines()
    assert lines[0] == "| layer_type | modules | share |"
    assert lines[1] == "|---|---:|---:|"
    assert lines[2] == "| Linear | 12,345 | 0.2389 |"
    assert "1 of 2 rows shown" in table
    assert "A\\|B" in markdown_table(frame)
    assert markdown_table(pd.DataFrame()) == "_No rows._"


def test_plain_values_for_json():
    assert plain(np.int64(3)) == 3 and isinstance(plain(np.int64(3)), int)
    assert plain(float("nan")) is None
    assert plain([np.float64(1.5), None]) == [1.5, None]
    assert cell(True) == "true" and cell(1234567) == "1,234,567" and cell(None) == ""


def test_run_information_names_versions_and_settings():
    rows = dict(run_info_rows(
        {"neo4j": "Neo4j Kernel 5.26.30 (community)", "torch_versions": ["2.15.0"], "dedup_runs": []},
        {"view": "name", "tasks": None}, {"models": 12},
    ))
    assert rows["Neo4j"].startswith("Neo4j Kernel 5.26")
    assert rows["view"] == "name" and rows["tasks"] == "all" and rows["models in the selection"] == "12"
    assert rows["torch (data ingested with)"] == "2.15.0"
    assert rows["dedup runs"] == "(dedup not run)"
    installed = installed_versions()
    for package in ("nnstruct", "torch", "transformers", "networkx"):
        assert installed[package] != "not installed"
        assert package == "nnstruct" or rows[f"{package} (installed)"] == installed[package]
