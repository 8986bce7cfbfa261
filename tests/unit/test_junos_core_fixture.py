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


def test_ebgp_export_policy_of_active_routes() -> None:
    # the LAN is active as OSPF on the cores (preference 10 beats iBGP 170), so TO-ISP exports the
    # OSPF route (``from protocol [ bgp ospf ]``) with its metric as MED: core1's 11 beats core2's 21
    (r,) = routes("isp1", "10.10.1.0/24")
    assert r.next_hop.ip == IPv4Address("192.0.2.1") and (r.protocol, r.admin_distance, r.metric) == ("bgp", 170, 11)
    assert r.communities == ("65000:100",)  # community add CUST
    assert routes("isp1", "10.0.1.0/30") == []  # TO-ISP rejects everything else


def test_inactive_bgp_routes_are_not_advertised(tmp_path: Path) -> None:
    import shutil

    snap = tmp_path / "snap"
    shutil.copytree(BASE, snap)
    for core in ("core1", "core2"):
        cfg = snap / "configs" / f"{core}.cfg"
        cfg.write_text(cfg.read_text().replace("protocol [ bgp ospf ];", "protocol bgp;"))
    dp = compute_dataplane(load_snapshot(snap))
    # the iBGP route from pe1 is inactive on the cores (OSPF wins): Junos does not send it
    assert [r for r in dp.ribs["isp1"]["default"] if r.network == IPv4Network("10.10.1.0/24")] == []
    cfg = snap / "configs" / "core1.cfg"
    cfg.write_text(cfg.read_text().replace("peer-as 64512;", "peer-as 64512;\n            advertise-inactive;"))
    dp = compute_dataplane(load_snapshot(snap))
    (r,) = [r for r in dp.ribs["isp1"]["default"] if r.network == IPv4Network("10.10.1.0/24")]
    assert r.next_hop.ip == IPv4Address("192.0.2.1")


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
