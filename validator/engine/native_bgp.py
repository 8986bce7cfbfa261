"""BGP for the native core: the feature check, the serialised BGP configuration, and the
topology loop of ``engine/dataplane.py`` with the native core doing the routing.

Python keeps the BGP session topology (``bgp.compute_bgp_topology``, so the sessions, their order and
fields are the reference's); each session's reachability over the current FIBs is decided by the
core's walk (``core/src/session.rs``) where every interface on the way is plain (no ACL, zone or
unparsed line), else by the real flow tracer as ``dataplane.bgp_topology`` does. The core runs
``run_bgp`` with its IGP fixed points in between. Whatever the core does not port (redistribution into BGP,
external announcements, default-originate, add-path, route-maps matching ACLs, community or
as-path lists) is named by :func:`bgp_unsupported`, which sends the whole snapshot to Python.
A run that does not converge is not answered natively either: the Python engine then computes it
and names what oscillates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from ipaddress import IPv4Address
from typing import Any

from validator.engine.bgp import speakers
from validator.engine.bgp_sessions import BgpTopology, bgp_router_id, compute_bgp_topology, static_local_ip
from validator.engine.types import DataPlane, FailureSet
from validator.model.config import (
    Interface,
    MatchIpAddress,
    MatchPrefixList,
    MatchTag,
    Node,
    SetAsPathPrepend,
    SetCommunity,
    SetLocalPreference,
    SetMetric,
    SetNextHop,
    SetOrigin,
    SetTag,
    SetWeight,
)
from validator.model.dataplane import Edge
from validator.model.snapshot import Snapshot

_ORIGIN = {"igp": 0, "egp": 1, "incomplete": 2}
_SUPPORTED_SETS = (
    SetLocalPreference,
    SetMetric,
    SetCommunity,
    SetNextHop,
    SetWeight,
    SetAsPathPrepend,
    SetOrigin,
    SetTag,
)
NONE, UNDEFINED = -2, -1  # policy reference codes shared with core/src/lib.rs


def _route_map_unsupported(node: Node) -> list[str]:
    out: list[str] = []
    for rm in node.route_maps.values():
        for clause in rm.clauses:
            for m in clause.matches:
                if isinstance(m, MatchPrefixList | MatchTag):
                    continue
                if isinstance(m, MatchIpAddress) and not any(a in node.acls for a in m.acls):
                    continue  # all-undefined `match ip address` is dropped (routing_policy.py)
                out.append(f"{node.name}: route-map {rm.name} matches {type(m).__name__}")
            for s in clause.sets:
                if not isinstance(s, _SUPPORTED_SETS) or (isinstance(s, SetOrigin) and s.origin not in _ORIGIN):
                    out.append(f"{node.name}: route-map {rm.name} sets {type(s).__name__}")
    return out


def bgp_unsupported(snapshot: Snapshot) -> list[str]:
    """The BGP features of this snapshot the native core does not port (empty = all ported)."""
    reasons: list[str] = []
    if snapshot.bgp_announcements:
        reasons.append("external BGP announcements")
    for name, node in snapshot.nodes.items():
        proc = node.bgp
        if proc is None:
            continue
        if proc.redistributions:
            reasons.append(f"{name}: redistribution into BGP")
        # the core uses IOS's 20/200 and always advertises the best path, active or not
        if (proc.ebgp_admin, proc.ibgp_admin) != (20, 200):
            reasons.append(f"{name}: BGP distance {proc.ebgp_admin}/{proc.ibgp_admin}")
        for nb in proc.neighbors:
            if not nb.advertise_inactive:
                reasons.append(f"{name}: neighbor without advertise-inactive")
            if nb.default_originate:
                reasons.append(f"{name}: neighbor default-originate")
            if nb.additional_paths_send or nb.additional_paths_receive or nb.additional_paths_select_all:
                reasons.append(f"{name}: BGP additional-paths")
        reasons += _route_map_unsupported(node)
    return reasons


def _ref(name: str | None, index: dict[str, int]) -> int:
    if name is None:
        return NONE
    return index.get(name, UNDEFINED)


def _clause(node: Node, clause: Any, lists: dict[str, int]) -> tuple[Any, ...]:
    matches: list[tuple[int, list[int]]] = []
    for m in clause.matches:
        if isinstance(m, MatchPrefixList):
            matches.append((0, [lists[p] for p in m.prefix_lists if p in lists]))
        elif isinstance(m, MatchTag):
            matches.append((1, list(m.tags)))
    sets: list[tuple[int, int, list[int], bool]] = []
    for s in clause.sets:
        if isinstance(s, SetLocalPreference):
            sets.append((0, s.value, [], False))
        elif isinstance(s, SetMetric):
            sets.append((1, s.value, [], False))
        elif isinstance(s, SetCommunity):
            sets.append((2, 0, [(c.high << 16) | c.low for c in s.communities], s.additive))
        elif isinstance(s, SetNextHop):
            if s.ip is not None:
                sets.append((3, int(s.ip), [], False))
        elif isinstance(s, SetWeight):
            sets.append((4, s.value, [], False))
        elif isinstance(s, SetAsPathPrepend):
            sets.append((5, 0, list(s.asns), False))
        elif isinstance(s, SetOrigin):
            sets.append((6, _ORIGIN[s.origin], [], False))
        elif isinstance(s, SetTag):
            sets.append((7, s.value, [], False))
    return (clause.seq, clause.action == "permit", matches, sets, clause.continue_seq)


class BgpInput:
    """The BGP configuration as the core's Engine takes it, with the indices to map topology back."""

    def __init__(self, snapshot: Snapshot, node_index: dict[str, int], intern: Callable[[str], int]) -> None:
        self.nodes: list[tuple[Any, ...] | None] = []
        self.nbrs: list[tuple[Any, ...]] = []
        self.nbr_index: dict[int, int] = {}  # id(neighbor object) -> index
        for node in snapshot.nodes.values():
            proc = node.bgp
            if proc is None:
                self.nodes.append(None)
                continue
            maps = {name: i for i, name in enumerate(node.route_maps)}
            lists = {name: i for i, name in enumerate(node.prefix_lists)}
            compiled_maps = [
                [_clause(node, c, lists) for c in sorted(rm.clauses, key=lambda c: c.seq)]
                for rm in node.route_maps.values()
            ]
            compiled_lists = [
                [
                    (int(ln.prefix.network_address), ln.prefix.prefixlen, ln.min_len, ln.max_len, ln.action == "permit")
                    for ln in pl.lines
                ]
                for pl in node.prefix_lists.values()
            ]
            networks = [
                (int(n.prefix.network_address), n.prefix.prefixlen, _ref(n.route_map, maps)) for n in proc.networks
            ]
            # bgp.py _aggregate_routes visits them longest first (a stable sort)
            aggregates = [
                (int(a.prefix.network_address), a.prefix.prefixlen, a.summary_only)
                for a in sorted(proc.aggregates, key=lambda a: -a.prefix.prefixlen)
            ]
            self.nodes.append(
                (
                    proc.local_as,
                    int(bgp_router_id(node)),
                    int(proc.cluster_id) if proc.cluster_id is not None else None,
                    proc.client_to_client_reflection,
                    proc.max_paths_ebgp,
                    proc.max_paths_ibgp,
                    proc.multipath_relax,
                    intern(proc.vrf),
                    networks,
                    aggregates,
                    compiled_maps,
                    compiled_lists,
                )
            )
            for nb in proc.neighbors:
                self.nbr_index[id(nb)] = len(self.nbrs)
                self.nbrs.append(
                    (
                        nb.route_reflector_client,
                        nb.send_community,
                        nb.next_hop_self,
                        nb.allowas_in,
                        _ref(nb.route_map_in, maps),
                        _ref(nb.route_map_out, maps),
                        _ref(nb.prefix_list_in, lists),
                        _ref(nb.prefix_list_out, lists),
                    )
                )
        spk = speakers(snapshot)
        self.speaker_index = {k: i for i, k in enumerate(spk)}
        self.speakers = [(node_index[n], intern(v)) for n, v in spk]

    def edges(self, topology: BgpTopology) -> list[tuple[Any, ...]]:
        """The session edges in topology order (run_bgp's per-sender order follows it)."""
        out: list[tuple[Any, ...]] = []
        for e in topology.edges:
            s, r = e.sender, e.receiver
            out.append(
                (
                    self.speaker_index[(s.node, s.vrf)],
                    self.speaker_index[(r.node, r.vrf)],
                    self.nbr_index[id(s.neighbor)],
                    self.nbr_index[id(r.neighbor)],
                    int(s.local_ip),
                    s.local_as,
                    int(s.router_id),
                    int(r.router_id),
                    r.local_as,
                    e.ibgp,
                )
            )
        return out


TopologyFn = Callable[[Any], BgpTopology]  # FIBs -> the BGP topology over them


def _plain(iface: Interface) -> bool:
    """Nothing on this interface the core's session walk does not model (core/src/session.rs):
    no ACL in or out (defined or not), no security zone, no line the parser could not read."""
    return iface.acl_in is None and iface.acl_out is None and iface.security_zone is None and not iface.unparsed


def session_net(
    snapshot: Snapshot,
    active: frozenset[tuple[str, str]],
    edges: Iterable[Edge],
    node_index: dict[str, int],
    intern: Callable[[str], int],
) -> tuple[list[list[tuple[Any, ...]]], list[tuple[int, int, int, int]]]:
    """The interfaces and layer-3 edges the core's session walk traces over (Engine.set_session_net)."""
    nodes = [
        [
            (
                intern(iface.name),
                intern(iface.vrf),
                (name, iface.name) in active,
                _plain(iface),
                iface.proxy_arp,
                [int(a.ip) for a in iface.addresses],
            )
            for iface in node.interfaces.values()
        ]
        for name, node in snapshot.nodes.items()
    ]
    links = [(node_index[e.node1], intern(e.interface1), node_index[e.node2], intern(e.interface2)) for e in edges]
    return nodes, links


def session_topology(
    engine: Any,
    ctx: Any,
    failures: FailureSet,
    node_index: dict[str, int],
    intern: Callable[[str], int],
    compute: Callable[..., BgpTopology] | None = None,
) -> TopologyFn:
    """dataplane.bgp_topology over the engine's current FIBs, each session's reachability decided by
    the core's walk where it models everything on the way, else by the Python tracer
    (dataplane._session_reachable, built only when some session needs it). compute_bgp_topology
    itself stays Python, so the sessions, their order and their fields are the reference's;
    ``compute`` may stand for it (a failure scenario's precomputed plan, equal to it)."""
    compute_topology = compute_bgp_topology if compute is None else compute
    from validator.engine import dataplane  # dataplane imports native, which imports this module
    from validator.engine.traceroute import Tracer

    walk = callable(getattr(engine, "session_reachable", None))  # an older build: Python traces all
    if walk:
        ifaces, links = session_net(ctx.snapshot, ctx.active, ctx.edges, node_index, intern)
        engine.set_session_net(ifaces, links)
    vrf_ids: dict[str, int] = dict(getattr(intern, "ids", {}))
    # Between topology rounds: compute_bgp_topology is a function of the snapshot, the active
    # interfaces, the IP owners (fixed here) and of the FIBs, which it reads through `reachable`
    # alone when every initiating neighbour has a statically known local IP (else
    # _fib_local_ips looks the peer up in the FIB). Its queries follow from the answers so far, so
    # when each query of the previous round gets the same answer again, the result is the
    # previous round's: the queries are replayed (cheap) and the topology reused.
    replayable = all(
        static_local_ip(node, nb) is not None
        for node in ctx.snapshot.nodes.values()
        if node.bgp is not None
        for nb in node.bgp.neighbors
        if nb.peer_ip is not None
    )
    Query = tuple[str, str, IPv4Address, IPv4Address, bool]
    previous: list[tuple[list[tuple[Query, bool]], BgpTopology]] = []

    def topology_of(fibs: Any) -> BgpTopology:
        tracer: list[Tracer] = []

        def python_reachable(node: str, vrf: str, src: IPv4Address, dst: IPv4Address, single_hop: bool) -> bool:
            if not tracer:
                interim = DataPlane(
                    snapshot=ctx.snapshot,
                    failures=failures,
                    active_interfaces=ctx.active,
                    edges=ctx.edges,
                    ribs={},
                    fibs=fibs,
                    ip_owners=ctx.ip_owners,
                )
                tracer.append(Tracer(interim))
            return dataplane._session_reachable(tracer[0], node, vrf, src, dst, single_hop)

        def reachable(node: str, vrf: str, src: IPv4Address, dst: IPv4Address, single_hop: bool) -> bool:
            v = vrf_ids.get(vrf)
            if walk and v is not None:
                up: bool | None = engine.session_reachable(node_index[node], v, int(src), int(dst), single_hop)
                if up is not None:
                    return up
            return python_reachable(node, vrf, src, dst, single_hop)

        if replayable and previous:
            asked, topology = previous[0]
            if all(reachable(*query) == answer for query, answer in asked):
                return topology
        asked = []

        def recorded(node: str, vrf: str, src: IPv4Address, dst: IPv4Address, single_hop: bool) -> bool:
            answer = reachable(node, vrf, src, dst, single_hop)
            asked.append(((node, vrf, src, dst, single_hop), answer))
            return answer

        topology = compute_topology(ctx.snapshot, ctx.active, ctx.ip_owners, fibs, recorded)
        previous[:] = [(asked, topology)]
        return topology

    return topology_of


ConvertFn = Callable[[list[Any]], tuple[Any, Any]]  # core output -> (ribs, fibs)


def run_topology_loop(
    engine: Any, bgp: BgpInput, topology_of: TopologyFn, convert: ConvertFn, max_iterations: int
) -> tuple[Any, Any, BgpTopology] | None:
    """dataplane.py compute_dataplane's loop; None when anything failed to converge (the caller
    then lets the Python engine compute and explain it)."""
    _ribs, fibs = convert(engine.igp())
    topology = topology_of(fibs)
    # a round's tables are dropped before the next run_bgp: kept, they add a whole data plane to
    # the peak (~250 MB at 510 routers with the native core's tables)
    del _ribs, fibs
    for _ in range(max_iterations):
        out, converged = engine.run_bgp(bgp.edges(topology))
        if not converged or engine.unstable():
            return None
        ribs, fibs = convert(out)
        del out
        new_topology = topology_of(fibs)
        stable = new_topology.edge_keys() == topology.edge_keys()
        topology = new_topology
        if stable:
            return ribs, fibs, topology
        del ribs, fibs
    return None
