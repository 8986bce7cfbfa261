"""Cisco IOS parser: truncated commands and bad values are warnings naming the line, never an
exception and never taken as something else (issue 9, item 5)."""

from __future__ import annotations

import pytest

from validator.model.config import Node
from validator.parsers.cisco_ios import parse_ios


def parse(text: str) -> Node:
    return parse_ios("hostname r1\n" + text, "configs/r1.cfg")


def warned_lines(node: Node) -> list[int]:
    return sorted({w.line for w in node.warnings})


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("route-map RM permit 10\n set\n", 3),
        ("route-map RM permit 10\n match\n", 3),
        ("ip prefix-list P seq\n", 2),
        ("ip prefix-list P seq 5\n", 2),
        ("ip prefix-list P seq 5 permit\n", 2),
        ("ip prefix-list P permit 10.0.0.0/8 ge\n", 2),
        ("interface\n", 2),
        ("router bgp\n", 2),
        ("router ospf\n", 2),
        ("ip route\n", 2),
        ("ip route 10.0.0.0\n", 2),
        ("ip route 10.0.0.0 255.0.0.0\n", 2),
        ("route-map\n", 2),
        ("access-list\n", 2),
        ("access-list 101\n", 2),
        ("access-list 101 permit\n", 2),
        ("access-list 101 permit tcp any any eq\n", 2),
        ("ip access-list\n", 2),
        ("ip community-list\n", 2),
        ("ip as-path access-list\n", 2),
        ("router bgp 1\n neighbor\n", 3),
        ("router bgp 1\n neighbor 10.0.0.1\n", 3),
        ("router bgp 1\n maximum-paths\n", 3),
        ("router bgp 1\n network\n", 3),
        ("router ospf 1\n network 10.0.0.0\n", 3),
        ("interface Gi0/0\n ip address\n", 3),
        ("interface Gi0/0\n ip access-group\n", 3),
    ],
)
def test_truncated_commands_warn_with_their_line(text: str, line: int) -> None:
    assert line in warned_lines(parse(text))


def test_bad_next_hop_address_is_not_an_interface_name() -> None:
    node = parse("ip route 10.2.10.0 255.255.255.0 999.1.1.1\n")
    assert node.static_routes == ()
    assert warned_lines(node) == [2]


def test_static_route_into_an_undefined_vrf_is_an_undefined_reference() -> None:
    node = parse("ip route vrf X 10.0.0.0 255.0.0.0 Null0\n")
    assert [(k, n, s.line) for k, n, s in node.undefined_references] == [("vrf", "X", 2)]
    defined = parse("vrf definition X\nip route vrf X 10.0.0.0 255.0.0.0 Null0\n")
    assert defined.undefined_references == ()
    assert defined.static_routes[0].vrf == "X"


def test_out_of_range_values_are_warnings() -> None:
    node = parse(
        "ip route 10.0.0.0 255.0.0.0 Null0 300\n"
        "interface Gi0/0\n mtu 10\n ip ospf cost 70000\n"
        "access-list 101 permit tcp any any eq 70000\n"
        "route-map RM permit 70000\n"
    )
    assert warned_lines(node) == [2, 4, 5, 6, 7]
    assert node.static_routes == ()


@pytest.mark.parametrize("target", ["999.1.1.1", "10.0.0", "2001:db8::1"])
def test_bad_or_ipv6_neighbor_address_is_a_warning_not_a_peer_group(target: str) -> None:
    node = parse(f"router bgp 1\n neighbor {target} remote-as 2\n")
    assert warned_lines(node) == [3]
    assert node.undefined_references == ()


def test_static_route_next_hop_interface_is_a_reference() -> None:
    node = parse("ip route 10.0.0.0 255.0.0.0 GigabitEthernet0/9 192.0.2.1\n")
    assert [(k, n, s.line) for k, n, s in node.undefined_references] == [("interface", "GigabitEthernet0/9", 2)]
    route = node.static_routes[0]
    assert (route.next_hop_interface, str(route.next_hop_ip)) == ("GigabitEthernet0/9", "192.0.2.1")


def test_reentered_interface_keeps_its_earlier_lines() -> None:
    # IOS (and Batfish) apply the second stanza to the same interface: the ACL must not disappear
    node = parse(
        "interface Gi0/0\n ip access-group EDGE in\n"
        "ip access-list extended EDGE\n deny ip any any\n"
        "interface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n"
    )
    gi = node.interfaces["GigabitEthernet0/0"]
    assert gi.acl_in == "EDGE"
    assert str(gi.addresses[0]) == "10.0.0.1/24"
    assert node.warnings == ()
