"""Issue 9's done-when, end to end through ``validator check``: an unparsable line inside an ACL
that the checked flows cross makes an ``allow`` and a ``deny`` policy both refuse to pass, each
naming that file:line; the same line after the lines that decide the flows passes; a route-map
clause with an unparsed match makes a reachability policy through it refuse to pass.

Fixture: fixtures/soundness (README there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import ROOT, run_cli, run_subprocess

SOUND = ROOT / "fixtures" / "soundness"
ACL_POLICIES = SOUND / "policies" / "soundness.yaml"
ROUTING_POLICIES = SOUND / "policies" / "routing.yaml"


def line_of(path: Path, text: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.strip() == text)


def check(capsys: pytest.CaptureFixture[str], snapshot: str, policies: Path) -> tuple[int, dict[str, Any]]:
    run = run_cli(
        capsys, ["check", "--head-dir", str(SOUND / snapshot), "--policies", str(policies), "--format", "json"]
    )
    return run.code, json.loads(run.out)


BAD = "permit tcp object-group ADMINS any eq 22"


def test_unparsable_acl_line_before_the_deciding_lines_blocks_allow_and_deny(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc = check(capsys, "acl-bad-first", ACL_POLICIES)
    assert code == 1 and doc["verdict"] == "block"
    bad_line = line_of(SOUND / "acl-bad-first" / "configs" / "core.cfg", BAD)
    by_policy = {f["policy"]: f for f in doc["findings"]}
    assert set(by_policy) == {"web-open", "ssh-closed"}
    for f in by_policy.values():
        assert f["status"] == "undecided" and f["severity"] == "error"
        assert f"undecided: depends on unparsed lines configs/core.cfg:{bad_line}" in f["message"]
        assert f["locations"][0] == {"file": "configs/core.cfg", "line": bad_line, "text": BAD}
        assert f["trace"][0]["undecided"] == [f"configs/core.cfg:{bad_line}"]


def test_the_same_line_after_the_deciding_lines_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check(capsys, "acl-bad-after", ACL_POLICIES)
    assert (code, doc["verdict"], doc["findings"]) == (0, "pass", [])
    code, doc = check(capsys, "acl-complete", ACL_POLICIES)
    assert (code, doc["verdict"]) == (0, "pass")


def test_route_map_clause_with_unparsed_match_blocks_reachability(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check(capsys, "routemap-complete", ROUTING_POLICIES)
    assert (code, doc["verdict"]) == (0, "pass")
    code, doc = check(capsys, "routemap-partial", ROUTING_POLICIES)
    assert code == 1 and doc["verdict"] == "block"
    bad_line = line_of(SOUND / "routemap-partial" / "configs" / "edge.cfg", "match source-protocol bgp")
    (f,) = doc["findings"]
    assert (f["policy"], f["status"]) == ("web-open", "undecided")
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
    argv = ["trace", "--snapshot", str(SOUND / "acl-bad-first"), "--from", "@enter(edge[GigabitEthernet0/0])"]
    run = run_cli(capsys, [*argv, "--dst", "10.1.0.5", "--protocol", "tcp", "--dst-port", "22"])
    bad_line = line_of(SOUND / "acl-bad-first" / "configs" / "core.cfg", BAD)
    assert run.code == 0
    assert f"DENIED_IN (undecided: depends on unparsed lines configs/core.cfg:{bad_line})" in run.out
    run = run_cli(capsys, [*argv, "--dst", "10.1.0.5", "--protocol", "tcp", "--dst-port", "22", "--format", "json"])
    (item,) = json.loads(run.out)
    assert item["traces"][0]["undecided"] == [f"configs/core.cfg:{bad_line}"]
