"""The way back in, end to end (issue 12): changes to the management plane of ``fixtures/mgmt``
(a NOC router, two cores, a monitoring router with TACACS+, syslog, NTP and SNMP servers) pushed
to every device, checked with ``fixtures/mgmt/policies/mgmt.yaml``.

Each change is the base with one text edit applied to every config that contains it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import run_cli

MGMT = Path(__file__).resolve().parents[2] / "fixtures" / "mgmt"
BASE = MGMT / "base"
POLICIES = MGMT / "policies" / "mgmt.yaml"


def _head(tmp_path: Path, old: str, new: str, only: str | None = None) -> Path:
    head = tmp_path / "head"
    shutil.copytree(BASE, head)
    edited = 0
    for cfg in sorted((head / "configs").glob("*.cfg")):
        text = cfg.read_text()
        if old in text and (only is None or cfg.stem == only):
            cfg.write_text(text.replace(old, new))
            edited += 1
    assert edited, f"{old!r} not found"
    return head


def _check(capsys: pytest.CaptureFixture[str], tmp_path: Path, head: Path) -> tuple[int, list[dict[str, Any]]]:
    out = tmp_path / "verdict.json"
    argv = ["check", "--base-dir", str(BASE), "--head-dir", str(head), "--policies", str(POLICIES)]
    run = run_cli(capsys, [*argv, "--format", "json", "--output", str(out)])
    doc = json.loads(out.read_text())
    return run.code, [f for f in doc["findings"] if f["severity"] == "error" or f["status"] == "undecided"]


def _lines(f: dict[str, Any]) -> list[str]:
    return [str(loc.get("text")) for loc in f.get("locations", [])]


def test_base_passes_in_state_mode(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, ["check", "--head-dir", str(BASE), "--policies", str(POLICIES)])
    assert run.code == 0, run.out


def test_vty_acl_typo_on_every_device_blocks_naming_the_vty_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = _head(tmp_path, "access-list 10 permit 10.9.0.0 0.0.0.255", "access-list 10 permit 10.90.0.0 0.0.0.255")
    code, errors = _check(capsys, tmp_path, head)
    assert code == 1
    ssh = [f for f in errors if f["check"] == "management" and f["service"] == "ssh"]
    assert sorted(f["device"] for f in ssh) == ["core1", "core2", "mon", "noc"]
    for f in ssh:
        assert "vty access-class refuses it" in f["message"]
        assert "access-class 10 in" in _lines(f) and "access-list 10 deny any" in _lines(f)
        assert f["trace"] and f["flow"]["dst_port"] == 22


def test_removing_the_local_fallback_blocks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    head = _head(tmp_path, "login default group TAC local", "login default group TAC")
    code, errors = _check(capsys, tmp_path, head)
    assert code == 1
    login = [f for f in errors if f["check"] == "management" and f["service"] == "login"]
    assert {f["device"] for f in login} == {"core1", "core2", "mon", "noc"}
    assert all("aaa authentication login default group TAC" in _lines(f) for f in login)
    assert {f["policy"] for f in errors} == {"noc-keeps-access", "mgmt-hygiene"}  # aaa_fallback_local too


def test_removing_the_tacacs_source_interface_blocks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    head = _head(tmp_path, "ip tacacs source-interface Loopback0\n", "")
    code, errors = _check(capsys, tmp_path, head)
    assert code == 1
    aaa = [f for f in errors if f.get("service") == "aaa"]
    assert {f["device"] for f in aaa} == {"core1", "core2", "mon", "noc"}
    for f in aaa:
        assert f["server"] == "10.8.0.10" and "DENIED_OUT at mon" in f["message"]
        assert "permit tcp 10.255.0.0 0.0.0.255" not in " ".join(_lines(f))
        assert "deny ip any any" in _lines(f)


def test_bgp_password_on_one_side_only_takes_the_session_down(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = _head(tmp_path, " neighbor 10.255.0.2 password 0 Core-Peering-Key\n", "")
    code, errors = _check(capsys, tmp_path, head)
    assert code == 1
    sessions = [f for f in errors if f["check"] == "hygiene"]
    assert sorted(f["message"].split(":")[0] for f in sessions) == ["core1", "core2"]
    assert all("NOT_ESTABLISHED: AUTHENTICATION_MISMATCH" in f["message"] for f in sessions)
    # the affected flows: core2 learned the service prefix through that session only
    (flows,) = [f for f in errors if f["check"] == "reachability"]
    assert flows["policy"] == "core2-reaches-service" and "NO_ROUTE at core2" in flows["message"]


def test_snmp_community_acl_that_excludes_the_noc_blocks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    head = _head(tmp_path, "access-list 20 permit 10.9.0.0 0.0.0.255", "access-list 20 permit 10.8.0.0 0.0.0.255")
    code, errors = _check(capsys, tmp_path, head)
    assert code == 1
    assert {f["service"] for f in errors} == {"snmp"}
    assert all("snmp-server community n0c-poll RO 20" in _lines(f) for f in errors)


def test_a_second_reachable_ntp_server_passes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    head = _head(tmp_path, "ntp server 10.8.0.30\n", "ntp server 10.8.0.30\nntp server 10.8.0.31\n")
    code, errors = _check(capsys, tmp_path, head)
    assert (code, errors) == (0, [])


def test_an_unreachable_ntp_server_blocks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # 10.8.0.32 is not admitted by the monitoring LAN's filter
    head = _head(tmp_path, "ntp server 10.8.0.30\n", "ntp server 10.8.0.30\nntp server 10.8.0.32\n", only="noc")
    code, errors = _check(capsys, tmp_path, head)
    assert code == 1
    assert [(f["device"], f["server"]) for f in errors] == [("noc", "10.8.0.32")]


def test_a_lost_redundant_path_is_found_under_one_link_failure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = _head(tmp_path, " description to mon Gi0/2\n", " description to mon Gi0/2\n shutdown\n")
    code, errors = _check(capsys, tmp_path, head)
    assert code == 1
    assert errors and all(f["failures"] == ["link:core1[GigabitEthernet0/3]"] for f in errors), errors


def test_unparsable_management_line_is_undecided(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    head = _head(tmp_path, "logging host 10.8.0.20\n", "logging host 10.8.0.20\nlogging host ten.eight\n", only="noc")
    code, errors = _check(capsys, tmp_path, head)
    assert code == 1
    assert any(f["check"] == "management" and f["status"] == "undecided" for f in errors)


def test_whatif_that_cuts_a_device_off_from_the_noc_exits_1_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["whatif", "--snapshot-dir", str(BASE), "--policies", str(POLICIES), "--format", "json"]
    argv += ["--fail", "link:mon[GigabitEthernet0/1]", "--fail", "link:mon[GigabitEthernet0/2]"]
    run = run_cli(capsys, argv)
    assert run.code == 1
    doc = json.loads(run.out)
    ssh = [f for f in doc["findings"] if f.get("service") == "ssh"]
    assert [f["device"] for f in ssh] == ["mon"]


def test_policies_lint_reports_management_mistakes_with_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\n"
        "zones:\n"
        "  noc: {interfaces: ['noc[GigabitEthernet0/0]']}\n"
        "policies:\n"
        "  - name: m\n"
        "    type: management\n"
        "    from: noc\n"
        "    access: [ssh, rdp]\n"
        "    services: [aaa]\n"
        "    require_local_fallback: yes-please\n"
    )
    run = run_cli(capsys, ["policies", "lint", str(bad)])
    assert run.code == 2
    text = run.out + run.err
    assert ":8:" in text and "rdp" in text
    assert ":10:" in text


def test_a_device_list_that_names_no_device_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policies = tmp_path / "typo.yaml"
    policies.write_text(POLICIES.read_text().replace("devices: all", "devices: [core-1]"))
    run = run_cli(capsys, ["check", "--head-dir", str(BASE), "--policies", str(policies)])
    assert run.code == 2
    assert "unknown node 'core-1'" in run.err and "typo.yaml:" in run.err
