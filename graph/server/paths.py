"""Where the local Neo4j server keeps its jars, configuration, data, logs and generated password."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NEO4J_VERSION = "5.26.30"


@dataclass(frozen=True)
class ServerPaths:
    """The folder layout under ``NNSTRUCT_HOME`` (default ``~/.nnstruct``)."""

    home: Path

    @property
    def root(self) -> Path:
        return self.home / "neo4j"

    @property
    def lib_dir(self) -> Path:
        """Jars of one Neo4j version; shared by every data folder."""
        return self.root / f"lib-{NEO4J_VERSION}"

    @property
    def conf_dir(self) -> Path:
        return self.root / "conf"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def import_dir(self) -> Path:
        """The only folder LOAD CSV may read (kept empty)."""
        return self.root / "import"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.logs_dir / "console.log"

    @property
    def conf_file(self) -> Path:
        return self.conf_dir / "neo4j.conf"

    @property
    def lock_file(self) -> Path:
        """Held while a start or stop is under way, so two of them never race on one home."""
        return self.run_dir / "launcher.lock"

    @property
    def assemble_log(self) -> Path:
        """Maven's output from the last assembly of the jars."""
        return self.logs_dir / "assemble.log"

    @property
    def system_database_dir(self) -> Path:
        """Present once the server has started for the first time (the initial password is then fixed)."""
        return self.data_dir / "databases" / "system"

    @property
    def graph_dirs(self) -> tuple[Path, Path]:
        """The default database's store and transaction logs: the graph itself (the password and users live in
        the system database, beside it)."""
        return self.data_dir / "databases" / "neo4j", self.data_dir / "transactions" / "neo4j"

    @property
    def password_file(self) -> Path:
        """The generated password, owner-only (0600), so the CLI finds it by itself."""
        return self.data_dir / "nnstruct-password"

    def stored_password(self) -> str | None:
        try:
            return self.password_file.read_text().strip() or None
        except OSError:
            return None


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it owner-only (0700), also when it existed before."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path
