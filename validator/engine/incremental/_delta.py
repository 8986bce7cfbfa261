"""Delta BGP: a scenario's BGP rounds replayed against the base run's recorded trajectory.

``PrefixBgp.run`` evaluates the reference's synchronous rounds semi-naively; in every round a
(speaker, prefix) pair's selection is a *function of its inputs*: its adj-in for the prefix, its
own main-RIB routes at the prefix after the previous round (origination reads them), the IGP and
the configuration. So in round ``r`` of a scenario, a pair whose selection function did not change
(*not perturbed*) and whose inputs equal the base's inputs in round ``r`` holds exactly the base's
selection of round ``r`` (read from the recorded trajectory, :class:`History`). Only the other
pairs are evaluated:

- perturbed pairs (a next hop whose IGP answer changed, an origination whose IGP routes changed,
  an adj-in that lost a session), in the rounds where the base evaluated them (their inputs
  changed) or where their scenario inputs changed;
- pairs whose inputs differ from the base's (an overridden sender delivered to them).

The scenario's rounds are therefore the reference's rounds, not a re-convergence from the base's
fixed point (which could reach another stable state where BGP has several, e.g. with MED or
route-reflection disputes): the result is equal by construction, converged or not, and the work
is proportional to what differs. Aggregates (coupled prefixes) and non-converged bases are not
replayed here; the caller re-runs those prefixes from round one instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from validator.engine.bgp import BgpRoute, SpeakerKey, select_route
from validator.engine.incremental._bgp import History, PrefixBgp, Unsupported, Value
from validator.engine.incremental._bgp_routes import _main_routes
from validator.engine.rib import MainRib
from validator.model.dataplane import Route

Pair = tuple[SpeakerKey, IPv4Network]


class GiveUp(Unsupported):
    """Delta BGP does not apply to this scenario (an aggregate group would be evaluated): the caller
    re-runs the affected prefixes from round one instead."""


def _coupled(engine: PrefixBgp, k: SpeakerKey, p: IPv4Network) -> bool:
    """``p`` is an aggregate of ``k`` or inside one: its selection also depends on other prefixes."""
    return any(p == a or p.subnet_of(a) for a in engine.spk[k].aggregates)


def _at(entries: list[tuple[int, Value, list[Route]]] | None, r: int) -> tuple[Value, list[Route]]:
    """The recorded (selection, main routes) after round ``r`` (None, [] before the first entry)."""
    if entries:
        for j in range(len(entries) - 1, -1, -1):
            e = entries[j]
            if e[0] <= r:
                return e[1], e[2]
    return None, []


def _at2(entries: list[tuple[int, Value, list[Route]]] | None, r: int) -> tuple[Value, list[Route], Value, list[Route]]:
    """``_at(entries, r - 1) + _at(entries, r)`` in one scan."""
    if entries:
        last = entries[-1]
        if last[0] < r:  # the usual case: nothing recorded in round r or later
            return last[1], last[2], last[1], last[2]
        now: tuple[Value, list[Route]] | None = None
        for j in range(len(entries) - 1, -1, -1):
            e = entries[j]
            if now is None and e[0] <= r:
                now = (e[1], e[2])
            if e[0] <= r - 1:
                return e[1], e[2], now[0] if now else None, now[1] if now else []
        if now is not None:
            return None, [], now[0], now[1]
    return None, [], None, []


def _in_at(entries: list[tuple[int, list[BgpRoute]]] | None, r: int) -> list[BgpRoute]:
    if entries:
        for j in range(len(entries) - 1, -1, -1):
            if entries[j][0] <= r:
                return entries[j][1]
    return []


@dataclass
class DeltaResult:
    main: dict[SpeakerKey, dict[IPv4Network, list[Route]]]  # full main routes (base's, patched)
    changed: set[Pair]  # pairs whose main routes differ from the base's final ones
    converged: bool
    rounds: int
    evaluated: int  # pair evaluations (the work done)
    nh_users: dict[SpeakerKey, dict[IPv4Address, set[IPv4Network]]] = field(default_factory=dict)
    bgp_prefixes: dict[SpeakerKey, set[IPv4Network]] = field(default_factory=dict)
    # prefixes per speaker evaluated in every round the base evaluated them: their base reads
    # (next hops, main routes) are not the scenario's and are replaced by nh_users / bgp_prefixes
    replaced: dict[SpeakerKey, set[IPv4Network]] = field(default_factory=dict)


class Compact:
    """A History re-keyed by small integers: pair ids for (speaker, prefix) and prefix ids, so the
    replay's hot dictionaries and sets hash ints instead of ``IPv4Network`` objects (whose
    ``__hash__`` is Python code: it was the largest single cost of a scenario). Built once per base
    run; pairs first met in a scenario get ids on first use (ids never change meaning)."""

    def __init__(self, hist: History) -> None:
        self.nets: list[IPv4Network] = []
        self.qid: dict[IPv4Network, int] = {}
        self.ids: dict[tuple[SpeakerKey, int], int] = {}
        self.pk: list[SpeakerKey] = []
        self.pq: list[int] = []
        self.values: dict[int, list[tuple[int, Value, list[Route]]]] = {}
        self.inbox: dict[int, dict[int, list[tuple[int, list[BgpRoute]]]]] = {}
        for k, per in hist.values.items():
            for p, ent in per.items():
                self.values[self.pair(k, p)] = ent
        for k, per_in in hist.inbox.items():
            for p, box in per_in.items():
                self.inbox[self.pair(k, p)] = box
        self.evals: list[set[int]] = [{self.pair(k, p) for k, ps in ev.items() for p in ps} for ev in hist.evals]
        self.changers: list[set[int]] = [{self.pair(k, p) for k, p in ch} for ch in hist.changers]
        rounds: dict[int, list[int]] = defaultdict(list)
        for r, ev in enumerate(self.evals, 1):
            for x in ev:
                rounds[x].append(r)
        # one tuple per distinct sequence of rounds (memory: 443,000 pairs at 510 routers, a few
        # distinct sequences; a list each was 19 MB for the whole sweep)
        seqs: dict[tuple[int, ...], tuple[int, ...]] = {}
        self.rounds: dict[int, tuple[int, ...]] = {}
        for x, rs in rounds.items():
            t = tuple(rs)
            self.rounds[x] = seqs.setdefault(t, t)
        # pair -> per base round, the next hops of the candidates tied with the best before the IGP
        # cost step, with their base costs (``_narrow.cost_groups``; a function of the base only)
        self.ties: dict[int, Any] = {}
        self.lost: dict[tuple[int, int], bool] = {}  # (pair, edge) -> ``_narrow.lost_matters``

    def prefix(self, p: IPv4Network) -> int:
        q = self.qid.get(p)
        if q is None:
            q = self.qid[p] = len(self.nets)
            self.nets.append(p)
        return q

    def pair(self, k: SpeakerKey, p: IPv4Network) -> int:
        return self.pair_q(k, self.prefix(p))

    def pair_q(self, k: SpeakerKey, q: int) -> int:
        x = self.ids.get((k, q))
        if x is None:
            x = self.ids[(k, q)] = len(self.pk)
            self.pk.append(k)
            self.pq.append(q)
        return x


def compact(hist: History) -> Compact:
    """The history's :class:`Compact`, built on first use. From then on the history's own
    containers are duplicates (the compact shares their entries): they are dropped, so a read
    of them fails loudly (AttributeError) instead of answering from a stale copy. Memory: at 510
    routers the per-round ``evals`` / ``changers`` and the outer dicts were ~60 MB kept for the
    whole sweep."""
    c = hist.__dict__.get("_compact")
    if c is None:
        c = hist.__dict__["_compact"] = Compact(hist)
        for name in ("values", "inbox", "evals", "changers", "_rounds"):
            hist.__dict__.pop(name, None)
    return c


class Memo:
    """Answers that stay valid across every scenario of one base run, so each is computed once per
    sweep instead of once per scenario:

    - ``received``: what edge ``i`` delivers for a sender's selection (``PrefixBgp._received``, a
      function of the edge's configuration and the best path only, without add-path), keyed by
      the edge and the best path's identity (the path is kept, so the identity cannot be reused);
      delivered lists are therefore the same objects in every scenario, and so are the selections
      made from them, which keeps the identity keys hitting downstream;
    - ``igp``: per speaker whose IGP RIB is the base's own object, the IGP answer for a next hop
      (resolvable, cost); a scenario that changed the speaker's IGP RIB uses a memo of its own;
    - ``orig``: per pair, the originated candidates read from the base's IGP RIB with no BGP route
      at the prefix (``PrefixBgp._orig``'s cache, kept across scenarios on the same condition).

    Never pickled (the identity keys would not survive): a worker starts with an empty memo."""

    LIMIT = 300_000  # received entries kept at most (then dropped: only speed depends on them)
    # bounds checked at every insertion (one core-node scenario at 510 routers added ~800,000
    # deliveries and ~100,000 main-RIB lists, ~350 MB, of which it and later scenarios hit ~5 %)
    RECEIVED_LIMIT = 150_000  # ~40 MB at 510 routers
    MAIN_LIMIT = 60_000  # ~35 MB at 510 routers (each entry holds its main-RIB routes)

    def __init__(self) -> None:
        self.received: dict[tuple[int, int], tuple[BgpRoute, list[BgpRoute]]] = {}
        # the routes of ``received``'s lists, one object per distinct route: a sender's path as each
        # of its clients imports it is one route (memory: ~1 KB per entry at 510 routers otherwise)
        self.routes: dict[BgpRoute, BgpRoute] = {}
        self.igp: dict[SpeakerKey, tuple[MainRib, dict[IPv4Address, tuple[bool, int]]]] = {}
        self.orig: dict[int, list[BgpRoute]] = {}
        self.in_pos: dict[int, int] = {}  # edge index -> its place in the receiver's adj-in order
        # pair and selection (by the identities of its best path and multipath members, which the
        # entry keeps alive) -> its main-RIB routes: a function of the selection, the pair and the
        # configuration only (``_bgp_routes._main_routes``); the same lists in every scenario
        self.main: dict[tuple[int, int, tuple[int, ...]], tuple[Value, list[Route]]] = {}
        # the receiving pair of edge ``i`` for prefix id ``q``, keyed ``q * len(edges) + i`` (an int
        # key hashes faster than the (speaker, prefix id) tuple ``Compact.pair_q`` looks up)
        self.rx: dict[int, int] = {}
        self.receivers: list[SpeakerKey] = []  # edge index -> receiving speaker

    def __getstate__(self) -> dict[str, object]:
        return {"empty": True}  # not falsy: pickle would then skip __setstate__

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__()  # type: ignore[misc]


def memo_of(hist: History, engine: PrefixBgp) -> Memo:
    m = hist.__dict__.get("_memo")
    if not isinstance(m, Memo):
        m = hist.__dict__["_memo"] = Memo()
    if not m.in_pos:
        for sp in engine.spk.values():
            for j, i in enumerate(sp.incoming):
                m.in_pos[i] = j
    if len(m.receivers) != len(engine.edges):
        m.receivers = [(e.receiver.node, e.receiver.vrf) for e in engine.edges]
        m.rx.clear()
    return m


def _cost_of(ans: dict[IPv4Address, tuple[bool, int]], rib: MainRib | None) -> Callable[[IPv4Address | None], int]:
    """``bgp._igp_cost`` over ``rib``, answered from (and into) the memo ``ans``."""

    def cost(nh: IPv4Address | None) -> int:
        if nh is None:
            return 0
        a = ans.get(nh)
        if a is None:
            a = ans[nh] = igp_answer(rib, nh)
        return a[1]

    return cost


def igp_answer(rib: MainRib | None, nh: IPv4Address) -> tuple[bool, int]:
    """(resolvable, IGP cost) of a BGP next hop: ``_cands``' check and ``bgp._igp_cost`` in one lookup."""
    if rib is None:
        return (False, 0)
    m = rib.longest_prefix_match(nh)
    return (True, min(r.metric for r in m)) if m else (False, 0)


def delta_run(
    engine: PrefixBgp,
    hist: History,
    base_main: dict[SpeakerKey, dict[IPv4Network, list[Route]]],
    perturbed: set[Pair],
    first: set[Pair],
    lost: set[int],
    skip: set[SpeakerKey],
    max_rounds: int = 200,
    base_igp: dict[str, dict[str, MainRib]] | None = None,
) -> DeltaResult:
    """The scenario's BGP main routes. ``engine``: the base's engine (same edge indices) reading the
    scenario's IGP; ``perturbed``: pairs whose selection function changed; ``first``: perturbed
    pairs to evaluate in round 1 even if the base did not (a new origination); ``lost``: base edge
    indices of lost sessions; ``skip``: speakers computed elsewhere (left without sessions).
    Raises Unsupported when the scenario does not converge within ``max_rounds`` (the caller then
    runs the reference way, which reports the oscillation itself). Pairs are handled by their
    integer ids (:class:`Compact`) throughout. ``base_igp``: the base run's IGP RIBs; a speaker
    whose scenario IGP RIB is the base's own object shares the sweep-wide answers (:class:`Memo`)."""
    spk = engine.spk
    edges = engine.edges
    igp = engine.igp
    c = compact(hist)
    pk, pq, nets = c.pk, c.pq, c.nets
    values = c.values
    inbox_hist = c.inbox
    o_val: dict[int, Value] = {}  # scenario selection where it differs from the base's (same round)
    o_main: dict[int, list[Route]] = {}
    o_in: dict[int, dict[int, list[BgpRoute]]] = {}  # adj-in entries from overridden senders
    memo = memo_of(hist, engine)
    if len(memo.received) > Memo.LIMIT:
        memo.received.clear()
        memo.routes.clear()
    if len(memo.main) > Memo.LIMIT:
        memo.main.clear()
    received_memo = memo.received
    shared = memo.routes
    main_memo = memo.main
    in_pos = memo.in_pos
    scen_orig: dict[int, list[BgpRoute]] = {}
    scen_igp: dict[SpeakerKey, dict[IPv4Address, tuple[bool, int]]] = {}
    nh_of: dict[int, set[IPv4Address]] = {}  # pair -> next hops its evaluations looked up
    bgp_prefixes: dict[SpeakerKey, set[IPv4Network]] = defaultdict(set)

    def answers(k: SpeakerKey, mrib: MainRib | None) -> dict[IPv4Address, tuple[bool, int]]:
        """The IGP answers of speaker ``k``: sweep-wide when its RIB is the base's, else this scenario's."""
        if mrib is not None and base_igp is not None and base_igp.get(k[0], {}).get(k[1]) is mrib:
            hit = memo.igp.get(k)
            if hit is None or hit[0] is not mrib:
                hit = memo.igp[k] = (mrib, {})
            return hit[1]
        own = scen_igp.get(k)
        if own is None:
            own = scen_igp[k] = {}
        return own

    sctx: dict[SpeakerKey, tuple[Any, MainRib | None, dict[IPv4Address, tuple[bool, int]], dict[int, list[BgpRoute]]]]
    sctx = {}

    def speaker_ctx(
        k: SpeakerKey,
    ) -> tuple[Any, MainRib | None, dict[IPv4Address, tuple[bool, int]], dict[int, list[BgpRoute]]]:
        """Per speaker and scenario: its IGP RIB, IGP answers and origination cache (sweep-wide
        when the RIB is the base's own, this scenario's otherwise)."""
        mrib = igp.get(k[0], {}).get(k[1])
        ans = answers(k, mrib)
        return (spk[k], mrib, ans, scen_orig if ans is scen_igp.get(k) else memo.orig)

    def received(i: int, sp: Any, q: int, sel: Value) -> list[BgpRoute]:
        if sel is None or edges[i].add_path:
            return engine._received(sp, edges[i], nets[q], sel)
        best = sel[0]
        key = (i, id(best))
        hit = received_memo.get(key)
        if hit is not None and hit[0] is best:
            return hit[1]
        # not through the engine's value-keyed ReceivedMemo: a path missing here is nearly always
        # new there too (2 % hits at 150 routers), and its two BgpRoute hashes cost more than that
        if len(received_memo) >= Memo.RECEIVED_LIMIT:
            received_memo.clear()
            shared.clear()
        rec = [shared.setdefault(im, im) for im in engine._received_now(sp, edges[i], nets[q], sel)]
        received_memo[key] = (best, rec)
        return rec

    touched: set[int] = set()
    sent: dict[int, Value] = {}  # pair -> the overriding selection it delivered last
    rounds_of: dict[int, set[int]] = defaultdict(set)
    base_rounds = c.rounds
    receiver = memo.receivers
    rx_memo = memo.rx
    n_edges = len(edges)
    # a touched pair (perturbed, evaluated or receiving from an overridden sender) is evaluated in
    # every later round the base evaluated it: a superset of the rounds its inputs may change in
    # (evaluating a pair whose inputs did not change is harmless: the selection is their function)
    sched: dict[int, set[int]] = defaultdict(set)

    def touch(x: int, r: int) -> None:
        if x in touched:
            return
        touched.add(x)
        for rr in base_rounds.get(x, ()):
            if rr > r:
                sched[rr].add(x)

    nxt: set[int] = {c.pair(k, p) for k, p in first if k not in skip}
    for k, p in perturbed:
        if k not in skip:
            touch(c.pair(k, p), 0)
    evaluated = 0
    r = 0
    converged = False
    while r < max_rounds:
        r += 1
        todo = nxt
        nxt = set()
        todo |= sched.pop(r, set())
        any_change = False
        exports: list[tuple[int, Value, bool]] = []
        for x in todo:
            k = pk[x]
            if k in skip:
                continue
            p = nets[pq[x]]
            sp = spk[k]
            if sp.aggregates and _coupled(engine, k, p):
                raise GiveUp("an aggregate group is involved")
            evaluated += 1
            if x not in touched:
                touch(x, r)
            rounds_of[x].add(r)
            ctx = sctx.get(k)
            if ctx is None:
                ctx = sctx[k] = speaker_ctx(k)
            _sp, mrib, ans, oc = ctx
            ent = values.get(x)
            if ent and ent[-1][0] < r:  # _at2's usual case, inline: nothing recorded in round r or later
                prev_b = now_b = ent[-1][1]
                prev_bm = now_bm = ent[-1][2]
            else:
                prev_b, prev_bm, now_b, now_bm = _at2(ent, r)
            prev = o_val.get(x, prev_b)
            prev_main = o_main.get(x, prev_bm)
            box: dict[int, list[BgpRoute]] = {}
            hin = inbox_hist.get(x)
            if hin:
                rm1 = r - 1
                for i, es in hin.items():
                    if i in lost:
                        continue
                    last_e = es[-1]  # usually nothing was recorded after round r - 1
                    rec = last_e[1] if last_e[0] <= rm1 else _in_at(es, rm1)
                    if rec:
                        box[i] = rec
            over = o_in.get(x)
            if over:
                for i, rec in over.items():
                    if rec:
                        box[i] = rec
                    else:
                        box.pop(i, None)
            # PrefixBgp._cands and select_paths at one pair, with the IGP answers from a memo
            cands: list[BgpRoute] = []
            if sp.main_vrf and (sp.redist_protos or p in sp.networks):
                if prev_main:
                    cands.extend(engine._originate(sp, p, prev_main))
                else:
                    orig = oc.get(x)
                    if orig is None:
                        orig = oc[x] = engine._originate(sp, p, prev_main)
                    cands.extend(orig)
            nhs = nh_of.get(x)
            if nhs is None:
                nhs = nh_of[x] = set()
            for r0 in cands:
                if r0.next_hop_ip is not None:
                    nhs.add(r0.next_hop_ip)
            learned: list[BgpRoute] = []
            if box:
                for i in sorted(box, key=in_pos.__getitem__) if len(box) > 1 else box:
                    learned.extend(box[i])
            ext = engine._ext_by_prefix.get(k, {}).get(p) if engine._ext_by_prefix else None
            if ext:
                learned.extend(ext)
            for r0 in learned:
                nh = r0.next_hop_ip
                if nh is None:
                    cands.append(r0)
                    continue
                nhs.add(nh)
                a = ans.get(nh)
                if a is None:
                    a = ans[nh] = igp_answer(mrib, nh)
                if a[0]:
                    cands.append(r0)
            new: Value
            if not cands:
                new = None
            elif len(cands) == 1:
                new = (cands[0], [cands[0]])
            else:
                new = select_route(cands, _cost_of(ans, mrib), sp.proc)
            was_over = x in o_val
            if new != now_b:
                o_val[x] = new
            else:
                o_val.pop(x, None)
            is_over = x in o_val
            cur_main = prev_main
            if new != prev:
                if new is None:
                    cur_main = []
                else:
                    mkey = (x, id(new[0]), tuple(map(id, new[1])))
                    mhit = main_memo.get(mkey)
                    if mhit is not None and mhit[0] is not None and mhit[0][0] is new[0]:
                        cur_main = mhit[1]
                    else:
                        cur_main = _main_routes(k, p, new, sp.proc)
                        if len(main_memo) >= Memo.MAIN_LIMIT:
                            main_memo.clear()
                        main_memo[mkey] = (new, cur_main)
                if cur_main != prev_main:
                    any_change = True
                    nxt.add(x)  # origination reads the main RIB at p
            if cur_main != now_bm:
                o_main[x] = cur_main
            else:
                o_main.pop(x, None)
            if cur_main:
                bgp_prefixes[k].add(p)
            if new != prev or was_over or is_over:
                exports.append((x, new, is_over))
        for x, new, is_over in exports:
            if is_over:
                if x in sent and sent[x] == new:
                    # x delivered this very selection last time, as an override: every entry it
                    # wrote is still in place (only x writes them) and nothing would change
                    continue
                sent[x] = new
            else:
                sent.pop(x, None)
            k = pk[x]
            q = pq[x]
            sp = spk[k]
            for i in sp.outgoing:
                if i in lost:
                    continue
                rk = q * n_edges + i
                rx = rx_memo.get(rk)
                if rx is None:
                    rx = rx_memo[rk] = c.pair_q(receiver[i], q)
                hin_r = inbox_hist.get(rx)
                hist_i = hin_r.get(i) if hin_r else None
                cur = o_in.get(rx)
                if cur is not None and i in cur:
                    prev_in = cur[i]
                elif hist_i:
                    last_h = hist_i[-1]
                    prev_in = last_h[1] if last_h[0] <= r - 1 else _in_at(hist_i, r - 1)
                else:
                    prev_in = []
                specific = True  # the receiver's adj-in changes otherwise than the base's
                if is_over:
                    rec = received(i, sp, q, new)
                    if cur is None:
                        cur = o_in[rx] = {}
                    cur[i] = rec
                    if rx not in touched:
                        touch(rx, r)
                else:
                    rec = _in_at(hist_i, r)  # the sender holds the base's selection: the base's delivery
                    if cur is not None and i in cur:
                        del cur[i]
                        if not cur:
                            del o_in[rx]
                    else:
                        specific = False  # the same change as the base's: a touched receiver is
                        # scheduled for the base's next evaluation anyway, the others follow the base
                if rec != prev_in:
                    any_change = True
                    if specific:
                        nxt.add(rx)
                        if rx not in touched:
                            touch(rx, r)
        if not any_change and r <= len(c.changers):
            # pairs following the base changed what the base changed (over-approximated by changes
            # carried only by lost sessions: at worst one more round, never another result)
            any_change = any(x not in todo for x in c.changers[r - 1])
        if not any_change:
            converged = True
            break
    if not converged:
        raise Unsupported("the scenario's BGP rounds did not converge")
    # after the scenario's last round ``r``, a pair holds its override or the base's value of round r
    cands_final: set[int] = set(touched)
    for rr in range(r, len(c.evals)):
        cands_final |= c.evals[rr]
    main: dict[SpeakerKey, dict[IPv4Network, list[Route]]] = dict(base_main)
    changed: set[Pair] = set()
    copied: set[SpeakerKey] = set()
    for x in cands_final:
        k = pk[x]
        if k in skip:
            continue
        p = nets[pq[x]]
        scen = o_main[x] if x in o_main else _at(values.get(x), r)[1]
        final = base_main.get(k, {}).get(p, [])
        if scen == final:
            continue
        changed.add((k, p))
        if k not in copied:
            main[k] = dict(base_main.get(k, {}))
            copied.add(k)
        if scen:
            main[k][p] = scen
        else:
            main[k].pop(p, None)
    replaced: dict[SpeakerKey, set[IPv4Network]] = defaultdict(set)
    last = min(r, len(c.evals))
    for x, done in rounds_of.items():
        if all(rr in done for rr in base_rounds.get(x, ()) if rr <= last):
            replaced[pk[x]].add(nets[pq[x]])
    nh_users: dict[SpeakerKey, dict[IPv4Address, set[IPv4Network]]] = defaultdict(dict)
    for x, nhs in nh_of.items():
        if not nhs:
            continue
        per = nh_users[pk[x]]
        p = nets[pq[x]]
        for nh in nhs:
            got = per.get(nh)
            if got is None:
                per[nh] = {p}
            else:
                got.add(p)
    return DeltaResult(
        main,
        changed,
        converged,
        r,
        evaluated,
        dict(nh_users),
        dict(bgp_prefixes),
        dict(replaced),
    )
