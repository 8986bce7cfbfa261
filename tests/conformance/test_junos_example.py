"""Batfish's example network with as1core1 converted to Junos by hand (fixtures/junos-example):
the ``routes`` answer equals the IOS original's, up to the intended differences the fixture README
states (Junos route preferences and interface names on the converted router)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from validator.engine.dataplane import compute_dataplane
from validator.model.dataplane import Route
from validator.snapshot.folder import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
LIVE = ROOT.parent / "shared" / "reference" / "batfish-example" / "live"
CONVERTED = ROOT / "fixtures" / "junos-example" / "configs"
IFACES = {f"GigabitEthernet{i}/0": f"ge-0/0/{i}.0" for i in range(4)} | {"Loopback0": "lo0.0"}
# IOS administrative distance -> Junos preference for what as1core1 holds
PREFS = {
    ("ospf", 110): 10,
    ("ospfIA", 110): 10,
    ("ospfE2", 110): 150,
    ("ibgp", 200): 170,
    ("bgp", 20): 170,
    ("connected", 0): 0,
    ("local", 0): 0,
}


def _row(r: Route, converted: frozenset[str]) -> tuple[object, ...]:
    nh = r.next_hop
    iface = nh.interface
    ad = r.admin_distance
    if r.node in converted:
        iface = IFACES.get(iface or "", iface)
        ad = PREFS.get((r.protocol, ad), -1)
    return (r.node, r.vrf, r.network, r.protocol, nh.type, nh.ip, iface, ad, r.metric)


@pytest.mark.skipif(not LIVE.is_dir(), reason="Batfish's example network is not in ../shared/reference")
def test_routes_equal_the_ios_original(tmp_path: Path) -> None:
    snap_dir = tmp_path / "live"
    shutil.copytree(LIVE, snap_dir)
    converted = frozenset(p.stem for p in CONVERTED.glob("*.cfg"))
    assert converted == {"as1core1", "as2dept1", "as2dist1"}
    for p in CONVERTED.glob("*.cfg"):
        shutil.copy(p, snap_dir / "configs" / p.name)
    ios = compute_dataplane(load_snapshot(LIVE))
    mixed_snap = load_snapshot(snap_dir)
    assert all(mixed_snap.nodes[n].vendor == "juniper" and not mixed_snap.nodes[n].warnings for n in converted)
    mixed = compute_dataplane(mixed_snap)
    want = sorted(_row(r, converted) for vrfs in ios.ribs.values() for rs in vrfs.values() for r in rs)
    got = sorted(_row(r, frozenset()) for vrfs in mixed.ribs.values() for rs in vrfs.values() for r in rs)
    assert got == want
    assert sorted((s.node, str(s.remote_ip), s.status) for s in mixed.bgp_sessions) == sorted(
        (s.node, str(s.remote_ip), s.status) for s in ios.bgp_sessions
    )
