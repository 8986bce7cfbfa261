"""Named phases of a run, announced on stderr when one lasts long.

A CI log that stays silent for minutes looks like a hang (issue 10: a 100,000-line ACL showed no
sign of life for 7 minutes). The core marks its phases (``with phase("parse head snapshot")``);
the command line installs an :class:`Announcer` that prints one line when a phase has lasted more
than ~2 s, a line every ``every`` seconds while it goes on, and one when it ends. Without an
announcer (the library), phases cost a function call and print nothing.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator

_announcer: Announcer | None = None


class Announcer:
    """Watches the current phase from a daemon thread; prints only for slow phases."""

    def __init__(self, threshold: float = 2.0, every: float = 10.0, tick: float = 0.25) -> None:
        self.threshold = threshold
        self.every = every
        self.tick = tick
        self._lock = threading.Lock()
        self._stack: list[tuple[str, float]] = []
        self._announced: dict[int, float] = {}  # depth -> when last printed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="validator-phases", daemon=True)

    def start(self) -> None:
        from validator.limits import signals_blocked

        with signals_blocked():  # the thread leaves the run-ending signals to the main thread
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)

    def enter(self, name: str) -> None:
        with self._lock:
            self._stack.append((name, time.monotonic()))

    def leave(self) -> None:
        with self._lock:
            depth = len(self._stack) - 1
            name, start = self._stack.pop()
            announced = self._announced.pop(depth, None)
        if announced is not None:
            _say(f"{name}: done in {time.monotonic() - start:.1f} s")

    def _watch(self) -> None:
        while not self._stop.wait(self.tick):
            with self._lock:
                if not self._stack:
                    continue
                depth = len(self._stack) - 1
                name, start = self._stack[-1]
                now = time.monotonic()
                last = self._announced.get(depth)
                due = now - start >= self.threshold if last is None else now - last >= self.every
                if due:
                    self._announced[depth] = now
            if due:
                _say(f"{name}..." if last is None else f"{name}... {now - start:.0f} s")


def _say(text: str) -> None:
    try:
        sys.stderr.write(f"validator: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # progress is a courtesy; a closed stderr changes nothing


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Mark a phase of the run (nests: the innermost is what is announced)."""
    a = _announcer
    if a is None:
        yield
        return
    a.enter(name)
    try:
        yield
    finally:
        a.leave()


@contextlib.contextmanager
def announced(threshold: float = 2.0, every: float = 10.0) -> Iterator[None]:
    """Install an announcer for the duration of a command (the CLI does; the library does not)."""
    global _announcer
    previous = _announcer
    a = Announcer(threshold, every)
    _announcer = a
    a.start()
    try:
        yield
    finally:
        a.stop()
        _announcer = previous
