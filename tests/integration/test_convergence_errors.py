"""Non-convergence is an engine error (issue 10, item 2): the RR-oscillation repro, and scenario
data planes that oscillate inside sweeps (serial and forked workers)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from harden_helpers import OSCILLATION, OSCILLATION_POLICIES, PAIR

import validator
from validator.checks.headerspace import HeaderConstraints
from validator.checks.hygiene import check_hygiene
from validator.checks.sweep import Sweeper, enumerate_elements, judge_redundancy, pair_baseline
from validator.cli import main
from validator.engine import dataplane as dataplane_mod
from validator.engine.bgp_sessions import BgpTopology
from validator.engine.convergence import oscillation_of, require_converged
from validator.engine.dataplane import compute_dataplane
from validator.engine.types import DataPlane, FailureSet
from validator.errors import NotConverged
from validator.policy import load_policies
from validator.snapshot.folder import load_snapshot


@pytest.fixture(scope="module")
def oscillating() -> DataPlane:
    return compute_dataplane(load_snapshot(OSCILLATION))


@pytest.fixture(scope="module")
def pair() -> DataPlane:
    return compute_dataplane(load_snapshot(PAIR / "base"))


def test_reference_engine_names_the_oscillating_prefix_and_speakers(oscillating: DataPlane) -> None:
    assert not oscillating.converged
    osc = oscillating.oscillation
    assert osc is not None and osc.phase == "bgp"
    assert osc.prefixes == ("192.168.1.0/24",)
    assert osc.speakers == ("c1", "c2")
    assert "192.168.1.0/24" in osc.describe() and "c1, c2" in osc.describe()


def test_converged_data_plane_has_no_oscillation(pair: DataPlane) -> None:
    assert pair.converged and pair.oscillation is None and oscillation_of(pair) is None
    require_converged(pair, "x")  # no error


def test_flag_only_data_plane_gets_its_names_from_the_reference_engine(oscillating: DataPlane) -> None:
    flag_only = replace(oscillating, oscillation=None)  # what the incremental engine returns
    osc = oscillation_of(flag_only)
    assert osc is not None and osc.prefixes == ("192.168.1.0/24",)
    with pytest.raises(NotConverged, match=r"192\.168\.1\.0/24"):
        require_converged(flag_only, "scenario")


def test_igp_fixed_point_limit_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dataplane_mod, "IGP_MAX_ITERATIONS", 1)  # OSPF needs a second pass to settle
    dp = compute_dataplane(load_snapshot(PAIR / "base"))
    assert not dp.converged
    assert dp.oscillation is not None and dp.oscillation.phase == "igp"
    assert set(dp.oscillation.speakers) == {"a", "b"}
    assert "10.255.0.2/32" in dp.oscillation.prefixes


def test_flapping_bgp_topology_names_the_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    real = dataplane_mod.bgp_topology
    calls = {"n": 0}

    def flapping(*args: Any) -> BgpTopology:
        calls["n"] += 1
        topo = real(*args)
        return topo if calls["n"] % 2 else BgpTopology([], topo.sessions)

    monkeypatch.setattr(dataplane_mod, "bgp_topology", flapping)
    dp = compute_dataplane(load_snapshot(OSCILLATION))
    assert not dp.converged
    assert dp.oscillation is not None and dp.oscillation.phase == "bgp topology"
    assert any(s.startswith("c1[10.0.0.1] -> ") for s in dp.oscillation.speakers), dp.oscillation


def test_hygiene_converges(oscillating: DataPlane, pair: DataPlane) -> None:
    found = check_hygiene(policy="h", dp=oscillating, require=["converges"])
    assert len(found) == 1 and found[0].severity == "error"
    assert "192.168.1.0/24" in found[0].message and found[0].extra["oscillating_speakers"] == ["c1", "c2"]
    assert check_hygiene(policy="h", dp=pair, require=["converges"]) == []


def test_converges_is_a_valid_hygiene_requirement(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("version: 1\npolicies:\n  - {name: h, type: hygiene, require: [converges]}\n")
    assert load_policies(p).policies[0].require == ("converges",)  # type: ignore[union-attr]


def test_library_check_is_an_error_naming_the_prefix() -> None:
    verdict = validator.check(head=str(OSCILLATION), policies=str(OSCILLATION_POLICIES))
    assert verdict.verdict == "error" and not verdict.passed
    assert verdict.error is not None and "192.168.1.0/24" in verdict.error and "c1, c2" in verdict.error
    with pytest.raises(validator.EngineError):
        verdict.raise_for_block()


def test_cli_check_json_verdict_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--head-dir", str(OSCILLATION), "--policies", str(OSCILLATION_POLICIES), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3 and doc["verdict"] == "error" and "192.168.1.0/24" in doc["error"]


def test_cli_plan_and_whatif_are_errors(capsys: pytest.CaptureFixture[str]) -> None:
    d, pol = str(OSCILLATION), str(OSCILLATION_POLICIES)
    assert main(["plan", "--base-dir", d, "--head-dir", d, "--policies", pol]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "192.168.1.0/24" in err[0] and "did not converge" in err[0]
    assert main(["whatif", "--snapshot-dir", d, "--fail", "node:leaf", "--policies", pol, "--format", "json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "error" and "192.168.1.0/24" in doc["error"]


def test_routes_and_trace_warn_and_keep_their_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "--snapshot-dir", str(OSCILLATION)]) == 0
    out, err = capsys.readouterr()
    assert "192.168.1.0/24" in out
    assert err.startswith("validator: warning: data plane: bgp did not converge") and len(err.splitlines()) == 1
    assert main(["trace", "--snapshot-dir", str(OSCILLATION), "--from", "c1", "--dst", "192.168.1.10"]) == 0
    out, err = capsys.readouterr()
    assert "Flow:" in out and "oscillating prefixes 192.168.1.0/24" in err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sweep_scenario_that_does_not_converge_is_an_error(
    workers: str, oscillating: DataPlane, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scenario data plane (the incremental engine's, here a stand-in) that oscillates stops the
    sweep with NotConverged, also from forked workers."""
    monkeypatch.setenv("VALIDATOR_WORKERS", workers)
    monkeypatch.setattr("validator.checks.sweep.PARALLEL_MIN_SCENARIOS", 2)
    snap = load_snapshot(OSCILLATION)
    base = compute_dataplane(snap, FailureSet(nodes=frozenset({"c2"})))  # converges without the twin
    assert base.converged
    policies = load_policies(OSCILLATION_POLICIES)
    pb = pair_baseline(base, policies.zones["rrs"], policies.zones["lan"], HeaderConstraints())
    elements = enumerate_elements(base, ["link", "interface"])
    assert len(elements) >= 2

    def scenario(_base: DataPlane, failures: FailureSet) -> DataPlane:
        return replace(oscillating, failures=failures, oscillation=None)

    with pytest.raises(NotConverged, match=r"failure scenario data plane with .* down: bgp did not converge"):
        Sweeper(base, scenario).sweep([pb], elements, 1, judge_redundancy)
