"""FIBs and sorted RIB listings patched from a base data plane instead of rebuilt.

A FIB entry of a route depends on the main RIB only through the longest-prefix matches its
recursive resolution asked for. So when a scenario changes the routes at a set of prefixes, only
the changed prefixes and the routes whose resolution queried an address inside one of them need
resolving again; every other entry is the base's. The patch is applied lazily, on the first lookup,
because a sweep looks at the FIBs of a few nodes per scenario.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network

from validator.engine.fib import MAX_RESOLUTION_DEPTH, Resolver, build_fib
from validator.engine.rib import MainRib, route_sort_key
from validator.engine.types import Fib
from validator.model.dataplane import FibEntry, Route
from validator.model.prefix import Prefix


def clone_rib(rib: MainRib) -> MainRib:
    """A copy whose prefix lists can be replaced (never mutated) without touching ``rib``."""
    out = MainRib()
    out.by_prefix = dict(rib.by_prefix)
    out._by_len = {plen: dict(d) for plen, d in rib._by_len.items()}
    out._lens = list(rib._lens)
    return out


def set_prefix(rib: MainRib, net: IPv4Network, routes: list[Route]) -> None:
    """Replace the routes at ``net`` (``[]`` removes the prefix), keeping the LPM index right."""
    plen = net.prefixlen
    if routes:
        if net not in rib.by_prefix:
            if plen not in rib._by_len:
                rib._by_len[plen] = {}
                rib._lens = sorted(rib._by_len, reverse=True)
            rib._by_len[plen][int(net.network_address)] = net
        rib.by_prefix[net] = routes
    elif net in rib.by_prefix:
        del rib.by_prefix[net]
        d = rib._by_len.get(plen)
        if d is not None:
            d.pop(int(net.network_address), None)
            if not d:
                del rib._by_len[plen]
                rib._lens = sorted(rib._by_len, reverse=True)


def _queried(rib: MainRib, route: Route, seen: frozenset[IPv4Network], depth: int, out: set[int]) -> None:
    """Every next-hop IP ``fib._resolve`` looks up while resolving ``route`` (same recursion)."""
    nh = route.next_hop
    if nh.type != "ip" or depth >= MAX_RESOLUTION_DEPTH:
        return
    assert nh.ip is not None
    out.add(int(nh.ip))
    matches = rib.longest_prefix_match(nh.ip)
    while matches and matches[0].network in seen:
        plen = matches[0].network.prefixlen
        matches = rib.longest_prefix_match(nh.ip, plen - 1) if plen > 0 else []
    for nxt in matches:
        _queried(rib, nxt, seen | {nxt.network}, depth + 1, out)


class DepIndex:
    """Next-hop IP -> prefixes whose FIB entries were resolved through a lookup of that IP."""

    def __init__(self, rib: MainRib) -> None:
        users: dict[int, set[IPv4Network]] = {}
        for net, routes in rib.by_prefix.items():
            for r in routes:
                if r.next_hop.type != "ip":
                    continue
                qs: set[int] = set()
                _queried(rib, r, frozenset({r.network}), 0, qs)
                for q in qs:
                    users.setdefault(q, set()).add(net)
        self._ips = sorted(users)
        self._users = users

    def users_within(self, nets: Iterable[IPv4Network]) -> set[IPv4Network]:
        out: set[IPv4Network] = set()
        ips = self._ips
        users = self._users
        for net in nets:
            first, last = span(net)
            lo = bisect_left(ips, first)
            hi = bisect_right(ips, last, lo)
            for q in ips[lo:hi]:
                out |= users[q]
        return out


class LazyFib(Fib):
    """A Fib equal to ``build_fib(rib)``, computed on first use, by patching ``base`` when given."""

    def __init__(
        self,
        rib: MainRib,
        base: Fib | None = None,
        base_deps: DepIndex | None = None,
        changed: frozenset[IPv4Network] = frozenset(),
        donor: tuple[MainRib, Fib] | None = None,
    ) -> None:
        self._rib = rib
        self._base = base
        self._donor = donor  # build_fib's donor (the IGP RIB and FIB this RIB was merged from)
        self._base_deps = base_deps
        self._changed = changed
        self._ready = False
        # after a patch: (the base Fib, sorted disjoint address ranges outside which every lookup
        # answers exactly as the base's), so interval maps can be patched too (checks/fibmap.py)
        self._patch: tuple[Fib, list[tuple[int, int]], list[int]] | None = None
        # before materialising: entries of the prefixes single lookups matched, and the prefixes
        # whose entries are not the base's (see _lookup_one)
        self._one: dict[tuple[int, int], list[FibEntry]] = {}
        self._affected: set[IPv4Network] | None = None
        self._resolver: Resolver | None = None

    def _affected_nets(self) -> set[IPv4Network]:
        if self._affected is None:
            assert self._base_deps is not None
            self._affected = set(self._changed) | self._base_deps.users_within(self._changed)
        return self._affected

    def _lookup_one(self, ip: IPv4Address) -> list[FibEntry] | None:
        """``lookup`` without materialising the table (None: not answerable so, materialise).

        Every route resolves to at least one entry (an unresolvable next hop gives a null route),
        so the FIB's prefixes are the RIB's and its longest match is the RIB's longest match. That
        prefix's entries are the base's when it is outside the patch (its routes and every lookup
        their resolution made are unchanged: the same rule ``_materialize`` applies), else its
        routes resolved here, as ``_materialize`` and ``build_fib`` resolve them (``Resolver``,
        routes in RIB order). A session check reads a handful of loopbacks per FIB; the table's
        other prefixes are patched only if something else looks at it."""
        routes = self._rib.longest_prefix_match(ip)
        if not routes:
            return []
        net = routes[0].network
        key = (net.prefixlen, int(net.network_address))
        hit = self._one.get(key)
        if hit is not None:
            return hit
        base = self._base
        if base is not None and net not in self._affected_nets():
            if isinstance(base, LazyFib):
                base._materialize()  # a base table, shared by every scenario: built once
            got = base._by_len.get(key[0], {}).get(key[1])
            if not got:
                return None  # not where the rule says it is: let _materialize decide
            self._one[key] = got
            return got
        if self._resolver is None:
            self._resolver = Resolver(self._rib)
        entries: list[FibEntry] = []
        for r in routes:
            entries.extend(self._resolver.resolve(r))
        self._one[key] = entries
        return entries

    def _materialize(self) -> None:
        if self._ready:
            return
        base = self._base
        if base is None:
            donor = self._donor
            if donor is not None and isinstance(donor[1], LazyFib) and not donor[1]._ready:
                donor = None  # not built: nothing to share (and no reason to build it)
            built = build_fib(self._rib, donor)
            self._by_len, self._lens = built._by_len, built._lens
        else:
            if isinstance(base, LazyFib):
                base._materialize()
            affected = self._affected_nets()
            self._patch = (base, _merged_ranges(affected), _bounds(affected))
            by_len = dict(base._by_len)
            copied: set[int] = set()
            rib = self._rib
            resolver = Resolver(rib)
            for net in affected:
                plen = net.prefixlen
                if plen not in copied:
                    by_len[plen] = dict(by_len.get(plen, {}))
                    copied.add(plen)
                inner = by_len[plen]
                addr = int(net.network_address)
                inner.pop(addr, None)
                routes = rib.by_prefix.get(net)
                if routes:
                    entries: list[FibEntry] = []
                    for r in routes:
                        entries.extend(resolver.resolve(r))
                    inner[addr] = entries
            self._by_len = {plen: d for plen, d in by_len.items() if d or plen in base._by_len}
            self._lens = sorted(self._by_len, reverse=True)
        self._ready = True
        self._base = None
        self._base_deps = None
        self._donor = None
        self._one = {}
        self._affected = None
        self._resolver = None

    def add(self, prefix_len: int, network: int, entry: FibEntry) -> None:
        self._materialize()
        self._patch = None  # no longer a known patch of the base
        inner = self._by_len.get(prefix_len)
        if inner is not None:
            # copy on write: the inner dict may be the base's (a patch) and its lists a donor's
            inner = self._by_len[prefix_len] = dict(inner)
            if network in inner:
                inner[network] = list(inner[network])
        super().add(prefix_len, network, entry)

    def patched_from(self) -> tuple[Fib, list[tuple[int, int]], list[int]] | None:
        """(base, ranges, bounds) when this FIB is the base's with only the entries of some prefixes
        replaced: ``ranges`` (sorted, disjoint) cover those prefixes, so a lookup of an address
        outside every range answers exactly as the base's; ``bounds`` are the prefixes' first
        addresses and the addresses just past them (sorted), the only new places where the
        longest match can change inside the ranges."""
        self._materialize()
        return self._patch

    def lookup(self, ip: IPv4Address) -> list[FibEntry]:
        if not self._ready:
            # a patched table answers single lookups without being patched; a table built from
            # scratch (a base's) is built whole on first use, as its readers need most of it
            one = self._lookup_one(ip) if self._base is not None else None
            if one is not None:
                return one
            self._materialize()
        return super().lookup(ip)

    def entries(self) -> list[FibEntry]:
        self._materialize()
        return super().entries()


def span(n: IPv4Network) -> tuple[int, int]:
    """(first, last) address of ``n`` as ints (no ``broadcast_address`` object built)."""
    lo = int(n.network_address)
    return lo, lo | (0xFFFFFFFF >> n.prefixlen)


def _merged_ranges(nets: Iterable[IPv4Network]) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-adjacent address ranges covering exactly the union of ``nets``."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(map(span, nets)):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _bounds(nets: Iterable[IPv4Network]) -> list[int]:
    out: set[int] = set()
    for n in nets:
        lo, hi = span(n)
        out.add(lo)
        out.add(hi + 1)
    return sorted(out)


def patched_listing(
    base_list: list[Route], base_keys: array[int], rib: MainRib, changed: Iterable[IPv4Network]
) -> list[Route]:
    """``rib.routes()`` computed from the base's sorted listing: only the changed prefixes' blocks move."""
    out: list[Route] = []
    pos = 0
    for key, net in sorted((_key(n), n) for n in changed):
        lo = bisect_left(base_keys, key, pos)
        hi = bisect_right(base_keys, key, lo)
        out.extend(base_list[pos:lo])
        block = rib.by_prefix.get(net)
        if block:
            if len(block) == 1:
                out.append(block[0])
            else:
                out.extend(sorted(block, key=route_sort_key))
        pos = hi
    out.extend(base_list[pos:])
    return out


def listing_keys(routes: list[Route]) -> array[int]:
    """The sort keys of a listing's routes, (address, length) packed as ``address << 6 | length``
    (the same order) in one machine word each: kept per (node, VRF) for the whole sweep, so a
    tuple of two ints per route (~120 bytes) would be ~190 MB at 510 routers, 8 bytes are 13 MB."""
    return array("Q", [_key(r.network) for r in routes])


def _key(n: IPv4Network) -> int:
    """``address << 6 | length``: a :class:`Prefix` carries it already (``Prefix.key``)."""
    if type(n) is Prefix:
        return n._key
    return (int(n.network_address) << 6) | n.prefixlen
