"""validator.checks.ipspace: interval algebra, wildcard expansion and CIDR cover (cases as data)."""

from __future__ import annotations

import random
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest

from validator.checks.ipspace import MAX_IP, Intervals, to_networks, wildcard_intervals
from validator.model.config import IpWildcard

E = Intervals()
FULL = Intervals.full()


def iv(*spans: tuple[int, int]) -> Intervals:
    return Intervals.of(spans)


OPS: list[tuple[str, Any, Intervals]] = [
    # (case, computed, expected)
    ("of merges adjacent spans", iv((0, 4), (5, 9)), Intervals(((0, 9),))),
    ("of merges overlaps, drops empty", iv((3, 8), (0, 4), (7, 2)), Intervals(((0, 8),))),
    ("of keeps a gap of one", iv((0, 4), (6, 9)), Intervals(((0, 4), (6, 9)))),
    ("union adjacent at MAX", iv((0, 10)) | iv((11, MAX_IP)), FULL),
    ("union with empty", iv((5, 6)) | E, iv((5, 6))),
    ("intersection disjoint", iv((0, 4)) & iv((5, 9)), E),
    ("intersection single point 0", iv((0, 0), (9, 9)) & iv((0, 5)), iv((0, 0))),
    ("intersection single point MAX", FULL & iv((MAX_IP, MAX_IP)), iv((MAX_IP, MAX_IP))),
    ("intersection many", iv((0, 10), (20, 30)) & iv((5, 25)), iv((5, 10), (20, 25))),
    ("difference punches hole", iv((0, 10)) - iv((3, 4)), iv((0, 2), (5, 10))),
    ("difference at both ends", FULL - iv((0, 0), (MAX_IP, MAX_IP)), iv((1, MAX_IP - 1))),
    ("difference with empty", iv((1, 2)) - E, iv((1, 2))),
    ("difference to empty", iv((1, 2)) - FULL, E),
    ("complement of empty", E.complement(), FULL),
    ("complement of full", FULL.complement(), E),
    ("complement touching 0 and MAX", iv((0, 5), (MAX_IP - 1, MAX_IP)).complement(), iv((6, MAX_IP - 2))),
    ("complement with small hi (ports)", iv((80, 80)).complement(65535), iv((0, 79), (81, 65535))),
    ("network", Intervals.network(IPv4Network("10.0.0.0/30")), iv((0x0A000000, 0x0A000003))),
    ("ips merge", Intervals.ips([IPv4Address("10.0.0.2"), IPv4Address("10.0.0.1")]), iv((0x0A000001, 0x0A000002))),
]


@pytest.mark.parametrize(("case", "got", "want"), OPS, ids=[c[0] for c in OPS])
def test_interval_ops(case: str, got: Intervals, want: Intervals) -> None:
    assert got == want


SPLITS: list[tuple[str, Intervals, list[int], list[tuple[int, int]]]] = [
    ("no cuts", iv((0, 9)), [], [(0, 9)]),
    ("cut at start is ignored", iv((0, 9)), [0], [(0, 9)]),
    ("cut past end ignored", iv((0, 9)), [10, 50], [(0, 9)]),
    ("cuts inside", iv((0, 9)), [5, 3, 3], [(0, 2), (3, 4), (5, 9)]),
    ("cut at last address", iv((0, 9)), [9], [(0, 8), (9, 9)]),
    ("cuts across spans", iv((0, 4), (10, 14)), [2, 7, 12], [(0, 1), (2, 4), (10, 11), (12, 14)]),
    ("empty", E, [1, 2], []),
    ("top of space", iv((MAX_IP - 2, MAX_IP)), [MAX_IP], [(MAX_IP - 2, MAX_IP - 1), (MAX_IP, MAX_IP)]),
]


@pytest.mark.parametrize(("case", "space", "cuts", "want"), SPLITS, ids=[c[0] for c in SPLITS])
def test_split(case: str, space: Intervals, cuts: list[int], want: list[tuple[int, int]]) -> None:
    assert space.split(cuts) == want


def test_algebra_matches_sets_on_random_small_spaces() -> None:
    rng = random.Random(7)
    universe = 64

    def rand() -> tuple[Intervals, set[int]]:
        spans = []
        for _ in range(rng.randint(0, 4)):
            lo = rng.randrange(universe)
            spans.append((lo, min(universe - 1, lo + rng.randrange(8))))
        got = Intervals.of(spans)
        return got, {v for lo, hi in spans for v in range(lo, hi + 1)}

    for _ in range(300):
        (a, sa), (b, sb) = rand(), rand()
        for res, want in ((a | b, sa | sb), (a & b, sa & sb), (a - b, sa - sb)):
            assert {v for lo, hi in res.spans for v in range(lo, hi + 1)} == want
            # canonical form: sorted, disjoint, non-adjacent
            assert all(res.spans[i][1] + 1 < res.spans[i + 1][0] for i in range(len(res.spans) - 1))
        comp = a.complement(universe - 1)
        assert {v for lo, hi in comp.spans for v in range(lo, hi + 1)} == set(range(universe)) - sa
        assert a.size() == len(sa)
        for v in range(universe):
            assert a.contains(v) == (v in sa)


WILDCARDS = [
    ("host", "10.0.0.5", "0.0.0.0"),
    ("prefix /24", "10.1.2.77", "0.0.0.255"),
    ("any", "0.0.0.0", "255.255.255.255"),
    ("odd hosts", "10.0.0.1", "0.0.0.254"),
    ("every 4th block of 4", "10.0.0.0", "0.0.0.243"),
    ("third octet free", "10.0.0.9", "0.0.255.0"),
    ("two separate free bits", "10.0.0.0", "0.0.1.1"),
]


@pytest.mark.parametrize(("case", "ip", "wild"), WILDCARDS, ids=[c[0] for c in WILDCARDS])
def test_wildcard_intervals_match_brute_force(case: str, ip: str, wild: str) -> None:
    w = IpWildcard(IPv4Address(ip), IPv4Address(wild))
    got = wildcard_intervals(w)
    base = int(IPv4Address(ip)) & 0xFFFF0000
    # every address of the /16 around the wildcard (plus the endpoints of the space)
    for v in [*range(base, base + 0x10000), 0, MAX_IP]:
        assert got.contains(v) == w.matches(IPv4Address(v)), (case, IPv4Address(v))


def test_wildcard_intervals_refuse_to_guess_for_many_free_bits() -> None:
    """Too many non-contiguous free bits to split exactly: refused, never over-approximated."""
    from validator.checks.ipspace import UnsupportedWildcard

    w = IpWildcard(IPv4Address("10.0.0.0"), IPv4Address("0.0.255.254"))  # even addresses of 10.0/16
    with pytest.raises(UnsupportedWildcard):
        wildcard_intervals(w)


COVERS = [
    ("single host", [(0x0A000005, 0x0A000005)], ["10.0.0.5/32"]),
    ("aligned /24", [(0x0A000100, 0x0A0001FF)], ["10.0.1.0/24"]),
    ("1..6", [(0x0A000001, 0x0A000006)], ["10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"]),
    ("everything", [(0, MAX_IP)], ["0.0.0.0/0"]),
    ("two spans", [(0, 1), (4, 7)], ["0.0.0.0/31", "0.0.0.4/30"]),
    ("empty", [], []),
]


@pytest.mark.parametrize(("case", "spans", "want"), COVERS, ids=[c[0] for c in COVERS])
def test_to_networks_minimal_cover(case: str, spans: list[tuple[int, int]], want: list[str]) -> None:
    nets = to_networks(Intervals.of(spans))
    assert [str(n) for n in nets] == want
    assert Intervals.networks(nets) == Intervals.of(spans)
