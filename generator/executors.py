r"""The one ``Executor`` seam of scans and sharded runs (DESIGN.md rule 9): in-process, local processes, Dask.

An executor runs ``fn(*task)`` for every task of a list and calls ``done(index, result)`` in the calling
thread as each task finishes, in any order; the caller makes the outcome independent of that order
(a scan point's seed comes from its mass, a shard's from its number)::

    serial      Executor()                  in this process, one task after the other
    processes   ProcessExecutor(workers)    concurrent.futures on local worker processes (the default)
    dask        DaskExecutor(address | n)   distributed.Client to a running scheduler, or a LocalCluster

**Lost workers.** A local worker that dies (``BrokenProcessPool``) breaks the pool: the pool is rebuilt
and the tasks not finished are resubmitted, at most :data:`MAX_RETRIES` times each. Dask reschedules the
tasks of a lost worker itself (up to ``distributed.scheduler.allowed-failures`` times) and reruns a task
that raised up to :data:`MAX_RETRIES` times. A task must therefore be safe to run twice: a scan point
returns its result, a shard writes pieces whose names are unique to the attempt.

**Stopping.** If ``run`` is left by an exception -- SIGINT/SIGTERM in the calling process
(:class:`~generator.exceptions.RunInterrupted`), a failed task, or an error raised by ``done`` -- the
tasks still running are stopped before the exception goes on: local workers are terminated and joined
(so that no worker writes after the caller has cleaned up), Dask futures are cancelled (a running Dask
task cannot be killed; a shard checks between its event chunks that its run still holds the output
directory's lock and stops by itself). Local workers ignore SIGINT (the caller stops them), take
SIGTERM's default action, and on Linux get SIGKILL when the calling process dies (``PR_SET_PDEATHSIG``),
so a ``kill -9`` of a run leaves no worker behind.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import FrameType
from typing import Any

__all__ = [
    "EXECUTORS",
    "MAX_RETRIES",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SchedulerUnreachable",
    "check_options",
    "make_executor",
]

logger = logging.getLogger(__name__)

#: Executor names of the seam.
EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")
#: Times a task is resubmitted after its worker died, before the caller gives up.
MAX_RETRIES = 3
_PR_SET_PDEATHSIG = 1


class SchedulerUnreachable(ValueError):
    """No Dask scheduler answers at the address given (``--scheduler``): the user's input to fix."""


class Executor:
    """Runs ``fn(*task)`` for every task and calls ``done(index, result)`` as each finishes (in-process)."""

    name = "serial"
    workers = 1

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]],
            done: Callable[[int, Any], None]) -> None:
        for i, task in enumerate(tasks):
            done(i, fn(*task))

    def close(self) -> None:
        """Release workers (nothing for the serial executor)."""


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM only recorded while the caller forks its workers, then handed to the handlers the
    caller had: a run's handler raising inside ``fork()``'s at-fork hooks (``logging`` has some) would be
    lost with a traceback on stderr; deferred, it raises right after, where the caller stops its workers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {
        s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in _STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if caught:
            handler = previous[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), caught[0])


def _worker_init() -> None:
    """Local worker: SIGINT ignored (the caller stops its workers), SIGTERM's default action (not the
    handler inherited from a run, which would turn it into an exception inside the task), and on Linux
    SIGKILL when the parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's workers now (a running task is not waited for) and join them."""
    processes = list(getattr(pool, "_processes", {}).values())  # concurrent.futures keeps them by pid
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()


class ProcessExecutor(Executor):
    """Local worker processes (``concurrent.futures``), forked so they inherit the loaded kernels.

    A worker that dies (``BrokenProcessPool``) breaks the pool: the pool is rebuilt and the tasks not
    finished are resubmitted, at most :data:`MAX_RETRIES` times each. Leaving :meth:`run` by an exception
    terminates the workers at once.
    """

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("fork" if "fork" in methods else None)

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]],
            done: Callable[[int, Any], None]) -> None:
        todo = set(range(len(tasks)))
        tries = dict.fromkeys(todo, 0)
        while todo:
            pool = ProcessPoolExecutor(max_workers=min(self.workers, len(todo)), mp_context=self._context,
                                       initializer=_worker_init)
            try:
                with _signals_deferred():  # the first submit forks the workers
                    futures = {pool.submit(fn, *tasks[i]): i for i in sorted(todo)}
                pending = set(futures)
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in sorted(finished, key=futures.__getitem__):
                        i = futures[fut]
                        try:
                            result = fut.result()
                        except BrokenProcessPool:
                            tries[i] += 1
                            if tries[i] > MAX_RETRIES:
                                raise RuntimeError(f"task {i} lost its worker {tries[i]} times") from None
                            continue
                        todo.discard(i)
                        done(i, result)
            except BaseException:
                _terminate(pool)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            if todo:
                logger.warning("a worker process died; resubmitting %d unfinished task(s)", len(todo))


class DaskExecutor(Executor):
    """Dask ``distributed``: a running scheduler (``address = "tcp://host:8786"``) or a ``LocalCluster``.

    Tasks are submitted with ``pure=False`` and ``retries``; the scheduler itself reruns the tasks of a
    worker that is lost (up to ``distributed.scheduler.allowed-failures`` times). Leaving :meth:`run` by
    an exception cancels the tasks not finished.
    """

    name = "dask"

    def __init__(self, address: str | None = None, n_local: int | None = None) -> None:
        from ._extras import require

        require("dask", "the Dask executor")
        level = logging.getLogger().getEffectiveLevel()
        from distributed import Client, LocalCluster

        # Dask's own log lines follow mudump's level (-q: errors only), in this process and the local workers
        logging.getLogger("distributed").setLevel(level)
        self._cluster = None
        if address is not None:
            try:
                self.client = Client(address, timeout="30s")
            except OSError as exc:  # a refused or timed-out connection
                raise SchedulerUnreachable(f"no Dask scheduler answers at {address} ({exc}); check the "
                                           "address (tcp://HOST:8786) and that the scheduler runs") from None
        else:
            self._cluster = LocalCluster(n_workers=n_local or 2, threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=max(level, logging.WARNING))
            self.client = Client(self._cluster)
        self.workers = max(len(self.client.scheduler_info().get("workers", {})), 1)

    def run(self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]],
            done: Callable[[int, Any], None]) -> None:
        from distributed import as_completed

        if not self.client.scheduler_info().get("workers"):
            logger.warning("the Dask scheduler has no worker yet: the tasks wait for one (start workers with "
                           "dask worker %s)", self.client.scheduler.address)
        futures = {self.client.submit(fn, *task, pure=False, retries=MAX_RETRIES): i
                   for i, task in enumerate(tasks)}
        try:
            for fut in as_completed(list(futures)):
                done(futures[fut], fut.result())
                fut.release()
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.cancel(list(futures))
            raise

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str = "processes", *, workers: int | None = None, scheduler: str | None = None,
                  dask_local: int | None = None) -> Executor:
    """The executor named ``kind`` (one of :data:`EXECUTORS`); a scheduler or ``dask_local`` means Dask."""
    if scheduler is not None or dask_local is not None:
        kind = "dask"
    if kind == "serial":
        return Executor()
    if kind == "processes":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(scheduler, dask_local)
    raise ValueError(f"executor = {kind!r} but require one of {', '.join(EXECUTORS)}")


def check_options(*, scheduler: str | None = None, dask_local: int | None = None, **counts: int | None) -> None:
    """Refuse, before any work, a count option below 1 (``--jobs``, ``--workers``, ``--shards``, ...) and
    ``--scheduler`` with ``--dask-local``: one ``ValueError`` line naming the option (the CLI's ``run``,
    ``scan`` and ``flux`` share it)."""
    for name, value in {**counts, "dask_local": dask_local}.items():
        if value is not None and value < 1:
            raise ValueError(f"--{name.replace('_', '-')} = {value} but require N >= 1")
    if scheduler is not None and dask_local is not None:
        raise ValueError("--scheduler and --dask-local both given; require one (an existing cluster or a local one)")
