"""FIB construction: recursive next-hop resolution of every main-RIB route (semantics §5)."""

from __future__ import annotations

from ipaddress import IPv4Address

from validator.engine.rib import MainRib
from validator.engine.types import Fib
from validator.model.dataplane import FibAction, FibEntry, Route

MAX_RESOLUTION_DEPTH = 10
_NULL = FibAction(None, None, null_route=True)


def _resolve(
    rib: MainRib,
    route: Route,
    last_ip: IPv4Address | None,
    chain: tuple[Route, ...],
    depth: int,
    out: list[tuple[FibAction, tuple[Route, ...]]],
) -> None:
    nh = route.next_hop
    if nh.type == "discard":
        out.append((_NULL, chain))
        return
    if nh.type == "interface":
        arp = nh.ip if nh.ip is not None else last_ip
        out.append((FibAction(nh.interface, arp), chain))
        return
    assert nh.ip is not None
    if depth >= MAX_RESOLUTION_DEPTH:
        out.append((_NULL, chain))
        return
    seen = {r.network for r in chain}
    matches = rib.longest_prefix_match(nh.ip)
    # A next hop that resolves back through a network already on the chain is a loop: Batfish
    # then tries the next less specific match.
    while matches and matches[0].network in seen:
        plen = matches[0].network.prefixlen
        matches = rib.longest_prefix_match(nh.ip, plen - 1) if plen > 0 else []
    if not matches:
        out.append((_NULL, chain))
        return
    for nxt in matches:
        _resolve(rib, nxt, nh.ip, (*chain, nxt), depth + 1, out)


def resolve_route(rib: MainRib, route: Route) -> list[FibEntry]:
    """All forwarding actions of one route (ECMP through the resolution tree), deduplicated."""
    found: list[tuple[FibAction, tuple[Route, ...]]] = []
    _resolve(rib, route, None, (route,), 0, found)
    entries: list[FibEntry] = []
    seen: set[FibAction] = set()
    for action, chain in found:
        if action in seen:
            continue
        seen.add(action)
        entries.append(FibEntry(route, action, chain[1:]))
    return entries


def build_fib(rib: MainRib) -> Fib:
    fib = Fib()
    for net, routes in rib.by_prefix.items():
        for route in routes:
            for entry in resolve_route(rib, route):
                fib.add(net.prefixlen, int(net.network_address), entry)
    return fib
