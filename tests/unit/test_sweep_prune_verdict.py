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
from validator.report.text import render_text

ROOT = Path(__file__).resolve().parents[2]
LATENT = ROOT / "fixtures" / "region" / "latent-fault"
POLICIES = ROOT / "fixtures" / "region" / "policies" / "region.yaml"


def _run(monkeypatch: pytest.MonkeyPatch, prune: str) -> tuple[dict[str, Any], int]:
    out, n, _ = _run_text(monkeypatch, prune)
    return out, n


def _run_text(monkeypatch: pytest.MonkeyPatch, prune: str) -> tuple[dict[str, Any], int, str]:
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
    return out, sum(pruned), render_text(verdict)


def test_verdict_json_equal_with_and_without_pruning(monkeypatch: pytest.MonkeyPatch) -> None:
    on, n_on = _run(monkeypatch, "1")
    off, n_off = _run(monkeypatch, "0")
    assert n_on > 0 and n_off == 0
    # the verdict says how many scenarios were proven unaffected and not computed (stats.pruned)
    assert on["stats"].pop("pruned") == n_on and off["stats"].pop("pruned") == 0
    assert on["verdict"] == "block" and on["findings"]
    assert on == off


def test_the_text_report_says_how_many_scenarios_were_not_computed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pruned scenarios are proven unaffected, not computed (nor vetted for convergence:
    docs/sweeps.md): the summary line says how many, and says nothing when none were."""
    on, n_on, text_on = _run_text(monkeypatch, "1")
    _, _, text_off = _run_text(monkeypatch, "0")
    assert f"{on['stats']['scenarios']:,} scenarios ({n_on:,} proven unaffected, not computed)" in text_on
    assert "proven unaffected" not in text_off


def test_a_closure_that_fails_to_build_turns_pruning_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error while building the closure's inputs (the base's recorded run) is not the run's
    error: the sweep computes every scenario, with the verdict of a sweep without pruning."""
    from validator.checks import relevance as relevance_mod

    off, _ = _run(monkeypatch, "0")

    def broken(base: Any) -> Any:
        raise RuntimeError("closure inputs could not be built")

    monkeypatch.setattr(relevance_mod, "closure", broken)
    on, n_on = _run(monkeypatch, "1")
    assert n_on == 0 and on["stats"]["pruned"] == 0
    assert on == off and on["verdict"] == "block"
