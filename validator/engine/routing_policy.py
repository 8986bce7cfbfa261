"""Route-map, prefix-list, ACL-as-route-filter and community-list evaluation (semantics §4g).

Callers decide what an *undefined* route-map means (BGP neighbour: deny all; OSPF redistribution:
ignore; network statement: ignore), so this module only evaluates defined objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network

from validator.model.config import (
    Acl,
    AclLine,
    AsPathList,
    CommunityList,
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
    SetLocalPreference,
    SetMetric,
    SetNextHop,
    SetNextHopSelf,
    SetOrigin,
    SetTag,
    SetWeight,
)

AsPathItem = int | frozenset[int]  # an ASN of a sequence, or an AS_SET (counts as one)


@dataclass(frozen=True)
class PolicyRoute:
    """The attributes a routing policy can read and write (BGP attributes default for non-BGP routes)."""

    network: IPv4Network
    protocol: str = "bgp"
    metric: int = 0  # MED for BGP routes
    tag: int | None = None
    local_pref: int = 100
    weight: int = 0
    communities: frozenset[int] = frozenset()
    as_path: tuple[AsPathItem, ...] = ()
    origin: str = "igp"
    next_hop_ip: IPv4Address | None = None
    next_hop_set: bool = False  # the policy chose the next hop explicitly


def community_str(c: int) -> str:
    return f"{c >> 16}:{c & 0xFFFF}"


# --- route filters ----------------------------------------------------------------------------


def prefix_list_permits(pl: PrefixList, net: IPv4Network) -> bool:
    """First matching line wins; no match denies. The route start IP must lie in P/len."""
    addr = int(net.network_address)
    for line in pl.lines:
        p = line.prefix
        plen = p.prefixlen
        mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0
        if (addr & mask) == int(p.network_address) and line.min_len <= net.prefixlen <= line.max_len:
            return line.action == "permit"
    return False


def _acl_line_matches_route(acl: Acl, line: AclLine, net: IPv4Network) -> bool:
    if not any(w.matches(net.network_address) for w in line.src):
        return False
    if acl.kind == "standard":
        return True
    for d in line.dst:
        lo = bin(int(d.ip)).count("1")
        hi = bin(int(d.ip) | int(d.wildcard)).count("1")
        if lo <= net.prefixlen <= hi:
            return True
    return False


acl_line_matches_route = _acl_line_matches_route  # public name for the soundness pass


def acl_permits_route(acl: Acl, net: IPv4Network) -> bool:
    """An ACL used as a route filter: standard = wildcard on the network address; extended = source
    gives the address, destination gives the length range [len(dst), len(dst | wildcard)]."""
    for line in acl.lines:
        if _acl_line_matches_route(acl, line, net):
            return line.action == "permit"
    return False


@lru_cache(maxsize=1024)
def _java_regex(cisco: str) -> re.Pattern[str]:
    return re.compile(cisco.replace("_", r"(,|\{|\}|^|$| )"))


_PER_COMMUNITY = re.compile(r"^[_^]?[0-9:]+[_$]?$")


def _regex_matches(regex: str, communities: frozenset[int]) -> bool:
    pat = _java_regex(regex)
    if _PER_COMMUNITY.match(regex):
        return any(pat.search(community_str(c)) for c in communities)
    rendered = " ".join(community_str(c) for c in sorted(communities))
    return pat.search(rendered) is not None


def community_list_matches(cl: CommunityList, communities: frozenset[int]) -> bool:
    for line in cl.lines:
        if line.regex is not None:
            hit = _regex_matches(line.regex, communities)
        else:
            wanted = {(c.high << 16) | c.low for c in line.communities}
            hit = bool(wanted) and wanted <= communities
        if hit:
            return line.action == "permit"
    return False


def as_path_string(as_path: tuple[AsPathItem, ...]) -> str:
    """The AS path as Batfish renders it for regex matching (AsPath.getAsPathString): ASNs
    separated by single spaces, an AS_SET as ``{a,b}`` (sorted)."""
    return " ".join(str(a) if isinstance(a, int) else "{" + ",".join(str(x) for x in sorted(a)) + "}" for a in as_path)


def as_path_list_permits(apl: AsPathList, as_path: tuple[AsPathItem, ...]) -> bool:
    """First line whose regex is *found* in the rendered path decides; no match denies (Batfish
    AsPathAccessList.permits; Cisco ``_`` rewritten as for community lists, CCV.toJavaRegex)."""
    rendered = as_path_string(as_path)
    for line in apl.lines:
        if _java_regex(line.regex).search(rendered) is not None:
            return line.action == "permit"
    return False


# --- route-maps -------------------------------------------------------------------------------


def _clause_matches(node: Node, clause: RouteMapClause, route: PolicyRoute) -> bool:
    ip_terms: list[bool] = []
    for m in clause.matches:
        if isinstance(m, MatchIpAddress):
            acls = [node.acls[a] for a in m.acls if a in node.acls]
            if acls:  # all-undefined `match ip address` is dropped (matches everything)
                ip_terms.append(any(acl_permits_route(a, route.network) for a in acls))
        elif isinstance(m, MatchPrefixList):
            pls = [node.prefix_lists[p] for p in m.prefix_lists if p in node.prefix_lists]
            ip_terms.append(any(prefix_list_permits(p, route.network) for p in pls))
        elif isinstance(m, MatchCommunity):
            cls = [node.community_lists[c] for c in m.community_lists if c in node.community_lists]
            if not any(community_list_matches(c, route.communities) for c in cls):
                return False
        elif isinstance(m, MatchAsPath):
            # undefined lists match nothing, as for ``match community``
            apls = [node.as_path_lists[a] for a in m.as_path_lists if a in node.as_path_lists]
            if not any(as_path_list_permits(a, route.as_path) for a in apls):
                return False
        elif (isinstance(m, MatchTag) and route.tag not in m.tags) or (
            isinstance(m, MatchProtocol) and route.protocol not in m.protocols
        ):
            return False
    return not ip_terms or any(ip_terms)


def _apply_sets(clause: RouteMapClause, route: PolicyRoute) -> PolicyRoute:
    for s in clause.sets:
        if isinstance(s, SetLocalPreference):
            route = replace(route, local_pref=s.value)
        elif isinstance(s, SetMetric):
            route = replace(route, metric=s.value)
        elif isinstance(s, SetCommunity):
            new = frozenset((c.high << 16) | c.low for c in s.communities)
            route = replace(route, communities=route.communities | new if s.additive else new)
        elif isinstance(s, SetNextHop):
            if s.ip is not None:
                route = replace(route, next_hop_ip=s.ip, next_hop_set=True)
        elif isinstance(s, SetWeight):
            route = replace(route, weight=s.value)
        elif isinstance(s, SetAsPathPrepend):
            route = replace(route, as_path=tuple(s.asns) + route.as_path)
        elif isinstance(s, SetOrigin):
            route = replace(route, origin=s.origin)
        elif isinstance(s, SetTag):
            route = replace(route, tag=s.value)
    return route


# public names for the route-policy analyses (engine/announce.py, engine/route_space.py)
clause_matches = _clause_matches
apply_clause_sets = _apply_sets


def apply_route_map_traced(
    node: Node, rm: RouteMap, route: PolicyRoute
) -> tuple[PolicyRoute | None, tuple[RouteMapClause, ...]]:
    """:func:`apply_route_map` that also returns the clauses that matched (the last one decided):
    what a finding names as the clause that let a route through or stopped it."""
    clauses = sorted(rm.clauses, key=lambda c: c.seq)
    matched: list[RouteMapClause] = []
    i = 0
    while i < len(clauses):
        clause = clauses[i]
        if not _clause_matches(node, clause, route):
            i += 1
            continue
        matched.append(clause)
        if clause.action == "deny":
            return None, tuple(matched)
        route = _apply_sets(clause, route)
        route = _apply_junos_sets(node, clause, route)  # as apply_route_map (review #2)
        if clause.continue_seq is None:
            return route, tuple(matched)
        nxt = i + 1
        if clause.continue_seq != -1:
            while nxt < len(clauses) and clauses[nxt].seq < clause.continue_seq:
                nxt += 1
        i = nxt
    return (route if matched else None), tuple(matched)


def _apply_junos_sets(node: Node, clause: RouteMapClause, route: PolicyRoute) -> PolicyRoute:
    """Junos-only actions (``then next-hop self``, ``then community delete``), in clause order after
    the IOS-style sets; a no-op for IOS route-maps, which never carry them."""
    for s in clause.sets:
        if isinstance(s, SetNextHopSelf):
            # the exporting session fills in its own address (bgp.export_route)
            route = replace(route, next_hop_ip=None, next_hop_set=True)
        elif isinstance(s, SetCommunityDelete):
            cl = node.community_lists.get(s.community_list)
            if cl is not None:
                # Junos deletes every community that matches any member of the named community
                members = {(m.high << 16) | m.low for line in cl.lines for m in line.communities}
                kept = frozenset(c for c in route.communities if c not in members)
                route = replace(route, communities=kept)
    return route


def apply_route_map(node: Node, rm: RouteMap, route: PolicyRoute) -> PolicyRoute | None:
    """Clauses in sequence order; the first match applies its sets and permits or denies; ``continue``
    carries a permitted route on to a later clause; no match at all denies."""
    clauses = sorted(rm.clauses, key=lambda c: c.seq)
    permitted = False
    i = 0
    while i < len(clauses):
        clause = clauses[i]
        if not _clause_matches(node, clause, route):
            i += 1
            continue
        if clause.action == "deny":
            return None
        route = _apply_sets(clause, route)
        route = _apply_junos_sets(node, clause, route)
        permitted = True
        if clause.continue_seq is None:
            return route
        target = clause.continue_seq
        nxt = i + 1
        if target != -1:
            while nxt < len(clauses) and clauses[nxt].seq < target:
                nxt += 1
        i = nxt
    return route if permitted else None


def run_policy(node: Node, route_map: str | None, route: PolicyRoute, undefined_denies: bool) -> PolicyRoute | None:
    """Evaluate an optional route-map by name; what an undefined name means is the caller's choice."""
    if route_map is None:
        return route
    rm = node.route_maps.get(route_map)
    if rm is None:
        return None if undefined_denies else route
    return apply_route_map(node, rm, route)


def apply_clause_actions(node: Node, clause: RouteMapClause, route: PolicyRoute) -> PolicyRoute:
    """A permitting clause's sets as :func:`apply_route_map` applies them (IOS-style, then the
    Junos-only ones): what the symbolic search (engine/route_space.py) must carry past a
    ``continue``, or a deleted community would still be matched by a later clause."""
    return _apply_junos_sets(node, clause, _apply_sets(clause, route))
