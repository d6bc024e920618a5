"""Source ``hub``: for each task, the most downloaded models the Hugging Face hub lists, with their config.json.

Per task (a pipeline tag; default: every task transformers can build, see ``nnstruct.ingest.tasks``) the hub is
asked for its ``limit`` most downloaded models; a task listing fewer than ``min_models`` is skipped (logged).
Only ``config.json`` is fetched per model, through the HF cache, never weights. The hub's metadata rides on
each candidate (``downloads``, ``likes``, ``pipeline_tag``, ``library_name``, ``created_at``, ``last_modified``,
``gated``, ``private``) and becomes Model properties.

Environment honoured: ``HF_ENDPOINT`` (another hub or a mirror), ``HF_TOKEN`` (gated and private models),
``HF_HOME``/``HF_HUB_CACHE`` (where configs are cached), ``HF_HUB_ETAG_TIMEOUT``/``HF_HUB_DOWNLOAD_TIMEOUT`` and
``HF_HUB_OFFLINE`` (no network: the listings saved by the last online run and the cached configs are used).

A model that cannot be fetched becomes a candidate with status ``skipped``/``failed`` and a reason (see
``hub_config``); a hub that cannot be listed at all raises :class:`NnstructError` naming the endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from nnstruct.choices import Source
from nnstruct.errors import NnstructError
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.sources.hub_access import HubAccess
from nnstruct.ingest.sources.hub_config import fetch_config
from nnstruct.ingest.sources.hub_listing import ListedModel, list_cached, list_online

# Configs are small and the hub's latency dominates: fetch a task's configs a few at a time (threads, not
# processes: the work is waiting on the network).
FETCH_THREADS = 8


def candidates(options: IngestOptions, log: Callable[[str], None]) -> Iterator[Candidate]:
    """One candidate per listed model, task by task, in the hub's order (most downloaded first)."""
    from nnstruct.ingest.tasks import all_tasks, validate_tasks

    access = HubAccess.from_environment()
    tasks = validate_tasks(options.tasks) if options.tasks else tuple(all_tasks())
    if options.min_models > options.limit:
        log(f"--min-models {options.min_models} is above --limit {options.limit}: every task will be skipped")
    where = f"{access.endpoint} (offline: cached listings)" if access.offline else access.endpoint
    log(f"hub: {where}; {len(tasks)} task(s), up to {options.limit} models each")

    not_cached: list[str] = []
    pool = ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="nnstruct-config")
    try:
        for task in tasks:
            models = _listing(task, options.limit, access, log)
            if models is None:
                not_cached.append(task)
                continue
            if len(models) < options.min_models:
                log(f"{task}: skipped, the hub lists {len(models)} model(s), fewer than --min-models "
                    f"{options.min_models}")
                continue
            log(f"{task}: {len(models)} model(s) listed")
            fetched = pool.map(lambda model: fetch_config(model.id, model.sha, access), models)
            for model, fetch in zip(models, fetched, strict=True):
                yield Candidate(id=model.id, task=task, source=Source.HUB, config=fetch.config,
                                metadata=dict(model.metadata), status=fetch.status, reason=fetch.reason)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

    if not_cached and len(not_cached) == len(tasks):
        raise NnstructError(
            f"HF_HUB_OFFLINE is set and no listing is cached for {_names(not_cached)} at {access.endpoint}: the hub "
            "cannot list models offline. Run once online to cache the listings, or ingest the configs in the HF "
            "cache with `nnstruct ingest --source local <HF cache folder>`"
        )


def _listing(task: str, limit: int, access: HubAccess, log: Callable[[str], None]) -> list[ListedModel] | None:
    """The task's models: listed online, or offline from the saved listing (``None`` when there is none)."""
    if not access.offline:
        return list_online(task, limit, access)
    cached = list_cached(task, access)
    if cached is None:
        log(f"{task}: skipped, HF_HUB_OFFLINE is set and no listing of it is cached")
        return None
    if len(cached) < limit:
        log(f"{task}: the cached listing holds {len(cached)} model(s) (offline, --limit {limit})")
    return cached[:limit]


def _names(tasks: list[str]) -> str:
    shown = ", ".join(tasks[:5])
    return f"task {shown}" if len(tasks) == 1 else f"tasks {shown}{', ...' if len(tasks) > 5 else ''}"
