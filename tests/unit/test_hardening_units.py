"""Issue 13's pure pieces, one test each: the password generator, escaping, the HTML allow-list, settings
validation and the working-directory TOML rule, config limits, literal-aware query parsing, CSV integers, the
stored password's address rule, the module budget and the build pool's parent-side deadline."""

from __future__ import annotations

import base64
import os
import signal
import string
import time
from pathlib import Path

import pandas as pd
import pytest

from nnstruct.analysis.formats import as_csv
from nnstruct.analysis.html_report import to_html
from nnstruct.analysis.html_safety import markdown_text, sanitise
from nnstruct.analysis.params import parse_params
from nnstruct.analysis.tables import markdown_table
from nnstruct.errors import NnstructError
from nnstruct.graph.connection import connection_info
from nnstruct.graph.server.password import GENERATED_LENGTH, argument_file_line, generate_password
from nnstruct.graph.server.paths import ServerPaths
from nnstruct.ingest.sources.config_json import MAX_BYTES, ConfigUnreadable, read_config_json
from nnstruct.queries.query_file import split_statements
from nnstruct.settings import SETTING, Settings

TINY_BERT = {"model_type": "bert", "architectures": ["BertForSequenceClassification"], "hidden_size": 32,
             "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}


# -- password -----------------------------------------------------------------------------------------------------

def test_a_thousand_generated_passwords_are_safe_for_the_admin_tool() -> None:
    passwords = [generate_password() for _ in range(1000)]
    assert len(set(passwords)) == 1000
    for password in passwords:
        assert len(password) == GENERATED_LENGTH
        assert password[0] in string.ascii_letters  # never "-": picocli would read an option
        assert set(password) <= set(string.ascii_letters + string.digits)  # no quote, "#", "@", space


def test_a_given_password_is_one_quoted_argument_in_the_argument_file() -> None:
    assert argument_file_line("-Xab") == '"-Xab"'
    assert argument_file_line('a"b\\c d') == '"a\\"b\\\\c d"'


# -- settings -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "raw", "fragment"), [
    ("build_timeout", "nan", "must be a finite number"),
    ("build_timeout", "inf", "must be a finite number"),
    ("build_timeout", "-1", "must be 0 or more"),
    ("workers", "-2", "must be 0 or more"),
    ("limit", "1.5", "not a whole number"),
    ("bolt_port", "70000", "must be a TCP port"),
    ("neo4j_heap", "1g\nserver.bolt.enabled=false", "must be a JVM size"),
    ("neo4j_pagecache", "512m\ndbms.security.auth_enabled=false", "must be a JVM size"),
    ("neo4j_user", "neo4j\nx", "control character"),
    ("source", "ftp", "choose one of: hub, local, transformers"),
    ("trust_remote_code", "perhaps", "not a yes/no value"),
])
def test_every_setting_value_is_validated_whatever_its_origin(name: str, raw: str, fragment: str) -> None:
    setting = SETTING[name]
    with pytest.raises(NnstructError, match=f"^{setting.option}") as flag:
        Settings(environ={}).with_flags(**{name: raw}).get(name)
    assert fragment in str(flag.value)
    with pytest.raises(NnstructError, match=f"^setting {name} from env {setting.env[0]}") as env:
        Settings(environ={setting.env[0]: raw}).get(name)
    assert fragment in str(env.value)


@pytest.mark.parametrize("line", ["trust_remote_code = true", "neo4j_uri = 'bolt://elsewhere:7687'",
                                  "home = '/tmp/someone-elses'"])
def test_a_working_directory_toml_may_not_set_security_settings(tmp_path: Path, monkeypatch, line: str) -> None:
    (tmp_path / "nnstruct.toml").write_text(f"limit = 3\n{line}\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NnstructError, match=r"^REFUSED: .*nnstruct.toml in the working directory sets "
                                            rf"{line.split()[0]}, which only a flag"):
        Settings(environ={})
    # The same file named by NNSTRUCT_CONFIG is the user's own choice.
    chosen = Settings(environ={"NNSTRUCT_CONFIG": str(tmp_path / "nnstruct.toml")})
    assert chosen.resolve(line.split()[0]).origin == str(tmp_path / "nnstruct.toml")


def test_a_working_directory_toml_still_sets_analysis_and_ingest_choices(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "nnstruct.toml").write_text("limit = 3\ndedup_strategy = 'both'\n")
    monkeypatch.chdir(tmp_path)
    assert (Settings(environ={}).limit, Settings(environ={}).dedup_strategy) == (3, "both")


def test_non_utf8_and_oversized_toml_are_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nnstruct.toml").write_bytes(b"limit = 3 # \xff\xfe\n")
    with pytest.raises(NnstructError, match="not UTF-8 text"):
        Settings(environ={})
    (tmp_path / "nnstruct.toml").write_text("# padding\n" * 10_000)
    with pytest.raises(NnstructError, match="larger than 64 KiB"):
        Settings(environ={})


# -- the stored password goes to the local server only ------------------------------------------------------------

def test_the_stored_password_is_offered_to_the_local_address_only(tmp_path: Path) -> None:
    paths = ServerPaths(tmp_path)
    paths.data_dir.mkdir(parents=True)
    paths.password_file.write_text("StoredSecret1\n")
    base = {"NNSTRUCT_HOME": str(tmp_path), "NNSTRUCT_BOLT_PORT": "7999"}
    for uri in (None, "bolt://127.0.0.1:7999", "neo4j://localhost:7999"):
        environ = base if uri is None else {**base, "NEO4J_URI": uri}
        assert connection_info(Settings(environ=environ)).password == "StoredSecret1", uri
    for uri in ("bolt://db.example.org:7999", "bolt://127.0.0.1:7687", "bolt://10.0.0.1:7999"):
        assert connection_info(Settings(environ={**base, "NEO4J_URI": uri})).password is None, uri
    given = connection_info(Settings(environ={**base, "NEO4J_URI": "bolt://db.example.org:7687",
                                              "NEO4J_PASSWORD": "theirs"}))
    assert given.password == "theirs"


# -- escaping -----------------------------------------------------------------------------------------------------

def test_the_html_allow_list_drops_script_handlers_and_javascript_links() -> None:
    body = ('<p onclick="x()">hi <script>alert(1)</script><a href="javascript:alert(2)">l</a>'
            '<img src="x.png" onerror="alert(3)"><iframe src="//evil"></iframe><b>bold</b></p>'
            '<td style="text-align: right;">1</td><td style="background:url(x)">2</td>')
    clean = sanitise(body)
    for banned in ("script", "onclick", "onerror", "javascript", "iframe", "alert(1)", "background"):
        assert banned not in clean, (banned, clean)
    assert '<img src="x.png">' in clean and 'style="text-align: right;"' in clean and "bold" in clean


def test_table_cells_from_the_graph_are_literal_in_markdown_and_html(tmp_path: Path) -> None:
    frame = pd.DataFrame({"model": ["<script>alert(1)</script>", "[x](javascript:alert(2))", "a|b"]})
    page, _ = to_html(markdown_table(frame), "t", tmp_path / "reports")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript' not in page
    assert markdown_text("a|b") == "a\\|b"


def test_report_images_are_inlined_only_from_the_output_folder(tmp_path: Path) -> None:
    reports, images = tmp_path / "out" / "reports", tmp_path / "out" / "images"
    reports.mkdir(parents=True)
    images.mkdir()
    (images / "chart.png").write_bytes(b"\x89PNG fake")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"private bytes")
    (images / "notes.txt").write_text("text")
    text = f"![a](../images/chart.png)\n\n![b]({secret})\n\n![c](../../secret.png)\n\n![d](../images/notes.txt)\n"
    page, missing = to_html(text, "t", reports)
    assert base64.b64encode(b"\x89PNG fake").decode() in page
    assert base64.b64encode(b"private bytes").decode() not in page
    assert missing == [str(secret), "../../secret.png", "../images/notes.txt"]


# -- query files and parameters -----------------------------------------------------------------------------------

def test_statements_split_only_on_semicolons_outside_strings_and_comments() -> None:
    body = "MATCH (n) WHERE n.x = 'a;\nb;' RETURN n;\n// not a split;\nRETURN \"x;\" AS y; // done\nRETURN 3"
    assert split_statements(body) == ["MATCH (n) WHERE n.x = 'a;\nb;' RETURN n", '// not a split;\nRETURN "x;" AS y',
                                      "// done\nRETURN 3"]


def test_cypher_words_inside_string_parameters_stay_as_written() -> None:
    params = parse_params(["x='null-ai/x'", "y=null", "z='a, b: true'", "t=[1, 'false']", "w=plain-null"])
    assert params == {"x": "null-ai/x", "y": None, "z": "a, b: true", "t": [1, "false"], "w": "plain-null"}


def test_csv_keeps_whole_number_columns_integer_next_to_nulls() -> None:
    frame = pd.DataFrame({"params": [124645632, None], "share": [0.5, None], "name": ["a", "b"]})
    assert as_csv(frame).splitlines() == ["params,share,name", "124645632,0.5,a", ",,b"]


# -- config limits ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    ('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "nests deeper than the limit of 32 levels"),
    ('{"a": ' + "[" * 40 + "]" * 40 + "}", "nests deeper than the limit of 32 levels"),
    ('{"model_type": "bert", "num_hidden_layers": 10000000000}', "num_hidden_layers = 10000000000, more than"),
    ('{"model_type": "swin", "depths": [2, 2, 1000000, 2]}', "depths = 1000000, more than the limit"),
    ('{"model_type": "x", "num_experts": 1e12}', "num_experts = 1000000000000.0, more than"),
])
def test_hostile_configs_are_refused_with_their_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(ConfigUnreadable, match=reason.replace("(", r"\(").replace("[", r"\[")):
        read_config_json(path)


def test_an_oversized_config_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"pad": "' + "x" * MAX_BYTES + '"}')
    with pytest.raises(ConfigUnreadable, match="more than the limit of 8,388,608"):
        read_config_json(path)


def test_a_model_past_the_module_budget_is_failed_with_the_limit() -> None:
    from nnstruct.ingest.meta_build import BuildJob, run_job

    outcome = run_job(BuildJob("x", "text-classification", TINY_BERT, max_modules=10))
    assert (outcome.status, outcome.reason) == (
        "failed", "the model has more than 10 modules (the limit one model's write may hold)")
    assert run_job(BuildJob("x", "text-classification", TINY_BERT)).status == "ok"


def test_a_local_class_without_a_pipeline_task_is_stored_under_task_none() -> None:
    from nnstruct.ingest.sources.local import _task_of

    assert _task_of({"model_type": "electra", "architectures": ["ElectraForPreTraining"]}) == "none"
    assert _task_of({"model_type": "bert", "architectures": ["BertForSequenceClassification"]}) == \
        "text-classification"
    assert _task_of({"model_type": "x", "architectures": ["[/]"]}) is None
    assert _task_of({"model_type": "x", "architectures": ["MyOwnNet"]}) is None


# -- the build pool's own deadline --------------------------------------------------------------------------------

def test_a_stopped_worker_is_given_up_by_the_parent_and_the_run_goes_on() -> None:
    """SIGSTOP stands for a build stuck in C code: its SIGALRM never runs, only the parent's deadline helps."""
    from nnstruct.ingest.build_pool import BuildPool
    from nnstruct.ingest.meta_build import BuildJob

    began = time.monotonic()
    with BuildPool(1, grace=4) as pool:
        pool.submit(BuildJob("stuck", "text-classification", TINY_BERT, timeout=1))
        while not getattr(pool._executor, "_processes", None):
            time.sleep(0.05)
        for process in pool._executor._processes.values():
            os.kill(process.pid, signal.SIGSTOP)
        pool.submit(BuildJob("fine", "text-classification", TINY_BERT, timeout=120))
        outcomes = {o.id: o for o in pool.drain()}
    assert outcomes["stuck"].status == "failed"
    assert outcomes["stuck"].reason.startswith("the build did not come back within 6 s although its timeout is 1 s")
    assert outcomes["fine"].status == "ok"  # re-run in a fresh worker after the stuck one was killed
    assert time.monotonic() - began < 240
