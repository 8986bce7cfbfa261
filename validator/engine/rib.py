"""Main RIB: connected, local and static routes, preference merging, Batfish ordering (§2, §5, §6)."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network

from validator.engine.topology import IfaceKey
from validator.model.config import Node
from validator.model.dataplane import NextHop, NextHopType, Route
from validator.model.prefix import MASKS, prefix, prefix_of

_NH_TYPE_ORDER = {"discard": 0, "interface": 1, "ip": 2}

# A node's OSPF and BGP routes point at a few neighbours: equal next hops are one shared object
# (frozen, compared by value everywhere), ~1.4 M fewer objects at 510 routers. Bounded.
_HOPS: dict[tuple[str, str | None, IPv4Address | None], NextHop] = {}
_HOPS_MAX = 200_000


def hop(type_: NextHopType, interface: str | None = None, ip: IPv4Address | None = None) -> NextHop:
    """``NextHop(type_, interface, ip)``, shared with every equal one made here."""
    key = (type_, interface, ip)
    hit = _HOPS.get(key)
    if hit is None:
        if len(_HOPS) >= _HOPS_MAX:
            _HOPS.clear()
        hit = _HOPS[key] = NextHop(type_, interface, ip)
    return hit


def route_sort_key(r: Route) -> tuple[object, ...]:
    """Batfish routes-answer order: prefix (IP, length), then next hop (Discard < Interface < Ip;
    interface hops by IP with nulls first, then name; IP hops by IP)."""
    nh = r.next_hop
    nh_key: tuple[object, ...]
    if nh.type == "interface":
        nh_key = (0 if nh.ip is None else 1, int(nh.ip) if nh.ip is not None else 0, nh.interface or "")
    elif nh.type == "ip":
        nh_key = (int(nh.ip) if nh.ip is not None else 0,)
    else:
        nh_key = ()
    return (
        int(r.network.network_address),
        r.network.prefixlen,
        _NH_TYPE_ORDER[nh.type],
        nh_key,
        r.protocol,
        r.admin_distance,
        r.metric,
    )


class MainRib:
    """One node/VRF main RIB: best routes per prefix by (admin distance, metric); exact ties are ECMP."""

    def __init__(self) -> None:
        self.by_prefix: dict[IPv4Network, list[Route]] = {}
        self._by_len: dict[int, dict[int, IPv4Network]] = {}
        self._lens: list[int] = []

    def merge(self, route: Route) -> None:
        cur = self.by_prefix.get(route.network)
        if cur is None:
            self.by_prefix[route.network] = [route]
            plen = route.network.prefixlen
            if plen not in self._by_len:
                self._by_len[plen] = {}
                self._lens = sorted(self._by_len, reverse=True)
            self._by_len[plen][int(route.network.network_address)] = route.network
            return
        best = cur[0]
        if (route.admin_distance, route.metric) < (best.admin_distance, best.metric):
            self.by_prefix[route.network] = [route]
        elif (route.admin_distance, route.metric) == (best.admin_distance, best.metric) and route not in cur:
            cur.append(route)

    def merge_all(self, routes: Iterable[Route]) -> None:
        for r in routes:
            self.merge(r)

    def longest_prefix_match(self, ip: IPv4Address, max_len: int = 32) -> list[Route]:
        # 1.2 M calls in a 150-router sweep: masks from a table, the hit's prefix object is the
        # by_prefix key itself (an identity hit on its cached hash when it is a Prefix)
        addr = int(ip)
        by_len = self._by_len
        for plen in self._lens:
            if plen > max_len:
                continue
            net = by_len[plen].get(addr & MASKS[plen])
            if net is not None:
                return self.by_prefix[net]
        return []

    def routes(self) -> list[Route]:
        out = [r for rs in self.by_prefix.values() for r in rs]
        out.sort(key=route_sort_key)
        return out


def connected_and_local_routes(node: Node, active: frozenset[IfaceKey]) -> list[Route]:
    """Connected route per address of an active interface; local /32 when the prefix is shorter than /32."""
    out: list[Route] = []
    for iface in node.interfaces.values():
        if (node.name, iface.name) not in active:
            continue
        nh = NextHop("interface", iface.name)
        for addr in iface.addresses:
            # interned prefixes (model/prefix.py): these key every RIB and FIB table downstream
            out.append(Route(node.name, iface.vrf, prefix(addr.network), "connected", nh, 0, 0))
            if addr.network.prefixlen < 32 and iface.local_route:
                out.append(Route(node.name, iface.vrf, prefix_of(int(addr), 32), "local", nh, 0, 0))
    return out


def static_routes(node: Node, active: frozenset[IfaceKey], ribs: dict[str, MainRib]) -> list[Route]:
    """Statics that install given the current main RIBs (per VRF): discard always, interface next
    hop iff the interface is active, next-hop IP iff it resolves (more specifically than the route
    itself when the route covers the IP)."""
    out: list[Route] = []
    for sr in node.static_routes:
        if sr.discard:
            nh = NextHop("discard")
        elif sr.next_hop_interface is not None:
            if sr.next_hop_interface.lower().startswith("null"):
                nh = NextHop("discard")
            elif (node.name, sr.next_hop_interface) not in active:
                continue
            else:
                nh = NextHop("interface", sr.next_hop_interface, sr.next_hop_ip)
        elif sr.next_hop_ip is not None:
            rib = ribs.get(sr.vrf)
            if rib is None:
                continue
            match = rib.longest_prefix_match(sr.next_hop_ip)
            if not match:
                continue
            if sr.next_hop_ip in sr.network and match[0].network.prefixlen <= sr.network.prefixlen:
                continue
            nh = NextHop("ip", None, sr.next_hop_ip)
        else:
            continue
        out.append(Route(node.name, sr.vrf, sr.network, "static", nh, sr.admin_distance, 0, tag=sr.tag))
    return out
