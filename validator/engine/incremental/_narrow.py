"""Delta BGP narrowing: which pairs a scenario's changed inputs provably leave at the base's
selections (so ``_delta.delta_run`` need not evaluate them), and what those pairs then read.
Split from ``_delta`` (the replay itself); ``_scenario_bgp`` applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network

from validator.engine.bgp import BgpRoute, SpeakerKey, route_rank
from validator.engine.incremental._delta import Compact, _at, _in_at, igp_answer
from validator.engine.rib import MainRib

# the distinct next hops (None: a route without one, cost 0) of one round's candidates tied with the
# best before the IGP-cost step, each with its base IGP cost, in candidate order
TieGroup = tuple[tuple[IPv4Address | None, int], ...]


def lost_matters(c: Compact, k: SpeakerKey, p: IPv4Network, i: int) -> bool:
    """Whether losing base edge ``i`` can change the selections of (``k``, ``p``): False only when
    no route it ever delivered for ``p`` was the best path or in the multipath set of a round the
    base evaluated the pair in.

    Why that is exact: ``select_route`` sorts the candidates by a key (stable, so equal keys keep
    their order) and takes the first as best and, in order, the routes with the best's key and AS
    path, skipping routes equal to one already taken. A candidate equal to neither the best nor a
    member of that set is never the first and is skipped by the multipath loop, so removing it
    (any number of such candidates) leaves (best, multipath) as it was. Between the rounds the base
    evaluated the pair its adj-in did not change, so those rounds are all the selections there are.
    The pair's other inputs are the delta replay's business as before (a pair whose inputs differ
    from the base's is evaluated there, without the lost edges)."""
    q = c.qid.get(p)
    x = c.ids.get((k, q)) if q is not None else None
    if x is None:
        return True  # never recorded: assume the worst
    hit = c.lost.get((x, i))  # a function of the base run: asked again by every scenario losing i
    if hit is None:
        hit = c.lost[(x, i)] = _lost_matters(c, x, i)
    return hit


def _lost_matters(c: Compact, x: int, i: int) -> bool:
    box = c.inbox.get(x)
    es = box.get(i) if box else None
    if not es:
        return False  # the edge never delivered a route for p: the adj-in never held anything from it
    rounds = c.rounds.get(x)
    if not rounds:
        return True
    vals = c.values.get(x)
    for r in rounds:
        got = _in_at(es, r - 1)
        if not got:
            continue
        sel = _at(vals, r)[0]
        if sel is None:
            continue  # nothing selected: the edge's routes were no candidates (unresolved next hops)
        best, mp = sel
        for rt in got:
            if rt is best or rt in mp or rt == best:
                return True
    return False


def selected_via(c: Compact, k: SpeakerKey, p: IPv4Network, nh: IPv4Address) -> bool:
    """Whether any selection the base ever recorded for (``k``, ``p``) has a best path or multipath
    member with next hop ``nh`` (True when the pair is unknown). When not, and ``nh`` only got worse
    for ``k`` (unresolvable now, or a higher IGP cost), the pair's selections stay the base's: its
    candidates through ``nh`` were never selected and now only vanish or sort later (their key's
    IGP cost grows), while the best's and the multipath members' keys are unchanged (see
    :func:`lost_matters` for why removing unselected candidates keeps the selection). Originated
    candidates are not covered (an unresolved one costs 0, i.e. gets better): callers exclude pairs
    that may originate."""
    q = c.qid.get(p)
    x = c.ids.get((k, q)) if q is not None else None
    if x is None:
        return True
    for _r, sel, _main in c.values.get(x, ()):
        if sel is None:
            continue
        best, mp = sel
        if best.next_hop_ip == nh or any(m.next_hop_ip == nh for m in mp):
            return True
    return False


def inbox_next_hops(c: Compact, k: SpeakerKey, p: IPv4Network, lost: set[int]) -> set[IPv4Address] | None:
    """Every next hop a route delivered to (``k``, ``p``) over a base edge not in ``lost`` ever had
    in the base run (None when the pair is unknown): a superset of the next hops the pair's
    evaluations look up in a scenario that follows the base's inputs apart from the lost edges."""
    q = c.qid.get(p)
    x = c.ids.get((k, q)) if q is not None else None
    if x is None:
        return None
    out: set[IPv4Address] = set()
    for i, es in (c.inbox.get(x) or {}).items():
        if i in lost:
            continue
        for _r, routes in es:
            for rt in routes:
                if rt.next_hop_ip is not None:
                    out.add(rt.next_hop_ip)
    return out


def cost_groups(
    c: Compact, k: SpeakerKey, p: IPv4Network, rib: MainRib | None, ext: list[BgpRoute] | None
) -> tuple[TieGroup, ...] | None:
    """Per round the base evaluated (``k``, ``p``) in, the next hops of its *tie group*: the
    candidates whose own steps of the best-path order (``route_rank``: weight, local preference,
    AS-path length, origin, eBGP over iBGP, MED, i.e. everything before the IGP cost) equal the
    best's, with their base IGP costs (``rib``: the speaker's base IGP RIB; ``ext``: its external
    announcements at ``p``). None when the pair is unknown or a best path did not come from its
    adj-in (an origination). Distinct groups only; computed once per pair (a function of the base
    run), kept on the :class:`Compact`."""
    q = c.qid.get(p)
    x = c.ids.get((k, q)) if q is not None else None
    if x is None:
        return None
    if x in c.ties:
        hit: tuple[TieGroup, ...] | None = c.ties[x]
        return hit
    out: tuple[TieGroup, ...] | None = None
    rounds = c.rounds.get(x)
    if rounds:
        box = c.inbox.get(x) or {}
        vals = c.values.get(x)
        seen: dict[TieGroup, None] = {}
        for r in rounds:
            sel = _at(vals, r)[0]
            if sel is None:
                continue  # no candidate at all: only a next hop turning resolvable changes that
            cands: list[BgpRoute] = []
            for es in box.values():
                cands.extend(_in_at(es, r - 1))
            cands.extend(ext or ())
            best = sel[0]
            if best not in cands:
                seen.clear()
                break
            own = route_rank(best)[0]
            group: dict[IPv4Address | None, int] = {}
            for rt in cands:
                nh = rt.next_hop_ip
                cost = 0
                if nh is not None:
                    resolvable, cost = igp_answer(rib, nh)
                    if not resolvable:
                        continue  # no candidate in the base
                if route_rank(rt)[0] == own and nh not in group:
                    group[nh] = cost
            seen[tuple(group.items())] = None
        else:
            out = tuple(seen)
    c.ties[x] = out
    return out


def cost_blind(groups: tuple[TieGroup, ...], now: Callable[[IPv4Address], tuple[bool, int]]) -> bool:
    """Whether a pair with these tie groups (:func:`cost_groups`) keeps every selection of the base
    under the scenario's IGP answers ``now`` (resolvable, cost), its adj-in being the base's and no
    next hop of its adj-in turning resolvable (the caller's conditions): issue 15's "IGP-cost changes
    re-evaluate only the tie-break step", decided without evaluating.

    Why that is exact: ``select_route`` sorts the candidates by ((own steps, IGP cost, cluster-list
    length), tie key), stably, takes the first as best and, in order, the routes with the best's
    key (and AS path) as the multipath set. A candidate outside the tie group has worse own steps:
    it sorts after every member whatever its IGP cost, and vanishing (unresolvable now) removes a
    route that was never taken. Inside the group, the order and the key equalities depend on the
    IGP costs only through how the members' costs compare; when every member stays resolvable and
    every pair of them compares alike (<, =, >) before and after, the sorted order, the best and
    the multipath set are the same. A group with one next hop compares nothing (only its
    resolvability matters)."""
    for g in groups:
        if len(g) == 1:
            nh = g[0][0]
            if nh is not None and not now(nh)[0]:
                return False
            continue
        costs: list[int] = []
        for nh, _was in g:
            if nh is None:
                costs.append(0)
                continue
            ok, cost = now(nh)
            if not ok:
                return False
            costs.append(cost)
        for i in range(len(g)):
            wi, ni = g[i][1], costs[i]
            for j in range(i + 1, len(g)):
                wj, nj = g[j][1], costs[j]
                if (wi < wj) != (ni < nj) or (wi == wj) != (ni == nj):
                    return False
    return True
