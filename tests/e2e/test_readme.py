"""The README and the pages under docs/ work as written: every command block runs, as a newcomer would type it.

The README runs first (its first block is the main job over the whole catalogue), then the docs/ pages in the
order the README links them; every page under docs/ must be linked. Blocks marked
``<!-- not run by tests/e2e/test_readme.py: REASON -->`` (Docker, the live hub) are skipped with that reason, and so is
the line ``bin/test`` (the command that runs this very test). Shell blocks run in a scratch folder that holds the
clone's ``bin/`` and ``queries/``, against the server the test run is configured for; Cypher blocks must return
rows; Python blocks run in a fresh interpreter, and one that sets ``df`` must leave it non-empty.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nnstruct.graph.connection import Graph

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DOCS = REPO / "docs"
DOC_LINK = re.compile(r"\]\((docs/[^)#\s]+\.md)[)#]")
SKIP_MARK = re.compile(r"<!-- not run by tests/e2e/test_readme\.py: (.*?) -->")
EXIT_1_MARK = re.compile(r"<!-- tests/e2e/test_readme\.py accepts exit code 1 here: (.*?) -->")
RUN_LANGUAGES = {"bash", "console", "cypher", "python"}


@dataclass(frozen=True)
class Block:
    document: str  # path relative to the clone
    line: int
    language: str
    text: str
    skip_reason: str | None
    may_exit_1: bool = False  # documented "some models failed" outcome

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}-{self.language}"

    @property
    def where(self) -> str:
        return f"{self.document} line {self.line}"


def linked_docs() -> list[Path]:
    """The docs/ pages in the order the README first links them."""
    names = dict.fromkeys(DOC_LINK.findall(README.read_text()))
    return [REPO / name for name in names]


def document_blocks(path: Path) -> list[Block]:
    document = path.relative_to(REPO).as_posix()
    blocks, pending_skip, pending_exit_1, lines = [], None, False, path.read_text().splitlines()
    i = 0
    while i < len(lines):
        mark = SKIP_MARK.search(lines[i])
        if mark:
            pending_skip = mark.group(1)
        pending_exit_1 = pending_exit_1 or bool(EXIT_1_MARK.search(lines[i]))
        if lines[i].startswith("```") and len(lines[i]) > 3:
            language, start, body = lines[i][3:].strip().split()[0], i + 1, []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if language in RUN_LANGUAGES:
                blocks.append(Block(document, start, language, "\n".join(body), pending_skip, pending_exit_1))
            pending_skip, pending_exit_1 = None, False
        i += 1
    return blocks


def readme_blocks() -> list[Block]:
    return document_blocks(README)


def all_blocks() -> list[Block]:
    """README first, then each linked docs/ page: the order a reader follows, and the order the state builds up."""
    return [block for path in [README, *linked_docs()] for block in document_blocks(path)]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, graph: Graph) -> Path:
    """A scratch folder laid out like the clone's top level, over an empty graph."""
    from nnstruct.graph.schema import init_schema, reset

    reset(graph)
    init_schema(graph)
    folder = tmp_path_factory.mktemp("readme")
    for name in ("bin", "queries"):
        (folder / name).symlink_to(REPO / name)
    return folder


def shell_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_shell(block: Block, cwd: Path) -> None:
    commands = [line for line in block.text.splitlines() if not line.strip().startswith("bin/test")]
    script = "set -euo pipefail\n" + "\n".join(commands)
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=shell_env(), capture_output=True, text=True,
                          timeout=3600, stdin=subprocess.DEVNULL)
    allowed = (0, 1) if block.may_exit_1 else (0,)
    assert done.returncode in allowed, f"{block.where}: exit {done.returncode}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, done.stderr


def run_cypher(block: Block, graph: Graph) -> None:
    statements = [s.strip() for s in re.split(r";\s*$", block.text, flags=re.MULTILINE) if s.strip()]
    for statement in statements:
        rows = graph.read(statement)
        assert rows, f"{block.where}: no rows from\n{statement}"


def run_python(block: Block, cwd: Path) -> None:
    check = "\nassert len(df) > 0, df" if re.search(r"^df = ", block.text, flags=re.MULTILINE) else ""
    done = subprocess.run([sys.executable, "-c", block.text + check], cwd=cwd,
                          env=shell_env(), capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{block.where}:\n{done.stderr[-3000:]}"


BLOCKS = all_blocks()


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_readme_block_works_as_written(block: Block, workspace: Path, graph: Graph) -> None:
    if block.skip_reason:
        pytest.skip(block.skip_reason)
    if block.language in ("bash", "console"):
        run_shell(block, workspace)
    elif block.language == "cypher":
        run_cypher(block, graph)
    else:
        run_python(block, workspace)


def test_main_job_wrote_the_analysis_folder(workspace: Path) -> None:
    report = workspace / "analysis_result_name" / "reports" / "index.html"
    assert report.is_file() and 10_000 < report.stat().st_size < 1_000_000


def test_every_docs_page_is_linked_from_the_readme_and_run() -> None:
    pages = sorted(DOCS.glob("*.md"))
    assert pages and sorted(linked_docs()) == pages
    run = {block.document for block in BLOCKS if not block.skip_reason}
    assert {"README.md", "docs/schema.md", "docs/dedup.md", "docs/analysis.md", "docs/neo4j.md"} <= run


def test_the_readme_stays_short() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) < 170
    assert max(len(line) for line in lines) <= 120


def test_the_two_commands_come_first() -> None:
    first = readme_blocks()[0]
    assert first == BLOCKS[0] and first.language == "bash" and not first.skip_reason
    assert [line.split("#")[0].strip() for line in first.text.splitlines()] == [
        "bin/nnstruct run --all --source transformers", "bin/test"]
    assert (REPO / ".ci" / "run").read_text().strip().endswith("exec bin/test")
