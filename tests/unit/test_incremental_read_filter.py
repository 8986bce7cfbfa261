"""A scenario's session re-checks skip every read whose lookup answers as in the base
(``_sessions.ReadFilter``): a lookup may differ only inside a changed prefix or a prefix resolved
through one. The filter answers from merged, sorted ranges by bisection; it must say "may differ"
for exactly the addresses a scan of the affected prefixes finds, boundaries included."""

from __future__ import annotations

import random
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from validator.engine.incremental._fib import _merged_ranges, span
from validator.engine.incremental._sessions import ReadFilter, SessionIndex


class _Deps:
    def __init__(self, users: dict[IPv4Network, set[IPv4Network]]) -> None:
        self.users = users

    def users_within(self, nets: Any) -> set[IPv4Network]:
        return {u for n in nets for u in self.users.get(n, ())}


def _filter(changed: set[IPv4Network], users: dict[IPv4Network, set[IPv4Network]]) -> ReadFilter:
    return ReadFilter({("r1", "default"): changed}, lambda n, v: _Deps(users), set(), set(), lambda n, i: "default")


def test_lookups_differ_exactly_inside_changed_or_dependent_prefixes() -> None:
    rng = random.Random(15)
    for _ in range(200):
        nets = {IPv4Network((rng.randrange(0, 2**32) & ~0xFF, rng.choice([24, 28, 30, 31, 32]))) for _ in range(8)}
        nets.add(IPv4Network("10.0.0.0/31"))
        nets.add(IPv4Network("10.0.0.2/31"))  # adjacent: merged into one range
        changed = set(rng.sample(sorted(nets), 4)) | {IPv4Network("10.0.0.0/31")}
        dep = IPv4Network("10.0.0.2/31")
        users = {IPv4Network("10.0.0.0/31"): {dep}}
        f = _filter(changed, users)
        affected = changed | {dep}
        probes = [a for n in nets for lo, hi in [span(n)] for a in (lo - 1, lo, hi, hi + 1) if 0 <= a < 2**32]
        for a in probes + [rng.randrange(0, 2**32) for _ in range(50)]:
            scan = any(lo <= a <= hi for lo, hi in map(span, affected))
            assert f(("L", "r1", "default", a)) is (not scan), (a, sorted(affected))
        assert f(("L", "r2", "default", probes[0]))  # a node without changes answers as the base


def test_merged_ranges_cover_the_union_and_nothing_else() -> None:
    nets = [IPv4Network(n) for n in ("10.0.0.0/31", "10.0.0.2/31", "10.0.0.0/30", "10.0.1.0/24")]
    assert _merged_ranges(nets) == [(0x0A000000, 0x0A000003), (0x0A000100, 0x0A0001FF)]
    gap = [IPv4Network("10.0.0.0/32"), IPv4Network("10.0.0.2/32")]  # 10.0.0.1 between them
    assert _merged_ranges(gap) == [(0x0A000000, 0x0A000000), (0x0A000002, 0x0A000002)]


def test_suspects_are_the_checks_reading_inside_the_ranges() -> None:
    a, b = 0x0A000001, 0x0A000105
    one: Any = ("r1", "default", IPv4Address(1), IPv4Address(2), False)
    two: Any = ("r1", "default", IPv4Address(3), IPv4Address(4), False)
    records: dict[Any, Any] = {
        one: (True, frozenset({("L", "r1", "default", a)})),
        two: (True, frozenset({("L", "r1", "default", b)})),
    }
    idx = SessionIndex(records, lambda n, i: "default")
    f = _filter({IPv4Network("10.0.0.0/30")}, {})
    assert idx.suspects(f) == {one}
