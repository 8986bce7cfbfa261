"""What each device announces to its BGP peers outside the snapshot, from the converged data plane.

An *external peer* is a configured, active BGP neighbour whose address no snapshot device owns
(an ISP, a transit provider, a customer, a cloud gateway). Batfish does not establish such
sessions without ISP modelling, but what would cross them is exactly what its
``testRoutePolicies`` computes: each best path of the device's BGP RIB through the same export
transformation an established session applies (engine/bgp.py ``export_route``: route-map or
prefix-list out, eBGP AS prepend and next-hop self, MED reset for learned routes, communities
stripped unless ``send-community``, which IOS leaves off by default), plus ``default-originate``.

The deciding route-map clause (or prefix-list line) is kept with every announcement so findings
and the differential can name the line that lets a route through.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from validator.engine.bgp import DEFAULT_ORIGINATE, BgpRoute, SpeakerRib, export_route, import_route
from validator.engine.bgp_sessions import PeerEnd, SessionEdge, bgp_router_id, static_local_ip
from validator.engine.routing_policy import PolicyRoute, apply_route_map_traced
from validator.engine.types import DataPlane
from validator.errors import EngineError
from validator.model.config import BgpNeighbor, Node, RouteMapClause
from validator.model.source import SourceRef


@dataclass(frozen=True)
class ExternalPeer:
    """One neighbour statement of ``node`` towards an address outside the snapshot."""

    node: str
    vrf: str
    neighbor: BgpNeighbor
    local_as: int
    local_ip: IPv4Address | None  # statically known session source (update-source / connected subnet)

    @property
    def peer_ip(self) -> IPv4Address:
        """The peer's address (a ``bgp listen range`` peer: the range's network address)."""
        if self.neighbor.peer_ip is not None:
            return self.neighbor.peer_ip
        assert self.neighbor.peer_prefix is not None
        return self.neighbor.peer_prefix.network_address

    @property
    def dynamic(self) -> bool:
        """A ``bgp listen range`` neighbour: any address of the range may connect."""
        return self.neighbor.peer_ip is None

    @property
    def address(self) -> str:
        return str(self.neighbor.peer_ip if self.neighbor.peer_ip is not None else self.neighbor.peer_prefix)

    @property
    def remote_as(self) -> int:
        assert self.neighbor.remote_as is not None
        return self.neighbor.remote_as

    @property
    def label(self) -> str:
        return f"{self.node}[{self.address}]"

    @property
    def ibgp(self) -> bool:
        return self.remote_as == self.local_as


@dataclass(frozen=True)
class Announcement:
    """A route ``peer`` receives, as sent, with where it comes from and what let it through."""

    peer: ExternalPeer
    route: BgpRoute  # as exported (next hop, AS path, communities rewritten)
    clauses: tuple[RouteMapClause, ...]  # the export route-map clauses that matched
    line: SourceRef | None  # the deciding clause / prefix-list line / default-originate; None = no filter
    origin: tuple[SourceRef, ...] = ()  # the network/aggregate/redistribute statement of a local route

    @property
    def network(self) -> IPv4Network:
        return self.route.network


def external_peers(dp: DataPlane, dynamic: bool = False) -> list[ExternalPeer]:
    """Active neighbours (with a remote AS, not shut down) whose address no snapshot device owns;
    with ``dynamic`` also ``bgp listen range`` neighbours (their policies can be searched, but
    what they are sent is not computed: no session address is known)."""
    out: list[ExternalPeer] = []
    for name in sorted(dp.snapshot.nodes):
        node = dp.snapshot.nodes[name]
        proc = node.bgp
        if proc is None:
            continue
        for nb in proc.neighbors:
            if nb.remote_as is None or not nb.active or nb.shutdown:
                continue
            local_as = nb.local_as if nb.local_as is not None else proc.local_as
            if nb.peer_ip is None:
                if dynamic and nb.peer_prefix is not None:
                    out.append(ExternalPeer(name, nb.vrf, nb, local_as, None))
                continue
            if nb.peer_ip in dp.ip_owners:
                continue
            out.append(ExternalPeer(name, nb.vrf, nb, local_as, static_local_ip(node, nb)))
    return out


def bgp_ribs(dp: DataPlane) -> dict[tuple[str, str], SpeakerRib]:
    """The per-speaker BGP RIBs of ``dp``: kept by the reference engine, recomputed with it for a
    data plane from another engine (the incremental engine is tested equal to it)."""
    if dp.bgp_ribs is not None:
        return dp.bgp_ribs
    # the Python reference, not compute_dataplane: the native core (engine/native.py) keeps no
    # BGP RIBs either, and an empty answer here would be "nothing is announced" (a silent pass)
    from validator.engine.dataplane import compute_dataplane_python

    ref = compute_dataplane_python(dp.snapshot, dp.failures)
    if ref.bgp_ribs is None:
        raise EngineError("the reference engine kept no BGP RIBs")
    dp.bgp_ribs = ref.bgp_ribs
    return dp.bgp_ribs


def _edge(node: Node, peer: ExternalPeer) -> SessionEdge:
    local_ip = peer.local_ip if peer.local_ip is not None else IPv4Address(0)
    me = PeerEnd(peer.node, peer.vrf, peer.neighbor, local_ip, peer.peer_ip, peer.local_as, bgp_router_id(node))
    stub = BgpNeighbor(source=peer.neighbor.source, peer_ip=local_ip, remote_as=peer.local_as, vrf=peer.vrf)
    them = PeerEnd("(external)", peer.vrf, stub, peer.peer_ip, local_ip, peer.remote_as, peer.peer_ip)
    return SessionEdge(me, them, peer.ibgp, False)


def export_decision(
    node: Node, peer: ExternalPeer, route: BgpRoute
) -> tuple[BgpRoute | None, tuple[RouteMapClause, ...], SourceRef | None]:
    """The route as ``peer`` would receive it (None: not announced), the matched clauses and the
    deciding line. The transformation is engine/bgp.py's; the trace only explains it."""
    proc = node.bgp
    assert proc is not None
    sent = export_route(node, proc, _edge(node, peer), route)
    nb = peer.neighbor
    clauses: tuple[RouteMapClause, ...] = ()
    line: SourceRef | None = None
    if nb.route_map_out is not None:
        rm = node.route_maps.get(nb.route_map_out)
        if rm is not None:
            pr = PolicyRoute(
                network=route.network,
                protocol=route.src_protocol or route.protocol,  # as engine/bgp.py _to_policy (review #2)
                metric=route.med,
                tag=route.tag,
                local_pref=route.local_pref,
                weight=route.weight,
                communities=route.communities,
                as_path=route.as_path,
                origin=route.origin,
                next_hop_ip=route.next_hop_ip,
            )
            _, clauses = apply_route_map_traced(node, rm, pr)
            line = clauses[-1].source if clauses else None  # None: no clause matched (implicit deny)
    elif nb.prefix_list_out is not None:
        pl = node.prefix_lists.get(nb.prefix_list_out)
        if pl is not None:
            line = next(
                (ln.source for ln in pl.lines if _in_line(ln.prefix, ln.min_len, ln.max_len, route.network)), None
            )
    return sent, clauses, line


def _in_line(prefix: IPv4Network, lo: int, hi: int, net: IPv4Network) -> bool:
    mask = (0xFFFFFFFF << (32 - prefix.prefixlen)) & 0xFFFFFFFF if prefix.prefixlen else 0
    return (int(net.network_address) & mask) == int(prefix.network_address) and lo <= net.prefixlen <= hi


def origin_lines(node: Node, route: BgpRoute) -> tuple[SourceRef, ...]:
    """The statements that put a locally originated route into BGP (network, aggregate, redistribute)."""
    proc = node.bgp
    if proc is None:
        return ()
    if route.protocol == "aggregate":
        return tuple(a.source for a in proc.aggregates if a.prefix == route.network)
    if route.protocol != "local":
        return ()
    nets = tuple(n.source for n in proc.networks if n.prefix == route.network)
    return nets or tuple(r.source for r in proc.redistributions)


def neighbor_line(dp: DataPlane, node: Node, nb: BgpNeighbor, keyword: str, last: str = "") -> SourceRef | None:
    """The config line ``neighbor PEER|GROUP KEYWORD ... [LAST]`` that set a neighbour option (the
    model keeps only the neighbour's first line): what a finding should point at."""
    text = dp.snapshot.files.get(node.file)
    if text is None:
        return None
    names = {str(nb.peer_ip), (nb.peer_group or "").lower()} - {"", "None"}
    for i, raw in enumerate(text.splitlines(), start=1):
        words = raw.split()
        if (
            len(words) >= 3
            and words[0] == "neighbor"
            and words[1].lower() in names
            and words[2] == keyword
            and (not last or words[-1] == last)
        ):
            return SourceRef(node.file, i)
    return None


def announcements(dp: DataPlane) -> dict[str, list[Announcement]]:
    """Per external peer (``node[peer ip]``), the routes it is sent, sorted by prefix."""
    peers = external_peers(dp)
    if not peers:
        return {}  # nothing to export to: no need for the BGP RIBs
    ribs = bgp_ribs(dp)
    out: dict[str, list[Announcement]] = {}
    for peer in peers:
        node = dp.snapshot.nodes[peer.node]
        srib = ribs.get((peer.node, peer.vrf), SpeakerRib())
        sent: list[Announcement] = []
        if peer.neighbor.default_originate:
            proc = node.bgp
            assert proc is not None
            ex = export_route(node, proc, _edge(node, peer), DEFAULT_ORIGINATE, bypass_policy=True)
            if ex is not None:
                where = neighbor_line(dp, node, peer.neighbor, "default-originate") or peer.neighbor.source
                sent.append(Announcement(peer, ex, (), where))
        for net in sorted(srib.best, key=lambda n: (int(n.network_address), n.prefixlen)):
            best = srib.best[net]
            ex, clauses, line = export_decision(node, peer, best)
            if ex is None or any(a.network == net for a in sent):
                continue
            sent.append(Announcement(peer, ex, clauses, line, origin_lines(node, best)))
        out[peer.label] = sent
    return out


@dataclass(frozen=True)
class Received:
    """An announcement of the snapshot's ``external_bgp_announcements.json`` from an external
    peer, with the import decision (``accepted`` None: refused) and the deciding line."""

    peer: ExternalPeer
    announced: BgpRoute  # as the peer sent it
    accepted: BgpRoute | None  # after the import policy
    line: SourceRef | None


def received(dp: DataPlane) -> dict[str, list[Received]]:
    """Per external peer, the snapshot's announcements from it and what the import policy does
    with each (engine/bgp.py ``import_route``: loop check, route-map in, else prefix-list in)."""
    peers = {(p.node, p.vrf, p.peer_ip): p for p in external_peers(dp)}
    out: dict[str, list[Received]] = {}
    for ann in dp.snapshot.bgp_announcements:
        peer = peers.get((ann.dst_node.lower(), ann.dst_vrf, ann.src_ip))
        if peer is None:
            continue
        node = dp.snapshot.nodes[peer.node]
        proc = node.bgp
        assert proc is not None
        path = tuple(seg[0] if len(seg) == 1 else frozenset(seg) for seg in ann.as_path if seg)
        route = BgpRoute(
            network=ann.network,
            protocol="ibgp" if peer.ibgp else "bgp",
            next_hop_ip=ann.next_hop_ip,
            as_path=path,
            local_pref=ann.local_preference,
            med=ann.med,
            origin=ann.origin.lower(),
            communities=frozenset(ann.communities),
            received_from=ann.src_ip,
        )
        accepted = import_route(node, proc, peer.neighbor, peer.local_as, route)
        line: SourceRef | None = None
        nb = peer.neighbor
        if nb.route_map_in is not None and nb.route_map_in in node.route_maps:
            pr = PolicyRoute(ann.network, communities=route.communities, as_path=path, metric=ann.med)
            _, clauses = apply_route_map_traced(node, node.route_maps[nb.route_map_in], pr)
            line = clauses[-1].source if clauses else None
        elif nb.prefix_list_in is not None and nb.prefix_list_in in node.prefix_lists:
            pl = node.prefix_lists[nb.prefix_list_in]
            line = next(
                (ln.source for ln in pl.lines if _in_line(ln.prefix, ln.min_len, ln.max_len, ann.network)), None
            )
        out.setdefault(peer.label, []).append(Received(peer, route, accepted, line))
    return out
