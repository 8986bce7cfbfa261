"""Standard streams whose failures can never change the exit code.

A CI step such as ``validator check … | head -1`` closes the pipe after one line. Writing the rest
of the report then fails with ``BrokenPipeError``; if that error decided the exit code, a blocked
change could leave with 0 (and ``pipefail`` would report success). Here every write error on
stdout/stderr is swallowed: the reader that went away does not get the report, but the verdict's
code is still returned. Following the Python documentation on SIGPIPE
(https://docs.python.org/3/library/signal.html#note-on-sigpipe), a broken stream's descriptor is
pointed at ``/dev/null`` with ``os.dup2`` so the interpreter's final flush at exit cannot fail
either (that failure would otherwise print "Exception ignored" and exit 120).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO


class SafeStream:
    """Wraps a text stream (or ``None``, a closed descriptor): writes never raise."""

    def __init__(self, inner: TextIO | None) -> None:
        self._inner = inner
        self.broken = inner is None

    def _break(self) -> None:
        """The reader is gone: discard everything from now on, including buffered data."""
        self.broken = True
        inner = self._inner
        if inner is None:
            return
        try:
            fd = inner.fileno()
        except (OSError, ValueError, AttributeError):
            return  # not backed by a descriptor (tests' capture buffers): nothing flushes at exit
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
        except OSError:
            return
        try:
            os.dup2(devnull, fd)
        except OSError:
            pass
        finally:
            os.close(devnull)
        with contextlib.suppress(OSError, ValueError):
            inner.flush()  # the buffered rest now goes to /dev/null

    def write(self, text: str) -> int:
        if self.broken or self._inner is None:
            return len(text)
        try:
            return self._inner.write(text)
        except (OSError, ValueError):  # EPIPE, EIO, ENOSPC, a closed file: the verdict still counts
            self._break()
            return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.broken or self._inner is None:
            return
        try:
            self._inner.flush()
        except (OSError, ValueError):
            self._break()

    def isatty(self) -> bool:
        if self.broken or self._inner is None:
            return False
        try:
            return self._inner.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextlib.contextmanager
def safe_standard_streams() -> Iterator[None]:
    """Install :class:`SafeStream` on ``sys.stdout``/``sys.stderr`` for the duration of a command."""
    out, err = sys.stdout, sys.stderr
    safe_out, safe_err = SafeStream(out), SafeStream(err)
    sys.stdout, sys.stderr = safe_out, safe_err
    try:
        yield
    finally:
        safe_out.flush()
        safe_err.flush()
        sys.stdout, sys.stderr = out, err
