"""Delta BGP beside a prefix-wise re-run of the prefixes under aggregates (``_scenario_bgp``): a
scenario whose dirty prefixes are partly under some speaker's aggregate replays the others with
delta BGP and re-runs only the coupled ones; both halves must give the reference's data plane."""

from __future__ import annotations

import itertools
from pathlib import Path

from test_incremental import assert_same

import validator.engine.incremental._scenario_bgp as sbgp
from validator.checks.sweep import enumerate_elements, union
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import base_state, scenario_with_stats
from validator.engine.types import DataPlane
from validator.snapshot.folder import load_snapshot

REGION = Path(__file__).parents[2] / "fixtures" / "region" / "base"


def split_scenarios(base: DataPlane, k: int) -> tuple[int, int]:
    """Every link failure set up to ``k`` equals the reference; returns (scenarios that split,
    of which some coupled prefix changed)."""
    split = moved = 0
    links = enumerate_elements(base, ["link"])
    for combo in (c for n in range(1, k + 1) for c in itertools.combinations(links, n)):
        fs = union(combo)
        got, stats = scenario_with_stats(base, fs)
        assert_same(got, compute_dataplane(base.snapshot, fs))
        assert stats is not None
        if stats.bgp_prefixwise:
            assert stats.bgp == "delta"
            split += 1
            moved += got.ribs != base.ribs
    return split, moved


def test_region_scenarios_split_aggregates_from_delta() -> None:
    base = compute_dataplane(load_snapshot(str(REGION)))
    split, _moved = split_scenarios(base, 1)
    assert split > 0  # the split applied (fails if it silently stops)


def test_coupled_nets_are_the_prefixes_under_aggregates() -> None:
    base = compute_dataplane(load_snapshot(str(REGION)))
    st = base_state(base)
    assert st is not None and st.bgp.engine.has_aggregates
    aggs = {a for sp in st.bgp.engine.spk.values() for a in sp.aggregates}
    universe = {p for m in st.bgp.state.ribs.values() for p in m}
    got = sbgp._coupled_nets(st.bgp.engine, universe)
    assert aggs & universe <= got
    assert all(any(p.subnet_of(a) for a in aggs) for p in got)
    assert universe - got  # some prefixes stay with delta BGP
