"""Incremental scenarios equal from-scratch data planes on the Batfish example and the region fixture:
every single and double link failure and every single node failure of ``live``; every single link
and node failure of ``fixtures/region/base``."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import pytest

from validator.checks.sweep import Element, enumerate_elements, union
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import base_state, scenario_with_stats
from validator.engine.types import DataPlane

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from test_incremental import assert_same
from test_incremental_aggregates import split_scenarios

REGION = Path(__file__).parents[2] / "fixtures" / "region" / "base"


def _all_match(base: DataPlane, combos: list[tuple[Element, ...]]) -> dict[str, int]:
    """Compare every scenario; return how often each BGP reuse rule applied."""
    used: dict[str, int] = {}
    for combo in combos:
        fs = union(combo)
        got, stats = scenario_with_stats(base, fs)
        ref = compute_dataplane(base.snapshot, fs)
        try:
            assert_same(got, ref)
        except AssertionError as exc:
            raise AssertionError(f"scenario {[e.spec for e in combo]} differs: {exc}") from exc
        key = stats.bgp if stats is not None else "scratch"
        used[key] = used.get(key, 0) + 1
    return used


@pytest.fixture(scope="module")
def live(dataplane_of: Any) -> DataPlane:
    return compute_dataplane(dataplane_of("live").snapshot)


def test_live_is_supported_incrementally(live: DataPlane) -> None:
    assert base_state(live) is not None


def test_live_single_and_double_link_failures(live: DataPlane) -> None:
    links = enumerate_elements(live, ["link"])
    assert len(links) == 19
    combos = [c for k in (1, 2) for c in itertools.combinations(links, k)]
    assert len(combos) == 190
    used = _all_match(live, combos)
    assert "scratch" not in used  # none fell back: the incremental rules cover the example


def test_live_single_node_failures(live: DataPlane) -> None:
    nodes = enumerate_elements(live, ["node"])
    assert nodes
    used = _all_match(live, [(n,) for n in nodes])
    assert "scratch" not in used


def test_region_single_link_and_node_failures() -> None:
    if not REGION.is_dir():
        pytest.skip(f"region fixture not found at {REGION}")
    from validator.snapshot.folder import load_snapshot

    base = compute_dataplane(load_snapshot(str(REGION)))
    elements = enumerate_elements(base, ["link", "node"])
    used = _all_match(base, [(e,) for e in elements])
    assert "scratch" not in used


def test_live_aggregates_split_from_delta(live: DataPlane) -> None:
    """Scenarios whose dirty prefixes are partly under an aggregate (as2's) replay the rest with
    delta BGP and re-run the coupled ones prefix-wise; some of them change a route."""
    split, moved = split_scenarios(live, 1)
    assert split > 0 and moved > 0
