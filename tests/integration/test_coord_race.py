"""Real concurrency: separate processes racing for leases and applies on one repository."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from validator.coord import (
    LeaseConflict,
    PlanRefused,
    acquire_lease,
    list_leases,
    make_plan_token,
    read_events,
    read_generations,
    record_apply,
    release_lease,
)
from validator.coord.common import CLOCK_SKEW
from validator.coord.plans import record_plan

ROOT = Path(__file__).resolve().parents[2]


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("VALIDATOR_PLAN_KEY", raising=False)
    r = tmp_path / "net"
    (r / "snap" / "configs").mkdir(parents=True)
    git(r, "init", "-q", "-b", "main")
    for dev in ("core1", "core2"):
        (r / "snap" / "configs" / f"{dev}.cfg").write_text(f"hostname {dev}\n")
    git(r, "add", ".")
    git(r, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "init")
    return r


def _ctx() -> Any:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _acquire_racer(repo: str, devices: list[str], owner: str, barrier: Any, results: Any) -> None:
    try:
        barrier.wait(timeout=60)
        held = acquire_lease(repo, devices, owner, "10m")
        results.put((owner, "won", list(held.devices)))
    except LeaseConflict as exc:
        results.put((owner, "lost", str(exc)))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put((owner, "error", f"{type(exc).__name__}: {exc}"))


def _race(repo: Path, sets: list[list[str]]) -> dict[str, tuple[str, Any]]:
    ctx = _ctx()
    barrier = ctx.Barrier(len(sets))
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_acquire_racer, args=(str(repo), devs, f"racer{i}", barrier, results))
        for i, devs in enumerate(sets)
    ]
    for p in procs:
        p.start()
    out = {}
    for _ in procs:
        owner, outcome, detail = results.get(timeout=120)
        out[owner] = (outcome, detail)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


def test_overlapping_racers_exactly_one_wins_every_time(repo: Path) -> None:
    rng = random.Random(1234)
    for trial in range(30):
        n = 2 + trial % 3  # 2, 3 or 4 racers
        shared = f"t{trial}-core1"
        sets = [[shared, *rng.sample([f"t{trial}-core{k}" for k in range(2, 7)], rng.randint(0, 3))] for _ in range(n)]
        out = _race(repo, sets)
        errors = {o: d for o, (k, d) in out.items() if k == "error"}
        assert not errors, errors
        winners = [o for o, (k, _) in out.items() if k == "won"]
        assert len(winners) == 1, (trial, out)
        winner = winners[0]
        # the refs hold exactly the winner's devices (losers got nothing: all or nothing)
        leases = {d: lz for d, lz in list_leases(str(repo)).items() if d.startswith(f"t{trial}-")}
        assert set(leases) == set(out[winner][1])
        assert {lz.owner for lz in leases.values()} == {winner}
        for k, detail in out.values():
            if k == "lost":
                assert "is held by" in detail
    acquires = [e for e in read_events(str(repo)) if e["event"] == "acquire"]
    assert len(acquires) == 30


def test_chained_overlaps_never_share_a_device(repo: Path) -> None:
    # a-b, b-c, c-d: several may win, but no two winners overlap, and each loser met a winner
    for trial in range(10):
        names = [f"c{trial}-{k}" for k in range(5)]
        sets = [[names[i], names[i + 1]] for i in range(4)]
        out = _race(repo, sets)
        assert all(k != "error" for k, _ in out.values()), out
        won = [set(out[f"racer{i}"][1]) for i in range(4) if out[f"racer{i}"][0] == "won"]
        assert won
        for i, a in enumerate(won):
            for b in won[i + 1 :]:
                assert not a & b
        held = {d for d in list_leases(str(repo)) if d.startswith(f"c{trial}-")}
        assert held == set().union(*won)
        for i in range(4):
            if out[f"racer{i}"][0] == "lost":
                assert any(set(sets[i]) & w for w in won)


def test_cli_processes_racing(repo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    for trial in range(5):
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "validator",
                    "lease",
                    "acquire",
                    "--devices",
                    f"x{trial}-core1,x{trial}-core{i + 2}",
                    "--owner",
                    f"cli{i}",
                    "--ttl",
                    "5m",
                    "--repo",
                    str(repo),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                cwd=str(ROOT),
            )
            for i in range(3)
        ]
        codes = []
        for p in procs:
            _out, err = p.communicate(timeout=120)
            codes.append(p.returncode)
            assert "Traceback" not in err
        assert sorted(codes) == [0, 1, 1], codes


def _apply_racer(repo: str, token: dict[str, Any], barrier: Any, results: Any) -> None:
    try:
        barrier.wait(timeout=60)
        record_apply(token, repo=repo)
        results.put(("won", token["digest"]))
    except PlanRefused as exc:
        results.put(("lost", str(exc)))
    except BaseException as exc:
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def test_racing_applies_of_plans_from_the_same_generation(repo: Path) -> None:
    ctx = _ctx()
    for trial in range(8):
        tokens = [
            make_plan_token(
                repo=str(repo),
                base_commit="main",
                head_commit="main",
                snapshot_path="snap",
                policies_digest="sha256:x",
                intent_digest=None,
                engine="builtin",
                engine_version="0",
                devices=["core1", "core2"],
                verdict="pass",
            )
            for _ in range(3)
        ]
        for t in tokens:
            record_plan(str(repo), t)  # as check --plan-out does
        assert all(t["generations"] == {"core1": trial, "core2": trial} for t in tokens)
        barrier = ctx.Barrier(len(tokens))
        results = ctx.Queue()
        procs = [ctx.Process(target=_apply_racer, args=(str(repo), t, barrier, results)) for t in tokens]
        for p in procs:
            p.start()
        out = [results.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert sorted(k for k, _ in out) == ["lost", "lost", "won"], out
        winner = next(d for k, d in out if k == "won")
        gens = read_generations(str(repo), ["core1", "core2"])
        assert {g.generation for g in gens.values()} == {trial + 1}
        assert {g.plan_digest for g in gens.values()} == {winner}


CRASHER = """
import sys, time
from validator.coord import lease
with lease(sys.argv[1], ["core1", "core2"], "crasher", "30m"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_killed_holder_leaves_a_lease_that_expires(repo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHER, str(repo)], stdout=subprocess.PIPE, text=True, env=env, cwd=str(ROOT)
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    leases = list_leases(str(repo))
    assert {lz.owner for lz in leases.values()} == {"crasher"}
    assert leases["core1"].pid == proc.pid
    # still live: blocks others until it expires...
    with pytest.raises(LeaseConflict, match="held by crasher"):
        acquire_lease(str(repo), ["core2"], "next", "10m")
    # ...but not forever: once expired it is taken over
    after = leases["core1"].expires_at + CLOCK_SKEW + timedelta(seconds=1)
    taken = acquire_lease(str(repo), ["core1", "core2"], "next", "10m", now=after)
    assert {lz.lease_id for lz in list_leases(str(repo)).values()} == {taken.lease_id}
    assert {t["owner"] for t in read_events(str(repo))[0]["took_over"]} == {"crasher"}
    assert release_lease(str(repo), ["core1", "core2"], "next") == ["core1", "core2"]
