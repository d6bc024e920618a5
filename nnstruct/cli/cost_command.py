"""``nnstruct cost``: size a stored model for one workload (weights + KV cache + activations, and FLOPs)."""

from __future__ import annotations

import json
from typing import Any

import click

from nnstruct import api
from nnstruct.cli import output
from nnstruct.cli.options import connection_options, settings_from


@click.command("cost")
@click.argument("model_id")
@click.option("--seq-len", type=click.IntRange(min=1), default=None, metavar="N",
              help="Tokens per sequence (default: the reference input's, 512 or the model's maximum).")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True, metavar="B",
              help="Sequences at once.")
@click.option("--dtype", default=None, metavar="fp32|bf16|fp16|int8|int4",
              help="Precision of weights, KV cache and activations (default: the config's torch_dtype, else fp32).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a small table; json: the same figures as data.")
@connection_options
@click.pass_context
def cost(ctx: click.Context, model_id: str, seq_len: int | None, batch: int, dtype: str | None, fmt: str,
         **flags: Any) -> None:
    """Size MODEL_ID for a workload, the way people size a GPU: weight memory + KV cache (+ state) + activations
    at that length and batch, and the FLOPs of one forward pass, from the cost ingest stored.

    FLOPs come from a forward pass on the meta device counted by PyTorch's FlopCounterMode at the reference input
    (or analytic counts, with the reason); other lengths scale the attention matmuls with the square of the
    length and the rest linearly. The KV cache follows the attention layers really there (grouped-query heads,
    sliding windows capped at their window, latent attention's compressed width); state-space layers add a
    constant state per sequence. Activations: the peak of live tensors in the reference forward pass, scaled.

    \b
    Example:
      nnstruct cost transformers/llama/text-generation --seq-len 8192 --batch 4 --dtype bf16
      nnstruct cost transformers/mistral/text-generation --seq-len 32768 --format json
    """
    sizing = api.model_cost(model_id, seq_len, batch, dtype, settings_from(ctx, **flags))
    if fmt == "json":
        click.echo(json.dumps(sizing.to_json(), indent=2))
        return
    from rich.table import Table

    from nnstruct.inspection.tree_view import si

    table = Table(title=f"{sizing.model}: batch {sizing.batch} x {sizing.seq_len:,} tokens at {sizing.dtype}",
                  title_justify="left", show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("what")
    table.add_column("bytes", justify="right")
    table.add_column("", justify="right")
    table.add_row("weights", si(sizing.weight_bytes, "B"), f"{sizing.weight_bytes:,}")
    table.add_row("KV cache", si(sizing.kv_cache_bytes, "B"), f"{sizing.kv_cache_bytes:,}")
    if sizing.state_bytes:
        table.add_row("state (state-space layers)", si(sizing.state_bytes, "B"), f"{sizing.state_bytes:,}")
    if sizing.activation_bytes is not None:
        table.add_row("activations (peak, estimate)", si(sizing.activation_bytes, "B"), f"{sizing.activation_bytes:,}")
    table.add_row("total", si(sizing.total_bytes, "B"), f"{sizing.total_bytes:,}", style="bold")
    output.out.print(table)
    method = ("forward pass on the meta device (FlopCounterMode)" if sizing.flops_method == "forward"
              else f"analytic ({sizing.flops_reason})")
    output.out.print(f"FLOPs per forward pass: {si(sizing.flops_forward)} ({si(sizing.flops_per_token)} per token); "
                     f"{method}, reference input {sizing.reference_input}", highlight=False, markup=False)
    for note in sizing.notes:
        output.out.print(note, style="dim", highlight=False, markup=False)


COMMANDS: list[click.Command] = [cost]
