"""What makes a neighbour's route policy undecided (checks/routing_partial.py): every gap is named
with the line that references or holds it, in the direction asked."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from validator.checks.routing_partial import policy_gaps
from validator.model.config import (
    AsPathList,
    AsPathListLine,
    BgpNeighbor,
    BgpProcess,
    MatchAsPath,
    MatchIpAddress,
    Node,
    PrefixList,
    PrefixListLine,
    RouteMap,
    RouteMapClause,
)
from validator.model.source import ParseWarning, SourceRef


def _ref(line: int) -> SourceRef:
    return SourceRef("configs/r.cfg", line)


def _node(nb: BgpNeighbor, **kw: object) -> Node:
    return Node(
        "r",
        "r",
        "configs/r.cfg",
        "cisco_ios",
        bgp=BgpProcess(65000, _ref(1), neighbors=(nb,)),
        **kw,  # type: ignore[arg-type]
    )


def test_fully_read_policies_have_no_gaps() -> None:
    pl = PrefixList("OUT", (PrefixListLine(5, "permit", IPv4Network("203.0.113.0/24"), 24, 24, _ref(9)),), _ref(9))
    nb = BgpNeighbor(_ref(2), peer_ip=IPv4Address("192.0.2.2"), remote_as=65300, prefix_list_out="OUT")
    assert policy_gaps(_node(nb, prefix_lists={"OUT": pl}), nb, "export") == []
    assert policy_gaps(_node(nb, prefix_lists={"OUT": pl}), nb, "import") == []  # no import filter: nothing unknown


def test_undefined_or_partial_lists_are_gaps_in_their_direction() -> None:
    nb = BgpNeighbor(_ref(2), peer_ip=IPv4Address("192.0.2.2"), remote_as=65300, prefix_list_out="NOPE")
    gaps = policy_gaps(_node(nb), nb, "export", lambda kw: _ref(4) if kw == "prefix-list" else None)
    assert [(g.reason, g.refs) for g in gaps] == [("prefix-list NOPE is not defined", (_ref(4),))]
    assert policy_gaps(_node(nb), nb, "import") == []

    apl = AsPathList("1", (AsPathListLine("permit", "^$", _ref(20)),), _ref(20), unparsed=(_ref(21),))
    rm = RouteMap(
        "IN",
        (RouteMapClause(10, "permit", _ref(30), (MatchAsPath(("1",), _ref(31)), MatchIpAddress(("7",), _ref(32)))),),
        _ref(30),
    )
    nb2 = BgpNeighbor(_ref(2), peer_ip=IPv4Address("192.0.2.2"), remote_as=65300, route_map_in="IN")
    gaps = policy_gaps(_node(nb2, route_maps={"IN": rm}, as_path_lists={"1": apl}), nb2, "import")
    assert [(g.reason, g.refs) for g in gaps] == [
        ("as-path access-list 1 has lines the parser could not read", (_ref(21),)),
        ("access-list 7 is not defined", (_ref(32),)),
    ]


def test_unparsed_neighbor_and_peer_group_lines_are_gaps() -> None:
    nb = BgpNeighbor(_ref(2), peer_ip=IPv4Address("192.0.2.2"), remote_as=65300, peer_group="CUST")
    warnings = (
        ParseWarning("configs/r.cfg", 5, " neighbor CUST distribute-list 5 out"),
        ParseWarning("configs/r.cfg", 6, " neighbor 192.0.2.9 filter-list 1 out"),  # another peer
    )
    gaps = policy_gaps(_node(nb, warnings=warnings), nb, "export")
    assert [g.refs for g in gaps] == [(_ref(5),)]
