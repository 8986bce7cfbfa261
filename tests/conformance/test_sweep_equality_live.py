"""Sweep findings with the incremental engine (delta BGP, footprint reuse) equal those of
per-scenario recomputation on the Batfish example: every single and double link failure, outside
(as1, as3) <-> hosts both ways (issue 15's "done when": in every run, about 30 s)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

from validator.checks.sweep import default_scenario_fn, enumerate_elements, from_scratch
from validator.engine.dataplane import compute_dataplane

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from test_incremental_delta import _findings, _host_pairs


def test_live_sweep_findings_equal_recompute_every_double_link_failure(dataplane_of: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    live = compute_dataplane(dataplane_of("live").snapshot)
    pairs = _host_pairs(live, ("/^as1/", "/^as3/"), ("/host/",))
    links = enumerate_elements(live, ["link"])
    assert len(list(itertools.combinations(links, 2))) == 171
    inc = _findings(live, default_scenario_fn(None), pairs, links, 2)
    assert inc
    assert inc == _findings(live, from_scratch(compute_dataplane), pairs, links, 2)
