"""Subinterfaces ride on their parent on the native core too: a failed cable interface takes both
VLANs down in ``compute_native`` and in the sweep's native scenario path, equal to the reference
(``fixtures/fidelity/subif``; the Python side is ``tests/unit/test_subinterface_bind.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from native_helpers import require_core

from validator.engine.dataplane import compute_dataplane_python
from validator.engine.native import compute_native
from validator.engine.native_scenario import native_scenario_dataplane, native_state
from validator.engine.types import DataPlane, FailureSet
from validator.snapshot.folder import load_snapshot

SUBIF = Path(__file__).resolve().parents[2] / "fixtures" / "fidelity" / "subif"
CABLE = ("r1", "GigabitEthernet0/1")
VLANS = {("r1", "GigabitEthernet0/1.100"), ("r1", "GigabitEthernet0/1.200")}


@pytest.fixture(scope="module", autouse=True)
def core() -> object:
    return require_core()


def _routes(dp: DataPlane, node: str) -> set[str]:
    return {f"{r.network} {r.protocol} {r.next_hop}" for r in dp.ribs[node]["default"]}


def test_failed_parent_native_and_native_scenarios_agree_with_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "VALIDATOR_ENGINE_CORE", "native"
    )  # the scenario path follows the mode; the suite may run as python
    snap = load_snapshot(SUBIF / "base")
    failed = FailureSet(interfaces=frozenset({CABLE}))
    ref = compute_dataplane_python(snap, failed)
    assert not VLANS & ref.active_interfaces
    nat = compute_native(snap, failed)
    assert nat is not None and nat.active_interfaces == ref.active_interfaces
    assert _routes(nat, "r1") == _routes(ref, "r1") and _routes(nat, "r2") == _routes(ref, "r2")
    # the sweep's native scenario path derives the scenario from a native base
    base = compute_native(snap, FailureSet())
    assert base is not None and native_state(base) is not None
    scen = native_scenario_dataplane(base, failed)
    assert scen.active_interfaces == ref.active_interfaces and scen.edges == ref.edges
    assert _routes(scen, "r1") == _routes(ref, "r1") and _routes(scen, "r2") == _routes(ref, "r2")
