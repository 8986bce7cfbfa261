"""The builtin backend: the pure-Python engine, in-process, no server."""

from __future__ import annotations

from validator import __version__
from validator.engine.dataplane import compute_dataplane
from validator.engine.traceroute import trace as engine_trace
from validator.engine.types import DataPlane, FailureSet
from validator.model.flow import Flow, Trace
from validator.model.snapshot import Snapshot


class BuiltinBackend:
    name = "builtin"

    @property
    def version(self) -> str:
        return __version__

    def dataplane(self, snapshot: Snapshot, failures: FailureSet | None = None) -> DataPlane:
        return compute_dataplane(snapshot, failures or FailureSet())

    def trace(self, dp: DataPlane, flow: Flow) -> list[Trace]:
        return engine_trace(dp, flow)

    def close(self) -> None:
        return None
