"""The routes one BGP selection contributes, per prefix: its main-RIB routes, merged over the IGP's
(``MainRib.merge`` at one prefix), and the aggregates a speaker's present routes activate. Shared
by the prefix-wise engine (``_bgp``), delta BGP (``_delta``) and the patched RIBs (``_patch``)."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network

from validator.engine.bgp import EBGP_AD, IBGP_AD, LOCAL_WEIGHT, BgpRoute, SpeakerKey, main_routes_at
from validator.model.config import BgpProcess
from validator.model.dataplane import Route


def _merged_at(igp_routes: list[Route], bgp_routes: list[Route]) -> list[Route]:
    """MainRib.merge of the BGP routes at one prefix over the IGP routes there."""
    if not bgp_routes:
        return igp_routes
    cur = list(igp_routes)
    for route in bgp_routes:
        if not cur:
            cur = [route]
            continue
        best = cur[0]
        if (route.admin_distance, route.metric) < (best.admin_distance, best.metric):
            cur = [route]
        elif (route.admin_distance, route.metric) == (best.admin_distance, best.metric) and route not in cur:
            cur.append(route)
    return cur


def _active_aggregates(aggs: Iterable[IPv4Network], present: set[IPv4Network]) -> set[IPv4Network]:
    pres = set(present)
    active: set[IPv4Network] = set()
    for a in aggs:
        if any(net != a and net.subnet_of(a) for net in pres):
            active.add(a)
            pres.add(a)
    return active


def _aggregate_route(p: IPv4Network) -> BgpRoute:
    return BgpRoute(network=p, protocol="aggregate", weight=LOCAL_WEIGHT, origin="igp")


def _main_routes(
    k: SpeakerKey, p: IPv4Network, sel: tuple[BgpRoute, list[BgpRoute]] | None, proc: BgpProcess | None = None
) -> list[Route]:
    """``bgp.main_rib_routes`` at one prefix (``proc``: the process's administrative distances)."""
    ebgp_ad, ibgp_ad = (proc.ebgp_admin, proc.ibgp_admin) if proc is not None else (EBGP_AD, IBGP_AD)
    if sel is None:
        return []
    return main_routes_at(k[0], k[1], p, sel[0], sel[1], ebgp_ad, ibgp_ad)
