"""Where every model object came from, so findings can point at a config line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SourceRef:
    """A position in a snapshot file; ``file`` is relative to the snapshot root (``configs/r1.cfg``)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ParseWarning:
    """A line the parser read but does not model (never silently dropped)."""

    file: str
    line: int
    text: str
    reason: str = "unmodelled line"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}: {self.text.strip()}"
