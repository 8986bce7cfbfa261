"""Subinterfaces ride on their parent (Batfish ``Interface.DependencyType.BIND``: an interface whose
parent is inactive is deactivated, ``InterfaceDependencies.getInterfacesToDeactivate``). Fixture:
``fixtures/fidelity/subif`` (r1 and r2 joined by one cable, Gi0/1, carrying VLAN 100 and VLAN 200).
The reference and the incremental scenario engine agree here; the native core and its scenario
path in ``tests/native/test_native_subinterfaces.py``."""

from __future__ import annotations

from pathlib import Path

from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import fast_dataplane, scenario_dataplane
from validator.engine.topology import bind_parent, compute_active_interfaces
from validator.engine.types import FailureSet
from validator.snapshot.folder import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
SUBIF = ROOT / "fixtures" / "fidelity" / "subif"
CABLE = ("r1", "GigabitEthernet0/1")
VLANS = {("r1", "GigabitEthernet0/1.100"), ("r1", "GigabitEthernet0/1.200")}


def _routes(dp: object, node: str) -> set[str]:
    return {f"{r.network} {r.protocol} {r.next_hop}" for r in dp.ribs[node]["default"]}  # type: ignore[attr-defined]


def test_bind_parent_only_for_a_parent_the_node_has() -> None:
    snap = load_snapshot(SUBIF / "base")
    assert bind_parent(snap, ("r1", "GigabitEthernet0/1.100")) == CABLE
    assert bind_parent(snap, CABLE) is None
    assert bind_parent(snap, ("r1", "GigabitEthernet0/9.5")) is None  # no such parent on r1


def test_shut_parent_deactivates_its_subinterfaces() -> None:
    base = compute_active_interfaces(load_snapshot(SUBIF / "base"))
    assert base >= VLANS and CABLE in base
    shut = compute_active_interfaces(load_snapshot(SUBIF / "changes" / "parent-shut"))
    assert not (VLANS | {CABLE}) & shut
    assert ("r1", "GigabitEthernet0/0") in shut


def test_failed_parent_every_engine_agrees() -> None:
    snap = load_snapshot(SUBIF / "base")
    failed = FailureSet(interfaces=frozenset({CABLE}))
    ref = compute_dataplane_python(snap, failed)
    assert not VLANS & ref.active_interfaces
    assert not any(str(r.network) == "10.2.0.0/24" for r in ref.ribs["r1"]["default"])  # r2's LAN is gone
    inc = scenario_dataplane(fast_dataplane(snap), failed)
    assert inc.active_interfaces == ref.active_interfaces and inc.edges == ref.edges
    assert _routes(inc, "r1") == _routes(ref, "r1") and _routes(inc, "r2") == _routes(ref, "r2")


def test_whatif_counts_a_failed_parent_on_the_path_through_its_subinterface() -> None:
    """what-if's SPOF listing: failing the cable interface lies on a path that leaves by a VLAN on it."""
    from validator.checks.sweep import Element
    from validator.checks.whatif import _on_path
    from validator.model.verdict import Finding

    hop = {"node": "r1", "steps": [{"output_interface": "GigabitEthernet0/1.100"}]}
    f = Finding(policy="p", check="reachability", severity="error", message="m", base_trace=({"hops": [hop]},))
    cable = Element("interface", "interface:r1[GigabitEthernet0/1]", FailureSet(interfaces=frozenset({CABLE})))
    other = Element(
        "interface",
        "interface:r1[GigabitEthernet0/2]",
        FailureSet(interfaces=frozenset({("r1", "GigabitEthernet0/2")})),
    )
    assert _on_path(cable, f) and not _on_path(other, f)
