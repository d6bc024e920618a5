"""``nnstruct components``: detect what each stored tree is made of (attention variant, norms, FFN, MoE, ...)."""

from __future__ import annotations

from typing import Any

import click

from nnstruct import api
from nnstruct.cli import output
from nnstruct.cli.options import connection_options, settings_from


@click.command("components")
@click.option("--force", is_flag=True, help="Detect again every stored tree, not only missing or stale ones.")
@connection_options
@click.pass_context
def components(ctx: click.Context, force: bool, **flags: Any) -> None:
    """Detect the components of every stored tree whose components are missing or came from another detector
    version: attention (MHA/GQA/MQA/MLA, self/cross, sliding/windowed), normalisation (kind, pre/post),
    feed-forward (plain/gated, activation), mixture-of-experts, position information, token mixers, embeddings.

    Ingest detects the components of each new tree already; this command catches up on trees stored before, or
    after the rules changed (components/rules/). Each tree is detected once, whatever its number of models.

    \b
    Example:
      nnstruct components
      nnstruct components --force
    """
    log = lambda line: output.err.print(line, highlight=False, markup=False)  # noqa: E731
    summary = api.components(settings_from(ctx, **flags), force=force, log=log)
    for line in summary.lines():
        log(line)


COMMANDS: list[click.Command] = [components]
