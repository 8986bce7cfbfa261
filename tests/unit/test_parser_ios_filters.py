"""Cisco IOS parser: ACLs, prefix-lists, community-lists and route-maps."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from validator.model.config import (
    Community,
    IpWildcard,
    MatchCommunity,
    MatchIpAddress,
    MatchPrefixList,
    MatchTag,
    Node,
    SetAsPathPrepend,
    SetCommunity,
    SetLocalPreference,
    SetMetric,
    SetNextHop,
    SetOrigin,
    SetTag,
    SetWeight,
)
from validator.parsers.cisco_ios import parse_ios

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "unit" / "ios"


def parse(name: str) -> Node:
    return parse_ios((FIXTURES / name).read_text(), f"configs/{name}")


def wc(ip: str, wildcard: str = "0.0.0.0") -> IpWildcard:
    return IpWildcard(IPv4Address(ip), IPv4Address(wildcard))


ANY = IpWildcard.any()


# --- ACLs ----------------------------------------------------------------------------------------


def test_numbered_standard_acl() -> None:
    acl = parse("filters.cfg").acls["10"]
    assert acl.kind == "standard"
    assert [(line.action, line.src, line.dst) for line in acl.lines] == [
        ("permit", (wc("192.0.2.1"),), (ANY,)),
        ("permit", (wc("192.0.2.0", "0.0.0.255"),), (ANY,)),
        ("deny", (ANY,), (ANY,)),
    ]
    assert acl.lines[0].text == "access-list 10 permit 192.0.2.1"
    assert acl.lines[0].name == "permit 192.0.2.1"
    assert parse("filters.cfg").acls["1300"].kind == "standard"


def test_numbered_extended_acl_ports_and_icmp() -> None:
    lines = parse("filters.cfg").acls["110"].lines
    bgp, udp, echo, too_big = lines
    assert (bgp.protocol, bgp.src, bgp.src_ports, bgp.dst, bgp.dst_ports) == (
        6,
        (wc("10.0.0.1"),),
        ((179, 179),),
        (ANY,),
        ((1024, 65535),),
    )
    assert udp.protocol == 17
    assert udp.src_ports == ((1000, 2000),)
    assert udp.dst == (wc("10.0.0.0", "0.0.0.255"),)
    assert udp.dst_ports == ((0, 52), (54, 65535))  # neq domain
    assert (echo.action, echo.protocol, echo.icmp_type, echo.icmp_code) == ("deny", 1, 8, None)
    assert (too_big.icmp_type, too_big.icmp_code) == (3, 4)


def test_named_extended_acl() -> None:
    node = parse("filters.cfg")
    acl = node.acls["WEB"]
    assert acl.kind == "extended" and acl.default_action == "deny"
    by_seq = {line.text.split()[0]: line for line in acl.lines}
    assert set(by_seq) == {"10", "20", "30", "40", "50", "70"}  # 60 (dscp) is dropped with a warning
    www = by_seq["10"]
    assert www.dst == (wc("10.1.1.10"),) and www.dst_ports == ((80, 80), (443, 443))
    assert www.name == "permit tcp any host 10.1.1.10 eq www 443"
    assert www.text == "10 permit tcp any host 10.1.1.10 eq www 443"
    assert by_seq["20"].tcp_established is True
    ssh = by_seq["30"]
    assert ssh.src == (wc("10.0.0.0", "0.255.255.255"),)
    assert ssh.src_ports == ((0, 1023),) and ssh.dst_ports == ((22, 22),)
    assert by_seq["40"].protocol == 47
    assert by_seq["50"].protocol == 89
    assert by_seq["70"].action == "deny" and by_seq["70"].protocol is None
    assert by_seq["70"].source.line == 22
    (warning,) = node.warnings
    assert warning.line == 21 and "dscp" in warning.reason


def test_named_standard_acl() -> None:
    acl = parse("filters.cfg").acls["MGMT"]
    assert acl.kind == "standard"
    assert [(line.action, line.src) for line in acl.lines] == [
        ("permit", (wc("10.9.9.9"),)),
        ("deny", (wc("10.9.0.0", "0.0.255.255"),)),
    ]
    assert acl.lines[0].text == "permit host 10.9.9.9"


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ("eq https", ((443, 443),)),
        ("eq telnet", ((23, 23),)),
        ("gt 1023", ((1024, 65535),)),
        ("lt 1024", ((0, 1023),)),
        ("neq 80", ((0, 79), (81, 65535))),
        ("range ftp-data ftp", ((20, 21),)),
        ("eq ntp snmp", ((123, 123), (161, 161))),
    ],
)
def test_destination_port_operators(ports: str, expected: tuple[tuple[int, int], ...]) -> None:
    text = f"hostname r\nip access-list extended A\n permit udp any any {ports}\n"
    (line,) = parse_ios(text, "configs/r.cfg").acls["A"].lines
    assert line.dst_ports == expected


# --- prefix-lists --------------------------------------------------------------------------------


def test_prefix_list_ranges_and_order() -> None:
    pl = parse("filters.cfg").prefix_lists["PL"]
    got = [(line.seq, line.action, str(line.prefix), line.min_len, line.max_len) for line in pl.lines]
    assert got == [
        (1, "permit", "192.168.0.0/16", 16, 16),
        (5, "permit", "10.0.0.0/8", 8, 8),
        (10, "deny", "10.1.0.0/16", 24, 32),
        (15, "permit", "10.2.0.0/16", 16, 20),
        (20, "permit", "10.3.0.0/16", 18, 22),
    ]


def test_prefix_list_without_seq_numbers_by_five() -> None:
    pl = parse("filters.cfg").prefix_lists["AUTO"]
    assert [(line.seq, line.prefix, line.min_len, line.max_len) for line in pl.lines] == [
        (5, IPv4Network("172.16.0.0/12"), 12, 32),
        (10, IPv4Network("0.0.0.0/0"), 0, 0),
    ]


# --- community-lists -----------------------------------------------------------------------------


def test_community_lists() -> None:
    cls = parse("filters.cfg").community_lists
    assert cls["1"].kind == "standard"
    assert cls["1"].lines[0].communities == (Community(65000, 1), Community(65000, 2))
    assert cls["100"].kind == "expanded" and cls["100"].lines[0].regex == "_65000:.*"
    wk = cls["WK"]
    assert [(line.action, line.communities) for line in wk.lines] == [
        ("permit", (Community(65535, 65281),)),
        ("deny", (Community(65000, 100),)),
    ]
    assert cls["EXP"].lines[0].regex == "^65001:1[0-9]$" and cls["EXP"].lines[0].action == "deny"


# --- route-maps ----------------------------------------------------------------------------------


def test_route_map_clauses_sorted_with_matches_and_sets() -> None:
    node = parse("route_maps.cfg")
    rm = node.route_maps["RM"]
    assert [(c.seq, c.action) for c in rm.clauses] == [(10, "permit"), (20, "permit"), (30, "deny")]
    first = rm.clauses[0]
    assert [type(m) for m in first.matches] == [MatchIpAddress, MatchPrefixList, MatchCommunity]
    assert first.matches[0] == MatchIpAddress(("10", "MISSING_ACL"), first.matches[0].source)
    assert isinstance(first.matches[2], MatchCommunity)
    assert first.matches[2].community_lists == ("CL", "MISSING_CL")
    src = [st.source for st in first.sets]
    assert [ref.line for ref in src] == list(range(12, 20))
    assert first.sets == (
        SetLocalPreference(200, src[0]),
        SetMetric(40, src[1]),
        SetCommunity((Community(65000, 1), Community(0, 100), Community(65535, 65281)), True, src[2]),
        SetNextHop(IPv4Address("10.0.0.9"), src[3]),
        SetWeight(100, src[4]),
        SetAsPathPrepend((65000, 65000), src[5]),
        SetOrigin("incomplete", src[6]),
        SetTag(77, src[7]),
    )
    assert first.continue_seq == -1
    second = rm.clauses[1]
    assert second.continue_seq == 30
    assert second.sets == (SetCommunity((), False, second.sets[0].source),)
    third = rm.clauses[2]
    assert isinstance(third.matches[0], MatchTag) and third.matches[0].tags == (5, 6)
    implicit = node.route_maps["IMPLICIT"].clauses[0]
    assert (implicit.seq, implicit.action) == (10, "permit")


def test_route_map_undefined_references_and_warnings() -> None:
    node = parse("route_maps.cfg")
    assert [(k, n, s.line) for k, n, s in node.undefined_references] == [
        ("acl", "MISSING_ACL", 9),
        ("community-list", "MISSING_CL", 11),
        ("prefix-list", "MISSING_PL", 23),
        ("as-path-list", "5", 26),  # ``match as-path`` is modelled: an undefined list is a reference
    ]
    assert node.warnings == ()
