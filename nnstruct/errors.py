"""Errors that end a command with a one-line message instead of a traceback."""

# Exit codes scripts can rely on.
EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2


class NnstructError(Exception):
    """A failure the user can act on; the CLI prints ``str(self)`` and exits with ``exit_code``."""

    exit_code = EXIT_USAGE


class ConnectionFailed(NnstructError):
    """Neo4j could not be reached or refused the credentials."""


class ServerError(NnstructError):
    """The local Neo4j server could not be assembled, started or stopped."""


class QueryFileError(NnstructError):
    """A Cypher query file is missing, malformed or was given wrong parameters."""
