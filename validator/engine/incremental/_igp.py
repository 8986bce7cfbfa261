"""IGP-only RIBs of a failure scenario, patched from the base's (connected, local, static, OSPF).

OSPF: a failure only removes adjacencies, interfaces and (for failed nodes) processes. For each
source router the base shortest paths are kept; only the routers below a removed *tight* edge of
the source's shortest-path DAG can change distance or first hops, and only they are re-explored
(a decremental Dijkstra). A route (source, prefix) is recomputed only when the prefix's
advertisements changed or one of its advertisers (or ASBRs) changed for that source.

Covered: areas without ABRs (no inter-area routes), one OSPF process per node and VRF, externals
from ``redistribute connected``; anything else raises :class:`Unsupported` and the caller
recomputes the IGP with the reference code.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from ipaddress import IPv4Network

from validator.engine.incremental._bgp import Unsupported, _merged_at
from validator.engine.incremental._fib import clone_rib, set_prefix
from validator.engine.ospf import (
    Adjacency,
    Hop,
    OspfDomain,
    OspfIface,
    ProcKey,
    _advertised_prefixes,
    _External,
    _externals,
    _shortest_paths,
    router_id,
)
from validator.engine.rib import MainRib, connected_and_local_routes, hop, static_routes
from validator.engine.topology import IfaceKey
from validator.model.dataplane import Route
from validator.model.snapshot import Snapshot

SpResult = dict[ProcKey, tuple[int, frozenset[Hop]]]
Ribs = dict[str, dict[str, MainRib]]
PrefixKey = tuple[str, IPv4Network]  # (vrf, prefix)


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
    node: str, vrf: str, p: IPv4Network, proto: str, metric: int, hops: set[Hop], old: list[Route]
) -> list[Route]:
    ordered = sorted(hops)
    if old and _same_routes(old, proto, metric, ordered):
        return old
    return [Route(node, vrf, p, proto, hop("interface", i, ip), 110, metric) for i, ip in ordered]


def route_for(view: OspfView, key: ProcKey, p: IPv4Network, old: list[Route] | None = None) -> list[Route]:
    """``compute_ospf_routes``'s routes of one process for one prefix (no inter-area routes).
    ``old``: the base's routes there, returned themselves when equal to the result."""
    best: tuple[int, set[Hop], bool] | None = None
    for area in sorted(view.areas_of.get(key, ())):
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
                best = (m, set(hops), own)
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


@dataclass
class IgpBase:
    """What the scenario IGP reuses from the base."""

    snapshot: Snapshot
    active: frozenset[IfaceKey]
    view: OspfView
    base_routes: dict[str, list[Route]]
    igp: Ribs
    statics: dict[str, list[Route]]
    adj_end: dict[int, IfaceKey] = field(default_factory=dict)  # id(adjacency) -> the receiver's interface
    rin_area: dict[int, dict[ProcKey, list[Adjacency]]] = field(default_factory=dict)
    rin_all: dict[ProcKey, list[Adjacency]] = field(default_factory=dict)
    proc_of: dict[tuple[str, str], ProcKey] = field(default_factory=dict)

    _advertisers: dict[tuple[int, IPv4Network], list[tuple[ProcKey, OspfIface]]] | None = field(
        default=None, init=False, repr=False
    )
    _indexed: dict[tuple[str, str], tuple[list[Route], dict[tuple[str, IPv4Network], list[Route]]]] = field(
        default_factory=dict, init=False, repr=False
    )

    def advertisers(self) -> dict[tuple[int, IPv4Network], list[tuple[ProcKey, OspfIface]]]:
        """(area, prefix) -> the base's interfaces advertising it, in interface order (a scenario
        filters out the lost ones instead of scanning every interface per prefix)."""
        if self._advertisers is None:
            idx: dict[tuple[int, IPv4Network], list[tuple[ProcKey, OspfIface]]] = defaultdict(list)
            for key, ois in self.view.domain.ifaces.items():
                for oi in ois:
                    for p in dict.fromkeys(_advertised_prefixes(oi)):
                        idx[(oi.area, p)].append((key, oi))
            self._advertisers = dict(idx)
        return self._advertisers

    def by_prefix(self, node: str, routes: list[Route], kind: str) -> dict[tuple[str, IPv4Network], list[Route]]:
        """``routes`` (a node's connected or static routes) by (VRF, prefix), in their order; kept for
        the base's own lists (a scenario's changed lists are indexed once per scenario)."""
        key = (node, kind)
        hit = self._indexed.get(key)
        if hit is not None and hit[0] is routes:
            return hit[1]
        idx: dict[tuple[str, IPv4Network], list[Route]] = {}
        for r in routes:
            idx.setdefault((r.vrf, r.network), []).append(r)
        base_list = (self.base_routes if kind == "conn" else self.statics).get(node)
        if base_list is routes:
            self._indexed[key] = (routes, idx)
        return idx

    def __post_init__(self) -> None:
        self.proc_of = {(k[0], k[1]): k for k in self.view.domain.procs}
        owners: dict[tuple[str, object], str] = {}
        for key, ois in self.view.domain.ifaces.items():
            for oi in ois:
                for a in oi.iface.addresses:
                    owners[(key[0], a.ip)] = oi.iface.name
        for adj in self.view.domain.adjacencies:
            end = owners.get((adj.dst[0], adj.nbr_ip))
            self.adj_end[id(adj)] = (adj.dst[0], end if end is not None else "")
        for area, g in self.view.graph_area.items():
            rin: dict[ProcKey, list[Adjacency]] = defaultdict(list)
            for adjs in g.values():
                for adj in adjs:
                    rin[adj.dst].append(adj)
            self.rin_area[area] = dict(rin)
        rin_all: dict[ProcKey, list[Adjacency]] = defaultdict(list)
        for adjs in self.view.graph_all.values():
            for adj in adjs:
                rin_all[adj.dst].append(adj)
        self.rin_all = dict(rin_all)

    def __setstate__(self, state: dict[str, object]) -> None:
        """Unpickled (a Ray worker, validator.executors): ``adj_end`` is keyed by object ids,
        which unpickling changes, so the derived maps are rebuilt from the unpickled view."""
        self.__dict__.update(state)
        self.adj_end = {}
        self.__post_init__()


def scenario_igp_incremental(
    base: IgpBase, active: frozenset[IfaceKey]
) -> tuple[Ribs, dict[tuple[str, str], set[IPv4Network]], dict[str, list[Route]]]:
    """(IGP RIBs, changed prefixes per (node, vrf), connected+local routes per node)."""
    snapshot = base.snapshot
    view = base.view
    dom = view.domain
    removed = base.active - active
    touched = {n for n, _ in removed}
    base_routes = dict(base.base_routes)
    changes: dict[tuple[str, str], set[IPv4Network]] = defaultdict(set)
    for n in touched:
        new_conn = connected_and_local_routes(snapshot.nodes[n], active)
        old_conn = base_routes.get(n, [])
        base_routes[n] = new_conn
        keep = set(new_conn)
        for r in old_conn:
            if r not in keep:
                changes[(n, r.vrf)].add(r.network)
    # processes that disappear (no router id left) or would change router id
    gone_procs: set[ProcKey] = set()
    for key, proc in dom.procs.items():
        if key[0] not in touched or proc.router_id is not None:
            continue
        rid = router_id(snapshot.nodes[key[0]], proc, active)
        if rid is None:
            gone_procs.add(key)
        elif rid != dom.router_ids[key]:
            raise Unsupported("OSPF router id changes")
    gone_adj: set[int] = set()
    gone_list: list[Adjacency] = []
    for adj in dom.adjacencies:
        if (
            adj.src in gone_procs
            or adj.dst in gone_procs
            or (adj.src[0], adj.iface) in removed
            or base.adj_end[id(adj)] in removed
        ):
            gone_adj.add(id(adj))
            gone_list.append(adj)
    # advertisements lost with the interfaces
    lost_ifaces: list[OspfIface] = []
    for key, ois in dom.ifaces.items():
        for oi in ois:
            if key in gone_procs or (oi.node, oi.iface.name) in removed:
                lost_ifaces.append(oi)
    if not gone_adj and not lost_ifaces and not gone_procs and not changes:
        return base.igp, {}, base_routes
    new_ifaces: dict[ProcKey, list[OspfIface]] = {
        k: [oi for oi in ois if (oi.node, oi.iface.name) not in removed]
        for k, ois in dom.ifaces.items()
        if k not in gone_procs
    }
    new_ifaces = {k: v for k, v in new_ifaces.items() if v}
    new_areas = {k: {oi.area for oi in new_ifaces.get(k, [])} for k in dom.procs if k not in gone_procs}
    full_recompute: set[ProcKey] = {k for k, a in new_areas.items() if a != view.areas_of.get(k)}
    global_prefixes: set[IPv4Network] = set()
    for oi in lost_ifaces:
        global_prefixes.update(_advertised_prefixes(oi))
    new_adverts: dict[int, dict[IPv4Network, list[tuple[ProcKey, int]]]] = dict(view.adverts)
    if lost_ifaces:
        lost_keys = {(oi.proc, oi.area) for oi in lost_ifaces}
        for area in {a for _, a in lost_keys}:
            per = dict(new_adverts[area])
            for p in global_prefixes:
                if p in per:
                    lst = [
                        (k, oi.cost)
                        for k, oi in base.advertisers().get((area, p), ())
                        if k not in gone_procs and (oi.node, oi.iface.name) not in removed
                    ]
                    if lst:
                        per[p] = lst
                    else:
                        del per[p]
            new_adverts[area] = per
    # externals of touched ASBRs
    new_externals = view.externals
    new_ext_by_prefix = view.ext_by_prefix
    if view.uses_externals:
        new_externals = dict(view.externals)
        changed_ext: set[IPv4Network] = set()
        for key in list(new_externals):
            if key in gone_procs:
                changed_ext.update(e.prefix for e in new_externals.pop(key))
            elif key[0] in touched and dom.procs[key].redistributions:
                exts = _externals(snapshot.nodes[key[0]], dom.procs[key], _connected_rib(base_routes[key[0]], key[1]))
                if exts != new_externals[key]:
                    changed_ext.update(e.prefix for e in exts)
                    changed_ext.update(e.prefix for e in new_externals[key])
                    new_externals[key] = exts
        if changed_ext:
            global_prefixes |= changed_ext
            ebp: dict[IPv4Network, list[tuple[ProcKey, _External]]] = defaultdict(list)
            for key, exts in new_externals.items():
                for e in exts:
                    ebp[e.prefix].append((key, e))
            new_ext_by_prefix = dict(ebp)
    # shortest paths
    new_sp_area: dict[tuple[int, ProcKey], SpResult] = {}
    per_source: dict[ProcKey, set[IPv4Network]] = defaultdict(set)
    cand_by_area: dict[int, list[Adjacency]] = defaultdict(list)
    for adj in gone_list:
        cand_by_area[adj.area].append(adj)
    for (area, key), res in view.sp_area.items():
        if key in gone_procs or area not in new_areas.get(key, set()):
            continue
        cands = cand_by_area.get(area, [])
        if not cands and not gone_procs:
            new_sp_area[(area, key)] = res
            continue
        new_res, changed = _decremental(
            res, key, view.graph_area.get(area, {}), base.rin_area.get(area, {}), gone_adj, gone_procs, cands
        )
        new_sp_area[(area, key)] = new_res
        for router in changed:
            per_source[key] |= view.advertised_by.get((area, router), set())
    new_sp_all = view.sp_all
    if view.uses_externals:
        new_sp_all = {}
        for key, res in view.sp_all.items():
            if key in gone_procs:
                continue
            if not gone_list and not gone_procs:
                new_sp_all[key] = res
                continue
            new_res, changed = _decremental(res, key, view.graph_all, base.rin_all, gone_adj, gone_procs, gone_list)
            new_sp_all[key] = new_res
            for router in changed:
                per_source[key].update(e.prefix for e in new_externals.get(router, view.externals.get(router, [])))
    scen = OspfView(
        domain=dom,
        areas_of=new_areas,
        graph_area=view.graph_area,
        graph_all=view.graph_all,
        sp_area=new_sp_area,
        sp_all=new_sp_all,
        adverts=new_adverts,
        advertised_by=view.advertised_by,
        externals=new_externals,
        ext_by_prefix=new_ext_by_prefix,
        routes={},
        uses_externals=view.uses_externals,
    )
    # OSPF routes that changed, per (node, vrf, prefix)
    ospf_new: dict[tuple[str, str, IPv4Network], list[Route]] = {}
    for key in dom.procs:
        node, vrf, _ = key
        old = view.routes.get(key, {})
        if key in gone_procs:
            for p in old:
                ospf_new[(node, vrf, p)] = []
                changes[(node, vrf)].add(p)
            continue
        if key in full_recompute:
            prefixes = set(old) | {p for a in new_areas[key] for p in new_adverts.get(a, {})} | set(new_ext_by_prefix)
        else:
            prefixes = per_source.get(key, set()) | global_prefixes
        for p in prefixes:
            before = old.get(p, [])
            rs = route_for(scen, key, p, before)
            if rs is not before and rs != before:
                ospf_new[(node, vrf, p)] = rs
                changes[(node, vrf)].add(p)
    # statics: discard and interface next hops depend on the active interfaces only; a next-hop IP
    # may resolve differently, which the reference path handles
    statics = base.statics
    for n in touched | {node for node, _ in changes}:
        nd = snapshot.nodes[n]
        if any(_by_ip(sr) for sr in nd.static_routes):
            if any(nets for (node2, _vrf), nets in changes.items() if node2 == n):
                raise Unsupported("static next hop on a changed node")
            continue
        if n not in touched or not nd.static_routes:
            continue
        new_static = static_routes(nd, active, {})
        old_static = statics.get(n, [])
        if new_static != old_static:
            if statics is base.statics:
                statics = dict(statics)
            statics[n] = new_static
            for r in set(new_static) ^ set(old_static):
                changes[(n, r.vrf)].add(r.network)
    # patch the IGP RIBs
    out: Ribs = dict(base.igp)
    for (node, vrf), nets in changes.items():
        vrfs = dict(out[node])
        old_rib = vrfs.get(vrf)
        rib = clone_rib(old_rib) if old_rib is not None else MainRib()
        conn = base.by_prefix(node, base_routes.get(node, []), "conn")
        stat = base.by_prefix(node, statics.get(node, []), "static")
        for p in nets:
            seq = list(conn.get((vrf, p), ()))
            seq += stat.get((vrf, p), ())
            key_o = (node, vrf, p)
            if key_o in ospf_new:
                seq += ospf_new[key_o]
            else:
                k = base.proc_of.get((node, vrf))
                if k is not None and k not in gone_procs:
                    seq += view.routes.get(k, {}).get(p, [])
            set_prefix(rib, p, _merged_at([], seq))
        vrfs[vrf] = rib
        out[node] = vrfs
    return out, {k: v for k, v in changes.items() if v}, base_routes


def _by_ip(sr: object) -> bool:
    """A static whose installation depends on the RIB (next-hop IP, no interface)."""
    return (
        getattr(sr, "next_hop_ip", None) is not None
        and getattr(sr, "next_hop_interface", None) is None
        and not getattr(sr, "discard", False)
    )


def statics_of(snapshot: Snapshot, active: frozenset[IfaceKey], igp: Ribs) -> dict[str, list[Route]]:
    return {n: static_routes(node, active, igp.get(n, {})) for n, node in snapshot.nodes.items() if node.static_routes}
