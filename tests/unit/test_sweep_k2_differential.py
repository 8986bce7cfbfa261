"""Every k<=2 link scenario of a generated network with ACLs: the sweep with all its shortcuts
(incremental scenario data planes, relevance pruning, equivalent scenarios, traces lent and groups
settled by single failures) finds exactly what recomputing each scenario from scratch with the
reference engine and no shortcut at all finds, in the same order.

The relevance tests judge pruning with ``footprint.unchanged`` (the same logic the sweep trusts)
and ``live`` has no ACLs; this compares whole sweeps against the reference instead, on a network
with double-failure violations, so a shortcut that drops one fails here (an independent review
found no such test; breaking ``_settled`` or the closure on purpose makes it fail)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_incremental_delta import _gen, _host_pairs

from validator.checks import donors as donors_mod
from validator.checks.sweep import Sweeper, default_scenario_fn, enumerate_elements, from_scratch, judge_redundancy
from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import fast_dataplane
from validator.engine.types import DataPlane
from validator.snapshot.folder import load_snapshot

TINY_ACL = {"azs": 2, "pods": 1, "leaves": 2, "spines": 2, "cores": 2, "acl_every": 2}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> DataPlane:
    summary = _gen().generate(str(tmp_path_factory.mktemp("tiny-acl")), **TINY_ACL)
    return fast_dataplane(load_snapshot(summary["snapshot"]))


def _sweep(base: DataPlane, fn: Any, shortcuts: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    pairs = _host_pairs(base, ("/^az1-.*-host$/",), ("/^az2-.*-host$/",))
    sw = Sweeper(base, fn, prune=shortcuts)
    sw.equivalence = shortcuts
    with monkeypatch.context() as m:
        if not shortcuts:  # no single failure kept: nothing lent, nothing settled
            real = donors_mod.start
            m.setattr(donors_mod, "start", lambda b, keep: real(b, keep=False))
        found = sw.sweep(pairs, enumerate_elements(base, ["link"]), 2, judge_redundancy)
    return [
        (v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count, str(v.result.flow)) for v in found
    ], sw.stats


def test_k2_link_sweep_with_every_shortcut_equals_recomputation(
    tiny: DataPlane, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    fast, st = _sweep(tiny, default_scenario_fn(None), True, monkeypatch)
    ref, st_ref = _sweep(tiny, from_scratch(compute_dataplane_python), False, monkeypatch)
    assert (st_ref.pruned, st_ref.equivalent, st_ref.donated, st_ref.settled) == (0, 0, 0, 0)
    assert st.pruned > 0 and st.settled > 0, st  # the shortcuts under test did work
    assert sum(1 for f in fast if len(f[1]) == 2) >= 3, fast  # double-failure violations exist
    assert fast == ref
