"""FIBs flattened into sorted interval maps, to compare and classify destinations in bulk.

Checks reason over destination *classes*: every address range that all data planes forward alike.
Flattening each node's FIB into disjoint intervals (each labelled by the set of FIB actions that
longest-prefix match yields there) makes two things cheap: grouping destination pieces that behave
identically everywhere, and finding exactly which destinations a failure scenario re-routes.
"""

from __future__ import annotations

import secrets
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Sequence
from ipaddress import IPv4Address

from validator.checks.headerspace import line_intervals
from validator.checks.ipspace import MAX_IP, Intervals
from validator.engine.types import DataPlane, Fib
from validator.engine.undecided import undecided_routes
from validator.model.config import AclLine
from validator.model.dataplane import FibAction

# keyed by the set of (interface, ARP IP as int or -1, null route) of the actions: FibAction's
# field-wise equality, without its Python-level dataclass and IPv4Address hashes
_ACTION_IDS: dict[frozenset[tuple[str | None, int, bool]], int] = {frozenset(): 0}
_LABEL_IDS: dict[frozenset[Hashable], int] = {frozenset(): 0}

IntervalMap = tuple[list[int], list[int]]  # starts (sorted, starting at 0), ids

# The ids above are numbered in the order this process first met each action set, so a map is only
# meaningful next to the table that numbered it. Maps are cached on Fib objects, data planes and
# snapshots, which travel to other processes (a Ray worker unpickles the base): the cache names
# carry a nonce drawn at import, so a process that did not inherit this table (a fresh worker; a
# forked one inherits table and nonce together) never reads a map numbered elsewhere, and builds
# its own. Without it, two different action sets could share an id and a changed FIB compare equal.
_NONCE = secrets.token_hex(6)
_FIB_ATTR = f"_validator_fibmap_{_NONCE}"
_BOUNDS_ATTR = f"_validator_fibbounds_{_NONCE}"
_MAPS_ATTR = f"_validator_fibmaps_{_NONCE}"
_STATIC_ATTR = f"_validator_static_maps_{_NONCE}"


def _intern(table: dict[frozenset[Hashable], int], key: frozenset[Hashable]) -> int:
    hit = table.get(key)
    if hit is None:
        hit = len(table)
        table[key] = hit
    return hit


def _cache(dp: DataPlane) -> dict[object, object]:
    cache: dict[object, object] | None = dp.__dict__.get(_MAPS_ATTR)
    if cache is None:
        cache = {}
        dp.__dict__[_MAPS_ATTR] = cache
    return cache


def fib_map(dp: DataPlane, node: str, vrf: str = "default") -> IntervalMap:
    cache = _cache(dp)
    key = ("fib", node, vrf)
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    result = map_of_fib(dp.fibs.get(node, {}).get(vrf))
    cache[key] = result
    return result


_EMPTY_MAP: IntervalMap = ([0], [0])


def _action_key(a: FibAction) -> tuple[str | None, int, bool]:
    return (a.interface, -1 if a.arp_ip is None else int(a.arp_ip), a.null_route)


def actions_id(fib: Fib, point: int) -> int:
    """The interned id of the set of FIB actions the longest match at ``point`` yields."""
    entries = fib.lookup(IPv4Address(point))
    if not entries:
        return 0
    if len(entries) == 1:
        key = frozenset((_action_key(entries[0].action),))
    else:
        key = frozenset([_action_key(e.action) for e in entries])
    hit = _ACTION_IDS.get(key)
    if hit is None:
        hit = len(_ACTION_IDS)
        _ACTION_IDS[key] = hit
    return hit


def map_of_fib(fib: Fib | None) -> IntervalMap:
    """The interval map of one Fib object, computed once per object (a built Fib is never mutated):
    a failure scenario shares the base's Fib objects for the nodes it did not change, and the map
    of a FIB patched from the base's is the base's map patched inside the changed ranges."""
    if fib is None:
        return _EMPTY_MAP
    shared = fib.__dict__.get(_FIB_ATTR)
    if shared is not None:
        return shared  # type: ignore[no-any-return]
    patch = patch_of(fib)
    result = _patched_map(fib, *patch) if patch is not None else _full_map(fib)
    fib.__dict__[_FIB_ATTR] = result
    return result


def patch_of(fib: Fib) -> tuple[Fib, list[tuple[int, int]], list[int]] | None:
    getter = getattr(fib, "patched_from", None)  # engine/incremental's LazyFib
    return getter() if getter is not None else None


def _full_map(fib: Fib) -> IntervalMap:
    bounds = {0}
    for e in fib.entries():
        net = e.route.network
        bounds.add(int(net.network_address))
        end = int(net.broadcast_address) + 1
        if end <= MAX_IP:
            bounds.add(end)
    starts = sorted(bounds)
    fib.__dict__[_BOUNDS_ATTR] = starts  # every prefix boundary, before merging (for patches)
    m_starts: list[int] = []
    m_ids: list[int] = []
    for s in starts:
        i = actions_id(fib, s)
        if m_ids and m_ids[-1] == i:
            continue  # merge neighbours with equal ids
        m_starts.append(s)
        m_ids.append(i)
    return m_starts, m_ids


def _raw_bounds(fib: Fib) -> list[int]:
    hit = fib.__dict__.get(_BOUNDS_ATTR)
    if hit is None:
        fib.__dict__.pop(_FIB_ATTR, None)
        fib.__dict__[_FIB_ATTR] = _full_map(fib)
        hit = fib.__dict__[_BOUNDS_ATTR]
    return hit  # type: ignore[no-any-return]


def _patched_map(fib: Fib, base: Fib, ranges: list[tuple[int, int]], new_bounds: list[int]) -> IntervalMap:
    """``_full_map(fib)`` from the base's map: outside ``ranges`` every lookup answers as the base's,
    inside them the longest match can change only at a boundary of a base prefix or of a replaced
    one, so only those points are looked up again."""
    b_starts, b_ids = map_of_fib(base)
    raw = _raw_bounds(base)
    out_s: list[int] = []
    out_i: list[int] = []

    def put(start: int, ident: int) -> None:
        if out_i and out_i[-1] == ident:
            return
        out_s.append(start)
        out_i.append(ident)

    pos = 0
    for lo, hi in ranges:
        j = bisect_left(b_starts, lo, pos)
        for k in range(pos, j):
            put(b_starts[k], b_ids[k])
        points = {lo}
        points.update(raw[bisect_right(raw, lo) : bisect_right(raw, hi)])
        points.update(new_bounds[bisect_right(new_bounds, lo) : bisect_right(new_bounds, hi)])
        for p in sorted(points):
            put(p, actions_id(fib, p))
        if hi >= MAX_IP:
            pos = len(b_starts)
            break
        after = hi + 1
        put(after, b_ids[bisect_right(b_starts, after) - 1])
        pos = bisect_right(b_starts, after)
    for k in range(pos, len(b_starts)):
        put(b_starts[k], b_ids[k])
    return out_s, out_i


def lookup_id(m: IntervalMap, ip: int) -> int:
    starts, ids = m
    return ids[bisect_right(starts, ip) - 1]


def changed_space(base: DataPlane, scenario: DataPlane, node: str, vrf: str = "default") -> Intervals:
    """Destinations whose FIB actions at ``node`` differ between the two data planes."""
    # per reference data plane, kept with the reference itself: ``base`` is not always the
    # sweep's long-lived base (a double failure is compared with a single failure), so an
    # identity alone could be reused by another object once that one is gone
    scen_cache = _cache(scenario)
    per = scen_cache.get(("changed", id(base)))
    if per is None or per[0] is not base:  # type: ignore[index]
        per = scen_cache[("changed", id(base))] = (base, {})
    cache: dict[object, object] = per[1]  # type: ignore[index]
    key = (node, vrf)
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    fa = base.fibs.get(node, {}).get(vrf)
    if fa is scenario.fibs.get(node, {}).get(vrf):
        out = Intervals()  # the same Fib object: nothing changed at this node (or absent in both)
        cache[key] = out
        return out
    fb = scenario.fibs.get(node, {}).get(vrf)
    patch = patch_of(fb) if fb is not None else None
    if patch is not None and fa is not None and patch[0] is fa:
        # the scenario's map is never built: only the points inside the patched ranges are looked up
        assert fb is not None
        out = _changed_in_patch(fa, fb, patch[1], patch[2])
        cache[key] = out
        return out
    # ``base`` a failure scenario too (a double failure against one of its single failures): two
    # patches of one base FIB, or one of them the base FIB itself, differ only inside the ranges
    patch_a = patch_of(fa) if fa is not None else None
    if patch_a is not None and fb is not None:
        if patch_a[0] is fb:  # the difference is symmetric
            assert fa is not None
            out = _changed_in_patch(fb, fa, patch_a[1], patch_a[2])
            cache[key] = out
            return out
        if patch is not None and patch[0] is patch_a[0]:
            assert fa is not None
            out = _changed_between_patches(patch[0], fa, patch_a, fb, patch)
            cache[key] = out
            return out
    a_starts, a_ids = fib_map(base, node, vrf)
    b_starts, b_ids = fib_map(scenario, node, vrf)
    if a_starts == b_starts and a_ids == b_ids:
        out = Intervals()
    else:
        points = sorted(set(a_starts) | set(b_starts))
        spans: list[tuple[int, int]] = []
        ai = bi = 0
        for k, p in enumerate(points):
            while ai + 1 < len(a_starts) and a_starts[ai + 1] <= p:
                ai += 1
            while bi + 1 < len(b_starts) and b_starts[bi + 1] <= p:
                bi += 1
            if a_ids[ai] != b_ids[bi]:
                end = points[k + 1] - 1 if k + 1 < len(points) else MAX_IP
                spans.append((p, end))
        out = Intervals.of(spans)
    cache[key] = out
    return out


def _changed_in_patch(base: Fib, fib: Fib, ranges: list[tuple[int, int]], new_bounds: list[int]) -> Intervals:
    """Where ``fib`` (the base's Fib patched inside ``ranges``) answers unlike ``base``.

    Inside a range, ``fib``'s longest match can change only at a base prefix boundary or a
    replaced prefix's (``_patched_map``'s premise) and the base map's only at the former, so
    comparing both at those points, each answer standing until the next point, is exact."""
    a = map_of_fib(base)
    raw = _raw_bounds(base)
    spans: list[tuple[int, int]] = []
    for lo, hi in ranges:
        points = {lo}
        points.update(raw[bisect_right(raw, lo) : bisect_right(raw, hi)])
        points.update(new_bounds[bisect_right(new_bounds, lo) : bisect_right(new_bounds, hi)])
        ordered = sorted(points)
        for k, p in enumerate(ordered):
            if lookup_id(a, p) != actions_id(fib, p):
                spans.append((p, ordered[k + 1] - 1 if k + 1 < len(ordered) else hi))
    return Intervals.of(spans)


def _changed_between_patches(
    base: Fib,
    fa: Fib,
    patch_a: tuple[Fib, list[tuple[int, int]], list[int]],
    fb: Fib,
    patch_b: tuple[Fib, list[tuple[int, int]], list[int]],
) -> Intervals:
    """Where ``fa`` and ``fb``, both ``base`` patched (inside their own ranges), answer unlike.

    Outside both patches' ranges both answer as ``base``. Inside their union each answers as its
    own lookup inside its ranges and as ``base``'s map outside them, and either answer can change
    only at a range boundary, a base prefix boundary or a replaced prefix's of either patch
    (``_patched_map``'s premise): comparing both at those points, each answer standing until the
    next point, is exact."""
    b_map = map_of_fib(base)
    raw = _raw_bounds(base)
    ranges = Intervals.of([*patch_a[1], *patch_b[1]])
    spans: list[tuple[int, int]] = []

    def answer(fib: Fib, own: list[tuple[int, int]], starts: list[int], p: int) -> int:
        k = bisect_right(starts, p) - 1
        if k >= 0 and p <= own[k][1]:
            return actions_id(fib, p)
        return lookup_id(b_map, p)

    starts_a = [lo for lo, _ in patch_a[1]]
    starts_b = [lo for lo, _ in patch_b[1]]
    for lo, hi in ranges.spans:
        points = {lo}
        for bounds in (raw, patch_a[2], patch_b[2]):
            points.update(bounds[bisect_right(bounds, lo) : bisect_right(bounds, hi)])
        for lo2, hi2 in (*patch_a[1], *patch_b[1]):
            for q in (lo2, hi2 + 1):
                if lo < q <= hi:
                    points.add(q)
        ordered = sorted(points)
        for k, p in enumerate(ordered):
            if answer(fa, patch_a[1], starts_a, p) != answer(fb, patch_b[1], starts_b, p):
                spans.append((p, ordered[k + 1] - 1 if k + 1 < len(ordered) else hi))
    return Intervals.of(spans)


def painted(items: Iterable[tuple[int, int, Hashable]]) -> IntervalMap:
    """Label every elementary interval with the set of labels whose ranges cover it."""
    events: dict[int, list[tuple[int, Hashable]]] = {}
    for lo, hi, label in items:
        events.setdefault(lo, []).append((1, label))
        if hi + 1 <= MAX_IP:
            events.setdefault(hi + 1, []).append((-1, label))
    active: dict[Hashable, int] = {}
    starts = [0]
    ids = [0]
    for point in sorted(events):
        for delta, label in events[point]:
            n = active.get(label, 0) + delta
            if n:
                active[label] = n
            else:
                active.pop(label, None)
        lid = _intern(_LABEL_IDS, frozenset(active))
        if point == 0:
            ids[0] = lid
        elif ids[-1] != lid:
            starts.append(point)
            ids.append(lid)
    return starts, ids


def _static_maps(dp: DataPlane) -> tuple[IntervalMap, IntervalMap]:
    """Subnet membership and ACL destination matches: what else (besides FIBs) a destination meets."""
    cache = _cache(dp)
    hit = cache.get("static")
    if hit is not None:
        return hit  # type: ignore[return-value]
    # a function of the snapshot alone: shared by every scenario data plane of one snapshot
    snap_cache = getattr(dp.snapshot, "__dict__", None)
    if snap_cache is not None and _STATIC_ATTR in snap_cache:
        hit = snap_cache[_STATIC_ATTR]
        cache["static"] = hit
        return hit  # type: ignore[no-any-return]
    subnets: list[tuple[int, int, Hashable]] = []
    acl_items: list[tuple[int, int, Hashable]] = []
    for name, node in dp.snapshot.nodes.items():
        for iname, intf in node.interfaces.items():
            for a in intf.addresses:
                net = a.network
                subnets.append((int(net.network_address), int(net.broadcast_address), (name, iname)))
        for aname, acl in node.acls.items():
            for idx, line in enumerate(acl.lines):
                for lo, hi in line_intervals(line, "dst").spans:
                    if lo == 0 and hi == MAX_IP:
                        continue  # "any" tells no destination apart
                    acl_items.append((lo, hi, (name, aname, idx)))
    result = (painted(subnets), painted(acl_items))
    cache["static"] = result
    if snap_cache is not None:
        snap_cache[_STATIC_ATTR] = result
    return result


class DstClassifier:
    """Groups destination pieces that every given data plane treats identically."""

    def __init__(self, dps: Sequence[DataPlane], extra_lines: Sequence[AclLine] = ()) -> None:
        self.maps: list[IntervalMap] = []
        seen: set[int] = set()  # a map shared by several data planes tells no more pieces apart
        if extra_lines:
            self.maps.append(
                painted(
                    (lo, hi, ("extra", i))
                    for i, line in enumerate(extra_lines)
                    for lo, hi in line_intervals(line, "dst").spans
                )
            )
        for dp in dps:
            for node in sorted(dp.fibs):
                for vrf in sorted(dp.fibs[node]):
                    m = fib_map(dp, node, vrf)
                    if id(m) not in seen:
                        seen.add(id(m))
                        self.maps.append(m)
            sub, acl = _static_maps(dp)
            self.maps.extend((sub, acl))
            undecided = undecided_routes(dp).prefixes
            if undecided:  # soundness: a piece is either inside an undecided route or not
                self.maps.append(
                    painted((int(n.network_address), int(n.broadcast_address), n) for n in sorted(undecided))
                )
        self.owned: set[int] = set()
        for dp in dps:
            self.owned.update(int(ip) for ip in dp.ip_owners)
        # with undecided routes, which unparsed lines a trace meets also follows the lengths of the
        # prefixes its lookups matched and resolved through (``UndecidedRoutes.for_lookup``), which
        # the action maps above do not tell apart (a /24 and a covering /8 with the same next hop):
        # then no piece may stand for another
        self.strict = any(undecided_routes(dp) for dp in dps)

    def signature(self, lo: int, hi: int) -> Hashable:
        if lo == hi or self.strict or lo in self.owned:
            return ("single", lo)  # owned addresses, network and broadcast addresses stand alone
        return tuple(lookup_id(m, lo) for m in self.maps)
