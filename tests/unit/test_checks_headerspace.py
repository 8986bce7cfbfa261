"""validator.checks.headerspace: header classes are a partition the ACL cannot tell apart inside.

Property: for random ACLs, every random flow maps to exactly one class (by the same cut points
the classes were built from), and the flow gets the ACL verdict of that class's representative.
"""

from __future__ import annotations

import random
from ipaddress import IPv4Address

import pytest
from test_checks_helpers import class_of as _class_of

from validator.checks.explore import make_flow
from validator.checks.headerspace import ICMP, TCP, UDP, HeaderConstraints, header_classes
from validator.checks.ipspace import Intervals
from validator.checks.zones import Source
from validator.engine.acl import evaluate_acl
from validator.model.config import Acl, AclLine, IpWildcard
from validator.model.flow import Flow
from validator.model.source import SourceRef

SRC = SourceRef("configs/x.cfg", 1)
NET = 0x0A000000  # 10.0.0.0; sources drawn from 10.0.0.0/26
SRC_SPACE = Intervals.of([(NET, NET + 63)])
PROTOS = [TCP, UDP, ICMP, 47, 89]
PORT_POOL = [0, 1, 22, 23, 53, 79, 80, 81, 443, 1000, 1023, 1024, 5000, 49152, 65535]


def _wild(rng: random.Random) -> IpWildcard:
    kind = rng.randrange(4)
    if kind == 0:
        return IpWildcard.any()
    if kind == 1:
        return IpWildcard(IPv4Address(NET + rng.randrange(64)), IPv4Address(0))
    if kind == 2:
        size = rng.choice([1, 3, 7, 15])
        return IpWildcard(IPv4Address(NET + (rng.randrange(64) & ~size)), IPv4Address(size))
    return IpWildcard(IPv4Address(NET + rng.randrange(4)), IPv4Address(rng.choice([0x3C, 0x33, 0x0C])))


def _ports(rng: random.Random) -> tuple[tuple[int, int], ...]:
    if rng.random() < 0.5:
        return ()
    a, b = sorted(rng.sample(PORT_POOL, 2))
    return ((a, a),) if rng.random() < 0.5 else ((a, b),)


def _line(rng: random.Random) -> AclLine:
    proto = rng.choice([None, TCP, UDP, ICMP, 47])
    kw: dict[str, object] = {}
    if proto in (TCP, UDP):
        kw["dst_ports"] = _ports(rng)
        kw["src_ports"] = _ports(rng) if rng.random() < 0.3 else ()
    if proto == ICMP and rng.random() < 0.6:
        kw["icmp_type"] = rng.choice([0, 3, 8, 11])
    return AclLine(
        rng.choice(["permit", "deny"]),
        "random",
        SRC,
        protocol=proto,
        src=(_wild(rng),),
        **kw,  # type: ignore[arg-type]
    )


def _flow(src: int, proto: int, sport: int = 49152, dport: int = 80, icmp_type: int | None = None) -> Flow:
    return Flow(
        ingress_node="r",
        src_ip=IPv4Address(src),
        dst_ip=IPv4Address("192.0.2.1"),
        ip_protocol=proto,
        src_port=sport if proto in (TCP, UDP) else 0,
        dst_port=dport if proto in (TCP, UDP) else 0,
        icmp_type=icmp_type if proto == ICMP else None,
        icmp_code=0 if proto == ICMP else None,
    )


@pytest.mark.parametrize("seed", range(25))
def test_random_acl_every_flow_gets_its_class_verdict(seed: int) -> None:
    rng = random.Random(seed)
    lines = [_line(rng) for _ in range(rng.randint(1, 6))]
    acl = Acl("A", tuple(lines), SRC, default_action=rng.choice(["permit", "deny"]))
    classes = header_classes(SRC_SPACE, HeaderConstraints(), lines)
    assert len(set(classes)) == len(classes)
    for _ in range(400):
        proto = rng.choice([*PROTOS, 132])
        f = _flow(
            NET + rng.randrange(64),
            proto,
            sport=rng.choice(PORT_POOL),
            dport=rng.choice(PORT_POOL),
            icmp_type=rng.choice([0, 3, 5, 8, 11, 13]),
        )
        owners = _class_of(classes, lines, f)
        assert len(owners) == 1, (f, owners, lines)
        h = owners[0]
        rep = _flow(h.src_ip, h.protocol, h.src_port, h.dst_port, h.icmp_type)
        assert evaluate_acl(acl, rep)[0] == evaluate_acl(acl, f)[0], (f, h, lines)


def test_every_protocol_named_by_a_line_gets_a_class_and_one_other_protocol() -> None:
    lines = [AclLine("deny", "x", SRC, protocol=47), AclLine("permit", "y", SRC, protocol=89)]
    protos = {h.protocol for h in header_classes(SRC_SPACE, HeaderConstraints(), lines)}
    assert {TCP, UDP, ICMP, 47, 89} <= protos
    others = protos - {TCP, UDP, ICMP, 47, 89}
    assert len(others) == 1


CONSTRAINTS = [
    # (case, constraints, expected protocols, expected tcp dst ports)
    ("tcp 80,443", HeaderConstraints(frozenset({TCP}), Intervals.of([(80, 80), (443, 443)])), {TCP}, {80, 443}),
    ("udp 53", HeaderConstraints(frozenset({UDP}), Intervals.of([(53, 53)])), {UDP}, set()),
    ("tcp 1000-2000", HeaderConstraints(frozenset({TCP}), Intervals.of([(1000, 2000)])), {TCP}, {1000, 1500}),
    ("icmp only", HeaderConstraints(frozenset({ICMP})), {ICMP}, set()),
]


@pytest.mark.parametrize(("case", "c", "protos", "ports"), CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_policy_constraints_narrow_protocols_and_ports(
    case: str, c: HeaderConstraints, protos: set[int], ports: set[int]
) -> None:
    # a line splitting 1000-2000 at 1500 (and ports outside the policy, which must not appear)
    lines = [AclLine("deny", "x", SRC, protocol=TCP, dst_ports=((1500, 1500), (22, 22)))]
    classes = header_classes(SRC_SPACE, c, lines)
    assert {h.protocol for h in classes} == protos
    tcp_ports = {h.dst_port for h in classes if h.protocol == TCP}
    if ports:
        # every representative lies inside the policy's ports, and each policy range is hit
        assert all(c.dst_ports.contains(p) for p in tcp_ports)
        if case == "tcp 1000-2000":
            assert {1500} < tcp_ports and all(1000 <= p <= 2000 for p in tcp_ports) and len(tcp_ports) == 3
        else:
            assert tcp_ports == ports
    for h in classes:
        if h.protocol == UDP:
            assert h.dst_port == 53


def test_empty_source_space_has_no_classes() -> None:
    assert header_classes(Intervals(), HeaderConstraints(), []) == []


def test_icmp_code_lines_split_classes() -> None:
    line = AclLine("deny", "deny icmp any any port-unreachable", SRC, protocol=ICMP, icmp_type=3, icmp_code=3)
    acl = Acl("A", (line, AclLine("permit", "permit ip any any", SRC)), SRC)
    classes = [h for h in header_classes(SRC_SPACE, HeaderConstraints(), [line]) if h.protocol == ICMP]
    s = Source("r", None, "default", SRC_SPACE)
    verdicts = {evaluate_acl(acl, make_flow(s, 0xC0000201, h))[0] for h in classes}
    assert "deny" in verdicts


def test_tcp_established_lines_split_classes() -> None:
    line = AclLine("permit", "permit tcp any any established", SRC, protocol=TCP, tcp_established=True)
    acl = Acl("A", (line,), SRC)
    classes = [h for h in header_classes(SRC_SPACE, HeaderConstraints(), [line]) if h.protocol == TCP]
    # a representative flow is built without flags (make_flow sets none); some class must be permitted
    s = Source("r", None, "default", SRC_SPACE)
    verdicts = {evaluate_acl(acl, make_flow(s, 0xC0000201, h))[0] for h in classes}
    assert "permit" in verdicts
