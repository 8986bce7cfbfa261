"""Parallel sweep batches (forked workers) give exactly the sequential findings."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from validator.checks import sweep
from validator.checks.headerspace import HeaderConstraints
from validator.checks.sweep import Sweeper, enumerate_elements, judge_redundancy, pair_baseline
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import scenario_dataplane
from validator.policy.model import NameSpec, NodeSpec, PolicySource, Zone
from validator.snapshot.folder import load_snapshot

REGION = Path(__file__).resolve().parents[2] / "fixtures" / "region" / "latent-fault"
SRC = PolicySource("test", 1)


def _zone(name: str, *nodes: str) -> Zone:
    return Zone(name, SRC, nodes=tuple(NodeSpec(NameSpec(n), SRC) for n in nodes))


def _run(monkeypatch: pytest.MonkeyPatch, workers: str) -> list[tuple[str, tuple[str, ...], str, int]]:
    monkeypatch.setenv("VALIDATOR_WORKERS", workers)
    monkeypatch.setattr(sweep, "PARALLEL_MIN_SCENARIOS", 1)
    dp = compute_dataplane(load_snapshot(REGION))
    pairs = [
        pair_baseline(dp, _zone("az3", "az3-r1", "az3-r2"), _zone("az2", "az2-r1", "az2-r2"), HeaderConstraints()),
        pair_baseline(dp, _zone("az1", "az1-r1", "az1-r2"), _zone("az3", "az3-r1", "az3-r2"), HeaderConstraints()),
    ]
    sw = Sweeper(dp, scenario_dataplane)
    found = sw.sweep(pairs, enumerate_elements(dp, ["link", "node"]), 2, judge_redundancy)
    return sorted((v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count) for v in found)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork start method here")
def test_parallel_batches_equal_sequential(monkeypatch: pytest.MonkeyPatch) -> None:
    sequential = _run(monkeypatch, "1")
    parallel = _run(monkeypatch, "2")
    assert sequential == parallel
    assert sequential  # the latent fault is found at all
    assert all(len(specs) <= 2 for _, specs, _, _ in sequential)
