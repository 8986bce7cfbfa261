"""Double failures are not composed from their single failures (docs/sweeps.md, "Double failures").

A k >= 2 sweep computes the data plane of every double failure {a, b} it asks about (or skips a
group only where the double's own FIBs prove it, ``footprint.unchanged`` and settled groups). The
tempting shortcut, deriving {a, b}'s answer from {a}'s and {b}'s when "b's effect does not meet
a's", is not exact, and this network shows it with the forwarding premises such a shortcut would
check (each single leaves every checked footprint unchanged, neither failed link is on the checked
path; that disjoint RIB changes are not enough either is measured on Batfish's ``live`` example,
docs/sweeps.md):

r1 reaches d's LAN 10.2.2.0/24 over the direct link r1 -- d (not in OSPF); the route comes from d
over iBGP between loopbacks, and that session runs over OSPF through r3 (cost 10) or, when r3's
path is gone, through r4 (cost 100). Failing r1 -- r3 moves the session to r4; failing r1 -- r4
changes nothing the session uses; neither changes a FIB decision of the checked flows (the group's
footprint is unchanged in each single, and neither failed link is on their path). Failing both
takes the session down and r1 loses the route: {r1 -- r3, r1 -- r4} is a minimal failing set.
"""

from __future__ import annotations

from engine_helpers import snapshot
from test_incremental_delta import _Zone

from validator.checks.footprint import unchanged
from validator.checks.headerspace import HeaderConstraints
from validator.checks.sweep import (
    PairBaseline,
    ScenarioFn,
    Sweeper,
    default_scenario_fn,
    enumerate_elements,
    from_scratch,
    judge_redundancy,
    pair_baseline,
    union,
)
from validator.engine.dataplane import compute_dataplane
from validator.engine.types import DataPlane

A = "link:r1[GigabitEthernet0/1]"  # r1 -- r3: the session's path
B = "link:r1[GigabitEthernet0/3]"  # r1 -- r4: the session's backup path


def _iface(name: str, addr: str, mask: str = "255.255.255.252", ospf: bool = False, cost: int = 0) -> str:
    text = f"interface {name}\n ip address {addr} {mask}\n"
    if ospf:
        text += " ip ospf network point-to-point\n ip ospf 1 area 0\n"
    if cost:
        text += f" ip ospf cost {cost}\n"
    return text


def network() -> DataPlane:
    r1 = (
        "hostname r1\n"
        + _iface("Loopback0", "10.255.0.1", "255.255.255.255", ospf=True)
        + _iface("GigabitEthernet0/0", "10.0.12.1")
        + _iface("GigabitEthernet0/1", "10.0.13.1", ospf=True, cost=10)
        + _iface("GigabitEthernet0/3", "10.0.14.1", ospf=True, cost=100)
        + "router ospf 1\n router-id 10.255.0.1\n"
        + "router bgp 65000\n bgp router-id 10.255.0.1\n neighbor 10.255.0.2 remote-as 65000\n"
        " neighbor 10.255.0.2 update-source Loopback0\n"
    )
    d = (
        "hostname d\n"
        + _iface("Loopback0", "10.255.0.2", "255.255.255.255", ospf=True)
        + _iface("GigabitEthernet0/0", "10.0.12.2")
        + _iface("GigabitEthernet0/1", "10.0.23.2", ospf=True, cost=10)
        + _iface("GigabitEthernet0/3", "10.0.24.2", ospf=True, cost=100)
        + _iface("GigabitEthernet0/2", "10.2.2.1", "255.255.255.0")
        + "router ospf 1\n router-id 10.255.0.2\n"
        + "router bgp 65000\n bgp router-id 10.255.0.2\n neighbor 10.255.0.1 remote-as 65000\n"
        " neighbor 10.255.0.1 update-source Loopback0\n neighbor 10.255.0.1 route-map NH out\n"
        " network 10.2.2.0 mask 255.255.255.0\n"
        "route-map NH permit 10\n set ip next-hop 10.0.12.2\n"
    )
    r3 = (
        "hostname r3\n"
        + _iface("GigabitEthernet0/0", "10.0.13.2", ospf=True, cost=10)
        + _iface("GigabitEthernet0/1", "10.0.23.1", ospf=True, cost=10)
        + "router ospf 1\n router-id 10.255.0.3\n"
    )
    r4 = (
        "hostname r4\n"
        + _iface("GigabitEthernet0/0", "10.0.14.2", ospf=True, cost=100)
        + _iface("GigabitEthernet0/1", "10.0.24.1", ospf=True, cost=100)
        + "router ospf 1\n router-id 10.255.0.4\n"
    )
    return compute_dataplane(snapshot(r1, d, r3, r4))


def _pair(base: DataPlane) -> PairBaseline:
    return pair_baseline(
        base, _Zone("r1", ("r1",)), _Zone("d", interfaces=("d[GigabitEthernet0/2]",)), HeaderConstraints()
    )


def test_each_single_leaves_the_checked_flows_alone_yet_the_double_breaks_them() -> None:
    base = network()
    pb = _pair(base)
    elements = {e.spec: e for e in enumerate_elements(base, ["link"])}
    fn = default_scenario_fn(None)
    singles = [fn(base, elements[s].failures) for s in (A, B)]
    # the premises a composition of singles would rely on: each single leaves every checked
    # group's footprint unchanged, and neither failed link is on the checked flows' path ...
    for dp in singles:
        assert all(unchanged(fp, base, dp) for fp in pb.footprints.values())
    on_path = {k for fp in pb.footprints.values() for k in fp.interfaces}
    assert not (elements[A].failures.interfaces | elements[B].failures.interfaces) & on_path
    # ... and yet the double takes the iBGP session down and r1 loses d's LAN
    double = fn(base, union((elements[A], elements[B])))
    assert not any(str(r.network) == "10.2.2.0/24" for r in double.ribs["r1"]["default"])
    assert not all(unchanged(fp, base, double) for fp in pb.footprints.values())


def test_the_sweep_reports_the_double_equal_to_recomputation() -> None:
    base = network()
    pairs = [_pair(base)]
    elements = enumerate_elements(base, ["link"])

    def found(fn: ScenarioFn) -> list[tuple[tuple[str, ...], str, int]]:
        sw = Sweeper(base, fn)
        vs = sw.sweep(pairs, elements, 2, judge_redundancy)
        return [(tuple(e.spec for e in v.elements), v.kind, v.count) for v in vs]

    incremental = found(default_scenario_fn(None))
    assert any(set(specs) == {A, B} for specs, _, _ in incremental)
    assert incremental == found(from_scratch(compute_dataplane))
