"""``nnstruct dedup``: label models by name family and/or architecture cluster, for the analyses to filter on."""

from __future__ import annotations

from typing import Any

import click

from nnstruct import api
from nnstruct.cli import output
from nnstruct.cli.options import connection_options, dedup_flags, settings_from


@click.command("dedup")
@dedup_flags
@connection_options
@click.pass_context
def dedup(ctx: click.Context, **flags: Any) -> None:
    """Group the ingested models by name family and/or by architecture, and store the grouping in the graph.

    name: each model joins a Family (config model_type, else its class without the head, else its id), and one
    model per family and task, the most downloaded, gets rep_name = true.
    architecture: every stored module tree is hashed with Weisfeiler-Lehman (networkx); trees with equal hashes
    are exact duplicates (Architecture.class_hash), trees whose WL feature cosine reaches the threshold are
    linked (SIMILAR_TO) and clustered (Cluster), and one model per cluster and task gets rep_architecture = true.
    Model.views lists the views that keep each model. A new run replaces the previous labelling of its strategy
    in one transaction.

    \b
    Example:
      nnstruct dedup
      nnstruct dedup --strategy architecture --similarity-threshold 0.9
      nnstruct dedup --strategy both --label class+shape
    """
    settings = settings_from(ctx, **flags)
    api.check_dedup(settings)  # before connecting: bad input fails fast
    summary = api.dedup(settings, log=lambda line: output.err.print(line, markup=False, highlight=False))
    for line in summary.lines():
        output.err.print(line, highlight=False, markup=False)


COMMANDS: list[click.Command] = [dedup]
