"""The destination index of large ACLs (issue 10, item 5) finds exactly the line a linear
first-match scan finds; the header-space side keeps only lines that can meet a destination."""

from __future__ import annotations

from ipaddress import IPv4Address

from hypothesis import given, settings
from hypothesis import strategies as st

from validator.engine.acl import compile_acl
from validator.engine.acl_index import INDEX_MIN_LINES, first_match, lines_matching_dst
from validator.model.config import Acl, AclLine, IpWildcard
from validator.model.flow import Flow
from validator.model.source import SourceRef

SRC = SourceRef("configs/x.cfg", 1)
ANY = IpWildcard(IPv4Address(0), IPv4Address(0xFFFFFFFF))

# a small address universe so random lines and flows collide often
octets = st.sampled_from([0, 1, 2, 10, 255])
addresses = st.builds(lambda a, b: IPv4Address(f"10.{a}.{b}.1"), octets, octets)
wildcards = st.one_of(
    st.just(ANY),
    st.builds(lambda ip: IpWildcard(ip, IPv4Address(0)), addresses),  # host
    st.builds(lambda ip: IpWildcard(IPv4Address(int(ip) & 0xFFFFFF00), IPv4Address(255)), addresses),  # /24
    st.builds(lambda ip: IpWildcard(IPv4Address(int(ip) & 0xFFFF0000), IPv4Address(0xFFFF)), addresses),  # /16
    st.builds(lambda ip: IpWildcard(IPv4Address(int(ip) & 0xFFFF00FF), IPv4Address(0xFF00)), addresses),  # 0.0.255.0
)
lines = st.builds(
    lambda action, proto, dst, src, port: AclLine(
        action=action,
        text="x",
        source=SRC,
        protocol=proto,
        src=(src,),
        dst=dst,
        dst_ports=((port, port),) if port and proto in (6, 17) else (),
    ),
    st.sampled_from(["permit", "deny"]),
    st.sampled_from([None, 6, 17]),
    st.lists(wildcards, min_size=0, max_size=2).map(tuple),
    wildcards,
    st.sampled_from([None, 22, 80]),
)
flows = st.builds(
    lambda dst, src, proto, port: Flow("n", src, dst, ip_protocol=proto, src_port=49152, dst_port=port),
    addresses,
    addresses,
    st.sampled_from([6, 17, 1]),
    st.sampled_from([22, 80, 443]),
)


def linear(acl: Acl, flow: Flow) -> int | None:
    for lm in compile_acl(acl).lines:
        if lm.matches(flow):
            return lm.index
    return None


@settings(max_examples=40, deadline=None)
@given(
    st.lists(lines, min_size=INDEX_MIN_LINES, max_size=INDEX_MIN_LINES + 40), st.lists(flows, min_size=1, max_size=8)
)
def test_index_first_match_equals_linear_scan(acl_lines: list[AclLine], fs: list[Flow]) -> None:
    acl = Acl("big", tuple(acl_lines), SRC)
    compiled = compile_acl(acl)
    for f in fs:
        got = first_match(compiled, f)
        assert (got.index if got is not None else None) == linear(acl, f)
        assert compiled.evaluate(f)[1] == (acl_lines[got.index] if got is not None else None)
        dst = int(f.dst_ip)
        expected = [lm.index for lm in compiled.lines if any(p.matches(dst) for p in lm.dst)]
        assert [lm.index for lm in lines_matching_dst(compiled, dst)] == expected


def test_large_acl_evaluates_only_lines_about_the_destination() -> None:
    many = tuple(
        AclLine(
            "deny",
            f"deny ip any host 10.1.{i // 256}.{i % 256}",
            SRC,
            dst=(IpWildcard(IPv4Address(f"10.1.{i // 256}.{i % 256}"), IPv4Address(0)),),
        )
        for i in range(5000)
    )
    acl = Acl("big", (*many, AclLine("permit", "permit ip any any", SRC)), SRC)
    compiled = compile_acl(acl)
    hit = first_match(compiled, Flow("n", IPv4Address("1.1.1.1"), IPv4Address("10.1.3.7")))
    assert hit is not None and hit.index == 3 * 256 + 7
    miss = first_match(compiled, Flow("n", IPv4Address("1.1.1.1"), IPv4Address("10.2.0.1")))
    assert miss is not None and miss.index == 5000 and miss.action == "permit"
    assert [lm.index for lm in lines_matching_dst(compiled, int(IPv4Address("10.1.0.9")))] == [9, 5000]
