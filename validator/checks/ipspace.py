"""Sets of IPv4 addresses (or ports) as sorted disjoint inclusive intervals.

Header-space reasoning needs unions, intersections, differences and "cut points" that split a
space into equivalence classes; intervals keep that exact and cheap for prefix-shaped inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from validator.model.config import IpWildcard

MAX_IP = 0xFFFFFFFF


@dataclass(frozen=True)
class Intervals:
    """Sorted, disjoint, non-adjacent inclusive intervals."""

    spans: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def of(spans: Iterable[tuple[int, int]]) -> Intervals:
        items = sorted((lo, hi) for lo, hi in spans if lo <= hi)
        merged: list[tuple[int, int]] = []
        for lo, hi in items:
            if merged and lo <= merged[-1][1] + 1:
                if hi > merged[-1][1]:
                    merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        return Intervals(tuple(merged))

    @staticmethod
    def full(hi: int = MAX_IP) -> Intervals:
        return Intervals(((0, hi),))

    @staticmethod
    def network(net: IPv4Network) -> Intervals:
        return Intervals(((int(net.network_address), int(net.broadcast_address)),))

    @staticmethod
    def networks(nets: Iterable[IPv4Network]) -> Intervals:
        return Intervals.of((int(n.network_address), int(n.broadcast_address)) for n in nets)

    @staticmethod
    def ips(ips: Iterable[IPv4Address]) -> Intervals:
        return Intervals.of((int(i), int(i)) for i in ips)

    def __bool__(self) -> bool:
        return bool(self.spans)

    def __or__(self, other: Intervals) -> Intervals:
        return Intervals.of(self.spans + other.spans)

    def __and__(self, other: Intervals) -> Intervals:
        out: list[tuple[int, int]] = []
        i = j = 0
        a, b = self.spans, other.spans
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return Intervals(tuple(out))

    def __sub__(self, other: Intervals) -> Intervals:
        return self & other.complement()

    def complement(self, hi: int = MAX_IP) -> Intervals:
        out: list[tuple[int, int]] = []
        prev = 0
        for lo, h in self.spans:
            if lo > prev:
                out.append((prev, lo - 1))
            prev = h + 1
        if prev <= hi:
            out.append((prev, hi))
        return Intervals(tuple(out))

    def contains(self, value: int) -> bool:
        return any(lo <= value <= hi for lo, hi in self.spans)

    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.spans)

    def first(self) -> int:
        return self.spans[0][0]

    def split(self, cuts: Iterable[int]) -> list[tuple[int, int]]:
        """Split into pieces at ``cuts`` (a cut c means a new piece starts at c)."""
        points = sorted(set(cuts))
        out: list[tuple[int, int]] = []
        for lo, hi in self.spans:
            start = lo
            # binary search would be faster; cut lists are short per span in practice
            for c in points:
                if c <= start:
                    continue
                if c > hi:
                    break
                out.append((start, c - 1))
                start = c
            out.append((start, hi))
        return out


class UnsupportedWildcard(ValueError):
    """A non-contiguous wildcard with too many free bits to split into intervals."""


MAX_WILDCARD_PIECES_BITS = 12


def wildcard_intervals(w: IpWildcard) -> Intervals:
    """The addresses a Cisco wildcard matches. Contiguous wildcards are one interval; others
    (rare: "match odd hosts") are enumerated over their free bits when that stays small, and
    refused otherwise (an over-approximation could hide a violation)."""
    wild = int(w.wildcard)
    base = int(w.ip) & ~wild & MAX_IP
    if (wild + 1) & wild == 0:  # contiguous low bits
        return Intervals(((base, base | wild),))
    # non-contiguous: split on the highest non-trailing free bits
    trailing = 0
    while (wild >> trailing) & 1:
        trailing += 1
    high_bits = [b for b in range(trailing, 32) if (wild >> b) & 1]
    if len(high_bits) > MAX_WILDCARD_PIECES_BITS:
        raise UnsupportedWildcard(f"{len(high_bits)} non-contiguous free bits (at most {MAX_WILDCARD_PIECES_BITS})")
    spans = []
    for combo in range(1 << len(high_bits)):
        v = base
        for k, b in enumerate(high_bits):
            if (combo >> k) & 1:
                v |= 1 << b
        spans.append((v, v | ((1 << trailing) - 1)))
    return Intervals.of(spans)


def to_networks(iv: Intervals) -> list[IPv4Network]:
    """Minimal CIDR cover of the intervals (for messages and Batfish header constraints)."""
    from ipaddress import summarize_address_range

    out: list[IPv4Network] = []
    for lo, hi in iv.spans:
        out.extend(summarize_address_range(IPv4Address(lo), IPv4Address(hi)))
    return out
