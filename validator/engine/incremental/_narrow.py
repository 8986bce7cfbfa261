"""Delta BGP narrowing: which pairs a scenario's changed inputs provably leave at the base's
selections (so ``_delta.delta_run`` need not evaluate them), and what those pairs then read.
Split from ``_delta`` (the replay itself); ``_scenario_bgp`` applies it.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from validator.engine.bgp import SpeakerKey
from validator.engine.incremental._delta import Compact, _at, _in_at


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
