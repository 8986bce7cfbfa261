"""``validator check`` in git mode on throwaway repositories built from the region fixture.

Every repository has ``main`` = base (``network/`` + ``policies/region.yaml``) and a change branch
checked out. The gate must read git objects only: the work tree, index and refs never change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from gate_helpers import (
    EXPECTED_STATE,
    LATENT,
    REGION_POLICIES,
    GitRepo,
    change_dir,
    commit_all,
    error_policies,
    git,
    run_cli,
    run_subprocess,
    state_policies_text,
)

GIT_ARGS = ["--snapshot", "network", "--policies", "policies"]


@pytest.fixture(scope="module")
def repos(repo_factory: Callable[..., GitRepo]) -> dict[str, GitRepo]:
    return {name: repo_factory(change_dir(name)) for name in EXPECTED_STATE}


def check_json(capsys: pytest.CaptureFixture[str], repo: GitRepo, *extra: str) -> tuple[int, Any]:
    run = run_cli(capsys, ["check", "--repo", str(repo.path), *GIT_ARGS, "--format", "json", *extra])
    assert run.err == "", run.err
    return run.code, json.loads(run.out)


@pytest.mark.parametrize("change", list(EXPECTED_STATE))
def test_default_base_is_the_merge_base_and_verdicts_match_folder_mode(
    change: str, repos: dict[str, GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repos[change]
    code, doc = check_json(capsys, repo)
    verdict, policies = EXPECTED_STATE[change]
    assert doc["verdict"] == verdict
    assert code == (0 if verdict == "pass" else 1)
    assert error_policies(doc) == policies
    assert doc["base"]["rev"] == repo.base_sha
    assert doc["head"]["rev"] == repo.head_sha
    assert doc["change"]["policies_changed"] is False
    assert doc["change"]["devices"]  # every fixture change touches a device


def test_fixture_commits_hold_a_same_size_same_mtime_edit(tmp_path: Path) -> None:
    """The flaky ``pass`` of open-forbidden-flow: ``deny   ip`` -> ``permit ip`` keeps the size,
    ``copy2`` keeps the fixture's mtime, and when the inode and the ctime second match too, git's
    stat cache says "unchanged" and ``git add -A`` commits the base blob. Forced here: an in-place
    edit (same inode), the old mtime restored, ctime not trusted."""
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "gate@example.com")
    git(root, "config", "user.name", "gate tests")
    git(root, "config", "core.trustctime", "false")
    cfg = root / "edge1.cfg"
    cfg.write_text(" deny   ip any 10.2.20.0 0.0.0.255\n")
    old = 1_600_000_000 * 10**9  # the fixture's mtime, long before the index was written
    os.utime(cfg, ns=(old, old))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    with cfg.open("r+") as fh:  # the same inode, the same size
        fh.write(" permit ip any 10.2.20.0 0.0.0.255\n")
    os.utime(cfg, ns=(old, old))
    commit_all(root, "change")
    assert git(root, "show", "HEAD:edge1.cfg").startswith("permit")
    assert git(root, "diff", "--name-only", "HEAD~1", "HEAD") == "edge1.cfg"


def test_explicit_base_and_head_revisions(
    repo_factory: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    """With HEAD back on main, only ``--head`` names the change: it must be honoured."""
    repo = repo_factory(change_dir("break-required-flow"), branch="feature/web-acl")
    git(repo.path, "checkout", "-q", "main")
    code, doc = check_json(capsys, repo, "--base", "main", "--head", "feature/web-acl")
    assert code == 1
    assert error_policies(doc) == EXPECTED_STATE["break-required-flow"][1]
    assert (doc["base"]["rev"], doc["head"]["rev"]) == (repo.base_sha, repo.head_sha)
    # defaults now: head = HEAD = main, base = merge-base(main, main): nothing changed
    code, doc = check_json(capsys, repo)
    assert code == 0
    assert doc["change"]["devices"] == [] and doc["head"]["rev"] == repo.base_sha
    # a SHA and a ~ suffix are revisions too
    code, doc = check_json(capsys, repo, "--base", repo.base_sha, "--head", "feature/web-acl~0")
    assert code == 1 and doc["head"]["rev"] == repo.head_sha


def test_policies_are_read_from_the_base_revision(
    repo_factory: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    """A change that breaks the web flow and deletes the policies guarding it is still blocked."""
    weakened = yaml.safe_load(state_policies_text())
    weakened["policies"] = [
        p for p in weakened["policies"] if p["name"] not in ("web-open", "no-regress-web", "no-regress-region")
    ]
    weakened["policies"] = [p for p in weakened["policies"] if not p["name"].startswith("az")]
    repo = repo_factory(change_dir("break-required-flow"), head_policies_text=yaml.safe_dump(weakened))
    code, doc = check_json(capsys, repo)
    assert code == 1
    assert doc["verdict"] == "block"
    assert "web-open" in error_policies(doc)
    assert "web-open" in {p["name"] for p in doc["policies"]}
    assert doc["change"]["policies_changed"] is True
    warnings = [f for f in doc["findings"] if f["check"] == "policies"]
    assert len(warnings) == 1 and warnings[0]["severity"] == "warning"
    # the text report says so too
    run = run_cli(capsys, ["check", "--repo", str(repo.path), *GIT_ARGS])
    assert run.code == 1
    assert "policies" in run.out and "base revision" in run.out


def test_a_policy_only_change_passes_but_is_reported(
    repo_factory: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    """Editing policies alone changes no flow; the verdict still flags it (as a warning)."""
    edited = state_policies_text() + "# reviewed\n"
    repo = repo_factory(change_dir("benign"), head_policies_text=edited)
    code, doc = check_json(capsys, repo)
    assert code == 0
    assert doc["change"]["policies_changed"] is True
    assert [f["check"] for f in doc["findings"]] == ["policies"]


def test_work_tree_is_never_touched(repos: dict[str, GitRepo], capsys: pytest.CaptureFixture[str]) -> None:
    """An uncommitted edit that would 'fix' the change is ignored and left in place."""
    repo = repos["break-required-flow"]
    cfg = repo.path / "network" / "configs" / "az2-r1.cfg"
    committed = cfg.read_text()
    assert " ip access-group AZ2-WEB-OUT out\n" in committed
    cfg.write_text(committed.replace(" ip access-group AZ2-WEB-OUT out\n", ""))
    (repo.path / "notes.txt").write_text("untracked\n")
    try:
        before = repo.state()
        assert "network/configs/az2-r1.cfg" in before["status"] and "notes.txt" in before["status"]
        code, doc = check_json(capsys, repo)
        run = run_cli(capsys, ["check", "--repo", str(repo.path), *GIT_ARGS, "--format", "sarif"])
        after = repo.state()
        assert code == 1 and run.code == 1
        assert error_policies(doc) == EXPECTED_STATE["break-required-flow"][1]
        assert after == before  # status, HEAD, refs, index (bytes and mtime), every file and mtime
        assert "AZ2-WEB-OUT out" not in cfg.read_text()
    finally:
        cfg.write_text(committed)
        (repo.path / "notes.txt").unlink()
    assert git(repo.path, "status", "--porcelain") == ""


def test_plan_out_writes_a_token_bound_to_the_commits(
    repos: dict[str, GitRepo], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = repos["benign"]
    token_file = tmp_path / "plan.json"
    before = repo.state()
    run = run_cli(capsys, ["check", "--repo", str(repo.path), *GIT_ARGS, "--plan-out", str(token_file)])
    assert run.code == 0, run.err
    after = repo.state()
    refs = after["refs"].splitlines()
    after["refs"] = "\n".join(line for line in refs if not line.startswith("refs/validator/plans/"))
    assert after == before  # the only change: the plan recorded under refs/validator/plans/ (issue 14)
    assert len(refs) == len(before["refs"].splitlines()) + 1
    token = json.loads(token_file.read_text())
    assert token["verdict"] == "pass"
    assert token["base"]["commit"] == repo.base_sha
    assert token["head"]["commit"] == repo.head_sha
    assert token["snapshot_path"] == "network"
    assert token["devices"] == ["az3-r2"]
    verify = run_cli(capsys, ["verify-plan", str(token_file), "--repo", str(repo.path)])
    assert verify.code == 0, verify.err


def test_plan_out_refused_in_folder_mode(
    capsys: pytest.CaptureFixture[str], state_policies: Path, tmp_path: Path
) -> None:
    token_file = tmp_path / "plan.json"
    run = run_cli(
        capsys,
        [
            "check",
            "--head-dir",
            str(change_dir("benign")),
            "--policies",
            str(state_policies),
            "--plan-out",
            str(token_file),
        ],
    )
    assert run.code == 2 and "--plan-out" in run.err
    assert not token_file.exists()


def test_entry_point_in_the_repository_with_defaults(repos: dict[str, GitRepo]) -> None:
    """``cd repo && python -m validator check --snapshot network``: repo ``.``, policies ``policies``."""
    repo = repos["open-forbidden-flow"]
    before = repo.state()
    run = run_subprocess(["check", "--snapshot", "network", "--format", "json"], cwd=repo.path)
    assert run.code == 1, run.err
    doc = json.loads(run.out)
    assert error_policies(doc) == {"db-closed"}
    assert doc["head"]["rev"] == repo.head_sha
    assert repo.state() == before


def test_full_policies_in_git_mode(repo_factory: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]) -> None:
    """The failure sweeps run from the base revision's region.yaml too."""
    full = REGION_POLICIES.read_text()
    repo = repo_factory(change_dir("both-paths-bad-edit"), policies_text=full)
    code, doc = check_json(capsys, repo)
    assert code == 1
    assert error_policies(doc) == {"staged"}
    assert doc["stats"]["scenarios"] > 0


def test_latent_fault_blocks_with_no_change(
    repo_factory: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    """base = head = the latent-fault commit: nothing changed, the redundancy promise is still broken.

    In diff mode the finding is pre-existing (a warning: the change touches nothing); ``--strict``
    keeps it an error."""
    repo = repo_factory(LATENT, policies_text=REGION_POLICIES.read_text(), branch="latent")
    code, doc = check_json(capsys, repo, "--base", "latent", "--head", "latent", "--strict")
    assert code == 1
    assert doc["change"]["devices"] == [] and doc["change"]["stanzas"] == []
    assert error_policies(doc) == {"inter-az"}
    assert any(f["failures"] == ["link:az2-r1[GigabitEthernet1/3]"] for f in doc["findings"])
    code, doc = check_json(capsys, repo, "--base", "latent", "--head", "latent")
    assert code == 0 and error_policies(doc) == set()
    pre = [f for f in doc["findings"] if f.get("status") == "pre-existing"]
    assert any(f["failures"] == ["link:az2-r1[GigabitEthernet1/3]"] and f["severity"] == "warning" for f in pre)
