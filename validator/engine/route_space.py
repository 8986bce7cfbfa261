"""Symbolic route search: is there *any* route an export/import policy permits inside a region?

Batfish answers this with ``searchRoutePolicies`` over BDDs. Here the prefix dimension is exact
and the attribute dimensions are enumerated:

* Prefixes: exact, with the cube algebra of :mod:`validator.engine.prefix_space` (filters and the
  policy's ranges as unions of "cube minus cubes" terms per prefix length, decided by ``witness``).
* Communities, AS paths and tags are enumerated over the values the policy itself tests (every
  community of a standard list, every ``N:M`` / ``N`` that an expanded regex spells out, every tag)
  plus one value no list names. For standard lists this is exact (the decision depends only on
  which named communities are present; all subsets are tried up to :data:`MAX_COMMUNITY_ATOMS`).
  As-path lists and regex community lists are free booleans (every combination is tried, so "no
  route" stays exact); a hit is realized with a concrete route and re-checked by the concrete
  evaluator, and one no candidate realizes, or too many atoms, leaves the answer *unsure* (the
  caller reports undecided, never a pass).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from ipaddress import IPv4Network

from validator.engine.prefix_space import (
    FULL,
    TRUE,
    Budget,
    Cube,
    Dnf,
    RegionAt,
    Term,
    Unsure,
    acl_lines,
    dnf_and,
    first_match,
    mask,
    prefix_list_lines,
    witness,
)
from validator.engine.routing_policy import (
    AsPathItem,
    PolicyRoute,
    apply_clause_actions,
    apply_route_map_traced,
    as_path_list_permits,
    community_list_matches,
)
from validator.model.config import (
    MatchAsPath,
    MatchCommunity,
    MatchIpAddress,
    MatchPrefixList,
    MatchProtocol,
    MatchTag,
    Node,
    PrefixList,
    RouteMap,
    RouteMapClause,
    SetAsPathPrepend,
    SetCommunity,
    SetCommunityDelete,
)
from validator.model.source import SourceRef

MAX_COMMUNITY_ATOMS = 8
MAX_FREE_LISTS = 8
Truth = dict[tuple[str, str], bool]  # free booleans of regex lists


# --- candidates for the enumerated dimensions -------------------------------------------------------

_COMMUNITY_TOKEN = re.compile(r"(\d+):(\d+)")
_HIGH_TOKEN = re.compile(r"(\d+):(?!\d)")
_LOW_TOKEN = re.compile(r"(?<!\d):(\d+)")
_NUMBER = re.compile(r"\d+")
FRESH_COMMUNITY = (65535 << 16) | 65280  # 65535:65280, named by no list we know of
FRESH_ASN = 64999


@dataclass(frozen=True)
class Candidates:
    """What the search enumerates besides prefixes.

    ``community_sets``: every subset of the communities standard lists name (plus one no list
    names); ``free_lists``: as-path lists and community lists with regex lines, whose answers are
    free booleans in the search (an over-approximation: every combination is tried), so a "no" is
    exact; a "yes" is then *realized* with a concrete route from ``as_paths`` and
    ``regex_communities`` checked by the concrete evaluator (routing_policy), or reported unsure.
    """

    community_sets: tuple[frozenset[int], ...]
    as_paths: tuple[tuple[AsPathItem, ...], ...]
    tags: tuple[int | None, ...]
    exact: bool  # False: a bounded enumeration (a "no" answer is unsure)
    why_inexact: str = ""
    free_lists: tuple[tuple[str, str], ...] = ()  # ("as-path" | "community", list name)
    regex_communities: tuple[int, ...] = ()
    # route protocols to try: those ``from protocol`` matches name plus one they do not (the
    # concrete evaluator only tests membership); without this a deny term on one protocol would
    # swallow every route in the search (review #2: a false "no leak")
    protocols: tuple[str, ...] = ("bgp",)


# model protocol names (model/config.py MatchProtocol), in the order an unnamed one is picked
_PROTOCOLS = ("bgp", "ibgp", "aggregate", "connected", "static", "ospf", "ospfIA", "ospfE1", "ospfE2", "local")


def _protocols(rm: RouteMap) -> tuple[str, ...]:
    named = sorted({p for c in rm.clauses for m in c.matches if isinstance(m, MatchProtocol) for p in m.protocols})
    other = next((p for p in _PROTOCOLS if p not in named), None)
    return (*([other] if other is not None else []), *named)


def _clauses_lists(node: Node, rm: RouteMap) -> tuple[set[str], set[str], set[int]]:
    comms: set[str] = set()
    aspaths: set[str] = set()
    tags: set[int] = set()
    for c in rm.clauses:
        for m in c.matches:
            if isinstance(m, MatchCommunity):
                comms.update(m.community_lists)
            elif isinstance(m, MatchAsPath):
                aspaths.update(m.as_path_lists)
            elif isinstance(m, MatchTag):
                tags.update(m.tags)
    return comms, aspaths, tags


def _prepend_then_retest(rm: RouteMap) -> bool:
    """A ``continue`` after ``set as-path prepend`` may test the changed path again: the free
    boolean of an as-path list would then stand for two different paths."""
    return any(
        c.continue_seq is not None and any(isinstance(x, SetAsPathPrepend) for x in c.sets) for c in rm.clauses
    ) and any(isinstance(m, MatchAsPath) for c in rm.clauses for m in c.matches)


def _set_community_then_retest(rm: RouteMap, free: Sequence[tuple[str, str]]) -> bool:
    """The same for communities: a ``set community`` (or Junos ``community delete``) before a
    ``continue`` makes a later clause test a regex community list on other communities than the
    first test did (review #2: one free boolean for both hid a leak behind an exact "no")."""
    return any(kind == "community" for kind, _ in free) and any(
        c.continue_seq is not None and any(isinstance(x, (SetCommunity, SetCommunityDelete)) for x in c.sets)
        for c in rm.clauses
    )


def _regex_communities(regex: str) -> set[int]:
    """Communities an expanded-list regex spells: ``A:B`` as is, ``A:`` / ``:B`` completed with 0
    and 1, a bare number on either side (the realization step keeps only those that match)."""
    out: set[int] = set()
    for a, b in _COMMUNITY_TOKEN.findall(regex):
        out.add((int(a) << 16) | int(b))
    for a in _HIGH_TOKEN.findall(regex):
        out.update({int(a) << 16, (int(a) << 16) | 1})
    for b in _LOW_TOKEN.findall(regex):
        out.update({int(b), (1 << 16) | int(b)})
    for n in _NUMBER.findall(regex):
        out.update({int(n) << 16, int(n)})
    return {c for c in out if c <= FULL}


def candidates(node: Node, rm: RouteMap | None, local_as: int | None = None) -> Candidates:
    """The attribute values worth trying against ``rm`` (see the module docstring)."""
    if rm is None:
        return Candidates((frozenset(),), ((),), (None,), True)
    comm_names, as_names, tag_values = _clauses_lists(node, rm)
    atoms: set[int] = set()
    regex_comms: set[int] = set()
    free: list[tuple[str, str]] = []
    exact = True
    why = ""
    for name in sorted(comm_names):
        cl = node.community_lists.get(name)
        if cl is None:
            continue
        for line in cl.lines:
            if line.regex is None:
                atoms.update((c.high << 16) | c.low for c in line.communities)
            else:
                regex_comms.update(_regex_communities(line.regex))
        if any(line.regex is not None for line in cl.lines):
            free.append(("community", name))
    atoms.add(FRESH_COMMUNITY)
    ordered = sorted(atoms)
    if len(ordered) <= MAX_COMMUNITY_ATOMS:
        sets = [frozenset(s) for k in range(len(ordered) + 1) for s in itertools.combinations(ordered, k)]
    else:
        exact, why = False, f"{len(ordered)} communities tested (only singletons, pairs and all are tried)"
        sets = [frozenset()] + [frozenset({c}) for c in ordered]
        sets += [frozenset(p) for p in itertools.combinations(ordered, 2)] + [frozenset(ordered)]
    paths: list[tuple[AsPathItem, ...]] = [(), (FRESH_ASN,)]
    for name in sorted(as_names):
        apl = node.as_path_lists.get(name)
        if apl is None:
            continue
        free.append(("as-path", name))
        for aline in apl.lines:
            nums = [int(x) for x in _NUMBER.findall(aline.regex) if 0 < int(x) <= FULL]
            for cand in ([*nums], nums[:1], nums[-1:], [FRESH_ASN, *nums], [*nums, FRESH_ASN]):
                path = tuple(cand)
                if path not in paths:
                    paths.append(path)
    if local_as is not None:
        paths = [p for p in paths if local_as not in p] or [()]
    if len(free) > MAX_FREE_LISTS:
        exact, why = False, f"{len(free)} regex lists tested (more than {MAX_FREE_LISTS})"
        free = free[:MAX_FREE_LISTS]
    if _prepend_then_retest(rm):
        exact, why = False, "an as-path prepend followed by continue and as-path matches"
    if _set_community_then_retest(rm, free):
        exact, why = False, "a community set followed by continue and regex community-list matches"
    tags: list[int | None] = [None, *sorted(tag_values)]
    return Candidates(
        tuple(sets), tuple(paths), tuple(tags), exact, why, tuple(free), tuple(sorted(regex_comms)), _protocols(rm)
    )


# --- route-map walk ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """A concrete route the policy permits inside the searched region, and why."""

    network: IPv4Network
    communities: frozenset[int]
    as_path: tuple[AsPathItem, ...]
    tag: int | None
    clauses: tuple[RouteMapClause, ...]  # the route-map clauses that matched, last = the deciding one
    line: SourceRef | None  # the deciding clause or filter line
    result: PolicyRoute | None = None  # the route after the policy's sets


def _clause_regions(
    node: Node, clause: RouteMapClause, route: PolicyRoute, length: int, truth: Truth
) -> tuple[Dnf, Dnf]:
    """(matches, does not match) for this clause at this length, the attributes being concrete;
    mirrors routing_policy._clause_matches."""
    ip_permit: Dnf = []
    ip_deny: list[Dnf] = []
    has_ip = False
    for m in clause.matches:
        if isinstance(m, MatchIpAddress):
            acls = [node.acls[a] for a in m.acls if a in node.acls]
            if acls:
                has_ip = True
                for a in acls:
                    p, d = first_match(acl_lines(a, length))
                    ip_permit.extend(p)
                    ip_deny.append(d)
        elif isinstance(m, MatchPrefixList):
            has_ip = True
            for name in m.prefix_lists:
                pl = node.prefix_lists.get(name)
                if pl is not None:
                    p, d = first_match(prefix_list_lines(pl, length))
                    ip_permit.extend(p)
                    ip_deny.append(d)
        elif isinstance(m, MatchCommunity):
            cls = [node.community_lists[c] for c in m.community_lists if c in node.community_lists]
            if not any(
                truth[("community", c.name)]
                if ("community", c.name) in truth
                else community_list_matches(c, route.communities)
                for c in cls
            ):
                return [], [Term(TRUE)]
        elif isinstance(m, MatchAsPath):
            apls = [node.as_path_lists[a] for a in m.as_path_lists if a in node.as_path_lists]
            if not any(
                truth[("as-path", a.name)] if ("as-path", a.name) in truth else as_path_list_permits(a, route.as_path)
                for a in apls
            ):
                return [], [Term(TRUE)]
        elif (isinstance(m, MatchTag) and route.tag not in m.tags) or (
            isinstance(m, MatchProtocol) and route.protocol not in m.protocols
        ):
            return [], [Term(TRUE)]
    if not has_ip:
        return [Term(TRUE)], []
    budget = Budget()
    neg: Dnf = [Term(TRUE)]
    for d in ip_deny:
        neg = dnf_and(neg, d, budget)
    return ip_permit, neg


def _walk_from(
    node: Node,
    clauses: list[RouteMapClause],
    start: int,
    route: PolicyRoute,
    cond: Dnf,
    length: int,
    budget: Budget,
    matched: tuple[RouteMapClause, ...],
    truth: Truth,
) -> Iterator[tuple[Dnf, PolicyRoute, tuple[RouteMapClause, ...]]]:
    cur = cond
    i = start
    while i < len(clauses) and cur:
        clause = clauses[i]
        yes, no = _clause_regions(node, clause, route, length, truth)
        hit = dnf_and(cur, yes, budget) if yes and clause.action == "permit" else []
        if hit and clause.action == "permit":
            after = apply_clause_actions(node, clause, route)
            now = (*matched, clause)
            if clause.continue_seq is None:
                yield hit, after, now
            else:
                nxt = i + 1
                if clause.continue_seq != -1:
                    while nxt < len(clauses) and clauses[nxt].seq < clause.continue_seq:
                        nxt += 1
                yield from _walk_from(node, clauses, nxt, after, hit, length, budget, now, truth)
        cur = dnf_and(cur, no, budget) if no else []
        i += 1
    if cur and matched:
        yield cur, route, matched  # permitted earlier (continue), nothing later matched


@dataclass(frozen=True)
class SearchResult:
    """The outcome of one symbolic search: an example, or none; ``exact`` False means "none found
    within the bounded candidates" (the caller must treat a miss as undecided)."""

    example: Example | None
    exact: bool
    why_inexact: str = ""


def search_route_map(node: Node, rm: RouteMap, target_at: RegionAt, cands: Candidates) -> SearchResult:
    """The first route (shortest prefix first) that ``rm`` permits inside the target region.

    ``target_at(length)`` gives the region (a DNF) at each length, or [] when empty. A symbolic
    hit is realized as a concrete route and re-checked with the concrete evaluator; a hit that no
    candidate realizes leaves the answer unsure.
    """
    clauses = sorted(rm.clauses, key=lambda c: c.seq)
    budget = Budget()
    unrealized = ""
    assignments = [
        dict(zip(cands.free_lists, values, strict=True))
        for values in itertools.product((False, True), repeat=len(cands.free_lists))
    ]
    for length in range(33):
        target = target_at(length)
        host = Term((~mask(length) & FULL, 0))
        region = dnf_and([host], target, budget)
        if not region:
            continue
        for comms, tag, proto, truth in itertools.product(
            cands.community_sets, cands.tags, cands.protocols, assignments
        ):
            route = PolicyRoute(IPv4Network(0), protocol=proto, communities=comms, tag=tag)
            for hit, _after, matched in _walk_from(node, clauses, 0, route, region, length, budget, (), truth):
                addr = witness(hit[0], budget)
                assert addr is not None
                net = IPv4Network((addr, length))
                example = _realize(node, rm, net, comms, tag, cands, proto)
                if example is not None:
                    return SearchResult(example, True)
                if not unrealized:
                    lists = ", ".join(f"{k} {n} {'matching' if v else 'not matching'}" for (k, n), v in truth.items())
                    unrealized = (
                        f"{net} with {lists} would pass {matched[-1].source}, but no concrete route "
                        "realizing it was found"
                    )
    if unrealized:
        return SearchResult(None, False, unrealized)
    return SearchResult(None, cands.exact, cands.why_inexact)


def _realize(
    node: Node,
    rm: RouteMap,
    net: IPv4Network,
    comms: frozenset[int],
    tag: int | None,
    cands: Candidates,
    protocol: str = "bgp",
) -> Example | None:
    """A concrete route with this prefix the concrete evaluator permits (the example a finding shows)."""
    extras = [frozenset(s) for k in range(3) for s in itertools.combinations(cands.regex_communities, k)]
    for extra, path in itertools.product(extras, cands.as_paths):
        pr = PolicyRoute(net, protocol=protocol, communities=comms | extra, as_path=path, tag=tag)
        result, matched = apply_route_map_traced(node, rm, pr)
        if result is not None and matched:
            return Example(net, comms | extra, path, tag, matched, matched[-1].source, result)
    return None


def search_prefix_list(pl: PrefixList, target_at: RegionAt) -> Example | None:
    """The first route the prefix list permits inside the target region, with its permitting line."""
    budget = Budget()
    for length in range(33):
        target = target_at(length)
        host = Term((~mask(length) & FULL, 0))
        region = dnf_and([host], target, budget)
        if not region:
            continue
        prior: list[Cube] = []
        for line in pl.lines:
            if not line.min_len <= length <= line.max_len:
                continue
            c = (mask(line.prefix.prefixlen), int(line.prefix.network_address))
            if line.action == "permit":
                hit = dnf_and(region, [Term(c, tuple(prior))], budget)
                if hit:
                    addr = witness(hit[0], budget)
                    assert addr is not None
                    net = IPv4Network((addr, length))
                    return Example(net, frozenset(), (), None, (), line.source, PolicyRoute(net))
            prior.append(c)
    return None


def search_any(target_at: RegionAt) -> Example | None:
    """No filter at all: the first route of the region."""
    budget = Budget()
    for length in range(33):
        target = target_at(length)
        region = dnf_and([Term((~mask(length) & FULL, 0))], target, budget)
        if region:
            addr = witness(region[0], budget)
            assert addr is not None
            net = IPv4Network((addr, length))
            return Example(net, frozenset(), (), None, (), None, PolicyRoute(net))
    return None


def search_policy(
    node: Node,
    route_map: str | None,
    prefix_list: str | None,
    target_at: RegionAt,
    loop_as: int | None = None,
    protocols: tuple[str, ...] | None = None,
) -> SearchResult:
    """A route inside the target region that a BGP neighbour's policy permits: its route-map, else
    its prefix-list, else (no filter) any route (engine/bgp.py ``_outbound_policy`` / import order).
    ``loop_as``: paths holding this AS are never tried (eBGP loop prevention drops them on import).
    Undefined names must be ruled out by the caller (they make the answer undecided).
    ``protocols``: the only route protocols to try (import: what the session delivers, ``bgp`` or
    ``ibgp``); None tries every protocol the route-map's ``from protocol`` matches tell apart."""
    try:
        if route_map is not None:
            rm = node.route_maps[route_map]
            cands = candidates(node, rm, loop_as)
            if protocols is not None:
                cands = replace(cands, protocols=protocols)
            return search_route_map(node, rm, target_at, cands)
        if prefix_list is not None:
            return SearchResult(search_prefix_list(node.prefix_lists[prefix_list], target_at), True)
        return SearchResult(search_any(target_at), True)
    except Unsure as exc:
        return SearchResult(None, False, str(exc))
