"""Waivers (``.validator/waivers.yaml`` of the base): a live waiver turns its finding into
``waived`` and the verdict into pass; an expired one blocks and says so; the change's own
waivers file is never read; a malformed file is bad input (exit 2)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import GitRepo, change_dir, copy_base, git, run_cli

from validator.model.verdict import Finding, Location
from validator.policy.waivers import apply_waivers, finding_fingerprint, load_waivers

CHANGE = "open-forbidden-flow"  # blocks on db-closed only


def _waivers(expires: str, match: str = "{policy: db-closed}") -> str:
    return (
        "version: 1\nwaivers:\n"
        f"  - match: {match}\n    reason: NET-1 db opened for the migration\n"
        f"    owner: netops@example.com\n    expires: {expires}\n"
    )


def _check(capsys: pytest.CaptureFixture[str], base: Path, state_policies: Path, fmt: str = "json") -> tuple[int, str]:
    run = run_cli(
        capsys,
        [
            "check",
            "--base-dir",
            str(base),
            "--head-dir",
            str(change_dir(CHANGE)),
            "--policies",
            str(state_policies),
            "--format",
            fmt,
        ],
    )
    return run.code, run.out


@pytest.fixture(scope="module")
def base_with(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    def make(text: str) -> Path:
        base = copy_base(tmp_path_factory.mktemp("base") / "base")
        (base / ".validator").mkdir()
        (base / ".validator" / "waivers.yaml").write_text(text)
        return base

    return make


def test_live_waiver_passes_and_lists_the_finding_as_waived(
    base_with: Callable[[str], Path], state_policies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = base_with(_waivers((dt.date.today() + dt.timedelta(days=30)).isoformat()))
    code, out = _check(capsys, base, state_policies)
    doc = json.loads(out)
    assert code == 0 and doc["verdict"] == "pass"
    waived = [f for f in doc["findings"] if f["status"] == "waived"]
    assert waived and all(f["policy"] == "db-closed" for f in waived)
    assert waived[0]["waiver"]["owner"] == "netops@example.com"
    code, md = _check(capsys, base, state_policies, "markdown")
    assert "(waived)" in md


def test_expired_waiver_blocks_and_says_so(
    base_with: Callable[[str], Path], state_policies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = base_with(_waivers("2020-01-01"))
    code, out = _check(capsys, base, state_policies, "text")
    assert code == 1
    assert "waiver expired on 2020-01-01" in out


def test_malformed_waivers_file_is_bad_input(
    base_with: Callable[[str], Path], state_policies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = base_with("version: 1\nwaivers:\n  - match: {policy: db-closed}\n    owner: me\n    expires: 2030-01-01\n")
    run = run_cli(
        capsys,
        ["check", "--base-dir", str(base), "--head-dir", str(change_dir(CHANGE)), "--policies", str(state_policies)],
    )
    assert run.code == 2
    assert "waivers.yaml" in run.err and "reason" in run.err and "Traceback" not in run.err


def test_a_change_cannot_waive_its_own_findings(
    repo_factory: Callable[..., GitRepo], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repo_factory(change_dir(CHANGE))
    (repo.path / ".validator").mkdir(exist_ok=True)
    (repo.path / ".validator" / "waivers.yaml").write_text(_waivers("2099-01-01"))
    git(repo.path, "add", "-A")
    git(repo.path, "commit", "-q", "-m", "waive my own finding")
    run = run_cli(capsys, ["check", "--repo", str(repo.path), "--snapshot", "network", "--policies", "policies"])
    assert run.code == 1


def test_match_keys_and_fingerprint() -> None:
    f = Finding(
        "web-open", "reachability", "denied", locations=(Location("configs/az1-r1.cfg", 42, " deny ip any any"),)
    )
    future = "2099-01-01"
    for match in (
        "{device: az1-r1}",
        "{location: 'configs/az1-r1.cfg:42'}",
        f"{{fingerprint: {finding_fingerprint(f)[:12]}}}",
        "{policy: web-open, check: reachability}",
    ):
        (out,) = apply_waivers([f], load_waivers(_waivers(future, match)))
        assert out.status == "waived" and not out.blocking, match
    (out,) = apply_waivers([f], load_waivers(_waivers(future, "{policy: web-open, check: hygiene}")))
    assert out.blocking


def test_policies_lint_checks_a_waivers_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "ok" / "waivers.yaml"
    good.parent.mkdir()
    good.write_text(_waivers("2020-01-01"))
    run = run_cli(capsys, ["policies", "lint", str(good)])
    assert run.code == 0 and "ok: 1 waivers, 1 expired" in run.out and "expired on 2020-01-01" in run.out
    bad = tmp_path / "bad" / "waivers.yaml"
    bad.parent.mkdir()
    bad.write_text(_waivers("someday"))
    run = run_cli(capsys, ["policies", "lint", str(bad)])
    assert run.code == 2 and "expires" in run.out


def test_waivers_never_accept_what_the_gate_could_not_read_or_what_the_change_wrote() -> None:
    """Fail closed: an undecided or unmodelled finding is never waived, and a ``location`` or
    ``device`` waiver does not follow a line the change rewrote (only a ``policy`` waiver does)."""
    far = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    text = "version: 1\nwaivers:\n" + "".join(
        f"  - match: {m}\n    reason: r\n    owner: o@example.com\n    expires: {far}\n"
        for m in ("{device: edge1}", "{location: configs/edge1.cfg:44}")
    )
    rules = load_waivers(text)
    loc = (Location("configs/edge1.cfg", 44),)
    undecided = Finding(policy="p", check="reachability", message="m", locations=loc, status="undecided")
    unmodelled = Finding(policy="change", check="unmodelled", message="m", locations=loc)
    decided = Finding(policy="db-closed", check="reachability", message="m", locations=loc)
    edited = {"configs/edge1.cfg": {44}}
    out = apply_waivers([undecided, unmodelled, decided], rules, changed=edited)
    assert [f.status for f in out] == ["undecided", "new", "new"]
    assert all(f.severity == "error" for f in out)
    # the same finding on a line the change did not edit is waived by the location waiver
    assert apply_waivers([decided], rules, changed={})[0].status == "waived"
    # an explicit policy waiver accepts it even on an edited line (an owner's decision)
    by_policy = load_waivers(
        f"version: 1\nwaivers:\n  - match: {{policy: db-closed}}\n    reason: r\n    owner: o\n    expires: {far}\n"
    )
    assert apply_waivers([decided], by_policy, changed=edited)[0].status == "waived"
    assert apply_waivers([undecided], by_policy, changed=edited)[0].status == "undecided"
