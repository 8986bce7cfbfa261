"""Relevance pruning in what-if's two sweeps and in blast radius (``VALIDATOR_PRUNE``): the same
answers with and without it, on the region fixture under a policy protecting one pair (az1's
routers to az2's loopbacks), where AZ3 and the edge carry none of it and are pruned.

What-if's second sweep ("one more failure") starts from the data plane with the maintenance's
elements ``F`` down and computes each scenario as ``inner(base, F | X)``: the composition is
checked directly too, every scenario it prunes recomputed by the reference engine.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import validator.api
from validator.backends import get_backend
from validator.checks import blast
from validator.checks.blast import GroupJudge, unit_element
from validator.checks.drain import drain_specs
from validator.checks.footprint import unchanged
from validator.checks.relevance import relevance
from validator.checks.runner import CheckContext
from validator.checks.sweep import Element, Sweeper, _in_scope, default_scenario_fn, enumerate_elements
from validator.checks.whatif import SWEEP_KINDS, WhatIfResult, what_if
from validator.diff.units import Unit
from validator.engine.dataplane import compute_dataplane
from validator.engine.failspec import parse_fail_specs
from validator.engine.types import DataPlane, FailureSet
from validator.executors import LocalExecutor
from validator.policy.loader import load_policies_from_bytes

ROOT = Path(__file__).resolve().parents[2]
REGION = ROOT / "fixtures" / "region"
ONE_PAIR = """
version: 1
zones:
  az1-routers:   {nodes: [az1-r1, az1-r2]}
  az2-loopbacks: {prefixes: [10.2.255.0/24]}
policies:
  - name: inter-az
    type: redundancy
    between:
      - [az1-routers, az2-loopbacks]
    max_failures: 1
    elements: [link, node]
  - {name: staged, type: blast_radius, protect: all}
"""


@pytest.fixture(scope="module")
def base() -> DataPlane:
    return get_backend("builtin").dataplane(validator.api._snapshot_arg(REGION / "base"))


@pytest.fixture(scope="module")
def pset() -> Any:
    return load_policies_from_bytes({"one-pair.yaml": ONE_PAIR.encode()})


def _what_if(base: DataPlane, pset: Any, drain: str, engine: str = "builtin") -> WhatIfResult:
    specs = drain_specs([drain])
    failures = parse_fail_specs(specs, base.snapshot, base.edges, pset.risk_group_specs())
    return what_if(base=base, failures=failures, specs=specs, policies=pset, compute=compute_dataplane, engine=engine)


def _answer(r: WhatIfResult) -> Any:
    return (r.findings, r.policies_run, r.scenarios, r.broken, r.at_risk, r.pre_existing)


# the backup router (creates single points of failure), the primary toward az2 (cuts nothing but
# leaves the backup alone), an AZ3 router (off the pair's paths: nothing changes)
@pytest.mark.parametrize("drain", ["az1-r2", "az2-r1", "az3-r1"])
def test_whatif_equal_with_and_without_pruning(
    base: DataPlane, pset: Any, drain: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    monkeypatch.setenv("VALIDATOR_PRUNE", "1")
    on = _what_if(base, pset, drain)
    monkeypatch.setenv("VALIDATOR_PRUNE", "0")
    off = _what_if(base, pset, drain)
    assert _answer(on) == _answer(off)
    assert on.pruned > 0 and off.pruned == 0  # the stats say how many were not computed
    assert on.pruned < on.scenarios


def test_whatif_answers_are_the_expected_ones(base: DataPlane, pset: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a vacuous equality: with pruning on, the three drains above give a single point of
    failure the maintenance creates, a cut pair, and nothing at all."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    pair = "az1-routers -> az2-loopbacks"
    backup = _what_if(base, pset, "az1-r2")
    assert backup.safe and backup.at_risk == {pair: ["link:az1-r1[GigabitEthernet1/2]"]}
    primary = _what_if(base, pset, "az2-r1")
    assert not primary.safe and primary.broken == [pair]
    assert _what_if(base, pset, "az3-r1").findings == []


def test_whatif_one_more_failure_pruned_scenarios_keep_the_failed_result(base: DataPlane, pset: Any) -> None:
    """The second sweep's closure is computed on the data plane with the maintenance down; each
    scenario it prunes, recomputed by the reference engine with the maintenance *and* the extra
    element down, leaves every protected class as it was with the maintenance alone."""
    specs = drain_specs(["az1-r2"])
    failures = parse_fail_specs(specs, base.snapshot, base.edges)
    failed = default_scenario_fn(None)(base, failures)
    ctx = CheckContext(head=failed, policies=pset, compute=compute_dataplane, engine="builtin")
    pairs = blast.protected_baselines(ctx, None)
    rel = relevance(failed, pairs)
    assert not rel.everything, rel.reason
    pruned = [e for e in enumerate_elements(failed, SWEEP_KINDS) if not rel.affected_by(e.failures)]
    assert pruned
    for e in pruned:
        scenario = compute_dataplane(base.snapshot, failures.union(e.failures))
        for pb in pairs:
            for (source, piece), fp in pb.footprints.items():
                if _in_scope(source, piece[0], scenario):
                    assert unchanged(fp, failed, scenario), f"{e.spec} pruned but changes {pb.label} {source}"


def test_whatif_other_backends_never_prune(base: DataPlane, pset: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another engine's scenarios are its own (from scratch), not what the closure reasons about."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    assert _what_if(base, pset, "az3-r1", engine="reference").pruned == 0


# --- blast radius ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def head_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both of az1's paths edited (blocks: one wave cuts the pair) plus an AZ3 interface (a unit
    off the pair's paths)."""
    head = tmp_path_factory.mktemp("head") / "head"
    shutil.copytree(REGION / "changes" / "both-paths-bad-edit", head)
    shutil.copy(REGION / "changes" / "benign" / "configs" / "az3-r2.cfg", head / "configs" / "az3-r2.cfg")
    return head


def _check(monkeypatch: pytest.MonkeyPatch, head: Path, policies: Path, prune: str) -> tuple[dict[str, Any], int]:
    monkeypatch.setenv("VALIDATOR_PRUNE", prune)
    pruned: list[int] = []
    original = blast.plan_waves

    def spy(sw: Sweeper, *args: Any, **kwargs: Any) -> Any:
        before = sw.stats.pruned
        out = original(sw, *args, **kwargs)
        pruned.append(sw.stats.pruned - before)
        return out

    monkeypatch.setattr(blast, "plan_waves", spy)
    verdict = validator.api.check(base=REGION / "base", head=head, policies=policies, executor=LocalExecutor(workers=1))
    out = json.loads(verdict.to_json())
    out["stats"].pop("seconds", None)
    return out, sum(pruned)


def test_blast_radius_verdict_equal_with_and_without_pruning(
    monkeypatch: pytest.MonkeyPatch, head_dir: Path, tmp_path: Path
) -> None:
    policies = tmp_path / "one-pair.yaml"
    policies.write_text(ONE_PAIR)
    on, n_on = _check(monkeypatch, head_dir, policies, "1")
    off, n_off = _check(monkeypatch, head_dir, policies, "0")
    assert n_on > 0 and n_off == 0  # the AZ3 unit alone is pruned
    # the verdict says how many scenarios were proven unaffected and not computed (stats.pruned)
    assert on["stats"].pop("pruned") >= n_on and off["stats"].pop("pruned") == 0
    assert on["verdict"] == "block"
    staged = [f for f in on["findings"] if f["policy"] == "staged"]
    assert staged and "iface:az3-r2[GigabitEthernet0/1]" in staged[0]["message"]
    assert on == off


def test_blast_groups_with_sessions_or_processes_are_always_computed(base: DataPlane, pset: Any) -> None:
    """A session or process unit is failed by removing configuration, which the closure does not
    reason about (its failure set is empty, so it would look unaffected): never pruned."""
    ctx = CheckContext(head=base, policies=pset, compute=compute_dataplane, engine="builtin")
    sw = Sweeper(base, default_scenario_fn(None), prune=True)
    judge = GroupJudge(sw, blast.protected_baselines(ctx, None))
    az3 = unit_element(Unit("iface", "az3-r2", "GigabitEthernet0/1"))
    az1 = unit_element(Unit("iface", "az1-r1", "GigabitEthernet1/2"))
    session = Element("session", "session:az3-r2[10.3.255.1]", FailureSet(), ("session:az3-r2[10.3.255.1]",))
    assert judge._pruned([az3])
    assert not judge._pruned([az1]) and not judge._pruned([az3, az1])
    assert not judge._pruned([session]) and not judge._pruned([az3, session])
    assert judge.broken([az3]) == [] and sw.stats.pruned == 1 and sw.stats.dataplanes == 0
