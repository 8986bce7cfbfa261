"""The default executor: this machine's CPUs, through forked worker processes.

Forked workers inherit the shared state from the parent's memory (copy-on-write): nothing is
pickled on the way in, only each batch's results on the way out. Small maps, one CPU, or a
platform without ``fork`` run serially in this process. ``VALIDATOR_WORKERS`` caps the worker
count (``1``: always serial).

Signals and the pool (exit codes are never lost, no command hangs): a SIGTERM, SIGINT or SIGALRM
(``--timeout``) whose handler raised *inside* ``Pool()`` -- workers forked, the pool's threads
running, its terminating finaliser not yet registered -- left a pool nobody ended: at exit
multiprocessing killed its workers, the pool's own thread forked replacements, and the command hung.
So the pool is built, and ended, with those signals *blocked* in this thread
(``pthread_sigmask``), not with a Python handler swapped in: a forked worker starts with the same
mask and the same handlers as the parent had, sets its own dispositions in
``limits.worker_signals`` and only then unblocks, so it never runs the parent's handler. A signal
that arrived meanwhile stays pending and is delivered to the parent's normal handler when the mask
is restored, by which time the pool exists and the ``finally`` below ends it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from validator.executors.base import BatchFn, R, Shared, T, checked, chunks, run_here
from validator.limits import signals_blocked

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
        context = multiprocessing.get_context("fork")
        _JOB = (fn, shared, batches)
        pool = None
        try:
            with signals_blocked():
                pool = context.Pool(workers, initializer=worker_signals)
            # restoring the mask above delivers a signal that came in meanwhile: its handler
            # raises there, with ``pool`` set, and the ``finally`` ends the pool
            for i, results in enumerate(pool.imap(_run_batch, range(len(batches)))):
                yield from checked(results, len(batches[i]))
        finally:
            _JOB = None
            if pool is not None:
                _terminate(pool)

    def close(self) -> None:
        return None  # each map's pool ends with the map


def _terminate(pool: Any) -> None:
    """``pool.terminate()`` run to its end: a handler raising inside it (a second SIGTERM, the
    ``--timeout`` alarm, which re-fires) would leave the pool half ended, its finaliser spent and
    its worker thread possibly still replacing workers, so it runs with the signals blocked.

    A signal that lands just before they are blocked is kept and the termination retried (a
    second ``terminate`` after a complete one does nothing); the first exception is raised once
    the pool is ended. (Should one land even before this function's ``try``, the pool's own
    finaliser still ends it when the pool is collected or the interpreter exits.)"""
    late: BaseException | None = None
    for _ in range(8):  # each retry follows a signal that landed within a few bytecodes
        ended = False
        try:
            with signals_blocked():
                pool.terminate()
                ended = True
            # restoring the mask raises here a signal kept pending meanwhile: the pool is ended
        except BaseException as exc:  # a signal handler's exception, or terminate's own
            late = late or exc
        if ended:
            break
    if late is not None:
        raise late


def _run_batch(index: int) -> Sequence[Any]:
    fn, shared, batches = _JOB
    return list(fn(shared, batches[index]))
