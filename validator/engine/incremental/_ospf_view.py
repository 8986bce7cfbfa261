"""OSPF state of one data plane (domain, shortest paths, advertisements, routes per process and
prefix) and the decremental shortest-path step a failure scenario runs on it. Split from ``_igp``
(which patches a scenario's IGP RIBs from this state) to keep each module to one job.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from ipaddress import IPv4Network

from validator.engine.incremental._bgp import Unsupported
from validator.engine.ospf import (
    Adjacency,
    Hop,
    OspfDomain,
    ProcKey,
    _advertised_prefixes,
    _External,
    _externals,
    _shortest_paths,
)
from validator.engine.rib import MainRib, hop
from validator.model.dataplane import Route
from validator.model.snapshot import Snapshot

SpResult = dict[ProcKey, tuple[int, frozenset[Hop]]]


@dataclass
class OspfView:
    """One OSPF state: domain, shortest paths, advertisements, externals, routes per (proc, prefix)."""

    domain: OspfDomain
    areas_of: dict[ProcKey, set[int]]
    graph_area: dict[int, dict[ProcKey, list[Adjacency]]]
    graph_all: dict[ProcKey, list[Adjacency]]
    sp_area: dict[tuple[int, ProcKey], SpResult]
    sp_all: dict[ProcKey, SpResult]
    adverts: dict[int, dict[IPv4Network, list[tuple[ProcKey, int]]]]  # area -> prefix -> (advertiser, cost)
    advertised_by: dict[tuple[int, ProcKey], set[IPv4Network]]
    externals: dict[ProcKey, list[_External]]
    ext_by_prefix: dict[IPv4Network, list[tuple[ProcKey, _External]]]
    routes: dict[ProcKey, dict[IPv4Network, list[Route]]]
    uses_externals: bool


def _graphs(domain: OspfDomain) -> tuple[dict[int, dict[ProcKey, list[Adjacency]]], dict[ProcKey, list[Adjacency]]]:
    by_area: dict[int, dict[ProcKey, list[Adjacency]]] = defaultdict(lambda: defaultdict(list))
    all_: dict[ProcKey, list[Adjacency]] = defaultdict(list)
    for adj in domain.adjacencies:
        by_area[adj.area][adj.src].append(adj)
        all_[adj.src].append(adj)
    return by_area, all_


def _adverts(
    domain: OspfDomain,
) -> tuple[dict[int, dict[IPv4Network, list[tuple[ProcKey, int]]]], dict[tuple[int, ProcKey], set[IPv4Network]]]:
    adverts: dict[int, dict[IPv4Network, list[tuple[ProcKey, int]]]] = defaultdict(lambda: defaultdict(list))
    by: dict[tuple[int, ProcKey], set[IPv4Network]] = defaultdict(set)
    for key, ois in domain.ifaces.items():
        for oi in ois:
            for p in _advertised_prefixes(oi):
                adverts[oi.area][p].append((key, oi.cost))
                by[(oi.area, key)].add(p)
    return adverts, by


def supported(snapshot: Snapshot, domain: OspfDomain) -> None:
    seen: set[tuple[str, str]] = set()
    for node, vrf, _pid in domain.procs:
        if (node, vrf) in seen:
            raise Unsupported("two OSPF processes in one VRF")
        seen.add((node, vrf))
    for proc in domain.procs.values():
        for redist in proc.redistributions:
            if redist.protocol != "connected":
                raise Unsupported(f"OSPF redistributes {redist.protocol}")
    for adj in domain.adjacencies:
        if adj.cost < 1:
            raise Unsupported("OSPF cost below 1")
    areas_of = {k: {oi.area for oi in domain.ifaces.get(k, [])} for k in domain.procs}
    if any(0 in a and len(a) > 1 for a in areas_of.values()):
        raise Unsupported("OSPF ABRs")


def _same_routes(old: list[Route], proto: str, metric: int, hops: list[Hop]) -> bool:
    """``old`` are the routes ``route_for`` would build (a scenario mostly recomputes unchanged
    routes: comparing first spares building Route objects only to find them equal)."""
    if len(old) != len(hops):
        return False
    for r, (iface, ip) in zip(old, hops, strict=True):
        nh = r.next_hop
        if r.protocol != proto or r.metric != metric or nh.interface != iface or nh.ip != ip or nh.type != "interface":
            return False
    return True


def _built(
    node: str, vrf: str, p: IPv4Network, proto: str, metric: int, hops: set[Hop] | frozenset[Hop], old: list[Route]
) -> list[Route]:
    ordered = sorted(hops)
    if not old:
        return [Route(node, vrf, p, proto, hop("interface", i, ip), 110, metric) for i, ip in ordered]
    if _same_routes(old, proto, metric, ordered):
        return old
    # a failure mostly narrows an ECMP set at an unchanged metric: the routes of the hops that stay
    # are the base's own objects (every field equal to the one built below), only new hops are built
    kept: dict[Hop, Route] = {}
    for r in old:
        nh = r.next_hop
        if (
            r.protocol == proto
            and r.metric == metric
            and r.admin_distance == 110
            and nh.type == "interface"
            and r.tag is None
            and not r.as_path
            and r.local_preference is None
            and not r.communities
        ):
            kept[(nh.interface, nh.ip)] = r  # type: ignore[index]
    out: list[Route] = []
    for h in ordered:
        r0 = kept.get(h)
        out.append(r0 if r0 is not None else Route(node, vrf, p, proto, hop("interface", h[0], h[1]), 110, metric))
    return out


def route_for(view: OspfView, key: ProcKey, p: IPv4Network, old: list[Route] | None = None) -> list[Route]:
    """``compute_ospf_routes``'s routes of one process for one prefix (no inter-area routes).
    ``old``: the base's routes there, returned themselves when equal to the result."""
    best: tuple[int, frozenset[Hop], bool] | None = None
    areas = view.areas_of.get(key, ())
    for area in areas if len(areas) < 2 else sorted(areas):
        sp = view.sp_area.get((area, key))
        if not sp:
            continue
        for adv, cost in view.adverts.get(area, {}).get(p, ()):
            hit = sp.get(adv)
            if hit is None:
                continue
            d, hops = hit
            m = d + cost
            own = adv == key
            if best is None or m < best[0]:
                best = (m, hops, own)  # the SPF result's own frozenset: unions below make new ones
            elif m == best[0]:
                best = (m, best[1] | hops, best[2] or own)
    node, vrf, _ = key
    if best is not None:
        if best[2]:
            return []
        return _built(node, vrf, p, "ospf", best[0], best[1], old or [])
    exts = view.ext_by_prefix.get(p)
    if not exts or any(e.prefix == p for e in view.externals.get(key, ())):
        return []
    sp_all = view.sp_all.get(key, {})
    e1: tuple[int, set[Hop]] | None = None
    e2: tuple[int, int, set[Hop]] | None = None
    for adv, ext in exts:
        if adv == key or adv not in sp_all:
            continue
        d, adv_hops = sp_all[adv]
        if ext.metric_type == 1:
            m = ext.metric + d
            if e1 is None or m < e1[0]:
                e1 = (m, set(adv_hops))
            elif m == e1[0]:
                e1[1].update(adv_hops)
        else:
            if e2 is None or (ext.metric, d) < (e2[0], e2[1]):
                e2 = (ext.metric, d, set(adv_hops))
            elif (ext.metric, d) == (e2[0], e2[1]):
                e2[2].update(adv_hops)
    if e1 is not None:
        return _built(node, vrf, p, "ospfE1", e1[0], e1[1], old or [])
    if e2 is not None:
        return _built(node, vrf, p, "ospfE2", e2[0], e2[2], old or [])
    return []


def _connected_rib(routes: list[Route], vrf: str) -> MainRib:
    rib = MainRib()
    rib.merge_all(r for r in routes if r.vrf == vrf)
    return rib


def build_view(
    snapshot: Snapshot, domain: OspfDomain, base_routes: dict[str, list[Route]], routes_out: dict[str, list[Route]]
) -> OspfView:
    supported(snapshot, domain)
    graph_area, graph_all = _graphs(domain)
    areas_of = {k: {oi.area for oi in domain.ifaces.get(k, [])} for k in domain.procs}
    adverts, advertised_by = _adverts(domain)
    sp_area: dict[tuple[int, ProcKey], SpResult] = {}
    for area in adverts:
        for key in domain.procs:
            if area in areas_of[key]:
                sp_area[(area, key)] = _shortest_paths(key, graph_area.get(area, {}))
    externals: dict[ProcKey, list[_External]] = {}
    ext_by_prefix: dict[IPv4Network, list[tuple[ProcKey, _External]]] = defaultdict(list)
    uses = any(proc.redistributions for proc in domain.procs.values())
    for key, proc in domain.procs.items():
        node = snapshot.nodes[key[0]]
        exts = _externals(node, proc, _connected_rib(base_routes.get(key[0], []), key[1])) if uses else []
        externals[key] = exts
        for e in exts:
            ext_by_prefix[e.prefix].append((key, e))
    sp_all = {key: _shortest_paths(key, graph_all) for key in domain.procs} if uses else {}
    routes: dict[ProcKey, dict[IPv4Network, list[Route]]] = {k: {} for k in domain.procs}
    by_node_vrf = {(k[0], k[1]): k for k in domain.procs}
    for node_name, rs in routes_out.items():
        for r in rs:
            routes[by_node_vrf[(node_name, r.vrf)]].setdefault(r.network, []).append(r)
    return OspfView(
        domain,
        areas_of,
        graph_area,
        graph_all,
        sp_area,
        sp_all,
        adverts,
        advertised_by,
        externals,
        dict(ext_by_prefix),
        routes,
        uses,
    )


def _decremental(
    res: SpResult,
    src: ProcKey,
    graph_old: dict[ProcKey, list[Adjacency]],
    rin_old: dict[ProcKey, list[Adjacency]],
    gone_adj: set[int],
    gone_nodes: set[ProcKey],
    candidates: list[Adjacency],
) -> tuple[SpResult, set[ProcKey]]:
    """Shortest paths from ``src`` after removing adjacencies (ids in ``gone_adj``) and routers;
    only routers below a removed tight edge are re-explored. Returns (result, changed routers)."""
    seeds: set[ProcKey] = set()
    for adj in candidates:
        a, b = res.get(adj.src), res.get(adj.dst)
        if a is not None and b is not None and a[0] + adj.cost == b[0]:
            seeds.add(adj.dst)
    for n in gone_nodes:
        if n in res:
            seeds.add(n)
    seeds.discard(src)
    if not seeds:
        return res, set()
    affected = set(seeds)
    stack = list(seeds)
    while stack:
        u = stack.pop()
        du = res[u][0]
        for adj in graph_old.get(u, ()):
            v = adj.dst
            if v in affected:
                continue
            hv = res.get(v)
            if hv is not None and du + adj.cost == hv[0]:
                affected.add(v)
                stack.append(v)
    if len(affected) * 4 < len(res):  # usually a few routers below the lost edges: copy, then drop
        new = dict(res)
        for v in affected:
            new.pop(v, None)
    else:
        new = {k: v for k, v in res.items() if k not in affected}
    dist: dict[ProcKey, int] = {}
    heap: list[tuple[int, ProcKey]] = []
    for v in affected:
        if v in gone_nodes:
            continue
        best = None
        for adj in rin_old.get(v, ()):
            if id(adj) in gone_adj:
                continue
            hu = new.get(adj.src)
            if hu is not None:
                c = hu[0] + adj.cost
                if best is None or c < best:
                    best = c
        if best is not None:
            dist[v] = best
            heap.append((best, v))
    heapq.heapify(heap)
    done: list[ProcKey] = []
    done_set: set[ProcKey] = set()
    while heap:
        d, u = heapq.heappop(heap)
        if u in done_set or d != dist[u]:
            continue
        done_set.add(u)
        done.append(u)
        for adj in graph_old.get(u, ()):
            if id(adj) in gone_adj:
                continue
            v = adj.dst
            if v in affected and v not in done_set and v not in gone_nodes:
                nd = d + adj.cost
                if nd < dist.get(v, nd + 1):
                    dist[v] = nd
                    heapq.heappush(heap, (nd, v))
    for v in done:  # increasing distance: predecessors are final
        dv = dist[v]
        hops: set[Hop] = set()
        for adj in rin_old.get(v, ()):
            if id(adj) in gone_adj:
                continue
            u = adj.src
            hu = new.get(u)
            if hu is None or hu[0] + adj.cost != dv:
                continue
            if u == src:
                hops.add((adj.iface, adj.nbr_ip))
            else:
                hops |= hu[1]
        new[v] = (dv, frozenset(hops))
    changed = {v for v in affected if new.get(v) != res.get(v)}
    return new, changed
