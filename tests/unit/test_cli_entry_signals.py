"""The console entry point keeps exit 3 for a signal outside ``main()``'s own handling.

``run()`` tunes the collector and starts the phase announcer before ``main()`` installs its
handlers, and stops the announcer after ``main()`` returns; a SIGTERM or Ctrl-C there used to end
the process with the signal's status (143) or a ``KeyboardInterrupt`` traceback.
"""

from __future__ import annotations

import os
import signal
import sys

import pytest

import validator.cli as cli
from validator import phases


def test_sigterm_before_main_is_exit_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "_tune_gc", lambda: os.kill(os.getpid(), signal.SIGTERM))
    monkeypatch.setattr(cli, "main", lambda argv=None: 0)  # never reached

    class Escaped(Exception):
        pass

    def escaped(signum: int, frame: object) -> None:
        raise Escaped  # without run()'s own handler the signal reaches this one (not pytest's death)

    before = signal.signal(signal.SIGTERM, escaped)
    try:
        with pytest.raises(SystemExit) as exc:
            cli.run()
        assert signal.getsignal(signal.SIGTERM) is escaped  # the handler is the caller's again
    finally:
        signal.signal(signal.SIGTERM, before)
    assert exc.value.code == 3
    assert capsys.readouterr().err.strip().splitlines() == ["validator: interrupted by SIGTERM: no verdict"]


def test_ctrl_c_while_the_announcer_stops_is_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stop = phases.Announcer.stop

    def interrupted(self: phases.Announcer) -> None:
        stop(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(sys, "argv", ["validator", "check"])  # not pytest's -q: announce phases
    monkeypatch.setenv("VALIDATOR_PROGRESS", "1")
    monkeypatch.setattr(cli, "_tune_gc", lambda: None)
    monkeypatch.setattr(cli, "main", lambda argv=None: 0)  # a pass, then Ctrl-C in the teardown
    monkeypatch.setattr(phases.Announcer, "stop", interrupted)
    with pytest.raises(SystemExit) as exc:
        cli.run()
    assert exc.value.code == 3
    assert capsys.readouterr().err.strip().splitlines() == ["validator: interrupted by SIGINT: no verdict"]


def test_a_verdict_keeps_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALIDATOR_PROGRESS", "0")
    monkeypatch.setattr(cli, "_tune_gc", lambda: None)
    for code in (0, 1, 2, 3):
        monkeypatch.setattr(cli, "main", lambda argv=None, c=code: c)
        with pytest.raises(SystemExit) as exc:
            cli.run()
        assert exc.value.code == code
