"""Interval maps and changed destination spaces of scenario FIBs patched from the base's
(``checks/fibmap.py``): equal to the maps built from scratch, including where the base map had
merged away a boundary that the scenario needs again."""

from __future__ import annotations

import random
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from test_incremental import _route, link, triangle
from test_incremental_delta import _scenarios, small  # noqa: F401  (module fixture)

from validator.checks.fibmap import _full_map, changed_space, map_of_fib
from validator.checks.ipspace import MAX_IP, Intervals
from validator.checks.sweep import union
from validator.engine.dataplane import compute_dataplane
from validator.engine.fib import build_fib
from validator.engine.incremental import scenario_dataplane
from validator.engine.incremental._fib import DepIndex, LazyFib, clone_rib, set_prefix
from validator.engine.rib import MainRib
from validator.engine.types import DataPlane, Fib
from validator.model.dataplane import NextHop


def _rebuilt(fib: Fib) -> Fib:
    """A plain Fib with the same entries (no patch information, no cached map)."""
    out = Fib()
    for plen, d in fib._by_len.items():
        for addr, es in d.items():
            for e in es:
                out.add(plen, addr, e)
    return out


def _full_changed(base: DataPlane, scen: DataPlane, node: str, vrf: str) -> Intervals:
    fa, fb = base.fibs.get(node, {}).get(vrf), scen.fibs.get(node, {}).get(vrf)
    a = _full_map(_rebuilt(fa)) if fa is not None else ([0], [0])
    b = _full_map(_rebuilt(fb)) if fb is not None else ([0], [0])
    spans = []
    points = sorted(set(a[0]) | set(b[0]))
    from validator.checks.fibmap import lookup_id

    for k, p in enumerate(points):
        if lookup_id(a, p) != lookup_id(b, p):
            spans.append((p, points[k + 1] - 1 if k + 1 < len(points) else MAX_IP))
    return Intervals.of(spans)


def test_patched_map_restores_a_boundary_the_base_merged_away() -> None:
    via_a = NextHop("ip", None, IPv4Address("10.0.0.2"))
    via_b = NextHop("ip", None, IPv4Address("10.0.1.2"))
    rib = MainRib()
    rib.merge_all(
        [
            _route("10.0.0.0/30", NextHop("interface", "Gi0/0"), "connected", 0),
            _route("10.0.1.0/30", NextHop("interface", "Gi0/1"), "connected", 0),
            _route("192.0.2.0/24", via_a),
            _route("192.0.2.128/25", via_a),  # same action as its parent: merged in the base map
        ]
    )
    base = build_fib(rib)
    base_map = map_of_fib(base)
    assert IPv4Network("192.0.2.128/25").network_address not in [IPv4Address(s) for s in base_map[0]]
    new = clone_rib(rib)
    set_prefix(new, IPv4Network("192.0.2.0/24"), [_route("192.0.2.0/24", via_b)])
    patched = LazyFib(new, base, DepIndex(rib), frozenset({IPv4Network("192.0.2.0/24")}))
    got = map_of_fib(patched)
    assert patched.patched_from() is not None  # the patch path was taken
    assert got == _full_map(build_fib(new))
    # the /25 keeps the old next hop, the rest of the /24 moved: both boundaries are back
    assert int(IPv4Address("192.0.2.128")) in got[0]


def test_scenario_maps_and_changed_spaces_equal_full_rebuilds(small: DataPlane) -> None:  # noqa: F811
    combos = random.Random(3).sample(_scenarios(small), 10)
    patched = 0
    for combo in combos:
        scen = scenario_dataplane(small, union(combo))
        for node, vrfs in scen.fibs.items():
            for vrf, fib in vrfs.items():
                if fib is small.fibs.get(node, {}).get(vrf):
                    continue
                if isinstance(fib, LazyFib) and fib.patched_from() is not None:
                    patched += 1
                assert map_of_fib(fib) == _full_map(_rebuilt(fib)), (combo, node, vrf)
                assert changed_space(small, scen, node, vrf) == _full_changed(small, scen, node, vrf), (combo, node)
    assert patched > 20  # the patch path applied (the test fails if it silently stops)


def test_triangle_changed_space_after_a_link_failure() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    scen = scenario_dataplane(base, link(base, "r1", "GigabitEthernet0/1"))
    for node in scen.fibs:
        assert changed_space(base, scen, node, "default") == _full_changed(base, scen, node, "default")


def test_filters_met_is_computed_once_per_traced_flow(small: DataPlane, monkeypatch: Any) -> None:  # noqa: F811
    """A sweep re-explores the same no-failure flows in every scenario that re-traces a class: the
    filters their traces met are read from the cache kept beside the traces."""
    import validator.checks.explore as explore_mod
    from validator.checks.headerspace import HeaderConstraints
    from validator.checks.zones import zone_sources
    from validator.engine.traceroute import Tracer

    calls = []
    real = explore_mod.filters_met
    monkeypatch.setattr(explore_mod, "filters_met", lambda dp, ts: calls.append(1) or real(dp, ts))
    # the builtin tracer says which filters a fresh trace met (Tracer.trace_and_filters)
    real_tf = Tracer.trace_and_filters
    monkeypatch.setattr(Tracer, "trace_and_filters", lambda self, f: calls.append(1) or real_tf(self, f))

    class Z:
        name, nodes, interfaces, prefixes = "z", ("/^az1-p1-host$/",), (), ()

    sources = zone_sources(small, Z())
    space = Intervals.network(IPv4Network("10.2.0.0/16"))
    first = list(explore_mod.Explorer([small], HeaderConstraints()).explore(sources, space))
    n = len(calls)
    again = list(explore_mod.Explorer([small], HeaderConstraints()).explore(sources, space))
    assert n > 0 and len(calls) == n
    assert [r.traces for r in again] == [r.traces for r in first]


def test_filter_steps_are_shared_by_the_scenarios_of_one_snapshot(small: DataPlane, monkeypatch: Any) -> None:  # noqa: F811
    """Every scenario data plane gets its own tracer; an ACL's verdict for a flow is a function of
    the snapshot alone, so it is evaluated once for all of them."""
    import validator.engine.traceroute as tr
    from validator.model.flow import Flow

    calls = []
    real = tr.evaluate_acl_sound
    monkeypatch.setattr(tr, "evaluate_acl_sound", lambda acl, flow: calls.append(1) or real(acl, flow))
    # az1-p1-leaf2 filters its host port (anti-spoofing in, no telnet out): telnet towards its LAN
    flow = Flow(
        ingress_node="az2-p1-host",
        src_ip=IPv4Address("10.2.0.10"),
        dst_ip=IPv4Address("10.1.1.10"),
        ip_protocol=6,
        src_port=40000,
        dst_port=23,
    )
    first = tr.Tracer(small).trace(flow)
    assert any(s.type == "Filter" for t in first for h in t.hops for s in h.steps)
    n = len(calls)
    scen = scenario_dataplane(small, union(_scenarios(small)[0]))
    again = tr.Tracer(scen).trace(flow)
    assert n > 0 and len(calls) == n
    assert [t.disposition for t in again] == [t.disposition for t in first]
