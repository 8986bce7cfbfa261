"""The run deadline (issue 10, item 4): SIGALRM based, not swallowable, re-fired if lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from validator.errors import InputError
from validator.limits import RunTimeout, check_deadline, deadline, timeout_handled


def _spin(guard: float = 30.0) -> None:
    end = time.monotonic() + guard  # a hang guard, not a timing assertion
    while time.monotonic() < end:
        time.sleep(0.01)


def test_deadline_raises_through_except_exception() -> None:
    with pytest.raises(RunTimeout, match=r"timed out after 0\.2 s"), deadline(0.2):
        try:
            _spin()
        except Exception:  # what careless analysis code does: must not swallow the deadline
            pytest.fail("RunTimeout was caught as an Exception")


def test_a_lost_alarm_fires_again() -> None:
    swallowed = 0
    with pytest.raises(RunTimeout), deadline(0.2):
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                time.sleep(0.01)
            except RunTimeout:
                if swallowed:
                    raise
                swallowed += 1  # like an exception raised inside a gc callback: lost
    assert swallowed == 1


def test_inner_deadline_restores_the_outer_one() -> None:
    with pytest.raises(RunTimeout, match=r"after 0\.5 s"), deadline(0.5):
        with deadline(10):
            pass
        _spin()


def test_no_deadline_and_bad_values() -> None:
    with deadline(None):
        check_deadline()
    with pytest.raises(InputError), deadline(0):
        pass


def test_outside_the_main_thread_the_deadline_is_cooperative() -> None:
    outcome: list[str] = []

    def work() -> None:
        try:
            with deadline(0.05):
                time.sleep(0.2)
                check_deadline()
        except RunTimeout:
            outcome.append("timeout")

    t = threading.Thread(target=work)
    t.start()
    t.join(30)
    assert outcome == ["timeout"]


def test_a_handled_timeout_stops_firing_until_the_deadline_ends() -> None:
    with deadline(0.1):
        try:
            _spin()
        except RunTimeout:
            timeout_handled()  # the error verdict is the answer; rendering it must not be cut
        time.sleep(0.6)  # past the re-fire interval: no second RunTimeout
        check_deadline()
    with pytest.raises(RunTimeout), deadline(0.1):  # the next run has its own deadline again
        _spin()


def test_handling_a_timeout_after_its_deadline_ended_leaves_no_trace() -> None:
    try:
        with deadline(0.1):
            _spin()
    except RunTimeout:
        timeout_handled()  # what api.run does: the deadline is already gone
    with pytest.raises(RunTimeout), deadline(0.1):
        _spin()


@pytest.fixture
def alarm_state_restored() -> Iterator[None]:
    """A failing test here would leave a live alarm firing into the rest of the suite: undo it."""
    import signal

    import validator.limits as limits

    before = signal.getsignal(signal.SIGALRM)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, before)
    limits._deadlines.clear()
    limits._reset_handled()


def _assert_nothing_left(before: object) -> None:
    import signal

    import validator.limits as limits

    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert limits._deadlines == [] and limits._handled is False


@pytest.mark.usefixtures("alarm_state_restored")
def test_an_alarm_landing_in_the_cleanup_leaves_no_handler_timer_or_deadline_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a loaded machine the alarm can come due just as the body ends: its handler then runs at
    the first call of the cleanup. Its RunTimeout must not cut the cleanup short, or the expired
    deadline goes on firing (every 0.2 s) into whatever runs next."""
    import signal

    real_setitimer = signal.setitimer
    fired: list[bool] = []

    def late_alarm(which: int, seconds: float, interval: float = 0.0) -> tuple[float, float]:
        out = real_setitimer(which, seconds, interval)
        if seconds == 0 and not fired:  # the disarm: the alarm was already pending
            fired.append(True)
            handler = signal.getsignal(signal.SIGALRM)
            assert callable(handler)
            handler(signal.SIGALRM, None)
        return out

    before = signal.getsignal(signal.SIGALRM)
    monkeypatch.setattr(signal, "setitimer", late_alarm)
    try:
        with deadline(30):
            pass  # the body is done; only the cleanup remains
    except RunTimeout:
        pass  # raising it is fine (the deadline was due); leaving it armed is not
    monkeypatch.undo()
    assert fired == [True]
    _assert_nothing_left(before)
    with pytest.raises(RunTimeout), deadline(0.1):  # the next run has a working deadline
        _spin()


@pytest.mark.usefixtures("alarm_state_restored")
def test_a_timeout_raised_inside_the_cleanup_is_raised_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    import validator.limits as limits

    real_end = limits._end_deadline
    calls: list[int] = []

    def cut_short(*args: object) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RunTimeout(30)  # the handler ran before the cleanup's first line
        real_end(*args)  # type: ignore[arg-type]

    before = signal.getsignal(signal.SIGALRM)
    monkeypatch.setattr(limits, "_end_deadline", cut_short)
    with pytest.raises(RunTimeout, match="after 30 s"), deadline(30):
        pass
    assert len(calls) == 2
    _assert_nothing_left(before)


@pytest.mark.usefixtures("alarm_state_restored")
def test_an_alarm_as_soon_as_it_is_armed_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny ``--timeout`` (or a stalled process) fires right after ``setitimer`` returns, before
    the body is entered: the cleanup must run all the same."""
    import signal

    real_setitimer = signal.setitimer
    fired: list[bool] = []

    def immediate(which: int, seconds: float, interval: float = 0.0) -> tuple[float, float]:
        out = real_setitimer(which, seconds, interval)
        if seconds > 0 and not fired:  # the arming call: the alarm is due at once
            fired.append(True)
            handler = signal.getsignal(signal.SIGALRM)
            assert callable(handler)
            handler(signal.SIGALRM, None)
        return out

    before = signal.getsignal(signal.SIGALRM)
    monkeypatch.setattr(signal, "setitimer", immediate)
    with pytest.raises(RunTimeout), deadline(30):
        pytest.fail("the body must not run: the deadline fired first")
    monkeypatch.undo()
    assert fired == [True]
    _assert_nothing_left(before)
