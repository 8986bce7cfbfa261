"""Packet ACL evaluation: first match wins, default action, every header field, boundaries."""

from __future__ import annotations

from ipaddress import IPv4Address

from validator.engine.acl import IpPredicate, acl_boundaries, acl_permits, evaluate_acl, line_matches
from validator.model.config import Acl, AclLine, IpWildcard
from validator.model.flow import Flow
from validator.model.source import SourceRef

ANY = IpWildcard.any()


def wc(ip: str, wildcard: str = "0.0.0.0") -> IpWildcard:
    return IpWildcard(IPv4Address(ip), IPv4Address(wildcard))


def line(action: str, no: int, **kw: object) -> AclLine:
    return AclLine(action=action, text=f"{action} line {no}", source=SourceRef("configs/r1.cfg", no), **kw)  # type: ignore[arg-type]


def flow(
    src: str = "10.0.0.1", dst: str = "10.1.0.1", proto: int = 17, sport: int = 49152, dport: int = 33434, **kw: object
) -> Flow:
    return Flow("r1", IPv4Address(src), IPv4Address(dst), ip_protocol=proto, src_port=sport, dst_port=dport, **kw)  # type: ignore[arg-type]


def acl(*lines: AclLine, default: str = "deny") -> Acl:
    return Acl("F", tuple(lines), SourceRef("configs/r1.cfg", 1), default_action=default)  # type: ignore[arg-type]


def test_first_match_wins_and_reports_the_line() -> None:
    a = acl(line("deny", 2, protocol=17), line("permit", 3))
    verdict, matched = evaluate_acl(a, flow())
    assert verdict == "deny" and matched is a.lines[0]
    verdict, matched = evaluate_acl(a, flow(proto=6, dport=80))
    assert verdict == "permit" and matched is a.lines[1]


def test_no_match_gives_default_action_and_no_line() -> None:
    a = acl(line("permit", 2, protocol=6))
    assert evaluate_acl(a, flow()) == ("deny", None)
    assert evaluate_acl(acl(line("deny", 2, protocol=6), default="permit"), flow()) == ("permit", None)
    assert evaluate_acl(acl(), flow()) == ("deny", None)


def test_addresses_with_wildcards_and_alternatives() -> None:
    a = acl(line("permit", 2, src=(wc("10.0.0.0", "0.0.0.255"),), dst=(wc("10.1.0.1"), wc("10.2.0.0", "0.0.255.255"))))
    assert acl_permits(a, flow(src="10.0.0.200", dst="10.1.0.1"))
    assert acl_permits(a, flow(src="10.0.0.200", dst="10.2.9.9"))
    assert not acl_permits(a, flow(src="10.0.1.1", dst="10.1.0.1"))
    assert not acl_permits(a, flow(src="10.0.0.1", dst="10.1.0.2"))


def test_non_contiguous_wildcard() -> None:
    # 10.0.x.1 for any x
    a = acl(line("permit", 2, dst=(wc("10.0.0.1", "0.0.255.0"),)))
    assert acl_permits(a, flow(dst="10.0.77.1"))
    assert not acl_permits(a, flow(dst="10.0.77.2"))


def test_empty_address_alternatives_match_nothing() -> None:
    assert not line_matches(line("permit", 2, dst=()), flow())


def test_ports_only_match_tcp_udp() -> None:
    a = acl(line("permit", 2, dst_ports=((22, 23),)), line("permit", 3, src_ports=((1024, 65535),), protocol=6))
    assert acl_permits(a, flow(proto=6, dport=22))
    assert acl_permits(a, flow(proto=17, dport=23))
    assert not acl_permits(a, flow(proto=17, dport=24))
    assert acl_permits(a, flow(proto=6, sport=1024, dport=80))
    assert not acl_permits(a, flow(proto=6, sport=1023, dport=80))
    # ICMP has no ports, so a port-constrained line never matches it
    assert not acl_permits(a, flow(proto=1, sport=0, dport=22, icmp_type=8, icmp_code=0))


def test_icmp_type_and_code() -> None:
    a = acl(line("permit", 2, protocol=1, icmp_type=8), line("permit", 3, protocol=1, icmp_type=3, icmp_code=4))
    assert acl_permits(a, flow(proto=1, icmp_type=8, icmp_code=0))
    assert not acl_permits(a, flow(proto=1, icmp_type=0, icmp_code=0))
    assert acl_permits(a, flow(proto=1, icmp_type=3, icmp_code=4))
    assert not acl_permits(a, flow(proto=1, icmp_type=3, icmp_code=1))


def test_tcp_established_needs_ack() -> None:
    a = acl(line("permit", 2, protocol=6, tcp_established=True))
    assert not acl_permits(a, flow(proto=6, dport=80))
    assert acl_permits(a, flow(proto=6, dport=80, tcp_syn=False, tcp_ack=True))


def test_protocol_any_matches_everything() -> None:
    a = acl(line("permit", 2))
    assert acl_permits(a, flow(proto=47, sport=0, dport=0))


def test_iptables_style_default_permit_with_deny_line() -> None:
    a = Acl(
        "filter::INPUT",
        (line("permit", 2, protocol=17, dst_ports=((53, 53),)), line("deny", 3, protocol=17)),
        SourceRef("iptables/h.iptables", 1),
        kind="iptables",
        default_action="permit",
    )
    assert acl_permits(a, flow(dport=53))
    assert evaluate_acl(a, flow(dport=33434)) == ("deny", a.lines[1])
    assert acl_permits(a, flow(proto=6, dport=80))


def test_wildcard_intervals() -> None:
    assert IpPredicate.of(wc("10.0.0.0", "0.0.0.255")).intervals() == [
        (int(IPv4Address("10.0.0.0")), int(IPv4Address("10.0.0.255")))
    ]
    ivs = IpPredicate.of(wc("10.0.0.1", "0.0.1.0")).intervals()
    assert ivs == [(int(IPv4Address("10.0.0.1")),) * 2, (int(IPv4Address("10.0.1.1")),) * 2]
    assert IpPredicate.of(wc("0.0.0.0", "255.255.255.254")).intervals() is None
    assert IpPredicate.of(wc("10.0.0.0", "0.0.0.255")).contiguous
    assert not IpPredicate.of(wc("10.0.0.1", "0.0.1.0")).contiguous


def test_boundaries_separate_every_line_verdict() -> None:
    a = acl(
        line("deny", 2, protocol=6, dst=(wc("10.1.0.0", "0.0.0.255"),), dst_ports=((22, 23),)),
        line("permit", 3, protocol=17, dst=(wc("10.1.0.128", "0.0.0.127"),)),
        line("permit", 4, protocol=1, icmp_type=8),
    )
    b = acl_boundaries([a])
    assert b.exact
    assert b.protocols == (None, 1, 6, 17)
    cuts = [IPv4Address(c) for c in b.dst_ips]
    assert cuts == [IPv4Address("0.0.0.0"), IPv4Address("10.1.0.0"), IPv4Address("10.1.0.128"), IPv4Address("10.1.1.0")]
    assert b.dst_ports == (0, 22, 24)
    assert b.icmp_types == (8,)
    # within every cell the ACL's verdict is uniform: check both ends of each dst cell for each protocol/port cell
    ends = [*b.dst_ips[1:], 1 << 32]
    for proto in (6, 17):
        for port in b.dst_ports:
            for lo, nxt in zip(b.dst_ips, ends, strict=True):
                first = evaluate_acl(a, flow(dst=str(IPv4Address(lo)), proto=proto, dport=port))
                last = evaluate_acl(a, flow(dst=str(IPv4Address(nxt - 1)), proto=proto, dport=port))
                assert first == last
