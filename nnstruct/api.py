"""The Python API: each stage with validated options, typed results, and callbacks for progress instead of prints.

The CLI is a thin layer over these functions (it parses flags into :class:`~nnstruct.settings.Settings` and prints
what they return), so scripts and notebooks get exactly what the commands do::

    from nnstruct import api
    from nnstruct.settings import Settings

    summary = api.run_pipeline(Settings().with_flags(source="transformers", tasks=("fill-mask",)))
    frame = api.run_query("analysis/layer_types_per_task", view="name")

Settings follow the same precedence as the CLI (flags given to ``with_flags``, then ``NNSTRUCT_*``/``NEO4J_*``
variables, then ``nnstruct.toml``, then defaults). Bad input raises :class:`~nnstruct.errors.NnstructError`
before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnstruct.choices import VIEW_CHOICES, Strategy, View, choose, parse_choice, views_for
from nnstruct.errors import EXIT_OK, EXIT_SOME_FAILED, NnstructError
from nnstruct.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

    from nnstruct.analysis.analyze import AnalysisResult
    from nnstruct.components import Component, ComponentsSummary
    from nnstruct.cost.sizing import Sizing
    from nnstruct.dedup.runner import DedupSummary
    from nnstruct.graph.connection import Graph
    from nnstruct.graph.model_trees import StoredModel
    from nnstruct.ingest.options import IngestOptions
    from nnstruct.ingest.runner import IngestResult, Progress
    from nnstruct.inspection.tree_diff import TreeDiff

Log = Callable[[str], None]
STAGES = ("ingest", "dedup", "analyze")


def _quiet(_message: str) -> None:
    pass


@contextmanager
def _graph(settings: Settings, graph: Graph | None) -> Iterator[Graph]:
    """The caller's graph, or a connection of our own for the call."""
    if graph is not None:
        yield graph
        return
    from nnstruct.graph.connection import connect

    with connect(settings) as connected:
        yield connected


# -- ingest -------------------------------------------------------------------------------------------------------

def ingest_options(settings: Settings | None = None, paths: Sequence[Path] = (), force: bool = False
                   ) -> IngestOptions:
    """The checked options of an ingest run (raises on bad input)."""
    from nnstruct.ingest.options import IngestOptions

    return IngestOptions.from_settings(settings or Settings(), tuple(paths), force)


def ingest(settings: Settings | None = None, paths: Sequence[Path] = (), force: bool = False,
           progress: Progress | None = None, graph: Graph | None = None) -> IngestResult:
    """List models from the configured source, build each on the meta device, store its tree in Neo4j."""
    from nnstruct.ingest.runner import run_ingest, source_candidates

    settings = settings or Settings()
    options = ingest_options(settings, paths, force)
    with _graph(settings, graph) as connected:
        return run_ingest(connected, source_candidates(options), options, progress)


# -- dedup --------------------------------------------------------------------------------------------------------

def check_dedup(settings: Settings) -> Strategy:
    from nnstruct.dedup.runner import validate

    return validate(settings.dedup_strategy, settings.similarity_threshold, settings.dedup_label)


def dedup(settings: Settings | None = None, log: Log | None = None, graph: Graph | None = None) -> DedupSummary:
    """Label models by name family and/or architecture cluster (the ``dedup_strategy`` setting)."""
    from nnstruct.dedup.runner import run_dedup
    from nnstruct.graph.schema import init_schema

    settings = settings or Settings()
    strategy = check_dedup(settings)
    with _graph(settings, graph) as connected:
        init_schema(connected)
        return run_dedup(connected, strategy, settings.similarity_threshold, settings.dedup_label, log=log)


# -- analyze ------------------------------------------------------------------------------------------------------

def analysis_views(settings: Settings, view: str | None = None) -> list[View]:
    """The views to analyse: ``view`` (``none``, ``name``, ``architecture`` or ``both``), else the ones the
    ``dedup_strategy`` setting labels."""
    choice = view if view is not None else settings.dedup_strategy
    return views_for(choose(VIEW_CHOICES, choice, "view"))


def analyze(settings: Settings | None = None, view: str | None = None, append_timestamp: bool = False,
            log: Log | None = None, graph: Graph | None = None) -> list[AnalysisResult]:
    """Run every shipped analysis for each view into its folder (``output_dir`` setting, else
    ``analysis_result_<view>``), for the tasks of the ``tasks`` setting (empty: all)."""
    from nnstruct.analysis.analyze import run_analysis
    from nnstruct.analysis.workspace import output_dirs

    settings = settings or Settings()
    views = analysis_views(settings, view)
    folders = output_dirs([str(v) for v in views], settings.output_dir, append_timestamp)
    say = log or _quiet
    results = []
    with _graph(settings, graph) as connected:
        for name, folder in folders.items():
            say(f"analysing view {name} into {folder}")
            results.append(run_analysis(connected, name, list(settings.tasks) or None, folder, log=say,
                                        chart_workers=max(1, settings.workers), single_html=settings.single_html))
    return results


# -- the pipeline -------------------------------------------------------------------------------------------------

@dataclass
class RunSummary:
    """What :func:`run_pipeline` did; ``to_json()`` is what ``nnstruct run --json`` prints."""

    stages: list[str]
    started_local_server: bool = False
    ingest: IngestResult | None = None
    dedup: DedupSummary | None = None
    components: ComponentsSummary | None = None
    analysis: list[AnalysisResult] = field(default_factory=list)
    exit_code: int = EXIT_OK

    def to_json(self) -> dict[str, Any]:
        ingest = None
        if self.ingest is not None:
            result = self.ingest
            ingest = {
                "ok": result.ok, "skipped": len(result.skipped), "failed": len(result.failures),
                "already_ingested": sum(result.already_ingested.values()),
                "architectures_created": result.architectures_created, "modules_written": result.modules_written,
                "seconds": round(result.seconds, 1),
                "per_task": {task: dict(counts) for task, counts in sorted(result.counts().items())},
                "failures": [{"id": r.id, "task": r.task, "reason": r.reason} for r in result.failures],
                "exit_code": result.exit_code,
            }
        analysis = [{
            "view": result.view, "output_dir": str(result.output_dir), "charts": len(result.charts),
            "csvs": len(result.csvs), "report_markdown": str(result.report_markdown),
            "report_html": str(result.report_html), "seconds": round(result.seconds, 1),
        } for result in self.analysis]
        return {"stages": self.stages, "started_local_server": self.started_local_server, "ingest": ingest,
                "dedup": asdict(self.dedup) if self.dedup is not None else None,
                "components": self.components.to_json() if self.components is not None else None,
                "analysis": analysis,
                "exit_code": self.exit_code}


def ensure_server(settings: Settings, log: Log | None = None) -> bool:
    """Start the local Neo4j when no server is configured and none runs; True when this call started it."""
    if settings.neo4j_uri is not None:
        return False
    from nnstruct.graph.server.launcher import ensure_running

    return ensure_running(settings, timeout=300, echo=log or _quiet)


def run_pipeline(settings: Settings | None = None, stages: Sequence[str] = STAGES, paths: Sequence[Path] = (),
                 force: bool = False, append_timestamp: bool = False, log: Log | None = None,
                 progress: Progress | None = None, on_stage: Callable[[str], None] | None = None,
                 on_result: Callable[[str, Any], None] | None = None) -> RunSummary:
    """Run the chosen stages in order (ingest -> dedup -> analyze), starting the local Neo4j when needed.

    Bad input of any stage fails before anything starts or is written. ``on_stage`` is told each stage's name as
    it begins and ``on_result`` its name and result as it ends; ``log`` gets progress lines; ``progress`` follows
    the ingest.
    """
    settings = settings or Settings()
    unknown = [stage for stage in stages if stage not in STAGES]
    if unknown or not stages:
        raise NnstructError(f"unknown stage(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(STAGES)}")
    if "ingest" in stages:
        ingest_options(settings, paths, force)
    if "dedup" in stages:
        check_dedup(settings)
    if "analyze" in stages:
        analysis_views(settings)
    begin = on_stage or _quiet
    end = on_result or (lambda _name, _result: None)
    summary = RunSummary(stages=list(stages), started_local_server=ensure_server(settings, log))
    if summary.started_local_server and log is not None:
        log(f"started the local Neo4j server at bolt://127.0.0.1:{settings.bolt_port}; it keeps running for "
            "Neo4j Browser and later commands: stop it with `nnstruct neo4j stop`")
    if "ingest" in stages:
        begin("ingest")
        summary.ingest = ingest(settings, paths, force, progress)
        end("ingest", summary.ingest)
        if summary.ingest.exit_code not in (EXIT_OK, EXIT_SOME_FAILED):
            raise NnstructError("ingest stored no model; nothing to deduplicate or analyse")
        summary.exit_code = summary.ingest.exit_code
    from nnstruct.graph.connection import connect

    with connect(settings) as graph:
        if "ingest" in stages or "analyze" in stages:
            # Ingest detects new trees itself; this catches up on trees stored earlier or by an older detector.
            summary.components = components(settings, log=log, graph=graph)
        if "dedup" in stages:
            begin("dedup")
            summary.dedup = dedup(settings, log, graph)
            end("dedup", summary.dedup)
        if "analyze" in stages:
            begin("analyze")
            summary.analysis = analyze(settings, None, append_timestamp, log, graph)
            end("analyze", summary.analysis)
    return summary


# -- components ---------------------------------------------------------------------------------------------------

def components(settings: Settings | None = None, force: bool = False, log: Log | None = None,
               graph: Graph | None = None) -> ComponentsSummary:
    """Detect the components of stored trees that lack them or have them from another detector version
    (``force``: every tree), ``nnstruct components``."""
    from nnstruct.components import run_components

    settings = settings or Settings()
    with _graph(settings, graph) as connected:
        from nnstruct.graph.schema import init_schema

        init_schema(connected)
        return run_components(connected, force=force, log=log)


def stored_components(model_id: str, settings: Settings | None = None, graph: Graph | None = None
                      ) -> list[Component]:
    """The components stored for a model's architecture (empty when none were detected yet)."""
    from nnstruct.components.compare import read_components

    settings = settings or Settings()
    with _graph(settings, graph) as connected:
        return read_components(connected, model_id)


# -- queries and stored models ------------------------------------------------------------------------------------

def run_query(query: str | Path, settings: Settings | None = None, graph: Graph | None = None,
              write: bool = False, **params: Any) -> pd.DataFrame:
    """Run a query file (a shipped name such as ``analysis/layer_types_per_task``, or a path) into a DataFrame;
    keyword arguments are its parameters (``view="name"``, ``tasks=["text-classification"]``). Read-only unless
    ``write``."""
    from nnstruct.analysis.runner import resolve_query, run_file

    settings = settings or Settings()
    with _graph(settings, graph) as connected:
        return run_file(connected, resolve_query(query), params, write=write).frame


def stored_model(model_id: str, settings: Settings | None = None, graph: Graph | None = None) -> StoredModel:
    """One stored model with its whole module tree (``nnstruct show``)."""
    from nnstruct.graph.model_trees import read_model_tree

    settings = settings or Settings()
    with _graph(settings, graph) as connected:
        return read_model_tree(connected, model_id)


def diff_models(model_a: str, model_b: str, settings: Settings | None = None, graph: Graph | None = None
                ) -> TreeDiff:
    """The structural diff of two stored models, with their Weisfeiler-Lehman similarity (``nnstruct diff``)."""
    from nnstruct.components.compare import changes, read_components
    from nnstruct.dedup.similarity import architecture_similarity
    from nnstruct.graph.model_trees import read_model_tree
    from nnstruct.inspection.tree_diff import diff_trees
    from nnstruct.tree.wl import DEDUP_LABELS

    settings = settings or Settings()
    with _graph(settings, graph) as connected:
        a, b = read_model_tree(connected, model_a), read_model_tree(connected, model_b)
        result = diff_trees(a, b)
        result.components = changes(read_components(connected, model_a), read_components(connected, model_b))
        hash_a, hash_b = a.architecture["hash"], b.architecture["hash"]
        scores = {str(label): architecture_similarity(connected, hash_a, hash_b, label=label)
                  for label in DEDUP_LABELS}
    headline = scores["class"]
    result.similarity = headline.score
    result.similarity_by_label = {label: score.score for label, score in scores.items()}
    result.similarity_note = "same stored architecture" if headline.same_architecture else (
        f"cosine of WL subtree features, class labels; class+shape labels: {scores['class+shape'].score:.3f}; "
        f"{headline.settings.describe()}")
    return result


def model_cost(model_id: str, seq_len: int | None = None, batch: int = 1, dtype: str | None = None,
               settings: Settings | None = None, graph: Graph | None = None) -> Sizing:
    """A stored model sized for a workload: weights + KV cache + state + activations at ``seq_len`` tokens, ``batch``
    sequences and ``dtype`` (default: the config's), and the FLOPs (``nnstruct cost``). Raises
    :class:`NnstructError` for an unknown dtype or a model stored without a cost."""
    from nnstruct.cost.precision import PRECISION_BYTES, precision
    from nnstruct.cost.sizing import size
    from nnstruct.graph.model_trees import read_model

    if dtype is not None and precision(dtype) is None:
        raise NnstructError(f"unknown --dtype {dtype!r}; use one of {', '.join(PRECISION_BYTES)}")
    settings = settings or Settings()
    with _graph(settings, graph) as connected:
        model, _ = read_model(connected, model_id)
    if model.get("flops_forward") is None:
        raise NnstructError(f"model {model_id!r} has no stored cost (ingested without --cost): `nnstruct ingest "
                            "--cost --force` with its source computes it")
    return size(model, seq_len, batch, dtype)


__all__ = [
    "RunSummary", "Strategy", "View", "analyze", "components", "dedup", "diff_models", "ensure_server", "ingest",
    "ingest_options", "model_cost", "parse_choice", "run_pipeline", "run_query", "stored_components", "stored_model",
]
