"""The prefix-only route-map proof behind "this session can never carry that prefix"
(``engine/bgp_carriers.route_map_denies``): True only when every route for the prefix is denied,
whatever its other attributes; anything undecided counts as "may permit"."""

from __future__ import annotations

from ipaddress import IPv4Network

from engine_helpers import snapshot

from validator.engine.bgp_carriers import route_map_denies

NET = IPv4Network("10.2.2.0/24")
OTHER = IPv4Network("192.168.1.0/24")

NODE = snapshot(
    "hostname r1\n"
    "ip prefix-list P seq 5 permit 10.2.0.0/16 ge 24 le 24\n"
    "ip community-list standard C permit 65000:1\n"
    "route-map ONLY-P permit 10\n match ip address prefix-list P\n"
    "route-map COMM permit 10\n match community C\n"
    "route-map DENY-P deny 10\n match ip address prefix-list P\n"
    "route-map DENY-P permit 20\n"
    "route-map DENY-COMM-P deny 10\n match ip address prefix-list P\n match community C\n"
    "route-map DENY-COMM-P permit 20\n match ip address prefix-list P\n"
    "route-map CONT permit 10\n match ip address prefix-list P\n continue 20\n"
    "route-map CONT deny 20\n"
).nodes["r1"]


def test_prefix_list_only_maps_are_decided() -> None:
    assert not route_map_denies(NODE, "ONLY-P", NET)
    assert route_map_denies(NODE, "ONLY-P", OTHER)  # no clause can match: the implicit deny
    assert route_map_denies(NODE, "DENY-P", NET)
    assert not route_map_denies(NODE, "DENY-P", OTHER)


def test_attribute_matches_are_undecided() -> None:
    assert not route_map_denies(NODE, "COMM", NET)  # a route with the community is permitted
    assert not route_map_denies(NODE, "COMM", OTHER)
    # deny for the routes with the community, permit for the others: may permit
    assert not route_map_denies(NODE, "DENY-COMM-P", NET)
    assert route_map_denies(NODE, "DENY-COMM-P", OTHER)


def test_continue_and_undefined() -> None:
    assert not route_map_denies(NODE, "CONT", NET)  # permitted by 10, then continue: may permit
    assert route_map_denies(NODE, "UNDEFINED", NET)  # an undefined map on a BGP neighbour denies
