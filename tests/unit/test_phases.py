"""Progress lines for long phases (issue 10, item 5): announced on stderr only when slow."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from validator.phases import announced, phase

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(capsys: pytest.CaptureFixture[str], text: str, seen: list[str]) -> None:
    guard = time.monotonic() + 20  # a hang guard for a loaded machine, not a timing assertion
    while time.monotonic() < guard:
        seen.append(capsys.readouterr().err)
        if text in "".join(seen):
            return
        time.sleep(0.05)


def test_a_slow_phase_is_announced_and_closed(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []
    with announced(threshold=0.0, every=3600), phase("parse head snapshot"):
        _wait_for(capsys, "validator: parse head snapshot...", seen)
    seen.append(capsys.readouterr().err)
    lines = "".join(seen).splitlines()
    assert lines[0] == "validator: parse head snapshot..."
    assert lines[-1].startswith("validator: parse head snapshot: done in ")


def test_fast_phases_and_the_library_print_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with phase("no announcer installed"):
        pass
    with announced(threshold=3600), phase("fast"):
        pass
    assert capsys.readouterr().err == ""


def test_progress_can_be_switched_off_for_scripts() -> None:
    code = (
        "import sys, time; sys.argv = ['validator', 'routes', '--snapshot-dir', 'fixtures/unit/harden/pair/base'];"
        "from validator.cli import run; run()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "VALIDATOR_PROGRESS": "0", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0 and proc.stderr == ""


def test_progress_in_logs_is_periodic_and_can_be_silenced(monkeypatch: pytest.MonkeyPatch) -> None:
    from validator.cli import _phase_timing, _quiet

    monkeypatch.delenv("VALIDATOR_PROGRESS_EVERY", raising=False)
    assert _phase_timing("1") == (2.0, 10.0) and _phase_timing(None, tty=True) == (2.0, 10.0)
    assert _phase_timing(None, tty=False) == (30.0, 30.0)  # a CI log: a line every 30 s
    monkeypatch.setenv("VALIDATOR_PROGRESS_EVERY", "5")
    assert _phase_timing(None, tty=False) == (5.0, 5.0)
    assert _phase_timing("0") is None and _phase_timing("off", tty=True) is None
    assert _phase_timing(None, quiet=True, tty=True) is None
    assert _quiet(["check", "-q"]) and _quiet(["--quiet"]) and not _quiet(["check", "--", "-q"])
