"""Settings come from flags, then the environment, then nnstruct.toml, then defaults, and say where from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnstruct.cli.commands_registry import commands
from nnstruct.cli.main import cli
from nnstruct.errors import NnstructError
from nnstruct.settings import Settings


def test_flag_beats_environment_beats_file_beats_default(tmp_path: Path) -> None:
    config = tmp_path / "nnstruct.toml"
    config.write_text('limit = 7\nmin_models = 3\nsource = "transformers"\n')
    env = {"NNSTRUCT_CONFIG": str(config), "NNSTRUCT_LIMIT": "11"}
    settings = Settings(environ=env).with_flags(limit=None, workers=4)
    assert (settings.resolve("workers").value, settings.resolve("workers").origin) == (4, "flag")
    assert (settings.limit, settings.resolve("limit").origin) == (11, "env NNSTRUCT_LIMIT")
    assert (settings.min_models, settings.resolve("min_models").origin) == (3, str(config))
    assert (settings.similarity_threshold, settings.resolve("similarity_threshold").origin) == (0.85, "default")
    assert settings.with_flags(limit=2).limit == 2


def test_the_old_pipelines_variable_still_sets_min_models() -> None:
    settings = Settings(environ={"MODEL_EXTRACT_MIN_MODELS": "9"})
    assert (settings.min_models, settings.resolve("min_models").origin) == (9, "env MODEL_EXTRACT_MIN_MODELS")
    newer = Settings(environ={"MODEL_EXTRACT_MIN_MODELS": "9", "NNSTRUCT_MIN_MODELS": "4"})
    assert newer.min_models == 4


def test_bad_values_and_unknown_keys_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(NnstructError, match="NNSTRUCT_LIMIT: cannot read 'many'"):
        _ = Settings(environ={"NNSTRUCT_LIMIT": "many"}).limit
    config = tmp_path / "nnstruct.toml"
    config.write_text("limmit = 3\n")
    with pytest.raises(NnstructError, match="unknown setting"):
        Settings(environ={"NNSTRUCT_CONFIG": str(config)})


def test_config_command_prints_values_and_origins_and_masks_the_password(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for command in commands():
        cli.add_command(command)
    (tmp_path / "nnstruct.toml").write_text("workers = 1\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["config", "--json"],
                                env={"NNSTRUCT_LIMIT": "20", "NEO4J_PASSWORD": "secret", "NNSTRUCT_CONFIG": None})
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["limit"] == {"value": "20", "origin": "env NNSTRUCT_LIMIT"}
    assert shown["workers"]["value"] == "1" and shown["workers"]["origin"].endswith("nnstruct.toml")
    assert shown["neo4j_password"]["value"] == "********"
    assert "secret" not in result.output
