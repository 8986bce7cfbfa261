"""Incremental failure scenarios: every scenario equals the data plane computed from scratch, and
each reuse rule is the one that applied (so a test fails if a rule silently stops reusing)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Any

from engine_helpers import snapshot

from validator.engine.dataplane import compute_dataplane
from validator.engine.fib import build_fib
from validator.engine.incremental import base_state, scenario_dataplane, scenario_with_stats
from validator.engine.incremental._fib import DepIndex, LazyFib, clone_rib, set_prefix
from validator.engine.rib import MainRib
from validator.engine.types import DataPlane, FailureSet, Fib
from validator.model.dataplane import NextHop, Route
from validator.model.snapshot import Snapshot

# r1 - r2 - r3 in a line plus r1 - r3 directly (a triangle), OSPF area 0 on every link and loopback;
# iBGP r1 <-> r3 over loopbacks; r3 has eBGP to r4 (AS 65004), which originates 203.0.113.0/24.


def _router(name: str, loopback: str, links: list[tuple[str, str, int]], tail: str) -> str:
    text = f"hostname {name}\ninterface Loopback0\n ip address {loopback} 255.255.255.255\n"
    for i, (addr, mask, cost) in enumerate(links):
        text += f"interface GigabitEthernet0/{i}\n ip address {addr} {mask}\n ip ospf cost {cost}\n"
    return text + tail


OSPF = "router ospf 1\n network 10.0.0.0 0.255.255.255 area 0\n"
M30 = "255.255.255.252"


def triangle(
    r1_bgp: str = "", r3_bgp: str = "", r4_extra: str = "", r1_extra: str = "", ospf: str = OSPF, r4_bgp: str = ""
) -> Snapshot:
    r1 = _router(
        "r1",
        "10.255.0.1",
        [("10.0.12.1", M30, 1), ("10.0.13.1", M30, 5)],
        ospf
        + r1_extra
        + "router bgp 65000\n neighbor 10.255.0.3 remote-as 65000\n neighbor 10.255.0.3 update-source Loopback0\n"
        + r1_bgp,
    )
    r2 = _router("r2", "10.255.0.2", [("10.0.12.2", M30, 1), ("10.0.23.2", M30, 1)], ospf)
    r3 = _router(
        "r3",
        "10.255.0.3",
        [("10.0.23.3", M30, 1), ("10.0.13.3", M30, 5), ("172.16.34.1", M30, 1)],
        ospf + "router bgp 65000\n neighbor 10.255.0.1 remote-as 65000\n neighbor 10.255.0.1 update-source Loopback0\n"
        " neighbor 10.255.0.1 next-hop-self\n neighbor 172.16.34.2 remote-as 65004\n" + r3_bgp,
    )
    r4 = (
        "hostname r4\ninterface GigabitEthernet0/0\n ip address 172.16.34.2 255.255.255.252\n"
        "interface Loopback1\n ip address 203.0.113.1 255.255.255.0\n"
        + r4_extra
        + "router bgp 65004\n neighbor 172.16.34.1 remote-as 65000\n network 203.0.113.0 mask 255.255.255.0\n"
        + r4_bgp
    )
    return snapshot(r1, r2, r3, r4)


def _fib_content(fib: Fib) -> dict[tuple[int, int], Any]:
    if isinstance(fib, LazyFib):
        fib._materialize()
    return {(plen, a): es for plen, d in fib._by_len.items() for a, es in d.items() if es}


def assert_same(got: DataPlane, ref: DataPlane) -> None:
    assert got.failures == ref.failures
    assert got.active_interfaces == ref.active_interfaces
    assert got.edges == ref.edges
    assert got.ribs == ref.ribs
    assert got.bgp_sessions == ref.bgp_sessions
    assert got.ip_owners == ref.ip_owners
    assert got.converged == ref.converged
    assert set(got.fibs) == set(ref.fibs)
    for n in ref.fibs:
        assert set(got.fibs[n]) == set(ref.fibs[n])
        for v in ref.fibs[n]:
            assert _fib_content(got.fibs[n][v]) == _fib_content(ref.fibs[n][v]), (n, v)


def link(dp: DataPlane, node: str, iface: str) -> FailureSet:
    ends = {(node, iface)} | {(e.node2, e.interface2) for e in dp.edges if (e.node1, e.interface1) == (node, iface)}
    return FailureSet(interfaces=frozenset(ends))


def check(snap: Snapshot, failures: FailureSet) -> Any:
    base = compute_dataplane(snap)
    got, stats = scenario_with_stats(base, failures)
    assert_same(got, compute_dataplane(snap, failures))
    return stats


def test_link_off_the_shortest_paths_reuses_bgp_and_every_session() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    stats = check(snap, link(base, "r1", "GigabitEthernet0/1"))  # r1-r3, cost 5: unused
    assert stats is not None
    assert stats.bgp == "reused" and stats.dirty_prefixes == 0
    assert stats.sessions_traced == 0 and stats.sessions_reused > 0


def test_igp_path_change_keeps_bgp_when_next_hop_cost_is_unchanged_per_prefix() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    # r1-r2 down: r1 reaches r3's loopback over the direct cost-5 link; the iBGP route's IGP cost
    # changes, so its prefix is re-run, and sessions over the failed link are traced again
    stats = check(snap, link(base, "r1", "GigabitEthernet0/0"))
    assert stats is not None
    assert stats.bgp == "delta" and stats.dirty_prefixes == 1
    assert stats.sessions_traced > 0


def test_lost_ebgp_session_reruns_only_the_prefixes_it_carried() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    fs = link(base, "r3", "GigabitEthernet0/2")
    got = scenario_dataplane(base, fs)
    assert not any(r.network == IPv4Network("203.0.113.0/24") for r in got.ribs["r1"]["default"])
    stats = check(snap, fs)
    assert stats is not None and stats.bgp == "delta" and stats.dirty_prefixes == 1


def test_node_failure_isolates_its_speaker() -> None:
    snap = triangle()
    for node in ("r1", "r2", "r3", "r4"):
        stats = check(snap, FailureSet(nodes=frozenset({node})))
        assert stats is not None


def test_double_failures_match() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    links = [link(base, e.node1, e.interface1) for e in base.edges]
    for i, a in enumerate(links):
        for b in links[i + 1 :]:
            check(snap, a.union(b))


def test_aggregate_follows_its_more_specifics() -> None:
    # r4 aggregates 203.0.112.0/23 from its /24: the aggregate disappears with the /24's source
    r4_extra = "ip route 203.0.112.0 255.255.255.0 Null0\n"
    snap = triangle(r4_extra=r4_extra)
    snap.nodes["r4"].bgp.aggregates  # noqa: B018 - the parser must know aggregates
    from validator.parsers.cisco_ios import parse_ios

    text = (
        "hostname r4\ninterface GigabitEthernet0/0\n ip address 172.16.34.2 255.255.255.252\n"
        "interface Loopback1\n ip address 203.0.113.1 255.255.255.0\n"
        "router bgp 65004\n neighbor 172.16.34.1 remote-as 65000\n network 203.0.113.0 mask 255.255.255.0\n"
        " aggregate-address 203.0.112.0 255.255.254.0\n"
    )
    snap.nodes["r4"] = parse_ios(text, "configs/r3.cfg")
    base = compute_dataplane(snap)
    assert any(r.network == IPv4Network("203.0.112.0/23") for r in base.ribs["r1"]["default"])
    check(snap, FailureSet(interfaces=frozenset({("r4", "Loopback1")})))
    check(snap, link(base, "r3", "GigabitEthernet0/2"))


def test_ospf_redistributing_bgp_falls_back_to_scratch() -> None:
    snap = triangle(ospf=OSPF + " redistribute bgp 65000 subnets\n")
    base = compute_dataplane(snap)
    assert base_state(base) is None
    stats = check(snap, link(base, "r1", "GigabitEthernet0/0"))
    assert stats is None


def test_static_resolved_only_through_bgp_falls_back() -> None:
    # r1's static to 198.51.100.0/24 via an address only BGP covers (203.0.113.9)
    snap = triangle(r1_extra="ip route 198.51.100.0 255.255.255.0 203.0.113.9\n")
    base = compute_dataplane(snap)
    assert any(r.network == IPv4Network("198.51.100.0/24") for r in base.ribs["r1"]["default"])
    assert base_state(base) is None
    check(snap, link(base, "r3", "GigabitEthernet0/2"))


def test_base_with_failures() -> None:
    snap = triangle()
    full = compute_dataplane(snap)
    first = link(full, "r1", "GigabitEthernet0/0")
    base = compute_dataplane(snap, first)
    both = first.union(link(full, "r2", "GigabitEthernet0/1"))
    got, stats = scenario_with_stats(base, both)
    assert stats is not None
    assert_same(got, compute_dataplane(snap, both))
    # a scenario that brings a failed element back is computed from scratch
    other = link(full, "r2", "GigabitEthernet0/1")
    got, stats = scenario_with_stats(base, other)
    assert stats is None
    assert_same(got, compute_dataplane(snap, other))


def test_base_state_is_built_once_per_base() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    st = base_state(base)
    assert st is not None and base_state(base) is st


# --- FIB patching ----------------------------------------------------------------------------------


def _route(net: str, nh: NextHop, proto: str = "static", ad: int = 1) -> Route:
    return Route("r", "default", IPv4Network(net), proto, nh, ad, 0)


def test_lazy_fib_patch_equals_rebuild() -> None:
    rib = MainRib()
    rib.merge_all(
        [
            _route("10.0.0.0/30", NextHop("interface", "Gi0/0"), "connected", 0),
            _route("10.0.1.0/30", NextHop("interface", "Gi0/1"), "connected", 0),
            _route("10.9.9.9/32", NextHop("ip", None, IPv4Address("10.0.0.2")), "ospf", 110),
            _route("192.0.2.0/24", NextHop("ip", None, IPv4Address("10.9.9.9")), "ibgp", 200),
            _route("198.51.100.0/24", NextHop("ip", None, IPv4Address("10.0.1.2")), "ibgp", 200),
        ]
    )
    base = build_fib(rib)
    new = clone_rib(rib)
    set_prefix(
        new,
        IPv4Network("10.9.9.9/32"),
        [_route("10.9.9.9/32", NextHop("ip", None, IPv4Address("10.0.1.2")), "ospf", 110)],
    )
    set_prefix(new, IPv4Network("10.0.0.0/30"), [])
    deps = DepIndex(rib)
    # the /24 resolved through 10.9.9.9: it is re-resolved although its own routes did not change
    assert IPv4Network("192.0.2.0/24") in deps.users_within([IPv4Network("10.9.9.9/32")])
    assert IPv4Network("198.51.100.0/24") not in deps.users_within([IPv4Network("10.9.9.9/32")])
    patched = LazyFib(new, base, deps, frozenset({IPv4Network("10.9.9.9/32"), IPv4Network("10.0.0.0/30")}))
    assert _fib_content(patched) == _fib_content(build_fib(new))
    assert _fib_content(base) == _fib_content(build_fib(rib))  # the base is untouched
    assert patched.lookup(IPv4Address("192.0.2.1"))[0].action.interface == "Gi0/1"


def test_lazy_fib_single_lookups_equal_the_patched_table_without_building_it() -> None:
    """A lookup before the table is built answers from the RIB's longest match: the base's entries
    outside the patch, that prefix's routes resolved afresh inside it (the /24 that resolved through
    the changed loopback is inside); it equals the lookup of the built table everywhere."""
    rib = MainRib()
    rib.merge_all(
        [
            _route("10.0.0.0/30", NextHop("interface", "Gi0/0"), "connected", 0),
            _route("10.0.1.0/30", NextHop("interface", "Gi0/1"), "connected", 0),
            _route("10.9.9.9/32", NextHop("ip", None, IPv4Address("10.0.0.2")), "ospf", 110),
            _route("192.0.2.0/24", NextHop("ip", None, IPv4Address("10.9.9.9")), "ibgp", 200),
            _route("198.51.100.0/24", NextHop("ip", None, IPv4Address("10.0.1.2")), "ibgp", 200),
            _route("0.0.0.0/0", NextHop("ip", None, IPv4Address("10.0.0.2")), "static", 1),
        ]
    )
    base = build_fib(rib)
    new = clone_rib(rib)
    set_prefix(
        new,
        IPv4Network("10.9.9.9/32"),
        [_route("10.9.9.9/32", NextHop("ip", None, IPv4Address("10.0.1.2")), "ospf", 110)],
    )
    changed = frozenset({IPv4Network("10.9.9.9/32")})
    probes = [IPv4Address(a) for a in ("192.0.2.7", "198.51.100.1", "10.9.9.9", "10.0.0.1", "10.0.1.2", "8.8.8.8")]
    lazy = LazyFib(new, base, DepIndex(rib), changed)
    one = [lazy.lookup(ip) for ip in probes]
    assert not lazy._ready  # answered without building the table
    assert one[0][0].action.interface == "Gi0/1"  # re-resolved through the moved loopback
    assert one[1] is base.lookup(probes[1])  # outside the patch: the base's own entries
    built = build_fib(new)
    assert one == [built.lookup(ip) for ip in probes]
    fresh = LazyFib(new)  # no base (a base's own table): built whole on first lookup
    assert [fresh.lookup(ip) for ip in probes] == one and fresh._ready


def test_scenario_shares_untouched_nodes_with_the_base() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    got = scenario_dataplane(base, link(base, "r1", "GigabitEthernet0/1"))
    assert got.fibs["r4"] is base.fibs["r4"] and got.ribs["r4"] is base.ribs["r4"]
    assert isinstance(got.fibs["r1"]["default"], LazyFib)


def test_fast_dataplane_equals_reference_and_carries_its_state() -> None:
    from validator.engine.incremental import fast_dataplane

    snap = triangle()
    dp = fast_dataplane(snap)
    assert_same(dp, compute_dataplane(snap))
    assert base_state(dp) is not None
    fs = link(dp, "r1", "GigabitEthernet0/0")
    assert_same(fast_dataplane(snap, fs), compute_dataplane(snap, fs))
