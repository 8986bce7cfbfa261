"""The deployment flow end to end through ``validator.cli.main``: exit codes, messages, and that
nothing but refs under refs/validator/ ever changes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from validator.cli import main
from validator.cli.coord import write_check_plan
from validator.coord.plans import record_plan


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # so that our own `git status` does not refresh the index
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()


def commit_file(repo: Path, rel: str, text: str, msg: str) -> None:
    (repo / rel).write_text(text)
    git(repo, "add", rel)
    git(repo, "commit", "-q", "-m", msg)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("VALIDATOR_PLAN_KEY", raising=False)
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
    git(r, "checkout", "-q", "-b", "change")
    commit_file(r, "snap/configs/core1.cfg", "hostname core1\ninterface Gi0/1\n", "change core1")
    git(r, "checkout", "-q", "main")
    (r / "untracked.txt").write_text("left alone\n")  # a dirty work tree must stay as it is
    return r


def plan(repo: Path, path: Path, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "repo": str(repo),
        "base_commit": "main",
        "head_commit": "change",
        "snapshot_path": "snap",
        "verdict": "pass",
        "engine": "builtin",
        "engine_version": "0.1.0",
        "devices": ["core1"],
        "policies_path": "policies",
        "target": "main",
    }
    args.update(kw)
    return write_check_plan(path, **args)


def state(repo: Path) -> dict[str, Any]:
    """Everything the coordination commands must never change."""
    index_mtime = (repo / ".git" / "index").stat().st_mtime_ns
    files = {
        str(p.relative_to(repo)): p.read_bytes()
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    return {
        "status": git(repo, "status", "--porcelain", "--untracked-files=all"),
        "head": git(repo, "symbolic-ref", "HEAD"),
        "refs": [
            line
            for line in git(repo, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
            if not line.startswith("refs/validator/")
        ],
        "index_mtime": index_mtime,
        "files": files,
    }


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_deployment_flow_touches_only_validator_refs(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = tmp_path / "plan.json"
    plan(repo, token)
    before = state(repo)
    r = str(repo)
    code, out, _ = run(
        capsys, "lease", "acquire", "--plan", str(token), "--owner", "deploy-1", "--ttl", "30m", "--repo", r
    )
    assert code == 0 and "lease acquired: core1 by deploy-1" in out
    code, out, _ = run(capsys, "verify-plan", str(token), "--repo", r, "--owner", "deploy-1")
    assert code == 0 and out.startswith("plan OK")
    code, out, _ = run(capsys, "lease", "list", "--repo", r, "--format", "json")
    assert code == 0 and [x["device"] for x in json.loads(out)] == ["core1"]
    code, out, _ = run(capsys, "record-apply", str(token), "--repo", r, "--owner", "deploy-1")
    assert code == 0 and "core1 -> generation 1" in out
    code, out, _ = run(capsys, "lease", "release", "--plan", str(token), "--owner", "deploy-1", "--repo", r)
    assert code == 0 and "released: core1" in out
    code, out, _ = run(capsys, "lease", "list", "--repo", r)
    assert code == 0 and out.strip() == "no leases"
    assert state(repo) == before
    validator_refs = git(repo, "for-each-ref", "--format=%(refname)", "refs/validator/").splitlines()
    digest = json.loads(token.read_text())["digest"].removeprefix("sha256:")
    assert validator_refs == [
        "refs/validator/generations/core1",
        "refs/validator/log",
        f"refs/validator/plans/{digest}",  # recorded by check --plan-out
        "refs/validator/targets/main",  # the tree the applied plan left on main
    ]
    # run from inside the repository with the default --repo too (restored after the test: later
    # tests read fixtures by paths relative to the repository's root)
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "lease", "list")
    assert code == 0
    assert state(repo) == before


def test_refusals_exit_1_and_say_what_moved(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = tmp_path / "plan.json"
    plan(repo, token)
    r = str(repo)
    commit_file(repo, "snap/configs/core2.cfg", "hostname core2\nrouter bgp 1\n", "someone else's change lands")
    code, out, err = run(capsys, "verify-plan", str(token), "--repo", r)
    assert code == 1 and out == ""
    assert "plan refused: base moved: main" in err
    assert "remedy: re-run the gate on the new base" in err
    assert "Traceback" not in err

    code, _, err = run(capsys, "lease", "acquire", "--devices", "core1", "--owner", "a", "--repo", r)
    assert code == 0
    code, _, err = run(capsys, "lease", "acquire", "--devices", "core1,core2", "--owner", "b", "--repo", r)
    assert code == 1 and "core1 is held by a" in err
    code, _, err = run(capsys, "lease", "release", "--devices", "core1", "--owner", "b", "--repo", r)
    assert code == 1 and "held by a" in err


def test_replayed_and_tampered_tokens_refused(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    r = str(repo)
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    plan(repo, old)
    plan(repo, new)
    assert run(capsys, "record-apply", str(new), "--repo", r)[0] == 0
    git(repo, "merge", "-q", "--ff-only", "change")  # the applied change lands
    code, _, err = run(capsys, "verify-plan", str(old), "--repo", r)
    assert code == 1 and "superseded: core1 is at apply generation 1" in err
    code, _, err = run(capsys, "record-apply", str(old), "--repo", r)
    assert code == 1 and "validated at generation 0" in err

    fresh = tmp_path / "fresh.json"
    plan(repo, fresh)
    data = json.loads(fresh.read_text())
    data["devices"] = []
    data["generations"] = {}
    fresh.write_text(json.dumps(data))
    code, _, err = run(capsys, "verify-plan", str(fresh), "--repo", r)
    assert code == 1 and "digest mismatch" in err
    code, _, err = run(capsys, "record-apply", str(fresh), "--repo", r)
    assert code == 1 and "digest mismatch" in err

    monkeypatch.setenv("VALIDATOR_PLAN_KEY", "k")
    signed = tmp_path / "signed.json"
    plan(repo, signed)
    assert run(capsys, "verify-plan", str(signed), "--repo", r)[0] == 0
    data = json.loads(signed.read_text())
    data["generations"]["core1"] = 0
    data["verdict"] = "pass"
    data["head"]["tree"] = data["base"]["tree"]
    from validator.coord.token import content_digest

    data["digest"] = content_digest(data)
    signed.write_text(json.dumps(data))
    code, _, err = run(capsys, "verify-plan", str(signed), "--repo", r)
    assert code == 1 and "signature does not match" in err


def test_max_age_option(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = tmp_path / "plan.json"
    data = plan(repo, token)
    data["created_at"] = "2000-01-01T00:00:00Z"
    from validator.coord.token import seal

    resealed = seal(data, None)
    record_plan(str(repo), resealed)  # an old plan the gate did issue
    token.write_text(json.dumps(resealed))
    code, _, err = run(capsys, "verify-plan", str(token), "--repo", str(repo))
    assert code == 1 and "older than the allowed 1h" in err
    assert run(capsys, "verify-plan", str(token), "--repo", str(repo), "--max-age", "none")[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["verify-plan", "{tmp}/missing.json", "--repo", "{repo}"],
        ["verify-plan", "{tmp}/bad.json", "--repo", "{repo}"],
        ["verify-plan", "{tmp}/notatoken.json", "--repo", "{repo}"],
        ["verify-plan", "{tmp}/plan.json", "--repo", "{tmp}/notrepo"],
        ["verify-plan", "{tmp}/plan.json", "--repo", "{tmp}/nosuchdir"],
        ["verify-plan", "{tmp}/plan.json", "--repo", "{repo}", "--max-age", "1x"],
        ["verify-plan", "{tmp}/plan.json", "--repo", "{repo}", "--target", "nope"],
        ["verify-plan", "{tmp}/plan.json", "--repo", "{repo}", "--target", "--upload-pack=x"],
        ["record-apply", "{tmp}/bad.json", "--repo", "{repo}"],
        ["record-apply", "{tmp}/plan.json", "--repo", "{tmp}/notrepo"],
        ["lease", "acquire", "--devices", "Core1", "--owner", "a", "--repo", "{repo}"],
        ["lease", "acquire", "--devices", "core1/../../heads/main", "--owner", "a", "--repo", "{repo}"],
        ["lease", "acquire", "--devices", "a..b", "--owner", "a", "--repo", "{repo}"],
        ["lease", "acquire", "--devices", "core1", "--owner", "a", "--ttl", "30x", "--repo", "{repo}"],
        ["lease", "acquire", "--devices", "core1", "--owner", "a", "--repo", "{tmp}/notrepo"],
        ["lease", "acquire", "--devices", "core1", "--owner", "a b", "--repo", "{repo}"],
        ["lease", "acquire", "--owner", "a", "--repo", "{repo}"],
        ["lease", "acquire", "--plan", "{tmp}/bad.json", "--owner", "a", "--repo", "{repo}"],
        ["lease", "release", "--devices", ",", "--owner", "a", "--repo", "{repo}"],
        ["lease", "release", "--owner", "a", "--repo", "{repo}"],
        ["lease", "list", "--repo", "{tmp}/notrepo"],
        ["lease", "frobnicate"],
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan(repo, tmp_path / "plan.json")
    (tmp_path / "bad.json").write_text('{"schema": "validator.plan/1",\n  "verdict": pass}\n')
    (tmp_path / "notatoken.json").write_text('{"hello": 1}\n')
    (tmp_path / "notrepo").mkdir()
    before = state(repo)
    args = [a.format(tmp=tmp_path, repo=repo) for a in argv]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert code == 2, (args, out, err)
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert state(repo) == before
    assert git(repo, "for-each-ref", "refs/validator/leases/") == ""


def test_bad_json_message_names_file_and_line(tmp_path: Path, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "validator.plan/1",\n  "verdict": pass}\n')
    code, _, err = run(capsys, "verify-plan", str(bad), "--repo", str(repo))
    assert code == 2
    assert f"{bad}:2: plan token is not valid JSON" in err
