"""Which links, nodes and interfaces a set of forwarding decisions can depend on.

A failure sweep asks "does this failure change the checked flows?" for every scenario. This module
answers the converse once, from the no-failure data plane: the set ``D`` of interfaces and nodes
whose failure *could* change the answer of a given set of FIB lookups. A scenario that fails
nothing in ``D`` provably has the base's answers for those lookups, so its data plane need not be
computed (``checks/relevance.py`` turns traced flows into lookups and prunes scenarios).

Why it is sound (the argument the code follows; "base" is the no-failure data plane, a scenario
only removes interfaces and nodes). The closure works on *queries*:

- a FIB query (node, vrf, addresses) depends on every route of every prefix ``p`` that overlaps the
  addresses at that node, *whichever protocol and whether or not it is present there in the base*:
  ``p`` ranges over the universe ``U`` of every prefix that may exist anywhere in any scenario
  (base RIBs, every prefix BGP ever sent in any round, and every configured connected, local,
  static, ``network`` and aggregate prefix). Failures never invent a prefix outside ``U``
  (default-originate, which could, disables pruning), so a more specific route that appears after a
  failure (hazard: an iBGP speaker whose best flips to an eBGP route it then advertises) is a
  member of ``U`` and is followed like any other;
- a route query (node, vrf, p) depends on: the interfaces whose connected/local routes are ``p``;
  every configured static route for ``p`` (installed or floating: its interface, and its next hop
  as a new FIB query); the OSPF route for ``p`` (below); BGP at that speaker for ``p`` (below); and
  the next hops of the base's routes for ``p`` (FIB queries: recursive resolution);
- OSPF (one area per process, otherwise pruning is off): the intra-area route of a router ``r``
  for ``p`` is the set of shortest paths from ``r`` to ``p``'s advertisers. Removing
  edges or routers that lie on no shortest path changes no distance and no ECMP set (shortest paths
  only get longer when edges go away, and every shortest path survives), so ``D`` takes every
  adjacency (both interfaces) on any equal-cost shortest path, and the advertising interfaces of
  the nearest advertisers. Removing edges never creates an OSPF route, so an absent route stays
  absent. External routes (redistribution): whether an ASBR originates ``p`` and with which metric
  is its own route for ``p`` (a route query); type, metric and forwarding then depend only on the
  distances and shortest paths from ``r`` to the ASBRs, so every adjacency on a shortest path from
  ``r`` to *every* redistributing router is in ``D`` as well;
- BGP (per prefix: the reference's rounds decompose by prefix when BGP's next hops are answered by
  the IGP, checked by the incremental engine, and the next-hop queries below cover any BGP route
  that could answer them): a speaker's selection for ``p`` in every round is a function of its
  originations of ``p`` (a route query), the routes delivered to it for ``p`` and the IGP answers
  for those routes' next hops. ``D`` follows every configured session *that can ever carry ``p``*
  into a relevant speaker, whatever happened in the base: its sender becomes relevant for ``p``, and
  the session's TCP reachability reads (recorded by the incremental engine for both topology
  computations) become queries, with the interfaces owning both ends (and, for a neighbour without
  a static local address, the FIB lookup of the peer that chooses it). A session cannot carry ``p``
  when its export or import policy denies ``p`` for every possible attribute value (prefix-only
  three-valued evaluation of the route-map / prefix-list), or when the sender can only hold ``p``
  as an iBGP route it may not re-advertise (not a route reflector for that peer, and no client
  can give it ``p``): a least fixed point over the configured sessions, independent of failures.
  Next hops: every next hop any candidate for ``p`` had at the speaker in any round of the base run
  (``PrefixState.nh_users``) becomes a FIB query. By induction on the rounds, every relevant
  (speaker, ``p``) then sees exactly the base's inputs in every round of the scenario, so it makes
  the base's selections in every round, whatever the attribute tie-breaks (MED compared only within
  one neighbour AS, non-transitively, cannot matter: the candidate set itself is unchanged) and
  whichever stable state the rounds reach;
- session reachability reads: a FIB lookup becomes a FIB query; local acceptance and ARP answers
  put the owning / answering interfaces in ``D`` (and a FIB query for proxy ARP); a neighbour read
  puts the interface and its base neighbours in ``D``.

The closure is iterated to a fixed point. Whatever this argument does not cover disables pruning
for the whole data plane (``Relevance.everything``, with the reason): a base that did not converge,
a BGP topology that needed more than one refinement (the session reads of the intermediate rounds
are not recorded), the incremental engine's rules not holding (OSPF redistributing BGP, a BGP
route resolving a BGP next hop, vendor route preferences, ...), BGP default-originate, external
announcements, OSPF area border routers, OSPF router ids derived from interfaces that could collide
between neighbours (``ospf._compatible`` refuses such adjacencies, so a failure could create one),
partial (unparsed) objects, vendors other than IOS/EOS and hosts, unknown route protocols.

Two notes. MED: this engine ranks candidates by one total key (``bgp._pref_key``), so removing a
non-best candidate never changes the best; the argument does not rely on it anyway (the candidate
set is unchanged). Convergence: a pruned scenario is not computed, so if it would fail to converge
*only* in prefixes and sessions outside the closure, that is not reported; the checked classes'
results are the base's either way (their trajectories are the base's in every round).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from validator.engine.bgp_carriers import Carriers, Link, configured_links
from validator.engine.topology import bound_to
from validator.engine.types import DataPlane, FailureSet

IfaceKey = tuple[str, str]
SpeakerKey = tuple[str, str]
Span = tuple[int, int]

_KNOWN_PROTOCOLS = frozenset({"connected", "local", "static", "ospf", "ospfE1", "ospfE2", "bgp", "ibgp", "aggregate"})
_VENDORS = frozenset({"cisco_ios", "arista_eos", "host"})


@dataclass(frozen=True)
class Relevance:
    """The elements whose failure may change the queried decisions (``everything``: pruning off)."""

    nodes: frozenset[str]
    interfaces: frozenset[IfaceKey]
    everything: bool = False
    reason: str = ""

    def affected_by(self, failures: FailureSet) -> bool:
        """True when ``failures`` takes down something the queried decisions may depend on."""
        if self.everything:
            return True
        if failures.nodes & self.nodes or failures.interfaces & self.interfaces:
            return True
        return bool(failures.nodes & self._iface_nodes)

    @property
    def _iface_nodes(self) -> frozenset[str]:
        cached: frozenset[str] | None = self.__dict__.get("_nodes_of_ifaces")
        if cached is None:
            cached = frozenset(n for n, _ in self.interfaces)
            object.__setattr__(self, "_nodes_of_ifaces", cached)
        return cached


def everything(reason: str) -> Relevance:
    return Relevance(frozenset(), frozenset(), True, reason)


# --- the prefix universe ----------------------------------------------------------------------------


class Universe:
    """Every prefix that may exist anywhere, indexed by length for overlap queries."""

    def __init__(self, prefixes: Iterable[IPv4Network]) -> None:
        by_len: dict[int, list[int]] = defaultdict(list)
        for p in set(prefixes):
            by_len[p.prefixlen].append(int(p.network_address))
        self.by_len = {n: sorted(v) for n, v in by_len.items()}

    def overlapping(self, lo: int, hi: int) -> list[IPv4Network]:
        out: list[IPv4Network] = []
        for n, nets in self.by_len.items():
            size = 1 << (32 - n)
            mask = (0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF if n else 0
            start = lo & mask
            i = bisect_left(nets, start)
            j = bisect_right(nets, hi)
            out.extend(IPv4Network((a, n)) for a in nets[i:j] if a + size - 1 >= lo)
        return out


# --- the closure ----------------------------------------------------------------------------------


class Closure:
    """Builds ``D`` for a set of FIB queries over one base data plane's incremental state."""

    def __init__(self, base: DataPlane, st: Any) -> None:
        self.base = base
        self.st = st
        self.snapshot = base.snapshot
        self.nodes: set[str] = set()
        self.ifaces: set[IfaceKey] = set()
        self._fib_done: dict[tuple[str, str], list[Span]] = defaultdict(list)
        self._route_done: set[tuple[str, str, IPv4Network]] = set()
        self._bgp_done: set[tuple[SpeakerKey, IPv4Network]] = set()
        self._links_done: set[int] = set()
        self._reads_done: set[tuple[Any, ...]] = set()
        self.work: list[tuple[Any, ...]] = []
        self._prepare()

    # -- indexes built once --

    def _prepare(self) -> None:
        snap = self.snapshot
        st = self.st
        # distinct objects first (routes share their network objects): IPv4Network hashing is slow
        objs: dict[int, IPv4Network] = {}
        for vrfs in self.base.ribs.values():
            for routes in vrfs.values():
                for r in routes:
                    objs[id(r.network)] = r.network
        for ps in st.bgp.state.exported.values():
            objs.update((id(x), x) for x in ps)
        for ps in st.bgp.state.bgp_prefixes.values():
            objs.update((id(x), x) for x in ps)
        prefixes: set[IPv4Network] = set(objs.values())
        self.by_iface_vrf: dict[tuple[str, str], list[Any]] = defaultdict(list)
        self.aggregates: dict[SpeakerKey, list[IPv4Network]] = {}
        for name, node in snap.nodes.items():
            for iface in node.interfaces.values():
                self.by_iface_vrf[(name, iface.vrf)].append(iface)
                for a in iface.addresses:
                    prefixes.add(a.network)
                    prefixes.add(IPv4Network((int(a.ip), 32)))
            for sr in node.static_routes:
                prefixes.add(sr.network)
            if node.bgp is not None:
                prefixes.update(n.prefix for n in node.bgp.networks)
                prefixes.update(a.prefix for a in node.bgp.aggregates)
                if node.bgp.aggregates:
                    self.aggregates[(name, node.bgp.vrf)] = [a.prefix for a in node.bgp.aggregates]
        self.universe = Universe(prefixes)
        self.nh_users = st.bgp.state.nh_users  # speaker -> next hop -> prefixes, every round
        self.links = configured_links(snap, st.ip_owners)
        self.carriers = Carriers(snap, self.links)
        self.links_into: dict[SpeakerKey, list[int]] = defaultdict(list)
        for i, ln in enumerate(self.links):
            self.links_into[ln.receiver].append(i)
        # session reachability records, by (initiator node, node owning the destination)
        self.reach: dict[tuple[str, str], list[tuple[Any, frozenset[Any]]]] = defaultdict(list)
        for records, _tracer in (st.sessions_first, st.sessions_last):
            for key, (_ok, reads) in records.items():
                for owner, _i in st.ip_owners.get(key[3], frozenset()):
                    self.reach[(key[0], owner)].append((key, reads))
        self.neighbours: dict[IfaceKey, set[IfaceKey]] = defaultdict(set)
        for e in self.base.edges:
            self.neighbours[(e.node1, e.interface1)].add((e.node2, e.interface2))
        domain = st.ctx.ospf
        self.ospf_procs: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for key in domain.procs:
            self.ospf_procs[(key[0], key[1])].append(key)
        self.graph: dict[Any, list[Any]] = defaultdict(list)
        self.rgraph: dict[Any, list[Any]] = defaultdict(list)
        for adj in domain.adjacencies:
            self.graph[adj.src].append(adj)
            self.rgraph[adj.dst].append(adj)
        self.adverts: dict[IPv4Network, list[tuple[Any, int, str]]] = defaultdict(list)
        from validator.engine.ospf import _advertised_prefixes

        for key, ois in domain.ifaces.items():
            for oi in ois:
                for p in _advertised_prefixes(oi):
                    self.adverts[p].append((key, oi.cost, oi.iface.name))
        self._dist: dict[IPv4Network, dict[Any, int]] = {}
        self.asbrs = sorted(k for k, proc in domain.procs.items() if proc.redistributions)
        self._dist_asbr: dict[Any, dict[Any, int]] = {}
        self._ospf_seen_asbr: dict[Any, set[Any]] = defaultdict(set)
        self._ospf_seen: dict[IPv4Network, set[Any]] = defaultdict(set)

    # -- queries --

    def fib(self, node: str, vrf: str, spans: Iterable[Span]) -> None:
        self.work.append(("fib", node, vrf, tuple(spans)))

    def run(self) -> Relevance:
        while self.work:
            item = self.work.pop()
            kind = item[0]
            if kind == "fib":
                self._do_fib(item[1], item[2], item[3])
            elif kind == "route":
                self._do_route(item[1], item[2], item[3])
            elif kind == "bgp":
                self._do_bgp(item[1], item[2])
        # a failed parent takes its subinterfaces down (topology.without_unbound): it is relevant too
        return Relevance(frozenset(self.nodes), frozenset(self.ifaces | bound_to(self.snapshot, self.ifaces)))

    def _do_fib(self, node: str, vrf: str, spans: tuple[Span, ...]) -> None:
        done = self._fib_done[(node, vrf)]
        self.nodes.add(node)
        for lo, hi in spans:
            if any(a <= lo and hi <= b for a, b in done):
                continue
            done.append((lo, hi))
            for p in self.universe.overlapping(lo, hi):
                self._route(node, vrf, p)

    def _route(self, node: str, vrf: str, p: IPv4Network) -> None:
        key = (node, vrf, p)
        if key not in self._route_done:
            self._route_done.add(key)
            self.work.append(("route", node, vrf, p))

    def _addr(self, node: str, vrf: str, ip: IPv4Address) -> None:
        a = int(ip)
        self.work.append(("fib", node, vrf, ((a, a),)))

    def _do_route(self, node: str, vrf: str, p: IPv4Network) -> None:
        snap_node = self.snapshot.nodes.get(node)
        if snap_node is None:
            return
        for iface in self.by_iface_vrf.get((node, vrf), ()):  # its connected and local routes
            for a in iface.addresses:
                if a.network == p or (p.prefixlen == 32 and a.ip == p.network_address):
                    self.ifaces.add((node, iface.name))
        for sr in snap_node.static_routes:
            if sr.vrf != vrf or sr.network != p:
                continue
            if sr.next_hop_interface is not None:
                self.ifaces.add((node, sr.next_hop_interface))
            if sr.next_hop_ip is not None:
                self._addr(node, vrf, sr.next_hop_ip)
        rib = self.st.merged.get(node, {}).get(vrf)  # the base's main RIB (equal to base.ribs)
        for r in rib.by_prefix.get(p, ()) if rib is not None else ():
            if r.next_hop.interface is not None:
                self.ifaces.add((node, r.next_hop.interface))
            if r.next_hop.ip is not None:
                self._addr(node, vrf, r.next_hop.ip)
        for key in self.ospf_procs.get((node, vrf), ()):
            self._ospf(key, p)
        sp = (node, vrf)
        if snap_node.bgp is not None and (sp, p) not in self._bgp_done:
            self._bgp_done.add((sp, p))
            self.work.append(("bgp", sp, p))

    def _do_bgp(self, sp: SpeakerKey, p: IPv4Network) -> None:
        node, vrf = sp
        self.nodes.add(node)
        key = (node, vrf, p)
        if key not in self._route_done:
            self._route_done.add(key)
            self.work.append(("route", node, vrf, p))
        for nh, users in self.nh_users.get(sp, {}).items():  # every candidate's, in every round
            if p in users:
                self._addr(node, vrf, nh)
        for agg in self.aggregates.get(sp, ()):
            # an aggregate is active when a more specific is in the speaker's BGP RIB, and
            # (summary-only) suppresses the more specifics it covers: both ways, one group
            if agg == p:
                lo, hi = int(p.network_address), int(p.broadcast_address)
                for q in self.universe.overlapping(lo, hi):
                    if q.prefixlen > p.prefixlen:
                        self._bgp(sp, q)
            elif p.prefixlen > agg.prefixlen and p.subnet_of(agg):
                self._bgp(sp, agg)
        carrying = self.carriers.carrying(p)
        for i in self.links_into.get(sp, ()):
            if i not in carrying:
                continue
            ln = self.links[i]
            self._session(i, ln)
            self._bgp(ln.sender, p)

    def _bgp(self, sp: SpeakerKey, p: IPv4Network) -> None:
        if (sp, p) not in self._bgp_done:
            self._bgp_done.add((sp, p))
            self.work.append(("bgp", sp, p))

    def _session(self, i: int, ln: Link) -> None:
        if i in self._links_done:
            return
        self._links_done.add(i)
        from validator.engine.bgp_sessions import static_local_ip

        a, b = ln.sender[0], ln.receiver[0]
        self.nodes.update((a, b))
        owners = self.st.ip_owners
        for node, nb in ((a, ln.send_nb), (b, ln.recv_nb)):
            if nb.peer_ip is None:
                continue
            self.ifaces.update(owners.get(nb.peer_ip, frozenset()))
            if static_local_ip(self.snapshot.nodes[node], nb) is None:
                # bgp._fib_local_ips: the FIB's answer for the peer picks the local addresses
                self._addr(node, nb.vrf, nb.peer_ip)
        for x, y in ((a, b), (b, a)):
            for key, reads in self.reach.get((x, y), ()):
                self.ifaces.update(owners.get(key[2], frozenset()))
                self.ifaces.update(owners.get(key[3], frozenset()))
                for rd in reads:
                    self._read(rd)

    def _read(self, rd: tuple[Any, ...]) -> None:
        if rd in self._reads_done:
            return
        self._reads_done.add(rd)
        kind = rd[0]
        if kind == "L":
            self.work.append(("fib", rd[1], rd[2], ((rd[3], rd[3]),)))
        elif kind == "A":
            ip = IPv4Address(rd[3])
            self.nodes.add(rd[1])
            self.ifaces.update(k for k in self.st.ip_owners.get(ip, frozenset()) if k[0] == rd[1])
        elif kind == "N":
            self.neighbourhood(rd[1], rd[2])
        elif kind == "R":
            self.ifaces.add((rd[1], rd[2]))
            iface = self.snapshot.nodes[rd[1]].interfaces.get(rd[2])
            vrf = iface.vrf if iface is not None else "default"
            self.work.append(("fib", rd[1], vrf, ((rd[3], rd[3]),)))

    def neighbourhood(self, node: str, iface: str) -> None:
        self.ifaces.add((node, iface))
        for nb in self.neighbours.get((node, iface), ()):
            self.ifaces.add(nb)
            self.nodes.add(nb[0])

    # -- OSPF --

    def _ospf(self, key: Any, p: IPv4Network) -> None:
        for asbr in self.asbrs:
            # an external route for p: every redistributing router's own route for p decides
            # whether (and with which metric) it exists, the shortest paths to it how it is reached
            dist = self._dist_asbr.get(asbr)
            if dist is None:
                dist = self._reverse_dijkstra([(asbr, 0, "")])
                self._dist_asbr[asbr] = dist
            if key in dist:
                self._route(asbr[0], asbr[1], p)
                self._walk(key, dist, self._ospf_seen_asbr[asbr], ())
        advs = self.adverts.get(p)
        if not advs:
            return
        dist = self._dist.get(p)
        if dist is None:
            dist = self._reverse_dijkstra(advs)
            self._dist[p] = dist
        if key in dist:
            self._walk(key, dist, self._ospf_seen[p], advs)

    def _walk(self, key: Any, dist: dict[Any, int], seen: set[Any], advs: Iterable[tuple[Any, int, str]]) -> None:
        """Every adjacency on a shortest path from ``key`` (towards whatever ``dist`` measures)."""
        stack = [key]
        while stack:
            u = stack.pop()
            if u in seen:
                continue
            seen.add(u)
            du = dist[u]
            for adv, cost, iname in advs:  # u advertises p itself at the shortest distance
                if adv == u and cost == du:
                    self.ifaces.add((u[0], iname))
            for adj in self.graph.get(u, ()):
                dv = dist.get(adj.dst)
                if dv is not None and du == adj.cost + dv:
                    self.ifaces.add((u[0], adj.iface))
                    for nb in self.st.ip_owners.get(adj.nbr_ip, frozenset()):
                        if nb[0] == adj.dst[0]:
                            self.ifaces.add(nb)
                    self.nodes.add(adj.dst[0])
                    stack.append(adj.dst)

    def _reverse_dijkstra(self, advs: list[tuple[Any, int, str]]) -> dict[Any, int]:
        dist: dict[Any, int] = {}
        heap: list[tuple[int, int, Any]] = []
        tie = 0
        for key, cost, _ in advs:
            if cost < dist.get(key, 1 << 62):
                dist[key] = cost
                heapq.heappush(heap, (cost, tie, key))
                tie += 1
        done: set[Any] = set()
        while heap:
            d, _t, v = heapq.heappop(heap)
            if v in done:
                continue
            done.add(v)
            for adj in self.rgraph.get(v, ()):
                nd = d + adj.cost
                if nd < dist.get(adj.src, 1 << 62):
                    dist[adj.src] = nd
                    heapq.heappush(heap, (nd, tie, adj.src))
                    tie += 1
        return dist


# --- when the argument holds ------------------------------------------------------------------------


def _router_ids_may_collide(snap: Any, edges: Iterable[Any]) -> bool:
    """Two layer-3 neighbours whose OSPF router ids could ever be equal (``ospf._compatible``
    refuses the adjacency then). A derived id follows the node's active interfaces, so a failure
    could create or end such a collision; its candidates are every address of the node."""
    cands: dict[str, set[IPv4Address]] = {}
    for name, node in snap.nodes.items():
        ids: set[IPv4Address] = set()
        for proc in node.ospf:
            if proc.router_id is not None:
                ids.add(proc.router_id)
            else:
                ids.update(a.ip for i in node.interfaces.values() for a in i.addresses)
        if ids:
            cands[name] = ids
    for e in edges:
        a, b = cands.get(e.node1), cands.get(e.node2)
        if a and b and e.node1 != e.node2 and a & b:
            return True
    return False


def unsupported_reason(base: DataPlane, st: Any) -> str | None:
    """Why the closure's argument may not hold for this base (None: it holds)."""
    from validator.engine.undecided import has_partial_objects

    snap = base.snapshot
    if st is None:
        return "the incremental engine's rules do not hold for this snapshot"
    if not base.converged or not st.converged:
        return "the base data plane did not converge"
    if st.topology_first.edge_keys() != st.topology.edge_keys():
        return "the BGP topology needed a refinement"
    if snap.bgp_announcements or st.externals:
        return "external BGP announcements"
    if has_partial_objects(snap):
        return "partial (unparsed) configuration objects"
    for node in snap.nodes.values():
        if node.vendor not in _VENDORS:
            return f"vendor {node.vendor}"
        if node.admin_distances:
            return "vendor route preferences"
        if node.bgp is not None and any(nb.default_originate for nb in node.bgp.neighbors):
            return "BGP default-originate"
        for proc in node.ospf:
            if getattr(proc, "default_information_originate", False):
                return "OSPF default-information originate"
    if _router_ids_may_collide(snap, base.edges):
        return "OSPF router ids derived from interfaces may collide between neighbours"
    domain = st.ctx.ospf
    areas: dict[Any, set[int]] = defaultdict(set)
    for key, ois in domain.ifaces.items():
        for oi in ois:
            areas[key].add(oi.area)
    if any(len(a) > 1 for a in areas.values()):
        return "OSPF area border routers"
    for vrfs in base.ribs.values():
        for routes in vrfs.values():
            for r in routes:
                if r.protocol not in _KNOWN_PROTOCOLS:
                    return f"{r.protocol} routes"
    return None


def closure(base: DataPlane) -> Closure | Relevance:
    """A closure builder for ``base``, or ``everything`` with the reason pruning is off."""
    from validator.engine.incremental import base_state

    st = base_state(base)
    reason = unsupported_reason(base, st)
    if reason is not None:
        return everything(reason)
    return Closure(base, st)
