"""Fail-closed review #3: the native feature check rejects by *feature*, not only by vendor. A model
field the Rust core does not serialise but the Python engine reads (no local /32 route, BGP
distances other than 20/200, advertise-inactive off) must send the snapshot to Python even on an
IOS device, so a future parser setting it can never get a silently different native answer."""

from __future__ import annotations

import dataclasses

from native_helpers import FIXTURES

import validator.engine.native as native
from validator.model.snapshot import Snapshot
from validator.snapshot.folder import load_snapshot

OSPF_ONLY = FIXTURES / "native" / "ospf-areas"
BGP = FIXTURES / "native" / "bgp-policy"


def _with_node(snapshot: Snapshot, name: str, **changes: object) -> Snapshot:
    node = dataclasses.replace(snapshot.nodes[name], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(snapshot, nodes={**snapshot.nodes, name: node})


def test_interface_without_local_route_is_unsupported() -> None:
    snapshot = load_snapshot(OSPF_ONLY)
    assert native.unsupported_features(snapshot) == []
    r1 = snapshot.nodes["r1"]
    name, iface = next((n, i) for n, i in r1.interfaces.items() if i.addresses)
    no_local = dataclasses.replace(iface, local_route=False)
    changed = _with_node(snapshot, "r1", interfaces={**r1.interfaces, name: no_local})
    assert any("local route" in r for r in native.unsupported_features(changed))


def test_bgp_distances_and_advertise_inactive_are_unsupported() -> None:
    snapshot = load_snapshot(BGP)
    assert native.unsupported_features(snapshot) == []
    name, node = next((n, x) for n, x in snapshot.nodes.items() if x.bgp is not None and x.bgp.neighbors)
    assert node.bgp is not None
    distance = _with_node(snapshot, name, bgp=dataclasses.replace(node.bgp, ebgp_admin=200))
    assert any("distance" in r for r in native.unsupported_features(distance))
    nbs = tuple(dataclasses.replace(nb, advertise_inactive=False) for nb in node.bgp.neighbors)
    inactive = _with_node(snapshot, name, bgp=dataclasses.replace(node.bgp, neighbors=nbs))
    assert any("advertise-inactive" in r for r in native.unsupported_features(inactive))
