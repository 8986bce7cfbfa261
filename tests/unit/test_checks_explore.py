"""Soundness of the Explorer on a small network, against brute force.

fixtures/unit/checks/line: flows enter r1[Gi0/0] (203.0.113.0/29) towards r3's LAN 10.3.0.0/28
(host h3 at .5). r2's ingress ACL filters by source (host .3), TCP destination ports (80/443
only) and protocol (UDP/ICMP permitted, the rest denied); r2 null-routes 10.3.0.8/30 (part of the
LAN prefix); r3's egress ACL denies UDP 1000-2000, UDP from source port 5000 and all traffic to .6.

Every concrete flow of a grid (each destination address x each source x protocols x ports) is
traced with the engine; each must fall into a class (same destination group, same cell of the
filter lines that class's traces met) whose representative gets the same verdict.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from ipaddress import IPv4Address

import pytest
from test_checks_helpers import ICMP, TCP, UDP, class_of, dataplane, zone

from validator.checks.explore import ClassResult, Explorer, _acl_lines, filters_met
from validator.checks.headerspace import HeaderConstraints
from validator.checks.ipspace import Intervals
from validator.checks.reachability import violates
from validator.checks.zones import zone_destination, zone_sources
from validator.engine.traceroute import trace
from validator.engine.types import DataPlane
from validator.model.config import AclLine
from validator.model.flow import Flow

INTERNET = zone("internet", interfaces=["r1[GigabitEthernet0/0]"])
LAN = zone("lan", prefixes=["10.3.0.0/28"])
DPORTS = [0, 53, 79, 80, 81, 443, 1000, 1500, 2000, 2001, 65535]
SPORTS = [4999, 5000, 49152]
ICMP_TYPES = [(0, 0), (3, 0), (3, 3), (8, 0), (11, 0)]


def _grid(dp: DataPlane, dst_space: Intervals) -> list[Flow]:
    (src,) = zone_sources(dp, INTERNET)
    flows = []
    for lo, hi in dst_space.spans:
        for d, s in itertools.product(range(lo, hi + 1), range(src.space.first(), src.space.spans[-1][1] + 1)):
            base = {"ingress_node": src.node, "ingress_interface": src.interface, "src_ip": IPv4Address(s)}
            base["dst_ip"] = IPv4Address(d)
            for proto in (TCP, UDP):
                acks = (False, True) if proto == TCP else (False,)
                for sp, dp_, ack in itertools.product(SPORTS, DPORTS, acks):
                    flows.append(Flow(**base, ip_protocol=proto, src_port=sp, dst_port=dp_, tcp_ack=ack))  # type: ignore[arg-type]
            for t, c in ICMP_TYPES:
                flows.append(Flow(**base, ip_protocol=ICMP, src_port=0, dst_port=0, icmp_type=t, icmp_code=c))  # type: ignore[arg-type]
            flows.append(Flow(**base, ip_protocol=47, src_port=0, dst_port=0))  # type: ignore[arg-type]
    return flows


def _violates(dp: DataPlane, f: Flow, expect: str) -> bool:
    ts = trace(dp, f)
    if expect == "allow":
        return not ts or not all(t.success for t in ts)
    return any(t.success for t in ts)


def _groups(dp: DataPlane, results: list[ClassResult]) -> dict[tuple[tuple[int, int], ...], list[ClassResult]]:
    out: dict[tuple[tuple[int, int], ...], list[ClassResult]] = defaultdict(list)
    for r in results:
        out[r.members].append(r)
    return out


R2 = "configs/r2.cfg"
R3 = "configs/r3.cfg"
VARIANTS = [
    pytest.param("allow", {}, id="allow"),
    pytest.param("deny", {}, id="deny"),
    pytest.param(
        "allow",
        {R2: [(" permit icmp any any", " deny   icmp any any port-unreachable\n permit icmp any any")]},
        id="icmp-code",
    ),
    pytest.param(
        "allow",
        {R2: [(" deny   tcp any any", " permit tcp any any established\n deny   tcp any any")]},
        id="tcp-established",
    ),
]


def test_explorer_refuses_a_wildcard_it_cannot_split_exactly() -> None:
    """Odd addresses of a /16 (15 non-contiguous free bits): an EngineError naming the ACL line,
    never a verdict computed on an over-approximation."""
    from validator.errors import EngineError

    edits = {R3: [(" deny   udp any any range", " deny   ip any 10.3.0.1 0.0.255.254\n deny   udp any any range")]}
    dp = dataplane("line", edits)
    space = zone_destination(dp, LAN, assigned_only=True)
    with pytest.raises(EngineError, match=r"configs/r3\.cfg:\d+"):
        list(Explorer([dp], HeaderConstraints()).explore(zone_sources(dp, INTERNET), space))


@pytest.mark.parametrize(("expect", "edits"), VARIANTS)
def test_explorer_verdicts_match_brute_force(expect: str, edits: dict[str, list[tuple[str, str]]]) -> None:
    dp = dataplane("line", edits)
    space = zone_destination(dp, LAN, assigned_only=(expect == "allow"))
    sources = zone_sources(dp, INTERNET)
    results = list(Explorer([dp], HeaderConstraints()).explore(sources, space))
    groups = _groups(dp, results)
    # the destination groups partition the destination space
    assert Intervals.of(m for g in groups for m in g) == space
    assert sum(hi - lo + 1 for g in groups for lo, hi in g) == space.size()
    cells: dict[tuple[tuple[int, int], ...], list[AclLine]] = {}
    for members, rs in groups.items():
        met = set().union(*(filters_met(dp, r.traces[0]) for r in rs))
        cells[members] = _acl_lines([dp], met)
    brute_bad = 0
    for f in _grid(dp, space):
        d = int(f.dst_ip)
        members = next(m for m in groups if any(lo <= d <= hi for lo, hi in m))
        rs = groups[members]
        owners = class_of([r.header for r in rs], cells[members], f)
        assert owners, f"no class holds {f}"
        bad = _violates(dp, f, expect)
        brute_bad += bad
        for h in owners:
            r = next(x for x in rs if x.header == h)
            assert violates(r, expect) == bad, (str(f), str(r.flow), expect)
    # and the representatives' own verdicts are what the engine says of them
    for r in results:
        assert violates(r, expect) == _violates(dp, r.flow, expect)
    assert brute_bad > 0  # the network does violate both policies somewhere
    assert any(not violates(r, expect) for r in results)


def test_explorer_classes_are_refined_by_filters_met() -> None:
    dp = dataplane("line")
    (src,) = zone_sources(dp, INTERNET)
    h3 = Intervals.of([(int(IPv4Address("10.3.0.5")),) * 2])
    results = list(Explorer([dp], HeaderConstraints()).explore([src], h3))
    srcs = {r.header.src_ip for r in results}
    # FROM-EDGE's "deny tcp host 203.0.113.3 any" splits the sources at .3 and .4
    assert {int(IPv4Address(a)) for a in ("203.0.113.2", "203.0.113.3", "203.0.113.4")} == srcs
    tcp_ports = {r.header.dst_port for r in results if r.header.protocol == TCP}
    assert {80, 443} <= tcp_ports and len(tcp_ports) >= 5
    udp_ports = {r.header.dst_port for r in results if r.header.protocol == UDP}
    assert any(1000 <= p <= 2000 for p in udp_ports)  # TO-LAN, met only after FROM-EDGE permits UDP
    assert {r.header.src_port for r in results if r.header.protocol == UDP} >= {5000, 49152}
    delivered = {
        (IPv4Address(r.header.src_ip), r.header.protocol, r.header.dst_port) for r in results if r.all_success(0)
    }
    assert (IPv4Address("203.0.113.2"), TCP, 443) in delivered
    assert (IPv4Address("203.0.113.3"), TCP, 443) not in delivered


def test_null_routed_part_of_prefix_is_its_own_group() -> None:
    dp = dataplane("line")
    space = zone_destination(dp, LAN, assigned_only=False)
    results = list(
        Explorer([dp], HeaderConstraints(protocols=frozenset({UDP}), dst_ports=Intervals.of([(53, 53)]))).explore(
            zone_sources(dp, INTERNET), space
        )
    )
    null = Intervals.of([(int(IPv4Address("10.3.0.8")), int(IPv4Address("10.3.0.11")))])
    seen_null = False
    for r in results:
        in_null = any(null.contains(lo) for lo, _ in r.members)
        assert all((null.contains(lo) and null.contains(hi)) == in_null for lo, hi in r.members)
        disps = {t.disposition for t in r.traces[0]}
        if in_null:
            assert disps == {"NULL_ROUTED"}
            seen_null = True
    assert seen_null


@pytest.mark.parametrize("expect", ["allow", "deny"])
def test_grouping_destination_pieces_changes_no_verdict(expect: str) -> None:
    dp = dataplane("line")
    space = zone_destination(dp, LAN, assigned_only=False)
    sources = zone_sources(dp, INTERNET)

    def bad_addresses(group: bool) -> set[int]:
        out: set[int] = set()
        for r in Explorer([dp], HeaderConstraints(), group_pieces=group).explore(sources, space):
            if violates(r, expect):
                out |= {a for lo, hi in r.members for a in range(lo, hi + 1)}
        return out

    grouped, single = bad_addresses(True), bad_addresses(False)
    assert grouped == single and grouped
