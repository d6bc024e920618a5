"""Fixtures for the hub and local source tests: a fake hub and a Hugging Face environment of their own.

huggingface_hub reads most of its environment when imported, so the in-process fixture sets the variables AND
the few ``huggingface_hub.constants`` read at call time (cache folders, token file, timeouts); subprocess tests
just pass :meth:`FakeHub.environment` to the child. Import the ``*_fixture`` names into a test module; tests ask
for ``configs``, ``hub``, ``hf_home``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.fake_hub import FakeHub, tiny_configs

NNSTRUCT = str(Path(sys.executable).with_name("nnstruct"))


@pytest.fixture(scope="session", name="configs")
def configs_fixture() -> dict[str, tuple[str, dict]]:
    return tiny_configs()


@pytest.fixture(name="hub")
def hub_fixture() -> Iterator[FakeHub]:
    with FakeHub(page_size=3) as fake:  # small pages: listings of a few models already paginate
        yield fake


@dataclass
class HfHome:
    """An isolated HF_HOME: where configs and listings are cached during one test."""

    path: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def cache(self) -> Path:
        return self.path / "hub"

    def go_offline(self) -> None:
        self.monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def timeouts(self, seconds: int) -> None:
        from huggingface_hub import constants

        self.monkeypatch.setattr(constants, "HF_HUB_ETAG_TIMEOUT", seconds)
        self.monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", seconds)


@pytest.fixture(name="hf_home")
def hf_home_fixture(hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HfHome:
    """huggingface_hub, in this process, pointed at the fake hub with a cache of its own."""
    from huggingface_hub import constants

    home = tmp_path / "hf"
    for name, value in hub.environment(home).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(constants, "HF_ASSETS_CACHE", str(home / "assets"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    return HfHome(home, monkeypatch)


def run_nnstruct(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``nnstruct ARGS`` in a child process with ``env`` on top of ours (huggingface_hub reads it at import)."""
    full_env = {**os.environ, **env}
    full_env.pop("NNSTRUCT_CONFIG", None)
    return subprocess.run([NNSTRUCT, *args], env=full_env, cwd=cwd, capture_output=True, text=True, timeout=600)
