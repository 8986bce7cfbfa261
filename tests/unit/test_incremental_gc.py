"""The cyclic collector is paused while a scenario data plane is computed (``scenario_with_stats``):
a sweep's scenarios allocate in bursts and make no cycles, and each burst used to trigger
collections over the sweep's whole live heap (28 % of a 150-router sweep's CPU). Collections resume
afterwards, and a caller that disabled the collector keeps it disabled."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from test_incremental import assert_same, link, triangle

from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import fast_dataplane, scenario_with_stats


def _inside(monkeypatch: Any, owner: Any, name: str) -> tuple[list[int], Callable[[], None]]:
    """Count collections that start while ``owner.name`` runs (threshold 1: any allocation would
    collect); returns ([collections inside, collections outside], a function that restores the
    collector's settings)."""
    inside = [False]
    seen = [0, 0]
    real = getattr(owner, name)

    def wrapped(*a: Any, **kw: Any) -> Any:
        inside[0] = True
        try:
            return real(*a, **kw)
        finally:
            inside[0] = False

    def cb(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen[0 if inside[0] else 1] += 1

    monkeypatch.setattr(owner, name, wrapped)
    old = gc.get_threshold()
    gc.set_threshold(1)
    gc.callbacks.append(cb)

    def undo() -> None:
        gc.callbacks.remove(cb)
        gc.set_threshold(*old)

    return seen, undo


def test_no_collection_runs_inside_a_scenario_and_collections_resume(monkeypatch: Any) -> None:
    import validator.engine.incremental as inc

    snap = triangle()
    base = fast_dataplane(snap)
    fs = link(base, "r1", "Ethernet1")
    seen, undo = _inside(monkeypatch, inc, "_scenario_with_stats")
    try:
        assert gc.isenabled()
        got, stats = scenario_with_stats(base, fs)
        assert seen[0] == 0 and stats is not None
        assert gc.isenabled()
        before = seen[1]
        _ = [[] for _ in range(10)]
        assert seen[1] > before  # collections resume
    finally:
        undo()
    assert_same(got, compute_dataplane_python(snap, fs))


def test_a_disabled_collector_stays_disabled() -> None:
    base = fast_dataplane(triangle())
    gc.disable()
    try:
        scenario_with_stats(base, link(base, "r1", "Ethernet1"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_sweep_evaluates_each_scenario_without_collections(monkeypatch: Any) -> None:
    """The sweep's evaluation of a scenario (data plane and re-traces) runs with the collector
    paused too (``checks/sweep._evaluate_batch``); the findings are those of recomputation."""
    from test_incremental_delta import _findings, _host_pairs

    from validator.checks import sweep as sw

    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    base = fast_dataplane(triangle())
    pairs = _host_pairs(base, ("r1",), ("r4",))
    elements = sw.enumerate_elements(base, ["link", "node"])
    seen, undo = _inside(monkeypatch, sw.Sweeper, "evaluate")
    try:
        inc = _findings(base, sw.default_scenario_fn(None), pairs, elements, 1)
    finally:
        undo()
    assert seen[0] == 0 and seen[1] > 0
    assert inc == _findings(base, sw.from_scratch(compute_dataplane_python), pairs, elements, 1)
