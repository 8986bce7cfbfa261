"""Which routes depend on config lines the parser could not read (issue 9, the soundness rule).

A route-map clause, prefix-list, community-list or as-path list that lost lines is *partial*. The
engine still computes routes as if the lost lines were absent, and this pass then finds every
(node, prefix) whose policy evaluation could reach such a line. It runs after the data plane is
built, over the routes the data plane holds, so it needs no hook in BGP, OSPF or the incremental
engine, and it costs nothing on a snapshot without partial objects.

Route attributes other than the prefix (communities, AS path, tag) are not known at the point a
policy runs from here, so a match on them is *unknown* and both outcomes are explored: the result
over-approximates the set of undecided routes (sound, possibly more than needed), while matches on
the prefix (prefix-lists, ACLs as route filters) are exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network

from validator.engine.acl import reached_unparsed
from validator.engine.routing_policy import acl_line_matches_route, prefix_list_permits
from validator.engine.types import DataPlane
from validator.model.config import (
    Acl,
    MatchAsPath,
    MatchCommunity,
    MatchIpAddress,
    MatchPrefixList,
    Node,
    RouteMap,
    RouteMapClause,
)
from validator.model.dataplane import NO_UNDECIDED_ROUTES, Route, UndecidedRoutes
from validator.model.flow import Flow
from validator.model.snapshot import Snapshot
from validator.model.source import SourceRef

Tri = bool | None  # True, False, or unknown (depends on attributes this pass does not track)

_PARTIAL: dict[int, tuple[Snapshot, bool]] = {}


def has_partial_objects(snapshot: Snapshot) -> bool:
    """Whether any object of the snapshot is partial or an interface names an undefined filter:
    when not, traces need no soundness bookkeeping at all."""
    hit = _PARTIAL.get(id(snapshot))
    if hit is not None and hit[0] is snapshot:
        return hit[1]
    found = any(_node_partial(n) for n in snapshot.nodes.values())
    if len(_PARTIAL) > 64:
        _PARTIAL.clear()
    _PARTIAL[id(snapshot)] = (snapshot, found)
    return found


def _node_partial(node: Node) -> bool:
    if node.local_delivery_unparsed:
        return True
    if any(a.unparsed for a in node.acls.values()):
        return True
    if any(zp.unparsed or any(c.unparsed for c in zp.classes) for zp in node.zone_pairs):
        return True  # the zone firewall's step carries them (traceroute._zone_step)
    for i in node.interfaces.values():
        if i.unparsed:
            return True
        if any(a is not None and a not in node.acls for a in (i.acl_in, i.acl_out)):
            return True
    return _zones_partial(node) or _policies_partial(node)


def _zones_partial(node: Node) -> bool:
    """A zone-pair or inspect class with unreadable lines (the zone filter step carries them)."""
    return any(p.unparsed or any(c.unparsed for c in p.classes) for p in node.zone_pairs)


def _forwarding_partial(snapshot: Snapshot) -> bool:
    """Partial filters or interfaces: what can make a BGP session's TCP exchange undecided."""
    return any(
        any(a.unparsed for a in n.acls.values()) or any(i.unparsed for i in n.interfaces.values()) or _zones_partial(n)
        for n in snapshot.nodes.values()
    )


def _policies_partial(node: Node) -> bool:
    return (
        any(rm.unparsed or any(c.unparsed for c in rm.clauses) for rm in node.route_maps.values())
        or any(p.unparsed for p in node.prefix_lists.values())
        or any(c.unparsed for c in node.community_lists.values())
        or any(a.unparsed for a in node.as_path_lists.values())
        or any(a.unparsed for a in node.acls.values())  # ACLs serve as route filters too
    )


def undecided_routes(dp: DataPlane) -> UndecidedRoutes:
    """The data plane's undecided routes, computed once and kept on ``dp``."""
    if dp.undecided_routes is None:
        if not has_partial_objects(dp.snapshot):
            dp.undecided_routes = NO_UNDECIDED_ROUTES
            return dp.undecided_routes
        cands = _Candidates(dp)
        out = policy_undecided(dp, cands)
        # provisional, so the session pass traces with the policy pass's result
        dp.undecided_routes = _freeze(out)
        if (out or _forwarding_partial(dp.snapshot)) and _session_undecided(dp, cands, out):
            dp.undecided_routes = _freeze(out)
    return dp.undecided_routes


def compute_undecided_routes(dp: DataPlane) -> UndecidedRoutes:
    """The policy pass alone (no session pass): routes whose policies reach unparsed lines."""
    return _freeze(policy_undecided(dp, _Candidates(dp)))


def _freeze(out: dict[tuple[str, IPv4Network], set[SourceRef]]) -> UndecidedRoutes:
    if not out:
        return NO_UNDECIDED_ROUTES
    return UndecidedRoutes({k: tuple(sorted(v)) for k, v in out.items()})


def policy_undecided(dp: DataPlane, cands: _Candidates) -> dict[tuple[str, IPv4Network], set[SourceRef]]:
    snap = dp.snapshot
    out: dict[tuple[str, IPv4Network], set[SourceRef]] = {}
    tainted = [n for n in snap.nodes.values() if _policies_partial(n)]
    if not tainted:
        return out
    for node in tainted:
        for route_map, prefix_list, prefixes in _policy_uses(node, cands):
            for net in prefixes:
                refs = policy_reach(node, route_map, prefix_list, net)
                if refs:
                    out.setdefault((node.name, net), set()).update(refs)
    _aggregates(snap, out)
    return out


_BGP_PORT, _EPHEMERAL_PORT = 179, 49152


def _session_undecided(dp: DataPlane, cands: _Candidates, out: dict[tuple[str, IPv4Network], set[SourceRef]]) -> bool:
    """A BGP session whose TCP exchange crosses a partial filter or interface, or an undecided
    route, may be up or down whatever the engine computed: every route it could carry is undecided
    on both ends. Traced like the engine's own session check (SYN to 179, the reply back)."""
    from validator.engine.traceroute import Tracer  # the tracer reads this module's result

    tracer = Tracer(dp)
    changed = False
    for s in dp.bgp_sessions:
        if not isinstance(s.remote_ip, IPv4Address) or s.local_ip is None:
            continue
        fwd = Flow(
            s.node,
            s.local_ip,
            s.remote_ip,
            ingress_vrf=s.vrf,
            ip_protocol=6,
            src_port=_EPHEMERAL_PORT,
            dst_port=_BGP_PORT,
        )
        refs: set[SourceRef] = set()
        for t in tracer.trace(fwd):
            refs.update(t.undecided)
            if t.disposition == "ACCEPTED" and t.hops:
                back = Flow(
                    t.hops[-1].node,
                    s.remote_ip,
                    s.local_ip,
                    ingress_vrf=s.vrf,
                    ip_protocol=6,
                    src_port=_BGP_PORT,
                    dst_port=_EPHEMERAL_PORT,
                    tcp_ack=True,
                )
                for r in tracer.trace(back):
                    refs.update(r.undecided)
        if not refs:
            continue
        node = dp.snapshot.nodes.get(s.node)
        local_as = s.local_as
        carried: list[tuple[str, set[IPv4Network]]] = []
        if s.remote_node is not None and s.remote_node in dp.snapshot.nodes:
            carried.append((s.node, cands.exportable(s.remote_node, local_as)))
            carried.append((s.remote_node, cands.exportable(s.node, s.remote_as)))
        elif node is not None:
            carried.append((s.node, set(cands.bgp_anywhere)))
            carried.append((s.node, cands.exportable(s.node, s.remote_as)))
        for who, nets in carried:
            for net in nets:
                have = out.setdefault((who, net), set())
                if not refs <= have:
                    have.update(refs)
                    changed = True
    return changed


_BGP_PROTOCOLS = frozenset({"bgp", "ibgp", "aggregate"})
_REDIST = {
    "connected": frozenset({"connected"}),
    "static": frozenset({"static"}),
    "ospf": frozenset({"ospf", "ospfIA", "ospfE1", "ospfE2"}),
    "bgp": frozenset({"bgp", "ibgp"}),
}


class _Candidates:
    """The prefixes each policy could be evaluated on, from the routes the data plane holds: a
    route is evaluated where it exists (redistribution at its origin, export at the sender,
    import on what the sender holds). Over-approximates (sound), never under."""

    def __init__(self, dp: DataPlane) -> None:
        self.dp = dp
        snap = dp.snapshot
        self.rib: dict[str, list[Route]] = {
            n: [r for routes in vrfs.values() for r in routes] for n, vrfs in dp.ribs.items()
        }
        # prefixes BGP carries somewhere: a node may export its BGP best path for one of them even
        # when an IGP route wins its main RIB, so every RIB holding the prefix is a possible sender
        anywhere: set[IPv4Network] = {a.network for a in snap.bgp_announcements}
        for routes in self.rib.values():
            anywhere.update(r.network for r in routes if r.protocol in _BGP_PROTOCOLS)
        for node in snap.nodes.values():
            if node.bgp is not None:
                anywhere.update(n.prefix for n in node.bgp.networks)
                anywhere.update(a.prefix for a in node.bgp.aggregates)
        self.bgp_anywhere = anywhere

    def of_protocols(self, node: str, protocols: frozenset[str]) -> set[IPv4Network]:
        return {r.network for r in self.rib.get(node, ()) if r.protocol in protocols}

    def exportable(self, node_name: str, receiver_as: int | None) -> set[IPv4Network]:
        """What ``node_name``'s BGP could send to a peer in ``receiver_as`` (AS-path loops dropped:
        the receiver rejects those before its policy runs)."""
        node = self.dp.snapshot.nodes.get(node_name)
        if node is None or node.bgp is None:
            return set()
        redist: frozenset[str] = frozenset()
        for rd in node.bgp.redistributions:
            redist |= _REDIST.get(rd.protocol, frozenset())
        out: set[IPv4Network] = {n.prefix for n in node.bgp.networks} | {a.prefix for a in node.bgp.aggregates}
        for r in self.rib.get(node_name, ()):
            if r.protocol in _BGP_PROTOCOLS:
                if receiver_as is None or receiver_as not in r.as_path:
                    out.add(r.network)
            elif r.protocol in redist or (r.network in self.bgp_anywhere and r.protocol != "local"):
                out.add(r.network)
        return out

    def received(self, node: Node, peer_ip: IPv4Address | None, local_as: int) -> set[IPv4Network]:
        """What a neighbour at ``peer_ip`` could send: its node's exportable routes, or, for a
        peer outside the snapshot, every prefix BGP carries anywhere (announcements included)."""
        owners = self.dp.ip_owners.get(peer_ip, frozenset()) if peer_ip is not None else frozenset()
        senders = {n for n, _i in owners if n != node.name}
        if not senders:
            return set(self.bgp_anywhere)
        out: set[IPv4Network] = set()
        for sender in senders:
            out |= self.exportable(sender, local_as)
        return out


def _policy_uses(node: Node, cands: _Candidates) -> Iterable[tuple[str | None, str | None, Iterable[IPv4Network]]]:
    """(route-map, prefix-list, prefixes it is evaluated on) for every place the node applies one."""
    bgp = node.bgp
    if bgp is not None:
        for nb in bgp.neighbors:
            local_as = nb.local_as if nb.local_as is not None else bgp.local_as
            if nb.route_map_in is not None or nb.prefix_list_in is not None:
                received = sorted(cands.received(node, nb.peer_ip, local_as), key=_key)
                yield nb.route_map_in, None if nb.route_map_in is not None else nb.prefix_list_in, received
            if nb.route_map_out is not None or nb.prefix_list_out is not None:
                sent = sorted(cands.exportable(node.name, nb.remote_as), key=_key)
                yield nb.route_map_out, None if nb.route_map_out is not None else nb.prefix_list_out, sent
        for netst in bgp.networks:
            if netst.route_map is not None:
                yield netst.route_map, None, (netst.prefix,)
        for redist in bgp.redistributions:
            if redist.route_map is not None:
                protos = _REDIST.get(redist.protocol, frozenset())
                yield redist.route_map, None, sorted(cands.of_protocols(node.name, protos), key=_key)
    for proc in node.ospf:
        for oredist in proc.redistributions:
            if oredist.route_map is not None:
                protos = _REDIST.get(oredist.protocol, frozenset())
                yield oredist.route_map, None, sorted(cands.of_protocols(node.name, protos), key=_key)


def _key(net: IPv4Network) -> tuple[int, int]:
    return int(net.network_address), net.prefixlen


def policy_reach(node: Node, route_map: str | None, prefix_list: str | None, net: IPv4Network) -> tuple[SourceRef, ...]:
    """The unparsed lines that evaluating the policy on a route for ``net`` could reach."""
    if route_map is not None:
        rm = node.route_maps.get(route_map)
        return route_map_reach(node, rm, net) if rm is not None else ()
    if prefix_list is not None:
        pl = node.prefix_lists.get(prefix_list)
        # a prefix-list's lines are ordered by sequence number, and an unparsed line's number is
        # unknown: any evaluation of a partial prefix-list may reach it
        return pl.unparsed if pl is not None else ()
    return ()


def route_map_reach(node: Node, rm: RouteMap, net: IPv4Network) -> tuple[SourceRef, ...]:
    """Every unparsed line some evaluation of ``rm`` on ``net`` could reach, exploring both
    outcomes of each match this pass cannot decide (clauses in sequence order, ``continue`` too)."""
    if rm.unparsed:  # a clause the parser could not read at all: its place in the order is unknown
        return tuple(sorted(rm.unparsed))
    clauses = sorted(rm.clauses, key=lambda c: c.seq)
    acc: set[SourceRef] = set()
    seen: set[int] = set()
    todo = [0]
    while todo:
        i = todo.pop()
        while i < len(clauses) and i not in seen:
            seen.add(i)
            clause = clauses[i]
            if clause.unparsed:
                acc.update(clause.unparsed)
                break
            match, refs = clause_match(node, clause, net)
            if refs:
                acc.update(refs)
                break
            if match is False:
                i += 1
                continue
            if match is None:
                todo.append(i + 1)  # the branch where the clause does not match
            if clause.action == "deny" or clause.continue_seq is None:
                break
            i = _continue_target(clauses, i, clause.continue_seq)
    return tuple(sorted(acc))


def _continue_target(clauses: list[RouteMapClause], i: int, target: int) -> int:
    nxt = i + 1
    if target != -1:
        while nxt < len(clauses) and clauses[nxt].seq < target:
            nxt += 1
    return nxt


def clause_match(node: Node, clause: RouteMapClause, net: IPv4Network) -> tuple[Tri, tuple[SourceRef, ...]]:
    """Three-valued match of a complete clause on a prefix, with the unparsed lines of the lists it
    consults (non-empty = the match itself is undecided). Mirrors ``routing_policy._clause_matches``:
    address matches are OR-ed together, every other match is AND-ed."""
    ip_terms: list[Tri] = []
    others: list[Tri] = []
    refs: set[SourceRef] = set()
    for m in clause.matches:
        if isinstance(m, MatchIpAddress):
            acls = [node.acls[a] for a in m.acls if a in node.acls]
            if acls:
                results = []
                for acl in acls:
                    permit, reached = _acl_route_filter(acl, net)
                    refs.update(reached)
                    results.append(permit)
                ip_terms.append(any(results))
        elif isinstance(m, MatchPrefixList):
            pls = [node.prefix_lists[p] for p in m.prefix_lists if p in node.prefix_lists]
            for pl in pls:
                refs.update(pl.unparsed)
            ip_terms.append(any(prefix_list_permits(p, net) for p in pls))
        elif isinstance(m, MatchCommunity):
            cls = [node.community_lists[c] for c in m.community_lists if c in node.community_lists]
            for cl in cls:
                refs.update(cl.unparsed)
            others.append(None if cls else False)
        elif isinstance(m, MatchAsPath):
            apls = [node.as_path_lists[a] for a in m.as_path_lists if a in node.as_path_lists]
            for apl in apls:
                refs.update(apl.unparsed)
            others.append(None if apls else False)  # no defined list: nothing matches
        else:  # match tag: the route's tag is not known here
            others.append(None)
    if refs:
        return None, tuple(sorted(refs))
    terms = others + ([_any3(ip_terms)] if ip_terms else [])
    return _all3(terms), ()


def _any3(values: list[Tri]) -> Tri:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _all3(values: list[Tri]) -> Tri:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _acl_route_filter(acl: Acl, net: IPv4Network) -> tuple[bool, tuple[SourceRef, ...]]:
    """``routing_policy.acl_permits_route`` with the unparsed lines the evaluation passed. (Without
    the snapshot's text at hand every unparsed line counts as possibly sequence-numbered: first.)"""
    positions = tuple(0 for _ in acl.unparsed)
    for i, line in enumerate(acl.lines):
        if acl_line_matches_route(acl, line, net):
            return line.action == "permit", reached_unparsed(acl.unparsed, positions, i)
    return False, reached_unparsed(acl.unparsed, positions, len(acl.lines))


def _aggregates(snap: Snapshot, out: dict[tuple[str, IPv4Network], set[SourceRef]]) -> None:
    """An aggregate exists while a more specific route does, so it inherits their undecided fate
    (and a summary-only aggregate's suppression of them is covered by their own entries)."""
    if not out:
        return
    undecided = [(net, refs) for (_n, net), refs in out.items()]
    for node in snap.nodes.values():
        if node.bgp is None:
            continue
        for agg in node.bgp.aggregates:
            for net, refs in undecided:
                if net != agg.prefix and net.subnet_of(agg.prefix):
                    out.setdefault((node.name, agg.prefix), set()).update(refs)
