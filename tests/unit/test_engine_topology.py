"""Layer-3 adjacency (semantics §7), layer-1 restriction and interface activity (§9)."""

from __future__ import annotations

from engine_helpers import dataplane

from validator.engine.types import FailureSet
from validator.model.snapshot import Layer1Edge

A = """
hostname a
interface Loopback0
 ip address 9.9.9.1 255.255.255.0
interface GigabitEthernet0/0
 ip address 10.0.0.1 255.255.255.0
interface GigabitEthernet1/0
 ip address 10.0.0.9 255.255.255.0
interface GigabitEthernet2/0
 ip address 10.7.7.7 255.255.255.255
interface Vlan10
 ip address 10.10.0.1 255.255.255.0
"""
B = """
hostname b
interface Loopback0
 ip address 9.9.9.2 255.255.255.0
interface GigabitEthernet0/0
 ip address 10.0.0.2 255.255.255.0
interface GigabitEthernet2/0
 ip address 10.7.7.8 255.255.255.255
interface Vlan10
 ip address 10.10.0.2 255.255.255.0
"""
C = """
hostname c
interface GigabitEthernet0/0
 ip address 10.0.0.3 255.255.255.0
interface GigabitEthernet1/0
 ip address 10.0.0.1 255.255.255.0
"""


def _pairs(dp: object) -> set[tuple[str, str, str, str]]:
    return {(e.node1, e.interface1, e.node2, e.interface2) for e in dp.edges}  # type: ignore[attr-defined]


def test_subnet_pairing_rules() -> None:
    pairs = _pairs(dataplane(A, B, C))
    # full mesh between nodes on 10.0.0.0/24; never within one node; loopbacks and /32s never
    assert ("a", "GigabitEthernet0/0", "b", "GigabitEthernet0/0") in pairs
    assert ("b", "GigabitEthernet0/0", "a", "GigabitEthernet1/0") in pairs
    assert ("b", "GigabitEthernet0/0", "c", "GigabitEthernet0/0") in pairs
    assert not any(p[0] == p[2] for p in pairs)
    assert not any("Loopback0" in p or "GigabitEthernet2/0" in p for p in pairs)
    # interfaces sharing an IP (a Gi0/0 and c Gi1/0 both own 10.0.0.1) are not connected
    assert ("a", "GigabitEthernet0/0", "c", "GigabitEthernet1/0") not in pairs
    assert all((p[2], p[3], p[0], p[1]) in pairs for p in pairs)


def test_layer1_restricts_adjacency() -> None:
    l1 = (Layer1Edge("a", "GigabitEthernet0/0", "b", "GigabitEthernet0/0"),)
    pairs = _pairs(dataplane(A, B, layer1=l1))
    assert pairs == {
        ("a", "GigabitEthernet0/0", "b", "GigabitEthernet0/0"),
        ("b", "GigabitEthernet0/0", "a", "GigabitEthernet0/0"),
    }


def test_blacklist_only_applies_to_physical_interfaces() -> None:
    dp = dataplane(
        A, B, blacklisted_interfaces=frozenset({("a", "GigabitEthernet0/0"), ("a", "Vlan10"), ("a", "Loopback0")})
    )
    assert ("a", "GigabitEthernet0/0") not in dp.active_interfaces
    assert ("a", "Vlan10") in dp.active_interfaces
    assert ("a", "Loopback0") in dp.active_interfaces
    assert ("a", "GigabitEthernet0/0", "b", "GigabitEthernet0/0") not in _pairs(dp)


def test_failures_deactivate_any_interface_and_whole_nodes() -> None:
    dp = dataplane(A, B, failures=FailureSet(interfaces=frozenset({("a", "Vlan10")})))
    assert ("a", "Vlan10") not in dp.active_interfaces
    dp = dataplane(A, B, failures=FailureSet(nodes=frozenset({"b"})))
    assert not any(n == "b" for n, _ in dp.active_interfaces)
    assert dp.ribs["b"]["default"] == []
    assert not any("b" in (p[0], p[2]) for p in _pairs(dp))
    dp = dataplane(A, B, blacklisted_nodes=frozenset({"b"}))
    assert not any(n == "b" for n, _ in dp.active_interfaces)
