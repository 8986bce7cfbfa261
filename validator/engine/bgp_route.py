"""A BGP path and the best-path order over paths (semantics §4c): what the reference rounds
(``engine.bgp``) and the scenario engine (``engine.incremental._delta``) both rank with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from operator import itemgetter

from validator.engine.rib import MainRib
from validator.engine.routing_policy import AsPathItem
from validator.model.config import BgpProcess

_ORIGIN_RANK = {"igp": 0, "egp": 1, "incomplete": 2}


@dataclass(frozen=True)
class BgpRoute:
    """A path in a BGP RIB. ``protocol``: ``local`` (network/redistribute, non-routing), ``aggregate``,
    ``bgp`` (eBGP-learned) or ``ibgp``."""

    network: IPv4Network
    protocol: str
    next_hop_ip: IPv4Address | None = None
    as_path: tuple[AsPathItem, ...] = ()
    local_pref: int = 100
    med: int = 0
    weight: int = 0
    origin: str = "igp"
    communities: frozenset[int] = frozenset()
    received_from: IPv4Address | None = None
    originator_id: IPv4Address | None = None
    cluster_list: tuple[IPv4Address, ...] = ()
    from_client: bool = False
    tag: int | None = None
    # for ``local`` routes: the main-RIB protocol they were made from (Junos export policies match
    # ``from protocol direct|static|ospf`` on it)
    src_protocol: str | None = None

    @property
    def as_path_len(self) -> int:
        return len(self.as_path)

    def flat_as_path(self) -> tuple[int, ...]:
        out: list[int] = []
        for item in self.as_path:
            out.extend(sorted(item) if isinstance(item, frozenset) else [item])
        return tuple(out)


def _as_path_contains(path: tuple[AsPathItem, ...], asn: int) -> bool:
    return any(asn in item if isinstance(item, frozenset) else item == asn for item in path)


def _igp_cost(rib: MainRib | None, nh: IPv4Address | None) -> int:
    if nh is None or rib is None:
        return 0
    match = rib.longest_prefix_match(nh)
    return min(r.metric for r in match) if match else 0


def _pref_key(r: BgpRoute, igp: int) -> tuple[int, ...]:
    """Lower is better; equal keys are multipath candidates (§4c steps 1-9)."""
    return (
        -r.weight,
        -r.local_pref,
        0 if r.protocol == "aggregate" else 1,
        r.as_path_len,
        _ORIGIN_RANK.get(r.origin, 2),
        1 if r.protocol == "ibgp" else 0,
        r.med,
        igp,
        len(r.cluster_list),
    )


def _tie_key(r: BgpRoute) -> tuple[int, ...]:
    """Deterministic stand-in for arrival order: originator id, cluster list, received-from, next hop."""
    return (
        int(r.originator_id) if r.originator_id is not None else 0,
        len(r.cluster_list),
        int(r.received_from) if r.received_from is not None else 0,
        int(r.next_hop_ip) if r.next_hop_ip is not None else 0,
    )


Rank = tuple[tuple[int, ...], int, tuple[int, ...]]


def route_rank(r: BgpRoute) -> Rank:
    """The route's own parts of the best-path order: (``_pref_key`` without its IGP-cost and
    cluster-list steps, the cluster-list length, ``_tie_key``). Selection ranks the same route
    objects again in every round and scenario, so the rank is computed once per object and kept
    in its instance dict, outside the dataclass fields (equality, hashing and ``replace`` ignore
    it; a pickled copy carries it along, equal by construction)."""
    d = r.__dict__
    hit: Rank | None = d.get("_rank")
    if hit is None:
        hit = d["_rank"] = (
            (
                -r.weight,
                -r.local_pref,
                0 if r.protocol == "aggregate" else 1,
                len(r.as_path),
                _ORIGIN_RANK.get(r.origin, 2),
                1 if r.protocol == "ibgp" else 0,
                r.med,
            ),
            len(r.cluster_list),
            _tie_key(r),
        )
    return hit


# a candidate's sort key: its (key, tie) pair, never the route itself (stable among equal ones)
_SORT_KEY = itemgetter(0, 1)


def select_route(
    routes: list[BgpRoute], igp_cost: Callable[[IPv4Address | None], int], proc: BgpProcess
) -> tuple[BgpRoute, list[BgpRoute]]:
    """Best path and multipath set of one prefix's (non-empty) candidates; ``igp_cost`` answers the
    IGP cost to a next hop (0 when unresolved). Shared by the reference rounds and the scenario
    engine (``incremental._delta``), which answers the costs from a memo."""
    if len(routes) == 1:
        # one candidate is its own best and, whatever the multipath settings, its whole set
        # (the multipath loop below admits the best itself and nothing else)
        only = routes[0]
        return only, [only]
    multipath_on = proc.max_paths_ebgp > 1 or proc.max_paths_ibgp > 1
    # (own steps, IGP cost, cluster list) orders exactly as the flat _pref_key: the own steps are a
    # fixed-length tuple, so comparing it first is comparing its elements first
    keyed: list[tuple[tuple[tuple[int, ...], int, int], tuple[int, ...], BgpRoute]] = []
    for r in routes:
        rank = r.__dict__.get("_rank")  # route_rank's cache, read inline (the sweep's hottest loop)
        own, clusters, tie = rank if rank is not None else route_rank(r)
        keyed.append(((own, igp_cost(r.next_hop_ip), clusters), tie, r))
    keyed.sort(key=_SORT_KEY)
    best_key, _, best = keyed[0]
    if not multipath_on:
        return best, [best]
    mp: list[BgpRoute] = []
    for k, _, r in keyed:
        if k != best_key:
            break
        same_path = r.as_path == best.as_path or (proc.multipath_relax and r.as_path_len == best.as_path_len)
        if same_path and r not in mp:
            mp.append(r)
    return best, mp
