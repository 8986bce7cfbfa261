"""Sweeps re-trace only the scenario side of a changed class (``sweep.changed_classes``,
``explore.ScenarioPieces``): the class results equal the two-data-plane re-exploration they
replace, class by class (members, header classes, flows, traces in both data planes), and the
sweep's findings equal it too. On a generated 12-router network (every k=1 scenario, a sample of
k=2); ``tests/conformance/test_sweep_retrace_live.py`` does the same on Batfish's example.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from test_incremental_delta import _gen, _host_pairs

from validator.checks import sweep as sweep_mod
from validator.checks.explore import ClassResult, Explorer, ScenarioPieces, scenario_pieces
from validator.checks.footprint import unchanged
from validator.checks.ipspace import Intervals
from validator.checks.sweep import (
    Element,
    PairBaseline,
    Sweeper,
    SweepStats,
    _in_scope,
    changed_classes,
    default_scenario_fn,
    enumerate_elements,
    judge_redundancy,
    union,
)
from validator.engine.incremental import fast_dataplane, scenario_dataplane
from validator.engine.types import DataPlane
from validator.snapshot.folder import load_snapshot

TINY = {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2}


def reference_changed(
    pb: PairBaseline, base: DataPlane, scenario: DataPlane, stats: SweepStats
) -> Iterator[ClassResult]:
    """``changed_classes`` as it was: every changed class re-explored over both data planes."""
    for (source, piece), rs in pb.groups.items():
        if not _in_scope(source, piece[0], scenario):
            continue
        if unchanged(pb.footprints[(source, piece)], base, scenario):
            stats.reused += len(rs)
            continue
        exp = Explorer([base, scenario], pb.constraints)
        for r in exp.explore([source], Intervals.of(rs[0].members or (piece,))):
            stats.retraced += 1
            r.group = (source, piece)
            yield r


def _key(r: ClassResult) -> tuple[Any, ...]:
    return (r.source, r.dst, r.header, r.flow, r.members, r.group, r.traces)


def assert_same_classes(pairs: Sequence[PairBaseline], base: DataPlane, combos: Sequence[tuple[Element, ...]]) -> int:
    """Both ways give the same class results for every pair of every scenario; returns how many."""
    n = 0
    for combo in combos:
        dp = scenario_dataplane(base, union(combo))
        for pb in pairs:
            s_new, s_ref = SweepStats(), SweepStats()
            got = [_key(r) for r in changed_classes(pb, base, dp, s_new)]
            want = [_key(r) for r in reference_changed(pb, base, dp, s_ref)]
            assert got == want, f"{[e.spec for e in combo]} {pb.label}: class results differ"
            assert (s_new.reused, s_new.retraced) == (s_ref.reused, s_ref.retraced)
            n += len(got)
    return n


def sweep_findings(base: DataPlane, pairs: Sequence[PairBaseline], elements: list[Element], k: int) -> Any:
    sw = Sweeper(base, default_scenario_fn(None))
    found = sw.sweep(pairs, elements, k, judge_redundancy)
    return [(v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count, _key(v.result)) for v in found], sw.stats


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> DataPlane:
    out = tmp_path_factory.mktemp("tiny")
    summary = _gen().generate(str(out), **TINY)
    return fast_dataplane(load_snapshot(summary["snapshot"]))


def _tiny_pairs(base: DataPlane) -> list[PairBaseline]:
    return _host_pairs(base, ("/^az1-.*-host$/",), ("/^az2-.*-host$/",))


def test_tiny_changed_classes_equal_two_plane_exploration(tiny: DataPlane) -> None:
    pairs = _tiny_pairs(tiny)
    elements = enumerate_elements(tiny, ["link", "node"])
    doubles = random.Random(3).sample(list(itertools.combinations(elements, 2)), 12)
    n = assert_same_classes(pairs, tiny, [(e,) for e in elements] + doubles)
    assert n > 0  # some scenario changed some class (else the comparison proves nothing)


def test_tiny_sweep_findings_equal(tiny: DataPlane, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _tiny_pairs(tiny)
    elements = enumerate_elements(tiny, ["link", "node"])
    got, st = sweep_findings(tiny, pairs, elements, 1)
    monkeypatch.setattr(sweep_mod, "changed_classes", reference_changed)
    want, st_ref = sweep_findings(tiny, pairs, elements, 1)
    assert got == want
    assert got  # the tiny network has single points of failure between its AZs' hosts
    assert (st.reused, st.retraced) == (st_ref.reused, st_ref.retraced)


def test_scenario_pieces_keep_member_boundaries_and_are_shared(tiny: DataPlane) -> None:
    """Adjacent members of one class stay apart even where the scenario has no cut between them
    (the base had one), and one split serves every pair and class of a scenario."""
    e = enumerate_elements(tiny, ["node"])[0]
    dp = scenario_dataplane(tiny, union((e,)))
    pieces = scenario_pieces(tiny, dp)
    assert scenario_pieces(tiny, dp) is pieces
    gap = next(c for c in range(1, 1 << 32) if c not in set(pieces.cuts))
    groups = ScenarioPieces(tiny, dp).groups(((gap - 1, gap - 1), (gap, gap)))
    assert [p for g in groups for p in g] == [(gap - 1, gap - 1), (gap, gap)]


def test_baseline_of_another_data_plane_is_explored_over_both(tiny: DataPlane) -> None:
    """A baseline explored on another data plane (not uniform in ``base``) is not re-split."""
    pairs = _tiny_pairs(tiny)
    e = next(x for x in enumerate_elements(tiny, ["node"]) if x.spec.endswith("core1"))
    dp = scenario_dataplane(tiny, union((e,)))
    other = fast_dataplane(tiny.snapshot)
    for pb in pairs:
        got = [_key(r) for r in changed_classes(pb, other, dp, SweepStats())]
        want = [_key(r) for r in reference_changed(pb, other, dp, SweepStats())]
        assert got == want
