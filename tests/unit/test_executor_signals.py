"""A signal that lands while the local executor builds its worker pool must still end every worker.

Raised inside ``Pool()`` (workers forked, the pool's threads running, its finaliser not yet
registered), the interruption used to leave a pool nobody terminated: at exit multiprocessing
killed its workers, the pool's own thread forked replacements, and the command hung joining them
(seen as ``validator check`` not exiting after SIGTERM under load).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import multiprocessing.util
import os
import signal
import time
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any

import pytest

from validator.executors.local import LocalExecutor


class Stop(Exception):
    pass


def _square(_shared: Any, batch: Sequence[int]) -> Iterator[int]:
    for x in batch:
        yield x * x


def _raise(_signum: int, _frame: FrameType | None) -> None:
    raise Stop


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_while_the_pool_is_built_ends_every_worker(monkeypatch: pytest.MonkeyPatch, sig: signal.Signals) -> None:
    finalize = multiprocessing.util.Finalize
    sent: list[int] = []

    def signal_then_finalize(obj: Any, callback: Any, *args: Any, **kwargs: Any) -> Any:
        # Pool.__init__ registers its terminating finaliser last, after forking the workers and
        # starting its threads: the signal lands in that window
        if not sent and getattr(callback, "__name__", "") == "_terminate_pool":
            sent.append(1)
            os.kill(os.getpid(), sig)
        return finalize(obj, callback, *args, **kwargs)

    monkeypatch.setattr(multiprocessing.util, "Finalize", signal_then_finalize)
    previous = signal.signal(sig, _raise)
    try:
        with pytest.raises(Stop):
            list(LocalExecutor(workers=2).map_batches(_square, None, list(range(64)), min_parallel=1))
    finally:
        signal.signal(sig, previous)
    assert sent
    guard = time.monotonic() + 20  # a hang guard, not a timing assertion
    while multiprocessing.active_children() and time.monotonic() < guard:
        time.sleep(0.05)
    assert not multiprocessing.active_children()


def test_results_unchanged() -> None:
    out = list(LocalExecutor(workers=2).map_batches(_square, None, list(range(64)), min_parallel=1))
    assert out == [x * x for x in range(64)]
