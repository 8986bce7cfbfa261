"""Delta BGP beside a prefix-wise re-run of the prefixes under aggregates (``_scenario_bgp``): a
scenario whose dirty prefixes are partly under some speaker's aggregate replays the others with
delta BGP and re-runs only the coupled ones; both halves must give the reference's data plane."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest
from test_incremental import assert_same

import validator.engine.incremental._scenario_bgp as sbgp
from validator.checks.sweep import enumerate_elements, union
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import base_state, scenario_with_stats
from validator.engine.incremental._bgp import PrefixBgp
from validator.engine.incremental._bgp_memos import ReceivedMemo
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


def test_received_memo_answers_a_second_pass_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scenario's deliveries come from the sweep-wide memo once computed (no export/import
    re-run on the second pass), and the data planes stay the reference's."""
    base = compute_dataplane(load_snapshot(str(REGION)))
    links = enumerate_elements(base, ["link"])
    combos = [c for n in (1, 2) for c in itertools.combinations(links, n)][:40]
    refs = [compute_dataplane(base.snapshot, union(c)) for c in combos]
    for c in combos:
        scenario_with_stats(base, union(c))
    st = base_state(base)
    assert st is not None and len(st.bgp.engine.recv_memo) > 0
    calls: list[int] = []
    real = PrefixBgp._received_now

    def counted(self: PrefixBgp, *a: Any) -> Any:
        calls.append(1)
        return real(self, *a)

    monkeypatch.setattr(PrefixBgp, "_received_now", counted)
    for c, ref in zip(combos, refs, strict=True):
        got, _stats = scenario_with_stats(base, union(c))
        assert_same(got, ref)
    assert not calls


def test_received_memo_keys_the_multipath_set_of_add_path_edges() -> None:
    """With add-path every multipath member is sent: two selections with the same best path but
    different multipath sets must not share a memo entry (without add-path they may)."""
    base = compute_dataplane(load_snapshot(str(REGION)))
    st = base_state(base)
    assert st is not None
    eng = st.bgp.engine
    for e in eng.edges:
        k = (e.sender.node, e.sender.vrf)
        for p, (best, _mp) in st.bgp.state.ribs.get(k, {}).items():
            e2 = dataclasses.replace(e, add_path=True)
            other = dataclasses.replace(best, med=best.med + 7)
            two = eng._received_now(eng.spk[k], e2, p, (best, [best, other]))
            if len(two) != 2:
                continue
            one = eng._received(eng.spk[k], e2, p, (best, [best]))
            assert len(one) == 1
            assert eng._received(eng.spk[k], e2, p, (best, [best, other])) == two
            assert eng._received(eng.spk[k], e2, p, (best, [best])) == one
            return
    pytest.fail("no exported best path to test with")


def test_received_memo_stays_bounded_and_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scenario edge objects are new per scenario: the memo drops everything at its limit (slots,
    slot numbers and entries together) and the data planes stay the reference's."""
    monkeypatch.setattr(ReceivedMemo, "SLOT_LIMIT", 4)
    base = compute_dataplane(load_snapshot(str(REGION)))
    links = enumerate_elements(base, ["link"])
    for c in [c for n in (1, 2) for c in itertools.combinations(links, n)][:25]:
        got, _stats = scenario_with_stats(base, union(c))
        assert_same(got, compute_dataplane(base.snapshot, union(c)))
    st = base_state(base)
    assert st is not None
    memo = st.bgp.engine.recv_memo
    assert len(memo.slots) <= 4
