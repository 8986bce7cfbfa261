"""Cisco IOS parser: the ACL forms of IOS-XE / NX-OS / EOS (issue 9, item 2)."""

from __future__ import annotations

from ipaddress import IPv4Address

from validator.model.config import IpWildcard, Node
from validator.parsers.cisco_ios import parse_ios

ANY = IpWildcard.any()


def parse(text: str) -> Node:
    return parse_ios("hostname r1\n" + text, "configs/r1.cfg")


def host(addr: str) -> IpWildcard:
    return IpWildcard(IPv4Address(addr), IPv4Address(0))


def test_ip_access_list_without_keyword_is_extended_with_sequence_numbers() -> None:
    node = parse(
        "ip access-list EDGE-IN\n"
        "   10 remark allow web\n"
        "   10 permit tcp any host 10.0.0.5 eq 443\n"
        "   20 deny ip 10.1.0.0 0.0.255.255 any\n"
        "   30 permit ip any any\n"
        "interface Ethernet1\n"
        " ip access-group EDGE-IN in\n"
    )
    acl = node.acls["EDGE-IN"]
    assert acl.kind == "extended"
    assert acl.unparsed == ()
    assert node.warnings == ()
    assert node.undefined_references == ()
    assert [line.name for line in acl.lines] == [
        "permit tcp any host 10.0.0.5 eq 443",
        "deny ip 10.1.0.0 0.0.255.255 any",
        "permit ip any any",
    ]
    first = acl.lines[0]
    assert (first.protocol, first.dst, first.dst_ports) == (6, (host("10.0.0.5"),), ((443, 443),))


def test_seq_keyword_and_trailing_sequence_in_named_forms() -> None:
    node = parse(
        "ip access-list standard MGMT\n"
        " seq 10 permit 192.0.2.0 0.0.0.255\n"
        " sequence 20 deny any\n"
        "ip access-list extended X\n"
        " permit udp any any eq 53 sequence 5\n"
        " 15 statistics per-entry\n"
    )
    mgmt = node.acls["MGMT"]
    assert mgmt.kind == "standard"
    assert [(ln.action, ln.src) for ln in mgmt.lines] == [
        ("permit", (IpWildcard(IPv4Address("192.0.2.0"), IPv4Address("0.0.0.255")),)),
        ("deny", (ANY,)),
    ]
    assert node.acls["X"].lines[0].dst_ports == ((53, 53),)
    assert node.warnings == ()


def test_bare_address_in_extended_entry_is_a_host_as_in_batfish() -> None:
    acl = parse("ip access-list extended H\n permit tcp 10.0.0.1 any eq 22\n").acls["H"]
    assert acl.lines[0].src == (host("10.0.0.1"),)
    assert acl.unparsed == ()


def test_other_ip_access_list_commands_are_not_filters() -> None:
    node = parse("ip access-list logging interval 10\n")
    assert node.acls == {}
    assert [w.line for w in node.warnings] == [2]
