"""The builtin backend: the pure-Python engine, in-process, no server."""

from __future__ import annotations

from validator import __version__
from validator.engine.incremental import fast_dataplane
from validator.engine.native import native_dataplane
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
        # the incremental engine's from-scratch path: equal to compute_dataplane (tested on every
        # scenario of the example and the fixtures), faster, and it keeps the state failure
        # scenarios start from; it falls back to compute_dataplane where its rules do not apply.
        # The compiled core goes first when VALIDATOR_ENGINE_CORE and its feature check allow
        # (engine/native.py); scenarios then build the incremental state from its FIBs.
        native = native_dataplane(snapshot, failures or FailureSet())
        if native is not None:
            return native
        return fast_dataplane(snapshot, failures or FailureSet())

    def trace(self, dp: DataPlane, flow: Flow) -> list[Trace]:
        return engine_trace(dp, flow)

    def close(self) -> None:
        return None
