"""Property: on random small generated networks (random sizes, some elements already failed in the
base), every scenario the relevance closure prunes gives, recomputed from scratch by the reference
engine, the base's result for every checked class."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from test_incremental_delta import _gen, _host_pairs
from test_sweep_prune import assert_base_result

from validator.checks.relevance import relevance
from validator.checks.sweep import enumerate_elements
from validator.engine.dataplane import compute_dataplane
from validator.engine.types import FailureSet
from validator.snapshot.folder import load_snapshot

_SNAPSHOTS: dict[tuple[int, ...], Any] = {}


def _snapshot(azs: int, pods: int, leaves: int, spines: int, cores: int) -> Any:
    key = (azs, pods, leaves, spines, cores)
    if key not in _SNAPSHOTS:
        out = tempfile.mkdtemp(prefix="relevance-prop-")
        summary = _gen().generate(out, azs=azs, pods=pods, leaves=leaves, spines=spines, cores=cores, acl_every=2)
        _SNAPSHOTS[key] = load_snapshot(summary["snapshot"])
    return _SNAPSHOTS[key]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    azs=st.integers(2, 3),
    pods=st.integers(1, 2),
    leaves=st.integers(2, 3),
    spines=st.integers(1, 2),
    cores=st.integers(2, 3),
    pre_failed=st.lists(st.integers(0, 10_000), max_size=2),
    picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=3),
    direction=st.booleans(),
)
def test_pruned_scenarios_keep_the_base_result(
    azs: int, pods: int, leaves: int, spines: int, cores: int, pre_failed: list[int], picks: list[int], direction: bool
) -> None:
    snap = _snapshot(azs, pods, leaves, spines, cores)
    clean = compute_dataplane(snap)
    candidates = enumerate_elements(clean, ["link", "node"])
    failed = FailureSet()
    for i in pre_failed:  # a base that already lost something (a drain, a what-if)
        failed = failed.union(candidates[i % len(candidates)].failures)
    base = compute_dataplane(snap, failed)
    a, b = ("/^az1-.*-host$/",), (f"/^az{azs}-.*-host$/",)
    pairs = _host_pairs(base, *((a, b) if direction else (b, a)))
    rel = relevance(base, pairs)
    if rel.everything:
        return  # pruning off: nothing to check (the reason is a documented hazard)
    pruned = [e for e in enumerate_elements(base, ["link", "node"]) if not rel.affected_by(e.failures)]
    for i in picks:
        if not pruned:
            break
        e = pruned[i % len(pruned)]
        scenario = compute_dataplane(snap, failed.union(e.failures))
        assert_base_result(pairs, base, scenario, e.spec)
