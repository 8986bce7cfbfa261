"""Builtin layer-3 edges vs Batfish's recorded topology on the reference example network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _iface(ref_id: str, nodes: set[str]) -> tuple[str, str]:
    # "interface-node-<node>-<interface>"; node names may contain '-', so match known nodes
    rest = ref_id.removeprefix("interface-node-")
    for node in sorted(nodes, key=len, reverse=True):
        if rest.startswith(node + "-"):
            return node, rest[len(node) + 1 :]
    raise AssertionError(f"unknown node in {ref_id}")


def _expected_edges(example: Path) -> set[tuple[str, str, str, str]]:
    topo = json.loads((example / "answers" / "topology.ref").read_text())
    nodes = {n["name"] for n in topo["nodes"]}
    out = set()
    for link in topo["links"]:
        a, b = _iface(link["srcId"], nodes), _iface(link["dstId"], nodes)
        out.add((*a, *b))
    return out


def test_live_edges_equal_batfish(example_dir: Path, dataplane_of: Any) -> None:
    expected = _expected_edges(example_dir)
    actual = {(e.node1, e.interface1, e.node2, e.interface2) for e in dataplane_of("live").edges}
    assert len(expected) == 38
    assert actual == expected, f"missing: {sorted(expected - actual)}\nextra: {sorted(actual - expected)}"


def test_interface_outage_loses_blacklisted_link(example_dir: Path, dataplane_of: Any) -> None:
    live = set(dataplane_of("live").edges)
    outage_dp = dataplane_of("live-with-interface-outage")
    outage = set(outage_dp.edges)
    lost = {(e.node1, e.interface1, e.node2, e.interface2) for e in live - outage}
    assert lost == {
        ("as2border2", "GigabitEthernet0/0", "as3border1", "GigabitEthernet1/0"),
        ("as3border1", "GigabitEthernet1/0", "as2border2", "GigabitEthernet0/0"),
    }
    assert outage <= live
    assert ("as2border2", "GigabitEthernet0/0") not in outage_dp.active_interfaces
    # its IP still counts as owned (semantics §9)
    assert outage_dp.ip_owners[__import__("ipaddress").IPv4Address("10.23.21.2")] == frozenset(
        {("as2border2", "GigabitEthernet0/0")}
    )


def test_interface_outage_drops_the_ebgp_session(dataplane_of: Any) -> None:
    sessions = {(s.node, str(s.remote_ip)): s.status for s in dataplane_of("live-with-interface-outage").bgp_sessions}
    assert sessions[("as2border2", "10.23.21.3")] != "ESTABLISHED"
    assert sessions[("as2border2", "2.1.2.1")] == "ESTABLISHED"
