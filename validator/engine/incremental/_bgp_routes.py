"""The routes one BGP selection contributes, per prefix: its main-RIB routes, merged over the IGP's
(``MainRib.merge`` at one prefix), and the aggregates a speaker's present routes activate. Shared
by the prefix-wise engine (``_bgp``), delta BGP (``_delta``) and the patched RIBs (``_patch``)."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network

from validator.engine.bgp import AGGREGATE_AD, EBGP_AD, IBGP_AD, LOCAL_WEIGHT, BgpRoute, SpeakerKey
from validator.engine.rib import hop
from validator.engine.routing_policy import community_str
from validator.model.config import BgpProcess
from validator.model.dataplane import NextHop, Route


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
    node, vrf = k
    best, paths = sel
    if best.protocol == "local":
        return []
    if best.protocol == "aggregate":
        return [Route(node, vrf, p, "aggregate", NextHop("discard"), AGGREGATE_AD, best.med)]
    out: list[Route] = []
    seen: set[IPv4Address | None] = set()
    for r in paths:
        if r.protocol not in ("bgp", "ibgp") or r.next_hop_ip in seen:
            continue
        seen.add(r.next_hop_ip)
        out.append(
            Route(
                node,
                vrf,
                p,
                r.protocol,
                hop("ip", None, r.next_hop_ip),
                ebgp_ad if r.protocol == "bgp" else ibgp_ad,
                r.med,
                tag=r.tag,
                as_path=r.flat_as_path(),
                local_preference=r.local_pref,
                communities=tuple(community_str(c) for c in sorted(r.communities)),
            )
        )
    return out
