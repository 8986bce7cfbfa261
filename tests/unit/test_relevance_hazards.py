"""Hazards of relevance pruning: failures off every checked path that still change a checked flow.

Each network below (IOS text, written for this test) has a failure that a footprint-only pruning
(skip a scenario unless it fails a node or interface the no-failure traces crossed) would skip,
yet the failure breaks the checked flow. The relevance closure must keep that scenario, and the
sweep's findings with pruning must equal those without pruning and those of recomputation.
"""

from __future__ import annotations

from typing import Any

import pytest
from engine_helpers import snapshot

from validator.checks.headerspace import HeaderConstraints
from validator.checks.relevance import relevance
from validator.checks.sweep import (
    Element,
    PairBaseline,
    Sweeper,
    enumerate_elements,
    from_scratch,
    judge_redundancy,
    pair_baseline,
)
from validator.engine.dataplane import compute_dataplane
from validator.engine.types import DataPlane


class Zone:
    def __init__(self, name: str, nodes: tuple[str, ...] = (), interfaces: tuple[str, ...] = ()) -> None:
        self.name, self.nodes, self.interfaces, self.prefixes = name, nodes, interfaces, ()


def _pairs(base: DataPlane, src: str, dst: str) -> list[PairBaseline]:
    """From ``src``'s own addresses to ``dst``'s LAN address (GigabitEthernet0/2)."""
    return [
        pair_baseline(
            base, Zone(src, (src,)), Zone(dst, interfaces=(f"{dst}[GigabitEthernet0/2]",)), HeaderConstraints()
        )
    ]


def _naive_affected(pairs: list[PairBaseline], e: Element) -> bool:
    """Footprint-only pruning: only what the no-failure traces crossed."""
    nodes = {n for pb in pairs for fp in pb.footprints.values() for n in fp.nodes}
    ifaces = {k for pb in pairs for fp in pb.footprints.values() for k in fp.interfaces}
    return bool(e.failures.nodes & nodes or e.failures.interfaces & ifaces)


def _sweep(base: DataPlane, pairs: list[PairBaseline], fn: Any, prune: bool) -> tuple[set[tuple[str, ...]], int]:
    sw = Sweeper(base, fn, prune=prune)
    found = sw.sweep(pairs, enumerate_elements(base, ["link", "node"]), 1, judge_redundancy)
    return {tuple(e.spec for e in v.elements) for v in found}, sw.stats.pruned


def check_hazard(base: DataPlane, src: str, dst: str, hazard: str) -> None:
    pairs = _pairs(base, src, dst)
    rel = relevance(base, pairs)
    assert not rel.everything, rel.reason
    element = next(e for e in enumerate_elements(base, ["link", "node"]) if e.spec == hazard)
    assert not _naive_affected(pairs, element)  # the hazard is off every checked path ...
    assert rel.affected_by(element.failures)  # ... and the closure keeps it
    pruned, n_pruned = _sweep(base, pairs, compute_dataplane_fn(), prune=True)
    assert (hazard,) in pruned  # the violation is found with pruning on
    assert pruned == _sweep(base, pairs, compute_dataplane_fn(), prune=False)[0]
    assert n_pruned > 0 or hazard == "-"  # and something else was pruned


def compute_dataplane_fn() -> Any:
    return from_scratch(compute_dataplane)


def _iface(name: str, addr: str, mask: str = "255.255.255.252", ospf: bool = False, cost: int = 0) -> str:
    text = f"interface {name}\n ip address {addr} {mask}\n"
    if ospf:
        text += " ip ospf network point-to-point\n ip ospf 1 area 0\n"
    if cost:
        text += f" ip ospf cost {cost}\n"
    return text


# --- the session's own path -----------------------------------------------------------------------
# r1 -- d carries the data (d's route to its LAN comes to r1 over iBGP with next hop d's address on
# that link); the iBGP session itself runs between loopbacks over OSPF through r3, and r9 hangs off
# r3 (nothing depends on it: it is pruned). Failing r3 takes the session down and r1 loses the route.


def session_path_network() -> DataPlane:
    r1 = (
        "hostname r1\n"
        + _iface("Loopback0", "10.255.0.1", "255.255.255.255", ospf=True)
        + _iface("GigabitEthernet0/0", "10.0.12.1")
        + _iface("GigabitEthernet0/1", "10.0.13.1", ospf=True)
        + "router ospf 1\n router-id 10.255.0.1\n"
        + "router bgp 65000\n bgp router-id 10.255.0.1\n neighbor 10.255.0.2 remote-as 65000\n"
        " neighbor 10.255.0.2 update-source Loopback0\n"
    )
    d = (
        "hostname d\n"
        + _iface("Loopback0", "10.255.0.2", "255.255.255.255", ospf=True)
        + _iface("GigabitEthernet0/0", "10.0.12.2")
        + _iface("GigabitEthernet0/1", "10.0.23.2", ospf=True)
        + _iface("GigabitEthernet0/2", "10.2.2.1", "255.255.255.0")
        + "router ospf 1\n router-id 10.255.0.2\n"
        + "router bgp 65000\n bgp router-id 10.255.0.2\n neighbor 10.255.0.1 remote-as 65000\n"
        " neighbor 10.255.0.1 update-source Loopback0\n neighbor 10.255.0.1 route-map NH out\n"
        " network 10.2.2.0 mask 255.255.255.0\n"
        "route-map NH permit 10\n set ip next-hop 10.0.12.2\n"
    )
    r3 = (
        "hostname r3\n"
        + _iface("GigabitEthernet0/0", "10.0.13.2", ospf=True)
        + _iface("GigabitEthernet0/1", "10.0.23.1", ospf=True)
        + _iface("GigabitEthernet0/2", "10.0.39.1", ospf=True)
        + "router ospf 1\n router-id 10.255.0.3\n"
    )
    r9 = (
        "hostname r9\n"
        + _iface("GigabitEthernet0/0", "10.0.39.2", ospf=True)
        + "router ospf 1\n router-id 10.255.0.9\n"
    )
    return compute_dataplane(snapshot(r1, d, r3, r9))


def test_session_path_hazard() -> None:
    base = session_path_network()
    check_hazard(base, "r1", "d", "node:r3")


def test_session_path_prunes_the_unrelated_router() -> None:
    base = session_path_network()
    rel = relevance(base, _pairs(base, "r1", "d"))
    r9 = next(e for e in enumerate_elements(base, ["node"]) if e.spec == "node:r9")
    assert not rel.affected_by(r9.failures)


# --- a more specific route that appears elsewhere -------------------------------------------------
# r1 reaches d's LAN 10.2.2.0/24 by a static 10.2.0.0/16. r5 (iBGP peer of r1, not a route
# reflector) holds 10.2.2.0/24 twice: from r6 over iBGP (local-preference 200, best, so not
# re-advertised to r1) and from x over eBGP (x null-routes it). When r5 -- r6 fails, r5's best
# becomes x's eBGP route, which it advertises to r1: r1's more specific now wins and sends the
# flow into x's Null0. Nothing of r5, r6 or x is on the no-failure path.


def more_specific_network() -> DataPlane:
    r1 = (
        "hostname r1\n"
        + _iface("GigabitEthernet0/0", "10.0.12.1")
        + _iface("GigabitEthernet0/1", "10.0.15.1")
        + "ip route 10.2.0.0 255.255.0.0 10.0.12.2\n"
        + "router bgp 65000\n bgp router-id 10.255.0.1\n neighbor 10.0.15.2 remote-as 65000\n"
    )
    d = (
        "hostname d\n"
        + _iface("GigabitEthernet0/0", "10.0.12.2")
        + _iface("GigabitEthernet0/2", "10.2.2.1", "255.255.255.0")
    )
    r5 = (
        "hostname r5\n"
        + _iface("GigabitEthernet0/0", "10.0.15.2")
        + _iface("GigabitEthernet0/1", "10.0.56.1")
        + _iface("GigabitEthernet0/2", "10.0.57.1")
        + "router bgp 65000\n bgp router-id 10.255.0.5\n neighbor 10.0.15.1 remote-as 65000\n"
        " neighbor 10.0.15.1 next-hop-self\n neighbor 10.0.56.2 remote-as 65000\n neighbor 10.0.56.2 route-map LP in\n"
        " neighbor 10.0.57.2 remote-as 65007\n"
        "route-map LP permit 10\n set local-preference 200\n"
    )
    r6 = (
        "hostname r6\n"
        + _iface("GigabitEthernet0/0", "10.0.56.2")
        + _iface("GigabitEthernet0/1", "10.0.69.1")
        + "ip route 10.2.2.0 255.255.255.0 Null0\n"
        + "router bgp 65000\n bgp router-id 10.255.0.6\n neighbor 10.0.56.1 remote-as 65000\n"
        " network 10.2.2.0 mask 255.255.255.0\n"
    )
    x = (
        "hostname x\n"
        + _iface("GigabitEthernet0/0", "10.0.57.2")
        + "ip route 10.2.2.0 255.255.255.0 Null0\n"
        + "router bgp 65007\n bgp router-id 10.255.0.7\n neighbor 10.0.57.1 remote-as 65000\n"
        " network 10.2.2.0 mask 255.255.255.0\n"
    )
    r9 = "hostname r9\n" + _iface("GigabitEthernet0/0", "10.0.69.2")
    return compute_dataplane(snapshot(r1, d, r5, r6, x, r9))


def test_more_specific_hazard() -> None:
    base = more_specific_network()
    assert not any(str(r.network) == "10.2.2.0/24" for r in base.ribs["r1"]["default"])
    check_hazard(base, "r1", "d", "link:r5[GigabitEthernet0/1]")


def test_more_specific_hazard_prunes_what_cannot_carry_the_route() -> None:
    base = more_specific_network()
    rel = relevance(base, _pairs(base, "r1", "d"))
    spare = next(e for e in enumerate_elements(base, ["link"]) if e.spec == "link:r6[GigabitEthernet0/1]")
    assert not rel.affected_by(spare.failures)


@pytest.mark.parametrize("kind", ["node", "link"])
def test_hazard_networks_sweep_equal_with_and_without_pruning(kind: str) -> None:
    for base, src, dst in ((session_path_network(), "r1", "d"), (more_specific_network(), "r1", "d")):
        pairs = _pairs(base, src, dst)
        elements = enumerate_elements(base, [kind])
        on = Sweeper(base, compute_dataplane_fn(), prune=True).sweep(pairs, elements, 1, judge_redundancy)
        off = Sweeper(base, compute_dataplane_fn(), prune=False).sweep(pairs, elements, 1, judge_redundancy)
        assert [tuple(e.spec for e in v.elements) for v in on] == [tuple(e.spec for e in v.elements) for v in off]


# --- a route reflector off the data path picks the exit by IGP cost -------------------------------
# c forwards to whichever exit the route reflector rr reflects: e1 (to x1, which holds the
# destination) or e2 (to x2, which null-routes it). rr's sessions run over direct links outside
# OSPF; its IGP cost to e1's next hop (x1's address, advertised in OSPF by e1) goes through m
# (cost 3), else through n (21), against 11 to e2's. Failing m changes rr's best, so c now sends the
# flow into x2's Null0; m is on no data path and no session path, only on rr's path to a next hop.


def reflector_network() -> DataPlane:
    rr = (
        "hostname rr\n"
        + _iface("Loopback0", "10.255.0.10", "255.255.255.255", ospf=True)
        + _iface("GigabitEthernet0/0", "10.0.81.1")  # to c, no OSPF
        + _iface("GigabitEthernet0/1", "10.0.82.1")  # to e1, no OSPF
        + _iface("GigabitEthernet0/2", "10.0.83.1")  # to e2, no OSPF
        + _iface("GigabitEthernet1/0", "10.0.91.1", ospf=True, cost=1)  # to m
        + _iface("GigabitEthernet1/1", "10.0.92.1", ospf=True, cost=10)  # to n
        + _iface("GigabitEthernet1/2", "10.0.93.1", ospf=True, cost=5)  # to k
        + "router ospf 1\n router-id 10.255.0.10\n"
        + "router bgp 65000\n bgp router-id 10.255.0.10\n"
        + "".join(
            f" neighbor {ip} remote-as 65000\n neighbor {ip} route-reflector-client\n"
            for ip in ("10.0.81.2", "10.0.82.2", "10.0.83.2")
        )
    )
    c = (
        "hostname c\n"
        + _iface("GigabitEthernet0/0", "10.0.81.2")
        + _iface("GigabitEthernet0/1", "10.0.31.1", ospf=True, cost=1)  # to e1
        + _iface("GigabitEthernet0/2", "10.0.32.1", ospf=True, cost=1)  # to e2
        + "router ospf 1\n router-id 10.255.0.3\n"
        + "router bgp 65000\n bgp router-id 10.255.0.3\n neighbor 10.0.81.1 remote-as 65000\n"
    )

    def exit_router(name: str, rid: str, to_rr: str, to_c: str, mid: str, far: str, ext: str, ext_as: int) -> str:
        return (
            f"hostname {name}\n"
            + _iface("GigabitEthernet0/0", to_rr)
            + _iface("GigabitEthernet0/1", to_c, ospf=True, cost=1)
            + _iface("GigabitEthernet0/2", ext, ospf=True, cost=1)
            + _iface("GigabitEthernet1/0", mid, ospf=True)
            + (_iface("GigabitEthernet1/1", far, ospf=True) if far else "")
            + f"router ospf 1\n router-id {rid}\n passive-interface GigabitEthernet0/2\n"
            + f"router bgp 65000\n bgp router-id {rid}\n neighbor {to_rr[:-1]}1 remote-as 65000\n"
            + f" neighbor {ext[:-1]}2 remote-as {ext_as}\n"
        )

    e1 = exit_router("e1", "10.255.0.11", "10.0.82.2", "10.0.31.2", "10.0.94.2", "10.0.95.2", "10.0.71.1", 65101)
    e2 = exit_router("e2", "10.255.0.12", "10.0.83.2", "10.0.32.2", "10.0.96.2", "", "10.0.72.1", 65102)
    m = (
        "hostname m\n"
        + _iface("GigabitEthernet0/0", "10.0.91.2", ospf=True, cost=1)
        + _iface("GigabitEthernet0/1", "10.0.94.1", ospf=True, cost=1)
        + "router ospf 1\n router-id 10.255.0.21\n"
    )
    n = (
        "hostname n\n"
        + _iface("GigabitEthernet0/0", "10.0.92.2", ospf=True, cost=10)
        + _iface("GigabitEthernet0/1", "10.0.95.1", ospf=True, cost=10)
        + "router ospf 1\n router-id 10.255.0.22\n"
    )
    k = (
        "hostname k\n"
        + _iface("GigabitEthernet0/0", "10.0.93.2", ospf=True, cost=5)
        + _iface("GigabitEthernet0/1", "10.0.96.1", ospf=True, cost=5)
        + "router ospf 1\n router-id 10.255.0.23\n"
    )
    x1 = (
        "hostname x1\n"
        + _iface("GigabitEthernet0/0", "10.0.71.2")
        + _iface("GigabitEthernet0/2", "10.2.2.1", "255.255.255.0")
        + "router bgp 65101\n bgp router-id 10.255.0.31\n neighbor 10.0.71.1 remote-as 65000\n"
        " network 10.2.2.0 mask 255.255.255.0\n"
    )
    x2 = (
        "hostname x2\n"
        + _iface("GigabitEthernet0/0", "10.0.72.2")
        + "ip route 10.2.2.0 255.255.255.0 Null0\n"
        + "router bgp 65102\n bgp router-id 10.255.0.32\n neighbor 10.0.72.1 remote-as 65000\n"
        " network 10.2.2.0 mask 255.255.255.0\n"
    )
    return compute_dataplane(snapshot(rr, c, e1, e2, m, n, k, x1, x2))


def test_reflector_next_hop_cost_hazard() -> None:
    base = reflector_network()
    nh = {str(r.next_hop.ip) for r in base.ribs["c"]["default"] if str(r.network) == "10.2.2.0/24"}
    assert nh == {"10.0.71.2"}  # through e1 to x1
    check_hazard(base, "c", "x1", "node:m")


# --- an aggregate kept alive by a more specific from elsewhere ------------------------------------
# r1 reaches d's LAN through a's aggregate 10.2.0.0/16 (summary-only); a's own route to d's LAN is a
# static, outside BGP, so the aggregate is active only because z sends a's BGP 10.2.9.0/24. Failing
# a -- z withdraws the aggregate and r1 loses its route; z is on no path of the flow.


def aggregate_network() -> DataPlane:
    r1 = (
        "hostname r1\n"
        + _iface("GigabitEthernet0/0", "10.0.12.1")
        + "router bgp 65001\n bgp router-id 10.255.0.1\n neighbor 10.0.12.2 remote-as 65000\n"
    )
    a = (
        "hostname a\n"
        + _iface("GigabitEthernet0/0", "10.0.12.2")
        + _iface("GigabitEthernet0/1", "10.0.23.1")
        + _iface("GigabitEthernet0/2", "10.0.29.1")
        + "ip route 10.2.2.0 255.255.255.0 10.0.23.2\n"
        + "router bgp 65000\n bgp router-id 10.255.0.2\n neighbor 10.0.12.1 remote-as 65001\n"
        " neighbor 10.0.29.2 remote-as 65009\n aggregate-address 10.2.0.0 255.255.0.0 summary-only\n"
    )
    d = (
        "hostname d\n"
        + _iface("GigabitEthernet0/0", "10.0.23.2")
        + _iface("GigabitEthernet0/2", "10.2.2.1", "255.255.255.0")
        + "ip route 0.0.0.0 0.0.0.0 10.0.23.1\n"
    )
    z = (
        "hostname z\n"
        + _iface("GigabitEthernet0/0", "10.0.29.2")
        + _iface("GigabitEthernet0/1", "10.2.9.1", "255.255.255.0")
        + _iface("GigabitEthernet0/3", "10.0.99.1")
        + "router bgp 65009\n bgp router-id 10.255.0.9\n neighbor 10.0.29.1 remote-as 65000\n"
        " neighbor 10.0.29.1 prefix-list OUT out\n network 10.2.9.0 mask 255.255.255.0\n"
        "ip prefix-list OUT seq 5 permit 10.2.9.0/24\n"  # z can never send the aggregate back
    )
    r9 = "hostname r9\n" + _iface("GigabitEthernet0/0", "10.0.99.2")
    return compute_dataplane(snapshot(r1, a, d, z, r9))


def test_aggregate_hazard() -> None:
    base = aggregate_network()
    assert {str(r.network) for r in base.ribs["r1"]["default"] if r.protocol == "bgp"} == {"10.2.0.0/16"}
    check_hazard(base, "r1", "d", "link:a[GigabitEthernet0/2]")
    rel = relevance(base, _pairs(base, "r1", "d"))
    spare = next(e for e in enumerate_elements(base, ["link"]) if e.spec == "link:r9[GigabitEthernet0/0]")
    assert not rel.affected_by(spare.failures)


def test_hazard_networks_double_failures_equal_with_and_without_pruning() -> None:
    """k=2: a pair of failures is pruned only when both lie outside D; the minimal failing sets are
    the same as recomputing every scenario."""
    for base, src, dst in (
        (session_path_network(), "r1", "d"),
        (more_specific_network(), "r1", "d"),
        (reflector_network(), "c", "x1"),
        (aggregate_network(), "r1", "d"),
    ):
        pairs = _pairs(base, src, dst)
        elements = enumerate_elements(base, ["link", "node"])
        sw = Sweeper(base, compute_dataplane_fn(), prune=True)
        on = sw.sweep(pairs, elements, 2, judge_redundancy)
        off = Sweeper(base, compute_dataplane_fn(), prune=False).sweep(pairs, elements, 2, judge_redundancy)
        assert [tuple(e.spec for e in v.elements) for v in on] == [tuple(e.spec for e in v.elements) for v in off]
        assert sw.stats.pruned > 0
