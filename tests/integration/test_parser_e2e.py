"""End to end: parser fail-closed cases through the CLI (issue 9). Each is a row of the README's
fail-closed table: an NX-OS / IOS-XR file is refused (exit 2, one line naming the file); lines that
used to crash the parser (bare ``set``, ``ip prefix-list P seq``) or were silently accepted under an
ignored stanza block the change (exit 1) naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_helpers import BASE, assert_one_line_error, copy_snapshot, run_cli

NXOS = "!Command: show running-config\nversion 9.3(5)\nfeature bgp\nhostname az1-r1\ninterface Ethernet1/1\n"
XR = "!! IOS XR Configuration 7.3.2\nhostname az1-r1\ninterface HundredGigE0/0/0/0\n"


@pytest.mark.parametrize(("text", "flavour"), [(NXOS, "NX-OS"), (XR, "IOS-XR")])
def test_nxos_and_iosxr_files_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, flavour: str
) -> None:
    snap = tmp_path / "snap"
    copy_snapshot(BASE, snap)
    (snap / "configs" / "az1-r1.cfg").write_text(text)
    run = run_cli(capsys, ["routes", "--snapshot-dir", str(snap)])
    assert_one_line_error(run, "az1-r1.cfg", flavour)


# Lines that crashed the parser (exit 3, no file or line) or passed silently, all in one change.
CHANGE = (
    "route-map CRASH permit 10\n set\n"
    "ip prefix-list CRASH seq\n"
    "service timestamps debug datetime msec\n no ip access-list extended INTERNET-IN\n"
    "ip route 10.2.10.0 255.255.255.0 999.1.1.1\n"
)
HYGIENE_ONLY = "version: 1\nzones: {}\npolicies:\n  - {name: h, type: hygiene, require: [no_forwarding_loops]}\n"


def test_lines_that_crashed_or_passed_silently_now_block(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    head = tmp_path / "head"
    copy_snapshot(BASE, head)
    cfg = head / "configs" / "az1-r1.cfg"
    cfg.write_text(cfg.read_text() + CHANGE)
    policies = tmp_path / "p.yaml"
    policies.write_text(HYGIENE_ONLY)
    run = run_cli(capsys, ["check", "--base-dir", str(BASE), "--head-dir", str(head), "--policies", str(policies)])
    assert "Traceback" not in run.err
    assert run.code == 1, (run.code, run.out[-2000:], run.err)
    for needle in (" set", "ip prefix-list CRASH seq", "no ip access-list extended INTERNET-IN", "999.1.1.1"):
        assert needle in run.out, needle


def test_static_route_under_line_vty_is_installed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    copy_snapshot(BASE, snap)
    cfg = snap / "configs" / "az1-r1.cfg"
    cfg.write_text(cfg.read_text() + "line vty 0 4\n ip route 10.99.0.0 255.255.0.0 Null0\n")
    run = run_cli(capsys, ["routes", "--snapshot-dir", str(snap), "--node", "az1-r1"])
    assert run.code == 0, run.err
    assert any("10.99.0.0/16" in line and "static" in line for line in run.out.splitlines()), run.out
