"""Relevance pruning on the Batfish example ``live``: for pairs where some links cannot matter
(as2's distribution routers <-> the hosts, as1 <-> as3), the pruned sweep's findings equal
per-scenario recomputation; every pruned scenario, recomputed, keeps every checked class's
footprint. k=1 by default; every k<=2 link scenario with ``-m slow``. Skips, naming the path, when
``../shared/reference`` is absent (``example_dir``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from test_incremental_delta import _host_pairs, opt_in
from test_sweep_prune import assert_base_result, findings

from validator.checks.relevance import relevance
from validator.checks.sweep import default_scenario_fn, enumerate_elements, from_scratch
from validator.engine.dataplane import compute_dataplane

PAIRS = ((("/^as2dist/",), ("/host/",)), (("/^as1/",), ("/^as3/",)))


def _check(live: Any, k: int) -> None:
    links = enumerate_elements(live, ["link"])
    total_pruned = 0
    for a, b in PAIRS:
        pairs = _host_pairs(live, a, b)
        rel = relevance(live, pairs)
        assert not rel.everything, rel.reason
        for e in links:
            if not rel.affected_by(e.failures):
                assert_base_result(pairs, live, compute_dataplane(live.snapshot, e.failures), e.spec)
        on, st = findings(live, default_scenario_fn(None), pairs, links, k, prune=True)
        off, _ = findings(live, from_scratch(compute_dataplane), pairs, links, k, prune=False)
        assert on == off
        total_pruned += st.pruned
    assert total_pruned > 0


def test_live_pruned_single_link_failures(dataplane_of: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    _check(compute_dataplane(dataplane_of("live").snapshot), 1)


@pytest.mark.slow
def test_live_pruned_double_link_failures(dataplane_of: Any, monkeypatch: Any, request: pytest.FixtureRequest) -> None:
    opt_in(request)
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    _check(compute_dataplane(dataplane_of("live").snapshot), 2)
