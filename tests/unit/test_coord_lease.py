"""Leases on a real git repository: exclusivity, all-or-nothing, expiry, the audit log."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from validator.coord import (
    LeaseConflict,
    acquire_lease,
    lease,
    list_leases,
    read_events,
    release_lease,
)
from validator.coord.common import CLOCK_SKEW, iso, utcnow
from validator.errors import InputError


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> str:
    r = tmp_path / "net"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    (r / "a.txt").write_text("a\n")
    git(r, "add", ".")
    git(r, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "init")
    return str(r)


def test_acquire_list_release(repo: str) -> None:
    held = acquire_lease(repo, "core2,core1", "alice", "30m")
    assert held.devices == ("core1", "core2")
    assert held.expires_at - held.acquired_at == timedelta(minutes=30)
    refs = git(Path(repo), "for-each-ref", "--format=%(refname) %(objecttype)", "refs/validator/leases/")
    assert refs.splitlines() == ["refs/validator/leases/core1 blob", "refs/validator/leases/core2 blob"]
    listed = list_leases(repo)
    assert set(listed) == {"core1", "core2"}
    assert listed["core1"].owner == "alice" and listed["core1"].lease_id == held.lease_id
    assert release_lease(repo, ["core1", "core2"], "alice") == ["core1", "core2"]
    assert list_leases(repo) == {}
    assert release_lease(repo, ["core1"], "alice") == []  # idempotent


def test_overlap_is_refused_and_all_or_nothing(repo: str) -> None:
    acquire_lease(repo, ["core2"], "alice", "30m")
    with pytest.raises(LeaseConflict, match="core2 is held by alice"):
        acquire_lease(repo, ["core1", "core2", "core3"], "bob", "30m")
    # bob got nothing, not even the free devices
    assert set(list_leases(repo)) == {"core2"}
    # the same owner name is no pass either: two runs of one automation must not overlap
    with pytest.raises(LeaseConflict):
        acquire_lease(repo, ["core2"], "alice", "30m")
    acquire_lease(repo, ["core1", "core3"], "bob", "30m")


def test_release_of_someone_elses_lease_is_refused(repo: str) -> None:
    acquire_lease(repo, ["core1"], "alice", "30m")
    acquire_lease(repo, ["core2"], "bob", "30m")
    with pytest.raises(LeaseConflict, match="core1 is held by alice"):
        release_lease(repo, ["core1", "core2"], "bob")
    assert set(list_leases(repo)) == {"core1", "core2"}  # nothing released


def test_expired_lease_is_taken_over_and_logged(repo: str) -> None:
    first = acquire_lease(repo, ["core1", "core2"], "alice", "1m")
    with pytest.raises(LeaseConflict):
        acquire_lease(repo, ["core1"], "bob", "5m", now=first.acquired_at + timedelta(seconds=59))
    # the clock-skew margin: just past the holder's expiry is not yet a takeover
    with pytest.raises(LeaseConflict):
        acquire_lease(repo, ["core1"], "bob", "5m", now=first.expires_at + timedelta(seconds=1))
    later = first.expires_at + CLOCK_SKEW + timedelta(seconds=1)
    second = acquire_lease(repo, ["core1"], "bob", "5m", now=later)
    leases = list_leases(repo)
    assert leases["core1"].lease_id == second.lease_id
    assert leases["core2"].lease_id == first.lease_id and leases["core2"].expired(later)
    event = read_events(repo)[0]
    assert event["event"] == "acquire" and event["owner"] == "bob"
    assert event["took_over"] == [
        {"device": "core1", "owner": "alice", "lease_id": first.lease_id, "expired_at": iso(first.expires_at)}
    ]
    # alice's release cannot remove bob's lease: CAS on her own lease only
    with pytest.raises(LeaseConflict, match="held by bob"):
        release_lease(repo, ["core1", "core2"], "alice", lease_id=first.lease_id)
    assert release_lease(repo, ["core2"], "alice", lease_id=first.lease_id) == ["core2"]


def test_event_log_is_an_append_only_commit_chain(repo: str) -> None:
    acquire_lease(repo, ["core1"], "alice", "30m")
    release_lease(repo, ["core1"], "alice")
    acquire_lease(repo, ["core1"], "bob", "30m")
    events = read_events(repo)
    assert [(e["event"], e["owner"], e["devices"]) for e in events] == [
        ("acquire", "bob", ["core1"]),
        ("release", "alice", ["core1"]),
        ("acquire", "alice", ["core1"]),
    ]
    tip = events[0]["commit"]
    assert git(Path(repo), "rev-list", "--count", tip) == "3"
    assert git(Path(repo), "rev-parse", f"{tip}^") == events[1]["commit"]


def test_context_manager_releases(repo: str) -> None:
    with lease(repo, ["core1", "core2"], "deploy", "10m") as held:
        assert set(list_leases(repo)) == {"core1", "core2"}
        with pytest.raises(LeaseConflict):
            acquire_lease(repo, ["core2"], "other", "10m")
        assert held.owner == "deploy"
    assert list_leases(repo) == {}


def test_context_manager_releases_on_error(repo: str) -> None:
    with pytest.raises(RuntimeError, match="push failed"), lease(repo, ["core1"], "deploy", "10m"):
        raise RuntimeError("push failed")
    assert list_leases(repo) == {}


def test_context_manager_reports_a_lost_lease(repo: str) -> None:
    with pytest.raises(LeaseConflict, match="held by thief"), lease(repo, ["core1"], "slow", "1s") as held:
        acquire_lease(repo, ["core1"], "thief", "10m", now=utcnow() + CLOCK_SKEW + timedelta(seconds=5))
        assert held.owner == "slow"
    assert list_leases(repo)["core1"].owner == "thief"


def test_lease_records_plan_and_checks_coverage(repo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from validator.coord.token import seal

    monkeypatch.setenv("VALIDATOR_PLAN_KEY", "k")  # a signed token is trusted without a record

    token = seal(
        {
            "schema": "validator.plan/1",
            "verdict": "pass",
            "base": {"commit": "a" * 40},
            "head": {"commit": "b" * 40},
            "snapshot_path": "",
            "policies": {"digest": "x", "path": None},
            "engine": {"name": "builtin", "version": "1"},
            "devices": ["core1", "core2"],
            "generations": {"core1": 0, "core2": 0},
            "created_at": "2030-01-01T00:00:00Z",
        },
        b"k",
    )
    with pytest.raises(InputError, match="core2, which the lease does not cover"):
        acquire_lease(repo, ["core1"], "deploy", "10m", plan=token)
    held = acquire_lease(repo, ["core1", "core2"], "deploy", "10m", plan=token)
    assert held.plan_digest == token["digest"]
    assert read_events(repo)[0]["plan_digest"] == token["digest"]


def test_bad_inputs(repo: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ttl"):
        acquire_lease(repo, ["core1"], "a", "30x")
    with pytest.raises(InputError, match="device name"):
        acquire_lease(repo, ["core1/../../heads/main"], "a", "30m")
    with pytest.raises(InputError, match="not a git repository"):
        acquire_lease(str(tmp_path), ["core1"], "a", "30m")
    with pytest.raises(InputError, match="owner"):
        acquire_lease(repo, ["core1"], "a b", "30m")
    assert list_leases(repo) == {}
