"""FIB construction: recursive next-hop resolution of every main-RIB route (semantics §5)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from validator.engine.rib import MainRib
from validator.engine.types import Fib
from validator.model.dataplane import FibAction, FibEntry, Route

MAX_RESOLUTION_DEPTH = 10
_NULL = FibAction(None, None, null_route=True)

Found = list[tuple[FibAction, tuple[Route, ...]]]

# Every connected and IGP route resolves to an action of its own interface; a network has few
# distinct ones (interface, ARP IP), so equal actions are one shared object (memory: at 510
# routers ~3 M FIB entries held ~3 M equal-in-groups actions). Bounded: cleared when full.
_ACTIONS: dict[tuple[str | None, int], FibAction] = {}
_ACTIONS_MAX = 200_000


def _action(interface: str | None, arp: IPv4Address | None) -> FibAction:
    key = (interface, -1 if arp is None else int(arp))
    hit = _ACTIONS.get(key)
    if hit is None:
        if len(_ACTIONS) >= _ACTIONS_MAX:
            _ACTIONS.clear()
        hit = _ACTIONS[key] = FibAction(interface, arp)
    return hit


def _resolve(
    rib: MainRib,
    route: Route,
    last_ip: IPv4Address | None,
    chain: tuple[Route, ...],
    depth: int,
    out: Found,
    examined: set[IPv4Network] | None = None,
) -> None:
    nh = route.next_hop
    if nh.type == "discard":
        out.append((_NULL, chain))
        return
    if nh.type == "interface":
        arp = nh.ip if nh.ip is not None else last_ip
        out.append((_action(nh.interface, arp), chain))
        return
    assert nh.ip is not None
    _resolve_ip(rib, nh.ip, chain, depth, out, examined)


def _resolve_ip(
    rib: MainRib,
    ip: IPv4Address,
    chain: tuple[Route, ...],
    depth: int,
    out: Found,
    examined: set[IPv4Network] | None,
) -> None:
    """A next-hop IP at ``depth``; ``examined`` (when given) collects every network the loop check
    below compares with the chain, i.e. every network whose presence on the chain could change
    the result."""
    if depth >= MAX_RESOLUTION_DEPTH:
        out.append((_NULL, chain))
        return
    seen = {r.network for r in chain}
    matches = rib.longest_prefix_match(ip)
    # A next hop that resolves back through a network already on the chain is a loop: Batfish
    # then tries the next less specific match.
    while matches:
        first = matches[0].network
        if examined is not None:
            examined.add(first)
        if first not in seen:
            break
        plen = first.prefixlen
        matches = rib.longest_prefix_match(ip, plen - 1) if plen > 0 else []
    if not matches:
        out.append((_NULL, chain))
        return
    for nxt in matches:
        _resolve(rib, nxt, ip, (*chain, nxt), depth + 1, out, examined)


def _entries(route: Route, found: Found, skip: int) -> list[FibEntry]:
    entries: list[FibEntry] = []
    seen: set[FibAction] = set()
    for action, chain in found:
        if action in seen:
            continue
        seen.add(action)
        entries.append(FibEntry(route, action, chain[skip:]))
    return entries


def resolve_route(rib: MainRib, route: Route) -> list[FibEntry]:
    """All forwarding actions of one route (ECMP through the resolution tree), deduplicated."""
    found: Found = []
    _resolve(rib, route, None, (route,), 0, found)
    return _entries(route, found, 1)


class Resolver:
    """``resolve_route`` over one RIB, with the resolution of each next-hop IP computed once.

    Thousands of routes share a next hop (every BGP route of a leaf resolves through the same
    few loopbacks). A route's resolution depends on the route itself only through the loop check,
    which compares the networks met on the way with the chain, the route's own network included:
    so the tree of a next hop is computed without the route, noting every network the check
    looked at; a route whose own network is not among them resolves exactly as that tree says
    (the check answers the same with or without it), any other route is resolved on its own."""

    def __init__(self, rib: MainRib) -> None:
        self.rib = rib
        self._trees: dict[IPv4Address, tuple[set[IPv4Network], list[tuple[FibAction, tuple[Route, ...]]]]] = {}

    def resolve(self, route: Route) -> list[FibEntry]:
        nh = route.next_hop
        if nh.type != "ip":
            return resolve_route(self.rib, route)
        assert nh.ip is not None
        tree = self._trees.get(nh.ip)
        if tree is None:
            found: Found = []
            examined: set[IPv4Network] = set()
            _resolve_ip(self.rib, nh.ip, (), 0, found, examined)
            deduped: dict[FibAction, tuple[Route, ...]] = {}
            for action, chain in found:
                deduped.setdefault(action, chain)  # first occurrence, in order (as _entries)
            tree = self._trees[nh.ip] = (examined, list(deduped.items()))
        if route.network in tree[0]:
            return resolve_route(self.rib, route)
        return [FibEntry(route, action, chain) for action, chain in tree[1]]


def build_fib(rib: MainRib, donor: tuple[MainRib, Fib] | None = None) -> Fib:
    """The FIB of ``rib``. ``donor`` (another RIB and its built FIB, e.g. the IGP-only RIB a main
    RIB was merged from): a prefix whose route list is the donor RIB's own list object and whose
    routes all leave by an interface or are discards resolves without reading the RIB, so it takes
    the donor's entry objects (equal by construction, checked route by route): at 510 routers the
    IGP part of every main FIB is ~1 M entries that need not exist twice."""
    fib = Fib()
    resolver = Resolver(rib)
    for net, routes in rib.by_prefix.items():
        if donor is not None and donor[0].by_prefix.get(net) is routes:
            shared = _shared_entries(donor[1], net, routes)
            if shared is not None:
                plen = net.prefixlen
                if plen not in fib._by_len:
                    fib._by_len[plen] = {}
                    fib._lens = sorted(fib._by_len, reverse=True)
                # the donor's list itself: built FIBs are never added to (one list per prefix, and
                # rib.by_prefix has each prefix once, so this build adds nothing to it either)
                fib._by_len[plen][int(net.network_address)] = shared
                continue
        for route in routes:
            for entry in resolver.resolve(route):
                fib.add(net.prefixlen, int(net.network_address), entry)
    return fib


def _shared_entries(fib: Fib, net: IPv4Network, routes: list[Route]) -> list[FibEntry] | None:
    """``fib``'s entries at ``net`` when they are exactly one per route of ``routes``, in order, for
    routes that resolve without a lookup (interface next hops, discards); else None."""
    if any(r.next_hop.type == "ip" for r in routes):
        return None
    entries = fib._by_len.get(net.prefixlen, {}).get(int(net.network_address))
    if entries is None or len(entries) != len(routes):
        return None
    if any(e.route is not r for e, r in zip(entries, routes, strict=True)):
        return None
    return entries
