"""``validator check`` end to end on the Junos core fixture (fixtures/junos-core/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gate_helpers import run_cli

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "junos-core"
POLICIES = ROOT / "policies" / "junos-core.yaml"


def check(capsys: pytest.CaptureFixture[str], change: str) -> tuple[int, dict[str, object]]:
    run = run_cli(
        capsys,
        [
            "check",
            "--base-dir",
            str(ROOT / "base"),
            "--head-dir",
            str(ROOT / "changes" / change),
            "--policies",
            str(POLICIES),
            "--format",
            "json",
        ],
    )
    return run.code, json.loads(run.out)


def errors(doc: dict[str, object]) -> set[tuple[str, str]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return {(f["policy"], f.get("status", "new")) for f in findings if f["severity"] == "error"}


def test_base_passes(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, ["check", "--head-dir", str(ROOT / "base"), "--policies", str(POLICIES)])
    assert run.code == 0, run.out


def test_benign_change_on_the_backup_uplink_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check(capsys, "benign")
    assert code == 0 and doc["verdict"] == "pass"


def test_both_planes_edit_on_the_core_pair_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check(capsys, "both-planes")
    assert code == 1
    assert errors(doc) == {("staged", "new")}
    change = doc["change"]
    assert isinstance(change, dict)
    assert {(s["device"], s["kind"], s["name"]) for s in change["stanzas"]} == {
        ("core1", "interface", "ge-0/0/2.0"),
        ("core1", "acl", "EDGE-IN"),
        ("core2", "interface", "ge-0/0/2.0"),
        ("core2", "acl", "EDGE-IN"),
    }
    msgs = " ".join(f["message"] for f in doc["findings"])  # type: ignore[attr-defined]
    assert "iface:core1[ge-0/0/2.0]" in msgs and "iface:core2[ge-0/0/2.0]" in msgs


def test_opening_telnet_in_the_lan_filter_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check(capsys, "open-telnet")
    assert code == 1 and ("telnet-closed", "new") in errors(doc)


def test_unmodelled_junos_line_blocks_with_its_file_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check(capsys, "unmodelled")
    assert code == 1
    msgs = [f["message"] for f in doc["findings"]]  # type: ignore[attr-defined]
    assert any("unmodelled change at configs/pe1.cfg:30" in m for m in msgs)
