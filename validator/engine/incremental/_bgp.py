"""BGP's fixed point evaluated prefix by prefix, exactly as :func:`validator.engine.bgp.run_bgp`.

``run_bgp`` runs synchronous rounds over every speaker and every prefix. When the IGP answers BGP
reads (next-hop resolvability and IGP cost, origination) do not depend on BGP's own routes, the
rounds decompose by prefix: prefix ``p``'s state in round ``r+1`` is a function of ``p``'s state in
round ``r`` only (aggregates couple an aggregate with its more-specifics: they form one group). This
module evaluates the same rounds semi-naively, re-deriving in a round only the (speaker, prefix)
pairs whose inputs changed in the round before. Because the rounds are the same, the result is the
same, converged or not; the caller checks the independence condition (:meth:`PrefixBgp.igp_clean`)
and falls back to the reference engine when it does not hold.

Restricted to a set of prefixes (a failure scenario's dirty prefixes), the same evaluation yields
those prefixes' trajectories; the other prefixes keep the base run's results.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from validator.engine.bgp import (
    DEFAULT_ORIGINATE,
    LOCAL_WEIGHT,
    BgpRoute,
    SpeakerKey,
    _local_route,
    _preferred_source,
    export_route,
    import_route,
    select_paths,
    speakers,
)
from validator.engine.bgp_sessions import SessionEdge
from validator.engine.incremental._bgp_memos import ExportMemo, ReceivedMemo, export_class
from validator.engine.incremental._bgp_routes import _active_aggregates, _aggregate_route, _main_routes, _merged_at
from validator.engine.rib import MainRib
from validator.engine.routing_policy import PolicyRoute, run_policy
from validator.model.config import BgpProcess, Node
from validator.model.dataplane import Route
from validator.model.snapshot import Snapshot

DEFAULT_NET = IPv4Network("0.0.0.0/0")
_REDIST = {"connected": ("connected",), "static": ("static",), "ospf": ("ospf", "ospfIA")}
_NON_ORIGINATING = ("bgp", "ibgp", "aggregate")


class Unsupported(Exception):
    """The prefix-wise evaluation cannot promise the reference result: the caller falls back."""


def _key(p: IPv4Network) -> tuple[int, int]:
    return (int(p.network_address), p.prefixlen)


@dataclass
class Speaker:
    key: SpeakerKey
    node: Node
    proc: BgpProcess
    main_vrf: bool  # key[1] == proc.vrf: originates and aggregates
    incoming: list[int] = field(default_factory=list)  # edge indices in the reference's adj-in order
    outgoing: list[int] = field(default_factory=list)
    networks: frozenset[IPv4Network] = frozenset()
    redist_protos: frozenset[str] = frozenset()
    aggregates: tuple[IPv4Network, ...] = ()  # sorted by -prefixlen, stable (reference order)


@dataclass
class PrefixState:
    """The per-prefix BGP state at the end of a run (what the next data-plane steps read)."""

    # speaker -> prefix -> (best, multipath)
    ribs: dict[SpeakerKey, dict[IPv4Network, tuple[BgpRoute, list[BgpRoute]]]]
    # speaker -> prefix -> main-RIB routes
    main: dict[SpeakerKey, dict[IPv4Network, list[Route]]]
    rounds: int
    converged: bool
    # recordings over every round (what a scenario needs to decide which prefixes may change)
    exported: dict[int, set[IPv4Network]]  # edge index -> prefixes ever sent over it
    nh_users: dict[SpeakerKey, dict[IPv4Address, set[IPv4Network]]]  # next hop -> prefixes that used it
    bgp_prefixes: dict[SpeakerKey, set[IPv4Network]]  # prefixes ever in the speaker's main routes


Value = tuple[BgpRoute, list[BgpRoute]] | None  # a (speaker, prefix)'s selection: (best, multipath)


@dataclass
class History:
    """A run's trajectory: per (speaker, prefix) the rounds where its selection, main-RIB routes and
    adj-in changed, the pairs each round evaluated and the pairs that made it change something."""

    evals: list[dict[SpeakerKey, set[IPv4Network]]] = field(default_factory=list)  # [r-1]: round r
    changers: list[set[tuple[SpeakerKey, IPv4Network]]] = field(default_factory=list)  # [r-1]: round r
    values: dict[SpeakerKey, dict[IPv4Network, list[tuple[int, Value, list[Route]]]]] = field(default_factory=dict)
    # receiver -> prefix -> edge index -> [(round, imported routes)]
    inbox: dict[SpeakerKey, dict[IPv4Network, dict[int, list[tuple[int, list[BgpRoute]]]]]] = field(
        default_factory=dict
    )

    _rounds: dict[tuple[SpeakerKey, IPv4Network], list[int]] | None = None

    def rounds_of(self) -> dict[tuple[SpeakerKey, IPv4Network], list[int]]:
        """Per (speaker, prefix), the rounds the run evaluated it in (built once)."""
        if self._rounds is None:
            out: dict[tuple[SpeakerKey, IPv4Network], list[int]] = defaultdict(list)
            for r, ev in enumerate(self.evals, 1):
                for k, ps in ev.items():
                    for p in ps:
                        out[(k, p)].append(r)
            self._rounds = dict(out)
        return self._rounds

    def value(self, k: SpeakerKey, p: IPv4Network, r: int, v: Value, main: list[Route]) -> None:
        self.values.setdefault(k, {}).setdefault(p, []).append((r, v, main))

    def changer(self, r: int, k: SpeakerKey, p: IPv4Network) -> None:
        while len(self.changers) < r:
            self.changers.append(set())
        self.changers[r - 1].add((k, p))

    def delivered(self, r: int, k: SpeakerKey, rk: SpeakerKey, p: IPv4Network, i: int, rec: list[BgpRoute]) -> None:
        self.changer(r, k, p)
        self.inbox.setdefault(rk, {}).setdefault(p, {}).setdefault(i, []).append((r, rec))


class PrefixBgp:
    """One BGP topology with its speakers, reusable across prefix-restricted runs."""

    def __init__(
        self,
        snapshot: Snapshot,
        edges: list[SessionEdge],
        externals: dict[SpeakerKey, list[BgpRoute]],
        igp: dict[str, dict[str, MainRib]],
    ) -> None:
        self.snapshot = snapshot
        self.edges = edges
        self.externals = externals
        self.igp = igp
        self.spk: dict[SpeakerKey, Speaker] = {}
        for key in speakers(snapshot):
            node = snapshot.nodes[key[0]]
            proc = node.bgp
            assert proc is not None
            main_vrf = key[1] == proc.vrf
            sp = Speaker(key, node, proc, main_vrf)
            if main_vrf:
                sp.networks = frozenset(n.prefix for n in proc.networks)
                protos: set[str] = set()
                for redist in proc.redistributions:
                    protos.update(_REDIST[redist.protocol])
                    if redist.include_external:
                        protos.update(("ospfE1", "ospfE2"))
                sp.redist_protos = frozenset(protos)
                sp.aggregates = tuple(a.prefix for a in sorted(proc.aggregates, key=lambda a: -a.prefix.prefixlen))
            self.spk[key] = sp
        by_sender: dict[SpeakerKey, list[int]] = defaultdict(list)
        for i, e in enumerate(edges):
            by_sender[(e.sender.node, e.sender.vrf)].append(i)
        seen_slots: set[tuple[SpeakerKey, str, IPv4Address]] = set()
        for key in self.spk:  # the reference fills adj-in per sender in sorted speaker order
            for i in by_sender.get(key, []):
                e = edges[i]
                rkey = (e.receiver.node, e.receiver.vrf)
                slot = (rkey, e.sender.node, e.sender.local_ip)
                if slot in seen_slots:
                    raise Unsupported("two sessions share one adj-in slot")
                seen_slots.add(slot)
                if rkey not in self.spk:
                    raise Unsupported("session to a non-speaker")
                self.spk[rkey].incoming.append(i)
                self.spk[key].outgoing.append(i)
        for key in by_sender:
            if key not in self.spk:
                raise Unsupported("session from a non-speaker")
        self._ext_by_prefix: dict[SpeakerKey, dict[IPv4Network, list[BgpRoute]]] = {}
        for key, routes in externals.items():
            if key not in self.spk:
                continue
            d: dict[IPv4Network, list[BgpRoute]] = defaultdict(list)
            for r in routes:
                d[r.network].append(r)
            self._ext_by_prefix[key] = dict(d)
        self.has_aggregates = any(sp.aggregates for sp in self.spk.values())
        # copies (``copy.copy``) share it: every scenario's prefix-wise run over the base's edges
        self.recv_memo = ReceivedMemo()
        self.export_memo = ExportMemo()  # shared by copies too

    # --- the universe of prefixes ---------------------------------------------------------------

    def seeds(self, keys: set[SpeakerKey] | None = None) -> dict[SpeakerKey, set[IPv4Network]]:
        """(speaker, prefix) pairs that may hold a candidate in round 1."""
        out: dict[SpeakerKey, set[IPv4Network]] = {}
        for key, sp in self.spk.items():
            if keys is not None and key not in keys:
                continue
            s: set[IPv4Network] = set(self._ext_by_prefix.get(key, {}))
            if sp.main_vrf:
                s.update(sp.networks)
                if sp.redist_protos:
                    rib = self.igp.get(key[0], {}).get(key[1])
                    if rib is not None:
                        for net, routes in rib.by_prefix.items():
                            if net.prefixlen and any(r.protocol in sp.redist_protos for r in routes):
                                s.add(net)
                s.update(sp.aggregates)
            for i in sp.outgoing:
                if self.edges[i].sender.neighbor.default_originate:
                    s.add(DEFAULT_NET)
            out[key] = s
        return out

    # --- one (speaker, prefix) -----------------------------------------------------------------

    def _originate(self, sp: Speaker, p: IPv4Network, bgp_main: list[Route]) -> list[BgpRoute]:
        """``bgp.originate`` restricted to ``p``: reads the main RIB at ``p`` (IGP merged with BGP)."""
        if not sp.main_vrf or (p not in sp.networks and not sp.redist_protos):
            return []
        rib = self.igp.get(sp.key[0], {}).get(sp.key[1])
        if rib is None:
            return []
        merged = _merged_at(rib.by_prefix.get(p, []), bgp_main)
        if not merged:
            return []
        node, proc = sp.node, sp.proc
        out: list[BgpRoute] = []
        for netst in proc.networks:
            if netst.prefix != p:
                continue
            routes = [r for r in merged if r.protocol not in _NON_ORIGINATING]
            if not routes:
                continue
            src = _preferred_source(routes)
            pr = run_policy(
                node,
                netst.route_map,
                PolicyRoute(p, protocol=src.protocol, metric=src.metric, tag=src.tag, weight=LOCAL_WEIGHT),
                undefined_denies=False,
            )
            if pr is not None:
                out.append(_local_route(pr, src, "igp"))
        for redist in proc.redistributions:
            if p.prefixlen == 0 and not redist.include_default:
                continue
            protos = _REDIST[redist.protocol]
            if redist.include_external:
                protos = (*protos, "ospfE1", "ospfE2")
            matching = [r for r in merged if r.protocol in protos]
            if not matching:
                continue
            src = _preferred_source(matching)
            metric = redist.metric if redist.metric is not None else src.metric
            pr = run_policy(
                node,
                redist.route_map,
                PolicyRoute(p, protocol=src.protocol, metric=metric, tag=src.tag, weight=LOCAL_WEIGHT),
                undefined_denies=True,
            )
            if pr is not None:
                out.append(_local_route(pr, src, redist.origin))
        return out

    def run(
        self,
        only: set[IPv4Network] | None = None,
        max_rounds: int = 200,
        keys: set[SpeakerKey] | None = None,
        record: History | None = None,
    ) -> PrefixState:
        """The reference rounds over every prefix, or over the prefix groups ``only`` (closed under
        aggregate groups by the caller), or for the speakers ``keys`` alone (sessionless speakers).
        ``record`` keeps the run's trajectory for :mod:`._delta` (scenarios replay only what differs)."""
        spk = self.spk
        edges = self.edges
        igp = self.igp
        ribs: dict[SpeakerKey, dict[IPv4Network, tuple[BgpRoute, list[BgpRoute]]]] = {k: {} for k in spk}
        main: dict[SpeakerKey, dict[IPv4Network, list[Route]]] = {k: {} for k in spk}
        # receiver -> prefix -> edge index -> imported routes (current adj-in)
        inbox: dict[SpeakerKey, dict[IPv4Network, dict[int, list[BgpRoute]]]] = {k: {} for k in spk}
        orig_cache: dict[tuple[SpeakerKey, IPv4Network], list[BgpRoute]] = {}
        exported: dict[int, set[IPv4Network]] = defaultdict(set)
        nh_users: dict[SpeakerKey, dict[IPv4Address, set[IPv4Network]]] = {k: defaultdict(set) for k in spk}
        bgp_prefixes: dict[SpeakerKey, set[IPv4Network]] = {k: set() for k in spk}
        present: dict[SpeakerKey, set[IPv4Network]] = {k: set() for k in spk if spk[k].aggregates}
        agg_active: dict[SpeakerKey, set[IPv4Network]] = {k: set() for k in present}
        # a recorded run keeps every delivery for the whole sweep: equal imported routes (one
        # sender's path as each of its clients imports it) are kept as one object (memory)
        interned: dict[BgpRoute, BgpRoute] | None = {} if record is not None else None
        lists: dict[tuple[int, ...], list[BgpRoute]] = {}  # and equal delivered lists (never mutated)

        dirty: dict[SpeakerKey, set[IPv4Network]] = {}
        for k, s in self.seeds(keys).items():
            s2 = s if only is None else s & only
            if s2:
                dirty[k] = set(s2)
        rounds = 0
        converged = False
        while rounds < max_rounds:
            rounds += 1
            if record is not None:
                record.evals.append(dirty)
            changed_ribs: dict[SpeakerKey, set[IPv4Network]] = defaultdict(set)
            next_dirty: dict[SpeakerKey, set[IPv4Network]] = defaultdict(set)
            any_change = False
            for k, prefixes in dirty.items():
                sp = spk[k]
                mrib = igp.get(k[0], {}).get(k[1])
                users = nh_users[k]
                cands_by: dict[IPv4Network, list[BgpRoute]] = {}
                for p in prefixes:
                    cands = self._cands(sp, p, mrib, main[k].get(p, []), inbox[k].get(p), orig_cache, users)
                    cands_by[p] = cands
                if sp.aggregates:
                    pres = present[k]
                    for p, cands in cands_by.items():
                        if cands:
                            pres.add(p)
                        else:
                            pres.discard(p)
                    active = _active_aggregates(sp.aggregates, pres)
                    flipped = active ^ agg_active[k]
                    agg_active[k] = active
                    for a in flipped:
                        if a not in cands_by and (only is None or a in only):
                            cands_by[a] = self._cands(
                                sp, a, mrib, main[k].get(a, []), inbox[k].get(a), orig_cache, users
                            )
                    for a in active:
                        if a in cands_by:
                            cands_by[a] = [*cands_by[a], _aggregate_route(a)]
                for p, cands in cands_by.items():
                    old = ribs[k].get(p)
                    if cands:
                        sel = select_paths({p: cands}, mrib, sp.proc)
                        new: tuple[BgpRoute, list[BgpRoute]] | None = (sel.best[p], sel.multipath[p])
                    else:
                        new = None
                    if new == old:
                        continue
                    if new is None:
                        del ribs[k][p]
                    else:
                        ribs[k][p] = new
                    changed_ribs[k].add(p)
                    new_main = _main_routes(k, p, new, sp.proc)
                    if record is not None:
                        record.value(k, p, rounds, new, new_main)
                    if new_main != main[k].get(p, []):
                        any_change = True
                        if record is not None:
                            record.changer(rounds, k, p)
                        if new_main:
                            main[k][p] = new_main
                            bgp_prefixes[k].add(p)
                        else:
                            main[k].pop(p, None)
                        next_dirty[k].add(p)  # origination reads the main RIB at p
            # exports of every changed (sender, prefix), plus default-originate in round 1
            for k, ps in changed_ribs.items():
                sp = spk[k]
                for i in sp.outgoing:
                    e = edges[i]
                    rkey = (e.receiver.node, e.receiver.vrf)
                    for p in ps:
                        rec = self._received(sp, e, p, ribs[k].get(p))
                        if interned is not None:
                            rec = [interned.setdefault(im, im) for im in rec]
                            rec = lists.setdefault(tuple(map(id, rec)), rec)  # ids of interned routes
                        if self._deliver(inbox[rkey], i, p, rec):
                            if record is not None:
                                record.delivered(rounds, k, rkey, p, i, rec)
                            any_change = True
                            next_dirty[rkey].add(p)
                            if rec:
                                exported[i].add(p)
            if rounds == 1:
                for k, sp in spk.items():
                    if keys is not None and k not in keys:
                        continue
                    for i in sp.outgoing:
                        e = edges[i]
                        if not e.sender.neighbor.default_originate or (
                            k in changed_ribs and DEFAULT_NET in changed_ribs[k]
                        ):
                            continue
                        if only is not None and DEFAULT_NET not in only:
                            continue
                        rkey = (e.receiver.node, e.receiver.vrf)
                        rec = self._received(sp, e, DEFAULT_NET, ribs[k].get(DEFAULT_NET))
                        if interned is not None:
                            rec = [interned.setdefault(im, im) for im in rec]
                            rec = lists.setdefault(tuple(map(id, rec)), rec)  # ids of interned routes
                        if self._deliver(inbox[rkey], i, DEFAULT_NET, rec):
                            if record is not None:
                                record.delivered(rounds, k, rkey, DEFAULT_NET, i, rec)
                            any_change = True
                            next_dirty[rkey].add(DEFAULT_NET)
                            if rec:
                                exported[i].add(DEFAULT_NET)
            if not any_change:
                converged = True
                break
            dirty = dict(next_dirty)
        return PrefixState(ribs, main, rounds, converged, dict(exported), nh_users, bgp_prefixes)

    def _cands(
        self,
        sp: Speaker,
        p: IPv4Network,
        mrib: MainRib | None,
        bgp_main: list[Route],
        box: dict[int, list[BgpRoute]] | None,
        orig_cache: dict[tuple[SpeakerKey, IPv4Network], list[BgpRoute]],
        users: dict[IPv4Address, set[IPv4Network]],
    ) -> list[BgpRoute]:
        k = sp.key
        ck = (k, p)
        cands = list(self._orig(sp, p, bgp_main, orig_cache, ck))
        learned: list[BgpRoute] = []
        if box:
            for i in sorted(box, key=sp.incoming.index) if len(box) > 1 else box:
                learned.extend(box[i])
        ext = self._ext_by_prefix.get(k, {}).get(p)
        if ext:
            learned.extend(ext)
        for r in learned:
            nh = r.next_hop_ip
            if nh is None:
                cands.append(r)
                continue
            users[nh].add(p)
            if mrib is not None and mrib.longest_prefix_match(nh):
                cands.append(r)
        for r in cands:
            if r.next_hop_ip is not None:
                users[r.next_hop_ip].add(p)
        return cands

    def _orig(
        self,
        sp: Speaker,
        p: IPv4Network,
        bgp_main: list[Route],
        cache: dict[tuple[SpeakerKey, IPv4Network], list[BgpRoute]],
        ck: tuple[SpeakerKey, IPv4Network],
    ) -> list[BgpRoute]:
        if not sp.main_vrf or (p not in sp.networks and not sp.redist_protos):
            return []
        if not bgp_main:
            hit = cache.get(ck)
            if hit is not None:
                return hit
            out = self._originate(sp, p, bgp_main)
            cache[ck] = out
            return out
        return self._originate(sp, p, bgp_main)

    def _received(
        self, sp: Speaker, e: SessionEdge, p: IPv4Network, sel: tuple[BgpRoute, list[BgpRoute]] | None
    ) -> list[BgpRoute]:
        """What ``e``'s receiver holds for ``p`` after the round (the reference's ``received`` at p),
        from :class:`ReceivedMemo` when this edge already exported this best path."""
        memo = self.recv_memo
        slot = memo.slots.get(id(e))
        if slot is None or slot[0] is not e:
            if len(memo.slots) >= ReceivedMemo.SLOT_LIMIT:  # scenarios' own edge objects: keep them bounded
                memo.reset()
            slot = memo.slots[id(e)] = (e, memo.canon.setdefault(e, len(memo.canon)))
        if sel is None:
            key: tuple[int, IPv4Network, BgpRoute | None, tuple[BgpRoute, ...] | None] = (slot[1], p, None, None)
        else:  # with add-path every multipath member is sent, in order
            key = (slot[1], p, sel[0], tuple(sel[1]) if e.add_path else None)
        hit = memo.get(key)
        if hit is not None:
            return hit
        rec = self._received_now(sp, e, p, sel)
        if len(memo) >= ReceivedMemo.LIMIT:
            memo.clear()
        memo[key] = rec
        return rec

    def _received_now(
        self, sp: Speaker, e: SessionEdge, p: IPv4Network, sel: tuple[BgpRoute, list[BgpRoute]] | None
    ) -> list[BgpRoute]:
        node, proc = sp.node, sp.proc
        rnode = self.snapshot.nodes[e.receiver.node]
        rproc = rnode.bgp
        assert rproc is not None
        received: list[BgpRoute] = []
        if e.sender.neighbor.default_originate and p == DEFAULT_NET:
            ex = export_route(node, proc, e, DEFAULT_ORIGINATE, bypass_policy=True)
            im = None if ex is None else import_route(rnode, rproc, e.receiver.neighbor, e.receiver.local_as, ex)
            if im is not None:
                received.append(im)
        if sel is not None:
            best, mp = sel
            for path in mp if e.add_path else [best]:
                ex = self._export(node, proc, e, path)
                if ex is None:
                    continue
                im = import_route(rnode, rproc, e.receiver.neighbor, e.receiver.local_as, ex)
                if im is not None and im not in received:
                    received.append(im)
        return received

    def _export(self, node: Node, proc: BgpProcess, e: SessionEdge, path: BgpRoute) -> BgpRoute | None:
        """``export_route(node, proc, e, path)``, computed once per export class of the sender's
        edges (:func:`export_class`: everything the export reads but the receiver) and path: a route
        reflector sends one path to all its clients alike. The one receiver-dependent step,
        ``export_route``'s originator check, is applied here per edge, before the shared result
        (computed through an edge that passed it) is used."""
        if e.ibgp and path.originator_id is not None and path.originator_id == e.receiver.router_id:
            return None
        memo = self.export_memo
        ck = memo.classes.get(id(e))
        if ck is None or ck[0] is not e:
            if len(memo.classes) >= ExportMemo.SLOT_LIMIT:
                memo.reset()
            cls = export_class(e)
            ck = memo.classes[id(e)] = (e, memo.ids.setdefault(cls, len(memo.ids)))
        key = (ck[1], id(path))
        hit = memo.get(key)
        if hit is not None and hit[0] is path:
            return hit[1]
        ex = export_route(node, proc, e, path)
        if len(memo) >= ExportMemo.LIMIT:
            memo.clear()
        memo[key] = (path, ex)  # the path is kept: its identity cannot be reused meanwhile
        return ex

    @staticmethod
    def _deliver(
        box: dict[IPv4Network, dict[int, list[BgpRoute]]], i: int, p: IPv4Network, rec: list[BgpRoute]
    ) -> bool:
        cur = box.get(p)
        old = cur.get(i) if cur is not None else None
        if rec:
            if old == rec:
                return False
            if cur is None:
                box[p] = {i: rec}
            else:
                cur[i] = rec
            return True
        if old is None:
            return False
        assert cur is not None
        del cur[i]
        if not cur:
            del box[p]
        return True
