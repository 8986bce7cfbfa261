"""Plan tokens against real git repositories: what binds a verdict, and what makes it stale."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from validator.coord import (
    PlanRefused,
    acquire_lease,
    make_plan_token,
    policies_digest_at,
    policies_digest_dir,
    read_events,
    read_generations,
    record_apply,
    verify_plan,
    write_plan_token,
)
from validator.coord.common import parse_iso
from validator.coord.plans import record_plan
from validator.coord.token import content_digest
from validator.errors import InputError


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return proc.stdout.strip()


def commit_file(repo: Path, rel: str, text: str, msg: str) -> str:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(repo, "add", rel)
    git(repo, "commit", "-q", "-m", msg)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main: a 3-device snapshot + policies; branch 'change' edits core1."""
    monkeypatch.delenv("VALIDATOR_PLAN_KEY", raising=False)
    r = tmp_path / "net"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    git(r, "config", "user.email", "t@example.com")
    git(r, "config", "user.name", "t")
    for dev in ("core1", "core2", "core3"):
        (r / "snap" / "configs").mkdir(parents=True, exist_ok=True)
        (r / "snap" / "configs" / f"{dev}.cfg").write_text(f"hostname {dev}\n")
    (r / "policies").mkdir()
    (r / "policies" / "main.yaml").write_text("version: 1\npolicies: []\n")
    (r / "README.md").write_text("network\n")
    git(r, "add", ".")
    git(r, "commit", "-q", "-m", "base")
    git(r, "checkout", "-q", "-b", "change")
    commit_file(r, "snap/configs/core1.cfg", "hostname core1\ninterface Gi0/0\n", "change core1")
    git(r, "checkout", "-q", "main")
    return r


def token_for(
    repo: Path, *, head: str = "change", devices: list[str] | None = None, record: bool = True, **kw: Any
) -> dict[str, Any]:
    """A token as ``check --plan-out`` issues it: recorded in the registry unless ``record`` is off."""
    args: dict[str, Any] = {
        "repo": str(repo),
        "base_commit": "main",
        "head_commit": head,
        "snapshot_path": "snap",
        "policies_digest": policies_digest_at(str(repo), "main", "policies"),
        "intent_digest": None,
        "engine": "builtin",
        "engine_version": "0.1.0",
        "devices": ["core1"] if devices is None else devices,
        "verdict": "pass",
        "policies_path": "policies",
        "target": "main",
    }
    args.update(kw)
    token = make_plan_token(**args)
    if record:
        record_plan(str(repo), token)
    return token


def test_token_binds_commits_trees_and_generations(repo: Path) -> None:
    token = token_for(repo)
    assert token["base"] == {"commit": git(repo, "rev-parse", "main"), "tree": git(repo, "rev-parse", "main:snap")}
    assert token["head"] == {
        "commit": git(repo, "rev-parse", "change"),
        "tree": git(repo, "rev-parse", "change:snap"),
    }
    assert token["base"]["tree"] != token["head"]["tree"]
    assert token["generations"] == {"core1": 0}
    assert token["digest"] == content_digest(token)
    assert token["signature"] is None
    verify_plan(token, repo=str(repo))


def test_token_round_trips_through_a_file(repo: Path, tmp_path: Path) -> None:
    token = token_for(repo)
    path = tmp_path / "plan.json"
    write_plan_token(token, path)
    assert json.loads(path.read_text()) == token
    assert verify_plan(path, repo=str(repo))["digest"] == token["digest"]


def test_base_moved_is_refused(repo: Path) -> None:
    token = token_for(repo)
    commit_file(repo, "snap/configs/core2.cfg", "hostname core2\nrouter ospf 1\n", "another change lands")
    with pytest.raises(PlanRefused) as info:
        verify_plan(token, repo=str(repo))
    assert any(r.startswith("base moved") for r in info.value.reasons)
    assert "re-run the gate on the new base" in info.value.remedy


def test_unrelated_commit_on_target_does_not_invalidate(repo: Path) -> None:
    token = token_for(repo)
    commit_file(repo, "README.md", "network docs\n", "docs only")
    verify_plan(token, repo=str(repo))


def test_policies_changed_is_refused(repo: Path) -> None:
    token = token_for(repo)
    commit_file(repo, "policies/main.yaml", "version: 1\npolicies: [x]\n", "weaker policy")
    with pytest.raises(PlanRefused) as info:
        verify_plan(token, repo=str(repo))
    assert [r for r in info.value.reasons if r.startswith("policies changed")]
    assert not [r for r in info.value.reasons if r.startswith("base moved")]


def test_pushing_a_different_head_is_refused(repo: Path) -> None:
    token = token_for(repo)
    git(repo, "checkout", "-q", "change")
    commit_file(repo, "snap/configs/core3.cfg", "hostname core3\nshutdown\n", "sneaked in after the check")
    git(repo, "checkout", "-q", "main")
    with pytest.raises(PlanRefused, match="head changed"):
        verify_plan(token, repo=str(repo), head="change")
    # the validated commit itself still matches
    verify_plan(token, repo=str(repo), head=token["head"]["commit"])


def test_rebased_head_with_same_tree_is_accepted(repo: Path) -> None:
    token = token_for(repo)
    commit_file(repo, "README.md", "docs\n", "docs only")
    git(repo, "checkout", "-q", "change")
    git(repo, "rebase", "-q", "main")
    git(repo, "checkout", "-q", "main")
    verify_plan(token, repo=str(repo), head="change")


def test_non_pass_verdict_is_refused(repo: Path) -> None:
    token = token_for(repo, verdict="block")
    with pytest.raises(PlanRefused, match="'block', not 'pass'"):
        verify_plan(token, repo=str(repo))


def test_old_token_is_refused(repo: Path) -> None:
    token = token_for(repo)
    created = parse_iso(token["created_at"], what="t")
    verify_plan(token, repo=str(repo), now=created + timedelta(minutes=59))
    with pytest.raises(PlanRefused, match="older than the allowed 1h"):
        verify_plan(token, repo=str(repo), now=created + timedelta(hours=2))
    verify_plan(token, repo=str(repo), now=created + timedelta(hours=2), max_age=timedelta(hours=3))
    verify_plan(token, repo=str(repo), now=created + timedelta(days=30), max_age=None)


def test_tampered_unsigned_token_is_refused(repo: Path) -> None:
    token = token_for(repo)
    token["devices"] = []
    with pytest.raises(PlanRefused, match="digest mismatch"):
        verify_plan(token, repo=str(repo))


def test_signed_tokens(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALIDATOR_PLAN_KEY", "s3cret")
    token = token_for(repo)
    assert token["signature"]["alg"] == "hmac-sha256"
    verify_plan(token, repo=str(repo))
    forged = {**token, "verdict": "pass", "generations": {"core1": 7}}
    forged["digest"] = content_digest(forged)
    with pytest.raises(PlanRefused, match="signature does not match"):
        verify_plan(forged, repo=str(repo))
    monkeypatch.setenv("VALIDATOR_PLAN_KEY", "other")
    with pytest.raises(PlanRefused, match="signature does not match"):
        verify_plan(token, repo=str(repo))


def test_replay_after_newer_apply_is_refused(repo: Path) -> None:
    old = token_for(repo)
    new = token_for(repo)  # a second plan validated at the same generation
    gens = record_apply(new, repo=str(repo))
    assert gens["core1"].generation == 1
    assert read_generations(str(repo), ["core1"])["core1"].plan_digest == new["digest"]
    with pytest.raises(PlanRefused, match="superseded: core1 is at apply generation 1"):
        verify_plan(old, repo=str(repo))
    with pytest.raises(PlanRefused, match="validated at generation 0"):
        record_apply(old, repo=str(repo))
    with pytest.raises(PlanRefused, match="this very plan"):
        record_apply(new, repo=str(repo))
    assert read_generations(str(repo), ["core1"])["core1"].generation == 1
    git(repo, "merge", "-q", "--ff-only", "change")  # the applied change lands on the target
    # a plan issued now sees generation 1 and may be applied next
    fresh = token_for(repo)
    assert fresh["generations"] == {"core1": 1}
    verify_plan(fresh, repo=str(repo))
    assert record_apply(fresh, repo=str(repo))["core1"].generation == 2
    events = [e["event"] for e in read_events(str(repo))]
    assert events == ["apply", "apply"]


def test_generations_are_per_device(repo: Path) -> None:
    a = token_for(repo, devices=["core1"])
    b = token_for(repo, devices=["core2", "core3"])
    record_apply(a, repo=str(repo))
    # disjoint devices: no supersession, but a's apply moved the target's state (issue 14)
    with pytest.raises(PlanRefused) as info:
        verify_plan(b, repo=str(repo))
    assert not [r for r in info.value.reasons if r.startswith("superseded")]
    assert [r for r in info.value.reasons if r.startswith(f"base moved: plan {a['digest'][:19]} was applied to main")]
    git(repo, "merge", "-q", "--ff-only", "change")
    b = token_for(repo, devices=["core2", "core3"])
    verify_plan(b, repo=str(repo))
    record_apply(b, repo=str(repo))
    assert {d: g.generation for d, g in read_generations(str(repo), ["core1", "core2", "core3"]).items()} == {
        "core1": 1,
        "core2": 1,
        "core3": 1,
    }


def test_record_apply_refuses_non_pass(repo: Path) -> None:
    with pytest.raises(PlanRefused, match="not 'pass'"):
        record_apply(token_for(repo, verdict="error"), repo=str(repo))
    assert read_generations(str(repo), ["core1"])["core1"].generation == 0


def test_lease_owner_requirement(repo: Path) -> None:
    token = token_for(repo)
    with pytest.raises(PlanRefused, match="not leased by deploy"):
        verify_plan(token, repo=str(repo), lease_owner="deploy")
    acquire_lease(str(repo), ["core1"], "deploy", "10m", plan=token)
    verify_plan(token, repo=str(repo), lease_owner="deploy")
    with pytest.raises(PlanRefused, match="held by deploy"):
        verify_plan(token, repo=str(repo), lease_owner="someone-else")


def test_every_reason_is_reported(repo: Path) -> None:
    token = token_for(repo)
    commit_file(repo, "snap/configs/core2.cfg", "changed\n", "x")
    commit_file(repo, "policies/main.yaml", "changed\n", "y")
    record_apply(token_for(repo, head="change"), repo=str(repo))
    with pytest.raises(PlanRefused) as info:
        verify_plan(token, repo=str(repo))
    kinds = {r.split(":")[0] for r in info.value.reasons}
    assert {"base moved", "policies changed", "superseded"} <= kinds


def test_policies_digest_same_in_git_and_on_disk(repo: Path) -> None:
    in_git = policies_digest_at(str(repo), "main", "policies")
    assert in_git == policies_digest_dir(repo / "policies")
    assert policies_digest_at(str(repo), "main", "policies/main.yaml") == policies_digest_dir(
        repo / "policies" / "main.yaml"
    )
    assert in_git != policies_digest_at(str(repo), "main", "snap")
    # a missing folder is the empty set, not an error: removing policies is a change
    assert policies_digest_at(str(repo), "main", "nope") != in_git


def test_bad_inputs(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a git repository"):
        token_for(tmp_path)  # tmp_path itself is not a repository
    with pytest.raises(InputError, match="not a commit"):
        token_for(repo, head="no-such-branch")
    with pytest.raises(InputError, match="lower-case"):
        token_for(repo, devices=["Core1"])
    with pytest.raises(InputError):
        token_for(repo, snapshot_path="../elsewhere")
    with pytest.raises(InputError, match="target"):
        verify_plan(token_for(repo), repo=str(repo), target="no-such-ref")


def test_record_apply_respects_leases(repo: Path) -> None:
    token = token_for(repo)
    acquire_lease(str(repo), ["core1"], "deploy-a", "10m")
    with pytest.raises(PlanRefused, match="core1 is leased by deploy-a"):
        record_apply(token, repo=str(repo), owner="deploy-b")
    assert read_generations(str(repo), ["core1"])["core1"].generation == 0
    assert record_apply(token, repo=str(repo), owner="deploy-a")["core1"].generation == 1
