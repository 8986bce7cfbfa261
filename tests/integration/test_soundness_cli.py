"""Issue 9's done-when, end to end through ``validator check``: an unparsable line inside an ACL
that the checked flows cross makes an ``allow`` and a ``deny`` policy both refuse to pass, each
naming that file:line; the same line after the lines that decide the flows passes; a route-map
clause with an unparsed match makes a reachability policy through it refuse to pass.

Fixture: fixtures/soundness (README there).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import ROOT, run_cli, run_subprocess

SOUND = ROOT / "fixtures" / "soundness"
ACL_POLICIES = SOUND / "policies" / "soundness.yaml"
ROUTING_POLICIES = SOUND / "policies" / "routing.yaml"


def line_of(path: Path, text: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.strip() == text)


def edited(tmp: Path, snapshot: str) -> Path:
    """A head that changes only a description on edge: the unparsed line is in base and head."""
    head = tmp / snapshot
    shutil.copytree(SOUND / snapshot, head)
    cfg = head / "configs" / "edge.cfg"
    cfg.write_text(cfg.read_text().replace(" description internet\n", " description internet uplink\n"))
    return head


def check(
    capsys: pytest.CaptureFixture[str], snapshot: str, policies: Path, tmp: Path | None = None
) -> tuple[int, dict[str, Any]]:
    """``check`` of a change to ``snapshot`` (given ``tmp``), or of the snapshot alone (state mode)."""
    args = ["check", "--head-dir", str(SOUND / snapshot)]
    if tmp is not None:
        args = ["check", "--base-dir", str(SOUND / snapshot), "--head-dir", str(edited(tmp, snapshot))]
    run = run_cli(capsys, [*args, "--policies", str(policies), "--format", "json"])
    return run.code, json.loads(run.out)


def undecided(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["policy"]: f for f in doc["findings"] if f["status"] == "undecided"}


BAD = "permit tcp object-group ADMINS any eq 22"


@pytest.mark.parametrize("mode", ["change", "state"])
def test_unparsable_acl_line_before_the_deciding_lines_blocks_allow_and_deny(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mode: str
) -> None:
    code, doc = check(capsys, "acl-bad-first", ACL_POLICIES, tmp_path if mode == "change" else None)
    assert code == 1 and doc["verdict"] == "block"
    bad_line = line_of(SOUND / "acl-bad-first" / "configs" / "core.cfg", BAD)
    by_policy = undecided(doc)
    assert set(by_policy) == {"web-open", "ssh-closed"}
    for f in by_policy.values():
        assert f["severity"] == "error"
        assert f"undecided: depends on unparsed lines configs/core.cfg:{bad_line}" in f["message"]
        assert f["locations"][0] == {"file": "configs/core.cfg", "line": bad_line, "text": BAD}
        assert f["trace"][0]["undecided"] == [f"configs/core.cfg:{bad_line}"]


def test_the_same_line_after_the_deciding_lines_passes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, doc = check(capsys, "acl-bad-after", ACL_POLICIES, tmp_path)
    assert (code, doc["verdict"]) == (0, "pass")
    assert [f for f in doc["findings"] if f["severity"] == "error"] == []
    code, doc = check(capsys, "acl-complete", ACL_POLICIES, tmp_path / "complete")
    assert (code, doc["verdict"]) == (0, "pass")
    # checked on its own (no base) the snapshot still blocks, on the line not understood alone
    code, doc = check(capsys, "acl-bad-after", ACL_POLICIES)
    assert code == 1 and undecided(doc) == {}


@pytest.mark.parametrize("mode", ["change", "state"])
def test_route_map_clause_with_unparsed_match_blocks_reachability(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mode: str
) -> None:
    code, doc = check(capsys, "routemap-complete", ROUTING_POLICIES, tmp_path if mode == "change" else None)
    assert (code, doc["verdict"]) == (0, "pass")
    code, doc = check(capsys, "routemap-partial", ROUTING_POLICIES, tmp_path if mode == "change" else None)
    assert code == 1 and doc["verdict"] == "block"
    bad_line = line_of(SOUND / "routemap-partial" / "configs" / "edge.cfg", "match source-protocol bgp")
    f = undecided(doc)["web-open"]
    assert f["severity"] == "error"
    assert f["locations"][0]["file"] == "configs/edge.cfg" and f["locations"][0]["line"] == bad_line


@pytest.mark.parametrize("fmt", ["text", "junit", "sarif", "markdown"])
def test_every_format_shows_the_undecided_status(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    run = run_cli(
        capsys, ["check", "--head-dir", str(SOUND / "acl-bad-first"), "--policies", str(ACL_POLICIES), "--format", fmt]
    )
    assert run.code == 1
    assert "undecided" in run.out and "configs/core.cfg:" in run.out


def test_real_entry_point_exit_code() -> None:
    run = run_subprocess(["check", "--head-dir", str(SOUND / "acl-bad-first"), "--policies", str(ACL_POLICIES)])
    assert run.code == 1, run.err
    assert "[undecided]" in run.out


def test_trace_command_says_a_trace_is_undecided(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["trace", "--snapshot-dir", str(SOUND / "acl-bad-first"), "--from", "@enter(edge[GigabitEthernet0/0])"]
    run = run_cli(capsys, [*argv, "--dst", "10.1.0.5", "--protocol", "tcp", "--dst-port", "22"])
    bad_line = line_of(SOUND / "acl-bad-first" / "configs" / "core.cfg", BAD)
    assert run.code == 0
    assert f"DENIED_IN (undecided: depends on unparsed lines configs/core.cfg:{bad_line})" in run.out
    run = run_cli(capsys, [*argv, "--dst", "10.1.0.5", "--protocol", "tcp", "--dst-port", "22", "--format", "json"])
    (item,) = json.loads(run.out)
    assert item["traces"][0]["undecided"] == [f"configs/core.cfg:{bad_line}"]
