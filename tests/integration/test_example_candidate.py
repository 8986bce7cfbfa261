"""The Batfish example's ``candidate`` change (an ACL applied outbound on as2dept1's host LAN)
is blocked by a no_regression policy from outside the campus to the hosts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gate_helpers import EXAMPLE, run_cli

POLICY = """\
version: 1
zones:
  outside: {nodes: ["/^as1/", "/^as3/"]}
  hosts: {nodes: ["/host/"]}
policies:
  - {name: no-regress-hosts, type: no_regression, from: outside, to: hosts}
"""


@pytest.fixture(scope="module")
def verdict(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Any]:
    if not (EXAMPLE / "live" / "configs").is_dir() or not (EXAMPLE / "candidate" / "configs").is_dir():
        pytest.skip(f"Batfish example not found at {EXAMPLE} (live/ and candidate/ needed)")
    folder = tmp_path_factory.mktemp("example")
    policies = folder / "example.yaml"
    policies.write_text(POLICY)
    out = folder / "verdict.json"
    from validator.cli import main

    code = main(
        [
            "check",
            "--base-dir",
            str(EXAMPLE / "live"),
            "--head-dir",
            str(EXAMPLE / "candidate"),
            "--policies",
            str(policies),
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    return code, str(policies), json.loads(out.read_text())


def test_candidate_is_blocked(verdict: tuple[int, str, Any]) -> None:
    code, _, doc = verdict
    assert code == 1
    assert doc["verdict"] == "block"
    assert doc["change"]["devices"] == ["as2dept1"]
    assert {f["policy"] for f in doc["findings"] if f["severity"] == "error"} == {"no-regress-hosts"}


def test_finding_points_at_the_outbound_access_group(verdict: tuple[int, str, Any]) -> None:
    _, _, doc = verdict
    findings = [f for f in doc["findings"] if f["severity"] == "error"]
    hits = [
        f
        for f in findings
        if {"file": "configs/as2dept1.cfg", "line": 73}
        in [{"file": loc["file"], "line": loc["line"]} for loc in f["locations"]]
    ]
    assert hits
    loc = next(loc for loc in hits[0]["locations"] if loc["line"] == 73)
    assert (
        loc.get("text", "ip access-group RESTRICT_HOST_TRAFFIC_IN out")
        == "ip access-group RESTRICT_HOST_TRAFFIC_IN out"
    )
    for f in hits:
        assert f["trace"], f["message"]
        failing = [
            t for t in f["trace"] if t["disposition"] not in ("ACCEPTED", "DELIVERED_TO_SUBNET", "EXITS_NETWORK")
        ]
        assert failing
        for t in failing:
            assert t["disposition"] == "DENIED_OUT"
            assert t["hops"][-1]["node"] == "as2dept1"
        assert all(t["disposition"] in ("ACCEPTED", "DELIVERED_TO_SUBNET", "EXITS_NETWORK") for t in f["base_trace"])


def test_text_report_names_the_line(verdict: tuple[int, str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    _, policies, _ = verdict
    run = run_cli(
        capsys,
        [
            "check",
            "--base-dir",
            str(EXAMPLE / "live"),
            "--head-dir",
            str(EXAMPLE / "candidate"),
            "--policies",
            policies,
        ],
    )
    assert run.code == 1
    assert "configs/as2dept1.cfg:73" in run.out
    assert "DENIED_OUT" in run.out
