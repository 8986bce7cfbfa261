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

from collections import defaultdict
from dataclasses import dataclass, field
from ipaddress import IPv4Network

from validator.engine.incremental._bgp import Unsupported
from validator.engine.incremental._bgp_routes import _merged_at
from validator.engine.incremental._fib import clone_rib, set_prefix
from validator.engine.incremental._ospf_view import OspfView, SpResult, _connected_rib, _decremental, route_for
from validator.engine.ospf import (
    Adjacency,
    OspfIface,
    ProcKey,
    _advertised_prefixes,
    _External,
    _externals,
    router_id,
)
from validator.engine.rib import MainRib, connected_and_local_routes, static_routes
from validator.engine.topology import IfaceKey
from validator.model.dataplane import Route
from validator.model.snapshot import Snapshot

Ribs = dict[str, dict[str, MainRib]]
PrefixKey = tuple[str, IPv4Network]  # (vrf, prefix)


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
            c_rs = conn.get((vrf, p))
            s_rs = stat.get((vrf, p))
            key_o = (node, vrf, p)
            if key_o in ospf_new:
                o_rs = ospf_new[key_o]
                if not c_rs and not s_rs:
                    # route_for's routes of one prefix share one protocol and metric and have
                    # distinct next hops: MainRib.merge keeps every one of them, in order
                    set_prefix(rib, p, o_rs)
                    continue
            else:
                k = base.proc_of.get((node, vrf))
                o_rs = view.routes.get(k, {}).get(p, []) if k is not None and k not in gone_procs else []
            seq = [*(c_rs or ()), *(s_rs or ()), *o_rs]
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
