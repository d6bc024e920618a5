"""Every setting nnstruct reads, in one place.

Precedence, highest first: a command-line flag, then the environment variable(s) listed here, then the
optional ``nnstruct.toml`` (in the working directory, or the file named by ``NNSTRUCT_CONFIG``), then the
default. ``nnstruct config`` prints the settings in force and where each one came from.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from nnstruct.choices import Source, Strategy, parse_choice
from nnstruct.errors import NnstructError
from nnstruct.tree.wl import DEDUP_LABELS


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


def _choice(enum: type[StrEnum], what: str) -> Callable[[Any], StrEnum]:
    def parse(value: Any) -> StrEnum:
        return parse_choice(enum, value, what)

    parse.choices = enum  # type: ignore[attr-defined]
    return parse


def _label(value: Any) -> str:
    label = str(value).strip().lower()
    if label not in DEDUP_LABELS:
        raise NnstructError(f"unknown label {str(value)!r}; choose one of: {', '.join(DEDUP_LABELS)}")
    return label


@dataclass(frozen=True)
class Setting:
    name: str
    env: tuple[str, ...]
    default: Any
    parse: Callable[[Any], Any]
    help: str
    flag: str | None = None  # the command-line option; None: --name-with-dashes
    aliases: tuple[str, ...] = ()  # other spellings of the option
    metavar: str | None = None
    minimum: float | None = None  # values below are refused (numbers)
    secret: bool = False  # never printed

    @property
    def option(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def choices(self) -> tuple[str, ...] | None:
        enum = getattr(self.parse, "choices", None)
        return tuple(str(member) for member in enum) if enum is not None else None

    @property
    def shown_default(self) -> str:
        if self.default is None or self.default == ():
            return "unset"
        if isinstance(self.default, bool):
            return "yes" if self.default else "no"
        return str(self.default)

    def problem(self, value: Any) -> str | None:
        """Why a parsed value is refused (not a finite number, below ``minimum``), or None."""
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        if self.minimum is not None and value is not None and value < self.minimum:
            return f"must be {self.minimum:g} or more"
        return None


# The one table of configuration. Names are the keys of nnstruct.toml as well; command-line options, their help
# (environment variables and defaults), `nnstruct config` and the docs' settings table derive from it.
SETTINGS: tuple[Setting, ...] = (
    Setting("neo4j_uri", ("NEO4J_URI",), None, _str,
            "Bolt address of Neo4j; unset means the local server (bolt://127.0.0.1:<bolt_port>).", flag="--uri"),
    Setting("neo4j_user", ("NEO4J_USER", "NEO4J_USERNAME"), "neo4j", _str, "Neo4j user.", flag="--user"),
    Setting("neo4j_password", ("NEO4J_PASSWORD",), None, _str,
            "Neo4j password; unset means the local server's generated password.", flag="--password", secret=True),
    Setting("neo4j_database", ("NEO4J_DATABASE",), "neo4j", _str, "Neo4j database name.", flag="--database"),
    Setting("home", ("NNSTRUCT_HOME",), "~/.nnstruct", _path,
            "Folder of the local Neo4j server: jars, configuration, data, logs, password."),
    Setting("bolt_port", ("NNSTRUCT_BOLT_PORT",), 7687, _int, "Bolt port of the local server.", minimum=1),
    Setting("http_port", ("NNSTRUCT_HTTP_PORT",), 7474, _int, "HTTP port (Neo4j Browser) of the local server.",
            minimum=1),
    Setting("neo4j_heap", ("NNSTRUCT_NEO4J_HEAP",), "1g", _str, "JVM heap of the local server (-Xms/-Xmx)."),
    Setting("neo4j_pagecache", ("NNSTRUCT_NEO4J_PAGECACHE",), "512m", _str, "Page cache of the local server."),
    Setting("source", ("NNSTRUCT_SOURCE",), Source.HUB.value, _choice(Source, "source"),
            "Where models come from: the Hugging Face hub, local folders (PATH...), or every architecture the "
            "installed transformers implements; local when PATHs are given."),
    Setting("tasks", ("NNSTRUCT_TASKS",), (), _csv,
            "Comma-separated pipeline tags to ingest or analyse; empty means every task.", metavar="A,B"),
    Setting("limit", ("NNSTRUCT_LIMIT",), 50, _int,
            "hub: models listed per task, most downloaded first; transformers: model types per task "
            "(all unless given).", metavar="N", minimum=0),
    Setting("min_models", ("NNSTRUCT_MIN_MODELS", "MODEL_EXTRACT_MIN_MODELS"), 5, _int,
            "hub: skip a task that lists fewer models than this.", metavar="N", minimum=0),
    Setting("workers", ("NNSTRUCT_WORKERS",), 2, _int,
            "Processes that build models (ingest) and draw charts (analyze) in parallel; 0 builds in this process.",
            metavar="N", minimum=0),
    Setting("trust_remote_code", ("NNSTRUCT_TRUST_REMOTE_CODE",), False, _bool,
            "Build models whose code lives on the hub or in the folder, running that code (a security decision); "
            "otherwise such models are recorded as skipped."),
    Setting("build_timeout", ("NNSTRUCT_BUILD_TIMEOUT",), 300.0, _float,
            "Seconds one model's build may take before it is recorded as failed and the run goes on (0: no limit).",
            metavar="SECONDS", minimum=0),
    Setting("dedup_strategy", ("NNSTRUCT_DEDUP_STRATEGY",), Strategy.NAME.value, _choice(Strategy, "dedup strategy"),
            "name: families by base name; architecture: clusters of near-identical module trees; both.",
            aliases=("--strategy",)),
    Setting("similarity_threshold", ("NNSTRUCT_SIMILARITY_THRESHOLD",), 0.85, _float,
            "Cosine of WL subtree features, in (0, 1], from which two trees are near duplicates.", metavar="T"),
    Setting("dedup_label", ("NNSTRUCT_DEDUP_LABEL",), "class", _label,
            "What WL labels each module with for architecture dedup: its class name, or its class and shape "
            "attributes.", flag="--label", metavar="|".join(DEDUP_LABELS)),
    Setting("output_dir", ("NNSTRUCT_OUTPUT_DIR",), None, _path,
            "Analysis output folder; unset means analysis_result_<view> in the working directory (one sub-folder "
            "per view when there are several).", metavar="DIR"),
    Setting("single_html", ("NNSTRUCT_SINGLE_HTML",), False, _bool,
            "Also write reports/analysis_report.html: the whole report as one self-contained file (images "
            "inlined), for sharing; reports/index.html and its pages are written either way."),
)

SETTING: dict[str, Setting] = {s.name: s for s in SETTINGS}


def bool_setting(setting: Setting) -> bool:
    return setting.parse is _bool


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
    unknown = sorted(set(data) - set(SETTING))
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
            if name not in SETTING:
                raise KeyError(f"unknown setting {name}")
        return Settings(self.environ, merged, self.config_path, self._file)

    def resolve(self, name: str) -> Resolved:
        setting = SETTING[name]
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
        if name in SETTING:
            return self.get(name)
        raise AttributeError(name)

    @staticmethod
    def _parse(setting: Setting, raw: Any, origin: str) -> Any:
        where = setting.option if origin == "flag" else f"setting {setting.name} from {origin}"
        try:
            value = setting.parse(raw)
        except NnstructError as exc:
            raise NnstructError(f"{where}: {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise NnstructError(f"{where}: cannot read {raw!r} ({exc})") from exc
        problem = setting.problem(value)
        if problem:
            raise NnstructError(f"{where} {problem}, not {value}")
        return value

    def table(self) -> list[tuple[str, Any, str, str]]:
        """Rows of (name, value, origin, help) for ``nnstruct config``; the password is masked."""
        rows = []
        for setting in SETTINGS:
            resolved = self.resolve(setting.name)
            value = resolved.value
            if setting.secret and value:
                value = "********"
            rows.append((setting.name, value, resolved.origin, setting.help))
        return rows
