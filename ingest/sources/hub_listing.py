"""A task's most downloaded models as the hub lists them, and the copy of each listing kept for offline runs.

The hub cannot be listed offline, so every online listing is saved under huggingface_hub's assets cache
(``$HF_HOME/assets/nnstruct/hub-listings/<endpoint>/<task>.json``, removable with the rest of the HF cache);
with ``HF_HUB_OFFLINE=1`` the last saved listing stands in, and the configs come from the HF cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nnstruct.errors import NnstructError
from nnstruct.ingest.sources.hub_access import HubAccess

# huggingface_hub's HTTP client has no timeout, so a hub that accepts the listing request and never answers would
# hang the run: each page of a listing gets this many seconds.
LISTING_TIMEOUT = 120.0
LISTING_QUEUE = 2_000  # models read ahead of the fetching (a few pages)

# Only what a Model node keeps, plus the commit so the config fetched matches the listing.
EXPAND = ["downloads", "likes", "pipeline_tag", "library_name", "createdAt", "lastModified", "gated", "private", "sha"]


@dataclass(frozen=True)
class ListedModel:
    id: str
    sha: str | None  # the commit listed; None when the hub did not say
    metadata: dict[str, Any]  # Model properties: downloads, likes, pipeline_tag, library_name, created_at, ...


def list_online(task: str, limit: int, access: HubAccess) -> Iterator[ListedModel]:
    """The ``limit`` most downloaded models tagged ``task`` (``limit`` 0: every one the hub lists), streamed page
    by page as the hub sends them (memory stays flat however many there are); the listing is saved for offline
    runs once it is complete.

    Raises :class:`NnstructError` naming the endpoint when the hub cannot be reached or refuses; each page has
    ``LISTING_TIMEOUT`` seconds to arrive.
    """
    from huggingface_hub import HfApi

    api = HfApi(endpoint=access.endpoint)
    infos = api.list_models(pipeline_tag=task, sort="downloads", limit=limit or None, expand=EXPAND)
    with _Saver(task, limit, access) as saver:
        for info in _paced(iter(infos), task, access):
            model = ListedModel(info.id, info.sha, _metadata(info))
            saver.add(model)
            yield model
        saver.complete = True


def _paced(infos: Iterator[Any], task: str, access: HubAccess) -> Iterator[Any]:
    """``infos`` read in a daemon thread through a bounded queue, each item given up after LISTING_TIMEOUT seconds
    (a blocked socket read cannot be interrupted: the thread is left behind and never keeps the process alive),
    with the hub's errors turned into one line naming the endpoint."""
    import queue

    items: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=LISTING_QUEUE)
    stop = threading.Event()

    def run() -> None:
        try:
            for info in infos:
                while not stop.is_set():
                    try:
                        items.put(("item", info), timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put(("end", None))
        except BaseException as exc:  # handed to the reading thread
            items.put(("error", exc))

    thread = threading.Thread(target=run, name="hub-listing", daemon=True)
    thread.start()
    try:
        while True:
            try:
                kind, value = items.get(timeout=LISTING_TIMEOUT)
            except queue.Empty:
                raise NnstructError(
                    f"the hub at {access.endpoint} did not answer the {task} listing within {LISTING_TIMEOUT:g} s; "
                    "check HF_ENDPOINT and the network, or set HF_HUB_OFFLINE=1 to reuse listings cached by an "
                    "earlier run") from None
            if kind == "end":
                return
            if kind == "error":
                raise _listing_error(value, task, access) from value
            yield value
    finally:
        stop.set()


def _listing_error(exc: BaseException, task: str, access: HubAccess) -> BaseException:
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(exc, HfHubHTTPError):
        return NnstructError(f"the hub at {access.endpoint} refused to list {task} models: {one_line(exc)}")
    if isinstance(exc, httpx2.HTTPError | OSError):
        return NnstructError(
            f"cannot reach the hub at {access.endpoint} to list {task} models ({one_line(exc) or type(exc).__name__});"
            " check HF_ENDPOINT and the network, or set HF_HUB_OFFLINE=1 to reuse listings cached by an earlier run")
    if isinstance(exc, ValueError | KeyError | TypeError):
        return NnstructError(f"the hub at {access.endpoint} answered the {task} listing with something that is not a "
                             f"model listing: {one_line(exc)}")
    return exc


def list_cached(task: str, access: HubAccess) -> list[ListedModel] | None:
    """The listing saved by the last online run for ``task`` on this endpoint; ``None`` when there is none."""
    path = listing_path(task, access)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [ListedModel(m["id"], m.get("sha"), dict(m.get("metadata") or {})) for m in data["models"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NnstructError(f"the cached listing {path} cannot be read ({exc}); delete it and list online") from exc


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (huggingface_hub's span several)."""
    return " ".join(part.strip() for part in str(exc).splitlines() if part.strip())


def _metadata(info: Any) -> dict[str, Any]:
    return {
        "downloads": info.downloads,
        "likes": info.likes,
        "pipeline_tag": info.pipeline_tag,
        "library_name": info.library_name,
        "created_at": _iso(info.created_at),
        "last_modified": _iso(info.last_modified),
        # The hub says False or how access is granted ("auto" / "manual"); one type per property keeps it queryable.
        "gated": bool(info.gated),
        "gated_access": info.gated if isinstance(info.gated, str) else None,
        "private": info.private,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def listing_path(task: str, access: HubAccess) -> Path:
    """Where the listing of ``task`` on this endpoint is saved (the layout of huggingface_hub's
    ``cached_assets_path``, without creating folders: an offline run on a read-only cache only reads)."""
    from huggingface_hub import constants

    host = urlsplit(access.endpoint).netloc or access.endpoint
    folder = Path(constants.HF_ASSETS_CACHE).expanduser() / "nnstruct" / "hub-listings"
    return folder / re.sub(r"[^\w.-]+", "_", host) / f"{task}.json"


class _Saver:
    """Writes the listing to its offline copy as it streams (one model at a time, never the whole listing in
    memory), and puts it in place only when the listing was read to its end."""

    def __init__(self, task: str, limit: int, access: HubAccess) -> None:
        self.path = listing_path(task, access)
        self.tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        self.header = {"endpoint": access.endpoint, "task": task, "limit": limit,
                       "listed_at": datetime.now(UTC).isoformat(timespec="seconds")}
        self.file: Any = None
        self.count = 0
        self.complete = False

    def __enter__(self) -> _Saver:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.file = self.tmp.open("w", encoding="utf-8")
            self.file.write(json.dumps(self.header)[:-1] + ', "models": [\n')
        except OSError:
            self.file = None  # a read-only cache only costs the offline fallback
        return self

    def add(self, model: ListedModel) -> None:
        if self.file is None:
            return
        try:
            self.file.write((",\n" if self.count else "") + json.dumps(asdict(model)))
            self.count += 1
        except OSError:
            self._drop()

    def __exit__(self, *exc: object) -> None:
        if self.file is None:
            return
        try:
            self.file.write("\n]}\n")
            self.file.close()
            if self.complete:
                self.tmp.replace(self.path)  # a reader never sees half a listing
            else:
                self.tmp.unlink(missing_ok=True)
        except OSError:
            self._drop()

    def _drop(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
            self.tmp.unlink(missing_ok=True)
        self.file = None
