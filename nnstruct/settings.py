"""Every setting nnstruct reads, in one place.

Precedence, highest first: a command-line flag, then the environment variable(s) listed here, then the
optional ``nnstruct.toml`` (in the working directory, or the file named by ``NNSTRUCT_CONFIG``), then the
default. ``nnstruct config`` prints the settings in force and where each one came from.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from nnstruct.choices import Source, Strategy, parse_choice
from nnstruct.errors import NnstructError
from nnstruct.tree.wl import DEDUP_LABELS

# Parsers double as the one validation of every value, whatever its origin (flag, environment, file): a value
# they refuse raises ValueError with the reason, and Settings turns that into one line naming setting and origin.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MEMORY = re.compile(r"^\d{1,6}[kKmMgG]?$")


def _int(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("not a whole number")
    try:
        return int(str(value).strip()) if not isinstance(value, int | float) else int(value)
    except ValueError:
        raise ValueError("not a whole number") from None


def _port(value: Any) -> int:
    number = _int(value)
    if not 0 < number < 65536:
        raise ValueError("must be a TCP port, 1-65535")
    return number


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    return float(value)  # finiteness and minimum: Setting.problem


def _str(value: Any) -> str:
    text = str(value)
    if _CONTROL.search(text):
        raise ValueError("holds a control character (a newline?)")
    return text


def _memory(value: Any) -> str:
    text = str(value).strip()
    if not _MEMORY.match(text):
        raise ValueError("must be a JVM size such as 512m or 2g")
    return text


def _path(value: Any) -> Path:
    return Path(_str(value)).expanduser()


def _csv(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        return tuple(_str(v).strip() for v in value if str(v).strip())
    return tuple(part.strip() for part in _str(value).split(",") if part.strip())


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("not a yes/no value")


def _shard(value: Any) -> tuple[int, int]:
    """``I/N``: shard I of N, counted from 0."""
    text = _str(value).strip()
    index, slash, count = text.partition("/")
    if not slash or not index.strip().isdigit() or not count.strip().isdigit():
        raise ValueError("must be I/N, e.g. 0/4")
    i, n = int(index), int(count)
    if n < 1 or not 0 <= i < n:
        raise ValueError(f"shard {i} of {n}: need N >= 1 and 0 <= I < N")
    return i, n


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
    Setting("bolt_port", ("NNSTRUCT_BOLT_PORT",), 7687, _port, "Bolt port of the local server."),
    Setting("http_port", ("NNSTRUCT_HTTP_PORT",), 7474, _port, "HTTP port (Neo4j Browser) of the local server."),
    # Both are written into neo4j.conf: a JVM size and nothing else (a newline would inject configuration lines).
    Setting("neo4j_heap", ("NNSTRUCT_NEO4J_HEAP",), "1g", _memory, "JVM heap of the local server (-Xms/-Xmx)."),
    Setting("neo4j_pagecache", ("NNSTRUCT_NEO4J_PAGECACHE",), "512m", _memory, "Page cache of the local server."),
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
    Setting("write_batch", ("NNSTRUCT_WRITE_BATCH",), 2000, _int,
            "Models that bring no new tree (linked to a stored one, failed, skipped) written per transaction; "
            "1 writes each alone.", metavar="N", minimum=1),
    Setting("shard", ("NNSTRUCT_SHARD",), None, _shard,
            "Ingest only shard I of N (0 <= I < N) of the candidates, chosen by a hash of the model id, so N "
            "processes or machines can share one run into one Neo4j.", metavar="I/N"),
    Setting("cost", ("NNSTRUCT_COST",), False, _bool,
            "Count each new tree's cost while building it: FLOPs per module (a forward pass on the meta device), "
            "weight memory, KV cache. Off by default: it adds about a third to a whole-catalogue ingest's time "
            "(docs/cost.md)."),
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


# Settings a nnstruct.toml found in the working directory may not set: whoever wrote the folder (a cloned repo, a
# shared directory) would otherwise decide to run hub code, where the password goes, or which server is started.
# A flag, the environment or a file named by NNSTRUCT_CONFIG (the user's own choice) still may.
SECURITY_SETTINGS = ("trust_remote_code", "neo4j_uri", "home")
CONFIG_MAX_BYTES = 64 * 1024


def _read_config_file(path: Path | None, explicit: bool = True) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        if path.stat().st_size > CONFIG_MAX_BYTES:
            raise NnstructError(f"{path} is larger than {CONFIG_MAX_BYTES // 1024} KiB; is it really nnstruct's?")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise NnstructError(f"cannot read {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NnstructError(f"cannot read {path}: {exc}") from exc
    unknown = sorted(set(data) - set(SETTING))
    if unknown:
        raise NnstructError(f"{path}: unknown setting(s) {', '.join(unknown)}; see `nnstruct config`")
    refused = [name for name in SECURITY_SETTINGS if name in data]
    if refused and not explicit:
        raise NnstructError(
            f"REFUSED: {path} in the working directory sets {', '.join(refused)}, which only a flag, an environment "
            "variable or a file named by NNSTRUCT_CONFIG may set; remove the line(s) or use one of those"
        )
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
            self._file = _read_config_file(self.config_path, explicit=bool(self.environ.get("NNSTRUCT_CONFIG")))

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
