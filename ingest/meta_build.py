"""Build a model from its config on PyTorch's meta device, then read its module tree and architecture hash.

No weights are allocated (every tensor lives on ``torch.device("meta")``); the only forward pass, which counts a new
tree's FLOPs (``nnstruct.cost``), runs on the meta device too. The class comes
from the task's Auto class, so task heads are included. :func:`run_job` is what a worker process runs: it never
raises, it reports ``ok``, ``skipped`` (transformers cannot build this here: unknown model type, remote code not
trusted, optional library missing) or ``failed`` (the build raised) with a one-line reason.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from nnstruct.choices import Status
from nnstruct.ingest.module_tree import extract_modules
from nnstruct.ingest.quiet import quiet
from nnstruct.ingest.tasks import all_tasks
from nnstruct.tree.features import TreeFeatures, tree_features
from nnstruct.tree.model import ModuleTree
from nnstruct.tree.wl import TreeHash, tree_hash

REASON_MAX = 300
# The most modules one model may have. Its module tree is written in one transaction (a model is all or nothing),
# which must fit the local server's 1 GiB heap; the largest architecture transformers implements has ~5,000.
MAX_MODULES = 100_000


class BuildSkipped(Exception):
    """transformers cannot build this model in this environment; the message is the reason."""


class BuildTimeout(BaseException):
    """The build ran past its job's timeout. A BaseException, so model code's ``except Exception`` cannot
    swallow it."""


class TooManyModules(BaseException):
    """The model being built creates more than :data:`MAX_MODULES` modules (a BaseException, like BuildTimeout)."""


@contextmanager
def module_budget(limit: int = MAX_MODULES) -> Iterator[None]:
    """Count ``nn.Module`` objects created while the model is built; past ``limit``, stop the build with
    :class:`TooManyModules` (a config asking for 10^10 layers is refused early, not built until memory runs out)."""
    import torch

    original = torch.nn.Module.__init__
    created = 0

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal created
        created += 1
        if created > limit:
            raise TooManyModules
        original(self, *args, **kwargs)

    torch.nn.Module.__init__ = counting_init  # type: ignore[method-assign]
    try:
        yield
    finally:
        torch.nn.Module.__init__ = original  # type: ignore[method-assign]


@contextmanager
def time_limit(seconds: float | None, cpu: bool = False) -> Iterator[None]:
    """Raise :class:`BuildTimeout` in this thread after ``seconds`` (SIGALRM: the main thread of a worker or of
    the CLI; elsewhere, or without a limit, no limit). A build stuck inside one C call is interrupted when the
    call returns to Python. ``cpu``: seconds of this process's CPU time (SIGPROF), which a loaded machine does not
    stretch, instead of wall time."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise BuildTimeout

    signum, timer = (signal.SIGPROF, signal.ITIMER_PROF) if cpu else (signal.SIGALRM, signal.ITIMER_REAL)
    previous = signal.signal(signum, expire)
    signal.setitimer(timer, seconds)
    try:
        yield
    finally:
        signal.setitimer(timer, 0)
        signal.signal(signum, previous)


@dataclass(frozen=True)
class BuildJob:
    id: str
    task: str
    config: dict[str, Any]
    trust_remote_code: bool = False
    timeout: float | None = None  # seconds; the build is interrupted and recorded as failed after that
    max_modules: int = MAX_MODULES  # more modules than this: the build is stopped and recorded as failed
    cost: bool = True  # also compute the cost (FLOPs per module, memory, KV cache) of the built model


@dataclass
class BuildOutcome:
    id: str
    status: Status
    reason: str | None = None
    class_name: str | None = None
    tree: ModuleTree | None = None
    arch: TreeHash | None = None
    build_seconds: float | None = None  # config + model construction on the meta device
    extract_seconds: float | None = None  # module rows + WL hash
    components: list[dict[str, Any]] | None = None  # nnstruct.components rows; None: left to `nnstruct components`
    components_seconds: float | None = None
    features: TreeFeatures | None = None  # dedup's WL features of the tree (stored on its Architecture)
    cost: dict[str, Any] | None = None  # the Model's cost properties (nnstruct.cost.properties)
    module_flops: dict[str, int] | None = None  # module path -> FLOPs (children included): Module.flops
    cost_seconds: float | None = None
    cost_cpu_seconds: float | None = None  # the worker's CPU time for the cost (robust on a loaded machine)


@dataclass(frozen=True)
class BuildPlan:
    """Which class builds a config for a task, decided from the registries without building anything."""

    model_type: str | None
    auto_class: str | None  # the task's Auto class that maps this model_type
    class_name: str | None  # the model class it resolves to (None: remote code or unknown)
    needs_remote_code: bool
    problem: str | None = None  # why it cannot be built (unknown model type, no model for the task)

    @property
    def built_by(self) -> str:
        """What the config hash is taken with: the model class, else the Auto class, else the remote code."""
        return self.class_name or self.auto_class or f"remote:{self.model_type}"


def _config_mapping() -> Any:
    with quiet():
        from transformers.models.auto.configuration_auto import CONFIG_MAPPING
    return CONFIG_MAPPING


def _saved_class(config: dict[str, Any]) -> str | None:
    """The first ``architectures`` entry, when transformers implements that class."""
    import transformers

    for name in config.get("architectures") or ():
        if isinstance(name, str) and hasattr(transformers, name):
            return name
    return None


def plan_build(config: dict[str, Any], task: str) -> BuildPlan:
    """Decide the class for ``config`` and ``task`` (see :class:`BuildPlan`)."""
    model_type = config.get("model_type")
    model_type = model_type if isinstance(model_type, str) and model_type else None
    info = all_tasks().get(task)
    has_auto_map = isinstance(config.get("auto_map"), dict) and bool(config["auto_map"])
    known = model_type is not None and model_type in _config_mapping()
    if not known:
        if has_auto_map:
            auto = info.auto_class if info else None
            return BuildPlan(model_type, auto, None, True)
        what = f"model_type {model_type!r}" if model_type else "a config without model_type"
        return BuildPlan(model_type, None, None, False, f"{what} is unknown to the installed transformers")
    auto = info.auto_class_for(model_type) if info else None
    if auto is not None:  # transformers' own class wins over an auto_map, as in from_config without remote code
        return BuildPlan(model_type, auto, info.model_class_for(model_type, config.get("architectures")), False)
    if has_auto_map:
        return BuildPlan(model_type, info.auto_class if info else None, None, True)
    saved = _saved_class(config)
    if saved is not None:
        return BuildPlan(model_type, None, saved, False)
    where = f"task {task!r}" if info else f"unknown task {task!r}"
    problem = f"transformers has no model for {where} with model_type {model_type!r}"
    return BuildPlan(model_type, None, None, False, problem)


def _short(text: str) -> str:
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    return line if len(line) <= REASON_MAX else line[: REASON_MAX - 1] + "…"


_MISSING_LIBRARY = re.compile(r"requires (?:the )?(.+?) (?:library )?(?:but it was not|which (?:was|were) not)")


def _missing_library(exc: BaseException) -> str | None:
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return exc.name.split(".")[0]
    if isinstance(exc, ImportError):
        match = _MISSING_LIBRARY.search(str(exc))
        return match.group(1) if match else None
    return None


def _code_location(job: BuildJob) -> str:
    """Where remote code lives: the folder of a local model, else the hub repo id."""
    return job.id.removeprefix("local:") if job.id.startswith("local:") else job.id


def build_on_meta(job: BuildJob, plan: BuildPlan) -> Any:
    """The model object, every parameter and buffer on the meta device."""
    import torch
    import transformers

    if plan.problem:
        raise BuildSkipped(plan.problem)
    if plan.needs_remote_code:
        if not job.trust_remote_code:
            raise BuildSkipped("needs trust_remote_code")
        config = transformers.AutoConfig.from_pretrained(_code_location(job), trust_remote_code=True)
        auto = getattr(transformers, plan.auto_class or "AutoModel")
        with torch.device("meta"):
            return auto.from_config(config, trust_remote_code=True)
    config_class = _config_mapping()[plan.model_type]
    config = config_class.from_dict(dict(job.config))
    if plan.auto_class is None:  # the config's own ``architectures`` class: no task Auto class builds this type
        with torch.device("meta"):
            return getattr(transformers, plan.class_name)._from_config(config)
    if getattr(config, "architectures", None) is None and plan.class_name:
        # Auto's choice among several classes for one type iterates ``architectures``, which default configs leave
        # null; name the class it would pick by default.
        config.architectures = [plan.class_name]
    with torch.device("meta"):
        try:
            return getattr(transformers, plan.auto_class).from_config(config)
        except ValueError as exc:
            if not str(exc).startswith("Unrecognized configuration class") or not plan.class_name:
                raise
            # The Auto mapping lists this model type, yet its config class is not registered with the Auto class
            # (a transformers registry slip): build the class the mapping names.
            return getattr(transformers, plan.class_name)._from_config(config)


def run_job(job: BuildJob) -> BuildOutcome:
    """Build, extract and hash one model; every failure becomes a ``skipped``/``failed`` outcome."""
    started = time.perf_counter()
    plan: BuildPlan | None = None
    try:
        with time_limit(job.timeout):
            with quiet(), module_budget(job.max_modules):
                plan = plan_build(job.config, job.task)
                model = build_on_meta(job, plan)
            built = time.perf_counter()
            tree = extract_modules(model)
            arch = tree_hash(tree)
            features = tree_features(tree)  # dedup's WL features, while the tree is in memory
            config = model.config.to_dict() if hasattr(model, "config") else None
    except BuildTimeout:
        return BuildOutcome(job.id, Status.FAILED, f"the build took longer than {job.timeout:g} s (--build-timeout)",
                            plan.class_name if plan else None)
    except TooManyModules:
        return BuildOutcome(job.id, Status.FAILED, f"the model has more than {job.max_modules:,} modules (the "
                            "limit one model's write may hold)", plan.class_name if plan else None)
    except BuildSkipped as exc:
        return BuildOutcome(job.id, Status.SKIPPED, _short(str(exc)), plan.class_name if plan else None)
    except Exception as exc:  # one bad model never ends the run
        class_name = plan.class_name if plan else None
        library = _missing_library(exc)
        if library:
            return BuildOutcome(job.id, Status.SKIPPED, f"needs {library} (not installed)", class_name)
        return BuildOutcome(job.id, Status.FAILED, _short(f"{type(exc).__name__}: {exc}"), class_name)
    done = time.perf_counter()
    components = _components(tree, config)
    outcome = BuildOutcome(
        job.id, Status.OK, None, tree.root_class, tree, arch, features=features,
        build_seconds=round(built - started, 4), extract_seconds=round(done - built, 4),
        components=components, components_seconds=round(time.perf_counter() - done, 4),
    )
    if job.cost:
        cpu = time.process_time()
        outcome.cost, outcome.module_flops = model_cost(model, job)
        outcome.cost_cpu_seconds = round(time.process_time() - cpu, 4)
        outcome.cost_seconds = round(time.perf_counter() - done - outcome.components_seconds, 4)
    return outcome


def _components(tree: ModuleTree, config: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """The tree's components (nnstruct.components), detected here while the tree is in memory; None when detection
    fails (the `components` stage retries it from the stored tree)."""
    from nnstruct.components.detect import detect

    try:
        return [component.row() for component in detect(tree, config)]
    except Exception:
        return None


# CPU seconds for the forward pass that counts FLOPs; past it, FLOPs are counted analytically. CPU time, so that a
# loaded machine does not decide the method. Short stacks bring almost every catalogue tree under a second; the few
# past this are state-space models whose meta-device scan runs per token.
COST_TIMEOUT = 5.0


def model_cost(model: Any, job: BuildJob) -> tuple[dict[str, Any] | None, dict[str, int] | None]:
    """The cost of the model just built (``nnstruct.cost``): the Model's cost properties and the FLOPs per module
    path. Never fails the build: a forward pass that raises or runs past ``COST_TIMEOUT`` is counted analytically
    instead, and any other error leaves the model without a cost."""
    from nnstruct.cost.compute import compute_cost

    try:
        with quiet():
            try:
                with time_limit(COST_TIMEOUT, cpu=True):
                    cost = compute_cost(model, job.config)
            except BuildTimeout:
                cost = compute_cost(model, job.config, forward=False)
                cost.flops.reason = f"the forward pass took longer than {COST_TIMEOUT:g} s of CPU time"
    except Exception:  # the cost is an extra: the model is stored without it rather than not at all
        return None, None
    return cost.model_properties(), cost.flops.per_module
