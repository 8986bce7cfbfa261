"""Review #2: the symbolic route search must not treat a ``from protocol`` match (Junos policy
terms, model MatchProtocol) as matching every route. A deny term on one protocol followed by an
accept-all term still exports routes of every other protocol; a search that let the deny swallow
everything returned "exact, no leak" (a false pass of a ``routing`` policy)."""

from __future__ import annotations

from ipaddress import IPv4Network

from validator.engine.prefix_space import parse_range, ranges_region
from validator.engine.route_space import candidates, search_route_map
from validator.engine.routing_policy import PolicyRoute, apply_route_map
from validator.model.config import MatchProtocol, Node, RouteMap, RouteMapClause
from validator.model.source import SourceRef

S = SourceRef("configs/j.cfg", 1)
PRIVATE = [parse_range("10.0.0.0/8 le 32")]


def _node(rm: RouteMap) -> Node:
    return Node("j", "j", "configs/j.cfg", "juniper", route_maps={rm.name: rm})


def _inside(n: int):  # type: ignore[no-untyped-def]
    return ranges_region(PRIVATE, n, True)


def test_deny_on_one_protocol_does_not_hide_the_others() -> None:
    rm = RouteMap(
        "EXPORT",
        (
            RouteMapClause(10, "deny", SourceRef("configs/j.cfg", 10), (MatchProtocol(("static",), S),), ()),
            RouteMapClause(20, "permit", SourceRef("configs/j.cfg", 20), (), ()),
        ),
        S,
    )
    node = _node(rm)
    # the concrete evaluator exports a BGP-learned private route
    assert apply_route_map(node, rm, PolicyRoute(IPv4Network("10.0.0.0/8"), protocol="bgp")) is not None
    res = search_route_map(node, rm, _inside, candidates(node, rm))
    assert res.example is not None, "a leak exists (any non-static route), the search must find it"
    assert res.example.line == SourceRef("configs/j.cfg", 20)


def test_permit_on_one_protocol_is_realized_not_unsure() -> None:
    rm = RouteMap(
        "EXPORT",
        (RouteMapClause(10, "permit", SourceRef("configs/j.cfg", 10), (MatchProtocol(("static",), S),), ()),),
        S,
    )
    node = _node(rm)
    res = search_route_map(node, rm, _inside, candidates(node, rm))
    assert res.example is not None and res.example.line == SourceRef("configs/j.cfg", 10)
    assert res.example.result is not None and res.example.result.protocol == "static"


def test_community_delete_before_continue_is_seen_by_the_search_and_the_trace() -> None:
    """Junos ``then community delete TAG`` then on to a term accepting TAG-tagged routes, then a
    reject: the engine (apply_route_map) never exports anything, so the search and the trace
    (apply_route_map_traced, what findings name) must agree: no example, the route denied."""
    from validator.engine.routing_policy import apply_route_map_traced
    from validator.model.config import (
        Community,
        CommunityList,
        CommunityListLine,
        MatchCommunity,
        SetCommunityDelete,
    )

    tag = (65000 << 16) | 1
    cl = CommunityList("TAG", "standard", (CommunityListLine("permit", S, (Community(65000, 1),)),), S)
    rm = RouteMap(
        "EXPORT",
        (
            RouteMapClause(10, "permit", SourceRef("configs/j.cfg", 10), (), (SetCommunityDelete("TAG", S),), -1),
            RouteMapClause(20, "permit", SourceRef("configs/j.cfg", 20), (MatchCommunity(("TAG",), S),), ()),
            RouteMapClause(30, "deny", SourceRef("configs/j.cfg", 30), (), ()),
        ),
        S,
    )
    node = Node("j", "j", "configs/j.cfg", "juniper", route_maps={"EXPORT": rm}, community_lists={"TAG": cl})
    tagged = PolicyRoute(IPv4Network("10.0.0.0/8"), communities=frozenset({tag}))
    assert apply_route_map(node, rm, tagged) is None
    assert apply_route_map_traced(node, rm, tagged)[0] is None
    res = search_route_map(node, rm, _inside, candidates(node, rm))
    assert res.example is None and res.exact


def test_set_community_then_continue_retests_a_regex_list() -> None:
    """An expanded (regex) community list is a free boolean of the search; a ``set community``
    followed by ``continue`` makes a later clause test it on *other* communities, so one boolean
    per list cannot stand for both tests. Here every route without 65000:666 is denied by nothing
    at 10, tagged at 20 and accepted at 30 (a leak of all private space); the search must find it
    or say it is unsure, never "exact, no leak"."""
    from validator.model.config import Community, CommunityList, CommunityListLine, MatchCommunity, SetCommunity

    cl = CommunityList("R", "expanded", (CommunityListLine("permit", S, regex="^65000:666$"),), S)
    rm = RouteMap(
        "EXPORT",
        (
            RouteMapClause(10, "deny", SourceRef("configs/r.cfg", 10), (MatchCommunity(("R",), S),), ()),
            RouteMapClause(
                20, "permit", SourceRef("configs/r.cfg", 20), (), (SetCommunity((Community(65000, 666),), True, S),), -1
            ),
            RouteMapClause(30, "permit", SourceRef("configs/r.cfg", 30), (MatchCommunity(("R",), S),), ()),
            RouteMapClause(40, "deny", SourceRef("configs/r.cfg", 40), (), ()),
        ),
        S,
    )
    node = Node("r", "r", "configs/r.cfg", "cisco_ios", route_maps={"EXPORT": rm}, community_lists={"R": cl})
    assert apply_route_map(node, rm, PolicyRoute(IPv4Network("10.0.0.0/8"))) is not None  # the leak
    res = search_route_map(node, rm, _inside, candidates(node, rm))
    assert res.example is not None or not res.exact


def test_import_search_tries_only_the_received_protocol() -> None:
    """On import every route is a BGP route: a ``from protocol static`` accept term never accepts
    one, so the import search (``protocols`` given) must not invent a "would accept" example."""
    from validator.engine.route_space import search_policy

    rm = RouteMap(
        "IMPORT",
        (
            RouteMapClause(10, "permit", SourceRef("configs/j.cfg", 10), (MatchProtocol(("static",), S),), ()),
            RouteMapClause(20, "deny", SourceRef("configs/j.cfg", 20), (), ()),
        ),
        S,
    )
    node = _node(rm)
    res = search_policy(node, "IMPORT", None, _inside, 65000, protocols=("bgp",))
    assert res.example is None and res.exact
    assert search_policy(node, "IMPORT", None, _inside).example is not None  # export side: a static route
