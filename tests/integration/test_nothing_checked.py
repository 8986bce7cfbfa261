"""Nothing checked is not a pass (issue 10, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harden_helpers import PAIR

import validator
from validator.cli import main
from validator.errors import PolicyError

BASE, BLOCKED = str(PAIR / "base"), str(PAIR / "blocked")


@pytest.mark.parametrize("text", ["version: 1\npolicies: []\n", "version: 1\nzones:\n  a: {nodes: [a]}\n"])
def test_empty_policy_set_is_bad_input(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pol = tmp_path / "empty.yaml"
    pol.write_text(text)
    # even a change that removes a filter (the blocked head adds one; here base -> blocked) must not pass
    assert main(["check", "--base-dir", BLOCKED, "--head-dir", BASE, "--policies", str(pol)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"validator: error: {pol}: no policies to check")
    assert "--allow-empty" in err[0]
    assert main(["check", "--base-dir", BLOCKED, "--head-dir", BASE, "--policies", str(pol), "--allow-empty"]) == 0
    capsys.readouterr()
    assert main(["plan", "--base-dir", BLOCKED, "--head-dir", BASE, "--policies", str(pol)]) == 2
    assert main(["whatif", "--snapshot", BASE, "--fail", "node:b", "--policies", str(pol)]) == 2
    assert main(["whatif", "--snapshot", BASE, "--fail", "node:b", "--policies", str(pol), "--allow-empty"]) == 0


def test_library_refuses_an_empty_policy_set(tmp_path: Path) -> None:
    pol = tmp_path / "empty.yaml"
    pol.write_text("version: 1\npolicies: []\n")
    with pytest.raises(PolicyError, match="no policies to check"):
        validator.check(head=BASE, base=BLOCKED, policies=str(pol))
    assert validator.check(head=BASE, base=BLOCKED, policies=str(pol), allow_empty=True).passed


def test_every_policy_skipped_blocks_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pol = tmp_path / "diff-only.yaml"
    pol.write_text(
        "version: 1\nzones:\n  a: {nodes: [a]}\n  b: {nodes: [b]}\n"
        "policies:\n  - {name: no-regress, type: no_regression, from: a, to: b}\n"
        "  - {name: staged, type: blast_radius, protect: all}\n"
    )
    assert main(["check", "--head-dir", BASE, "--policies", str(pol), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "block"
    [f] = [f for f in doc["findings"] if f["check"] == "nothing_checked"]
    assert f["severity"] == "error" and "every policy was skipped (no-regress, staged)" in f["message"]
    assert main(["check", "--head-dir", BASE, "--policies", str(pol), "--format", "json", "--allow-empty"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "pass"
    assert [f["severity"] for f in doc["findings"] if f["check"] == "nothing_checked"] == ["warning"]


def test_a_run_with_one_policy_checked_is_not_empty(capsys: pytest.CaptureFixture[str]) -> None:
    # the pair policies: reachability runs, no_regression is skipped without a base
    assert main(["check", "--head-dir", BASE, "--policies", str(PAIR / "policies.yaml"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert not [f for f in doc["findings"] if f["check"] == "nothing_checked"]
