"""Source ``local``: models whose ``config.json`` is on disk (``nnstruct ingest --source local PATH...``).

Each PATH is one of:

- a model folder holding ``config.json`` (what ``save_pretrained`` writes);
- a snapshot in a Hugging Face cache, ``models--<org>--<name>/snapshots/<revision>/config.json``;
- any folder above them (an HF cache, a folder of checkpoints): it is walked, and every folder holding a
  ``config.json`` is a model (its subfolders are not searched further; hidden folders are skipped).

Model id: a cache snapshot is the hub repo id (``models--google--bert_uncased`` -> ``google/bert_uncased``), so it
lands on the same Model node as the hub source would write (when one repo has several snapshots, the one its
``refs/main`` names, else the newest, is used); any other folder is ``local:<its resolved absolute path>``.

Task: the single ``--tasks`` value when exactly one is given; otherwise the task of the config's
``architectures[0]`` (``task_for_architecture``); a class transformers implements that no pipeline task
builds (``ElectraForPreTraining``) is built as that class and stored under task ``none``; otherwise the
model is skipped with "cannot tell the task; pass --tasks". With several ``--tasks``, a model whose task
is not among them is left out (logged).

A PATH that does not exist, or holds no config.json anywhere, raises :class:`NnstructError` naming it, before
anything is ingested. A config.json that is not JSON gives a failed model ("config.json is not valid JSON: ...").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nnstruct.choices import Source, Status
from nnstruct.errors import NnstructError
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.sources.config_json import ConfigUnreadable, read_config_json

CONFIG = "config.json"
NO_TASK_REASON = "cannot tell the task; pass --tasks"
NO_TASK = "none"  # the task of a model whose class transformers implements but no pipeline task builds


@dataclass(frozen=True)
class ModelFolder:
    path: Path  # the folder holding config.json, resolved
    model_id: str


def candidates(options: IngestOptions, log: Callable[[str], None]) -> Iterator[Candidate]:
    """One candidate per model folder found under ``options.paths``, in path order."""
    from nnstruct.ingest.tasks import validate_tasks

    tasks = validate_tasks(options.tasks) if options.tasks else ()
    folders = find_model_folders(options.paths)  # raises on bad paths before anything is yielded
    log(f"local: {len(folders)} model folder(s) under {len(options.paths)} path(s)")
    for folder in folders:
        candidate = _candidate(folder, tasks)
        if len(tasks) > 1 and candidate.task not in tasks and candidate.status is None:
            log(f"{candidate.id}: left out, its task {candidate.task} is not among --tasks")
            continue
        yield candidate


def find_model_folders(paths: tuple[Path, ...] | list[Path]) -> list[ModelFolder]:
    """Every model folder under ``paths``, each once; raises :class:`NnstructError` for a bad path."""
    if not paths:
        raise NnstructError("--source local needs at least one PATH: a model folder, an HF cache, or a tree of them")
    found: dict[str, ModelFolder] = {}  # by model id: the same repo in two caches is one model
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise NnstructError(f"{raw}: no such file or folder")
        if path.is_file():
            if path.name != CONFIG:
                raise NnstructError(f"{raw}: not a folder nor a config.json")
            path = path.parent
        folders = [path] if (path / CONFIG).is_file() else list(_walk(path))
        if not folders:
            raise NnstructError(f"{raw}: no config.json in this folder or below it")
        for folder in _one_snapshot_per_repo(folders):
            identity = model_id(folder)
            found.setdefault(identity, ModelFolder(folder.resolve(), identity))
    return list(found.values())


def model_id(folder: Path) -> str:
    """``org/name`` for an HF cache snapshot, else ``local:<resolved path>``."""
    repo = cache_repo_id(folder)
    return repo if repo is not None else f"local:{folder.resolve()}"


def cache_repo_id(folder: Path) -> str | None:
    """The repo id of ``.../models--<org>--<name>/snapshots/<revision>``, else ``None``."""
    parent = folder.absolute().parent
    repo_folder = parent.parent.name
    if parent.name != "snapshots" or not repo_folder.startswith("models--"):
        return None
    # the hub forbids "--" inside names, so each one left is the "/" between owner and name
    return repo_folder.removeprefix("models--").replace("--", "/") or None


def _walk(root: Path) -> Iterator[Path]:
    for here, dirs, files in os.walk(root):
        if CONFIG in files and (Path(here) / CONFIG).is_file():
            dirs.clear()  # a model folder's subfolders are its own business (checkpoints, sub-models)
            yield Path(here)
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))


def _one_snapshot_per_repo(folders: list[Path]) -> list[Path]:
    """Keep one snapshot per cached repo (the one refs/main names, else the newest), in walk order."""
    snapshots: dict[str, list[Path]] = {}
    for folder in folders:
        repo = cache_repo_id(folder)
        if repo is not None:
            snapshots.setdefault(repo, []).append(folder)
    kept: list[Path] = []
    for folder in folders:
        repo = cache_repo_id(folder)
        if repo is None:
            kept.append(folder)
        elif repo in snapshots:
            kept.append(_main_snapshot(snapshots.pop(repo)))
    return kept


def _main_snapshot(snapshots: list[Path]) -> Path:
    if len(snapshots) == 1:
        return snapshots[0]
    ref = snapshots[0].absolute().parent.parent / "refs" / "main"
    try:
        main = ref.read_text().strip()
    except OSError:
        main = ""
    for snapshot in snapshots:
        if snapshot.name == main:
            return snapshot
    return max(snapshots, key=lambda s: (s / CONFIG).stat().st_mtime)


def _candidate(folder: ModelFolder, tasks: tuple[str, ...]) -> Candidate:
    given = tasks[0] if len(tasks) == 1 else None
    try:
        config = read_config_json(folder.path / CONFIG)
    except ConfigUnreadable as exc:
        return Candidate(folder.model_id, given or "", Source.LOCAL, status=Status.FAILED, reason=str(exc))
    task = given or _task_of(config)
    if task is None:
        return Candidate(folder.model_id, "", Source.LOCAL, config=config, status=Status.SKIPPED, reason=NO_TASK_REASON)
    return Candidate(folder.model_id, task, Source.LOCAL, config=config)


def _task_of(config: dict) -> str | None:
    from nnstruct.ingest.tasks import task_for_architecture

    architectures = config.get("architectures")
    if not isinstance(architectures, list) or not architectures or not isinstance(architectures[0], str):
        return None
    model_type = config.get("model_type") if isinstance(config.get("model_type"), str) else None
    task = task_for_architecture(architectures[0], model_type)
    if task is None and _implemented(architectures[0]):
        return NO_TASK
    return task


def _implemented(class_name: str) -> bool:
    """Whether the installed transformers has this model class (read from its lazy import table, no import)."""
    import transformers

    from nnstruct.ingest.quiet import quiet

    with quiet():
        return class_name.isidentifier() and hasattr(transformers, class_name) and class_name[:1].isupper()
