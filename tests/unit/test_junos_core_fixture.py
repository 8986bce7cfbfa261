"""The Junos core fixture's data plane: Junos preferences, next-hop self, export policies, and the
incremental engine equal to the reference on it."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import scenario_dataplane
from validator.engine.types import FailureSet
from validator.model.dataplane import Route
from validator.snapshot.folder import load_snapshot

BASE = Path(__file__).resolve().parents[2] / "fixtures" / "junos-core" / "base"


def routes(node: str, net: str) -> list[Route]:
    dp = compute_dataplane(load_snapshot(BASE))
    return [r for r in dp.ribs[node]["default"] if r.network == IPv4Network(net)]


def test_every_file_parses_as_junos_without_warnings() -> None:
    snap = load_snapshot(BASE)
    assert sorted(snap.nodes) == ["core1", "core2", "isp1", "pe1"]
    for node in snap.nodes.values():
        assert node.vendor == "juniper"
        assert node.warnings == ()
        assert node.undefined_references == ()


def test_junos_preferences_and_next_hop_self() -> None:
    (r,) = routes("pe1", "198.51.100.1/32")
    assert (r.protocol, r.admin_distance) == ("ibgp", 170)
    assert r.next_hop.ip == IPv4Address("10.255.0.2")  # core1's NHS export, preferred by local-pref 200
    (o,) = routes("pe1", "10.255.0.2/32")
    assert (o.protocol, o.admin_distance, o.metric) == ("ospf", 10, 10)  # loopback costs 0


def test_ebgp_export_policy_and_multipath() -> None:
    isp = routes("isp1", "10.10.1.0/24")
    assert {r.next_hop.ip for r in isp} == {IPv4Address("192.0.2.1"), IPv4Address("192.0.2.5")}
    assert all(r.protocol == "bgp" and r.admin_distance == 170 for r in isp)
    assert {c for r in isp for c in r.communities} == {"65000:100"}  # community add CUST
    assert routes("isp1", "10.0.1.0/30") == []  # TO-ISP rejects everything else


def test_incremental_engine_equals_reference_under_failures() -> None:
    snap = load_snapshot(BASE)
    base = compute_dataplane(snap)
    for failure in (
        FailureSet(interfaces=frozenset({("pe1", "ge-0/0/0.0"), ("core1", "ge-0/0/0.0")})),
        FailureSet(nodes=frozenset({"core1"})),
    ):
        got = scenario_dataplane(base, failure)
        ref = compute_dataplane(snap, failure)
        assert got.ribs == ref.ribs
        assert got.bgp_sessions == ref.bgp_sessions
    failed = compute_dataplane(snap, FailureSet(nodes=frozenset({"core1"})))
    (r,) = [r for r in failed.ribs["pe1"]["default"] if r.network == IPv4Network("198.51.100.1/32")]
    assert r.next_hop.ip == IPv4Address("10.255.0.3")  # the backup plane takes over
