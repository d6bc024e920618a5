"""Source ``hub``: for each task, the most downloaded models the Hugging Face hub lists, with their config.json.

Per task (a pipeline tag; default: every task transformers can build, see ``nnstruct.ingest.tasks``) the hub is
asked for its ``limit`` most downloaded models (``limit`` 0: all of them, streamed page by page); a task listing
fewer than ``min_models`` is skipped (logged). Only ``config.json`` is fetched per model, never weights, many at a
time with retries (``hub_config``); with ``--shard I/N`` only this shard's models are fetched. The hub's metadata
rides on each candidate (``downloads``, ``likes``, ``pipeline_tag``, ``library_name``, ``created_at``,
``last_modified``, ``gated``, ``private``) and becomes Model properties.

Environment honoured: ``HF_ENDPOINT`` (another hub or a mirror), ``HF_TOKEN`` (gated and private models),
``HF_HOME``/``HF_HUB_CACHE`` (where configs are cached), ``HF_HUB_ETAG_TIMEOUT``/``HF_HUB_DOWNLOAD_TIMEOUT`` and
``HF_HUB_OFFLINE`` (no network: the listings saved by the last online run and the cached configs are used).

A model that cannot be fetched becomes a candidate with status ``skipped``/``failed`` and a reason (see
``hub_config``); a hub that cannot be listed at all raises :class:`NnstructError` naming the endpoint.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from nnstruct.choices import Source
from nnstruct.errors import NnstructError
from nnstruct.ingest.candidates import Candidate
from nnstruct.ingest.options import IngestOptions
from nnstruct.ingest.shard import in_shard
from nnstruct.ingest.sources.hub_access import HubAccess
from nnstruct.ingest.sources.hub_config import ConfigFetch, ConfigFetcher
from nnstruct.ingest.sources.hub_listing import ListedModel, list_cached, list_online

# Configs are small and the hub's latency dominates: fetch them many at a time (threads, not processes: the work
# is waiting on the network), over one kept-alive connection pool; results come back in listing order, at most
# FETCH_WINDOW ahead of the run, so memory stays flat however many models a task lists.
FETCH_THREADS = 16
FETCH_WINDOW = 256


def candidates(options: IngestOptions, log: Callable[[str], None]) -> Iterator[Candidate]:
    """One candidate per listed model, task by task, in the hub's order (most downloaded first)."""
    from nnstruct.ingest.tasks import all_tasks, validate_tasks

    access = HubAccess.from_environment()
    tasks = validate_tasks(options.tasks) if options.tasks else tuple(all_tasks())
    if options.limit and options.min_models > options.limit:
        log(f"--min-models {options.min_models} is above --limit {options.limit}: every task will be skipped")
    where = f"{access.endpoint} (offline: cached listings)" if access.offline else access.endpoint
    each = f"up to {options.limit} models each" if options.limit else "every model listed"
    shard = f", shard {options.shard[0]}/{options.shard[1]}" if options.shard else ""
    log(f"hub: {where}; {len(tasks)} task(s), {each}{shard}")

    not_cached: list[str] = []
    fetcher = ConfigFetcher(access, FETCH_THREADS)
    pool = ThreadPoolExecutor(FETCH_THREADS, thread_name_prefix="nnstruct-config")
    try:
        for task in tasks:
            listing = _listing(task, options.limit, access, log)
            if listing is None:
                not_cached.append(task)
                continue
            head = list(itertools.islice(listing, options.min_models))
            if len(head) < options.min_models:
                log(f"{task}: skipped, the hub lists {len(head)} model(s), fewer than --min-models "
                    f"{options.min_models}")
                continue
            listed = 0

            def mine(models: Iterable[ListedModel]) -> Iterator[ListedModel]:
                nonlocal listed
                for model in models:
                    listed += 1
                    if in_shard(model.id, options.shard):  # another shard's configs are never fetched
                        yield model

            for model, fetch in _fetched(mine(itertools.chain(head, listing)), fetcher, pool):
                yield Candidate(id=model.id, task=task, source=Source.HUB, config=fetch.config,
                                metadata=dict(model.metadata), status=fetch.status, reason=fetch.reason)
            log(f"{task}: {listed} model(s) listed")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        fetcher.close()
    if fetcher.retries:
        log(f"hub: {fetcher.retries} config request(s) retried after 429/5xx answers")

    if not_cached and len(not_cached) == len(tasks):
        raise NnstructError(
            f"HF_HUB_OFFLINE is set and no listing is cached for {_names(not_cached)} at {access.endpoint}: the hub "
            "cannot list models offline. Run once online to cache the listings, or ingest the configs in the HF "
            "cache with `nnstruct ingest --source local <HF cache folder>`"
        )


def _fetched(models: Iterable[ListedModel], fetcher: ConfigFetcher, pool: ThreadPoolExecutor
             ) -> Iterator[tuple[ListedModel, ConfigFetch]]:
    """Each model with its config, in order, FETCH_WINDOW fetches in flight."""
    window: deque[tuple[ListedModel, Future[ConfigFetch]]] = deque()
    for model in models:
        window.append((model, pool.submit(fetcher.fetch, model.id, model.sha)))
        if len(window) >= FETCH_WINDOW:
            done, future = window.popleft()
            yield done, future.result()
    while window:
        done, future = window.popleft()
        yield done, future.result()


def _listing(task: str, limit: int, access: HubAccess, log: Callable[[str], None]) -> Iterator[ListedModel] | None:
    """The task's models: streamed online, or offline from the saved listing (``None`` when there is none)."""
    if not access.offline:
        return list_online(task, limit, access)
    cached = list_cached(task, access)
    if cached is None:
        log(f"{task}: skipped, HF_HUB_OFFLINE is set and no listing of it is cached")
        return None
    if limit and len(cached) < limit:
        log(f"{task}: the cached listing holds {len(cached)} model(s) (offline, --limit {limit})")
    return iter(cached[:limit or None])


def _names(tasks: list[str]) -> str:
    shown = ", ".join(tasks[:5])
    return f"task {shown}" if len(tasks) == 1 else f"tasks {shown}{', ...' if len(tasks) > 5 else ''}"
