"""Run limits: a wall-clock deadline and signals that end a run, never with a partial pass.

A CI job must not hang and must not pass because an analysis was cut short. The deadline is a
``SIGALRM`` timer in the main thread; its exception derives from ``BaseException`` so no broad
``except Exception`` in the analysis can swallow it and carry on with half an answer. Outside the
main thread (no signals there) the deadline is checked cooperatively at phase boundaries
(:func:`check_deadline`), and a run that finishes after its deadline is still an error.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

from validator.errors import InputError


class RunTimeout(BaseException):
    """The run exceeded its ``--timeout``: the verdict is ``error`` (exit 3), never a pass."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"timed out after {seconds:g} s (--timeout): no verdict")


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or SIGINT) ended the run: exit 3, workers ended, one line on stderr."""

    def __init__(self, signame: str) -> None:
        self.signame = signame
        super().__init__(f"interrupted by {signame}: no verdict")


REARM_SECONDS = 0.2
_deadlines: list[tuple[float, float]] = []  # (monotonic end, seconds), innermost last


_handled = False  # a RunTimeout was caught and turned into an error verdict: stop firing


def timeout_handled() -> None:
    """The caller turned a :class:`RunTimeout` into its result (an error verdict): the alarm must
    not fire again while that result is rendered. Reset when the outermost deadline ends."""
    global _handled
    if not _deadlines:
        return  # the deadline already ended (and disarmed its alarm): nothing left to quiet
    _handled = True
    if _in_main_thread() and hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)


def check_deadline() -> None:
    """Raise :class:`RunTimeout` if any active deadline has passed (cooperative check)."""
    if _handled:
        return
    now = time.monotonic()
    for end, seconds in _deadlines:
        if now >= end:
            raise RunTimeout(seconds)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`RunTimeout` in the body once ``seconds`` have passed (None: no limit)."""
    if seconds is None:
        yield
        return
    if not seconds > 0:
        raise InputError(f"timeout must be a positive number of seconds, not {seconds!r}")
    entry = (time.monotonic() + seconds, seconds)
    use_alarm = _in_main_thread() and hasattr(signal, "setitimer")
    closing = [False]  # set first thing on the way out: from then on this alarm raises nothing
    # read before anything is installed, so the cleanup restores it however early it runs
    previous: object = signal.getsignal(signal.SIGALRM) if use_alarm else None

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if _handled or closing[0]:
            return
        # an exception raised where Python cannot propagate it (a __del__, a gc callback) is
        # lost: fire again shortly until one lands; the ``finally`` below disarms the timer
        signal.setitimer(signal.ITIMER_REAL, REARM_SECONDS)
        check_deadline()  # the innermost expired deadline names itself; else an outer one
        raise RunTimeout(seconds)

    try:  # the setup too: an alarm as soon as it is armed (a tiny timeout) must not skip cleanup
        _deadlines.append(entry)
        if use_alarm:
            outer = signal.getitimer(signal.ITIMER_REAL)[0]
            signal.signal(signal.SIGALRM, on_alarm)
            # an enclosing deadline that ends first keeps its own (earlier) alarm
            signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer > 0 else seconds)
        yield
    finally:
        # An alarm due just as the body ends (a slow machine, a pool that takes seconds to stop)
        # runs its handler inside this cleanup: its RunTimeout must not skip the rest, or the
        # handler stays installed with its timer re-armed and the expired entry stays listed, and
        # the deadline of this run goes on firing into the next run. So: finish, then raise it.
        late: RunTimeout | None = None
        for _ in range(3):
            try:
                closing[0] = True
                _end_deadline(entry, use_alarm, previous)
                break
            except RunTimeout as exc:
                late = late or exc
        if late is not None:
            raise late


def _end_deadline(entry: tuple[float, float], use_alarm: bool, previous: object) -> None:
    """Disarm, restore the enclosing handler, unlist ``entry``; safe to run again if cut short."""
    if use_alarm:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)  # type: ignore[arg-type]
    if entry in _deadlines:
        _deadlines.remove(entry)
    if not _deadlines:
        _reset_handled()
    elif use_alarm and not _handled:  # re-arm the enclosing deadline
        remaining = min(end for end, _ in _deadlines) - time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, max(remaining, 0.001))


def _reset_handled() -> None:
    global _handled
    _handled = False


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """SIGTERM raises :class:`Interrupted` like Ctrl-C does, so ``finally`` blocks (worker pools)
    run and the command leaves with exit 3 instead of dying silently or passing."""
    if not _in_main_thread():
        yield
        return

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise Interrupted("SIGTERM")

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# the signals whose handlers end a run (Interrupted, KeyboardInterrupt, RunTimeout): the local
# executor builds and ends its worker pool with them blocked (executors/local.py)
POOL_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGALRM})


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """The signals whose handlers end a run (:data:`POOL_SIGNALS`) are held pending in this
    thread inside the block and delivered, to the handlers installed then, when it ends.

    Threads started and processes forked inside the block inherit the mask: the worker pool's
    threads and the CLI's helper threads (``phases.Announcer``, the Batfish backend's call
    thread) keep them blocked for good, so the main thread alone receives them. That matters: a
    process-directed signal goes to any thread that has not blocked it, and CPython then runs the
    handler in the main thread at once, mask or not, so one helper thread with the signals open
    would undo the pool's protection. The pool's workers unblock them in ``worker_signals`` once
    their own dispositions are set."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - no fork there either
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, POOL_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def worker_signals() -> None:
    """In forked workers: die on SIGTERM (the pool's terminate), leave SIGINT to the parent,
    which ends the pool; a worker must never outlive the command.

    The worker was forked with :data:`POOL_SIGNALS` blocked and the parent's handlers installed
    (which raise into the parent's code): the dispositions are set first, then the signals
    unblocked, so a SIGTERM sent meanwhile (the pool ended while this worker was starting) kills
    it here and a pending SIGINT is discarded."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, POOL_SIGNALS)
