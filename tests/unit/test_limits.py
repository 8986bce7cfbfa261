"""The run deadline (issue 10, item 4): SIGALRM based, not swallowable, re-fired if lost."""

from __future__ import annotations

import threading
import time

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
