"""A progress line on a terminal for failure sweeps that last more than a second."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable


def progress_bar() -> Callable[[str, int, int], None] | None:
    """None off a terminal: logs and pipes get no carriage-return noise."""
    if not sys.stderr.isatty():
        return None
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
