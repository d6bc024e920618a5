"""Which hub to talk to and whether we may, read from the environment when a run starts.

huggingface_hub reads ``HF_ENDPOINT`` and ``HF_HUB_OFFLINE`` once, when it is imported; reading them again here
lets a caller that sets them later (a test, a notebook) still be honoured. ``HF_TOKEN``, the cache folders and
the timeouts (``HF_HUB_ETAG_TIMEOUT``, ``HF_HUB_DOWNLOAD_TIMEOUT``) are left to huggingface_hub.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _is_true(value: str | None) -> bool:
    return (value or "").strip().upper() in {"1", "ON", "YES", "TRUE"}


@dataclass(frozen=True)
class HubAccess:
    endpoint: str  # e.g. https://huggingface.co, without a trailing slash
    offline: bool  # HF_HUB_OFFLINE: answer from the local caches only

    @classmethod
    def from_environment(cls) -> HubAccess:
        from huggingface_hub import constants

        endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
        offline = constants.is_offline_mode() or _is_true(
            os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE"))
        return cls(endpoint, offline)
