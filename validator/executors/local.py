"""The default executor: this machine's CPUs, through forked worker processes.

Forked workers inherit the shared state from the parent's memory (copy-on-write): nothing is
pickled on the way in, only each batch's results on the way out. Small maps, one CPU, or a
platform without ``fork`` run serially in this process. ``VALIDATOR_WORKERS`` caps the worker
count (``1``: always serial).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
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
        try:
            with multiprocessing.get_context("fork").Pool(workers, initializer=worker_signals) as pool:
                for i, results in enumerate(pool.imap(_run_batch, range(len(batches)))):
                    yield from checked(results, len(batches[i]))
        finally:
            _JOB = None

    def close(self) -> None:
        return None  # each map's pool ends with the map


def _run_batch(index: int) -> Sequence[Any]:
    fn, shared, batches = _JOB
    return list(fn(shared, batches[index]))
