"""Review of relevance pruning (issue 15): hazards checked against the closure of engine/dependencies.

Each network here (IOS text written for this test) has a failure off every checked path. Either the
closure must keep the scenario (it changes a checked flow), or pruning it must give the same
findings as computing it. See also ``test_relevance_hazards.py`` (the prune developer's own
hazards), which these reuse.
"""

from __future__ import annotations

from typing import Any

import pytest
from engine_helpers import snapshot
from test_relevance_hazards import (
    _iface,
    _pairs,
    aggregate_network,
    check_hazard,
    compute_dataplane_fn,
    more_specific_network,
    reflector_network,
    session_path_network,
)

from validator.checks.relevance import relevance
from validator.checks.sweep import Sweeper, enumerate_elements, judge_redundancy
from validator.engine.dataplane import compute_dataplane
from validator.engine.types import DataPlane
from validator.errors import NotConverged

from test_sweep_prune import assert_base_result  # isort: skip

# --- eBGP multihop over static routes through a router off the data path -------------------------
# r1 learns d's LAN over an eBGP multihop session between loopbacks; both ends reach the other's
# loopback only by static routes through m. The data goes over the direct r1 -- d link (d sets the
# next hop to its address there), so m is on no data path: failing m (or either of its links) takes
# the session down and r1 loses the route. r1's interface in VRF blue and r9 are irrelevant.


def multihop_network() -> DataPlane:
    r1 = (
        "hostname r1\n"
        "vrf definition blue\n address-family ipv4\n exit-address-family\n"
        + _iface("Loopback0", "10.255.0.1", "255.255.255.255")
        + _iface("GigabitEthernet0/0", "10.0.12.1")
        + _iface("GigabitEthernet0/1", "10.0.13.1")
        + "interface GigabitEthernet0/3\n vrf forwarding blue\n ip address 10.0.91.1 255.255.255.252\n"
        + "ip route 10.255.0.2 255.255.255.255 10.0.13.2\n"
        + "router bgp 65001\n bgp router-id 10.255.0.1\n neighbor 10.255.0.2 remote-as 65002\n"
        " neighbor 10.255.0.2 ebgp-multihop 2\n neighbor 10.255.0.2 update-source Loopback0\n"
    )
    m = (
        "hostname m\n"
        + _iface("GigabitEthernet0/0", "10.0.13.2")
        + _iface("GigabitEthernet0/1", "10.0.23.1")
        + _iface("GigabitEthernet0/2", "10.0.39.1")
        + "ip route 10.255.0.1 255.255.255.255 10.0.13.1\nip route 10.255.0.2 255.255.255.255 10.0.23.2\n"
    )
    d = (
        "hostname d\n"
        + _iface("Loopback0", "10.255.0.2", "255.255.255.255")
        + _iface("GigabitEthernet0/0", "10.0.12.2")
        + _iface("GigabitEthernet0/1", "10.0.23.2")
        + _iface("GigabitEthernet0/2", "10.2.2.1", "255.255.255.0")
        + "ip route 10.255.0.1 255.255.255.255 10.0.23.1\n"
        + "router bgp 65002\n bgp router-id 10.255.0.2\n neighbor 10.255.0.1 remote-as 65001\n"
        " neighbor 10.255.0.1 ebgp-multihop 2\n neighbor 10.255.0.1 update-source Loopback0\n"
        " neighbor 10.255.0.1 route-map NH out\n network 10.2.2.0 mask 255.255.255.0\n"
        "route-map NH permit 10\n set ip next-hop 10.0.12.2\n"
    )
    r9 = (
        "hostname r9\n"
        "vrf definition blue\n address-family ipv4\n exit-address-family\n"
        + _iface("GigabitEthernet0/0", "10.0.39.2")
        + "interface GigabitEthernet0/1\n vrf forwarding blue\n ip address 10.0.91.2 255.255.255.252\n"
    )
    return compute_dataplane(snapshot(r1, m, d, r9))


def test_multihop_session_over_statics_hazard() -> None:
    base = multihop_network()
    nh = {str(r.next_hop.ip) for r in base.ribs["r1"]["default"] if str(r.network) == "10.2.2.0/24"}
    assert nh == {"10.0.12.2"}  # the data takes the direct link, not m
    check_hazard(base, "r1", "d", "node:m")
    check_hazard(base, "r1", "d", "link:d[GigabitEthernet0/1]")


def test_multihop_prunes_the_other_vrf_and_the_spare_router() -> None:
    base = multihop_network()
    rel = relevance(base, _pairs(base, "r1", "d"))
    specs = {e.spec for e in enumerate_elements(base, ["link", "node", "interface"]) if not rel.affected_by(e.failures)}
    assert {"link:r1[GigabitEthernet0/3]", "interface:r1[GigabitEthernet0/3]", "link:m[GigabitEthernet0/2]"} <= specs
    assert "interface:r1[GigabitEthernet0/1]" not in specs  # the session's way out of r1


# --- k = 2: two failures, each off the closure, never combine into a violation that is pruned -----


@pytest.mark.parametrize(
    "network",
    [session_path_network, more_specific_network, reflector_network, aggregate_network, multihop_network],
)
def test_double_failures_equal_with_and_without_pruning(network: Any) -> None:
    base = network()
    pairs = _pairs(base, *(("c", "x1") if "rr" in base.snapshot.nodes else ("r1", "d")))
    elements = enumerate_elements(base, ["link", "node"])
    found = {}
    for prune in (True, False):
        sw = Sweeper(base, compute_dataplane_fn(), prune=prune)
        violations = sw.sweep(pairs, elements, 2, judge_redundancy)
        found[prune] = [tuple(e.spec for e in v.elements) for v in violations]
        if prune:
            assert sw.stats.pruned > 0
    assert found[True] == found[False]


# --- a scenario that oscillates only outside the closure ------------------------------------------
# DISAGREE (Griffin-Wilfong): a prefers 10.9.9.0/24 through b, b prefers it through a, both also
# hear it from d. x's copy (local-preference 300 at a) keeps a, and so b, stable. The a -- x session
# carries only 10.9.9.0/24, which the checked flow (a to b's LAN) never reads, so the closure prunes
# a -- x. Without x, the reference rounds oscillate on 10.9.9.0/24 forever: computed, the scenario
# raises NotConverged (the sweep errs, exit 3); pruned, it is not computed and the sweep passes.
# The checked class's own decisions are the base's even in the oscillating data plane, so no outage
# is hidden, but the verdicts differ: this test pins what each does (see the review report).


def disagree_network() -> DataPlane:
    only_p = "ip prefix-list P seq 5 permit 10.9.9.0/24\n"
    prefer = (
        "route-map {name} permit 10\n match ip address prefix-list P\n set local-preference {lp}\n"
        "route-map {name} permit 20\n"
    )
    a = (
        "hostname a\n"
        + _iface("GigabitEthernet0/0", "10.0.1.1")
        + _iface("GigabitEthernet0/1", "10.0.2.1")
        + _iface("GigabitEthernet0/2", "10.0.3.1")
        + "router bgp 65001\n bgp router-id 10.255.0.1\n"
        " neighbor 10.0.1.2 remote-as 65000\n neighbor 10.0.2.2 remote-as 65002\n"
        " neighbor 10.0.2.2 route-map FROMB in\n neighbor 10.0.3.2 remote-as 65003\n"
        " neighbor 10.0.3.2 route-map FROMX in\n neighbor 10.0.3.2 route-map ONLYP out\n"
        + only_p
        + prefer.format(name="FROMB", lp=200)
        + "route-map FROMX permit 10\n match ip address prefix-list P\n set local-preference 300\n"
        "route-map ONLYP permit 10\n match ip address prefix-list P\n"
    )
    b = (
        "hostname b\n"
        + _iface("GigabitEthernet0/0", "10.0.4.1")
        + _iface("GigabitEthernet0/1", "10.0.2.2")
        + _iface("GigabitEthernet0/2", "10.2.2.1", "255.255.255.0")
        + "router bgp 65002\n bgp router-id 10.255.0.2\n network 10.2.2.0 mask 255.255.255.0\n"
        " neighbor 10.0.4.2 remote-as 65000\n neighbor 10.0.2.1 remote-as 65001\n"
        " neighbor 10.0.2.1 route-map FROMA in\n" + only_p + prefer.format(name="FROMA", lp=200)
    )
    d = (
        "hostname d\n"
        + _iface("GigabitEthernet0/0", "10.0.1.2")
        + _iface("GigabitEthernet0/1", "10.0.4.2")
        + _iface("GigabitEthernet0/2", "10.9.9.1", "255.255.255.0")
        + "router bgp 65000\n bgp router-id 10.255.0.4\n network 10.9.9.0 mask 255.255.255.0\n"
        " neighbor 10.0.1.1 remote-as 65001\n neighbor 10.0.4.1 remote-as 65002\n"
    )
    x = (
        "hostname x\n"
        + _iface("GigabitEthernet0/0", "10.0.3.2")
        + "ip route 10.9.9.0 255.255.255.0 Null0\n"
        + "router bgp 65003\n bgp router-id 10.255.0.3\n network 10.9.9.0 mask 255.255.255.0\n"
        " neighbor 10.0.3.1 remote-as 65001\n neighbor 10.0.3.1 route-map ONLYP out\n"
        + only_p
        + "route-map ONLYP permit 10\n match ip address prefix-list P\n"
    )
    return compute_dataplane(snapshot(a, b, d, x))


def test_oscillation_outside_the_closure_is_pruned_not_reported() -> None:
    base = disagree_network()
    assert base.converged
    pairs = _pairs(base, "a", "b")
    rel = relevance(base, pairs)
    assert not rel.everything, rel.reason
    spare = next(e for e in enumerate_elements(base, ["link"]) if e.spec == "link:a[GigabitEthernet0/2]")
    assert not rel.affected_by(spare.failures)
    scenario = compute_dataplane(base.snapshot, spare.failures)
    assert not scenario.converged  # 10.9.9.0/24 oscillates on a and b ...
    assert_base_result(pairs, base, scenario, spare.spec)  # ... yet the checked class is the base's
    elements = enumerate_elements(base, ["link", "node"])
    sw = Sweeper(base, compute_dataplane_fn(), prune=True)
    assert sw.sweep(pairs, elements, 1, judge_redundancy) == []  # pruned: passes
    with pytest.raises(NotConverged):  # computed: the sweep errs
        Sweeper(base, compute_dataplane_fn(), prune=False).sweep(pairs, elements, 1, judge_redundancy)
