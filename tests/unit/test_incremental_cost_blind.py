"""Delta BGP leaves out pairs whose next hops only changed IGP cost in ways their tie-break step
cannot see (``_narrow.cost_groups`` / ``_narrow.cost_blind``, issue 15 item 1: "IGP-cost changes
re-evaluate only the tie-break step"). On the generated 42-router network the rule saves the
evaluations of a core-to-core link failure, and the cost comparison inside a tie group is what keeps
core-to-spine link failures right (a rule that looked at resolvability only gives wrong data planes)."""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

import pytest
from test_incremental import assert_same, link
from test_incremental_delta import SMALL, _gen

import validator.engine.incremental._scenario_bgp as sb
from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import fast_dataplane, scenario_with_stats
from validator.engine.incremental._narrow import TieGroup, cost_blind
from validator.engine.types import DataPlane, FailureSet
from validator.snapshot.folder import load_snapshot

A, B, C = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2"), IPv4Address("10.0.0.3")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DataPlane:
    out = tmp_path_factory.mktemp("small-cost-blind")
    summary = _gen().generate(str(out), **SMALL)
    return fast_dataplane(load_snapshot(summary["snapshot"]))


def _same(base: DataPlane, fs: FailureSet) -> tuple[bool, Any]:
    got, stats = scenario_with_stats(base, fs)
    try:
        assert_same(got, compute_dataplane_python(base.snapshot, fs))
    except AssertionError:
        return False, stats
    return True, stats


def _now(answers: dict[IPv4Address, tuple[bool, int]]) -> Any:
    return lambda nh: answers[nh]


def test_tie_groups_compare_costs_pairwise() -> None:
    one: tuple[TieGroup, ...] = (((A, 2),),)
    assert cost_blind(one, _now({A: (True, 9)}))  # one next hop: its cost compares with nothing
    assert not cost_blind(one, _now({A: (False, 0)}))  # the best's next hop gone
    two: tuple[TieGroup, ...] = (((A, 2), (B, 3)),)
    assert cost_blind(two, _now({A: (True, 5), B: (True, 6)}))  # still A < B
    assert not cost_blind(two, _now({A: (True, 6), B: (True, 6)}))  # now a tie: multipath may grow
    assert not cost_blind(two, _now({A: (True, 7), B: (True, 6)}))  # order flips
    assert not cost_blind(two, _now({A: (True, 2), B: (False, 0)}))  # a member vanishes
    tied: tuple[TieGroup, ...] = (((A, 2), (B, 2), (None, 0)),)
    assert cost_blind(tied, _now({A: (True, 1), B: (True, 1)}))  # still above a route without next hop
    assert not cost_blind(tied, _now({A: (True, 0), B: (True, 0)}))  # now tied with it (cost 0)
    assert cost_blind((((A, 2), (B, 2), (C, 4)),), _now({A: (True, 3), B: (True, 3), C: (True, 4)}))
    assert cost_blind((), _now({}))


def test_a_core_to_core_link_failure_needs_no_tie_break_evaluations(small: DataPlane, monkeypatch: Any) -> None:
    # az1-core1 <-> az1-core2: the cores' loopbacks get dearer for every speaker alike, so no tie
    # group of any pair changes order; without the rule the pairs are replayed
    fs = link(small, "az1-core1", "GigabitEthernet0/2")
    same, stats = _same(small, fs)
    assert same and stats is not None and stats.bgp == "delta"
    with_rule = stats.bgp_evaluations
    monkeypatch.setattr(sb, "_cost_blind", lambda *a: False)
    same, stats = _same(small, fs)
    assert same and stats is not None
    assert with_rule * 5 < stats.bgp_evaluations


def test_the_cost_order_keeps_core_to_spine_link_failures_right(small: DataPlane, monkeypatch: Any) -> None:
    # az3-core1 <-> az3-p1-spine1: core1's loopback gets dearer than core2's for the spine, whose
    # copies of a path from both cores tied before: the spine now selects core2's copy
    fs = link(small, "az3-core1", "GigabitEthernet2/1")
    same, stats = _same(small, fs)
    assert same and stats is not None and stats.bgp_evaluations > 0

    def resolvability_only(groups: tuple[TieGroup, ...], now: Any) -> bool:
        return all(nh is None or now(nh)[0] for g in groups for nh, _ in g)

    monkeypatch.setattr(sb, "cost_blind", resolvability_only)
    same, stats = _same(small, fs)
    assert not same
