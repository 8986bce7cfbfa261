"""The verdict JSON of a check is the same with and without relevance pruning (``VALIDATOR_PRUNE``):
the region's latent fault, a k=1 redundancy sweep over links and nodes, where pruning skips some
scenarios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import validator.api
from validator.checks import sweep
from validator.executors import LocalExecutor

ROOT = Path(__file__).resolve().parents[2]
LATENT = ROOT / "fixtures" / "region" / "latent-fault"
POLICIES = ROOT / "fixtures" / "region" / "policies" / "region.yaml"


def _run(monkeypatch: pytest.MonkeyPatch, prune: str) -> tuple[dict[str, Any], int]:
    monkeypatch.setenv("VALIDATOR_PRUNE", prune)
    pruned: list[int] = []
    original = sweep.Sweeper.sweep

    def spy(self: sweep.Sweeper, *args: Any, **kwargs: Any) -> Any:
        before = self.stats.pruned
        out = original(self, *args, **kwargs)
        pruned.append(self.stats.pruned - before)
        return out

    monkeypatch.setattr(sweep.Sweeper, "sweep", spy)
    verdict = validator.api.check(head=LATENT, policies=POLICIES, executor=LocalExecutor(workers=1))
    out = json.loads(verdict.to_json())
    out["stats"].pop("seconds", None)
    return out, sum(pruned)


def test_verdict_json_equal_with_and_without_pruning(monkeypatch: pytest.MonkeyPatch) -> None:
    on, n_on = _run(monkeypatch, "1")
    off, n_off = _run(monkeypatch, "0")
    assert n_on > 0 and n_off == 0
    assert on["verdict"] == "block" and on["findings"]
    assert on == off
