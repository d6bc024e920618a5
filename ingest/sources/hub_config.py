"""Fetching one model's ``config.json`` from the hub (never its weights), through the HF cache.

Every way this can go wrong becomes a status and a one-line reason recorded on the model, not an exception:

=====================================  ========  ====================================================================
what happened                          status    reason starts with
=====================================  ========  ====================================================================
gated repo, no access (401/403)        skipped   ``gated model: the hub refused config.json (HTTP 401)``
repo gone/renamed/private (404/401)    failed    ``not found on the hub (HTTP 404)``
revision gone                          failed    ``revision <sha> not found on the hub``
repo without config.json               skipped   ``the repo has no config.json``
timeout                                failed    ``timed out fetching config.json from <endpoint>``
endpoint unreachable mid-run           failed    ``cannot reach the hub at <endpoint> for config.json``
other HTTP error                       failed    ``the hub answered HTTP <code> for config.json``
offline and not cached                 skipped   ``config.json is not in the local HF cache (HF_HUB_OFFLINE is set)``
not JSON / not an object               failed    ``config.json is not valid JSON: ...`` / ``... not a JSON object``
=====================================  ========  ====================================================================

A config that needs the repo's own code (``auto_map``) is fetched like any other: the builder decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from nnstruct.choices import Status
from nnstruct.ingest.sources.config_json import ConfigUnreadable, read_config_json
from nnstruct.ingest.sources.hub_access import HubAccess
from nnstruct.ingest.sources.hub_listing import one_line


@dataclass(frozen=True)
class ConfigFetch:
    config: dict[str, Any] | None
    status: str | None = None  # "skipped"/"failed" when config is None
    reason: str | None = None


def fetch_config(repo_id: str, revision: str | None, access: HubAccess) -> ConfigFetch:
    """``config.json`` of ``repo_id`` at ``revision`` (a commit pins the cached copy, so re-runs skip the network)."""
    try:
        path = _download(repo_id, revision, access)
    except _Refused as refused:
        return ConfigFetch(None, refused.status, str(refused))
    try:
        return ConfigFetch(read_config_json(path))
    except ConfigUnreadable as exc:
        return ConfigFetch(None, Status.FAILED, str(exc))


class _Refused(Exception):
    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status


class _NoBar(tqdm):
    """hf_hub_download draws a bar per file; a run fetches hundreds of small configs."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **{**kwargs, "disable": True})


def _download(repo_id: str, revision: str | None, access: HubAccess) -> str:
    import httpx2
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    endpoint = access.endpoint
    try:
        return str(hf_hub_download(repo_id, "config.json", revision=revision, endpoint=endpoint,
                                   local_files_only=access.offline, tqdm_class=_NoBar))
    except GatedRepoError as exc:
        raise _Refused(Status.SKIPPED, f"gated model: the hub refused config.json (HTTP {_status(exc)}); accept its "
                                       "terms on the hub and set HF_TOKEN to a token with access") from exc
    except RepositoryNotFoundError as exc:
        raise _Refused(Status.FAILED, f"not found on the hub (HTTP {_status(exc)}): the repo was deleted or renamed, "
                                 "or is private") from exc
    except RevisionNotFoundError as exc:
        raise _Refused(Status.FAILED, f"revision {revision} not found on the hub (the repo changed since it was "
                                 "listed)") from exc
    except RemoteEntryNotFoundError as exc:
        raise _Refused(Status.SKIPPED, "the repo has no config.json") from exc
    except LocalEntryNotFoundError as exc:
        if access.offline:
            raise _Refused(Status.SKIPPED, "config.json is not in the local HF cache (HF_HUB_OFFLINE is set)") from exc
        raise _network_failure(exc, endpoint) from exc
    except HfHubHTTPError as exc:
        raise _Refused(Status.FAILED, f"the hub answered HTTP {_status(exc)} for config.json: {one_line(exc)}") from exc
    except (httpx2.HTTPError, OSError) as exc:
        raise _network_failure(exc, endpoint) from exc


def _network_failure(exc: BaseException, endpoint: str) -> _Refused:
    import httpx2

    cause: BaseException | None = exc
    while cause is not None:  # huggingface_hub wraps the transport error in LocalEntryNotFoundError
        if isinstance(cause, httpx2.TimeoutException):
            return _Refused(Status.FAILED, f"timed out fetching config.json from {endpoint} (HF_HUB_ETAG_TIMEOUT / "
                                      "HF_HUB_DOWNLOAD_TIMEOUT set how long to wait)")
        if isinstance(cause, httpx2.HTTPError):
            return _Refused(Status.FAILED, f"cannot reach the hub at {endpoint} for config.json: "
                                      f"{one_line(cause) or type(cause).__name__}")
        cause = cause.__cause__ or cause.__context__
    return _Refused(Status.FAILED, f"cannot fetch config.json from {endpoint}: {one_line(exc) or type(exc).__name__}")


def _status(exc: Any) -> int | str:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", "?")
