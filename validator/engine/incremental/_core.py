"""The data plane as a state that a failure scenario patches (see the package docstring)."""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from validator.engine.bgp import BgpRoute, SpeakerKey, external_routes
from validator.engine.bgp_sessions import BgpTopology, SessionEdge, compute_bgp_topology, static_local_ip
from validator.engine.dataplane import MAX_TOPOLOGY_ITERATIONS, _Context, igp_fixpoint
from validator.engine.incremental._bgp import History, PrefixBgp, PrefixState, Unsupported
from validator.engine.incremental._bgp_routes import _merged_at
from validator.engine.incremental._fib import (
    DepIndex,
    LazyFib,
    clone_rib,
    listing_keys,
    patched_listing,
    set_prefix,
)
from validator.engine.incremental._igp import IgpBase, scenario_igp_incremental, statics_of
from validator.engine.incremental._ospf_view import build_view
from validator.engine.incremental._patch import patch_fibs, patch_ribs
from validator.engine.incremental._reads import check_bgp_reads, check_igp_independence
from validator.engine.incremental._scenario_bgp import scenario_bgp
from validator.engine.incremental._sessions import (
    ReachKey,
    Read,
    ReadFilter,
    RecordingTracer,
    SessionChecker,
    SessionIndex,
    interim,
)
from validator.engine.incremental._topo import TopologyPlan
from validator.engine.ospf import build_domain
from validator.engine.rib import MainRib, connected_and_local_routes
from validator.engine.topology import (
    IfaceKey,
    compute_active_interfaces,
    compute_edges,
    compute_ip_owners,
    without_unbound,
)
from validator.engine.types import DataPlane, FailureSet, Fib
from validator.model.dataplane import Edge, Route
from validator.model.snapshot import Snapshot

Ribs = dict[str, dict[str, MainRib]]
FibMap = dict[str, dict[str, Fib]]


@dataclass
class Stats:
    """What a scenario reused (for benchmarks and tests)."""

    igp: str = "incremental"  # incremental | reference
    igp_changed_nodes: int = 0
    dirty_prefixes: int = 0
    bgp: str = "reused"  # reused | delta | partial | full
    bgp_evaluations: int = 0  # (speaker, prefix) selections evaluated by delta BGP
    bgp_narrowed: int = 0  # pairs delta BGP left out: their changed inputs provably keep the selection
    bgp_widened: bool = False  # the read check refused the narrowed replay: replayed in full
    bgp_prefixwise: int = 0  # prefixes under aggregates re-run prefix-wise beside delta BGP
    sessions_reused: int = 0
    sessions_traced: int = 0
    sessions_carried: int = 0  # checks taken over from the scenario's previous view, not re-traced
    topology_rounds: int = 0


@dataclass
class BgpRun:
    edges: list[SessionEdge]
    engine: PrefixBgp
    state: PrefixState
    history: History | None = None  # the run's trajectory (delta BGP replays scenarios against it)


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
    index_first: SessionIndex
    index_last: SessionIndex
    topology: BgpTopology
    topology_first: BgpTopology
    peer_owners: frozenset[IfaceKey]  # interfaces owning a configured BGP peer address
    fib_local_ips: bool  # some session's local IP comes from a FIB lookup
    converged: bool
    strict: dict[SpeakerKey, set[IPv4Address]]  # static next hops no BGP prefix may cover
    deps: dict[tuple[str, str], DepIndex] = field(default_factory=dict)
    igp_deps: dict[tuple[str, str], DepIndex] = field(default_factory=dict)
    listing_keys: dict[tuple[str, str], array[int]] = field(default_factory=dict)
    externals: dict[SpeakerKey, list[BgpRoute]] = field(default_factory=dict)
    igp_base: IgpBase | None = None
    prefix_keys: dict[SpeakerKey, set[tuple[int, int]]] = field(default_factory=dict)
    plan: TopologyPlan | None = None  # the BGP topology as a function of the session checks
    edge_memo: dict[int, Any] = field(default_factory=dict)  # see _topo.edge_diff

    def dep_index(self, node: str, vrf: str, igp: bool = False) -> DepIndex:
        cache = self.igp_deps if igp else self.deps
        hit = cache.get((node, vrf))
        if hit is None:
            hit = DepIndex((self.igp if igp else self.merged)[node][vrf])
            cache[(node, vrf)] = hit
        return hit


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


def lazy_fibs(ribs: Ribs, donors: tuple[Ribs, FibMap] | None = None) -> FibMap:
    """Lazy FIBs of ``ribs``; ``donors`` (the IGP RIBs and FIBs they were merged from) lend their
    entries for the IGP routes both share (``fib.build_fib``: memory)."""
    if donors is None:
        return {n: {v: LazyFib(rib) for v, rib in vrfs.items()} for n, vrfs in ribs.items()}
    d_ribs, d_fibs = donors
    out: FibMap = {}
    for n, vrfs in ribs.items():
        out[n] = {}
        for v, rib in vrfs.items():
            d_rib, d_fib = d_ribs.get(n, {}).get(v), d_fibs.get(n, {}).get(v)
            out[n][v] = LazyFib(rib, donor=(d_rib, d_fib) if d_rib is not None and d_fib is not None else None)
    return out


def build_state(snapshot: Snapshot, failures: FailureSet, fibs: FibMap | None = None) -> State:
    """The data plane from scratch, keeping what scenarios reuse. Raises Unsupported when the
    prefix-wise BGP evaluation cannot be shown equal to the reference."""
    if any(n.admin_distances for n in snapshot.nodes.values()):
        # Junos route preferences (model Node.admin_distances) are applied by the reference
        # engine only; the prefix-wise evaluation assumes IOS distances, so it steps aside
        raise Unsupported("vendor route preferences")
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
    igp_cache: dict[str, object] = {}
    igp = igp_fixpoint(ctx, {}, igp_cache)
    strict = check_igp_independence(snapshot, active, igp)
    igp_fibs = lazy_fibs(igp)
    igp_base: IgpBase | None
    try:
        view = build_view(snapshot, ctx.ospf, ctx.base_routes, igp_cache.get("ospf_routes", {}))  # type: ignore[arg-type]
        igp_base = IgpBase(snapshot, active, view, ctx.base_routes, igp, statics_of(snapshot, active, igp))
    except Unsupported:
        igp_base = None
    externals = external_routes(snapshot, snapshot.bgp_announcements)
    shell = DataPlane(snapshot, failures, active, edges, {}, igp_fibs, ip_owners=owners)
    first_tracer = RecordingTracer(interim(shell, igp_fibs))
    first = SessionChecker(first_tracer)
    topology = compute_bgp_topology(snapshot, active, owners, igp_fibs, first)
    topology_first = topology
    converged = False
    run: BgpRun | None = None
    merged: Ribs = igp
    final_fibs: FibMap = igp_fibs
    last = first
    for _ in range(MAX_TOPOLOGY_ITERATIONS):
        engine = PrefixBgp(snapshot, topology.edges, externals, igp)
        hist = History()
        st = engine.run(record=hist)
        check_bgp_reads(igp, strict, st.nh_users, st.bgp_prefixes)
        run = BgpRun(topology.edges, engine, st, hist)
        merged = merge_bgp(igp, st.main)
        final_fibs = lazy_fibs(merged, (igp, igp_fibs))
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
    fib_local_ips = _fib_local_ips(snapshot)
    plan = _plan(snapshot, owners, active, (topology_first, first, igp_fibs), (topology, last, final_fibs))
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
        index_first=SessionIndex(first.records, _iface_vrf(snapshot)),
        index_last=SessionIndex(last.records, _iface_vrf(snapshot)),
        sessions_last=(last.records, last.tracer),
        topology=topology,
        topology_first=topology_first,
        peer_owners=_peer_owners(snapshot, owners),
        fib_local_ips=fib_local_ips,
        converged=converged,
        strict=strict,
        externals=externals,
        igp_base=igp_base,
        plan=plan,
    )


def _plan(
    snapshot: Snapshot,
    owners: dict[IPv4Address, frozenset[IfaceKey]],
    active: frozenset[IfaceKey],
    *bases: tuple[BgpTopology, SessionChecker, FibMap],
) -> TopologyPlan | None:
    """The topology plan, when it reproduces every base topology exactly (else None: the
    reference computes scenario topologies)."""
    plan = TopologyPlan(snapshot, owners)
    for topology, checker, fibs in bases:
        if not plan.adopt(topology, active, checker, fibs):
            return None
    return plan


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
    strict: dict[SpeakerKey, set[IPv4Address]] = field(default_factory=dict)


def scenario_igp(base: State, active: frozenset[IfaceKey], edges: tuple[Edge, ...], stats: Stats) -> IgpDelta:
    """The scenario's IGP-only RIBs and where they differ from the base's."""
    if base.igp_base is not None:
        try:
            inc_igp, inc_changed, _conn = scenario_igp_incremental(base.igp_base, active)
            return IgpDelta(inc_igp, inc_changed)
        except Unsupported:
            pass
    stats.igp = "reference"
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
    return IgpDelta(igp, changed)


def _iface_vrf(snapshot: Snapshot) -> Callable[[str, str], str]:
    def vrf(node: str, iface: str) -> str:
        return snapshot.nodes[node].interfaces[iface].vrf

    return vrf


def _peer_owners(snapshot: Snapshot, owners: dict[IPv4Address, frozenset[IfaceKey]]) -> frozenset[IfaceKey]:
    out: set[IfaceKey] = set()
    for node in snapshot.nodes.values():
        if node.bgp is None:
            continue
        for nb in node.bgp.neighbors:
            if nb.peer_ip is not None:
                out |= owners.get(nb.peer_ip, frozenset())
    return frozenset(out)


def _fib_local_ips(snapshot: Snapshot) -> bool:
    for node in snapshot.nodes.values():
        if node.bgp is None:
            continue
        for nb in node.bgp.neighbors:
            # no static local IP (also an update-source without an address): the FIB chooses it
            if nb.peer_ip is not None and static_local_ip(node, nb) is None:
                return True
    return False


def _topology(
    base: State, same_as: BgpTopology, active: frozenset[IfaceKey], fibs: FibMap, checker: SessionChecker
) -> BgpTopology:
    """``compute_bgp_topology``; the base's own result when none of its inputs changed: no peer
    address lost its interface, local IPs do not come from FIBs, every session check answers the same.
    With a plan (static local IPs), only the pairs whose state changed are recomputed (``_topo``)."""
    if base.plan is not None:
        planned = base.plan.topology(same_as, active, checker, fibs, base.active - active, checker.suspects)
        if planned is not None:
            return planned
    if not base.fib_local_ips and not (base.active - active) & base.peer_owners:
        keys = checker.previous if checker.suspects is None else checker.suspects
        if all(checker(*key) == checker.previous[key][0] for key in keys):
            checker.reused += len(checker.previous) - len(keys)
            return same_as
    return compute_bgp_topology(base.snapshot, active, base.ip_owners, fibs, checker)


def _same_edges(base: State, a: BgpTopology, b: BgpTopology) -> bool:
    """``a.edge_keys() == b.edge_keys()``, answered once for the base's own two topologies (most
    scenarios keep both, so every one of them would compare the same two edge lists again)."""
    if a is b:
        return True
    if {id(a), id(b)} == {id(base.topology), id(base.topology_first)}:
        hit = base.edge_memo.get(-2)
        if hit is None:
            hit = base.edge_memo[-2] = base.topology.edge_keys() == base.topology_first.edge_keys()
        return bool(hit)
    return a.edge_keys() == b.edge_keys()


def scenario_dataplane_from_state(base: State, base_dp: DataPlane, failures: FailureSet) -> tuple[DataPlane, Stats]:
    stats = Stats()
    snapshot = base.snapshot
    down = set(failures.nodes)
    kept = {k for k in base.active if k[0] not in down and k not in failures.interfaces}
    active = frozenset(without_unbound(snapshot, kept))  # a failed parent's subinterfaces go too
    edges = tuple(e for e in base.edges if (e.node1, e.interface1) in active and (e.node2, e.interface2) in active)
    ig = scenario_igp(base, active, edges, stats)
    stats.igp_changed_nodes = len({n for n, _ in ig.changed})
    ig.strict = check_igp_independence(snapshot, active, ig.igp) if ig.changed else base.strict
    shell = DataPlane(snapshot, failures, active, edges, {}, {}, ip_owners=base.ip_owners)
    igp_fibs = patch_fibs(base, base.igp_fibs, ig.igp, ig.changed, igp=True)
    touched = {n for n, _ in base.active - active}
    kept_edges = set(edges)
    lost_edges = {(e.node1, e.interface1) for e in base.edges if e not in kept_edges}
    template = base.sessions_first[1]
    # the scenario's edges are the base's minus the lost ones: rebuild only their neighbour lists
    tracer = RecordingTracer(
        interim(shell, igp_fibs), template, None, lost_edges if template.dp.edges is base.edges else None
    )

    iface_vrf = _iface_vrf(snapshot)

    def filt(changes: dict[tuple[str, str], set[IPv4Network]], igp: bool) -> ReadFilter:
        return ReadFilter(changes, lambda n, v: base.dep_index(n, v, igp=igp), touched, lost_edges, iface_vrf)

    f1 = filt(ig.changed, True)
    checker = SessionChecker(tracer, base.sessions_first[0], base.sessions_first[1], f1)
    checker.suspects = base.index_first.suspects(f1)
    topology = _topology(base, base.topology_first, active, igp_fibs, checker)
    stats.sessions_reused += checker.reused
    stats.sessions_traced += checker.traced
    converged = False
    ribs: Ribs = base.merged
    fibs: FibMap = base.fibs
    changes: dict[tuple[str, str], set[IPv4Network]] = {}
    for _ in range(MAX_TOPOLOGY_ITERATIONS):
        stats.topology_rounds += 1
        main, bgp_changed, bgp_converged = scenario_bgp(base, topology.edges, ig, stats)
        changes = {k: set(v) for k, v in ig.changed.items()}
        for k, p in bgp_changed:
            changes.setdefault(k, set()).add(p)
        ribs = patch_ribs(base.merged, ig.igp, changes, main)
        fibs = patch_fibs(base, base.fibs, ribs, changes, igp=False)
        tracer = RecordingTracer(interim(shell, fibs), base.sessions_last[1], checker.tracer)
        f2 = filt(changes, False)
        previous_view = checker
        checker = SessionChecker(tracer, base.sessions_last[0], base.sessions_last[1], f2)
        checker.suspects = base.index_last.suspects(f2)
        checker.sibling = previous_view  # a check this scenario traced a view ago may answer alike
        new_topology = _topology(base, base.topology, active, fibs, checker)
        stats.sessions_reused += checker.reused
        stats.sessions_traced += checker.traced
        stats.sessions_carried += checker.carried
        stable = _same_edges(base, new_topology, topology)
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
