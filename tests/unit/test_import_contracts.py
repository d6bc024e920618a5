"""Dependencies point one way: the import-linter contracts in pyproject.toml hold for the installed package, and
they catch an import that breaks them (checked on a copy of the package with one forbidden import added)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports puts its working directory first on sys.path: run it where that finds the package meant.
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache", str(REPO / "pyproject.toml")], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def _package_copy(target: Path) -> Path:
    """The nnstruct package as setup.py assembles it (nnstruct/ plus each stage folder as a subpackage)."""
    stages = re.search(r"^STAGES = \[(.*)\]", (REPO / "setup.py").read_text(), re.MULTILINE)
    assert stages, "setup.py lists the stage folders in STAGES"
    root = target / "nnstruct"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "nnstruct", root, ignore=ignore)
    for stage in re.findall(r'"(\w+)"', stages.group(1)):
        shutil.copytree(REPO / stage, root / stage, ignore=ignore)
    return root


def test_the_contracts_hold(tmp_path: Path) -> None:
    done = _lint(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", done.stdout), done.stdout


@pytest.mark.parametrize(("module", "bad_import", "contract"), [
    ("tree/model.py", "import nnstruct.graph.connection", "Layers"),  # the core reaching up into the graph
    ("graph/schema.py", "import torch", "Only ingest builds models"),  # reading the graph loading torch
    ("nnstruct/cli/run_command.py", "import nnstruct.cli.ingest_commands", "CLI command modules"),
])
def test_a_breaking_import_is_caught(tmp_path: Path, module: str, bad_import: str, contract: str) -> None:
    root = _package_copy(tmp_path)
    target = root / module.removeprefix("nnstruct/")
    target.write_text(target.read_text() + f"\n{bad_import}  # added by the test\n")
    done = _lint(tmp_path)
    assert done.returncode != 0, done.stdout
    assert re.search(rf"{re.escape(contract)}.* BROKEN", done.stdout), done.stdout
