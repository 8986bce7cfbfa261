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
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from validator.engine.bgp import BgpRoute, SpeakerKey, select_paths
from validator.engine.incremental._bgp import History, PrefixBgp, Unsupported, Value, _main_routes
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
        self.rounds: dict[int, list[int]] = dict(rounds)

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
    c = hist.__dict__.get("_compact")
    if c is None:
        c = hist.__dict__["_compact"] = Compact(hist)
    return c


def delta_run(
    engine: PrefixBgp,
    hist: History,
    base_main: dict[SpeakerKey, dict[IPv4Network, list[Route]]],
    perturbed: set[Pair],
    first: set[Pair],
    lost: set[int],
    skip: set[SpeakerKey],
    max_rounds: int = 200,
) -> DeltaResult:
    """The scenario's BGP main routes. ``engine``: the base's engine (same edge indices) reading the
    scenario's IGP; ``perturbed``: pairs whose selection function changed; ``first``: perturbed
    pairs to evaluate in round 1 even if the base did not (a new origination); ``lost``: base edge
    indices of lost sessions; ``skip``: speakers computed elsewhere (left without sessions).
    Raises Unsupported when the scenario does not converge within ``max_rounds`` (the caller then
    runs the reference way, which reports the oscillation itself). Pairs are handled by their
    integer ids (:class:`Compact`) throughout."""
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
    orig_cache: dict[tuple[SpeakerKey, IPv4Network], list[BgpRoute]] = {}
    nh_users: dict[SpeakerKey, dict[IPv4Address, set[IPv4Network]]] = defaultdict(lambda: defaultdict(set))
    bgp_prefixes: dict[SpeakerKey, set[IPv4Network]] = defaultdict(set)
    touched: set[int] = set()
    rounds_of: dict[int, set[int]] = defaultdict(set)
    base_rounds = c.rounds
    receiver = [(e.receiver.node, e.receiver.vrf) for e in edges]
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
            touch(x, r)
            rounds_of[x].add(r)
            mrib = igp.get(k[0], {}).get(k[1])
            ent = values.get(x)
            prev_b, prev_bm = _at(ent, r - 1)
            now_b, now_bm = _at(ent, r)
            prev = o_val.get(x, prev_b)
            prev_main = o_main.get(x, prev_bm)
            box: dict[int, list[BgpRoute]] = {}
            hin = inbox_hist.get(x)
            if hin:
                for i, es in hin.items():
                    if i in lost:
                        continue
                    rec = _in_at(es, r - 1)
                    if rec:
                        box[i] = rec
            over = o_in.get(x)
            if over:
                for i, rec in over.items():
                    if rec:
                        box[i] = rec
                    else:
                        box.pop(i, None)
            cands = engine._cands(sp, p, mrib, prev_main, box or None, orig_cache, nh_users[k])
            if cands:
                sel = select_paths({p: cands}, mrib, sp.proc)
                new: Value = (sel.best[p], sel.multipath[p])
            else:
                new = None
            was_over = x in o_val
            if new != now_b:
                o_val[x] = new
            else:
                o_val.pop(x, None)
            is_over = x in o_val
            cur_main = prev_main
            if new != prev:
                cur_main = _main_routes(k, p, new, sp.proc)
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
            k = pk[x]
            q = pq[x]
            sp = spk[k]
            for i in sp.outgoing:
                if i in lost:
                    continue
                rx = c.pair_q(receiver[i], q)
                hin_r = inbox_hist.get(rx)
                hist_i = hin_r.get(i) if hin_r else None
                cur = o_in.get(rx)
                prev_in = cur[i] if cur is not None and i in cur else _in_at(hist_i, r - 1)
                specific = True  # the receiver's adj-in changes otherwise than the base's
                if is_over:
                    rec = engine._received(sp, edges[i], nets[q], new)
                    if cur is None:
                        cur = o_in[rx] = {}
                    cur[i] = rec
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
    return DeltaResult(
        main,
        changed,
        converged,
        r,
        evaluated,
        {k: dict(v) for k, v in nh_users.items()},
        dict(bgp_prefixes),
        dict(replaced),
    )
