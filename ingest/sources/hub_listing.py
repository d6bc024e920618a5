"""A task's most downloaded models as the hub lists them, and the copy of each listing kept for offline runs.

The hub cannot be listed offline, so every online listing is saved under huggingface_hub's assets cache
(``$HF_HOME/assets/nnstruct/hub-listings/<endpoint>/<task>.json``, removable with the rest of the HF cache);
with ``HF_HUB_OFFLINE=1`` the last saved listing stands in, and the configs come from the HF cache.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nnstruct.errors import NnstructError
from nnstruct.ingest.sources.hub_access import HubAccess

# huggingface_hub's HTTP client has no timeout, so a hub that accepts the listing request and never answers would
# hang the run: the whole listing of one task gets this many seconds.
LISTING_TIMEOUT = 120.0

# Only what a Model node keeps, plus the commit so the config fetched matches the listing.
EXPAND = ["downloads", "likes", "pipeline_tag", "library_name", "createdAt", "lastModified", "gated", "private", "sha"]


@dataclass(frozen=True)
class ListedModel:
    id: str
    sha: str | None  # the commit listed; None when the hub did not say
    metadata: dict[str, Any]  # Model properties: downloads, likes, pipeline_tag, library_name, created_at, ...


def list_online(task: str, limit: int, access: HubAccess) -> list[ListedModel]:
    """The ``limit`` most downloaded models tagged ``task``; saves the listing for offline runs.

    Raises :class:`NnstructError` naming the endpoint when the hub cannot be reached or refuses.
    """
    import httpx2
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(endpoint=access.endpoint)
    try:
        infos = _within(LISTING_TIMEOUT, lambda: list(api.list_models(pipeline_tag=task, sort="downloads",
                                                                       limit=limit, expand=EXPAND)))
    except _Overdue as exc:
        raise NnstructError(f"the hub at {access.endpoint} did not answer the {task} listing within "
                            f"{LISTING_TIMEOUT:g} s; check HF_ENDPOINT and the network, or set HF_HUB_OFFLINE=1 to "
                            "reuse listings cached by an earlier run") from exc
    except HfHubHTTPError as exc:
        raise NnstructError(f"the hub at {access.endpoint} refused to list {task} models: {one_line(exc)}") from exc
    except (httpx2.HTTPError, OSError) as exc:
        raise NnstructError(
            f"cannot reach the hub at {access.endpoint} to list {task} models ({one_line(exc) or type(exc).__name__});"
            " check HF_ENDPOINT and the network, or set HF_HUB_OFFLINE=1 to reuse listings cached by an earlier run"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise NnstructError(f"the hub at {access.endpoint} answered the {task} listing with something that is not a "
                            f"model listing: {one_line(exc)}") from exc
    models = [ListedModel(info.id, info.sha, _metadata(info)) for info in infos]
    _save(task, limit, models, access)
    return models


class _Overdue(Exception):
    pass


def _within(seconds: float, call: Callable[[], list[Any]]) -> list[Any]:
    """``call()``, given up after ``seconds``: it runs in a daemon thread, which is left behind when overdue (a
    blocked socket read cannot be interrupted) and never keeps the process from exiting."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="hub-listing", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise _Overdue
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


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


def _save(task: str, limit: int, models: list[ListedModel], access: HubAccess) -> None:
    path = listing_path(task, access)
    data = {
        "endpoint": access.endpoint,
        "task": task,
        "limit": limit,
        "listed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "models": [asdict(model) for model in models],
    }
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two runs at once each write their own
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        tmp.replace(path)  # a reader never sees half a listing
    except OSError:
        pass  # a read-only cache only costs the offline fallback
