"""A scenario's BGP main routes from the base run's: which (speaker, prefix) pairs a failure can
reach (lost sessions, next hops whose IGP answer changed, originations from changed IGP routes),
then delta BGP (``_delta``) over those, or a prefix-wise re-run where delta BGP does not apply.
Split from ``_core`` (which builds the state and assembles a scenario) to keep each module to one job.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING, Any

from validator.engine.bgp import SpeakerKey
from validator.engine.bgp_sessions import SessionEdge
from validator.engine.incremental._bgp import PrefixBgp, PrefixState, Unsupported
from validator.engine.incremental._delta import Compact, DeltaResult, GiveUp, compact, delta_run
from validator.engine.incremental._narrow import cost_blind, cost_groups, inbox_next_hops, lost_matters, selected_via
from validator.engine.incremental._reads import ReadCheck, check_bgp_reads, within
from validator.engine.incremental._topo import edge_diff
from validator.engine.rib import MainRib
from validator.model.dataplane import Route

if TYPE_CHECKING:  # annotations only: _core imports this module
    from validator.engine.incremental._core import IgpDelta, State, Stats


def _igp_answer(rib: MainRib | None, q: IPv4Address) -> tuple[bool, int]:
    if rib is None:
        return (False, 0)
    m = rib.longest_prefix_match(q)
    return (bool(m), min(r.metric for r in m) if m else 0)


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
    base: State, edges: list[SessionEdge], igp: IgpDelta, stats: Stats, narrow: bool = True, split: bool = True
) -> tuple[dict[SpeakerKey, dict[IPv4Network, list[Route]]], set[tuple[SpeakerKey, IPv4Network]], bool]:
    """BGP main routes of the scenario: the base's except for prefixes a change may reach.

    A prefix is re-run (from round one, on every speaker) when it crossed a lost session, used a
    next hop whose IGP answer changed, or is originated from a changed IGP route. A speaker left
    without any session (a failed node) is computed alone: nothing it holds reaches anyone.
    Returns (main routes per speaker, changed (speaker, prefix), converged).

    ``narrow``: delta BGP leaves out pairs whose selections provably stay the base's although an
    input changed (a lost session whose routes they never selected, ``_narrow.lost_matters``; a next
    hop that only got worse and that they never selected, ``_narrow.selected_via``). Those pairs keep
    the base's next-hop reads, a superset of their scenario reads, so the read check may refuse
    where the full replay would not: then the scenario is replayed again without narrowing.
    """
    brun = base.bgp
    bst = brun.state
    spk = brun.engine.spk
    old_ids, new_ids, added = edge_diff(base, edges)
    if added or len(new_ids) != len(edges) or len(old_ids) != len(brun.edges):
        stats.bgp = "full"
        engine = PrefixBgp(base.snapshot, edges, base.externals, igp.igp)
        st = engine.run()
        check_bgp_reads(igp.igp, igp.strict, st.nh_users, st.bgp_prefixes)
        all_changed = {
            (k, p)
            for k in set(st.main) | set(bst.main)
            for p in set(st.main.get(k, {})) | set(bst.main.get(k, {}))
            if st.main.get(k, {}).get(p) != bst.main.get(k, {}).get(p)
        }
        return st.main, all_changed, st.converged
    connected: set[SpeakerKey] = set()
    for e in edges:
        connected.add((e.sender.node, e.sender.vrf))
        connected.add((e.receiver.node, e.receiver.vrf))
    alone: set[SpeakerKey] = set()  # speakers without sessions whose state may differ from the base's
    dirty: set[IPv4Network] = set()
    pert: set[tuple[SpeakerKey, IPv4Network]] = set()  # pairs whose selection function changed
    first: set[tuple[SpeakerKey, IPv4Network]] = set()  # ... of which originations (round 1)
    lost: set[int] = set()
    # narrowing reasons about one prefix's selection alone: not where aggregates couple prefixes
    narrowing = narrow and brun.history is not None and bst.converged and not brun.engine.has_aggregates
    comp = compact(brun.history) if narrowing and brun.history is not None else None
    narrowed: set[tuple[SpeakerKey, IPv4Network]] = set()  # pairs left out by the narrowing rules
    for eid, i in old_ids.items():
        if eid in new_ids:
            continue
        lost.add(i)
        e = brun.edges[i]
        sender, receiver = (e.sender.node, e.sender.vrf), (e.receiver.node, e.receiver.vrf)
        for k in (sender, receiver):
            if k not in connected:
                alone.add(k)
        if receiver in connected:
            carried = bst.exported.get(i, set())
            dirty |= carried
            if comp is None:
                pert.update((receiver, p) for p in carried)
            else:  # only pairs where a route from the lost session was ever selected
                for p in carried:
                    (pert if lost_matters(comp, receiver, p, i) else narrowed).add((receiver, p))
    recheck: set[SpeakerKey] = set()
    for (node, vrf), nets in igp.changed.items():
        k = (node, vrf)
        sp = spk.get(k)
        if sp is None:
            continue
        if k not in connected:
            alone.add(k)
            continue
        recheck.add(k)
        users = bst.nh_users.get(k, {})
        old_rib = base.igp[node].get(vrf)
        new_rib = igp.igp[node].get(vrf)
        may_originate = sp.main_vrf and bool(sp.redist_protos or sp.networks)
        blind: dict[IPv4Network, bool] = {}
        now_of = _Answers(new_rib)
        for q in within(nets, users):
            was, now = _igp_answer(old_rib, q), _igp_answer(new_rib, q)
            if was == now:
                continue
            dirty |= users[q]
            # q only got worse (lost, or dearer while resolvable both ways): pairs that never
            # selected a route through q keep their selections (_narrow.selected_via); q was
            # resolvable and only its cost or resolvability changed: pairs whose tie groups compare
            # alike under the scenario's costs keep theirs (_narrow.cost_blind). A next hop turning
            # resolvable adds candidates: always evaluated.
            worse = was[0] and (not now[0] or now[1] > was[1])
            if comp is None or not was[0]:
                pert.update((k, p) for p in users[q])
                continue
            for p in users[q]:
                if may_originate and (sp.redist_protos or p in sp.networks):
                    keep = True
                elif worse and not selected_via(comp, k, p, q):
                    keep = False
                else:
                    b = blind.get(p)
                    if b is None:
                        b = blind[p] = _cost_blind(brun.engine, comp, k, p, old_rib, now_of)
                    keep = not b
                (pert if keep else narrowed).add((k, p))
        if sp.main_vrf:
            orig = nets & sp.networks
            if sp.redist_protos:
                for net in nets:
                    for rib in (old_rib, new_rib):
                        if rib is not None and any(r.protocol in sp.redist_protos for r in rib.by_prefix.get(net, [])):
                            orig.add(net)
            dirty |= orig
            first.update((k, p) for p in orig)
    if brun.engine.has_aggregates and dirty:
        dirty = _aggregate_closure(brun.engine, dirty, {p for m in bst.ribs.values() for p in m})
    stats.dirty_prefixes = len(dirty)
    check = ReadCheck(base, igp)
    if not dirty and not alone:
        for k in recheck:
            check.speaker(k, (), (), igp.changed.get(k, set()))
        return bst.main, set(), bst.converged
    stats.bgp = "partial"
    made: list[PrefixBgp] = []

    def scenario_engine() -> PrefixBgp:
        """The engine over the scenario's sessions, built only when a prefix-wise run needs it (delta
        BGP replays against the base's edges; building one costs a pass over every speaker)."""
        if not made:
            if len(edges) != len(brun.edges):
                fresh = PrefixBgp(base.snapshot, edges, base.externals, igp.igp)
                fresh.recv_memo = brun.engine.recv_memo  # valid for every engine of the snapshot
                fresh.export_memo = brun.engine.export_memo  # likewise
                made.append(fresh)
            else:
                eng = copy.copy(brun.engine)
                eng.igp = igp.igp
                made.append(eng)
        return made[0]

    main: dict[SpeakerKey, dict[IPv4Network, list[Route]]] = dict(bst.main)
    changed: set[tuple[SpeakerKey, IPv4Network]] = set()
    converged = bst.converged
    res: DeltaResult | None = None
    # prefixes under some speaker's aggregate: delta BGP gives up on them (a selection there also
    # depends on other prefixes), so they are re-run prefix-wise while delta BGP replays the rest
    coupled = _coupled_nets(brun.engine, dirty) if split else set()
    # (every dirty prefix coupled: delta BGP would give up, the prefix-wise re-run below does it all)
    if dirty and brun.history is not None and bst.converged and not (coupled and coupled == dirty):
        delta_engine = copy.copy(brun.engine)
        delta_engine.igp = igp.igp
        d_pert = {(k, p) for k, p in pert if p not in coupled} if coupled else pert
        d_first = {(k, p) for k, p in first if p not in coupled} if coupled else first
        try:
            res = delta_run(
                delta_engine, brun.history, bst.main, d_pert | d_first, d_first, lost, alone, base_igp=base.igp
            )
        except GiveUp:  # the whole dirty set goes prefix-wise below
            res = None
    if res is not None and coupled:
        stats.bgp_prefixwise = len(coupled)
        _merge_prefixwise(base, scenario_engine().run(only=coupled), coupled, alone, res)
    if res is not None:
        stats.bgp = "delta"
        stats.bgp_evaluations = res.evaluated
        narrowed -= pert
        stats.bgp_narrowed = len(narrowed)
        main = res.main
        changed = res.changed
        converged = converged and res.converged
        if narrowed:
            _narrowed_reads(base, comp, narrowed, lost, res)
        try:
            for k in spk:
                if k in alone:
                    continue
                new_qs = res.nh_users.get(k, {})
                new_ps = res.bgp_prefixes.get(k, set())
                if new_qs or new_ps or k in recheck:
                    check.speaker(k, new_qs, new_ps, igp.changed.get(k, set()), res.replaced.get(k))
        except Unsupported:
            if not narrowed:
                raise
            stats.bgp_widened = True
            return scenario_bgp(base, edges, igp, stats, narrow=False)
    elif dirty:
        st = scenario_engine().run(only=dirty)
        converged = converged and st.converged
        for k in spk:
            if k in alone:
                continue
            old = bst.main.get(k, {})
            new = st.main.get(k, {})
            diff = [p for p in dirty if old.get(p) != new.get(p)]
            if diff:
                m = dict(old)
                for p in diff:
                    if p in new:
                        m[p] = new[p]
                    else:
                        del m[p]
                    changed.add((k, p))
                main[k] = m
            new_qs = st.nh_users.get(k, {})
            new_ps = st.bgp_prefixes.get(k, set())
            if new_qs or new_ps or k in recheck:
                check.speaker(k, new_qs, new_ps, igp.changed.get(k, set()), dirty)
    else:
        for k in recheck:
            check.speaker(k, (), (), igp.changed.get(k, set()))
    if alone:
        lone = scenario_engine().run(keys=alone)
        converged = converged and lone.converged
        nh_users: dict[SpeakerKey, Any] = {}
        for k in alone:
            old = bst.main.get(k, {})
            new = lone.main.get(k, {})
            main[k] = new
            changed.update((k, p) for p in set(old) | set(new) if old.get(p) != new.get(p))
            nh_users[k] = lone.nh_users.get(k, {})
        check_bgp_reads(igp.igp, igp.strict, nh_users, {k: lone.bgp_prefixes.get(k, set()) for k in alone}, alone)
    return main, changed, converged


class _Answers:
    """``_igp_answer`` over one RIB, each next hop looked up once (a speaker's tie groups share them)."""

    def __init__(self, rib: MainRib | None) -> None:
        self.rib = rib
        self.memo: dict[IPv4Address, tuple[bool, int]] = {}

    def __call__(self, nh: IPv4Address) -> tuple[bool, int]:
        a = self.memo.get(nh)
        if a is None:
            a = self.memo[nh] = _igp_answer(self.rib, nh)
        return a


def _cost_blind(
    engine: PrefixBgp,
    comp: Compact,
    k: SpeakerKey,
    p: IPv4Network,
    old_rib: MainRib | None,
    now: Callable[[IPv4Address], tuple[bool, int]],
) -> bool:
    """``_narrow.cost_blind`` for (``k``, ``p``): its tie groups under the scenario's IGP answers."""
    ext = engine._ext_by_prefix.get(k, {}).get(p) if engine._ext_by_prefix else None
    groups = cost_groups(comp, k, p, old_rib, ext)
    if groups is None:
        return False
    return cost_blind(groups, now)


def _coupled_nets(engine: PrefixBgp, dirty: set[IPv4Network]) -> set[IPv4Network]:
    """The prefixes of ``dirty`` equal to or inside an aggregate of some speaker: the only ones whose
    selections depend on other prefixes (``_delta._coupled`` at any speaker). ``dirty`` is closed
    under aggregate groups (``_aggregate_closure``), so this subset is closed too: a prefix-wise run
    of it reads nothing outside it, and delta BGP over the rest never meets a coupled pair."""
    if not engine.has_aggregates or not dirty:
        return set()
    aggs = {a for sp in engine.spk.values() for a in sp.aggregates}
    return {p for p in dirty if any(p == a or p.subnet_of(a) for a in aggs)}


def _merge_prefixwise(
    base: State, st: PrefixState, coupled: set[IPv4Network], alone: set[SpeakerKey], res: DeltaResult
) -> None:
    """Fold a prefix-wise run over ``coupled`` (disjoint from every prefix delta BGP evaluated) into
    delta BGP's result: main routes and changed pairs where they differ from the base's, the run's
    reads as the new reads of those prefixes (which replace the base's, as a partial re-run does)."""
    bst = base.bgp.state
    for k in base.bgp.engine.spk:
        if k in alone:
            continue
        old = bst.main.get(k, {})
        new = st.main.get(k, {})
        diff = [p for p in coupled if old.get(p) != new.get(p)]
        if diff:
            cur = res.main.get(k, old)
            m = dict(cur)
            for p in diff:
                if p in new:
                    m[p] = new[p]
                else:
                    m.pop(p, None)
                res.changed.add((k, p))
            res.main[k] = m
        for q, ps in st.nh_users.get(k, {}).items():
            res.nh_users.setdefault(k, {}).setdefault(q, set()).update(ps)
        bps = st.bgp_prefixes.get(k)
        if bps:
            res.bgp_prefixes.setdefault(k, set()).update(bps)
        res.replaced.setdefault(k, set()).update(coupled)
    res.converged = res.converged and st.converged


def _narrowed_reads(
    base: State, comp: Compact | None, narrowed: set[tuple[SpeakerKey, IPv4Network]], lost: set[int], res: DeltaResult
) -> None:
    """The read check's view of the pairs narrowing left out: their next-hop reads are those of the
    routes still delivered to them (``_narrow.inbox_next_hops``: every non-lost edge's, every base
    round, plus external announcements), which replace the base's reads of them (those include
    the lost sessions' next hops, which the scenario never looks up); their BGP main routes are the
    base's. A pair that may originate keeps the base's reads (what it reads is not recorded)."""
    if comp is None:
        return
    engine = base.bgp.engine
    spk = engine.spk
    bps = base.bgp.state.bgp_prefixes
    for k, p in narrowed:
        sp = spk[k]
        if sp.main_vrf and (sp.redist_protos or p in sp.networks):
            continue
        nhs = inbox_next_hops(comp, k, p, lost)
        if nhs is None:
            continue
        ext = engine._ext_by_prefix.get(k, {}).get(p) if engine._ext_by_prefix else None
        for r0 in ext or ():
            if r0.next_hop_ip is not None:
                nhs.add(r0.next_hop_ip)
        per = res.nh_users.setdefault(k, {})
        for nh in nhs:
            per.setdefault(nh, set()).add(p)
        if p in bps.get(k, set()):
            res.bgp_prefixes.setdefault(k, set()).add(p)
        res.replaced.setdefault(k, set()).add(p)
