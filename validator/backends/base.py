"""The Backend protocol: what the gate asks of an analysis engine.

Checks only see ``DataPlane`` objects; a backend turns a snapshot (plus a failure set) into one.
The builtin engine does it in-process; the Batfish backend asks a Batfish service and translates
its answers into the same model.
"""

from __future__ import annotations

from typing import Protocol

from validator.engine.types import DataPlane, FailureSet
from validator.model.flow import Flow, Trace
from validator.model.snapshot import Snapshot


class Backend(Protocol):
    name: str

    @property
    def version(self) -> str: ...

    def dataplane(self, snapshot: Snapshot, failures: FailureSet | None = None) -> DataPlane:
        """The data plane of ``snapshot`` with ``failures`` taken down."""
        ...

    def trace(self, dp: DataPlane, flow: Flow) -> list[Trace]:
        """Batfish-style traceroute of ``flow`` on ``dp``."""
        ...

    def close(self) -> None:
        """Release server-side state (forked snapshots, sessions)."""
        ...
