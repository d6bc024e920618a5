"""Every setting nnstruct reads, in one place.

Precedence, highest first: a command-line flag, then the environment variable(s) listed here, then the
optional ``nnstruct.toml`` (in the working directory, or the file named by ``NNSTRUCT_CONFIG``), then the
default. ``nnstruct config`` prints the settings in force and where each one came from.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnstruct.errors import NnstructError


def _int(value: Any) -> int:
    return int(value)


def _float(value: Any) -> float:
    return float(value)


def _str(value: Any) -> str:
    return str(value)


def _path(value: Any) -> Path:
    return Path(str(value)).expanduser()


def _csv(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(part.strip() for part in str(value).split(",") if part.strip())


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Setting:
    name: str
    env: tuple[str, ...]
    default: Any
    parse: Callable[[Any], Any]
    help: str


# The one table of configuration. Names are the keys of nnstruct.toml as well.
SETTINGS: tuple[Setting, ...] = (
    Setting("neo4j_uri", ("NEO4J_URI",), None, _str,
            "Bolt address of Neo4j; unset means the local server (bolt://127.0.0.1:<bolt_port>)."),
    Setting("neo4j_user", ("NEO4J_USER", "NEO4J_USERNAME"), "neo4j", _str, "Neo4j user."),
    Setting("neo4j_password", ("NEO4J_PASSWORD",), None, _str,
            "Neo4j password; unset means the local server's generated password."),
    Setting("neo4j_database", ("NEO4J_DATABASE",), "neo4j", _str, "Neo4j database name."),
    Setting("home", ("NNSTRUCT_HOME",), "~/.nnstruct", _path,
            "Folder of the local Neo4j server: jars, configuration, data, logs, password."),
    Setting("bolt_port", ("NNSTRUCT_BOLT_PORT",), 7687, _int, "Bolt port of the local server."),
    Setting("http_port", ("NNSTRUCT_HTTP_PORT",), 7474, _int, "HTTP port (Neo4j Browser) of the local server."),
    Setting("neo4j_heap", ("NNSTRUCT_NEO4J_HEAP",), "1g", _str, "JVM heap of the local server (-Xms/-Xmx)."),
    Setting("neo4j_pagecache", ("NNSTRUCT_NEO4J_PAGECACHE",), "512m", _str, "Page cache of the local server."),
    Setting("source", ("NNSTRUCT_SOURCE",), "hub", _str, "Ingest source: hub, local or transformers."),
    Setting("tasks", ("NNSTRUCT_TASKS",), (), _csv,
            "Comma-separated pipeline tags to ingest; empty means every task transformers can build."),
    Setting("limit", ("NNSTRUCT_LIMIT",), 50, _int, "Models per task listed from the hub, most downloaded first."),
    Setting("min_models", ("NNSTRUCT_MIN_MODELS", "MODEL_EXTRACT_MIN_MODELS"), 5, _int,
            "Skip a hub task that lists fewer models than this."),
    Setting("workers", ("NNSTRUCT_WORKERS",), 2, _int,
            "Processes that build models (ingest) and draw charts (analyze) in parallel."),
    Setting("trust_remote_code", ("NNSTRUCT_TRUST_REMOTE_CODE",), False, _bool,
            "Run model code from the hub for models that need it (a security decision)."),
    Setting("build_timeout", ("NNSTRUCT_BUILD_TIMEOUT",), 300.0, _float,
            "Seconds one model's build may take before it is recorded as failed (0: no limit)."),
    Setting("dedup_strategy", ("NNSTRUCT_DEDUP_STRATEGY",), "name", _str,
            "Dedup strategy: name, architecture or both."),
    Setting("similarity_threshold", ("NNSTRUCT_SIMILARITY_THRESHOLD",), 0.85, _float,
            "Near-duplicate threshold for architecture dedup, in (0, 1]."),
    Setting("output_dir", ("NNSTRUCT_OUTPUT_DIR",), None, _path,
            "Analysis output folder; unset means analysis_result_<view> in the working directory."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Resolved:
    value: Any
    origin: str  # "flag", "env NAME", "nnstruct.toml", "default"


def _config_file(environ: Mapping[str, str]) -> Path | None:
    explicit = environ.get("NNSTRUCT_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise NnstructError(f"NNSTRUCT_CONFIG names {path}, which is not a file")
        return path
    local = Path.cwd() / "nnstruct.toml"
    return local if local.is_file() else None


def _read_config_file(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NnstructError(f"cannot read {path}: {exc}") from exc
    unknown = sorted(set(data) - set(_BY_NAME))
    if unknown:
        raise NnstructError(f"{path}: unknown setting(s) {', '.join(unknown)}; see `nnstruct config`")
    return data


@dataclass
class Settings:
    """Settings in force for one invocation; flags are layered on with :meth:`with_flags`."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    flags: dict[str, Any] = field(default_factory=dict)
    config_path: Path | None = None
    _file: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self._file is None:
            self.config_path = _config_file(self.environ)
            self._file = _read_config_file(self.config_path)

    def with_flags(self, **flags: Any) -> Settings:
        """A copy with these flag values on top; ``None`` means the flag was not given."""
        merged = {**self.flags, **{k: v for k, v in flags.items() if v is not None}}
        for name in merged:
            if name not in _BY_NAME:
                raise KeyError(f"unknown setting {name}")
        return Settings(self.environ, merged, self.config_path, self._file)

    def resolve(self, name: str) -> Resolved:
        setting = _BY_NAME[name]
        if name in self.flags:
            return Resolved(self._parse(setting, self.flags[name], "flag"), "flag")
        for var in setting.env:
            raw = self.environ.get(var)
            if raw not in (None, ""):
                return Resolved(self._parse(setting, raw, f"env {var}"), f"env {var}")
        assert self._file is not None
        if name in self._file:
            return Resolved(self._parse(setting, self._file[name], str(self.config_path)), str(self.config_path))
        default = setting.default
        return Resolved(setting.parse(default) if default is not None else None, "default")

    def get(self, name: str) -> Any:
        return self.resolve(name).value

    def __getattr__(self, name: str) -> Any:
        if name in _BY_NAME:
            return self.get(name)
        raise AttributeError(name)

    @staticmethod
    def _parse(setting: Setting, raw: Any, origin: str) -> Any:
        try:
            return setting.parse(raw)
        except (TypeError, ValueError) as exc:
            raise NnstructError(f"setting {setting.name} from {origin}: cannot read {raw!r} ({exc})") from exc

    def table(self) -> list[tuple[str, Any, str, str]]:
        """Rows of (name, value, origin, help) for ``nnstruct config``; the password is masked."""
        rows = []
        for setting in SETTINGS:
            resolved = self.resolve(setting.name)
            value = resolved.value
            if setting.name == "neo4j_password" and value:
                value = "********"
            rows.append((setting.name, value, resolved.origin, setting.help))
        return rows
