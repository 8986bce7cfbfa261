"""Route-map, prefix-list, ACL-as-route-filter and community-list evaluation (semantics §4g)."""

from __future__ import annotations

import textwrap
from ipaddress import IPv4Network

import pytest

from validator.engine.routing_policy import (
    PolicyRoute,
    acl_permits_route,
    apply_route_map,
    prefix_list_permits,
    run_policy,
)
from validator.model.config import Node
from validator.parsers.cisco_ios import parse_ios

CFG = """
hostname p
ip prefix-list EXACT seq 5 permit 10.0.0.0/8
ip prefix-list GE seq 5 permit 10.0.0.0/8 ge 24
ip prefix-list LE seq 5 permit 10.0.0.0/8 le 16
ip prefix-list GELE seq 5 deny 10.9.0.0/16 le 32
ip prefix-list GELE seq 10 permit 10.0.0.0/8 ge 16 le 24
access-list 10 permit 10.1.0.0 0.0.255.255
access-list 101 permit ip host 10.1.0.0 host 255.255.0.0
access-list 102 permit ip 10.0.0.0 0.255.255.255 255.255.0.0 0.0.255.255
route-map CONT permit 10
 match ip address prefix-list LE
 set metric 5
 continue 30
route-map CONT permit 20
 set metric 99
route-map CONT permit 30
 set local-preference 300
route-map CONT deny 40
route-map UNDEF_ACL permit 10
 match ip address NOSUCHACL
 set metric 1
route-map UNDEF_PL permit 10
 match ip address prefix-list NOSUCHLIST
route-map OR permit 10
 match ip address 101
 match ip address prefix-list GE
route-map DENY deny 10
 match ip address prefix-list EXACT
route-map DENY permit 20
"""


@pytest.fixture(scope="module")
def node() -> Node:
    return parse_ios(textwrap.dedent(CFG), "configs/p.cfg")


def _n(s: str) -> IPv4Network:
    return IPv4Network(s)


@pytest.mark.parametrize(
    ("plist", "prefix", "permitted"),
    [
        ("EXACT", "10.0.0.0/8", True),
        ("EXACT", "10.0.0.0/9", False),
        ("GE", "10.1.2.0/24", True),
        ("GE", "10.1.0.0/16", False),
        ("LE", "10.1.0.0/16", True),
        ("LE", "10.1.1.0/24", False),
        ("LE", "11.0.0.0/8", False),
        ("GELE", "10.9.1.0/24", False),
        ("GELE", "10.8.1.0/24", True),
        ("GELE", "10.8.1.0/25", False),
    ],
)
def test_prefix_lists(node: Node, plist: str, prefix: str, permitted: bool) -> None:
    assert prefix_list_permits(node.prefix_lists[plist], _n(prefix)) is permitted


@pytest.mark.parametrize(
    ("acl", "prefix", "permitted"),
    [
        ("10", "10.1.0.0/16", True),
        ("10", "10.1.5.0/24", True),  # standard: any length
        ("10", "10.2.0.0/16", False),
        ("101", "10.1.0.0/16", True),  # host P host M: exactly P/len(M)
        ("101", "10.1.0.0/24", False),
        ("102", "10.5.0.0/16", True),  # destination gives the length range [16, 32]
        ("102", "10.5.5.0/24", True),
        ("102", "10.0.0.0/8", False),
    ],
)
def test_acl_as_route_filter(node: Node, acl: str, prefix: str, permitted: bool) -> None:
    assert acl_permits_route(node.acls[acl], _n(prefix)) is permitted


def test_continue_applies_sets_then_jumps(node: Node) -> None:
    out = apply_route_map(node, node.route_maps["CONT"], PolicyRoute(_n("10.1.0.0/16")))
    assert out is not None and (out.metric, out.local_pref) == (5, 300)
    out = apply_route_map(node, node.route_maps["CONT"], PolicyRoute(_n("10.1.1.0/24")))
    assert out is not None and (out.metric, out.local_pref) == (99, 100)


def test_undefined_match_targets(node: Node) -> None:
    # an all-undefined `match ip address` is dropped: the clause matches everything
    out = apply_route_map(node, node.route_maps["UNDEF_ACL"], PolicyRoute(_n("192.0.2.0/24")))
    assert out is not None and out.metric == 1
    # an undefined prefix-list matches nothing: implicit deny
    assert apply_route_map(node, node.route_maps["UNDEF_PL"], PolicyRoute(_n("192.0.2.0/24"))) is None


def test_match_ip_address_lines_are_ored(node: Node) -> None:
    rm = node.route_maps["OR"]
    assert apply_route_map(node, rm, PolicyRoute(_n("10.1.0.0/16"))) is not None  # via ACL 101
    assert apply_route_map(node, rm, PolicyRoute(_n("10.7.7.0/24"))) is not None  # via prefix-list GE
    assert apply_route_map(node, rm, PolicyRoute(_n("10.7.0.0/16"))) is None


def test_deny_clause_and_fallthrough(node: Node) -> None:
    rm = node.route_maps["DENY"]
    assert apply_route_map(node, rm, PolicyRoute(_n("10.0.0.0/8"))) is None
    assert apply_route_map(node, rm, PolicyRoute(_n("10.0.0.0/9"))) is not None


def test_undefined_route_map_meaning_is_the_callers(node: Node) -> None:
    r = PolicyRoute(_n("10.0.0.0/8"))
    assert run_policy(node, "MISSING", r, undefined_denies=True) is None
    assert run_policy(node, "MISSING", r, undefined_denies=False) == r
    assert run_policy(node, None, r, undefined_denies=True) == r
