"""The cyclic collector is paused while a scenario data plane is computed (``scenario_with_stats``):
a sweep's scenarios allocate in bursts and make no cycles, and each burst used to trigger
collections over the sweep's whole live heap (28 % of a 150-router sweep's CPU). Collections resume
afterwards, and a caller that disabled the collector keeps it disabled."""

from __future__ import annotations

import gc
from typing import Any

from test_incremental import assert_same, link, triangle

from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import fast_dataplane, scenario_with_stats


def _collections_during(fn: Any) -> tuple[Any, int]:
    seen = [0]

    def cb(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen[0] += 1

    gc.callbacks.append(cb)
    try:
        return fn(), seen[0]
    finally:
        gc.callbacks.remove(cb)


def test_no_collection_runs_inside_a_scenario_and_collections_resume() -> None:
    snap = triangle()
    base = fast_dataplane(snap)
    fs = link(base, "r1", "Ethernet1")
    old = gc.get_threshold()
    gc.set_threshold(1)  # any allocation would collect
    try:
        assert gc.isenabled()
        (got, stats), n = _collections_during(lambda: scenario_with_stats(base, fs))
        assert n == 0 and stats is not None
        assert gc.isenabled()
        _, after = _collections_during(lambda: [object() for _ in range(10)] and [[] for _ in range(10)])
        assert after > 0
    finally:
        gc.set_threshold(*old)
    assert_same(got, compute_dataplane_python(snap, fs))


def test_a_disabled_collector_stays_disabled() -> None:
    base = fast_dataplane(triangle())
    gc.disable()
    try:
        scenario_with_stats(base, link(base, "r1", "Ethernet1"))
        assert not gc.isenabled()
    finally:
        gc.enable()
