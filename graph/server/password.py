"""The local server's password: ``NEO4J_PASSWORD`` if set, else one generated on first start and stored 0600.

Neo4j fixes the initial password of user ``neo4j`` when the system database is first created, so it is set
with the admin tool (``dbms set-initial-password``) before the first start; later starts change nothing.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nnstruct.errors import ServerError
from nnstruct.graph.server.paths import ServerPaths, private_dir
from nnstruct.graph.server.server_config import admin_command, java_environment
from nnstruct.settings import Settings

MIN_LENGTH = 8  # Neo4j's dbms.security.auth_minimum_password_length default
GENERATED_LENGTH = 24  # letters and digits: ~142 bits
# Letters and digits only, starting with a letter: nothing the admin tool's parser reads as an option (a leading
# "-"), a quote, a comment ("#") or an argument file ("@").
_FIRST = string.ascii_letters
_REST = string.ascii_letters + string.digits


def generate_password() -> str:
    """A new password for the local server, safe for the admin tool however it is passed."""
    return secrets.choice(_FIRST) + "".join(secrets.choice(_REST) for _ in range(GENERATED_LENGTH - 1))


@dataclass(frozen=True)
class InitialPassword:
    value: str
    origin: str  # "NEO4J_PASSWORD" or the password file it was stored in


def local_password(paths: ServerPaths, settings: Settings) -> str | None:
    """The password to reach the local server with: NEO4J_PASSWORD (unless it is meant for a remote
    server named by NEO4J_URI), else the stored one."""
    if settings.neo4j_uri is None and settings.neo4j_password:
        return settings.neo4j_password
    return paths.stored_password()


def store_password(paths: ServerPaths, password: str) -> None:
    """Write the password readable by its owner only, never briefly world-readable."""
    private_dir(paths.data_dir)
    fd = os.open(paths.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    os.chmod(paths.password_file, 0o600)


def choose_initial_password(paths: ServerPaths, settings: Settings) -> InitialPassword:
    given = settings.neo4j_password if settings.neo4j_uri is None else None
    if given:
        if len(given) < MIN_LENGTH:
            raise ServerError(f"NEO4J_PASSWORD must have at least {MIN_LENGTH} characters for Neo4j")
        return InitialPassword(given, "NEO4J_PASSWORD")
    stored = paths.stored_password()
    if stored is None:
        stored = generate_password()
        store_password(paths, stored)
    return InitialPassword(stored, str(paths.password_file))


def is_initialised(paths: ServerPaths) -> bool:
    return paths.system_database_dir.exists()


def argument_file_line(password: str) -> str:
    """The password as one quoted argument of a picocli argument file (``@file``): backslash and quote escaped."""
    return '"' + password.replace("\\", "\\\\").replace('"', '\\"') + '"'


def set_initial_password(java: Path, paths: ServerPaths, password: str) -> None:
    """Fix the password the first start gives user ``neo4j`` (written to ``data/dbms/auth.ini``).

    The password goes to the admin tool in an owner-only argument file (picocli's ``@file``), never on its
    command line where ``ps`` shows it to every user; ``--`` before it keeps a leading ``-`` from reading as an
    option.
    """
    private_dir(paths.data_dir)
    fd, name = tempfile.mkstemp(prefix=".initial-password-", dir=paths.data_dir)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"dbms\nset-initial-password\n--\n{argument_file_line(password)}\n")
        command = admin_command(java, paths, f"@{name}")
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              env=java_environment(paths, dict(os.environ)), timeout=120, umask=0o077)
    finally:
        Path(name).unlink(missing_ok=True)
    if done.returncode != 0:
        raise ServerError(f"could not set the initial Neo4j password: {_first_message(done.stderr + done.stdout)}")


def _first_message(output: str) -> str:
    """The first line of a Java error that is not a stack frame (it says what was wrong)."""
    for line in output.splitlines():
        line = line.strip()
        if line and not line.startswith(("at ", "...")):
            return line
    return "the admin tool failed without a message"


def check_password_known(paths: ServerPaths, settings: Settings) -> None:
    """Before starting an existing database: refuse early if nothing tells us its password."""
    if local_password(paths, settings) is None:
        raise ServerError(
            f"the data folder {paths.data_dir} was initialised with a password that is not stored in "
            f"{paths.password_file}; set NEO4J_PASSWORD to it, or delete {paths.data_dir} to start afresh"
        )
