"""Scenario counting (issue 10, item 4): exact, without enumerating; checked against enumeration."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.checks.budget import SweepCount, count_scenarios, enforce, sweep_count
from validator.errors import InputError


def brute(masks: list[int], pairs: int, k: int) -> int:
    full = (1 << pairs) - 1
    n = 0
    for size in range(1, min(k, len(masks)) + 1):
        for combo in itertools.combinations(masks, size):
            acc = 0
            for m in combo:
                acc |= m
            n += acc != full
    return n


def test_issue_figure_60_elements_5_failures() -> None:
    # the issue's 5,985,197 scenarios: 42 links plus 18 nodes of its network, up to 5 at once
    assert count_scenarios([0] * 60, 1, 5) == (5_985_197, True)
    assert count_scenarios([0] * 42, 1, 5) == (974_981, True)


def test_huge_max_failures_is_every_subset() -> None:
    assert count_scenarios([0] * 42, 3, 1_000_000) == (2**42 - 1, True)


def test_thousands_of_elements_count_at_once() -> None:
    n, exact = count_scenarios([0] * 3000 + [1, 2, 3], 2, 1_000_000)
    assert exact and n > 0 and n.bit_length() > 3000


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=3).flatmap(
        lambda pairs: st.tuples(
            st.just(pairs),
            st.lists(st.integers(min_value=0, max_value=(1 << pairs) - 1), min_size=0, max_size=9),
            st.integers(min_value=0, max_value=10),
        )
    )
)
def test_count_equals_enumeration(case: tuple[int, list[int], int]) -> None:
    pairs, masks, k = case
    assert count_scenarios(masks, pairs, k) == (brute(masks, pairs, k), True)


@dataclass(frozen=True)
class FakeElement:
    kind: str
    nodes: frozenset[str] = frozenset()


def test_sweep_count_excludes_sets_failing_every_pairs_endpoints() -> None:
    links = [FakeElement("link") for _ in range(5)]
    nodes = [FakeElement("node", frozenset({n})) for n in ("a", "b", "c")]
    # one pair with endpoints a, z: any set holding node a is skipped by the sweep
    c = sweep_count("p", "redundancy", links + nodes, [{"a", "z"}], 2)
    assert c.scenarios == sum(math.comb(7, k) for k in (1, 2))
    # two pairs: a set is skipped only when it hits an endpoint of both
    c2 = sweep_count("p", "redundancy", links + nodes, [{"a"}, {"b"}], 2)
    assert c2.scenarios == sum(math.comb(8, k) for k in (1, 2)) - 1  # {a, b}


def test_enforce_names_policy_count_and_how_to_narrow() -> None:
    c = SweepCount("inter-az", "redundancy", 42, 5, 5_985_197)
    with pytest.raises(InputError) as exc:
        enforce([c], 50_000)
    msg = exc.value.one_line()
    assert "policy 'inter-az'" in msg and "5,985,197" in msg and "50,000" in msg
    assert "`elements`" in msg and "`max_failures`" in msg and "risk groups" in msg
    enforce([c], None)
    enforce([c], 6_000_000)
