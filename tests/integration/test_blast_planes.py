"""Blast radius, inert changes, rollout order and the pre-existing baseline, end to end on the
transit-planes fixture (fixtures/README.md, ``fixtures/planes``): three AZ cores joined by two
independent transit planes A and B. Each case checks the verdict, the exit code and the waves."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import ROOT, error_policies, git, run_cli

from validator.cli import main

PLANES = ROOT / "fixtures" / "planes"
POLICIES = PLANES / "policies" / "planes.yaml"
BROKEN = PLANES / "broken-base"

# case -> (base folder, head folder, extra args, verdict, policies with an error finding)
CASES: dict[str, tuple[Path, Path, tuple[str, ...], str, frozenset[str]]] = {
    "acl-both-uplinks": (PLANES / "base", PLANES / "changes/acl-both-uplinks", (), "block", frozenset({"staged"})),
    "template-both-planes": (
        PLANES / "base",
        PLANES / "changes/template-both-planes",
        (),
        "block",
        frozenset({"staged"}),
    ),
    "template-plane-a": (PLANES / "base", PLANES / "changes/template-plane-a", (), "pass", frozenset()),
    "descriptions-both-planes": (
        PLANES / "base",
        PLANES / "changes/descriptions-both-planes",
        (),
        "pass",
        frozenset(),
    ),
    "timers-both-planes": (PLANES / "base", PLANES / "changes/timers-both-planes", (), "block", frozenset({"staged"})),
    "community-migration": (PLANES / "base", PLANES / "changes/community-migration", (), "pass", frozenset()),
    "community-filters-first": (
        PLANES / "base",
        PLANES / "changes/community-filters-first",
        (),
        "block",
        frozenset({"inter-plane"}),
    ),
    "close-telnet-two-azs": (PLANES / "base", PLANES / "changes/close-telnet-two-azs", (), "pass", frozenset()),
    "renumber-link": (PLANES / "base", PLANES / "changes/renumber-link", (), "block", frozenset({"staged"})),
    "pre-existing-unrelated": (BROKEN / "base", BROKEN / "changes/unrelated", (), "pass", frozenset()),
    "pre-existing-unrelated-strict": (
        BROKEN / "base",
        BROKEN / "changes/unrelated",
        ("--strict",),
        "block",
        frozenset({"inter-plane", "hygiene"}),
    ),
    "pre-existing-on-path": (
        BROKEN / "base",
        BROKEN / "changes/on-path",
        (),
        "block",
        frozenset({"inter-plane", "hygiene"}),
    ),
}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, Any]]:
    out_dir = tmp_path_factory.mktemp("planes")
    results: dict[str, tuple[int, Any]] = {}
    for name, (base, head, extra, _, _) in CASES.items():
        out = out_dir / f"{name}.json"
        argv = ["check", "--base-dir", str(base), "--head-dir", str(head), "--policies", str(POLICIES), *extra]
        code = main([*argv, "--format", "json", "--output", str(out)])
        results[name] = (code, json.loads(out.read_text()))
    return results


def _blast(doc: dict[str, Any], severity: str = "error") -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["check"] == "blast_radius" and f["severity"] == severity]


@pytest.mark.parametrize("name", list(CASES))
def test_verdict_table(name: str, verdicts: dict[str, tuple[int, Any]]) -> None:
    _, _, _, verdict, policies = CASES[name]
    code, doc = verdicts[name]
    assert (doc["verdict"], code) == (verdict, 0 if verdict == "pass" else 1)
    assert error_policies(doc) == policies


def test_neutral_acl_on_both_uplinks_of_one_router_blocks_and_waves_split_the_interfaces(
    verdicts: dict[str, tuple[int, Any]],
) -> None:
    _, doc = verdicts["acl-both-uplinks"]
    uplinks = ["iface:az1-core[GigabitEthernet0/1]", "iface:az1-core[GigabitEthernet0/2]"]
    findings = _blast(doc)
    assert findings
    for f in findings:
        assert f["waves"] == [[uplinks[0]], [uplinks[1]]]
        assert f["cut_units"] == uplinks
        assert f["failures"] == ["interface:az1-core[GigabitEthernet0/1]", "interface:az1-core[GigabitEthernet0/2]"]
        assert {t["disposition"] for t in f["trace"]} == {"NO_ROUTE"}
        assert {t["disposition"] for t in f["base_trace"]} == {"ACCEPTED"}
    assert "az1-hosts -> az2-hosts" in {f["pair"] for f in findings}


def test_template_on_both_planes_is_not_masked_by_the_unavoidable_cores(verdicts: dict[str, tuple[int, Any]]) -> None:
    _, doc = verdicts["template-both-planes"]
    findings = _blast(doc)
    pairs = {"az1-hosts -> az2-hosts", "az2-hosts -> az3-hosts", "az3-hosts -> az1-hosts"}
    assert {f["pair"] for f in findings} == pairs
    f = next(f for f in findings if f["pair"] == "az1-hosts -> az2-hosts")
    # the cores are single points of failure for their own hosts: held up, not hiding the cut
    assert f["unavoidable"] == ["node:az1-core", "node:az2-core"]
    assert any(u.startswith("iface:plane-a[") for u in f["cut_units"])
    assert any(u.startswith("iface:plane-b[") for u in f["cut_units"])
    assert not any(u.startswith("node:") for u in f["cut_units"])
    waves = f["waves"]
    assert len(waves) == 2
    assert not any(
        any(u.startswith("iface:plane-a[") for u in w) and any(u.startswith("iface:plane-b[") for u in w) for w in waves
    )
    spof = {x["single_point_of_failure"] for x in _blast(doc, "warning")}
    assert spof == {"node:az1-core", "node:az2-core", "node:az3-core"}


def test_descriptions_remarks_and_banners_are_inert(verdicts: dict[str, tuple[int, Any]]) -> None:
    code, doc = verdicts["descriptions-both-planes"]
    assert code == 0
    stanzas = doc["change"]["stanzas"]
    assert len(stanzas) == 8 and all(st.get("inert") is True for st in stanzas)
    assert {st["kind"] for st in stanzas} == {"interface", "acl", "other"}
    assert not _blast(doc) and not _blast(doc, "warning")


def test_timers_are_not_inert_and_waves_split_the_planes(verdicts: dict[str, tuple[int, Any]]) -> None:
    _, doc = verdicts["timers-both-planes"]
    assert all("inert" not in st for st in doc["change"]["stanzas"])
    findings = _blast(doc)
    assert findings
    for f in findings:
        assert f["waves"] == [["process:plane-a[bgp 64601]"], ["process:plane-b[bgp 64602]"]]
        assert f["cut_units"] == ["process:plane-a[bgp 64601]", "process:plane-b[bgp 64602]"]


def test_order_dependent_migration_passes_with_the_safe_order(verdicts: dict[str, tuple[int, Any]]) -> None:
    code, doc = verdicts["community-migration"]
    assert code == 0
    [f] = _blast(doc, "warning")
    assert f["message"].startswith("ordered rollout required: ")
    assert f["ordered_rollout_required"] is True
    order = [w["devices"] for w in f["rollout"]]
    assert order[-1] == ["plane-a"]  # the filters that require the community come last
    assert sorted(d for w in order[:-1] for d in w) == ["az1-core", "az2-core", "az3-core"]
    assert f["states_checked"] >= 4


def test_the_reverse_order_as_a_change_of_its_own_blocks(verdicts: dict[str, tuple[int, Any]]) -> None:
    code, doc = verdicts["community-filters-first"]
    assert code == 1
    f = next(f for f in doc["findings"] if f["severity"] == "error")
    assert f["check"] == "redundancy"  # plane A drops every route: only plane B is left


def test_no_safe_order_blocks_naming_the_failing_intermediate_state(verdicts: dict[str, tuple[int, Any]]) -> None:
    _, doc = verdicts["renumber-link"]
    [f] = _blast(doc)
    assert f["message"].startswith("no safe rollout order")
    assert f["failing_state"] in (["az1-core"], ["plane-a"])
    assert f["state_policy"] == "inter-plane"
    assert f["trace"] and f["base_trace"]


def test_plan_exits_1_when_no_order_is_safe(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["plan", "--base-dir", str(PLANES / "base"), "--policies", str(POLICIES), "--format", "json"]
    run = run_cli(capsys, [*argv, "--head-dir", str(PLANES / "changes/renumber-link")])
    assert run.code == 1
    doc = json.loads(run.out)
    assert doc["safe"] is False and doc["failing_state"] in (["az1-core"], ["plane-a"])
    assert doc["failing_finding"]["policy"] == "inter-plane"


def test_plan_orders_the_migration_and_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["plan", "--base-dir", str(PLANES / "base"), "--policies", str(POLICIES)]
    run = run_cli(capsys, [*argv, "--head-dir", str(PLANES / "changes/community-migration")])
    assert run.code == 0
    assert "ordered rollout required" in run.out
    rollout = [line for line in run.out.splitlines() if line.startswith("rollout: wave 1: ")]
    assert len(rollout) == 1 and rollout[0].endswith("(devices: plane-a)")  # one line: wave 1: ...; wave 2: ...


def test_plan_splits_the_two_uplinks_of_one_router(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["plan", "--base-dir", str(PLANES / "base"), "--policies", str(POLICIES), "--format", "json"]
    run = run_cli(capsys, [*argv, "--head-dir", str(PLANES / "changes/acl-both-uplinks")])
    assert run.code == 0
    doc = json.loads(run.out)
    assert doc["safe_together"] is False and doc["safe"] is True
    assert [w["units"] for w in doc["waves"]] == [
        ["iface:az1-core[GigabitEthernet0/1]"],
        ["iface:az1-core[GigabitEthernet0/2]"],
    ]


def test_pre_existing_findings_are_warnings_in_their_own_section(
    verdicts: dict[str, tuple[int, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    _, doc = verdicts["pre-existing-unrelated"]
    pre = [f for f in doc["findings"] if f.get("status") == "pre-existing"]
    assert pre and all(f["severity"] == "warning" for f in pre)
    assert {f["policy"] for f in pre} == {"inter-plane", "hygiene"}
    case = CASES["pre-existing-unrelated"]
    argv = ["check", "--base-dir", str(case[0]), "--head-dir", str(case[1]), "--policies", str(POLICIES)]
    run = run_cli(capsys, argv)
    assert run.code == 0
    assert "pre-existing (in the base already, not touched by the change):" in run.out


def test_a_change_on_the_affected_path_keeps_the_finding_an_error(verdicts: dict[str, tuple[int, Any]]) -> None:
    _, doc = verdicts["pre-existing-on-path"]
    errors = [f for f in doc["findings"] if f["severity"] == "error" and f["policy"] == "inter-plane"]
    assert errors and all(f.get("status", "new") == "new" for f in errors)
    assert any("az3-core" in " ".join(f["failures"]) or f["pair"].startswith("az3") for f in errors)


# --- the plan token records the waves; verify-plan refuses a wave out of order --------------------


def test_verify_plan_refuses_a_wave_applied_out_of_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VALIDATOR_PLAN_KEY", raising=False)
    repo = tmp_path / "net"
    (repo / "policies").mkdir(parents=True)
    shutil.copy(POLICIES, repo / "policies" / "planes.yaml")
    shutil.copytree(PLANES / "base", repo / "snap")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "change")
    shutil.rmtree(repo / "snap")
    shutil.copytree(PLANES / "changes/community-migration", repo / "snap")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "community migration")
    token = tmp_path / "plan.json"
    r = str(repo)
    run = run_cli(
        capsys,
        ["check", "--repo", r, "--base", "main", "--head", "change", "--snapshot", "snap", "--plan-out", str(token)],
    )
    assert run.code == 0, run.out[-2000:]
    data = json.loads(token.read_text())
    assert [w["devices"] for w in data["waves"]][-1] == ["plane-a"]
    first = data["waves"][0]["devices"]

    run = run_cli(capsys, ["verify-plan", str(token), "--repo", r, "--wave", "1", "--devices", "plane-a"])
    assert run.code == 1
    assert "out of order: wave 1 of the plan changes" in run.err and "belong to wave" in run.err
    last = len(data["waves"])
    run = run_cli(capsys, ["verify-plan", str(token), "--repo", r, "--wave", str(last), "--devices", "plane-a"])
    assert run.code == 1 and "has not been applied yet" in run.err
    run = run_cli(capsys, ["verify-plan", str(token), "--repo", r, "--wave", "1", "--devices", ",".join(first)])
    assert run.code == 0 and run.out.startswith(f"plan OK: wave 1 of {last}")


def test_intermediate_states_are_checked_with_the_intent(verdicts: dict[str, tuple[int, Any]]) -> None:
    """Two devices close what the intent declares: a state with one of them done has half the
    intended effect, which is not a regression (without the intent it would be, in every order)."""
    code, doc = verdicts["close-telnet-two-azs"]
    assert code == 0
    assert not any(f["message"].startswith("no safe rollout order") for f in doc["findings"])
    assert {f.get("single_point_of_failure") for f in _blast(doc, "warning")} == {
        "iface:az1-core[GigabitEthernet3/0]",
        "iface:az2-core[GigabitEthernet3/0]",
    }
