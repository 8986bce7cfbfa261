"""Which configured BGP session directions can ever carry a prefix (for ``engine/dependencies``).

Failures only take sessions down, so the configured neighbour pairs are a superset of the sessions
of every scenario. Over them, a least fixed point per prefix says which directions may ever deliver
a route for it: the sender must be able to hold one (originate it, learn it over eBGP, or learn it
over iBGP and be allowed to re-advertise it: a route reflector towards a client, or a route from a
client), and neither the export nor the import policy may deny it for every attribute value
(prefix-only three-valued evaluation, as ``routing_policy`` evaluates clauses). Everything the
evaluation cannot decide counts as "may carry": the answer is an over-approximation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

IfaceKey = tuple[str, str]
SpeakerKey = tuple[str, str]


# --- prefix-only route policy evaluation ------------------------------------------------------------


def _clause_prefix_match(node: Any, clause: Any, net: IPv4Network) -> bool | None:
    """A route-map clause's match on a route known only by its prefix: True, False or None."""
    from validator.engine.routing_policy import acl_permits_route, prefix_list_permits
    from validator.model.config import MatchIpAddress, MatchPrefixList

    if clause.unparsed:
        return None
    ip_terms: list[bool] = []
    other = False
    for m in clause.matches:  # as routing_policy._clause_matches: ip terms OR'ed, others AND'ed
        if isinstance(m, MatchIpAddress):
            acls = [node.acls[a] for a in m.acls if a in node.acls]
            if acls:
                ip_terms.append(any(acl_permits_route(a, net) for a in acls))
        elif isinstance(m, MatchPrefixList):
            pls = [node.prefix_lists[p] for p in m.prefix_lists if p in node.prefix_lists]
            ip_terms.append(any(prefix_list_permits(p, net) for p in pls))
        else:
            other = True
    if ip_terms and not any(ip_terms):
        return False
    return None if other else True


def route_map_denies(node: Any, name: str, net: IPv4Network) -> bool:
    """True when the route-map (undefined: denies, as for BGP neighbours) denies every route for
    ``net``, whatever its other attributes."""
    rm = node.route_maps.get(name)
    if rm is None:
        return True
    if rm.unparsed:
        return False
    for clause in sorted(rm.clauses, key=lambda c: c.seq):
        m = _clause_prefix_match(node, clause, net)
        if m is False:
            continue
        if clause.action == "deny":
            if m is True:
                return True
            continue  # routes not matching go on
        return False  # a permit (with or without continue) may let it through
    return True


def _policy_denies(node: Any, route_map: str | None, prefix_list: str | None, net: IPv4Network) -> bool:
    from validator.engine.routing_policy import prefix_list_permits

    if route_map is not None:  # bgp._outbound_policy / import_route: the route-map wins
        return route_map_denies(node, route_map, net)
    if prefix_list is not None:
        pl = node.prefix_lists.get(prefix_list)
        return pl is None or not prefix_list_permits(pl, net)
    return False


# --- configured sessions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A configured BGP session direction that could ever come up: routes flow sender -> receiver."""

    sender: SpeakerKey
    receiver: SpeakerKey
    send_nb: Any  # the sender's neighbour statement for the receiver
    recv_nb: Any  # the receiver's neighbour statement for the sender
    ibgp: bool


def configured_links(snapshot: Any, owners: dict[IPv4Address, frozenset[IfaceKey]]) -> list[Link]:
    """Every pair of neighbour statements that point at each other (a superset of the sessions any
    scenario can establish: failures only take sessions down)."""
    from validator.engine.bgp_sessions import bgp_neighbors

    ips_of: dict[str, set[IPv4Address]] = defaultdict(set)
    for name, node in snapshot.nodes.items():
        for iface in node.interfaces.values():
            for a in iface.addresses:
                ips_of[name].add(a.ip)
    out: list[Link] = []
    seen: set[tuple[str, int, str, int]] = set()
    for name in sorted(snapshot.nodes):
        node = snapshot.nodes[name]
        if node.bgp is None:
            continue
        local_as = node.bgp.local_as
        for nb in bgp_neighbors(node.bgp):
            if nb.peer_ip is None:
                continue
            for owner, _iface in sorted(owners.get(nb.peer_ip, frozenset())):
                remote = snapshot.nodes[owner]
                if remote.bgp is None or owner == name:
                    continue
                for rnb in bgp_neighbors(remote.bgp):
                    if rnb.vrf != nb.vrf:
                        continue
                    if rnb.peer_ip is not None:
                        if rnb.peer_ip not in ips_of[name]:
                            continue
                    elif rnb.peer_prefix is None or not any(ip in rnb.peer_prefix for ip in ips_of[name]):
                        continue
                    key = (name, id(nb), owner, id(rnb))
                    if key in seen:
                        continue
                    seen.add(key)
                    seen.add((owner, id(rnb), name, id(nb)))
                    mine = nb.local_as if nb.local_as is not None else local_as
                    ibgp = nb.remote_as == mine
                    a, b = (name, nb.vrf), (owner, rnb.vrf)
                    out.append(Link(a, b, nb, rnb, ibgp))
                    out.append(Link(b, a, rnb, nb, ibgp))
    return out


class Carriers:
    """Per prefix, which configured session directions can ever carry it (a least fixed point)."""

    def __init__(self, snapshot: Any, links: list[Link]) -> None:
        self.snapshot = snapshot
        self.links = links
        self.anything, self.named = self._origin_index()
        self.out_of: dict[SpeakerKey, list[int]] = defaultdict(list)
        for i, ln in enumerate(links):
            self.out_of[ln.sender].append(i)
        self._cache: dict[IPv4Network, frozenset[int]] = {}
        self._policy: dict[tuple[int, IPv4Network], bool] = {}

    def _origin_index(self) -> tuple[set[SpeakerKey], dict[IPv4Network, set[SpeakerKey]]]:
        """Speakers that redistribute (may originate anything), and per prefix the speakers whose
        ``network`` or aggregate statements name it (main VRF only, as PrefixBgp originates)."""
        anything: set[SpeakerKey] = set()
        named: dict[IPv4Network, set[SpeakerKey]] = defaultdict(set)
        for name, node in self.snapshot.nodes.items():
            proc = node.bgp
            if proc is None:
                continue
            sp = (name, proc.vrf)
            if proc.redistributions:
                anything.add(sp)
            for n in proc.networks:
                named[n.prefix].add(sp)
            for a in proc.aggregates:
                named[a.prefix].add(sp)
        return anything, named

    def _policy_ok(self, i: int, p: IPv4Network) -> bool:
        hit = self._policy.get((i, p))
        if hit is None:
            ln = self.links[i]
            snd = self.snapshot.nodes[ln.sender[0]]
            rcv = self.snapshot.nodes[ln.receiver[0]]
            hit = not (
                _policy_denies(snd, ln.send_nb.route_map_out, ln.send_nb.prefix_list_out, p)
                or _policy_denies(rcv, ln.recv_nb.route_map_in, ln.recv_nb.prefix_list_in, p)
            )
            self._policy[(i, p)] = hit
        return hit

    def carrying(self, p: IPv4Network) -> frozenset[int]:
        """Indices of the links that may ever deliver a route for ``p``."""
        hit = self._cache.get(p)
        if hit is not None:
            return hit
        holds: set[SpeakerKey] = set()  # may hold any route for p
        non_ibgp: set[SpeakerKey] = set()  # may hold a local or eBGP-learned route for p
        from_client: set[SpeakerKey] = set()  # may hold an iBGP route learned from a client
        for sp in self.anything | self.named.get(p, set()):
            holds.add(sp)
            non_ibgp.add(sp)
        carry: set[int] = set()
        queue = list(holds)  # speakers whose state grew: re-examine the links out of them
        while queue:
            s = queue.pop()
            for i in self.out_of.get(s, ()):
                if i in carry:
                    continue
                ln = self.links[i]
                if ln.ibgp:
                    ok = s in non_ibgp or s in from_client or (ln.send_nb.route_reflector_client and s in holds)
                else:
                    ok = s in holds
                if not ok or not self._policy_ok(i, p):
                    continue
                carry.add(i)
                r = ln.receiver
                before = (r in holds, r in non_ibgp, r in from_client)
                holds.add(r)
                if not ln.ibgp:
                    non_ibgp.add(r)
                elif ln.recv_nb.route_reflector_client:
                    from_client.add(r)
                if (r in holds, r in non_ibgp, r in from_client) != before:
                    queue.append(r)
        out = frozenset(carry)
        self._cache[p] = out
        return out
