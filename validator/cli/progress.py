"""Progress of failure sweeps on stderr: a bar on a terminal, periodic lines in a log.

A CI log that stays silent for minutes looks like a hang, and carriage-return bars make logs
unreadable; so off a terminal one plain line (``validator: progress: LABEL: done/total scenarios``)
is printed every ``VALIDATOR_PROGRESS_EVERY`` seconds (default 30) while a sweep runs. Nothing
ever goes to stdout (the report). ``-q`` or ``VALIDATOR_PROGRESS=0`` silences both.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

DEFAULT_LOG_EVERY = 30.0


def log_interval() -> float | None:
    """Seconds between progress lines in a log; None when switched off (``VALIDATOR_PROGRESS=0``)."""
    setting = (os.environ.get("VALIDATOR_PROGRESS") or "").strip().lower()
    if setting in ("0", "no", "false", "off"):
        return None
    try:
        every = float(os.environ.get("VALIDATOR_PROGRESS_EVERY") or DEFAULT_LOG_EVERY)
    except ValueError:
        every = DEFAULT_LOG_EVERY
    return every if every > 0 else DEFAULT_LOG_EVERY


def progress_bar(*, quiet: bool = False) -> Callable[[str, int, int], None] | None:
    """A bar on a terminal, periodic lines in a log, None when quiet or switched off."""
    if quiet:
        return None
    if not sys.stderr.isatty():
        every = log_interval()
        return None if every is None else progress_lines(every)
    start = time.monotonic()
    state = {"last": 0.0}

    def show(label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - start < 1.0 or (now - state["last"] < 0.1 and done < total):
            return
        state["last"] = now
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r{label}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total} scenarios")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def progress_lines(every: float, clock: Callable[[], float] = time.monotonic) -> Callable[[str, int, int], None]:
    """One line per ``every`` seconds of a sweep, and a last one when a sweep that was reported ends."""
    start = clock()
    state = {"last": start, "reported": 0.0}

    def show(label: str, done: int, total: int) -> None:
        now = clock()
        finished = done >= total
        if now - state["last"] < every and not (finished and state["reported"]):
            return
        state["last"] = now
        state["reported"] = 0.0 if finished else 1.0
        try:
            sys.stderr.write(f"validator: progress: {label}: {done}/{total} scenarios, {now - start:.0f} s\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # a courtesy: a closed stderr changes nothing

    return show
