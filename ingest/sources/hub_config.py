"""Fetching each model's ``config.json`` from the hub (never its weights): one GET per model over a kept-alive
connection pool, bounded retries on 429/5xx, and a compact cache keyed by (repo, commit).

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
429 / 5xx after the retries            failed    ``the hub answered HTTP <code> for config.json``
other HTTP error                       failed    ``the hub answered HTTP <code> for config.json``
offline and not cached                 skipped   ``config.json is not in the local HF cache (HF_HUB_OFFLINE is set)``
not JSON / not an object               failed    ``config.json is not valid JSON: ...`` / ``... not a JSON object``
=====================================  ========  ====================================================================

**Retries**: a 429 or 5xx answer is retried up to ``RETRIES`` times, waiting what ``Retry-After`` asks (at most
``MAX_WAIT`` seconds) or else an exponential backoff with jitter (``BACKOFF`` x 2^attempt).

**The cache** (decided for 10^5-10^6 models; docs/scale.md): ``$HF_HOME/assets/nnstruct/configs/<endpoint host>/
<2 hex>/<32 hex>.json``, the name a blake2b of ``<repo id>@<commit>``: one small file per model under 256 folders
(about 4,000 files each at a million models), written atomically. huggingface_hub's own cache (one folder per repo
with ``blobs/``, ``refs/``, ``snapshots/`` and a symlink: about six inodes, a HEAD and a GET, file locks and
a few milliseconds of CPU per model) stays fine at 10^4 but caps a run at ~150 configs per second. A commit pins
the file, so a re-run fetches nothing; offline (``HF_HUB_OFFLINE``) this cache is read first, then the HF cache
(configs an earlier nnstruct or ``huggingface-cli download`` put there).

A config that needs the repo's own code (``auto_map``) is fetched like any other: the builder decides.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from nnstruct.choices import Status
from nnstruct.ingest.sources.config_json import MAX_BYTES, ConfigUnreadable, config_from_bytes, read_config_json
from nnstruct.ingest.sources.hub_access import HubAccess
from nnstruct.ingest.sources.hub_listing import one_line

RETRIES = 4  # further attempts after a 429 / 5xx answer
BACKOFF = 0.5  # seconds, doubled per attempt
MAX_WAIT = 30.0  # the longest Retry-After honoured
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class ConfigFetch:
    config: dict[str, Any] | None
    status: str | None = None  # "skipped"/"failed" when config is None
    reason: str | None = None


class _Refused(Exception):
    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status


def cache_path(access: HubAccess, repo_id: str, revision: str) -> Path:
    """Where the config of ``repo_id`` at commit ``revision`` is cached (see the module doc)."""
    from huggingface_hub import constants

    host = re.sub(r"[^\w.-]+", "_", urlsplit(access.endpoint).netloc or access.endpoint)
    key = blake2b(f"{repo_id}@{revision}".encode(), digest_size=16).hexdigest()
    return Path(constants.HF_ASSETS_CACHE).expanduser() / "nnstruct" / "configs" / host / key[:2] / f"{key}.json"


class ConfigFetcher:
    """Fetches configs for one run: a pooled HTTP client shared by the fetching threads. Close it when done."""

    def __init__(self, access: HubAccess, connections: int = 16) -> None:
        self.access = access
        self.retries = 0  # answers retried (429 / 5xx), for the run's log
        self._lock = threading.Lock()
        self._client: Any = None
        self._connections = connections

    def _http(self) -> Any:
        with self._lock:
            if self._client is None:
                import httpx2
                from huggingface_hub import constants
                from huggingface_hub.utils import build_hf_headers

                timeout = float(max(constants.HF_HUB_ETAG_TIMEOUT, constants.HF_HUB_DOWNLOAD_TIMEOUT))
                self._client = httpx2.Client(
                    headers=build_hf_headers(token=os.environ.get("HF_TOKEN") or None),
                    timeout=timeout, follow_redirects=True,
                    limits=httpx2.Limits(max_connections=self._connections,
                                         max_keepalive_connections=self._connections))
            return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def fetch(self, repo_id: str, revision: str | None) -> ConfigFetch:
        """``config.json`` of ``repo_id`` at ``revision`` (a commit: cached, so re-runs skip the network)."""
        pinned = revision is not None and _COMMIT.match(revision) is not None
        path = cache_path(self.access, repo_id, revision) if pinned and revision else None
        try:
            if path is not None and path.is_file():
                return ConfigFetch(read_config_json(path))
            if self.access.offline:
                return ConfigFetch(read_config_json(self._from_hf_cache(repo_id, revision)))
            raw = self._download(repo_id, revision)
            config = config_from_bytes(raw)
        except _Refused as refused:
            return ConfigFetch(None, refused.status, str(refused))
        except ConfigUnreadable as exc:
            return ConfigFetch(None, Status.FAILED, str(exc))
        if path is not None:
            _store(path, raw)
        return ConfigFetch(config)

    def _from_hf_cache(self, repo_id: str, revision: str | None) -> str:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import LocalEntryNotFoundError

        try:
            return str(hf_hub_download(repo_id, "config.json", revision=revision, endpoint=self.access.endpoint,
                                       local_files_only=True))
        except (LocalEntryNotFoundError, OSError, ValueError) as exc:
            raise _Refused(Status.SKIPPED, "config.json is not in the local HF cache (HF_HUB_OFFLINE is set)") from exc

    def _download(self, repo_id: str, revision: str | None) -> bytes:
        import httpx2

        endpoint = self.access.endpoint
        url = f"{endpoint}/{quote(repo_id, safe='/')}/resolve/{quote(revision or 'main', safe='')}/config.json"
        attempt = 0
        while True:
            try:
                with self._http().stream("GET", url) as response:
                    status = response.status_code
                    if status == 200:
                        return _read_capped(response)
                    response.read()
                    headers = response.headers
            except httpx2.TimeoutException as exc:
                raise _Refused(Status.FAILED, f"timed out fetching config.json from {endpoint} (HF_HUB_ETAG_TIMEOUT / "
                                              "HF_HUB_DOWNLOAD_TIMEOUT set how long to wait)") from exc
            except (httpx2.HTTPError, OSError) as exc:
                raise _Refused(Status.FAILED, f"cannot reach the hub at {endpoint} for config.json: "
                                              f"{one_line(exc) or type(exc).__name__}") from exc
            if (status == 429 or status >= 500) and attempt < RETRIES:
                attempt += 1
                with self._lock:
                    self.retries += 1
                time.sleep(_wait(headers.get("Retry-After"), attempt))
                continue
            raise _refusal(status, headers, revision)


def _read_capped(response: Any) -> bytes:
    """The body, refused past MAX_BYTES without reading the rest (a hostile repo's endless config)."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise ConfigUnreadable(f"config.json is more than the limit of {MAX_BYTES:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _wait(retry_after: str | None, attempt: int) -> float:
    """Seconds before the next attempt: what Retry-After asks (seconds; capped), else backoff with jitter."""
    if retry_after is not None:
        try:
            return min(MAX_WAIT, max(0.0, float(retry_after)))
        except ValueError:
            pass  # an HTTP date: fall back to the backoff
    return min(MAX_WAIT, BACKOFF * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


def _refusal(status: int, headers: Any, revision: str | None) -> _Refused:
    code = headers.get("X-Error-Code")
    message = headers.get("X-Error-Message") or ""
    if code == "GatedRepo" and status in (401, 403):
        return _Refused(Status.SKIPPED, f"gated model: the hub refused config.json (HTTP {status}); accept its "
                                        "terms on the hub and set HF_TOKEN to a token with access")
    if code == "RevisionNotFound":
        return _Refused(Status.FAILED, f"revision {revision} not found on the hub (the repo changed since it was "
                                       "listed)")
    if code == "EntryNotFound":
        return _Refused(Status.SKIPPED, "the repo has no config.json")
    if code == "RepoNotFound" or status in (401, 404):
        return _Refused(Status.FAILED, f"not found on the hub (HTTP {status}): the repo was deleted or renamed, "
                                       "or is private")
    detail = f": {one_line(Exception(message))}" if message else ""
    return _Refused(Status.FAILED, f"the hub answered HTTP {status} for config.json{detail}")


def _store(path: Path, raw: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(raw)
        tmp.replace(path)  # a reader never sees half a config
    except OSError:
        pass  # a read-only cache only costs a fetch next time
