"""A signal that lands while the local executor builds or ends its worker pool still ends the run
with its exit code, promptly, and leaves no worker behind (exit codes are never lost).

Raised inside ``Pool()`` (some workers forked, the pool's threads running, its finaliser not yet
registered), a handler's exception used to leave a pool nobody terminated: at exit multiprocessing
killed its workers, the pool's own thread forked replacements, and the command hung joining them.
Raised inside ``terminate()``, it left the pool half ended the same way. The executor now builds
and ends the pool with the signals blocked (``pthread_sigmask``), so they are delivered right
after, when the ``finally`` that ends the pool is in place.

Each case runs a small script in a subprocess (its own session, so a hang cannot take the test run
with it): a hook inside multiprocessing sends the signal to the script at one point of the pool's
life, and the script maps with ``LocalExecutor(workers=2)`` under the CLI's handlers, answering
exit 3 as the CLI does, after saying how many workers are still alive once the exception has left
the map (none: the map's ``finally`` ended the pool). No timing assertions: the waits are hang
guards only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import multiprocessing, multiprocessing.context, multiprocessing.util, os, signal, sys, threading

from validator.executors.local import LocalExecutor
from validator.limits import Interrupted, RunTimeout, deadline, signals_interrupt

point, sig = sys.argv[1], getattr(signal, sys.argv[2])
fired = []
if sys.argv[3:] == ["announcer"]:  # the CLI's progress thread runs during every command
    from validator.phases import announced

    announced().__enter__()


def fire():
    if not fired:
        fired.append(1)
        print("fired", file=sys.stderr, flush=True)
        os.kill(os.getpid(), sig)


start = multiprocessing.context.ForkProcess.start


def start_and_record(self):
    start(self)
    print(f"worker {self.pid}", file=sys.stderr, flush=True)
    if point == "fork":  # the first worker forked, the second not yet
        fire()


multiprocessing.context.ForkProcess.start = start_and_record
if point == "threads":  # every worker forked, the pool's threads starting
    thread_start = threading.Thread.start

    def thread_start_then_fire(self):
        thread_start(self)
        fire()

    threading.Thread.start = thread_start_then_fire
if point == "finaliser":  # Pool.__init__'s last step: registering its terminating finaliser
    finalize = multiprocessing.util.Finalize

    def signal_then_finalize(obj, callback, *args, **kwargs):
        if getattr(callback, "__name__", "") == "_terminate_pool":
            fire()
        return finalize(obj, callback, *args, **kwargs)

    multiprocessing.util.Finalize = signal_then_finalize
if point == "teardown":  # the first thing _terminate_pool does
    debug = multiprocessing.util.debug

    def signal_on_finalizing(msg, *args):
        if msg == "finalizing pool":
            fire()
        return debug(msg, *args)

    multiprocessing.util.debug = signal_on_finalizing


def square(_shared, batch):
    return [x * x for x in batch]


code = 0
try:
    with signals_interrupt(), deadline(600):
        out = list(LocalExecutor(workers=2).map_batches(square, (), list(range(64))))
    assert out == [x * x for x in range(64)]
    print("completed", file=sys.stderr, flush=True)
except Interrupted as exc:
    print(f"validator: {exc}", file=sys.stderr, flush=True)
    code = 3
except KeyboardInterrupt:
    print("validator: interrupted by SIGINT: no verdict", file=sys.stderr, flush=True)
    code = 3
except RunTimeout as exc:
    print(f"validator: error: {exc}", file=sys.stderr, flush=True)
    code = 3
# the run's exception has reached the top: the map's ``finally`` must have ended the pool by now
print(f"left {len(multiprocessing.active_children())}", file=sys.stderr, flush=True)
sys.exit(code)
"""

EXPECTED = {
    "SIGTERM": "validator: interrupted by SIGTERM: no verdict",
    "SIGINT": "validator: interrupted by SIGINT: no verdict",
    "SIGALRM": "validator: error: timed out after 600 s (--timeout): no verdict",
}


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _default_signals() -> None:
    # a suite started in the background inherits SIGINT ignored; the script starts as from a
    # terminal
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(point: str, signame: str, *extra: str) -> tuple[int | None, list[str], set[int]]:
    """Exit code (None: hung), stderr lines, the workers the script forked."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, point, signame, *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "VALIDATOR_WORKERS": "2"},
        preexec_fn=_default_signals,
        start_new_session=True,
    )
    code: int | None = None
    err = b""
    try:
        _out, err = proc.communicate(timeout=45)  # a hang guard, not a timing assertion
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the script's own session: it and its workers
        _out, err = proc.communicate()
    lines = err.decode().strip().splitlines()
    workers = {int(line.split()[1]) for line in lines if line.startswith("worker ")}
    return code, [line for line in lines if not line.startswith("worker ")], workers


def _reap(workers: set[int]) -> bool:
    """Whether every worker is gone (within a hang guard); kills stragglers so none outlives the test."""
    guard = time.monotonic() + 20
    while any(_alive(w) for w in workers) and time.monotonic() < guard:
        time.sleep(0.05)
    left = {w for w in workers if _alive(w)}
    for w in left:
        with contextlib.suppress(OSError):
            os.kill(w, signal.SIGKILL)
    return not left


@pytest.mark.parametrize("point", ["fork", "threads", "finaliser", "teardown"])
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT", "SIGALRM"])
def test_signal_while_the_pool_is_built_or_ended(point: str, signame: str) -> None:
    code, lines, workers = _run(point, signame)
    assert workers, "the pool forked no worker"
    assert _reap(workers), f"workers still alive after the script ended: {lines}"
    assert code == 3, f"exit {code} (None: hung), stderr {lines}"
    assert lines == ["fired", EXPECTED[signame], "left 0"]


MASK_SCRIPT = r"""
import os, signal, sys

from validator.limits import signals_blocked
from validator.phases import announced


class Delivered(BaseException):
    pass


def handler(signum, frame):
    raise Delivered()


signal.signal(signal.SIGTERM, handler)
with announced():  # the CLI's progress thread, started as every command starts it
    try:
        with signals_blocked():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(3_000_000):  # many bytecodes: a pending handler would run here
                pass
            print("held")
    except Delivered:
        print("delivered")
"""


def test_helper_threads_keep_the_pool_signals_blocked() -> None:
    """A process-directed signal goes to any thread that has not blocked it, and CPython then runs
    the handler in the main thread at once: a helper thread started with the signals open made the
    main thread's mask (the pool's protection) worthless. Helper threads start with them blocked,
    so the signal waits for the block to end."""
    run = subprocess.run(
        [sys.executable, "-c", MASK_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert run.stdout.split() == ["held", "delivered"], (run.stdout, run.stderr)


@pytest.mark.parametrize("point", ["fork", "threads", "finaliser", "teardown"])
def test_a_helper_thread_does_not_open_the_window(point: str) -> None:
    """A process-directed signal goes to any thread that has not blocked it, and CPython then runs
    the handler in the main thread at once: with the CLI's progress thread started with the
    signals open, the pool's mask protected nothing. Helper threads now start with them blocked."""
    code, lines, workers = _run(point, "SIGTERM", "announcer")
    assert workers, "the pool forked no worker"
    assert _reap(workers), f"workers still alive after the script ended: {lines}"
    assert code == 3, f"exit {code} (None: hung), stderr {lines}"
    assert lines == ["fired", EXPECTED["SIGTERM"], "left 0"]


def test_no_signal_the_map_completes() -> None:
    code, lines, workers = _run("none", "SIGTERM")
    assert workers and _reap(workers)
    assert code == 0 and lines == ["completed", "left 0"]


def _worker_signal_state(_shared: object, batch: list[int]) -> list[tuple[list[int], bool, bool, bool]]:
    from validator.limits import POOL_SIGNALS

    blocked = sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, []) if s in POOL_SIGNALS)
    term = signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    intr = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    alrm = signal.getsignal(signal.SIGALRM) == signal.SIG_DFL
    return [(blocked, term, intr, alrm) for _ in batch]


def test_workers_unblock_after_setting_their_own_dispositions() -> None:
    """Forked with the signals blocked and the parent's handlers, a worker ends up with its own
    dispositions (SIGTERM kills it, SIGINT is the parent's business) and nothing blocked; the
    parent gets its mask back."""
    from validator.executors.local import LocalExecutor
    from validator.limits import signals_interrupt

    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with signals_interrupt():  # a Python handler in the parent, as under the CLI
        results = LocalExecutor(workers=2).map_batches(_worker_signal_state, (), list(range(32)))
        states = {(tuple(b), t, i, a) for b, t, i, a in results}
    assert states == {((), True, True, True)}
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before
