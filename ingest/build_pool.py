"""Worker processes that build models, robust to a worker dying mid-build.

Workers come from a forkserver that has preloaded torch and transformers (``worker_preload``), so starting one is
a fork. Each worker is replaced after ``TASKS_PER_WORKER`` builds, which bounds the memory that imported model
modules accumulate. When a worker dies (segfault, out of memory, ``os._exit`` in model code), every build in
flight is lost with it; those builds are re-run one at a time in a fresh pool, and the one that kills its worker
again is reported as a failed model. ``workers=0`` builds in the calling process (debugging).

A build's own timeout (SIGALRM in the worker) cannot interrupt a worker stuck inside one C call, or one that is
stopped, so the parent keeps a deadline too: a build not back ``2 x timeout + grace`` seconds after it was submitted
(it may first wait behind one other build per worker) is recorded as failed, every worker is killed, and the other
builds in flight are re-run as after a crash.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from nnstruct.choices import Status
from nnstruct.ingest.meta_build import BuildJob, BuildOutcome, run_job

TASKS_PER_WORKER = 100
CRASH_REASON = "the build crashed its worker process (segfault, out of memory or exit in model code)"
DEADLINE_GRACE = 60.0  # seconds on top of twice the build timeout: worker start-up, a loaded machine


def _initialize_worker() -> None:
    import torch

    from nnstruct.ingest.quiet import silence_libraries

    silence_libraries()
    torch.set_num_threads(1)  # builds are many and small: processes, not threads, give the parallelism


class BuildPool:
    """Submit :class:`BuildJob` objects, collect :class:`BuildOutcome` objects as they finish."""

    def __init__(self, workers: int, grace: float = DEADLINE_GRACE) -> None:
        self.workers = max(0, workers)
        self.grace = grace
        self._executor: ProcessPoolExecutor | None = None
        self._futures: dict[Future[BuildOutcome], BuildJob] = {}
        self._deadlines: dict[Future[BuildOutcome], float] = {}  # monotonic time by which the parent gives up
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
            future = self._executor.submit(run_job, job)
        except BrokenProcessPool:
            self._suspects.append(job)
            self._recover()
            return
        self._futures[future] = job
        limit = self._limit(job)
        if limit is not None:
            self._deadlines[future] = time.monotonic() + limit

    def _limit(self, job: BuildJob) -> float | None:
        """Seconds the parent waits for ``job`` from its submission (None: no build timeout, no deadline)."""
        return 2 * job.timeout + self.grace if job.timeout else None

    def _overdue_reason(self, job: BuildJob) -> str:
        return (f"the build did not come back within {self._limit(job):g} s although its timeout is {job.timeout:g} s "
                "(stuck in native code?); its worker was killed")

    def _wait_seconds(self, block: bool) -> float | None:
        if not block:
            return 0
        if not self._deadlines:
            return None
        return max(0.0, min(self._deadlines.values()) - time.monotonic())

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
        done, _ = wait(list(self._futures), timeout=self._wait_seconds(block), return_when=FIRST_COMPLETED)
        broken = False
        for future in done:
            job = self._futures.pop(future)
            self._deadlines.pop(future, None)
            try:
                yield future.result()
            except BrokenProcessPool:
                self._suspects.append(job)
                broken = True
            except Exception as exc:  # the outcome could not come back (e.g. not picklable): that model failed
                yield BuildOutcome(job.id, Status.FAILED, f"the worker could not return the build: {exc}"[:300])
        now = time.monotonic()
        overdue = [future for future, deadline in self._deadlines.items() if deadline <= now and not future.done()]
        for future in overdue:
            job = self._futures.pop(future)
            del self._deadlines[future]
            yield BuildOutcome(job.id, Status.FAILED, self._overdue_reason(job))
        if overdue:
            self._kill_workers(self._executor)
            broken = True
        if broken:
            self._recover()
            yield from self._run_suspects()

    @staticmethod
    def _kill_workers(executor: ProcessPoolExecutor | None) -> None:
        """SIGKILL the executor's worker processes: the only way to stop a build stuck in C code.
        (``_processes`` is the executor's own table of its workers.)"""
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            if process.is_alive():
                process.kill()

    def _recover(self) -> None:
        """A worker died: every build still in flight is suspect; start over with a fresh pool."""
        self._suspects.extend(self._futures.values())
        self._futures.clear()
        self._deadlines.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None

    def _run_suspects(self) -> Iterator[BuildOutcome]:
        while self._suspects:
            job = self._suspects.popleft()
            executor = self._new_executor(1)
            try:
                yield executor.submit(run_job, job).result(timeout=self._limit(job))
            except BrokenProcessPool:
                yield BuildOutcome(job.id, Status.FAILED, CRASH_REASON)
            except TimeoutError:
                self._kill_workers(executor)
                yield BuildOutcome(job.id, Status.FAILED, self._overdue_reason(job))
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
