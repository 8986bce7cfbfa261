"""BGP sessions as Batfish establishes them for IOS (semantics §4): the candidate peerings, their
local addresses and compatibility, and which come up (TCP reachability both ways, through the
caller's reachability function). Split from ``bgp`` (route propagation) so each stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address

from validator.engine.bgp_status import PeerInfo, SessionFacts, session_rows
from validator.engine.topology import IfaceKey
from validator.engine.types import Fib
from validator.model.config import BgpNeighbor, BgpProcess, Node
from validator.model.dataplane import BgpSession
from validator.model.snapshot import Snapshot


@dataclass(frozen=True)
class PeerEnd:
    """One side of an established session, seen from that side."""

    node: str
    vrf: str
    neighbor: BgpNeighbor
    local_ip: IPv4Address
    peer_ip: IPv4Address
    local_as: int
    router_id: IPv4Address


@dataclass(frozen=True)
class SessionEdge:
    """Routes flow from ``sender`` to ``receiver``."""

    sender: PeerEnd
    receiver: PeerEnd
    ibgp: bool
    add_path: bool


@dataclass
class BgpTopology:
    edges: list[SessionEdge]
    sessions: list[BgpSession]

    def edge_keys(self) -> frozenset[tuple[str, str, IPv4Address, str, IPv4Address]]:
        return frozenset(
            (e.sender.node, e.sender.vrf, e.sender.local_ip, e.receiver.node, e.receiver.local_ip) for e in self.edges
        )


ReachFn = Callable[[str, str, IPv4Address, IPv4Address, bool], bool]
"""(initiator node, vrf, src ip, dst ip, single_hop) -> the TCP session can be opened both ways."""


def bgp_router_id(node: Node) -> IPv4Address:
    """``bgp router-id``, else the highest loopback IP, else the highest interface IP (active or not)."""
    proc = node.bgp
    if proc is not None and proc.router_id is not None:
        return proc.router_id
    for pool in (
        [i for i in node.interfaces.values() if i.kind == "loopback"],
        list(node.interfaces.values()),
    ):
        ips = [a.ip for i in pool for a in i.addresses]
        if ips:
            return max(ips)
    return IPv4Address(0)


def bgp_neighbors(proc: BgpProcess) -> Iterable[BgpNeighbor]:
    return (nb for nb in proc.neighbors if nb.active and not nb.shutdown and nb.remote_as is not None)


def static_local_ip(node: Node, nb: BgpNeighbor) -> IPv4Address | None:
    """The local IP Batfish's IOS conversion configures (CiscoConfiguration.getUpdateSource):
    the ``update-source`` interface's address, else the address of the last interface (in name
    order) whose subnet holds the peer, else none (the session's IP is then unknown statically)."""
    if nb.update_source is not None:
        iface = node.interfaces.get(nb.update_source)
        return iface.addresses[0].ip if iface is not None and iface.addresses else None
    assert nb.peer_ip is not None
    found: IPv4Address | None = None
    for _, iface in sorted(node.interfaces.items()):
        if iface.vrf != nb.vrf:
            continue
        for a in iface.addresses:
            if nb.peer_ip in a.network:
                found = a.ip
    return found


def _fib_local_ips(node: Node, nb: BgpNeighbor, fibs: dict[str, dict[str, Fib]]) -> list[IPv4Address]:
    """Source IPs the session may use when none is configured: the addresses of the interfaces the
    FIB forwards to the peer by (Batfish's BgpTopologyUtils.getPotentialSrcIps / InferFromFib)."""
    assert nb.peer_ip is not None
    fib = fibs.get(node.name, {}).get(nb.vrf)
    if fib is None:
        return []
    out: set[IPv4Address] = set()
    for entry in fib.lookup(nb.peer_ip):
        if entry.action.interface is not None and not entry.action.null_route:
            iface = node.interfaces.get(entry.action.interface)
            if iface is not None and iface.addresses:
                out.add(iface.addresses[0].ip)
    return sorted(out)


def _session_type(nb: BgpNeighbor, local_as: int) -> str:
    if nb.remote_as == local_as:
        return "IBGP"
    return "EBGP_MULTIHOP" if nb.ebgp_multihop else "EBGP_SINGLEHOP"


def compute_bgp_topology(
    snapshot: Snapshot,
    active: frozenset[IfaceKey],
    ip_owners: dict[IPv4Address, frozenset[IfaceKey]],
    fibs: dict[str, dict[str, Fib]],
    reachable: ReachFn,
) -> BgpTopology:
    """Sessions per configured neighbour and the directed edges of the established ones (§4a).

    Statuses follow Batfish's bgpSessionStatus (engine/bgp_status.py): a peer without a
    statically known local IP tries every source IP the FIB gives towards the peer, but only
    peers with a static local IP count as compatible in the configured topology.
    """
    rids = {n: bgp_router_id(node) for n, node in snapshot.nodes.items() if node.bgp is not None}
    # keyed by the neighbour object's identity: hashing the whole configuration object is slow, and
    # distinct neighbour statements are distinct objects (their source lines differ)
    facts = SessionFacts()
    edges: dict[tuple[str, IPv4Address, str, IPv4Address], SessionEdge] = {}

    for name in sorted(rids):
        node = snapshot.nodes[name]
        proc = node.bgp
        assert proc is not None
        for nb in proc.neighbors:
            local_as = nb.local_as if nb.local_as is not None else proc.local_as
            stype = _session_type(nb, local_as) if nb.remote_as is not None else "UNSET"
            facts.peers[(name, id(nb))] = PeerInfo(name, nb.vrf, nb, local_as, stype)
            if nb.peer_ip is not None:
                facts.static_ip[(name, id(nb))] = static_local_ip(node, nb)
        for nb in bgp_neighbors(proc):
            if nb.peer_ip is None:
                continue  # passive listeners never initiate
            key = (name, id(nb))
            local_as = facts.peers[key].local_as
            static = facts.static_ip[key]
            lips = [static] if static is not None else _fib_local_ips(node, nb, fibs)
            if not lips:
                continue
            for owner_node, owner_iface in sorted(ip_owners.get(nb.peer_ip, frozenset())):
                if (owner_node, owner_iface) not in active or owner_node not in rids:
                    continue
                remote = snapshot.nodes[owner_node]
                if remote.interfaces[owner_iface].vrf != nb.vrf:
                    continue
                rproc = remote.bgp
                assert rproc is not None
                for rnb in bgp_neighbors(rproc):
                    if rnb.vrf != nb.vrf:
                        continue
                    if rnb.peer_ip is not None:
                        feasible = [ip for ip in lips if ip == rnb.peer_ip]
                    elif rnb.peer_prefix is not None:
                        feasible = [ip for ip in lips if ip in rnb.peer_prefix]
                    else:
                        feasible = []
                    r_local_as = rnb.local_as if rnb.local_as is not None else rproc.local_as
                    if not feasible or nb.remote_as != r_local_as or rnb.remote_as != local_as:
                        continue
                    rkey = (owner_node, id(rnb))
                    if static is not None:
                        facts.add_configured(key, rkey)
                    if nb.password != rnb.password:
                        # TCP MD5 (RFC 2385): one end signs and the other does not, or the keys
                        # differ, so segments are dropped and the session never comes up (Cisco
                        # IOS "neighbor password"). Batfish does not model it; the gate is
                        # stricter on purpose (policies/README.md, management).
                        facts.auth_mismatch.update((key, rkey))
                        continue
                    stype = _session_type(nb, local_as)
                    lip = next(
                        (ip for ip in feasible if reachable(name, nb.vrf, ip, nb.peer_ip, stype == "EBGP_SINGLEHOP")),
                        None,
                    )
                    if lip is None:
                        continue
                    facts.add_established(key, lip, rkey, nb.peer_ip)
                    me = PeerEnd(name, nb.vrf, nb, lip, nb.peer_ip, local_as, rids[name])
                    them = PeerEnd(owner_node, nb.vrf, rnb, nb.peer_ip, lip, r_local_as, rids[owner_node])
                    ibgp = stype == "IBGP"
                    for s, r in ((me, them), (them, me)):
                        ekey = (s.node, s.local_ip, r.node, r.local_ip)
                        if ekey not in edges:
                            add_path = (
                                ibgp
                                and s.neighbor.additional_paths_send
                                and s.neighbor.additional_paths_select_all
                                and r.neighbor.additional_paths_receive
                            )
                            edges[ekey] = SessionEdge(s, r, ibgp, add_path)

    sessions: list[BgpSession] = []
    for name in sorted(rids):
        proc = snapshot.nodes[name].bgp
        assert proc is not None
        for nb in proc.neighbors:
            key = (name, id(nb))
            sessions.extend(session_rows(key, facts.peers[key], facts))
    return BgpTopology(list(edges.values()), sessions)
