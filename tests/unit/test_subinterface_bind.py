"""Subinterfaces ride on their parent (Batfish ``Interface.DependencyType.BIND``: an interface whose
parent is inactive is deactivated, ``InterfaceDependencies.getInterfacesToDeactivate``). Fixture:
``fixtures/fidelity/subif`` (r1 and r2 joined by one cable, Gi0/1, carrying VLAN 100 and VLAN 200).
The reference and the incremental scenario engine agree here; the native core and its scenario
path in ``tests/native/test_native_subinterfaces.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import fast_dataplane, scenario_dataplane
from validator.engine.topology import bind_parent, bind_parent_name, compute_active_interfaces
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


def test_bgp_hygiene_excuses_sessions_on_a_failed_parents_vlan(tmp_path: Path) -> None:
    """eBGP over VLAN 100: failing the cable interface drops the session, which the hygiene check
    must excuse as the failure's expected effect (like a failed interface of its own), not report
    as a new error."""
    from validator.checks.hygiene import _ends_failed

    bgp = {
        "r1": "router bgp 65001\n neighbor 10.0.100.1 remote-as 65002\n!\n",
        "r2": "router bgp 65002\n neighbor 10.0.100.0 remote-as 65001\n!\n",
    }
    (tmp_path / "configs").mkdir()
    for node, stanza in bgp.items():
        text = (SUBIF / "base" / "configs" / f"{node}.cfg").read_text().replace("\nend\n", f"\n{stanza}end\n")
        (tmp_path / "configs" / f"{node}.cfg").write_text(text)
    snap = load_snapshot(tmp_path)
    dp = compute_dataplane_python(snap, FailureSet(interfaces=frozenset({CABLE})))
    sessions = [s for s in dp.bgp_sessions if s.status != "ESTABLISHED"]
    assert {s.node for s in sessions} == {"r1", "r2"}
    assert all(_ends_failed(dp, s.node, s.remote_node, s.remote_ip, s.local_ip) for s in sessions)


@pytest.mark.parametrize(
    ("name", "parent"),
    [
        ("GigabitEthernet0/1.100", "GigabitEthernet0/1"),
        ("Port-channel1.20", "Port-channel1"),
        ("Serial0/0/0:0.1", "Serial0/0/0:0"),
        ("a.b.3", "a.b"),  # the last dot, as Batfish's ^(.*)\.(\d+)$
        ("Gi0/1.x", None),  # no unit number: not a subinterface
        ("Loopback0", None),
    ],
)
def test_bind_parent_name_is_batfishs_pattern(name: str, parent: str | None) -> None:
    assert bind_parent_name(name) == parent


def test_hosts_have_no_bind_dependencies() -> None:
    import dataclasses

    snap = load_snapshot(SUBIF / "base")
    host = dataclasses.replace(snap.nodes["r1"], vendor="host")
    snap = dataclasses.replace(snap, nodes={**snap.nodes, "r1": host})
    assert bind_parent(snap, ("r1", "GigabitEthernet0/1.100")) is None


def test_a_change_to_the_parent_touches_a_finding_through_its_vlan() -> None:
    """Pre-existing-finding labelling (checks/baseline.py): a change unit on the cable interface
    touches a finding whose path leaves by a VLAN riding on it."""
    from validator.checks.baseline import _elements
    from validator.model.verdict import Finding

    hop = {"node": "r1", "steps": [{"output_interface": "GigabitEthernet0/1.100"}]}
    f = Finding(policy="p", check="reachability", severity="error", message="m", trace=({"hops": [hop]},))
    assert CABLE in _elements(f)[1]
