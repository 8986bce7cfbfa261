"""Prefixes and addresses are born as ``Prefix`` / ``Address`` (model/prefix.py) where the parsers
make them, so the engine's hot dict keys hash once: interface subnets, static routes, BGP networks
and aggregates, prefix-lists, and every route of a computed data plane (connected, local, OSPF
loopback /32s, BGP, static). A plain ``IPv4Network`` anywhere here would still be correct, only
slow: these tests keep the speed-up from silently eroding."""

from __future__ import annotations

from pathlib import Path

import pytest

from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import fast_dataplane
from validator.model.prefix import Address, InterfaceAddress, Prefix
from validator.model.snapshot import Snapshot
from validator.snapshot.folder import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ("region/base", "junos-core/base")


@pytest.fixture(scope="module", params=FIXTURES)
def snap(request: pytest.FixtureRequest) -> Snapshot:
    return load_snapshot(ROOT / "fixtures" / request.param)


def test_parsed_prefixes_and_addresses_are_the_cached_hash_types(snap: Snapshot) -> None:
    seen = 0
    for node in snap.nodes.values():
        for iface in node.interfaces.values():
            for a in iface.addresses:
                assert type(a) is InterfaceAddress and type(a.network) is Prefix and type(a.ip) is Address
                seen += 1
        for sr in node.static_routes:
            assert type(sr.network) is Prefix
            assert sr.next_hop_ip is None or type(sr.next_hop_ip) is Address
        for pl in node.prefix_lists.values():
            for line in pl.lines:
                assert type(line.prefix) is Prefix
        if node.bgp is not None:
            for n in node.bgp.networks:
                assert type(n.prefix) is Prefix
            for ag in node.bgp.aggregates:
                assert type(ag.prefix) is Prefix
            for nb in node.bgp.neighbors:
                assert nb.peer_ip is None or type(nb.peer_ip) is Address
    assert seen > 10


@pytest.mark.parametrize("engine", [compute_dataplane_python, fast_dataplane])
def test_every_route_of_a_data_plane_carries_a_prefix(snap: Snapshot, engine: object) -> None:
    dp = engine(snap)  # type: ignore[operator]
    routes = dp.routes()
    assert routes
    assert {r.protocol for r in routes if type(r.network) is not Prefix} == set()
