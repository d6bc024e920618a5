"""Entry point of the ``nnstruct`` command: the root group, error handling and command registration."""

from __future__ import annotations

import sys

import click

from nnstruct import __version__
from nnstruct.cli import output
from nnstruct.errors import EXIT_USAGE, NnstructError
from nnstruct.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="nnstruct")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Explore the structure of deep neural networks as a Neo4j graph.

    \b
    Pipeline:  ingest -> dedup -> analyze   (or all at once: nnstruct run --all)
    Database:  nnstruct neo4j start|stop|status|logs, nnstruct db init|status|reset

    \b
    Example, offline, on the architectures transformers implements:
      nnstruct neo4j start
      nnstruct run --all --source transformers
    """
    ctx.obj = Settings()


def _register() -> None:
    # Each module adds its commands to `cli`; heavy libraries are imported inside the commands.
    from nnstruct.cli import commands_registry

    for command in commands_registry.commands():
        cli.add_command(command)


def main() -> None:
    try:
        _register()
        code = cli.main(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except NnstructError as exc:
        output.err.print("[bold red]error:[/] " + output.safe(exc), markup=True, highlight=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        output.err.print("aborted")
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        # One line like every other error, with where to read more instead of click's usage block.
        context = getattr(exc, "ctx", None)
        hint = f" (see `{context.command_path} --help`)" if context is not None else ""
        message = " ".join(exc.format_message().split())
        output.err.print("[bold red]error:[/] " + output.safe(message + hint), markup=True, highlight=False)
        sys.exit(EXIT_USAGE if exc.exit_code == 2 else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        output.err.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        message = _driver_error(exc)
        if message is None:
            raise  # a bug: its traceback is what a report needs
        output.err.print("[bold red]error:[/] " + output.safe(message), markup=True, highlight=False)
        sys.exit(EXIT_USAGE)


def _driver_error(exc: Exception) -> str | None:
    """One line for an error the Neo4j driver raised where no command expected one (a constraint the user's
    database holds, a transaction the server ended, ...); None for anything else."""
    neo4j_exceptions = sys.modules.get("neo4j.exceptions")
    if neo4j_exceptions is None or not isinstance(exc, neo4j_exceptions.Neo4jError | neo4j_exceptions.DriverError):
        return None
    code = getattr(exc, "code", None)
    text = (getattr(exc, "message", None) or str(exc) or type(exc).__name__).strip().splitlines()
    return f"Neo4j: {code + ': ' if code else ''}{text[0] if text else type(exc).__name__}"


if __name__ == "__main__":
    main()
