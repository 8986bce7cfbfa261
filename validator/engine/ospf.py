"""OSPF on IOS as Batfish computes it (semantics §3): costs, adjacencies, intra-area, inter-area
and external (E1/E2) routes.

Batfish propagates OSPF distance-vector style; over a converged topology that equals shortest
paths where each hop costs the *outgoing* interface of the router nearer the receiver, which is
what the Dijkstra runs below compute.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from validator.engine.rib import MainRib, hop
from validator.engine.routing_policy import PolicyRoute, run_policy
from validator.engine.topology import IfaceKey
from validator.model.config import Interface, Node, OspfProcess
from validator.model.dataplane import Edge, Route
from validator.model.prefix import prefix_of
from validator.model.snapshot import Snapshot

ProcKey = tuple[str, str, str]  # (node, vrf, process id)
Hop = tuple[str, IPv4Address]  # (outgoing interface, neighbour IP)

_TYPE_ORDER = ("ospf", "ospfIA", "ospfE1", "ospfE2")


@dataclass(frozen=True)
class OspfIface:
    node: str
    iface: Interface
    proc: ProcKey
    area: int
    cost: int
    passive: bool


@dataclass(frozen=True)
class Adjacency:
    src: ProcKey
    dst: ProcKey
    area: int
    iface: str  # src's interface
    nbr_ip: IPv4Address
    cost: int  # src's outgoing cost


@dataclass
class OspfDomain:
    """Everything OSPF computes from configuration and topology alone (reusable across BGP rounds)."""

    procs: dict[ProcKey, OspfProcess]
    router_ids: dict[ProcKey, IPv4Address]
    ifaces: dict[ProcKey, list[OspfIface]]
    adjacencies: list[Adjacency]


def router_id(node: Node, proc: OspfProcess, active: frozenset[IfaceKey]) -> IPv4Address | None:
    """Configured id, else the highest IP of active loopbacks, else of any active interface."""
    if proc.router_id is not None:
        return proc.router_id
    ifaces = [
        i for i in node.interfaces.values() if (node.name, i.name) in active and i.vrf == proc.vrf and i.addresses
    ]
    for pool in ([i for i in ifaces if i.kind == "loopback"], ifaces):
        ips = [a.ip for i in pool for a in i.addresses]
        if ips:
            return max(ips)
    return None


def interface_cost(iface: Interface, proc: OspfProcess) -> int:
    assert iface.ospf is not None
    if iface.ospf.cost is not None:
        return iface.ospf.cost
    if iface.kind == "loopback" and iface.ospf.network_type != "point-to-point":
        return 1
    return max(int(proc.reference_bandwidth // iface.bandwidth), 1) if iface.bandwidth > 0 else 1


def build_domain(snapshot: Snapshot, active: frozenset[IfaceKey], edges: Iterable[Edge]) -> OspfDomain:
    procs: dict[ProcKey, OspfProcess] = {}
    rids: dict[ProcKey, IPv4Address] = {}
    ifaces: dict[ProcKey, list[OspfIface]] = defaultdict(list)
    by_iface: dict[IfaceKey, OspfIface] = {}
    for node in snapshot.nodes.values():
        for proc in node.ospf:
            rid = router_id(node, proc, active)
            if rid is None:
                continue
            key = (node.name, proc.vrf, proc.process_id)
            procs[key] = proc
            rids[key] = rid
        for iface in node.interfaces.values():
            if iface.ospf is None or (node.name, iface.name) not in active or not iface.addresses:
                continue
            key = (node.name, iface.vrf, iface.ospf.process_id)
            if key not in procs:
                continue
            oi = OspfIface(
                node.name, iface, key, iface.ospf.area, interface_cost(iface, procs[key]), iface.ospf.passive
            )
            ifaces[key].append(oi)
            by_iface[(node.name, iface.name)] = oi
    adjs: list[Adjacency] = []
    edge_set = {(e.node1, e.interface1, e.node2, e.interface2) for e in edges}
    for n1, i1, n2, i2 in sorted(edge_set):
        a, b = by_iface.get((n1, i1)), by_iface.get((n2, i2))
        if a is None or b is None or (n2, i2, n1, i1) not in edge_set:
            continue
        if not _compatible(a, b, rids):
            continue
        nbr_ip = next(
            (x.ip for x in b.iface.addresses if x.ip in a.iface.addresses[0].network), b.iface.addresses[0].ip
        )
        adjs.append(Adjacency(a.proc, b.proc, a.area, a.iface.name, nbr_ip, a.cost))
    return OspfDomain(procs, rids, dict(ifaces), adjs)


def _compatible(a: OspfIface, b: OspfIface, rids: dict[ProcKey, IPv4Address]) -> bool:
    oa, ob = a.iface.ospf, b.iface.ospf
    assert oa is not None and ob is not None
    if a.passive or b.passive or a.area != b.area or rids[a.proc] == rids[b.proc]:
        return False
    if oa.network_type != ob.network_type:
        return False
    if oa.network_type != "point-to-point" and a.iface.addresses[0].network != b.iface.addresses[0].network:
        return False
    return oa.hello_interval == ob.hello_interval and oa.dead_interval == ob.dead_interval


def _shortest_paths(src: ProcKey, graph: dict[ProcKey, list[Adjacency]]) -> dict[ProcKey, tuple[int, frozenset[Hop]]]:
    """Distance from ``src`` to every router, with the set of src's first hops on shortest paths."""
    dist: dict[ProcKey, int] = {src: 0}
    hops: dict[ProcKey, set[Hop]] = {src: set()}
    done: set[ProcKey] = set()
    heap: list[tuple[int, ProcKey]] = [(0, src)]
    while heap:
        d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        for adj in graph.get(u, ()):
            nd = d + adj.cost
            first = {(adj.iface, adj.nbr_ip)} if u == src else hops[u]
            cur = dist.get(adj.dst)
            if cur is None or nd < cur:
                dist[adj.dst] = nd
                hops[adj.dst] = set(first)
                heapq.heappush(heap, (nd, adj.dst))
            elif nd == cur and adj.dst not in done:
                hops[adj.dst] |= first
    return {k: (dist[k], frozenset(hops[k])) for k in dist}


def _advertised_prefixes(oi: OspfIface) -> list[IPv4Network]:
    assert oi.iface.ospf is not None
    if oi.iface.kind == "loopback" and oi.iface.ospf.network_type != "point-to-point":
        return [prefix_of(int(a), 32) for a in oi.iface.addresses]
    return [a.network for a in oi.iface.addresses]


def _classful_len(net: IPv4Network) -> int:
    first = int(net.network_address) >> 24
    return 8 if first < 128 else 16 if first < 192 else 24


@dataclass(frozen=True)
class _External:
    prefix: IPv4Network
    metric: int
    metric_type: int
    tag: int | None


def _externals(node: Node, proc: OspfProcess, rib: MainRib | None) -> list[_External]:
    """Routes this ASBR redistributes (connected/static/bgp from its main RIB; never the default)."""
    if rib is None or not proc.redistributions:
        return []
    out: dict[IPv4Network, _External] = {}
    for redist in proc.redistributions:
        protos = {"connected": ("connected",), "static": ("static",), "bgp": ("bgp", "ibgp")}[redist.protocol]
        default_metric = redist.metric if redist.metric is not None else proc.default_metric
        if default_metric is None:
            default_metric = 1 if redist.protocol == "bgp" else 20
        for net, routes in rib.by_prefix.items():
            if net.prefixlen == 0 or net in out or not any(r.protocol in protos for r in routes):
                continue
            if not redist.subnets and net.prefixlen != _classful_len(net):
                continue
            r0 = next(r for r in routes if r.protocol in protos)
            pr = run_policy(
                node,
                redist.route_map,
                PolicyRoute(net, protocol=r0.protocol, metric=default_metric, tag=r0.tag),
                undefined_denies=False,
            )
            if pr is None:
                continue
            out[net] = _External(net, pr.metric, redist.metric_type, pr.tag)
    return list(out.values())


def compute_ospf_routes(
    snapshot: Snapshot, domain: OspfDomain, main_ribs: dict[str, dict[str, MainRib]]
) -> dict[str, list[Route]]:
    """OSPF main-RIB candidates per node (already pre-selected by route type, as Batfish's OSPF RIB does)."""
    if not domain.procs:
        return {}
    graph_by_area: dict[int, dict[ProcKey, list[Adjacency]]] = defaultdict(lambda: defaultdict(list))
    graph_all: dict[ProcKey, list[Adjacency]] = defaultdict(list)
    for adj in domain.adjacencies:
        graph_by_area[adj.area][adj.src].append(adj)
        graph_all[adj.src].append(adj)
    areas_of: dict[ProcKey, set[int]] = {k: {oi.area for oi in domain.ifaces.get(k, [])} for k in domain.procs}
    # prefix adverts per area: area -> advertiser -> [(prefix, cost)]
    adverts: dict[int, dict[ProcKey, list[tuple[IPv4Network, int]]]] = defaultdict(lambda: defaultdict(list))
    for key, ois in domain.ifaces.items():
        for oi in ois:
            for p in _advertised_prefixes(oi):
                adverts[oi.area][key].append((p, oi.cost))

    sp_area: dict[tuple[int, ProcKey], dict[ProcKey, tuple[int, frozenset[Hop]]]] = {}
    for area in adverts:
        for key in domain.procs:
            if area in areas_of[key]:
                sp_area[(area, key)] = _shortest_paths(key, graph_by_area.get(area, {}))

    # intra-area: key -> prefix -> (metric, hops, own)
    intra: dict[ProcKey, dict[IPv4Network, tuple[int, set[Hop], bool]]] = {}
    intra_area_of: dict[ProcKey, dict[IPv4Network, int]] = {}
    for key in domain.procs:
        best: dict[IPv4Network, tuple[int, set[Hop], bool]] = {}
        where: dict[IPv4Network, int] = {}
        for area in sorted(areas_of[key]):
            sp = sp_area.get((area, key), {})
            for adv, plist in adverts[area].items():
                if adv not in sp:
                    continue
                d, hops = sp[adv]
                for p, cost in plist:
                    m = d + cost
                    cur = best.get(p)
                    own = adv == key
                    if cur is None or m < cur[0]:
                        best[p] = (m, set(hops), own)
                        where[p] = area
                    elif m == cur[0]:
                        best[p] = (m, cur[1] | hops, cur[2] or own)
        intra[key] = best
        intra_area_of[key] = where

    inter = _inter_area(domain, areas_of, sp_area, intra, intra_area_of)

    sp_all = {key: _shortest_paths(key, graph_all) for key in domain.procs}
    externals: dict[ProcKey, list[_External]] = {}
    for key, proc in domain.procs.items():
        node = snapshot.nodes[key[0]]
        externals[key] = _externals(node, proc, main_ribs.get(key[0], {}).get(key[1]))

    out: dict[str, list[Route]] = defaultdict(list)
    for key in domain.procs:
        node_name, vrf, _ = key
        chosen: dict[IPv4Network, tuple[str, int, set[Hop]]] = {}
        for p, (m, intra_hops, own) in intra[key].items():
            chosen[p] = ("own", m, set()) if own else ("ospf", m, intra_hops)
        for p, (m, ia_hops) in inter.get(key, {}).items():
            if p not in chosen:
                chosen[p] = ("ospfIA", m, ia_hops)
        e1: dict[IPv4Network, tuple[int, set[Hop]]] = {}
        e2: dict[IPv4Network, tuple[int, int, set[Hop]]] = {}
        own_ext = {e.prefix for e in externals[key]}
        for adv, exts in externals.items():
            if adv == key or adv not in sp_all[key]:
                continue
            d, adv_hops = sp_all[key][adv]
            for ext in exts:
                if ext.metric_type == 1:
                    m = ext.metric + d
                    c1 = e1.get(ext.prefix)
                    if c1 is None or m < c1[0]:
                        e1[ext.prefix] = (m, set(adv_hops))
                    elif m == c1[0]:
                        c1[1].update(adv_hops)
                else:
                    c2 = e2.get(ext.prefix)
                    if c2 is None or (ext.metric, d) < (c2[0], c2[1]):
                        e2[ext.prefix] = (ext.metric, d, set(adv_hops))
                    elif (ext.metric, d) == (c2[0], c2[1]):
                        c2[2].update(adv_hops)
        for p, (m, e1_hops) in e1.items():
            if p not in chosen and p not in own_ext:
                chosen[p] = ("ospfE1", m, e1_hops)
        for p, (m, _d, e2_hops) in e2.items():
            if p not in chosen and p not in own_ext:
                chosen[p] = ("ospfE2", m, e2_hops)
        for p, (proto, m, final_hops) in chosen.items():
            if proto == "own":
                continue
            # 110 on IOS; a vendor's own preference where the model gives one (Junos 10 / 150)
            ad = snapshot.nodes[node_name].admin_distances.get(proto, 110)
            for iface, ip in sorted(final_hops):
                out[node_name].append(Route(node_name, vrf, p, proto, hop("interface", iface, ip), ad, m))
    return dict(out)


def _inter_area(
    domain: OspfDomain,
    areas_of: dict[ProcKey, set[int]],
    sp_area: dict[tuple[int, ProcKey], dict[ProcKey, tuple[int, frozenset[Hop]]]],
    intra: dict[ProcKey, dict[IPv4Network, tuple[int, set[Hop], bool]]],
    intra_area_of: dict[ProcKey, dict[IPv4Network, int]],
) -> dict[ProcKey, dict[IPv4Network, tuple[int, set[Hop]]]]:
    """Summary routes: ABRs (area 0 plus another area) announce non-backbone intra routes into the
    backbone, then backbone intra/inter routes into their other areas."""
    abrs = [k for k, areas in areas_of.items() if 0 in areas and len(areas) > 1]
    if not abrs:
        return {}
    result: dict[ProcKey, dict[IPv4Network, tuple[int, set[Hop]]]] = defaultdict(dict)

    def absorb(area: int, summaries: dict[ProcKey, dict[IPv4Network, int]]) -> None:
        for key, areas in areas_of.items():
            if area not in areas:
                continue
            sp = sp_area.get((area, key), {})
            for abr, sums in summaries.items():
                if abr == key or abr not in sp:
                    continue
                d, hops = sp[abr]
                for p, m0 in sums.items():
                    if p in intra[key]:
                        continue
                    m = d + m0
                    cur = result[key].get(p)
                    if cur is None or m < cur[0]:
                        result[key][p] = (m, set(hops))
                    elif m == cur[0]:
                        cur[1].update(hops)

    backbone = {abr: {p: v[0] for p, v in intra[abr].items() if intra_area_of[abr][p] != 0} for abr in abrs}
    absorb(0, backbone)
    for area in sorted({a for k in abrs for a in areas_of[k]} - {0}):
        sums: dict[ProcKey, dict[IPv4Network, int]] = {}
        for abr in abrs:
            if area not in areas_of[abr]:
                continue
            s = {p: v[0] for p, v in intra[abr].items() if intra_area_of[abr][p] != area}
            for p, (m, _h) in result.get(abr, {}).items():
                s.setdefault(p, m)
            sums[abr] = s
        absorb(area, sums)
    return dict(result)
