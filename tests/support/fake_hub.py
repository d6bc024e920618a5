"""A fake Hugging Face hub on 127.0.0.1: the few routes ``huggingface_hub`` 2.4 calls to list models and fetch
one ``config.json``, so tests and bench scripts run without the internet.

Routes (what ``HfApi.list_models`` and ``hf_hub_download`` send, read from huggingface_hub's source):

- ``GET /api/models?pipeline_tag=<tag>&sort=downloads&limit=<n>&expand=<prop>...`` -> a JSON array of models,
  most downloaded first, ``limit`` (at most ``page_size``) per page; when more remain, a
  ``Link: <next url>; rel="next"`` header (huggingface_hub follows it until it has ``limit`` models).
- ``HEAD|GET /<repo id>/resolve/<revision>/<file>`` -> the file, with the headers ``hf_hub_download`` needs:
  ``ETag`` (the git blob sha1, quoted), ``X-Repo-Commit`` (40 hex digits) and ``Content-Length``. Errors carry
  ``X-Error-Code`` (``RepoNotFound``, ``GatedRepo``, ``EntryNotFound``) as the real hub does.

Usage::

    hub = FakeHub()
    hub.add_model("org/bert-tiny", config=tiny_configs()["bert"][1], pipeline_tag="text-classification",
                  downloads=100)
    with hub:                                     # serves in a thread until the block ends
        env = hub.environment(tmp_path / "hf")    # HF_ENDPOINT, HF_HOME, ... for a subprocess
        ...
    hub.requests                                  # [(method, path), ...] as served, to check what was fetched

For a bench: ``hub.add_hub_like_models(1000, tiny_configs(), task="text-classification")`` registers 1,000 models
over the ten configs of :func:`tiny_configs`; ``hub.add_simulated_hub(100_000, 2_000, tiny_configs())`` a hub at
scale (100,000 models over 2,000 structural configs, Zipf-like popularity over configs and tasks). ``latency``
delays every answer; ``throttled`` / ``unavailable`` answer that many config requests with 429 (``Retry-After``)
or 503. Scenarios (``scenario=``): ok, missing, gated, slow, malformed,
no-config; ``hub.token`` lets a bearer token read gated models; ``hub.listing_error`` fails every listing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

# What a model answers on /resolve.
OK = "ok"
MISSING = "missing"  # 404 RepoNotFound: listed, but the repo is gone (deleted or renamed since)
GATED = "gated"  # 401 (no token) / 403 (token without access), X-Error-Code: GatedRepo
SLOW = "slow"  # HEAD answers at once, GET sends the body after `slow_seconds`
MALFORMED = "malformed"  # config.json is not JSON
NO_CONFIG = "no-config"  # the repo exists but has no config.json (404 EntryNotFound)
SCENARIOS = (OK, MISSING, GATED, SLOW, MALFORMED, NO_CONFIG)

MALFORMED_BODY = b'{"model_type": "bert", "hidden_size": 32,'  # cut off mid-object

# listing field -> the name the hub API uses (the `expand` values)
_API_FIELDS = {
    "downloads": "downloads",
    "likes": "likes",
    "pipeline_tag": "pipeline_tag",
    "library_name": "library_name",
    "created_at": "createdAt",
    "last_modified": "lastModified",
    "gated": "gated",
    "private": "private",
    "sha": "sha",
    "tags": "tags",
}
_SORT_KEYS = {"downloads": "downloads", "likes": "likes", "createdAt": "created_at", "lastModified": "last_modified"}


@dataclass
class FakeModel:
    id: str
    config: dict[str, Any] | None
    pipeline_tag: str | None = None
    downloads: int = 0
    likes: int = 0
    library_name: str | None = "transformers"
    created_at: str = "2023-01-02T03:04:05.000Z"
    last_modified: str = "2024-05-06T07:08:09.000Z"
    gated: bool | str = False  # False, "auto" or "manual" as the hub says
    private: bool = False
    scenario: str = OK
    slow_seconds: float = 5.0
    tags: list[str] = field(default_factory=list)
    raw_body: bytes | None = None  # config.json served exactly as given (text no dict can produce)

    @functools.cached_property
    def sha(self) -> str:
        """The commit the repo is at: stable for a repo id and config (models are not changed once served)."""
        return hashlib.sha1(f"{self.id}\n{self.body()!r}".encode()).hexdigest()

    def body(self) -> bytes:
        if self.scenario == MALFORMED:
            return MALFORMED_BODY
        if self.raw_body is not None:
            return self.raw_body
        return json.dumps(self.config or {}, indent=2, sort_keys=True).encode()

    def listing_entry(self, expand: list[str]) -> dict[str, Any]:
        values = {
            "downloads": self.downloads, "likes": self.likes, "pipeline_tag": self.pipeline_tag,
            "library_name": self.library_name, "createdAt": self.created_at, "lastModified": self.last_modified,
            "gated": self.gated, "private": self.private, "sha": self.sha, "tags": self.tags,
        }
        wanted = expand or list(values)
        entry: dict[str, Any] = {"_id": hashlib.md5(self.id.encode()).hexdigest()[:24], "id": self.id}
        entry.update({name: values[name] for name in wanted if name in values})
        return entry


def git_blob_sha1(content: bytes) -> str:
    """The ETag the hub gives a non-LFS file: its git blob id."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


class FakeHub:
    """A hub serving registered models from a thread; use as a context manager or call start()/stop()."""

    def __init__(self, page_size: int = 100, token: str | None = None):
        self.page_size = page_size
        self.token = token  # a request carrying this bearer token may read gated models
        self.models: dict[str, FakeModel] = {}
        self.requests: list[tuple[str, str]] = []
        self.listing_error: int | None = None  # answer every listing with this HTTP status (a hub-wide failure)
        self.listing_delay: float = 0.0  # seconds each listing request waits before it is answered
        self.latency: float = 0.0  # seconds every request waits before it is answered (a hub far away)
        self.throttled: int = 0  # answer this many of the next /resolve requests with 429 and ...
        self.retry_after: float = 0.2  # ... this Retry-After (seconds)
        self.unavailable: int = 0  # answer this many of the next /resolve requests with 503
        self._lock = threading.Lock()
        self._sorted: dict[tuple[str | None, str | None], list[FakeModel]] = {}  # listing order, per (tag, sort)
        self._server: ThreadingHTTPServer | None = None
        self._endpoint: str | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- registering models -------------------------------------------------------------------------------

    def add_model(self, repo_id: str, config: dict[str, Any] | None = None, **fields: Any) -> FakeModel:
        """Serve one model; ``fields`` are :class:`FakeModel` fields (pipeline_tag, downloads, scenario, ...)."""
        scenario = fields.get("scenario", OK)
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; one of {', '.join(SCENARIOS)}")
        model = FakeModel(id=repo_id, config=config, **fields)
        self.models[repo_id] = model
        self._sorted.clear()
        return model

    def add_hub_like_models(self, count: int, configs: dict[str, tuple[str, dict[str, Any]]],
                            task: str | None = None) -> list[str]:
        """``count`` models cycling over ``configs`` (name -> (pipeline tag, config), e.g. :func:`tiny_configs`),
        most downloaded first in registration order, all tagged ``task`` when given; returns their ids."""
        names = list(configs)
        ids = []
        for i in range(count):
            name = names[i % len(names)]
            tag, config = configs[name]
            repo_id = f"org{i % 7}/{name}-finetuned-{i}"
            self.add_model(repo_id, config=config, pipeline_tag=task or tag, downloads=count - i,
                           likes=(count - i) // 10)
            ids.append(repo_id)
        return ids

    def add_simulated_hub(self, count: int, distinct: int, configs: dict[str, tuple[str, dict[str, Any]]],
                          seed: int = 0, zipf: float = 1.1) -> dict[str, int]:
        """A hub at scale: ``count`` models over ``distinct`` structural configs made from ``configs`` (e.g.
        :func:`tiny_configs`; config ``j`` of a family widens its feed-forward by ``2 j``), popularity Zipf-like
        (exponent ``zipf``) over the configs and so over the families' tasks, downloads Zipf-like by rank.
        Config bodies are serialized once and shared. Deterministic for a seed; returns models per task."""
        rng = random.Random(seed)
        families = sorted(configs)
        variants = []
        for j in range(distinct):
            family = families[j % len(families)]
            task, config = configs[family]
            body = json.dumps(widened(family, config, j // len(families)), indent=2, sort_keys=True).encode()
            variants.append((family, task, body))
        weights = [1 / (rank + 1) ** zipf for rank in range(distinct)]
        # every config has at least one model; the rest follow the popularity
        picks = list(range(min(distinct, count))) + rng.choices(range(distinct), weights, k=max(0, count - distinct))
        per_task: dict[str, int] = {}
        for i, pick in enumerate(picks):
            family, task, body = variants[pick]
            downloads = int(10_000_000 / (i + 1) ** 0.9)
            model = FakeModel(id=f"org{i % 97}/{family}-v{pick}-ft-{i}", config=None, pipeline_tag=task,
                              downloads=downloads, likes=downloads // 100, raw_body=body)
            self.models[model.id] = model
            per_task[task] = per_task.get(task, 0) + 1
        self._sorted.clear()
        return per_task

    def config_requests(self) -> list[str]:
        """Paths of every /resolve request served (HEAD and GET)."""
        return [path for _, path in self.requests if "/resolve/" in path]

    # --- serving -------------------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """Where the hub answers (after stop(): where it answered, so a test can check that nothing does now)."""
        if self._endpoint is None:
            raise RuntimeError("the fake hub was never started")
        return self._endpoint

    def environment(self, hf_home: Path, **extra: str) -> dict[str, str]:
        """Variables pointing huggingface_hub at this hub with its own cache in ``hf_home``."""
        env = {
            "HF_ENDPOINT": self.endpoint,
            "HF_HOME": str(hf_home),
            "HF_HUB_CACHE": str(Path(hf_home) / "hub"),
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_TOKEN": "",  # no token leaking in from the caller's environment; pass HF_TOKEN=... to set one
        }
        env.update(extra)
        return env

    def start(self) -> FakeHub:
        self._stopping.clear()
        handler = type("Handler", (_Handler,), {"hub": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        host, port = self._server.server_address[:2]
        self._endpoint = f"http://{host}:{port}"
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-hub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in the slow scenario
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- answers -------------------------------------------------------------------------------------------

    def listing(self, query: dict[str, list[str]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """One page of /api/models and the Link header pointing at the next page, if any."""
        tag, sort, search = _first(query, "pipeline_tag"), _first(query, "sort"), _first(query, "search")
        with self._lock:
            models = self._sorted.get((tag, sort))
            if models is None:  # sorted once per (tag, sort): a listing of 100,000 models is read page by page
                models = list(self.models.values())
                if tag is not None:
                    models = [m for m in models if m.pipeline_tag == tag]
                if sort is not None:
                    key = _SORT_KEYS.get(sort, sort)
                    models.sort(key=lambda m: (getattr(m, key), m.id), reverse=True)
                self._sorted[(tag, sort)] = models
        if search is not None:
            models = [m for m in models if search in m.id]
        start = int(_first(query, "cursor") or 0)
        limit = int(_first(query, "limit") or self.page_size)
        size = min(limit, self.page_size)
        page = models[start:start + size]
        headers = {}
        if start + size < len(models):
            next_query = {k: v for k, v in query.items() if k != "cursor"}
            next_query["cursor"] = [str(start + size)]
            headers["Link"] = f'<{self.endpoint}/api/models?{urlencode(next_query, doseq=True)}>; rel="next"'
        expand = [value for key in ("expand", "expand[]") for value in query.get(key, [])]
        return [m.listing_entry(expand) for m in page], headers

    def slow_wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    protocol_version = "HTTP/1.1"  # keep-alive, as huggingface_hub's pooled client expects
    # Headers and body go out as two writes: with Nagle's algorithm on, each answer on a kept-alive connection
    # would wait for the client's delayed ACK (40 ms), capping a client at 25 requests per second per connection.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        self.hub.requests.append((self.command, self.path))
        if self.hub.latency:
            time.sleep(self.hub.latency)
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == "/api/models":
            self._listing(parse_qs(url.query), send_body)
        elif "/resolve/" in path:
            repo_id, _, rest = path.lstrip("/").partition("/resolve/")
            revision, _, filename = rest.partition("/")
            self._resolve(repo_id, revision, filename, send_body)
        else:
            self._send(404, b'{"error": "not a route of the fake hub"}', {"Content-Type": "application/json"},
                       send_body)

    def _listing(self, query: dict[str, list[str]], send_body: bool) -> None:
        if self.hub.listing_delay:
            self.hub.slow_wait(self.hub.listing_delay)  # a hub that accepts the request and never answers
        if self.hub.listing_error is not None:
            self._send(self.hub.listing_error, b'{"error": "listing refused"}',
                       {"Content-Type": "application/json", "X-Error-Message": "listing refused"}, send_body)
            return
        page, headers = self.hub.listing(query)
        self._send(200, json.dumps(page).encode(), {"Content-Type": "application/json", **headers}, send_body)

    def _resolve(self, repo_id: str, revision: str, filename: str, send_body: bool) -> None:
        with self.hub._lock:
            refuse = 429 if self.hub.throttled > 0 else 503 if self.hub.unavailable > 0 else None
            if refuse == 429:
                self.hub.throttled -= 1
            elif refuse == 503:
                self.hub.unavailable -= 1
        if refuse is not None:
            headers = {"Content-Type": "application/json", "Retry-After": f"{self.hub.retry_after:g}"} \
                if refuse == 429 else {"Content-Type": "application/json"}
            self._send(refuse, b'{"error": "slow down"}', headers, send_body)
            return
        model = self.hub.models.get(repo_id)
        if model is None or model.scenario == MISSING:
            self._error(404, "RepoNotFound", "Repository not found", send_body)
            return
        if model.scenario == GATED and not self._authorized():
            has_token = self.headers.get("Authorization") is not None
            message = (f"Access to model {repo_id} is restricted and you are not in the authorized list."
                       if has_token else
                       f"Access to model {repo_id} is restricted. You must have access to it and be authenticated.")
            self._error(403 if has_token else 401, "GatedRepo", message, send_body)
            return
        if revision not in ("main", model.sha):
            self._error(404, "RevisionNotFound", "Invalid rev id: " + revision, send_body, model.sha)
            return
        if filename != "config.json" or model.scenario == NO_CONFIG:
            self._error(404, "EntryNotFound", "Entry not found", send_body, model.sha)
            return
        body = model.body()
        if model.scenario == SLOW and send_body:
            self.hub.slow_wait(model.slow_seconds)
        headers = {
            "Content-Type": "text/plain; charset=utf-8",
            "ETag": f'"{git_blob_sha1(body)}"',
            "X-Repo-Commit": model.sha,
            "Accept-Ranges": "bytes",
        }
        self._send(200, body, headers, send_body)

    def _authorized(self) -> bool:
        return self.hub.token is not None and self.headers.get("Authorization") == f"Bearer {self.hub.token}"

    def _error(self, status: int, code: str, message: str, send_body: bool, commit: str | None = None) -> None:
        headers = {"Content-Type": "application/json", "X-Error-Code": code, "X-Error-Message": message}
        if commit is not None:
            headers["X-Repo-Commit"] = commit
        self._send(status, json.dumps({"error": message}).encode(), headers, send_body)

    def _send(self, status: int, body: bytes, headers: dict[str, str], send_body: bool) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout scenario)


# Per tiny config family: the field that sets its feed-forward (or last stage) width, so variant j is a
# structurally distinct config (another tree) of the same family.
_WIDENED = {"bert": "intermediate_size", "roberta": "intermediate_size", "albert": "intermediate_size",
            "electra": "intermediate_size", "vit": "intermediate_size", "deit": "intermediate_size",
            "distilbert": "hidden_dim", "gpt2": "n_inner", "opt": "ffn_dim"}


def widened(family: str, config: dict[str, Any], j: int) -> dict[str, Any]:
    """Variant ``j`` of a :func:`tiny_configs` config: its feed-forward widened by ``2 j`` (j = 0: as it is)."""
    if j == 0:
        return config
    if family == "convnext":
        sizes = list(config.get("hidden_sizes") or [8, 16, 32, 64])
        return {**config, "hidden_sizes": [*sizes[:-1], sizes[-1] + 2 * j]}
    field_name = _WIDENED[family]
    return {**config, field_name: (config.get(field_name) or 64) + 2 * j}


def tiny_configs() -> dict[str, tuple[str, dict[str, Any]]]:
    """Ten small, real transformers configs as a hub's config.json holds them: name -> (pipeline tag, config).

    Built with transformers' own config classes (``to_json_string(use_diff=True)``, like ``save_pretrained``),
    two layers and narrow widths so building them on the meta device is quick.
    """
    import transformers as tf  # heavy: only when configs are wanted

    small = {"num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
    specs: dict[str, tuple[str, Any, str]] = {
        "bert": ("text-classification", tf.BertConfig(hidden_size=32, **small), "BertForSequenceClassification"),
        "distilbert": ("text-classification", tf.DistilBertConfig(dim=32, n_layers=2, n_heads=2, hidden_dim=64),
                       "DistilBertForSequenceClassification"),
        "roberta": ("fill-mask", tf.RobertaConfig(hidden_size=32, **small), "RobertaForMaskedLM"),
        "albert": ("fill-mask", tf.AlbertConfig(hidden_size=32, embedding_size=16, **small), "AlbertForMaskedLM"),
        "electra": ("token-classification", tf.ElectraConfig(hidden_size=32, embedding_size=16, **small),
                    "ElectraForTokenClassification"),
        "gpt2": ("text-generation", tf.GPT2Config(n_embd=32, n_layer=2, n_head=2), "GPT2LMHeadModel"),
        "opt": ("text-generation", tf.OPTConfig(hidden_size=32, ffn_dim=64, num_hidden_layers=2,
                                                num_attention_heads=2, word_embed_proj_dim=32), "OPTForCausalLM"),
        "vit": ("image-classification", tf.ViTConfig(hidden_size=32, image_size=32, patch_size=8, **small),
                "ViTForImageClassification"),
        "deit": ("image-classification", tf.DeiTConfig(hidden_size=32, image_size=32, patch_size=8, **small),
                 "DeiTForImageClassification"),
        "convnext": ("image-classification", tf.ConvNextConfig(hidden_sizes=[8, 16, 32, 64], depths=[1, 1, 1, 1]),
                     "ConvNextForImageClassification"),
    }
    configs = {}
    for name, (task, config, architecture) in specs.items():
        config.architectures = [architecture]
        configs[name] = (task, json.loads(config.to_json_string(use_diff=True)))
    return configs
