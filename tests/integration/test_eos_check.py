"""``validator check`` end to end on the Arista EOS leaf-spine fixture (issue 16 part A): a benign
EOS change passes, an ACL edit and a lost ``no switchport`` (EOS: the port becomes layer 2) block."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from validator.cli import main

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "eos-fabric"
POLICIES = ROOT / "policies" / "fabric.yaml"


def run(change: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(
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
        ]
    )
    return code, json.loads(capsys.readouterr().out)


def errors(verdict: dict[str, object]) -> set[str]:
    findings = verdict["findings"]
    assert isinstance(findings, list)
    return {f["policy"] for f in findings if f["severity"] == "error"}


def test_benign_eos_change_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, verdict = run("benign", capsys)
    assert code == 0 and errors(verdict) == set()


def test_eos_acl_edit_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    code, verdict = run("break-acl", capsys)
    assert code == 1 and {"web3-https", "no-regress"} <= errors(verdict)


def test_eos_switchport_default_blocks_a_lost_no_switchport(capsys: pytest.CaptureFixture[str]) -> None:
    code, verdict = run("break-switchport", capsys)
    assert code == 1 and {"web3-https", "no-regress"} <= errors(verdict)


def test_eos_base_snapshot_is_fully_understood() -> None:
    from validator.snapshot.folder import load_snapshot

    snap = load_snapshot(ROOT / "base")
    assert {n.vendor for n in snap.nodes.values()} == {"arista_eos"}
    assert not snap.file_errors
    assert not snap.warnings  # every line modelled or ignored with a reason


def test_eos_snapshot_checked_on_its_own_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--head-dir", str(ROOT / "base"), "--policies", str(POLICIES), "--format", "json"])
    assert code == 0, capsys.readouterr().out


def test_a_changed_eos_username_blocks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    head = tmp_path / "head"
    shutil.copytree(ROOT / "base", head)
    leaf = head / "configs" / "leaf1.cfg"
    leaf.write_text(leaf.read_text().replace("notarealhash", "another"))
    code = main(["check", "--base-dir", str(ROOT / "base"), "--head-dir", str(head), "--policies", str(POLICIES)])
    assert code == 1 and "username" in capsys.readouterr().out
