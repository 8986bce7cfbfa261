"""A shallow clone (actions/checkout's default, ``--depth 1``) lacks the default branch and the
merge-base: git mode must then exit 2 with one line that says how to fetch the history, from the
CLI and from the Action alike. A full clone of the same repository checks normally."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gate_helpers import ROOT, assert_one_line_error, git, run_cli

from validator.ci.github import main as action_main

PAIR = ROOT / "fixtures" / "unit" / "harden" / "pair"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """main: the pair's base; branch change: the blocked head (the smallest change that blocks)."""
    root = tmp_path_factory.mktemp("shallow") / "origin"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "gate@example.com")
    git(root, "config", "user.name", "gate tests")
    git(root, "config", "commit.gpgsign", "false")
    shutil.copytree(PAIR / "base" / "configs", root / "configs")
    (root / "policies").mkdir()
    shutil.copy(PAIR / "policies.yaml", root / "policies" / "pair.yaml")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "change")
    shutil.rmtree(root / "configs")
    shutil.copytree(PAIR / "blocked" / "configs", root / "configs")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")
    git(root, "checkout", "-q", "main")  # the remote's HEAD is its default branch, as on GitHub
    return root


def _clone(origin: Path, dst: Path, *depth: str) -> Path:
    git(dst.parent, "clone", "-q", *depth, "--branch", "change", f"file://{origin}", str(dst))
    return dst


def test_shallow_clone_says_how_to_fetch_the_history(
    origin: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = _clone(origin, tmp_path / "clone", "--depth", "1")
    assert (clone / ".git" / "shallow").is_file()
    run = run_cli(capsys, ["check", "--repo", str(clone), "--policies", "policies"])
    assert_one_line_error(run, "default branch", "shallow clone", "fetch-depth: 0", "git fetch --unshallow")
    run = run_cli(capsys, ["check", "--repo", str(clone), "--policies", "policies", "--base", "origin/main"])
    assert_one_line_error(run, "unknown revision", "fetch-depth: 0")

    out = tmp_path / "reports"
    code = action_main(["run", "--repo", str(clone), "--policies", "policies", "--out-dir", str(out)])
    assert code == 2
    assert "fetch-depth: 0" in (out / "validator.md").read_text()


def test_full_clone_checks_and_other_errors_get_no_hint(
    origin: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = _clone(origin, tmp_path / "full")
    assert main_code(capsys, ["check", "--repo", str(clone), "--policies", "policies"]) == 1
    run = run_cli(capsys, ["check", "--repo", str(clone), "--policies", "policies", "--base", "nosuch"])
    assert_one_line_error(run, "unknown revision")
    assert "shallow" not in run.err


def main_code(capsys: pytest.CaptureFixture[str], argv: list[str]) -> int:
    return run_cli(capsys, argv).code
