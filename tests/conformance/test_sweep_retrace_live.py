"""Sweeps re-trace only the scenario side of a changed class, on Batfish's example ``live``
(outside <-> hosts, the benchmark's pairs): the class results of every changed class equal the
two-data-plane re-exploration they replace for single and double link failures, and the k=1
sweep's findings equal it too; with double failures, the traces their single failures lend
(``footprint.TraceReuse``) are exactly the double's, and the findings are unchanged with the
groups they settle (``donors.settle``). Skips,
naming the path, when ``../shared/reference`` is absent (``example_dir``)."""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from test_incremental_delta import _host_pairs
from test_sweep_retrace import assert_donations_exact, assert_same_classes, reference_changed, sweep_findings

from validator.checks import sweep as sweep_mod
from validator.checks.sweep import enumerate_elements
from validator.engine.incremental import fast_dataplane
from validator.engine.types import DataPlane


def _live(dataplane_of: Any) -> DataPlane:
    return fast_dataplane(dataplane_of("live").snapshot)


def test_live_changed_classes_equal_two_plane_exploration(dataplane_of: Any) -> None:
    live = _live(dataplane_of)
    pairs = _host_pairs(live, ("/^as1/", "/^as3/"), ("/host/",))
    links = enumerate_elements(live, ["link"])
    singles = random.Random(11).sample(links, 6)
    combos = [(e,) for e in singles] + list(itertools.combinations(singles, 2))
    n, donated = assert_same_classes(pairs, live, combos)
    assert n > 0 and donated > 0


def test_live_sweep_findings_equal(dataplane_of: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    live = _live(dataplane_of)
    pairs = _host_pairs(live, ("/^as1/", "/^as3/"), ("/host/",))
    links = enumerate_elements(live, ["link"])
    got, st = sweep_findings(live, pairs, links, 1)
    monkeypatch.setattr(sweep_mod, "changed_classes", reference_changed)
    want, st_ref = sweep_findings(live, pairs, links, 1)
    assert got == want and got
    assert (st.reused, st.retraced) == (st_ref.reused, st_ref.retraced)


def test_live_double_failure_sweep_findings_equal(dataplane_of: Any, monkeypatch: Any) -> None:
    """k=2 over 8 of the 19 links: findings equal with and without the single failures' traces."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    live = _live(dataplane_of)
    pairs = _host_pairs(live, ("/^as1/", "/^as3/"), ("/host/",))
    links = random.Random(2).sample(enumerate_elements(live, ["link"]), 8)
    got, st = sweep_findings(live, pairs, links, 2)
    monkeypatch.setattr(sweep_mod, "changed_classes", reference_changed)
    want, _ = sweep_findings(live, pairs, links, 2)
    assert got == want and st.settled > 0


def test_live_trace_reuse_is_exact(dataplane_of: Any) -> None:
    live = _live(dataplane_of)
    combos = random.Random(4).sample(list(itertools.combinations(enumerate_elements(live, ["link"]), 2)), 12)
    accepted, refused = assert_donations_exact(live, combos)
    assert accepted > 0 and refused > 0
