"""The default executor: this machine's CPUs, through forked worker processes.

Forked workers inherit the shared state from the parent's memory (copy-on-write): nothing is
pickled on the way in, only each batch's results on the way out. Small maps, one CPU, or a
platform without ``fork`` run serially in this process. ``VALIDATOR_WORKERS`` caps the worker
count (``1``: always serial).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

from validator.executors.base import BatchFn, R, Shared, T, checked, chunks, run_here

MAX_WORKERS = 8
_JOB: Any = None  # (fn, shared, batches) of the running map, inherited by the forked workers


class LocalExecutor:
    """Worker processes on this machine (``--executor local``, the default)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self._workers = workers  # None: VALIDATOR_WORKERS, else this process's CPUs (at most 8)

    def workers(self, items: int, *, min_parallel: int = 1) -> int:
        import multiprocessing

        env = os.environ.get("VALIDATOR_WORKERS")
        if items < max(min_parallel, 2) or env == "1":
            return 1
        if "fork" not in multiprocessing.get_all_start_methods():
            return 1
        if self._workers is not None:
            wanted = self._workers
        elif env and env.isdigit():
            wanted = int(env)
        else:
            wanted = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return max(1, min(wanted, MAX_WORKERS, items))

    def distributes(self, items: int, *, min_parallel: int = 1) -> bool:
        return self.workers(items, min_parallel=min_parallel) > 1

    def map_batches(
        self, fn: BatchFn[T, R], shared: Shared, items: Sequence[T], *, min_parallel: int = 1
    ) -> Iterator[R]:
        workers = self.workers(len(items), min_parallel=min_parallel)
        if workers <= 1:
            yield from run_here(fn, shared, items)
            return
        import multiprocessing

        from validator.limits import worker_signals

        global _JOB
        batches = chunks(items, len(items) // (workers * 8))
        _JOB = (fn, shared, batches)
        pool = None
        try:
            # a SIGTERM/SIGINT raised inside Pool() (workers forked, the pool's threads started,
            # its finaliser not yet registered) leaves a pool nobody terminates: at exit
            # multiprocessing kills its workers, the pool's own thread forks replacements, and
            # the command hangs joining them. The pool is built and torn down with the signals
            # deferred; they interrupt only the waiting for results (a signal deferred while the
            # pool was built is raised once `pool` is set, so the finally below ends it).
            with _signals_deferred():
                pool = multiprocessing.get_context("fork").Pool(workers, initializer=worker_signals)
            for i, results in enumerate(pool.imap(_run_batch, range(len(batches)))):
                yield from checked(results, len(batches[i]))
        finally:
            _JOB = None
            if pool is not None:
                with _signals_deferred():
                    pool.terminate()

    def close(self) -> None:
        return None  # each map's pool ends with the map


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGTERM and SIGINT received inside the block are delivered when it ends, to the handlers
    that were installed before it (which raise, so the caller's ``finally`` blocks run)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def record(signum: int, _frame: FrameType | None) -> None:
        pending.append(signum)

    watched = (signal.SIGTERM, signal.SIGINT)
    previous = {s: signal.signal(s, record) for s in watched}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if pending:
            handler = previous[signal.Signals(pending[0])]
            if callable(handler):
                handler(pending[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), pending[0])


def _run_batch(index: int) -> Sequence[Any]:
    fn, shared, batches = _JOB
    return list(fn(shared, batches[index]))
