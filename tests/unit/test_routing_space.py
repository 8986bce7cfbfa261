"""The symbolic route search (engine/route_space.py): exact over prefixes, bounded and fail-closed
over regexes, and always in agreement with the concrete evaluator (engine/routing_policy.py)."""

from __future__ import annotations

import random
from ipaddress import IPv4Network

import pytest

from validator.engine.prefix_space import FULL, PrefixRange, Term, parse_range, ranges_region, witness
from validator.engine.route_space import Candidates, candidates, search_policy, search_route_map
from validator.engine.routing_policy import PolicyRoute, apply_route_map
from validator.model.config import (
    Acl,
    AclLine,
    AsPathList,
    AsPathListLine,
    Community,
    CommunityList,
    CommunityListLine,
    IpWildcard,
    MatchAsPath,
    MatchCommunity,
    MatchIpAddress,
    MatchPrefixList,
    Node,
    PrefixList,
    PrefixListLine,
    RouteMap,
    RouteMapClause,
    RouteMapMatch,
    RouteMapSet,
    SetCommunity,
)
from validator.model.source import SourceRef

S = SourceRef("configs/r.cfg", 1)
PRIVATE = [parse_range("10.0.0.0/8 le 32"), parse_range("172.16.0.0/12 le 32"), parse_range("192.168.0.0/16 le 32")]


def _pl(name: str, *lines: tuple[str, str, int, int]) -> PrefixList:
    return PrefixList(
        name,
        tuple(
            PrefixListLine(5 * (i + 1), act, IPv4Network(p), lo, hi, SourceRef("configs/r.cfg", 100 + i))  # type: ignore[arg-type]
            for i, (act, p, lo, hi) in enumerate(lines)
        ),
        S,
    )


def _clause(
    seq: int,
    action: str,
    matches: tuple[RouteMapMatch, ...] = (),
    sets: tuple[RouteMapSet, ...] = (),
    cont: int | None = None,
) -> RouteMapClause:
    return RouteMapClause(seq, action, SourceRef("configs/r.cfg", seq), matches, sets, cont)  # type: ignore[arg-type]


def _node(rm: RouteMap, **tables: object) -> Node:
    return Node("r", "r", "configs/r.cfg", "cisco_ios", route_maps={rm.name: rm}, **tables)  # type: ignore[arg-type]


def _inside(ranges: list[PrefixRange]):  # type: ignore[no-untyped-def]
    return lambda n: ranges_region(ranges, n, True)


def test_parse_range_follows_prefix_list_semantics() -> None:
    assert parse_range("10.0.0.0/8") == PrefixRange(IPv4Network("10.0.0.0/8"), 8, 8)
    assert parse_range("10.0.0.0/8 le 32") == PrefixRange(IPv4Network("10.0.0.0/8"), 8, 32)
    assert parse_range("10.0.0.0/8 ge 16") == PrefixRange(IPv4Network("10.0.0.0/8"), 16, 32)
    assert parse_range("10.0.0.0/8 le 24 ge 16") == parse_range("10.0.0.0/8 ge 16 le 24")
    for bad in ("10.0.0.1/8", "10.0.0.0/8 le 4", "10.0.0.0/8 ge 30 le 20", "10.0.0.0/8 le", "nope"):
        with pytest.raises(ValueError):
            parse_range(bad)
    assert str(parse_range("10.0.0.0/8 le 32")) == "10.0.0.0/8 le 32"


def test_witness_escapes_excluded_cubes_or_proves_emptiness() -> None:
    ten = (0xFF000000, 0x0A000000)
    low_half = (0xFF800000, 0x0A000000)
    high_half = (0xFF800000, 0x0A800000)
    assert witness(Term(ten, (low_half, high_half))) is None
    found = witness(Term(ten, (low_half,)))
    assert found is not None and found & 0xFF800000 == 0x0A800000
    assert witness(Term(low_half, (ten,))) is None
    assert witness(Term((0, 0), ())) == 0


def test_deny_private_then_permit_all_leaks_nothing_private() -> None:
    pl = _pl(
        "PRIV",
        ("permit", "10.0.0.0/8", 8, 32),
        ("permit", "172.16.0.0/12", 12, 32),
        ("permit", "192.168.0.0/16", 16, 32),
    )
    rm = RouteMap("OUT", (_clause(10, "deny", (MatchPrefixList(("PRIV",), S),)), _clause(20, "permit")), S)
    node = _node(rm, prefix_lists={"PRIV": pl})
    res = search_route_map(node, rm, _inside(PRIVATE), candidates(node, rm))
    assert res.example is None and res.exact
    # a gap in the list (192.168/16 only up to /24) is found, with the clause that lets it through
    pl2 = _pl(
        "PRIV",
        ("permit", "10.0.0.0/8", 8, 32),
        ("permit", "172.16.0.0/12", 12, 32),
        ("permit", "192.168.0.0/16", 16, 24),
    )
    node2 = _node(rm, prefix_lists={"PRIV": pl2})
    res2 = search_route_map(node2, rm, _inside(PRIVATE), candidates(node2, rm))
    assert res2.example is not None
    assert res2.example.network.prefixlen == 25 and res2.example.network.subnet_of(IPv4Network("192.168.0.0/16"))
    assert res2.example.line == SourceRef("configs/r.cfg", 20)


def test_community_clause_before_the_deny_leaks_with_the_community() -> None:
    cl = CommunityList("CUST", "standard", (CommunityListLine("permit", S, (Community(65000, 300),)),), S)
    pl = _pl("PRIV", ("permit", "10.0.0.0/8", 8, 32))
    rm = RouteMap(
        "OUT",
        (_clause(5, "permit", (MatchCommunity(("CUST",), S),)), _clause(10, "deny", (MatchPrefixList(("PRIV",), S),))),
        S,
    )
    node = _node(rm, prefix_lists={"PRIV": pl}, community_lists={"CUST": cl})
    res = search_route_map(node, rm, _inside(PRIVATE[:1]), candidates(node, rm))
    assert res.example is not None and res.example.communities == frozenset({(65000 << 16) | 300})
    assert res.example.line == SourceRef("configs/r.cfg", 5)


def test_continue_then_deny_on_the_set_community() -> None:
    cl = CommunityList("TAG", "standard", (CommunityListLine("permit", S, (Community(1, 1),)),), S)
    rm = RouteMap(
        "OUT",
        (
            _clause(10, "permit", sets=(SetCommunity((Community(1, 1),), True, S),), cont=-1),
            _clause(20, "deny", (MatchCommunity(("TAG",), S),)),
            _clause(30, "permit"),
        ),
        S,
    )
    node = _node(rm, community_lists={"TAG": cl})
    res = search_route_map(node, rm, _inside(PRIVATE), candidates(node, rm))
    assert res.example is None and res.exact  # every route gets 1:1, then clause 20 denies it


def test_as_path_regex_is_realized_with_a_concrete_path() -> None:
    apl = AsPathList("1", (AsPathListLine("permit", "_65300$", S),), S)
    rm = RouteMap("IN", (_clause(10, "permit", (MatchAsPath(("1",), S),)),), S)
    node = _node(rm, as_path_lists={"1": apl})
    res = search_route_map(node, rm, _inside(PRIVATE), candidates(node, rm))
    assert res.example is not None and res.example.as_path[-1] == 65300
    assert apply_route_map(node, rm, PolicyRoute(res.example.network, as_path=res.example.as_path)) is not None


def test_unrealizable_regex_hit_is_unsure_not_a_pass() -> None:
    cl = CommunityList("X", "expanded", (CommunityListLine("permit", S, regex="^65000:3[0-9][0-9]$"),), S)
    rm = RouteMap("OUT", (_clause(10, "permit", (MatchCommunity(("X",), S),)),), S)
    node = _node(rm, community_lists={"X": cl})
    res = search_route_map(node, rm, _inside(PRIVATE), candidates(node, rm))
    assert res.example is None and not res.exact and "no concrete route" in res.why_inexact


def test_standard_acl_as_route_filter() -> None:
    acl = Acl(
        "10",
        (
            AclLine(
                "permit",
                "",
                S,
                src=(
                    IpWildcard(
                        IPv4Network("10.1.0.0/16").network_address, IPv4Network("0.0.255.255/32").network_address
                    ),
                ),
            ),
        ),
        S,
        kind="standard",
    )
    rm = RouteMap("OUT", (_clause(10, "permit", (MatchIpAddress(("10",), S),)),), S)
    node = _node(rm, acls={"10": acl})
    res = search_route_map(node, rm, _inside(PRIVATE), candidates(node, rm))
    assert res.example is not None and res.example.network.subnet_of(IPv4Network("10.1.0.0/16"))


def test_import_search_never_tries_paths_with_the_own_as() -> None:
    apl = AsPathList("2", (AsPathListLine("permit", "_65000_", S),), S)
    rm = RouteMap("IN", (_clause(10, "permit", (MatchAsPath(("2",), S),)),), S)
    node = _node(rm, as_path_lists={"2": apl})
    res = search_policy(node, "IN", None, _inside(PRIVATE), loop_as=65000)
    assert res.example is None  # only paths through AS 65000 pass, and import drops those


def test_no_filter_and_prefix_list_filters() -> None:
    rm = RouteMap("X", (), S)
    node = _node(rm, prefix_lists={"OURS": _pl("OURS", ("permit", "203.0.113.0/24", 24, 24))})
    outside = [parse_range("203.0.113.0/24")]
    assert search_policy(node, None, None, lambda n: ranges_region(outside, n, False)).example is not None
    res = search_policy(node, None, "OURS", lambda n: ranges_region(outside, n, False))
    assert res.example is None and res.exact
    res = search_policy(node, None, "OURS", _inside([parse_range("203.0.113.0/24 le 32")]))
    assert res.example is not None and res.example.line == SourceRef("configs/r.cfg", 100)


def _random_map(rng: random.Random) -> tuple[Node, RouteMap]:
    def rand_prefix() -> str:
        plen = rng.randint(0, 8)
        addr = rng.getrandbits(plen) << (32 - plen) if plen else 0
        return str(IPv4Network((addr, plen)))

    lists = {}
    for name in ("A", "B", "C"):
        lines = []
        for _ in range(rng.randint(1, 4)):
            p = IPv4Network(rand_prefix())
            lo = rng.randint(p.prefixlen, 10)
            hi = rng.randint(lo, 10)
            lines.append((rng.choice(["permit", "deny"]), str(p), lo, hi))
        lists[name] = _pl(name, *lines)
    clauses = []
    for i in range(rng.randint(1, 4)):
        names = tuple(rng.sample(["A", "B", "C"], rng.randint(1, 2)))
        matches: tuple[RouteMapMatch, ...] = (MatchPrefixList(names, S),) if rng.random() < 0.8 else ()
        clauses.append(_clause(10 * (i + 1), rng.choice(["permit", "deny"]), matches))
    rm = RouteMap("RM", tuple(clauses), S)
    return _node(rm, prefix_lists=lists), rm


@pytest.mark.parametrize("seed", range(25))
def test_symbolic_search_agrees_with_brute_force(seed: int) -> None:
    """Lists and targets use prefixes up to /10, so every route that matters is one of the 2047
    prefixes of length <= 10: the search must find one exactly when brute force does."""
    rng = random.Random(seed)
    node, rm = _random_map(rng)
    base = IPv4Network((rng.getrandbits(3) << 29, 3))
    target = [PrefixRange(base, rng.randint(3, 6), 10)]
    res = search_route_map(node, rm, _inside(target), candidates(node, rm))
    assert res.exact
    brute = [
        net
        for plen in range(11)
        for i in range(1 << plen)
        if target[0].contains(net := IPv4Network(((i << (32 - plen)) & FULL if plen else 0, plen)))
        and apply_route_map(node, rm, PolicyRoute(net)) is not None
    ]
    if res.example is None:
        assert brute == []
    else:
        assert res.example.network in brute


def test_candidates_without_a_route_map_are_trivial() -> None:
    node = _node(RouteMap("X", (), S))
    assert candidates(node, None) == Candidates((frozenset(),), ((),), (None,), True)


def test_partial_community_regex_is_realized() -> None:
    """``_4:`` (any community of AS 4, as in Batfish's example network) spells no full community:
    the search completes it and the concrete evaluator confirms the example."""
    cl = CommunityList("AS4", "expanded", (CommunityListLine("permit", S, regex="_4:"),), S)
    rm = RouteMap("IN", (_clause(100, "permit", (MatchCommunity(("AS4",), S),)),), S)
    node = _node(rm, community_lists={"AS4": cl})
    res = search_route_map(node, rm, _inside(PRIVATE), candidates(node, rm))
    assert res.example is not None and res.exact
    assert any(c >> 16 == 4 for c in res.example.communities)
