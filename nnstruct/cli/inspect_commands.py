"""``nnstruct show | diff | export``: look at one stored module tree, compare two, or write them to files."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nnstruct import api
from nnstruct.cli import output
from nnstruct.cli.options import connection_options, settings_from
from nnstruct.errors import NnstructError

if TYPE_CHECKING:
    from nnstruct.graph.model_trees import StoredModel


def _print_unwrapped(renderable: Any) -> None:
    """Print to stdout; when it is not a terminal, as wide as the table needs so piped output does not wrap."""
    console = output.out
    if console.is_terminal:
        console.print(renderable)
        return
    from rich.console import Console
    from rich.measure import Measurement

    width = Measurement.get(console, console.options.update(max_width=100_000), renderable).maximum
    # Console.print(width=) cannot go past the console's own width (80 when piped): use a console that wide.
    Console(width=max(width, 80), soft_wrap=False, highlight=False, markup=False).print(renderable)


@click.command("show")
@click.argument("model_id")
@click.option("--depth", type=click.IntRange(min=0), default=None, metavar="N",
              help="Show modules down to nesting level N (root = 0; default: all).")
@click.option("--fold/--no-fold", default=True, show_default=True,
              help="Show consecutive identical sibling blocks once with a count (BertLayer x12).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Write the tree as one self-contained interactive page (collapsible, searchable) instead.")
@click.option("--cost", is_flag=True,
              help="Add FLOPs and share-of-the-forward-pass columns, and the model's weights and KV cache.")
@connection_options
@click.pass_context
def show(ctx: click.Context, model_id: str, depth: int | None, fold: bool, html_file: Path | None, cost: bool,
         **flags: Any) -> None:
    """Print MODEL_ID's components (attention variant, norms, feed-forward, MoE, position, token mixers,
    embeddings), then its module tree, torchinfo-style: layer (type:depth-idx), path, class, own and subtree
    parameters, depth; repeated blocks folded, shared (tied) modules marked, totals at the bottom.

    Total params are counted once per tensor (tied weights once), as ingest stored them on the model.

    \b
    Example:
      nnstruct show transformers/bert/text-classification --depth 3
      nnstruct show transformers/bert/text-classification --no-fold
      nnstruct show transformers/bert/text-classification --html bert.html
      nnstruct show transformers/llama/text-generation --depth 3 --cost
    """
    from nnstruct.inspection.tree_view import render

    settings = settings_from(ctx, **flags)
    model = api.stored_model(model_id, settings)
    if html_file is not None:
        from nnstruct.analysis.model_page import write_page

        try:
            click.echo(str(write_page(model, html_file, folded=fold)))
        except OSError as exc:
            raise NnstructError(f"cannot write {html_file}: {exc.strerror or exc}") from exc
        return
    _print_components(api.stored_components(model_id, settings))
    _print_unwrapped(render(model, max_depth=depth, folded=fold, cost=cost))


def _print_components(components: list[Any]) -> None:
    """The model's components above its tree (a hint when none are stored yet)."""
    from rich.text import Text

    from nnstruct.components.compare import lines

    if not components:
        output.out.print("components: none stored yet (run `nnstruct components`)", markup=False, highlight=False)
        return
    output.out.print(Text("Components", style="bold"))
    for line in lines(components):
        output.out.print(Text(f"  {line}"), highlight=False)
    output.out.print()


@click.command("diff")
@click.argument("model_a")
@click.argument("model_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one coloured line per change; json: the same changes as data.")
@connection_options
@click.pass_context
def diff(ctx: click.Context, model_a: str, model_b: str, fmt: str, **flags: Any) -> None:
    """Structural diff of two stored module trees: component differences first ("attention: MHA -> GQA 4:1"),
    then modules added, removed, changed class or shape (in/out features, kernel, ...), with repeated blocks
    aligned, plus their Weisfeiler-Lehman similarity.

    Both trees are folded first (runs of identical consecutive siblings count as one block), then aligned by
    path, so 12 BERT layers against 6 read `encoder.layer: BertLayer x12 -> x6 (6 removed: 6..11)`. Paths
    with `*` stand for every member of a folded block. Lines start with `-` (only in A), `+` (only in B) or
    `~` (in both, changed). Exit code 0 whether or not they differ.

    \b
    Example:
      nnstruct diff transformers/bert/text-classification transformers/roberta/text-classification
      nnstruct diff transformers/bert/fill-mask transformers/gpt2/text-generation --format json
    """
    from nnstruct.inspection.tree_diff import render

    result = api.diff_models(model_a, model_b, settings_from(ctx, **flags))
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        _print_unwrapped(render(result))


def _export_help() -> str:
    from nnstruct.inspection.export import COLUMNS

    width = max(len(name) for name in COLUMNS)
    columns = "\n".join(f"  {name:<{width}}  {meaning}" for name, meaning in COLUMNS.items())
    return _EXPORT_HELP.replace("{columns}", columns)


_EXPORT_HELP = """Write the module trees of one or more stored models: one row per module, keyed by path.

csv: one row per module (what named_modules() yields, in that order). The old pipeline's per-model layer CSV
columns (model id, task, layer name, layer type, nesting level, parameters) are model_id, task,
path/layer_name, layer_type, depth and own_params/subtree_params. json: {"columns": ..., "models":
[{"model": ..., "modules": [rows]}]}. graphml: the tree as a directed graph (node id = path, the root is
"(root)"; edges kind=child, or kind=tied for shared modules) for Gephi, yEd and networkx.read_graphml.

Several models: csv and json go to ONE file (or stdout), told apart by model_id. When --output is an
existing folder (or ends with /), and always for graphml, each model gets its own file in that folder, named
after its id with / as __ (transformers__bert__fill-mask.graphml).

\b
Columns (csv, json):
{columns}

\b
Example:
  nnstruct export transformers/bert/text-classification > bert.csv
  nnstruct export transformers/bert/fill-mask transformers/gpt2/text-generation -o trees.csv
  nnstruct export transformers/bert/fill-mask transformers/t5/translation --format graphml -o graphs/
"""


def _as_folder(output_given: str | None, fmt: str, count: int) -> bool:
    """Whether --output names a folder for one file per model (the raw text: Path() drops a trailing /)."""
    if output_given is None:
        if fmt == "graphml" and count > 1:
            raise NnstructError("graphml writes one file per model: give --output FOLDER for several models")
        return False
    if Path(output_given).expanduser().is_dir() or output_given.endswith(("/", "\\")):
        return True
    return fmt == "graphml" and count > 1


def _write(trees: list[StoredModel], fmt: str, stream: Any) -> int:
    from nnstruct.inspection import export

    if fmt == "csv":
        return export.write_csv(trees, stream)
    if fmt == "json":
        return export.write_json(trees, stream)
    return export.write_graphml(trees[0], stream)


def _open(path: Path, fmt: str) -> Any:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "wb") if fmt == "graphml" else open(path, "w", newline="", encoding="utf-8")
    except OSError as exc:
        raise NnstructError(f"cannot write {path}: {exc.strerror or exc}") from exc


@click.command("export", help=_export_help())
@click.argument("model_ids", nargs=-1, required=True, metavar="MODEL_ID...")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "graphml"]), default="csv", show_default=True,
              help="File format (see above).")
@click.option("--output", "-o", "output_given", type=click.Path(), default=None,
              help="File to write, or a folder for one file per model (default: stdout).")
@connection_options
@click.pass_context
def export_command(ctx: click.Context, model_ids: tuple[str, ...], fmt: str, output_given: str | None,
                   **flags: Any) -> None:
    from nnstruct.graph.connection import connect
    from nnstruct.inspection.export import file_stem

    ids = list(dict.fromkeys(model_ids))
    output_path = Path(output_given).expanduser() if output_given else None
    folder = _as_folder(output_given, fmt, len(ids))
    settings = settings_from(ctx, **flags)
    with connect(settings) as graph:
        trees = [api.stored_model(model_id, settings, graph) for model_id in ids]
    if output_path is None:
        if fmt == "graphml":
            buffer = io.BytesIO()
            _write(trees, fmt, buffer)
            sys.stdout.buffer.write(buffer.getvalue())
            sys.stdout.flush()
        else:
            _write(trees, fmt, sys.stdout)
        return
    if folder:
        assert output_path is not None
        used: set[str] = set()
        for tree in trees:
            stem = file_stem(tree.model_id)
            while stem in used:
                stem += "_"
            used.add(stem)
            target = output_path / f"{stem}.{fmt}"
            with _open(target, fmt) as stream:
                rows = _write([tree], fmt, stream)
            output.err.print(f"{tree.model_id}: {rows:,} modules -> {target}", highlight=False)
        return
    with _open(output_path, fmt) as stream:
        rows = _write(trees, fmt, stream)
    output.err.print(f"{len(trees)} model(s), {rows:,} modules -> {output_path}", highlight=False)


COMMANDS: list[click.Command] = [show, diff, export_command]
