"""Sweeps re-trace only the scenario side of a changed class, on Batfish's example ``live``
(outside <-> hosts, the benchmark's pairs): the class results of every changed class equal the
two-data-plane re-exploration they replace for a sample of single and double link failures, and
the k=1 sweep's findings equal it too. Skips, naming the path, when ``../shared/reference`` is
absent (``example_dir``)."""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "unit"))
from test_incremental_delta import _host_pairs
from test_sweep_retrace import assert_same_classes, reference_changed, sweep_findings

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
    rng = random.Random(11)
    combos = [(e,) for e in rng.sample(links, 6)] + rng.sample(list(itertools.combinations(links, 2)), 10)
    assert assert_same_classes(pairs, live, combos) > 0


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
