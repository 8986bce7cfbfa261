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


def _variant(tmp_path: Path, file: str, old: str, new: str) -> Path:
    import shutil

    snap = tmp_path / "head"
    shutil.copytree(ROOT / "base", snap)
    cfg = snap / "configs" / file
    text = cfg.read_text()
    assert old in text
    cfg.write_text(text.replace(old, new, 1))
    return snap


def test_unreadable_filter_condition_makes_the_flows_reaching_its_term_undecided(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "destination-port telnet;\n                    fragment-offset 0;"
    head = _variant(tmp_path, "pe1.cfg", "destination-port telnet;", extra)
    run = run_cli(capsys, ["check", "--head-dir", str(head), "--policies", str(POLICIES), "--format", "json"])
    assert run.code == 1
    doc = json.loads(run.out)
    undecided = {f["policy"] for f in doc["findings"] if f.get("status") == "undecided"}
    # telnet flows reach the partial term (its match is unknown); web flows are decided by an
    # earlier term, as for an IOS ACL line after the deciding lines
    assert "telnet-closed" in undecided and "web-open" not in undecided


def test_apply_groups_is_never_a_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = _variant(tmp_path, "pe1.cfg", "system {\n", "apply-groups COMMON;\nsystem {\n")
    run = run_cli(
        capsys,
        ["check", "--base-dir", str(ROOT / "base"), "--head-dir", str(head), "--policies", str(POLICIES)],
    )
    assert run.code == 1
    assert "configs/pe1.cfg:3" in run.out


def test_unbalanced_braces_are_bad_input_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = _variant(tmp_path, "core1.cfg", "    host-name core1;\n}\n", "    host-name core1;\n")
    run = run_cli(capsys, ["check", "--head-dir", str(head), "--policies", str(POLICIES)])
    assert run.code == 2
    assert "configs/core1.cfg" in run.err and "Traceback" not in run.err


def test_loopback_filter_makes_flows_to_the_device_undecided(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policies = tmp_path / "p.yaml"
    policies.write_text(
        "version: 1\n"
        "zones:\n"
        '  lan-hosts: {interfaces: ["pe1[ge-0/0/3.0]"]}\n'
        "  core1-lo: {prefixes: [10.255.0.2/32]}\n"
        "policies:\n"
        "  - {name: to-core1, type: reachability, from: lan-hosts, to: core1-lo, expect: allow}\n"
    )
    ok = run_cli(capsys, ["check", "--head-dir", str(ROOT / "base"), "--policies", str(policies)])
    assert ok.code == 0, ok.out
    head = _variant(
        tmp_path,
        "core1.cfg",
        "                address 10.255.0.2/32;",
        "                filter {\n                    input PROTECT-RE;\n                }\n"
        "                address 10.255.0.2/32;",
    )
    cfg = head / "configs" / "core1.cfg"
    cfg.write_text(
        cfg.read_text()
        + "firewall {\n    family inet {\n        filter PROTECT-RE {\n            term ssh {\n"
        + "                from {\n                    protocol tcp;\n                    destination-port ssh;\n"
        + "                }\n                then accept;\n            }\n        }\n    }\n}\n"
    )
    run = run_cli(capsys, ["check", "--head-dir", str(head), "--policies", str(policies), "--format", "json"])
    assert run.code == 1
    doc = json.loads(run.out)
    assert "to-core1" in {f["policy"] for f in doc["findings"] if f.get("status") == "undecided"}
