"""Bad input of every kind, as a careless or hostile user gives it: local model folders, hub responses (the fake
hub), flags, settings files and variables, query files and report specs.

Every case runs the real ``nnstruct`` entry point in this process (fast: no interpreter start per case) against the
real Neo4j server and checks the contract of the README: the documented exit code (0 ok, 1 some models failed, 2 bad
input or Neo4j unreachable), no traceback (``main()`` ends in ``SystemExit``, nothing else escapes), exactly one
``error:`` line when the command fails as a whole, and the graph's earlier content unchanged: a canonical dump of
every node and relationship, taken before and after, is identical (commands refused as a whole) or only grows by
the models the run records as skipped or failed (ingest).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from nnstruct.graph.connection import Graph
from nnstruct.graph.schema import init_schema, reset
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.runner import run_ingest, source_candidates
from nnstruct.settings import Settings
from tests.cli_fixtures import TINY_BERT, Outcome, dump, invoke
from tests.hub_fixtures import configs_fixture, hf_home_fixture, hub_fixture  # noqa: F401 - fixtures
from tests.support.fake_hub import GATED, MALFORMED, MISSING, NO_CONFIG, FakeHub

TC = "text-classification"
FOREIGN = "foreign/keep-me"  # another application's node: no nnstruct marker


# -- the graph ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def population(graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """One tiny model ingested for real from a local folder, and a foreign node nnstruct must never touch."""
    reset(graph)
    init_schema(graph)
    root = tmp_path_factory.mktemp("population")
    good = root / "good"
    good.mkdir()
    (good / "config.json").write_text(json.dumps(TINY_BERT))
    options = IngestOptions(source="local", paths=(good,), workers=0, tasks=(TC,))
    assert run_ingest(graph, source_candidates(options), options).ok == 1
    graph.write("CREATE (:Model {id: $id, note: '[/] <script>alert(1)</script>', status: 'ok'})", {"id": FOREIGN})
    yield {"good": good}
    graph.write("MATCH (n:Model {id: $id}) DETACH DELETE n", {"id": FOREIGN})


# -- cases --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int
    error: str | None = None  # a fragment of the one error line (exit 2)
    files: dict[str, str | bytes] = field(default_factory=dict)  # written under {tmp} first
    env: dict[str, str] = field(default_factory=dict)
    cwd_tmp: bool = False  # run in {tmp} (for a nnstruct.toml there)
    model: tuple[str, str, str] | None = None  # ingest: (model folder under {tmp}, status, reason fragment)
    check: Callable[[Outcome, Path], None] | None = None
    lines: int | None = 1  # stderr lines expected when failing (None: progress lines may come first)


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _fill(text: str, tmp: Path, good: Path) -> str:
    settings = Settings()
    return (text.replace("{tmp}", str(tmp)).replace("{good}", str(good))
            .replace("{bolt}", str(settings.bolt_port)).replace("{http}", str(settings.http_port)))


def _assert_contract(case: Case, done: Outcome) -> None:
    assert "Traceback" not in done.err, done.err
    assert done.code == case.code, (done.code, done.err)
    if case.code == 2:
        assert len(done.error_lines) == 1, done.err
        assert case.error is None or case.error in done.error_lines[0], done.error_lines[0]
        if case.lines is not None:
            assert len([line for line in done.err.splitlines() if line.strip()]) == case.lines, done.err
    else:
        assert done.error_lines == [], done.err


def run_case(case: Case, graph: Graph, good: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> Outcome:
    _write(tmp, {name: _fill(c, tmp, good) if isinstance(c, str) else c for name, c in case.files.items()})
    before = dump(graph)
    done = invoke([_fill(a, tmp, good) for a in case.args], monkeypatch, capsys,
                  {k: _fill(v, tmp, good) for k, v in case.env.items()}, tmp if case.cwd_tmp else None)
    after = dump(graph)
    _assert_contract(case, done)
    if case.model is None:
        assert after == before, "the command changed the graph"
    else:
        assert before - after == Counter(), "earlier content of the graph changed"
        folder, status, reason = case.model
        model_id = f"local:{(tmp / folder).resolve()}" if not folder.startswith("hub:") else folder[4:]
        rows = graph.read("MATCH (m:Model {id: $id}) RETURN m.status AS status, m.reason AS reason", {"id": model_id})
        assert len(rows) == 1, (model_id, done.err)
        assert rows[0]["status"] == status and reason in (rows[0]["reason"] or ""), rows
    if case.check is not None:
        case.check(done, tmp)
    return done


# -- local model folders ------------------------------------------------------------------------------------------

def _local(case_id: str, config: str | bytes, code: int, status: str, reason: str, folder: str = "m",
           tasks: str | None = None) -> Case:
    args = ("ingest", "--source", "local", "--workers", "0", "{good}", "{tmp}/" + folder)
    return Case(case_id, args + (("--tasks", tasks) if tasks else ()), code, files={f"{folder}/config.json": config},
                model=(folder, status, reason))


def _tiny(**changes: Any) -> str:
    return json.dumps({**TINY_BERT, **changes})


LOCAL = [
    _local("not-json", '{"model_type": "bert",', 1, "failed", "config.json is not valid JSON"),
    _local("json-array", "[1, 2]", 1, "failed", "not a JSON object (it holds an array)"),
    _local("json-string", '"bert"', 1, "failed", "not a JSON object (it holds a string)"),
    _local("nested-5000", '{"a": ' + "[" * 5000 + "]" * 5000 + "}", 1, "failed", "nests deeper than the limit"),
    _local("nested-40", '{"a": ' + "[" * 40 + "]" * 40 + "}", 1, "failed", "nests deeper than the limit"),
    _local("layers-1e10", _tiny(num_hidden_layers=10**10), 1, "failed", "num_hidden_layers = 10000000000"),
    _local("not-utf8", b'{"model_type": "bert", "x": "\xff\xfe"}', 1, "failed", "not UTF-8 text"),
    _local("oversized", '{"pad": "' + "x" * (8 * 1024 * 1024) + '"}', 1, "failed", "more than the limit of 8,388,608"),
    _local("unknown-type", json.dumps({"model_type": "nonesuch"}), 0, "skipped", "'nonesuch' is unknown", tasks=TC),
    _local("markup-type", json.dumps({"model_type": "[/]"}), 0, "skipped", "'[/]' is unknown", tasks=TC),
    _local("markup-folder", '{"model_type": "bert",', 1, "failed", "not valid JSON", folder="[/]"),
    _local("markup-folder-ok", _tiny(), 0, "ok", "", folder="[bold red]x[/]", tasks=TC),
    _local("empty-object", "{}", 0, "skipped", "cannot tell the task"),
    _local("architectures-number", json.dumps({"model_type": "bert", "architectures": 5}), 0, "skipped",
           "cannot tell the task"),
    _local("architectures-markup", json.dumps({"model_type": "bert", "architectures": ["[/]"]}), 0, "skipped",
           "cannot tell the task"),
    _local("model-type-list", json.dumps({"model_type": ["bert"]}), 0, "skipped", "without model_type", tasks=TC),
    _local("hidden-size-text", _tiny(hidden_size="abc"), 1, "failed", ""),
    _local("heads-do-not-divide", _tiny(hidden_size=30, num_attention_heads=4), 1, "failed", ""),
    _local("nan-size", '{"model_type": "bert", "hidden_size": NaN}', 1, "failed", "", tasks=TC),
    _local("remote-code-untrusted", json.dumps({"model_type": "mything", "auto_map": {"AutoModel": "m.M"}}), 0,
           "skipped", "needs trust_remote_code", tasks="feature-extraction"),
    _local("class-without-task", json.dumps({**TINY_BERT, "model_type": "electra", "embedding_size": 32,
                                            "architectures": ["ElectraForPreTraining"]}), 0, "ok", ""),
    Case("path-missing", ("ingest", "--source", "local", "{tmp}/nowhere"), 2, "no such file or folder"),
    Case("path-is-other-file", ("ingest", "--source", "local", "{tmp}/weights.bin"), 2,
         "not a folder nor a config.json", files={"weights.bin": b"\0\0"}),
    Case("folder-without-config", ("ingest", "--source", "local", "{tmp}/empty"), 2,
         "no config.json in this folder or below it", files={"empty/README.md": "nothing"}),
    Case("unknown-task", ("ingest", "--source", "local", "--tasks", "text-clasification", "{good}"), 2,
         "unknown task 'text-clasification'"),
    Case("timeout-nan", ("ingest", "--build-timeout", "nan", "{good}"), 2,
         "--build-timeout must be a finite number, not nan"),
    Case("timeout-inf", ("ingest", "--build-timeout", "inf", "{good}"), 2, "must be a finite number"),
    Case("timeout-negative", ("ingest", "--build-timeout", "-1", "{good}"), 2, "--build-timeout must be 0 or more"),
    Case("workers-negative", ("ingest", "--workers", "-1", "{good}"), 2,
         "--workers must be 0 or more, not -1"),
    Case("limit-not-a-number", ("ingest", "--limit", "abc"), 2,
         "--limit: cannot read 'abc' (not a whole number)"),
    Case("source-unknown", ("ingest", "--source", "ftp", "{good}"), 2, "unknown source 'ftp'"),
    Case("paths-with-catalogue", ("ingest", "--source", "transformers", "{good}"), 2,
         "PATH arguments go with --source local"),
]


@pytest.mark.parametrize("case", LOCAL, ids=[c.id for c in LOCAL])
def test_local_folders(case: Case, population, graph, tmp_path, monkeypatch, capsys) -> None:
    run_case(case, graph, population["good"], tmp_path, monkeypatch, capsys)


# -- query files --------------------------------------------------------------------------------------------------

def _query(case_id: str, cypher: str | bytes, code: int, error: str | None = None, *extra: str,
           check: Callable[[Outcome, Path], None] | None = None, env: dict[str, str] | None = None) -> Case:
    return Case(case_id, ("query", "{tmp}/q.cypher", *extra), code, error, files={"q.cypher": cypher},
                env=env or {}, check=check)


def _stdout_has(*fragments: str) -> Callable[[Outcome, Path], None]:
    def check(done: Outcome, tmp: Path) -> None:
        for fragment in fragments:
            assert fragment in done.out, done.out
    return check


QUERIES = [
    _query("load-csv-etc", "LOAD CSV FROM 'file:///etc/hostname' AS line RETURN line", 2,
           "allow_csv_import_from_file_urls' is false"),
    _query("load-csv-import-folder", "LOAD CSV FROM 'file:///x.csv' AS line RETURN line", 2,
           "allow_csv_import_from_file_urls' is false"),
    _query("load-csv-url", "LOAD CSV FROM 'http://127.0.0.1:{http}/' AS line RETURN line", 2,
           "cypher_ip_blocklist"),
    _query("create-without-write", "CREATE (:Evil {x: 1}) RETURN 1", 2, "pass --write"),
    _query("wipe-without-write", "MATCH (n) DETACH DELETE n", 2, "pass --write"),
    _query("set-without-write", "MATCH (m:Model) SET m.status = 'hacked' RETURN count(m)", 2, "pass --write"),
    _query("write-in-second-statement", "RETURN 1 AS a;\nMERGE (x:Evil) RETURN x", 2, "statement 2"),
    _query("call-in-transactions", "CALL { CREATE (:Evil) } IN TRANSACTIONS RETURN 1", 2, "q.cypher"),
    _query("syntax-error", "MATCH (n RETURN n", 2, "syntax error"),
    _query("missing-parameter", "RETURN $nope AS x", 2, "$nope"),
    _query("not-utf8", b"RETURN '\xff' AS x", 2, "not UTF-8 text"),
    _query("empty-file", "// title: nothing\n", 2, "no Cypher statement"),
    _query("bad-params-header", "// params: {a: }\nRETURN 1", 2, "bad `// params:` line"),
    _query("division-by-zero", "RETURN 1 / 0 AS x", 2, "Neo4j refused the query"),
    _query("max-rows-negative", "RETURN 1 AS x", 2, "--max-rows", "--max-rows", "-5"),
    _query("format-unknown", "RETURN 1 AS x", 2, "--format", "--format", "xml"),
    _query("param-without-value", "RETURN $x AS x", 2, "expected NAME=VALUE", "--param", "noequals"),
    _query("param-bad-name", "RETURN 1 AS x", 2, "expected NAME=VALUE", "--param", "1x=3"),
    _query("view-unknown", "RETURN $view AS v", 2, "--view", "--view", "bogus"),
    _query("chart-without-render", "RETURN 1 AS x", 2, "no chart", "--format", "chart", "--out", "{tmp}/charts"),
    _query("uri-http", "RETURN 1 AS x", 2, "invalid Neo4j address", "--uri", "http://127.0.0.1:{bolt}"),
    _query("uri-bad-port", "RETURN 1 AS x", 2, "invalid Neo4j address", "--uri", "bolt://127.0.0.1:notaport"),
    _query("uri-nothing-listens", "RETURN 1 AS x", 2, "cannot reach Neo4j at bolt://127.0.0.1:1", "--uri",
           "bolt://127.0.0.1:1"),
    _query("database-unknown", "RETURN 1 AS x", 2, "has no database 'nope'", "--database", "nope"),
    _query("password-wrong", "RETURN 1 AS x", 2, "refused user 'neo4j'", "--password", "wrong-password"),
    _query("stored-password-not-offered-elsewhere", "RETURN 1 AS x", 2, "no password for Neo4j at",
           env={"NEO4J_URI": "bolt://127.0.0.1:{bolt}", "NNSTRUCT_BOLT_PORT": "7999"}),
    _query("shipped-name-unknown", "RETURN 1", 2, "no shipped query named 'analysis/nope'"),
    _query("markup-in-results", "RETURN '[/]' AS a, '[bold red]x[/]' AS b", 0,
           check=_stdout_has("[/]", "[bold red]x[/]")),
    _query("semicolon-in-string", "RETURN 'a;' AS x;\n", 0, None, "--format", "json", check=_stdout_has('"a;"')),
    _query("null-word-in-parameter", "RETURN $x AS x", 0, None, "--format", "json", "--param", "x='null-ai/x'",
           check=_stdout_has('"null-ai/x"')),
    _query("csv-integers-beside-null", "UNWIND [124645632, null] AS v RETURN v, 'x' AS k", 0, None, "--format",
           "csv", check=_stdout_has("v,k\n124645632,x\n,x\n")),
]
# the shipped-name case runs a name, not the file
QUERIES = [Case(c.id, ("query", "analysis/nope"), c.code, c.error) if c.id == "shipped-name-unknown" else c
           for c in QUERIES]


@pytest.mark.parametrize("case", QUERIES, ids=[c.id for c in QUERIES])
def test_query_files(case: Case, population, graph, tmp_path, monkeypatch, capsys) -> None:
    run_case(case, graph, population["good"], tmp_path, monkeypatch, capsys)


# -- settings: nnstruct.toml in the working directory, NNSTRUCT_CONFIG, environment variables ----------------------

def _toml(case_id: str, content: str | bytes, code: int, error: str | None = None) -> Case:
    return Case(case_id, ("config",), code, error, files={"nnstruct.toml": content}, cwd_tmp=True)


SETTINGS = [
    _toml("toml-trust-remote-code", "trust_remote_code = true\n", 2, "REFUSED: "),
    _toml("toml-neo4j-uri", "neo4j_uri = 'bolt://attacker.example:7687'\n", 2, "sets neo4j_uri"),
    _toml("toml-home", "home = '/tmp/elsewhere'\n", 2, "sets home"),
    _toml("toml-unknown-key", "colour = 'red'\n", 2, "unknown setting(s) colour"),
    _toml("toml-invalid", "limit = \n", 2, "cannot read"),
    _toml("toml-not-utf8", b"limit = 3 # \xff\n", 2, "not UTF-8 text"),
    _toml("toml-config-injection", 'neo4j_pagecache = "512m\\ndbms.security.auth_enabled=false"\n', 2,
          "must be a JVM size"),
    _toml("toml-timeout-nan", "build_timeout = nan\n", 2, "must be a finite number"),
    _toml("toml-limit-negative", "limit = -3\n", 2, "must be 0 or more"),
    _toml("toml-oversized", "# x\n" * 20_000, 2, "larger than 64 KiB"),
    Case("config-file-missing", ("config",), 2, "which is not a file", env={"NNSTRUCT_CONFIG": "{tmp}/none.toml"}),
    Case("config-file-chosen-may-trust", ("config",), 0, files={"mine.toml": "trust_remote_code = true\n"},
         env={"NNSTRUCT_CONFIG": "{tmp}/mine.toml"}, check=_stdout_has("trust_remote_code")),
    Case("env-port-out-of-range", ("config",), 2, "must be a TCP port", env={"NNSTRUCT_BOLT_PORT": "70000"}),
    Case("env-heap-injection", ("config",), 2, "must be a JVM size", env={"NNSTRUCT_NEO4J_HEAP": "1g\nx=y"}),
    Case("env-trust-maybe", ("config",), 2, "not a yes/no value", env={"NNSTRUCT_TRUST_REMOTE_CODE": "maybe"}),
    Case("env-threshold-nan", ("dedup",), 2, "must be a finite number", env={"NNSTRUCT_SIMILARITY_THRESHOLD": "nan"}),
    Case("dedup-strategy-unknown", ("dedup", "--strategy", "bogus"), 2, "unknown dedup strategy 'bogus'"),
    Case("dedup-threshold-zero", ("dedup", "--similarity-threshold", "0"), 2, "must be in (0, 1]"),
    Case("dedup-label-unknown", ("dedup", "--label", "shape"), 2, "unknown label 'shape'"),
    Case("analyze-view-unknown", ("analyze", "--view", "bogus", "--output-dir", "{tmp}/out"), 2, "bogus"),
    Case("show-unknown-model", ("show", "no/such-model"), 2, "no/such-model"),
    Case("export-format-unknown", ("export", "no/such-model", "--format", "xls"), 2, "--format"),
    Case("command-unknown", ("frobnicate",), 2, "No such command 'frobnicate'"),
]


@pytest.mark.parametrize("case", SETTINGS, ids=[c.id for c in SETTINGS])
def test_settings_and_flags(case: Case, population, graph, tmp_path, monkeypatch, capsys) -> None:
    run_case(case, graph, population["good"], tmp_path, monkeypatch, capsys)


# -- report specs -------------------------------------------------------------------------------------------------

def _spec(case_id: str, spec: str | bytes, code: int, error: str | None = None,
          check: Callable[[Outcome, Path], None] | None = None, **files: str) -> Case:
    return Case(case_id, ("report", "{tmp}/spec.md", "--output-dir", "{tmp}/out"), code, error,
                files={"spec.md": spec, **files}, check=check, lines=None)


def _html_is_safe(done: Outcome, tmp: Path) -> None:
    page = next((tmp / "out" / "reports").glob("*.html")).read_text()
    assert "<script" not in page and "onerror" not in page and 'href="javascript' not in page
    secret = Path("/etc/hostname").read_bytes() if Path("/etc/hostname").exists() else b"\0"
    import base64

    assert base64.b64encode(secret).decode() not in page


REPORTS = [
    _spec("spec-not-utf8", b"# Title\n\n\xff\xfe\n", 2, "not UTF-8 text"),
    _spec("spec-missing", "", 2, "cannot read report spec"),
    _spec("spec-block-writes", "# T\n\n```cypher\nCREATE (:Evil) RETURN 1 AS x\n```\n", 2, "pass --write"),
    _spec("spec-block-load-csv", "# T\n\n```cypher\nLOAD CSV FROM 'file:///etc/passwd' AS l RETURN l\n```\n", 2,
          "allow_csv_import_from_file_urls"),
    _spec("spec-block-file-missing", "# T\n\n```cypher file=nope.cypher\n```\n", 2, "nope"),
    _spec("spec-block-syntax-error", "# T\n\n```cypher\nRETURN (\n```\n", 2, "syntax error"),
    _spec("spec-hostile-html", "# T <script>alert(0)</script>\n\n<img src=x onerror=alert(1)>\n\n"
          "[link](javascript:alert(2))\n\n![secret](/etc/hostname)\n\n```cypher\n"
          "RETURN '<script>alert(3)</script>' AS model, '[x](javascript:alert(4))' AS link\n```\n", 0,
          check=_html_is_safe),
]
REPORTS = [Case(c.id, c.args, c.code, c.error, {}, lines=None) if c.id == "spec-missing" else c for c in REPORTS]


@pytest.mark.parametrize("case", REPORTS, ids=[c.id for c in REPORTS])
def test_report_specs(case: Case, population, graph, tmp_path, monkeypatch, capsys) -> None:
    run_case(case, graph, population["good"], tmp_path, monkeypatch, capsys)


# -- hub responses (the fake hub) ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class HubCase:
    id: str
    scenario: str | None = None  # the fake hub's answer for the bad model
    config: dict[str, Any] | str | None = None  # the bad model's config.json
    code: int = 1
    status: str | None = None
    reason: str = ""
    error: str | None = None
    hub_setup: Callable[[FakeHub], None] | None = None
    listing_timeout: float = 120.0  # huggingface_hub retries a 500 with backoff: only the held listing needs 1 s


def _hold_listings(hub: FakeHub) -> None:
    hub.listing_delay = 30


def _refuse_listings(hub: FakeHub) -> None:
    hub.listing_error = 500


HUB = [
    HubCase("hub-malformed-config", scenario=MALFORMED, status="failed", reason="config.json is not valid JSON"),
    HubCase("hub-repo-gone", scenario=MISSING, status="failed", reason="not found on the hub"),
    HubCase("hub-gated", scenario=GATED, code=0, status="skipped", reason="gated model"),
    HubCase("hub-no-config", scenario=NO_CONFIG, code=0, status="skipped", reason="the repo has no config.json"),
    HubCase("hub-markup-model-type", config={"model_type": "[/]"}, code=0, status="skipped", reason="'[/]'"),
    HubCase("hub-deep-config", config='{"a": ' + "[" * 3000 + "]" * 3000 + "}", status="failed",
            reason="nests deeper"),
    HubCase("hub-layers-1e10", config={**TINY_BERT, "num_hidden_layers": 10**10}, status="failed",
            reason="num_hidden_layers = 10000000000"),
    HubCase("hub-listing-refused", code=2, error="refused to list text-classification models",
            hub_setup=_refuse_listings),
    HubCase("hub-listing-never-answers", code=2, error="did not answer the text-classification listing within 1 s",
            hub_setup=_hold_listings, listing_timeout=1.0),
]


@pytest.mark.parametrize("case", HUB, ids=[c.id for c in HUB])
def test_hub_responses(case: HubCase, population, graph, hub, hf_home, monkeypatch, capsys) -> None:
    from nnstruct.ingest.sources import hub_listing

    monkeypatch.setattr(hub_listing, "LISTING_TIMEOUT", case.listing_timeout)
    hub.add_model("org/good-tiny", config=TINY_BERT, pipeline_tag=TC, downloads=100)
    bad_id = "org/bad-" + case.id
    if case.scenario or case.config is not None:
        raw = case.config.encode() if isinstance(case.config, str) else None
        hub.add_model(bad_id, config=case.config if isinstance(case.config, dict) else TINY_BERT, pipeline_tag=TC,
                      downloads=50, scenario=case.scenario or "ok", raw_body=raw)
    if case.hub_setup:
        case.hub_setup(hub)
    before = dump(graph)
    done = invoke(["ingest", "--source", "hub", "--tasks", TC, "--limit", "5", "--min-models", "1", "--workers", "0"],
                  monkeypatch, capsys)
    after = dump(graph)
    hub.listing_delay = 0  # let a held listing thread finish before the hub stops
    assert "Traceback" not in done.err and done.code == case.code, (done.code, done.err)
    if case.code == 2:
        assert len(done.error_lines) == 1 and case.error in done.error_lines[0], done.err
        assert after == before
        return
    assert done.error_lines == [], done.err
    assert before - after == Counter(), "earlier content of the graph changed"
    rows = graph.read("MATCH (m:Model {id: $id}) RETURN m.status AS status, m.reason AS reason", {"id": bad_id})
    assert rows and rows[0]["status"] == case.status and case.reason in (rows[0]["reason"] or ""), rows
    graph.write("MATCH (m:Model) WHERE m.id IN [$bad, 'org/good-tiny'] DETACH DELETE m", {"bad": bad_id})


def test_the_suite_has_at_least_sixty_cases() -> None:
    assert len(LOCAL) + len(QUERIES) + len(SETTINGS) + len(REPORTS) + len(HUB) >= 60
