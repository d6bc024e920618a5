"""Worker processes that build models, robust to a worker dying mid-build.

Workers come from a forkserver that has preloaded torch and transformers (``worker_preload``), so starting one is
a fork. Each worker is replaced after ``TASKS_PER_WORKER`` builds, which bounds the memory that imported model
modules accumulate. When a worker dies (segfault, out of memory, ``os._exit`` in model code), every build in
flight is lost with it; those builds are re-run one at a time in a fresh pool, and the one that kills its worker
again is reported as a failed model. ``workers=0`` builds in the calling process (debugging).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from nnstruct.choices import Status
from nnstruct.ingest.meta_build import BuildJob, BuildOutcome, run_job

TASKS_PER_WORKER = 100
CRASH_REASON = "the build crashed its worker process (segfault, out of memory or exit in model code)"


def _initialize_worker() -> None:
    import torch

    from nnstruct.ingest.quiet import silence_libraries

    silence_libraries()
    torch.set_num_threads(1)  # builds are many and small: processes, not threads, give the parallelism


class BuildPool:
    """Submit :class:`BuildJob` objects, collect :class:`BuildOutcome` objects as they finish."""

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._executor: ProcessPoolExecutor | None = None
        self._futures: dict[Future[BuildOutcome], BuildJob] = {}
        self._ready: deque[BuildOutcome] = deque()
        self._suspects: deque[BuildJob] = deque()  # in flight when a worker died: re-run alone

    @property
    def capacity(self) -> int:
        """How many builds may be in flight before the caller should wait for results."""
        return max(1, self.workers * 2)

    @property
    def in_flight(self) -> int:
        return len(self._futures) + len(self._ready) + len(self._suspects)

    def _new_executor(self, workers: int) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["nnstruct.ingest.worker_preload"])
        return ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_initialize_worker,
            max_tasks_per_child=TASKS_PER_WORKER,
        )

    def submit(self, job: BuildJob) -> None:
        if self.workers == 0:
            self._ready.append(run_job(job))
            return
        if self._executor is None:
            self._executor = self._new_executor(self.workers)
        try:
            self._futures[self._executor.submit(run_job, job)] = job
        except BrokenProcessPool:
            self._suspects.append(job)
            self._recover()

    def results(self, block: bool) -> Iterator[BuildOutcome]:
        """Outcomes finished so far; with ``block``, wait until at least one is there (if any is in flight)."""
        while self._ready:
            yield self._ready.popleft()
            block = False
        if self._suspects:
            yield from self._run_suspects()
            block = False
        if not self._futures:
            return
        done, _ = wait(list(self._futures), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        broken = False
        for future in done:
            job = self._futures.pop(future)
            try:
                yield future.result()
            except BrokenProcessPool:
                self._suspects.append(job)
                broken = True
            except Exception as exc:  # the outcome could not come back (e.g. not picklable): that model failed
                yield BuildOutcome(job.id, Status.FAILED, f"the worker could not return the build: {exc}"[:300])
        if broken:
            self._recover()
            yield from self._run_suspects()

    def _recover(self) -> None:
        """A worker died: every build still in flight is suspect; start over with a fresh pool."""
        self._suspects.extend(self._futures.values())
        self._futures.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None

    def _run_suspects(self) -> Iterator[BuildOutcome]:
        while self._suspects:
            job = self._suspects.popleft()
            executor = self._new_executor(1)
            try:
                yield executor.submit(run_job, job).result()
            except BrokenProcessPool:
                yield BuildOutcome(job.id, Status.FAILED, CRASH_REASON)
            finally:
                executor.shutdown(wait=False, cancel_futures=True)

    def drain(self) -> Iterator[BuildOutcome]:
        while self.in_flight:
            yield from self.results(block=True)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> BuildPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None and self._executor is not None:  # interrupted: do not wait for running builds
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self.close()
