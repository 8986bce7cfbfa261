"""Junos policy chains evaluated as Batfish converts them: terms in order, terminal actions decide,
fall-through to the next policy and then to the protocol's default policy."""

from __future__ import annotations

from ipaddress import IPv4Network

from validator.engine.routing_policy import PolicyRoute, apply_route_map
from validator.model.config import Node
from validator.parsers.junos import parse_junos

BASE = """\
set system host-name r1
set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30
set routing-options autonomous-system 65001
set policy-options prefix-list PL 10.5.0.0/16
set policy-options community C members 65001:7
set policy-options policy-statement LP term t from route-filter 10.0.0.0/8 orlonger
set policy-options policy-statement LP term t then local-preference 300
set policy-options policy-statement SKIP term t from route-filter 10.1.0.0/16 exact
set policy-options policy-statement SKIP term t then next policy
set policy-options policy-statement SKIP term u then reject
set policy-options policy-statement DIRECT term d from protocol direct
set policy-options policy-statement DIRECT term d from prefix-list PL
set policy-options policy-statement DIRECT term d from route-filter 10.6.0.0/16 upto /24
set policy-options policy-statement DIRECT term d then community add C
set policy-options policy-statement DIRECT term d then accept
set policy-options policy-statement RF term a from route-filter 10.0.0.0/8 longer
set policy-options policy-statement RF term a then accept
set policy-options policy-statement RF term b from route-filter 172.16.0.0/12 prefix-length-range /20-/24
set policy-options policy-statement RF term b then accept
set policy-options policy-statement RF term t from route-filter 192.168.0.0/16 through 192.168.4.0/22
set policy-options policy-statement RF term t then accept
set policy-options policy-statement RF term c then reject
"""


def node_with(chain: str, extra: str = "") -> Node:
    text = BASE + extra + "set protocols bgp group g type external\nset protocols bgp group g peer-as 2\n"
    text += "set protocols bgp group g neighbor 10.0.0.2\n" + chain
    return parse_junos(text, "configs/r1.cfg")


def run(node: Node, direction: str, net: str, protocol: str = "bgp") -> PolicyRoute | None:
    assert node.bgp is not None
    nb = node.bgp.neighbors[0]
    name = nb.route_map_in if direction == "in" else nb.route_map_out
    assert name is not None
    return apply_route_map(node, node.route_maps[name], PolicyRoute(IPv4Network(net), protocol=protocol))


def test_export_without_policy_advertises_bgp_routes_only() -> None:
    node = node_with("")
    assert run(node, "out", "10.9.0.0/16", "bgp") is not None
    assert run(node, "out", "10.9.0.0/16", "ibgp") is not None
    assert run(node, "out", "10.9.0.0/16", "connected") is None
    assert run(node, "out", "10.9.0.0/16", "static") is None


def test_import_chain_falls_through_to_accept_with_modifications() -> None:
    node = node_with("set protocols bgp group g import [ LP ]\n")
    r = run(node, "in", "10.2.0.0/16")
    assert r is not None and r.local_pref == 300  # no terminal action: default import accepts
    r2 = run(node, "in", "192.168.0.0/16")
    assert r2 is not None and r2.local_pref == 100


def test_next_policy_skips_the_rest_of_the_policy() -> None:
    node = node_with("set protocols bgp group g import [ SKIP LP ]\n")
    r = run(node, "in", "10.1.0.0/16")
    assert r is not None and r.local_pref == 300  # skipped SKIP's reject, LP modified, default accepted
    assert run(node, "in", "10.2.0.0/16") is None  # SKIP term u rejects


def test_export_policy_accepts_direct_routes_with_communities() -> None:
    node = node_with("set protocols bgp group g export DIRECT\n")
    r = run(node, "out", "10.5.0.0/16", "connected")
    assert r is not None and r.communities == frozenset({(65001 << 16) | 7})
    assert run(node, "out", "10.6.1.0/24", "connected") is not None
    assert run(node, "out", "10.6.1.128/25", "connected") is None  # longer than upto /24
    assert run(node, "out", "10.5.0.0/16", "static") is None  # from protocol direct only
    assert run(node, "out", "10.7.0.0/16", "bgp") is not None  # default policy: BGP routes
    assert node.bgp is not None and {r.protocol for r in node.bgp.redistributions} == {"connected"}
    assert all(r.origin == "igp" for r in node.bgp.redistributions)


def test_route_filter_match_types() -> None:
    node = node_with("set protocols bgp group g import RF\n")
    assert run(node, "in", "10.0.0.0/8") is None  # longer excludes the prefix itself
    assert run(node, "in", "10.1.0.0/16") is not None
    assert run(node, "in", "172.16.16.0/20") is not None
    assert run(node, "in", "172.16.0.0/16") is None
    assert run(node, "in", "172.16.1.0/25") is None
    for on_path in ("192.168.0.0/16", "192.168.0.0/17", "192.168.0.0/21", "192.168.4.0/22"):
        assert run(node, "in", on_path) is not None, on_path
    for off_path in ("192.168.128.0/17", "192.168.4.0/23", "192.168.8.0/22"):
        assert run(node, "in", off_path) is None, off_path


def test_undefined_policy_is_skipped_and_reported() -> None:
    node = node_with("set protocols bgp group g import [ NOPE RF ]\n")
    assert run(node, "in", "10.1.0.0/16") is not None
    assert ("policy-statement", "NOPE") in {(k, n) for k, n, _ in node.undefined_references}


def test_unreadable_term_makes_its_clause_partial() -> None:
    node = node_with(
        "set protocols bgp group g import ODD\n",
        "set policy-options policy-statement ODD term t from neighbor 10.0.0.2\n"
        "set policy-options policy-statement ODD term t then accept\n",
    )
    assert node.bgp is not None
    rm = node.route_maps[node.bgp.neighbors[0].route_map_in or ""]
    assert [r.line for c in rm.clauses for r in c.unparsed] == [len(BASE.splitlines()) + 1]


def test_ospf_export_default_rejects_and_policy_exports_statics() -> None:
    text = (
        "set system host-name r1\n"
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30\n"
        "set protocols ospf area 0 interface ge-0/0/0.0\n"
        "set protocols ospf export STATICS\n"
        "set policy-options policy-statement STATICS term s from protocol static\n"
        "set policy-options policy-statement STATICS term s then accept\n"
    )
    node = parse_junos(text, "configs/r1.cfg")
    (redist,) = node.ospf[0].redistributions
    assert redist.protocol == "static" and redist.metric == 0 and redist.metric_type == 2
    assert redist.route_map is not None
    rm = node.route_maps[redist.route_map]
    assert apply_route_map(node, rm, PolicyRoute(IPv4Network("10.9.0.0/16"), protocol="static")) is not None
    assert apply_route_map(node, rm, PolicyRoute(IPv4Network("10.9.0.0/16"), protocol="connected")) is None


def test_nested_route_filters_are_partial_not_guessed() -> None:
    # Junos: the longest matching filter decides (10.1.0.0/16 exact fails for a /24), Batfish ORs
    # the filters; the term is partial so the routes it decides are undecided
    extra = (
        "set policy-options policy-statement NEST term t from route-filter 10.0.0.0/8 orlonger\n"
        "set policy-options policy-statement NEST term t from route-filter 10.1.0.0/16 exact\n"
        "set policy-options policy-statement NEST term t then accept\n"
    )
    node = node_with("set protocols bgp group g import NEST\n", extra)
    assert node.bgp is not None
    rm = node.route_maps[node.bgp.neighbors[0].route_map_in or ""]
    first = len(BASE.splitlines()) + 1
    assert sorted(r.line for c in rm.clauses for r in c.unparsed) == [first, first + 1]
    assert any("longest match" in w.reason for w in node.warnings)


def test_community_delete_removes_every_member_and_add_set_resolve_later_definitions() -> None:
    extra = (
        "set policy-options policy-statement CD term t then community delete TWO\n"
        "set policy-options policy-statement CD term t then community add LATE\n"
        "set policy-options community TWO members [ 65001:1 65001:2 ]\n"
        "set policy-options community LATE members 65001:9\n"
    )
    node = node_with("set protocols bgp group g import CD\n", extra)
    assert node.bgp is not None
    rm = node.route_maps[node.bgp.neighbors[0].route_map_in or ""]
    c = {(65001 << 16) | n for n in (1, 2, 3)}
    r = apply_route_map(node, rm, PolicyRoute(IPv4Network("10.9.0.0/16"), communities=frozenset(c)))
    assert r is not None and r.communities == frozenset({(65001 << 16) | 3, (65001 << 16) | 9})
