"""Relevance pruning (``checks/relevance.py``, ``engine/dependencies.py``) on the generated *small*
network: pruning happens, a pruned scenario really leaves every checked class as it was, and the
sweep's findings are the same with and without pruning and as per-scenario recomputation."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_incremental_delta import SMALL, _gen, _host_pairs, opt_in

from validator.checks.footprint import unchanged
from validator.checks.relevance import relevance
from validator.checks.sweep import (
    Element,
    Sweeper,
    _in_scope,
    default_scenario_fn,
    enumerate_elements,
    from_scratch,
    judge_redundancy,
)
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import fast_dataplane, scenario_dataplane
from validator.engine.types import DataPlane
from validator.snapshot.folder import load_snapshot


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DataPlane:
    summary = _gen().generate(str(tmp_path_factory.mktemp("small")), **SMALL)
    return fast_dataplane(load_snapshot(summary["snapshot"]))


def findings(base: DataPlane, fn: Any, pairs: Any, elements: list[Element], k: int, prune: bool) -> Any:
    sw = Sweeper(base, fn, prune=prune)
    found = sw.sweep(pairs, elements, k, judge_redundancy)
    # a list: the same findings in the same order (the report's order), not only the same set
    key = [(v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count, str(v.result.flow)) for v in found]
    return key, sw.stats


def assert_base_result(pairs: Any, base: DataPlane, scenario: DataPlane, spec: str) -> None:
    """Every in-scope class of every pair keeps its footprint: the sweep reuses its base traces."""
    for pb in pairs:
        for (source, piece), fp in pb.footprints.items():
            if _in_scope(source, piece[0], scenario):
                assert unchanged(fp, base, scenario), f"{spec} was pruned but changes {pb.label} {source}"


def _pairs(small: DataPlane) -> Any:
    return _host_pairs(small, ("/^az1-.*-host$/",), ("/^az2-.*-host$/",))


def test_small_prunes_most_single_failures(small: DataPlane, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _pairs(small)
    rel = relevance(small, pairs)
    assert not rel.everything, rel.reason
    elements = enumerate_elements(small, ["link", "node"])
    pruned = [e for e in elements if not rel.affected_by(e.failures)]
    assert len(pruned) >= 0.4 * len(elements)  # 81 of 129 at the time of writing
    specs = {e.spec for e in pruned}
    assert "node:az3-core1" in specs and "node:az1-p1-leaf2" in specs  # AZ3, a leaf without hosts
    assert "node:az1-core1" not in specs and "node:az1-p1-leaf1" not in specs  # primary, host leaf


def test_small_every_pruned_single_failure_keeps_the_base_result(small: DataPlane) -> None:
    pairs = _pairs(small)
    rel = relevance(small, pairs)
    pruned = [e for e in enumerate_elements(small, ["link", "node"]) if not rel.affected_by(e.failures)]
    assert pruned
    for e in pruned:  # the incremental engine (tested equal to compute_dataplane) for all of them
        assert_base_result(pairs, small, scenario_dataplane(small, e.failures), e.spec)
    for e in random.Random(3).sample(pruned, 4):  # and the reference engine on a sample
        assert_base_result(pairs, small, compute_dataplane(small.snapshot, e.failures), e.spec)


def test_small_sweep_findings_equal_with_and_without_pruning(small: DataPlane, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _pairs(small)
    elements = enumerate_elements(small, ["link", "node"])
    fn = default_scenario_fn(None)
    on, st_on = findings(small, fn, pairs, elements, 1, prune=True)
    off, st_off = findings(small, fn, pairs, elements, 1, prune=False)
    assert on and on == off
    assert st_on.pruned >= 0.4 * len(elements) and st_off.pruned == 0
    assert st_on.dataplanes + st_on.pruned <= st_off.dataplanes


def test_small_pruned_sweep_equals_recompute_on_a_sample(small: DataPlane, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _pairs(small)
    elements = random.Random(7).sample(enumerate_elements(small, ["link", "node"]), 12)
    pruned, st = findings(small, default_scenario_fn(None), pairs, elements, 1, prune=True)
    assert st.pruned > 0
    ref, _ = findings(small, from_scratch(compute_dataplane), pairs, elements, 1, prune=False)
    assert pruned == ref


def test_prune_env_switch_turns_pruning_off(small: DataPlane, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    monkeypatch.setenv("VALIDATOR_PRUNE", "0")
    pairs = _pairs(small)
    elements = [e for e in enumerate_elements(small, ["node"]) if e.spec.startswith("node:az3-")][:2]
    _, st = findings(small, default_scenario_fn(None), pairs, elements, 1, prune=True)
    assert st.pruned == 0 and st.dataplanes == 2


@pytest.mark.slow
def test_small_every_pruned_single_failure_keeps_the_base_result_reference(
    small: DataPlane, request: pytest.FixtureRequest
) -> None:
    opt_in(request)
    pairs = _pairs(small)
    rel = relevance(small, pairs)
    for e in enumerate_elements(small, ["link", "node"]):
        if not rel.affected_by(e.failures):
            assert_base_result(pairs, small, compute_dataplane(small.snapshot, e.failures), e.spec)


def test_small_pruned_sweep_equals_recompute_every_single_failure(small: DataPlane, monkeypatch: Any) -> None:
    """Issue 15's "done when" on the 42-router preset, in every run (about 30 s): every k=1 link and
    node scenario, pruned and incremental, against per-scenario recomputation without pruning."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pairs = _pairs(small)
    elements = enumerate_elements(small, ["link", "node"])
    pruned, st = findings(small, default_scenario_fn(None), pairs, elements, 1, prune=True)
    assert st.pruned > 0
    assert pruned == findings(small, from_scratch(compute_dataplane), pairs, elements, 1, prune=False)[0]
