"""The data plane as a state that a failure scenario patches (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from validator.engine.bgp import (
    BgpRoute,
    BgpTopology,
    SessionEdge,
    SpeakerKey,
    compute_bgp_topology,
    external_routes,
)
from validator.engine.dataplane import MAX_TOPOLOGY_ITERATIONS, _Context, igp_fixpoint
from validator.engine.incremental._bgp import PrefixBgp, PrefixState, Unsupported, _merged_at
from validator.engine.incremental._fib import (
    DepIndex,
    LazyFib,
    clone_rib,
    listing_keys,
    patched_listing,
    set_prefix,
)
from validator.engine.incremental._sessions import ReachKey, Read, RecordingTracer, SessionChecker, interim
from validator.engine.ospf import build_domain
from validator.engine.rib import MainRib, connected_and_local_routes, static_routes
from validator.engine.topology import IfaceKey, compute_active_interfaces, compute_edges, compute_ip_owners
from validator.engine.types import DataPlane, FailureSet, Fib
from validator.model.dataplane import Edge, Route
from validator.model.snapshot import Snapshot

Ribs = dict[str, dict[str, MainRib]]
FibMap = dict[str, dict[str, Fib]]


@dataclass
class Stats:
    """What a scenario reused (for benchmarks and tests)."""

    igp_changed_nodes: int = 0
    dirty_prefixes: int = 0
    bgp: str = "reused"  # reused | partial | full
    sessions_reused: int = 0
    sessions_traced: int = 0
    topology_rounds: int = 0


@dataclass
class BgpRun:
    edges: list[SessionEdge]
    engine: PrefixBgp
    state: PrefixState


@dataclass
class State:
    """Everything a scenario may reuse from one data-plane computation."""

    snapshot: Snapshot
    failures: FailureSet
    active: frozenset[IfaceKey]
    edges: tuple[Edge, ...]
    ip_owners: dict[IPv4Address, frozenset[IfaceKey]]
    ctx: _Context
    igp: Ribs  # IGP-only main RIBs (connected, local, static, OSPF)
    igp_fibs: FibMap
    merged: Ribs  # final main RIBs
    fibs: FibMap
    bgp: BgpRun
    sessions_first: tuple[dict[ReachKey, tuple[bool, frozenset[Read]]], RecordingTracer]
    sessions_last: tuple[dict[ReachKey, tuple[bool, frozenset[Read]]], RecordingTracer]
    topology: BgpTopology
    converged: bool
    strict: dict[SpeakerKey, set[IPv4Address]]  # static next hops no BGP prefix may cover
    deps: dict[tuple[str, str], DepIndex] = field(default_factory=dict)
    igp_deps: dict[tuple[str, str], DepIndex] = field(default_factory=dict)
    listing_keys: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    externals: dict[SpeakerKey, list[BgpRoute]] = field(default_factory=dict)
    stats: Stats = field(default_factory=Stats)

    def dep_index(self, node: str, vrf: str, igp: bool = False) -> DepIndex:
        cache = self.igp_deps if igp else self.deps
        hit = cache.get((node, vrf))
        if hit is None:
            hit = DepIndex((self.igp if igp else self.merged)[node][vrf])
            cache[(node, vrf)] = hit
        return hit


# --- conditions under which BGP reads only the IGP --------------------------------------------------


def check_igp_independence(
    snapshot: Snapshot, active: frozenset[IfaceKey], igp: Ribs
) -> dict[SpeakerKey, set[IPv4Address]]:
    """Raise Unsupported when the IGP may read BGP routes; return the static next hops that would
    install only through a BGP route (no BGP prefix may ever cover them)."""
    strict: dict[SpeakerKey, set[IPv4Address]] = {}
    for name, node in snapshot.nodes.items():
        redist_static = False
        for proc in node.ospf:
            for redist in proc.redistributions:
                if redist.protocol == "bgp":
                    raise Unsupported("OSPF redistributes BGP")
                if redist.protocol == "static":
                    redist_static = True
        if not node.static_routes:
            continue
        if redist_static and any(sr.admin_distance >= 20 for sr in node.static_routes):
            raise Unsupported("floating static redistributed into OSPF")
        by_ip = [
            sr
            for sr in node.static_routes
            if sr.next_hop_interface is None and not sr.discard and sr.next_hop_ip is not None
        ]
        if not by_ip:
            continue
        installed = {(r.vrf, r.network, r.next_hop.ip) for r in static_routes(node, active, igp.get(name, {}))}
        for sr in by_ip:
            if (sr.vrf, sr.network, sr.next_hop_ip) not in installed:
                assert sr.next_hop_ip is not None
                strict.setdefault((name, sr.vrf), set()).add(sr.next_hop_ip)
    return strict


def _lpm_len(rib: MainRib | None, q: IPv4Address) -> int:
    if rib is None:
        return 33  # nothing may cover it
    m = rib.longest_prefix_match(q)
    return m[0].network.prefixlen if m else -1


_MASKS = [((0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF) if n else 0 for n in range(33)]


def _covered(prefix_keys: set[tuple[int, int]], q: IPv4Address, min_len: int) -> bool:
    a = int(q)
    return any((a & _MASKS[n], n) in prefix_keys for n in range(max(min_len, 0), 33))


def check_bgp_reads(
    igp: Ribs,
    strict: dict[SpeakerKey, set[IPv4Address]],
    nh_users: dict[SpeakerKey, Any],
    bgp_prefixes: dict[SpeakerKey, set[IPv4Network]],
    speakers: set[SpeakerKey] | None = None,
) -> None:
    """BGP routes never answer a next-hop lookup BGP made, nor resolve a static: the prefix-wise run
    then equals the reference's."""
    keys = set(bgp_prefixes) if speakers is None else speakers
    for k in keys:
        bps = bgp_prefixes.get(k)
        if not bps:
            continue
        rib = igp.get(k[0], {}).get(k[1])
        if rib is None:
            raise Unsupported("BGP routes in a VRF without an IGP RIB")
        pk = {(int(p.network_address), p.prefixlen) for p in bps}
        for q in nh_users.get(k, {}):
            if _covered(pk, q, _lpm_len(rib, q)):
                raise Unsupported("a BGP route covers a BGP next hop")
        for q in strict.get(k, ()):
            if _covered(pk, q, 0):
                raise Unsupported("a BGP route may resolve a static")


# --- from scratch ---------------------------------------------------------------------------------


def _ctx(
    snapshot: Snapshot,
    active: frozenset[IfaceKey],
    edges: tuple[Edge, ...],
    owners: Any,
    base_routes: dict[str, list[Route]],
) -> _Context:
    return _Context(
        snapshot=snapshot,
        active=active,
        edges=edges,
        ip_owners=owners,
        base_routes=base_routes,
        ospf=build_domain(snapshot, active, edges),
    )


def merge_bgp(igp: Ribs, main: dict[SpeakerKey, dict[IPv4Network, list[Route]]]) -> Ribs:
    out: Ribs = {n: dict(vrfs) for n, vrfs in igp.items()}
    for (node, vrf), per_prefix in main.items():
        if not per_prefix:
            continue
        base = igp[node].get(vrf)
        rib = clone_rib(base) if base is not None else MainRib()
        for net, routes in per_prefix.items():
            set_prefix(rib, net, _merged_at(rib.by_prefix.get(net, []), routes))
        out[node][vrf] = rib
    return out


def lazy_fibs(ribs: Ribs) -> FibMap:
    return {n: {v: LazyFib(rib) for v, rib in vrfs.items()} for n, vrfs in ribs.items()}


def build_state(snapshot: Snapshot, failures: FailureSet, fibs: FibMap | None = None) -> State:
    """The data plane from scratch, keeping what scenarios reuse. Raises Unsupported when the
    prefix-wise BGP evaluation cannot be shown equal to the reference."""
    active = compute_active_interfaces(snapshot, failures)
    edges = compute_edges(snapshot, active)
    owners = compute_ip_owners(snapshot)
    ctx = _ctx(
        snapshot,
        active,
        edges,
        owners,
        {n: connected_and_local_routes(node, active) for n, node in snapshot.nodes.items()},
    )
    igp = igp_fixpoint(ctx, {}, {})
    strict = check_igp_independence(snapshot, active, igp)
    igp_fibs = lazy_fibs(igp)
    externals = external_routes(snapshot, snapshot.bgp_announcements)
    shell = DataPlane(snapshot, failures, active, edges, {}, igp_fibs, ip_owners=owners)
    first_tracer = RecordingTracer(interim(shell, igp_fibs))
    first = SessionChecker(first_tracer)
    topology = compute_bgp_topology(snapshot, active, owners, igp_fibs, first)
    converged = False
    run: BgpRun | None = None
    merged: Ribs = igp
    final_fibs: FibMap = igp_fibs
    last = first
    for _ in range(MAX_TOPOLOGY_ITERATIONS):
        engine = PrefixBgp(snapshot, topology.edges, externals, igp)
        st = engine.run()
        check_bgp_reads(igp, strict, st.nh_users, st.bgp_prefixes)
        run = BgpRun(topology.edges, engine, st)
        merged = merge_bgp(igp, st.main)
        final_fibs = lazy_fibs(merged)
        tracer = RecordingTracer(interim(shell, final_fibs))
        last = SessionChecker(tracer)
        new_topology = compute_bgp_topology(snapshot, active, owners, final_fibs, last)
        stable = new_topology.edge_keys() == topology.edge_keys()
        topology = new_topology
        if stable:
            converged = st.converged
            break
    assert run is not None
    if fibs is not None:
        final_fibs = fibs
    return State(
        snapshot=snapshot,
        failures=failures,
        active=active,
        edges=edges,
        ip_owners=owners,
        ctx=ctx,
        igp=igp,
        igp_fibs=igp_fibs,
        merged=merged,
        fibs=final_fibs,
        bgp=run,
        sessions_first=(first.records, first.tracer),
        sessions_last=(last.records, last.tracer),
        topology=topology,
        converged=converged,
        strict=strict,
        externals=externals,
    )


def state_dataplane(st: State) -> DataPlane:
    return DataPlane(
        snapshot=st.snapshot,
        failures=st.failures,
        active_interfaces=st.active,
        edges=st.edges,
        ribs={n: {v: rib.routes() for v, rib in sorted(vrfs.items())} for n, vrfs in sorted(st.merged.items())},
        fibs=st.fibs,
        bgp_sessions=tuple(st.topology.sessions),
        ip_owners=st.ip_owners,
        converged=st.converged,
    )


# --- scenarios ------------------------------------------------------------------------------------


def _rib_diff(a: MainRib | None, b: MainRib | None) -> set[IPv4Network]:
    if a is b:
        return set()
    pa = a.by_prefix if a is not None else {}
    pb = b.by_prefix if b is not None else {}
    out = {p for p, rs in pa.items() if pb.get(p) != rs}
    out.update(p for p in pb if p not in pa)
    return out


@dataclass
class IgpDelta:
    igp: Ribs
    changed: dict[tuple[str, str], set[IPv4Network]]  # (node, vrf) -> prefixes whose IGP routes differ
    ctx: _Context
    strict: dict[SpeakerKey, set[IPv4Address]] = field(default_factory=dict)


def scenario_igp(base: State, active: frozenset[IfaceKey], edges: tuple[Edge, ...]) -> IgpDelta:
    """The scenario's IGP-only RIBs and where they differ from the base's."""
    snapshot = base.snapshot
    removed = base.active - active
    touched = {n for n, _ in removed}
    base_routes = dict(base.ctx.base_routes)
    for n in touched:
        base_routes[n] = connected_and_local_routes(snapshot.nodes[n], active)
    ctx = _ctx(snapshot, active, edges, base.ip_owners, base_routes)
    igp = igp_fixpoint(ctx, {}, {})
    changed: dict[tuple[str, str], set[IPv4Network]] = {}
    for n, vrfs in igp.items():
        old = base.igp[n]
        for v in set(vrfs) | set(old):
            d = _rib_diff(old.get(v), vrfs.get(v))
            if d:
                changed[(n, v)] = d
    return IgpDelta(igp, changed, ctx)


def _igp_answer(rib: MainRib | None, q: IPv4Address) -> tuple[bool, int]:
    if rib is None:
        return (False, 0)
    m = rib.longest_prefix_match(q)
    return (bool(m), min(r.metric for r in m) if m else 0)


def _within(nets: set[IPv4Network], qs: Any) -> list[IPv4Address]:
    if not nets:
        return []
    out = []
    for q in qs:
        for n in nets:
            if q in n:
                out.append(q)
                break
    return out


def _aggregate_closure(engine: PrefixBgp, dirty: set[IPv4Network], universe: set[IPv4Network]) -> set[IPv4Network]:
    if not engine.has_aggregates or not dirty:
        return dirty
    aggs = {a for sp in engine.spk.values() for a in sp.aggregates}
    out = set(dirty)
    changed = True
    while changed:
        changed = False
        for a in aggs:
            group = {a} | {p for p in universe | out if p != a and p.subnet_of(a)}
            if group & out and not group <= out:
                out |= group
                changed = True
    return out


def scenario_bgp(
    base: State, edges: list[SessionEdge], igp: IgpDelta, stats: Stats
) -> tuple[
    dict[SpeakerKey, dict[IPv4Network, list[Route]]],
    set[tuple[SpeakerKey, IPv4Network]],
    bool,
    PrefixBgp,
    PrefixState | None,
]:
    """BGP main routes of the scenario: the base's except for prefixes a change may reach.

    Returns (main routes per speaker, changed (speaker, prefix), converged, engine, dirty-run state).
    """
    brun = base.bgp
    bst = brun.state
    engine = PrefixBgp(base.snapshot, edges, base.externals, igp.igp)
    old_ids = {_edge_id(e): i for i, e in enumerate(brun.edges)}
    new_ids = {_edge_id(e): e for e in edges}
    added = [e for k, e in new_ids.items() if k not in old_ids or brun.edges[old_ids[k]] != e]
    if added or len(new_ids) != len(edges) or len(old_ids) != len(brun.edges):
        stats.bgp = "full"
        st = engine.run()
        check_bgp_reads(igp.igp, igp.strict, st.nh_users, st.bgp_prefixes)
        changed = {
            (k, p)
            for k in set(st.main) | set(bst.main)
            for p in set(st.main.get(k, {})) | set(bst.main.get(k, {}))
            if st.main.get(k, {}).get(p) != bst.main.get(k, {}).get(p)
        }
        return st.main, changed, st.converged, engine, st
    dirty: set[IPv4Network] = set()
    for k, i in old_ids.items():
        if k not in new_ids:
            dirty |= bst.exported.get(i, set())
    # IGP answers BGP read
    recheck: set[SpeakerKey] = set()
    for (node, vrf), nets in igp.changed.items():
        k = (node, vrf)
        sp = engine.spk.get(k)
        if sp is None:
            continue
        recheck.add(k)
        users = bst.nh_users.get(k, {})
        old_rib = base.igp[node].get(vrf)
        new_rib = igp.igp[node].get(vrf)
        for q in _within(nets, users):
            if _igp_answer(old_rib, q) != _igp_answer(new_rib, q):
                dirty |= users[q]
        if sp.main_vrf:
            dirty |= nets & sp.networks
            if sp.redist_protos:
                for net in nets:
                    for rib in (old_rib, new_rib):
                        if rib is not None and any(r.protocol in sp.redist_protos for r in rib.by_prefix.get(net, [])):
                            dirty.add(net)
    if engine.has_aggregates and dirty:
        dirty = _aggregate_closure(engine, dirty, {p for m in bst.ribs.values() for p in m})
    stats.dirty_prefixes = len(dirty)
    if not dirty:
        check_bgp_reads(igp.igp, igp.strict, bst.nh_users, bst.bgp_prefixes, recheck)
        return bst.main, set(), bst.converged, engine, None
    stats.bgp = "partial"
    st = engine.run(only=dirty)
    main: dict[SpeakerKey, dict[IPv4Network, list[Route]]] = {}
    changed: set[tuple[SpeakerKey, IPv4Network]] = set()
    for k in engine.spk:
        old = bst.main.get(k, {})
        new = st.main.get(k, {})
        diff = [p for p in dirty if old.get(p) != new.get(p)]
        if not diff:
            main[k] = old
            continue
        m = dict(old)
        for p in diff:
            if p in new:
                m[p] = new[p]
            else:
                del m[p]
            changed.add((k, p))
        main[k] = m
    # reads check over the combined run: clean prefixes keep the base's reads
    nh_users: dict[SpeakerKey, set[IPv4Address]] = {}
    prefixes: dict[SpeakerKey, set[IPv4Network]] = {}
    check_keys = set(recheck)
    for k in engine.spk:
        if st.bgp_prefixes.get(k) or st.nh_users.get(k):
            check_keys.add(k)
    for k in check_keys:
        # clean prefixes keep the base's lookups; dirty ones made the re-run's
        clean_qs = {q for q, ps in bst.nh_users.get(k, {}).items() if not ps <= dirty}
        nh_users[k] = clean_qs | set(st.nh_users.get(k, {}))
        prefixes[k] = {p for p in bst.bgp_prefixes.get(k, set()) if p not in dirty} | st.bgp_prefixes.get(k, set())
    check_bgp_reads(igp.igp, igp.strict, nh_users, prefixes, check_keys)
    return main, changed, bst.converged and st.converged, engine, st


def _edge_id(e: SessionEdge) -> tuple[str, str, IPv4Address, str, str, IPv4Address]:
    return (e.sender.node, e.sender.vrf, e.sender.local_ip, e.receiver.node, e.receiver.vrf, e.receiver.local_ip)


def patch_ribs(
    base_ribs: Ribs,
    new_igp: Ribs,
    changes: dict[tuple[str, str], set[IPv4Network]],
    main: dict[SpeakerKey, dict[IPv4Network, list[Route]]],
) -> Ribs:
    """Final main RIBs: base's, with the changed prefixes re-merged from the scenario's IGP and BGP."""
    out: Ribs = dict(base_ribs)
    by_node: dict[str, dict[str, set[IPv4Network]]] = {}
    for (n, v), nets in changes.items():
        by_node.setdefault(n, {}).setdefault(v, set()).update(nets)
    for n, per_vrf in by_node.items():
        vrfs = dict(out[n])
        for v, nets in per_vrf.items():
            old = vrfs.get(v)
            rib = clone_rib(old) if old is not None else MainRib()
            igp_rib = new_igp[n].get(v)
            bgp = main.get((n, v), {})
            for net in nets:
                ir = igp_rib.by_prefix.get(net, []) if igp_rib is not None else []
                set_prefix(rib, net, _merged_at(ir, bgp.get(net, [])))
            vrfs[v] = rib
        out[n] = vrfs
    return out


def patch_fibs(
    base: State, base_fibs: FibMap, ribs: Ribs, changes: dict[tuple[str, str], set[IPv4Network]], igp: bool
) -> FibMap:
    out: FibMap = dict(base_fibs)
    for (n, v), nets in changes.items():
        vrfs = dict(out[n])
        old = base_fibs.get(n, {}).get(v)
        new_rib = ribs[n].get(v)
        if new_rib is None:
            vrfs.pop(v, None)
        elif old is None:
            vrfs[v] = LazyFib(new_rib)
        else:
            vrfs[v] = LazyFib(new_rib, old, base.dep_index(n, v, igp=igp), frozenset(nets))
        out[n] = vrfs
    return out


def scenario_dataplane_from_state(base: State, base_dp: DataPlane, failures: FailureSet) -> tuple[DataPlane, Stats]:
    stats = Stats()
    snapshot = base.snapshot
    down = set(failures.nodes)
    active = frozenset(k for k in base.active if k[0] not in down and k not in failures.interfaces)
    edges = tuple(e for e in base.edges if (e.node1, e.interface1) in active and (e.node2, e.interface2) in active)
    ig = scenario_igp(base, active, edges)
    stats.igp_changed_nodes = len({n for n, _ in ig.changed})
    ig.strict = check_igp_independence(snapshot, active, ig.igp) if ig.changed else base.strict
    shell = DataPlane(snapshot, failures, active, edges, {}, {}, ip_owners=base.ip_owners)
    igp_fibs = patch_fibs(base, base.igp_fibs, ig.igp, ig.changed, igp=True)
    tracer = RecordingTracer(interim(shell, igp_fibs))
    checker = SessionChecker(tracer, base.sessions_first[0], base.sessions_first[1])
    topology = compute_bgp_topology(snapshot, active, base.ip_owners, igp_fibs, checker)
    stats.sessions_reused += checker.reused
    stats.sessions_traced += checker.traced
    converged = False
    ribs: Ribs = base.merged
    fibs: FibMap = base.fibs
    changes: dict[tuple[str, str], set[IPv4Network]] = {}
    for _ in range(MAX_TOPOLOGY_ITERATIONS):
        stats.topology_rounds += 1
        main, bgp_changed, bgp_converged, _engine, _st = scenario_bgp(base, topology.edges, ig, stats)
        changes = {k: set(v) for k, v in ig.changed.items()}
        for k, p in bgp_changed:
            changes.setdefault(k, set()).add(p)
        ribs = patch_ribs(base.merged, ig.igp, changes, main)
        fibs = patch_fibs(base, base.fibs, ribs, changes, igp=False)
        tracer = RecordingTracer(interim(shell, fibs))
        checker = SessionChecker(tracer, base.sessions_last[0], base.sessions_last[1])
        new_topology = compute_bgp_topology(snapshot, active, base.ip_owners, fibs, checker)
        stats.sessions_reused += checker.reused
        stats.sessions_traced += checker.traced
        stable = new_topology.edge_keys() == topology.edge_keys()
        topology = new_topology
        if stable:
            converged = bgp_converged
            break
    listing: dict[str, dict[str, list[Route]]] = dict(base_dp.ribs)
    by_node: dict[str, set[str]] = {}
    for n, v in changes:
        by_node.setdefault(n, set()).add(v)
    for n, vs in by_node.items():
        vrfs = dict(listing.get(n, {}))
        for v in vs:
            rib = ribs[n].get(v)
            old_list = vrfs.get(v)
            if rib is None:
                vrfs.pop(v, None)
                continue
            if old_list is None:
                vrfs[v] = rib.routes()
                continue
            keys = base.listing_keys.get((n, v))
            if keys is None:
                keys = listing_keys(old_list)
                base.listing_keys[(n, v)] = keys
            vrfs[v] = patched_listing(old_list, keys, rib, changes[(n, v)])
        listing[n] = {v: vrfs[v] for v in sorted(vrfs)}
    dp = DataPlane(
        snapshot=snapshot,
        failures=failures,
        active_interfaces=active,
        edges=edges,
        ribs=listing,
        fibs=fibs,
        bgp_sessions=tuple(topology.sessions),
        ip_owners=base.ip_owners,
        converged=converged,
    )
    return dp, stats
