"""Tokens that cannot be forged, leases that belong to someone (issue 14, item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from validator.cli import main
from validator.coord import (
    LeaseConflict,
    PlanRefused,
    acquire_lease,
    list_leases,
    make_plan_token,
    policies_digest_at,
    read_events,
    record_apply,
    release_lease,
    verify_plan,
)
from validator.coord.common import CLOCK_SKEW
from validator.coord.inflight import Other, conflicts
from validator.coord.plans import is_recorded, plan_ref, record_plan
from validator.coord.token import content_digest
from validator.snapshot import gitrefs


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True)
    return proc.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("VALIDATOR_PLAN_KEY", raising=False)
    monkeypatch.delenv("VALIDATOR_REGISTRY", raising=False)
    r = tmp_path / "net"
    (r / "snap" / "configs").mkdir(parents=True)
    (r / "policies").mkdir()
    git(r, "init", "-q", "-b", "main")
    git(r, "config", "user.email", "t@example.com")
    git(r, "config", "user.name", "t")
    for dev in ("core1", "core2"):
        (r / "snap" / "configs" / f"{dev}.cfg").write_text(f"hostname {dev}\n")
    (r / "policies" / "p.yaml").write_text("version: 1\n")
    git(r, "add", ".")
    git(r, "commit", "-q", "-m", "base")
    for dev in ("core1", "core2"):
        git(r, "checkout", "-q", "-b", f"change-{dev}", "main")
        (r / "snap" / "configs" / f"{dev}.cfg").write_text(f"hostname {dev}\ninterface Gi0/1\n")
        git(r, "commit", "-q", "-a", "-m", f"change {dev}")
    git(r, "checkout", "-q", "main")
    return r


def token_for(repo: Path, dev: str = "core1", *, record: bool = True, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "repo": str(repo),
        "base_commit": "main",
        "head_commit": f"change-{dev}",
        "snapshot_path": "snap",
        "policies_digest": policies_digest_at(str(repo), "main", "policies"),
        "policies_path": "policies",
        "intent_digest": None,
        "engine": "builtin",
        "engine_version": "0",
        "devices": [dev],
        "verdict": "pass",
        "target": "main",
    }
    args.update(kw)
    token = make_plan_token(**args)
    if record:
        record_plan(str(repo), token)
    return token


def test_plan_record_is_a_commit_keeping_the_change_reachable(repo: Path) -> None:
    token = token_for(repo)
    ref = plan_ref(token["digest"])
    assert git(repo, "cat-file", "-t", ref) == "commit"
    assert set(git(repo, "rev-list", "--parents", "-n1", ref).split()[1:]) == {
        token["head"]["commit"],
        token["base"]["commit"],
    }
    assert json.loads(git(repo, "show", f"{ref}:token.json")) == token
    assert is_recorded(str(repo), token)
    record_plan(str(repo), token)  # recording again is harmless


def test_forged_unsigned_token_is_refused(repo: Path) -> None:
    blocked = token_for(repo, verdict="block")
    forged = {**blocked, "verdict": "pass"}
    forged["digest"] = content_digest(forged)  # the digest matches: only the registry can tell
    for act in (
        lambda: verify_plan(forged, repo=str(repo)),
        lambda: record_apply(forged, repo=str(repo)),
        lambda: acquire_lease(str(repo), ["core1"], "x", "5m", plan=forged),
    ):
        with pytest.raises(PlanRefused, match="neither recorded in the registry"):
            act()
    assert not gitrefs.list_refs(str(repo), "refs/validator/leases/")
    # the genuine blocked token is recorded, and refused for its verdict
    with pytest.raises(PlanRefused, match="'block', not 'pass'"):
        record_apply(blocked, repo=str(repo))


def test_empty_devices_token_is_refused(repo: Path) -> None:
    token = token_for(repo)
    forged = {**token, "devices": [], "generations": {}}
    forged["digest"] = content_digest(forged)
    with pytest.raises(PlanRefused, match="neither recorded"):
        record_apply(forged, repo=str(repo))
    # even a genuine, recorded token without devices is refused: it would skip every check
    empty = token_for(repo, devices=[])
    with pytest.raises(PlanRefused, match="touches no devices"):
        verify_plan(empty, repo=str(repo))
    with pytest.raises(PlanRefused, match="touches no devices"):
        record_apply(empty, repo=str(repo))


def test_signed_token_is_trusted_without_a_record(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VALIDATOR_PLAN_KEY", "k")
    token = token_for(repo, record=False)
    verify_plan(token, repo=str(repo))
    forged = {**token, "generations": {"core1": 9}}
    forged["digest"] = content_digest(forged)
    with pytest.raises(PlanRefused, match="signature does not match"):
        verify_plan(forged, repo=str(repo))


def test_non_owner_release_refused_unless_forced_and_logged(repo: Path) -> None:
    held = acquire_lease(str(repo), ["core1"], "alice", "30m")
    with pytest.raises(LeaseConflict, match="only its owner may release it"):
        release_lease(str(repo), ["core1"], "mallory")
    assert list_leases(str(repo))["core1"].owner == "alice"
    assert release_lease(str(repo), ["core1"], "oncall", force=True) == ["core1"]
    event = read_events(str(repo))[0]
    assert event["event"] == "force-release" and event["owner"] == "oncall"
    assert event["forced"] == [{"device": "core1", "owner": "alice", "lease_id": held.lease_id}]


def test_clock_31_minutes_ahead_does_not_take_over_a_live_30_minute_lease(repo: Path) -> None:
    first = acquire_lease(str(repo), ["core1"], "alice", "30m")
    ahead = first.acquired_at + timedelta(minutes=31)  # the other host's clock
    with pytest.raises(LeaseConflict, match="core1 is held by alice"):
        acquire_lease(str(repo), ["core1"], "bob", "30m", now=ahead)
    # a real expiry (beyond the margin) is taken over
    taken = acquire_lease(str(repo), ["core1"], "bob", "30m", now=first.expires_at + CLOCK_SKEW)
    assert list_leases(str(repo))["core1"].lease_id == taken.lease_id


def test_lease_list_shows_host_and_clock(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ahead = acquire_lease(str(repo), ["core1"], "skewed", "30m", now=None)
    assert ahead.host
    future = acquire_lease(str(repo), ["core2"], "future", "30m", now=ahead.acquired_at + timedelta(minutes=31))
    assert main(["lease", "list", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert f"host {ahead.host} clock " in out
    assert "(holder clock 31m ahead of this host)" in out or "(holder clock 30m ahead of this host)" in out
    assert main(["lease", "list", "--repo", str(repo), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["device"]: r["clock"] for r in rows}["core2"] == rows[1]["acquired_at"] == future.to_json()["clock"]


def test_stale_log_lock_is_recovered(repo: Path) -> None:
    acquire_lease(str(repo), ["core1"], "a", "5m")  # the log exists
    lock = Path(gitrefs.repo_root(str(repo))) / "refs" / "validator" / "log.lock"
    lock.write_text("left by a killed process\n")
    old = time.time() - 3600
    os.utime(lock, (old, old))
    start = time.monotonic()
    acquire_lease(str(repo), ["core2"], "b", "5m")
    assert time.monotonic() - start < 30  # not the 60 s of contention it used to wait
    assert not lock.exists()


def test_young_lock_is_left_alone(repo: Path) -> None:
    acquire_lease(str(repo), ["core1"], "a", "5m")
    lock = Path(gitrefs.repo_root(str(repo))) / "refs" / "validator" / "log.lock"
    lock.write_text("a live writer\n")
    message = f"fatal: Unable to create '{lock}': File exists."
    assert gitrefs.recover_stale_lock(str(repo), message) is None
    assert lock.exists()
    # and nothing outside refs/validator/ is ever touched
    other = Path(gitrefs.repo_root(str(repo))) / "refs" / "heads" / "main.lock"
    other.write_text("x")
    os.utime(other, (0, 0))
    assert gitrefs.recover_stale_lock(str(repo), f"Unable to create '{other}': File exists.") is None
    assert other.exists()
    other.unlink()


def test_inflight_union_merges_the_other_change_and_fails_closed(repo: Path) -> None:
    ours, theirs = token_for(repo, "core1"), token_for(repo, "core2")
    seen: list[tuple[str, str]] = []

    def checker(registry: str, tok: Any, base: str, head: str) -> list[str]:
        seen.append((base, head))
        return ["staged: failing core1, core2 together cuts a -> b"]

    other = Other("alice", "l" * 32, ("core2",), theirs["digest"], theirs)
    reasons = conflicts(str(repo), ours, [other], checker)
    assert reasons == [
        f"together with lease llllllll of alice (plan {theirs['digest'][:19]}, devices core2), the combined "
        "change fails: staged: failing core1, core2 together cuts a -> b"
    ]
    base, head = seen[0]
    assert base == ours["base"]["commit"]
    # the combined head has both changes
    assert "interface Gi0/1" in git(repo, "show", f"{head}:snap/configs/core1.cfg")
    assert "interface Gi0/1" in git(repo, "show", f"{head}:snap/configs/core2.cfg")
    assert conflicts(str(repo), ours, [other], lambda *a: []) == []
    # a lease without a plan, or changes to the same file: not understood, refused
    blind = Other("bob", "m" * 32, ("core2",), None, None)
    assert "acquired without --plan" in conflicts(str(repo), ours, [blind], checker)[0]
    same = token_for(repo, "core1")
    git(repo, "checkout", "-q", "-b", "clash", "main")
    (repo / "snap" / "configs" / "core1.cfg").write_text("hostname core1\ninterface Gi0/9\n")
    git(repo, "commit", "-q", "-a", "-m", "clash")
    git(repo, "checkout", "-q", "main")
    clash = token_for(repo, "core1", head_commit="clash")
    clashing = Other("carol", "n" * 32, ("core9",), clash["digest"], clash)
    assert "changes the same files (snap/configs/core1.cfg)" in conflicts(str(repo), same, [clashing], checker)[0]


def test_registry_that_is_not_a_repository_is_bad_input(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VALIDATOR_REGISTRY", str(tmp_path / "nowhere"))
    assert main(["lease", "list", "--repo", str(repo)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "$VALIDATOR_REGISTRY" in err and "not a git repository" in err
    monkeypatch.delenv("VALIDATOR_REGISTRY")
    assert main(["lease", "list", "--repo", str(repo), "--registry", str(tmp_path)]) == 2
    assert "--registry" in capsys.readouterr().err
