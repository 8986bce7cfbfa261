"""``validator check --base-dir --head-dir`` on the region fixture: the verdict of every change in
fixtures/README.md, and the five report formats."""

from __future__ import annotations

import ipaddress
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import (
    BASE,
    EXPECTED_STATE,
    Run,
    change_dir,
    copy_snapshot,
    error_policies,
    run_cli,
    run_subprocess,
)

from validator.cli import main

EXPECTED = EXPECTED_STATE


def folder_args(change: str, policies: Path, *extra: str) -> list[str]:
    return [
        "check",
        "--base-dir",
        str(BASE),
        "--head-dir",
        str(change_dir(change)),
        "--policies",
        str(policies),
        *extra,
    ]


@pytest.fixture(scope="module")
def json_verdicts(state_policies: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, Any]]:
    """Each change run once through the CLI with ``--format json --output``: (exit code, document)."""
    out_dir = tmp_path_factory.mktemp("verdicts")
    results: dict[str, tuple[int, Any]] = {}
    for change in EXPECTED:
        out = out_dir / f"{change}.json"
        code = main(folder_args(change, state_policies, "--format", "json", "--output", str(out)))
        results[change] = (code, json.loads(out.read_text()))
    return results


@pytest.mark.parametrize("change", list(EXPECTED))
def test_verdict_and_firing_policies_match_the_fixture_table(
    change: str, json_verdicts: dict[str, tuple[int, Any]]
) -> None:
    verdict, policies = EXPECTED[change]
    code, doc = json_verdicts[change]
    assert doc["verdict"] == verdict
    assert code == (0 if verdict == "pass" else 1)
    assert error_policies(doc) == policies


def test_benign_passes_with_exit_0_and_says_so(capsys: pytest.CaptureFixture[str], state_policies: Path) -> None:
    run = run_cli(capsys, folder_args("benign", state_policies))
    assert run.code == 0, run.out
    assert run.out.startswith("PASS")
    assert run.err == ""


def test_break_required_flow_blocks_naming_the_acl_lines(
    capsys: pytest.CaptureFixture[str], state_policies: Path, json_verdicts: dict[str, tuple[int, Any]]
) -> None:
    run = run_cli(capsys, folder_args("break-required-flow", state_policies))
    assert run.code == 1
    assert run.out.startswith("BLOCK")
    assert "web-open" in run.out
    # the report points at the deny line and at the access-group that applies it
    assert "configs/az2-r1.cfg:76" in run.out
    assert "configs/az2-r1.cfg:32" in run.out

    _, doc = json_verdicts["break-required-flow"]
    web_open = [f for f in doc["findings"] if f["policy"] == "web-open"]
    assert web_open
    for f in web_open:
        assert f["check"] == "reachability"
        locs = {(loc["file"], loc["line"]) for loc in f["locations"]}
        assert ("configs/az2-r1.cfg", 76) in locs  # deny tcp any host 10.2.10.10 eq 443
        assert ("configs/az2-r1.cfg", 32) in locs  # ip access-group AZ2-WEB-OUT out
        assert f["flow"]["dst_ip"] == "10.2.10.10"
        assert f["flow"]["dst_port"] == 443
        assert {t["disposition"] for t in f["trace"]} == {"DENIED_OUT"}
        assert f["trace"][0]["hops"][-1]["node"] == "az2-r1"


def test_open_forbidden_flow_blocks_on_db_closed(json_verdicts: dict[str, tuple[int, Any]]) -> None:
    code, doc = json_verdicts["open-forbidden-flow"]
    assert code == 1
    findings = [f for f in doc["findings"] if f["policy"] == "db-closed"]
    assert findings
    for f in findings:
        assert ipaddress.ip_address(f["flow"]["dst_ip"]) in ipaddress.ip_network("10.2.20.0/24")
        # success dispositions; the subnet's network address exits the network as in Batfish
        # (its internal space is interface host IPs), so it is delivered too
        assert all(t["disposition"] in ("ACCEPTED", "DELIVERED_TO_SUBNET", "EXITS_NETWORK") for t in f["trace"])
        # the permitting edge line is in the trace
        steps = [s for t in f["trace"] for h in t["hops"] for s in h["steps"]]
        assert {"file": "configs/edge1.cfg", "line": 44} in [s.get("location") for s in steps]


def test_open_forbidden_flow_finding_names_the_permitting_line(json_verdicts: dict[str, tuple[int, Any]]) -> None:
    _, doc = json_verdicts["open-forbidden-flow"]
    f = next(f for f in doc["findings"] if f["policy"] == "db-closed")
    assert {"file": "configs/edge1.cfg", "line": 44} in [
        {"file": loc["file"], "line": loc["line"]} for loc in f["locations"]
    ]


def test_intent_exact_passes_with_intent_from_the_head_folder(
    json_verdicts: dict[str, tuple[int, Any]], state_policies: Path, tmp_path: Path
) -> None:
    code, doc = json_verdicts["intent-exact"]
    assert (code, doc["verdict"]) == (0, "pass")
    # the same head without its .validator/intent.yaml is an unintended exposure: the intent
    # file is what made it pass
    bare = tmp_path / "intent-exact-without-intent"

    copy_snapshot(change_dir("intent-exact"), bare)
    assert not (bare / ".validator").exists()
    out = tmp_path / "v.json"
    code = main(
        [
            "check",
            "--base-dir",
            str(BASE),
            "--head-dir",
            str(bare),
            "--policies",
            str(state_policies),
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    doc = json.loads(out.read_text())
    assert code == 1
    assert error_policies(doc) == {"no-regress-web"}
    assert {f["flow"]["dst_port"] for f in doc["findings"]} == {8443}


def test_explicit_intent_flag_overrides_the_head_folder(
    capsys: pytest.CaptureFixture[str], state_policies: Path
) -> None:
    """intent-more's head with intent-exact's intent file still blocks on the extra tcp/22."""
    intent = change_dir("intent-exact") / ".validator" / "intent.yaml"
    run = run_cli(capsys, folder_args("intent-more", state_policies, "--intent", str(intent), "--format", "json"))
    assert run.code == 1
    doc = json.loads(run.out)
    assert {f["flow"]["dst_port"] for f in doc["findings"]} == {22}


def test_intent_more_blocks_on_the_undeclared_port(json_verdicts: dict[str, tuple[int, Any]]) -> None:
    code, doc = json_verdicts["intent-more"]
    assert code == 1
    [f] = [f for f in doc["findings"] if f["severity"] == "error"]
    assert f["policy"] == "no-regress-web"
    assert f["check"] == "no_regression"
    assert "unintended exposure" in f["message"]
    assert f["flow"]["dst_ip"] == "10.1.10.10"
    assert f["flow"]["dst_port"] == 22
    assert f["trace"][0]["disposition"] == "ACCEPTED"
    assert f["base_trace"][0]["disposition"] == "DENIED_IN"
    # the line that newly permits it: permit tcp any host 10.1.10.10 eq 22
    assert ("configs/edge1.cfg", 49) in {(loc["file"], loc["line"]) for loc in f["locations"]}


def test_json_report_has_the_verdict_schema(json_verdicts: dict[str, tuple[int, Any]]) -> None:
    _, doc = json_verdicts["break-required-flow"]
    assert doc["schema"] == "validator.verdict/1"
    assert doc["verdict"] == "block"
    assert doc["engine"] == "builtin"
    for side, folder in (("base", BASE), ("head", change_dir("break-required-flow"))):
        assert set(doc[side]) >= {"source", "rev"}
        assert doc[side]["source"] == str(folder)
        assert doc[side]["rev"] is None  # folder mode
    assert doc["change"]["devices"] == ["az2-r1"]
    stanzas = doc["change"]["stanzas"]
    for s in stanzas:
        assert set(s) >= {"device", "file", "line", "kind", "name", "op"}
        assert s["op"] in ("added", "removed", "modified")
    assert {(s["file"], s["line"], s["kind"], s["name"], s["op"]) for s in stanzas} == {
        ("configs/az2-r1.cfg", 28, "interface", "GigabitEthernet3/0", "modified"),
        ("configs/az2-r1.cfg", 75, "acl", "AZ2-WEB-OUT", "added"),
    }
    assert doc["change"]["policies_changed"] is False
    assert doc["findings"]
    for f in doc["findings"]:
        assert set(f) >= {"policy", "check", "severity", "message", "failures", "flow", "trace", "locations"}
        assert f["severity"] in ("error", "warning", "info")
        assert isinstance(f["failures"], list) and isinstance(f["trace"], list)
        for loc in f["locations"]:
            assert isinstance(loc["file"], str) and isinstance(loc["line"], int) and loc["line"] > 0
    assert isinstance(doc["stats"]["scenarios"], int)
    assert isinstance(doc["stats"]["seconds"], (int, float)) and doc["stats"]["seconds"] >= 0
    # the benign change's stanzas: the two lines of the fixture table
    _, benign = json_verdicts["benign"]
    assert benign["findings"] == []
    assert benign["change"]["devices"] == ["az3-r2"]


@pytest.fixture(scope="module")
def rendered(state_policies: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """break-required-flow rendered in the junit, sarif and markdown formats."""
    out_dir = tmp_path_factory.mktemp("formats")
    results: dict[str, tuple[int, str]] = {}
    for fmt in ("junit", "sarif", "markdown"):
        out = out_dir / f"report.{fmt}"
        code = main(folder_args("break-required-flow", state_policies, "--format", fmt, "--output", str(out)))
        results[fmt] = (code, out.read_text())
    return results


def test_junit_has_one_testcase_per_policy_with_unique_ids(
    rendered: dict[str, tuple[int, str]], json_verdicts: dict[str, tuple[int, Any]]
) -> None:
    code, text = rendered["junit"]
    assert code == 1
    root = ET.fromstring(text)
    cases = root.findall(".//testcase")
    _, doc = json_verdicts["break-required-flow"]
    assert sorted(c.get("name", "") for c in cases) == sorted(p["name"] for p in doc["policies"])
    ids = [c.get("id") for c in cases]
    assert all(ids) and len(set(ids)) == len(ids)
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == EXPECTED["break-required-flow"][1]
    assert root.get("failures") == str(len(failed))


def test_sarif_and_markdown_render(rendered: dict[str, tuple[int, str]]) -> None:
    code, text = rendered["sarif"]
    assert code == 1
    sarif = json.loads(text)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert results and all(r["level"] == "error" for r in results)
    uris = {
        (pl["physicalLocation"]["artifactLocation"]["uri"], pl["physicalLocation"]["region"]["startLine"])
        for r in results
        for pl in r.get("locations", [])
    }
    assert any(uri.endswith("configs/az2-r1.cfg") and line == 76 for uri, line in uris), uris

    code, md = rendered["markdown"]
    assert code == 1
    assert "BLOCK" in md
    assert "web-open" in md and "configs/az2-r1.cfg:76" in md


def test_output_file_gets_the_report_and_stdout_stays_empty(
    capsys: pytest.CaptureFixture[str], state_policies: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.txt"
    run = run_cli(capsys, folder_args("break-required-flow", state_policies, "--output", str(out)))
    assert run.code == 1
    assert run.out == "" and run.err == ""
    text = out.read_text()
    assert text.startswith("BLOCK") and "web-open" in text


def test_state_only_without_base_runs_the_state_checks(
    capsys: pytest.CaptureFixture[str], state_policies: Path
) -> None:
    """No --base-dir: no diff, no regression; the broken head still fails reachability."""
    run = run_cli(
        capsys,
        [
            "check",
            "--head-dir",
            str(change_dir("break-required-flow")),
            "--policies",
            str(state_policies),
            "--format",
            "json",
        ],
    )
    assert run.code == 1
    doc = json.loads(run.out)
    assert doc["base"] is None and doc["change"] is None
    assert error_policies(doc) == {"web-open", "az1-to-az2", "az3-to-az2"}


@pytest.mark.parametrize(("change", "code"), [("benign", 0), ("break-required-flow", 1)])
def test_python_dash_m_entry_point(change: str, code: int, state_policies: Path) -> None:
    run: Run = run_subprocess(folder_args(change, state_policies, "--format", "json"))
    assert run.code == code, run.err
    assert json.loads(run.out)["verdict"] == ("pass" if code == 0 else "block")
    assert run.err == ""


def test_measure_cli_time(capsys: pytest.CaptureFixture[str], state_policies: Path) -> None:
    """Not an assertion on time: prints the figure for the report (pytest -s to see it)."""
    start = time.perf_counter()
    run = run_cli(capsys, folder_args("break-required-flow", state_policies, "--format", "json"))
    elapsed = time.perf_counter() - start
    assert run.code == 1
    with capsys.disabled():
        print(
            f"\n[timing] validator check break-required-flow (folder mode, in process): {elapsed:.2f} s; "
            f"engine stats.seconds {json.loads(run.out)['stats']['seconds']}"
        )


# --- the full region.yaml: redundancy (inter-az) and blast radius (staged) ------------------------

STATE_ONLY = "(none)"  # base-dir omitted: state checks only

# fixtures/README.md's table with every policy: (base, head) -> (verdict, firing policies)
FULL: dict[str, tuple[str, str, str, frozenset[str]]] = {
    "benign": ("base", "changes/benign", "pass", frozenset()),
    "break-required-flow": (
        "base",
        "changes/break-required-flow",
        "block",
        frozenset({"web-open", "no-regress-web", "az1-to-az2", "az3-to-az2", "no-regress-region"}),
    ),
    "open-forbidden-flow": ("base", "changes/open-forbidden-flow", "block", frozenset({"db-closed"})),
    "intent-exact": ("base", "changes/intent-exact", "pass", frozenset()),
    "intent-more": ("base", "changes/intent-more", "block", frozenset({"no-regress-web"})),
    "both-paths-bad-edit": ("base", "changes/both-paths-bad-edit", "block", frozenset({"staged"})),
    "one-path-edit": ("base", "changes/one-path-edit", "pass", frozenset()),
    "break-backup": ("base", "changes/break-backup", "block", frozenset({"inter-az"})),
    # the same fault in base and head is pre-existing (a warning) in diff mode; --strict blocks it
    "latent-fault-as-base-and-head": ("latent-fault", "latent-fault", "pass", frozenset()),
    "latent-fault-alone": (STATE_ONLY, "latent-fault", "block", frozenset({"inter-az"})),
    "base-alone": (STATE_ONLY, "base", "pass", frozenset()),
}


@pytest.fixture(scope="module")
def full_verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, Any]]:
    from gate_helpers import REGION, REGION_POLICIES

    out_dir = tmp_path_factory.mktemp("full")
    results: dict[str, tuple[int, Any]] = {}
    for name, (base, head, _, _) in FULL.items():
        out = out_dir / f"{name}.json"
        argv = ["check", "--head-dir", str(REGION / head), "--policies", str(REGION_POLICIES)]
        if base != STATE_ONLY:
            argv += ["--base-dir", str(REGION / base)]
        code = main([*argv, "--format", "json", "--output", str(out)])
        results[name] = (code, json.loads(out.read_text()))
    return results


@pytest.mark.parametrize(
    "name",
    list(FULL),
)
def test_full_policies_verdict_table(name: str, full_verdicts: dict[str, tuple[int, Any]]) -> None:
    _, _, verdict, policies = FULL[name]
    code, doc = full_verdicts[name]
    assert (doc["verdict"], code) == (verdict, 0 if verdict == "pass" else 1)
    assert error_policies(doc) == policies


def test_full_policies_break_required_flow_still_blocks(full_verdicts: dict[str, tuple[int, Any]]) -> None:
    """Blocked, by at least the README's set (a single-homed touched link is a warning, not a block)."""
    code, doc = full_verdicts["break-required-flow"]
    assert code == 1
    assert error_policies(doc) >= FULL["break-required-flow"][3]


def test_redundancy_findings_name_the_minimal_failure(full_verdicts: dict[str, tuple[int, Any]]) -> None:
    _, doc = full_verdicts["break-backup"]
    findings = [f for f in doc["findings"] if f["severity"] == "error"]
    assert {f["check"] for f in findings} == {"redundancy"}
    failing_sets = {tuple(f["failures"]) for f in findings}
    assert failing_sets & {("link:az1-r1[GigabitEthernet1/2]",), ("group:conduit-az1-west",)}
    assert all(len(s) == 1 for s in failing_sets)  # k = 1: minimal sets of one element
    f = next(f for f in findings if f["failures"] == ["link:az1-r1[GigabitEthernet1/2]"])
    assert f["pair"] == "az1-routers -> az2-loopbacks"
    assert ipaddress.ip_address(f["flow"]["dst_ip"]) in ipaddress.ip_network("10.2.255.0/24")
    assert {t["disposition"] for t in f["trace"]} == {"NO_ROUTE"}
    assert {t["disposition"] for t in f["base_trace"]} <= {"ACCEPTED"}

    for name in ("latent-fault-as-base-and-head", "latent-fault-alone"):
        _, doc = full_verdicts[name]
        f = next(
            f
            for f in doc["findings"]
            if f["failures"] == ["link:az2-r1[GigabitEthernet1/3]"] and f["pair"] == "az3-routers -> az2-loopbacks"
        )
        assert {(t["disposition"], t["hops"][-1]["node"]) for t in f["trace"]} == {("DENIED_IN", "az2-r2")}
        locs = {(loc["file"], loc["line"]) for loc in f["locations"]}
        assert ("configs/az2-r2.cfg", 23) in locs  # ip access-group BACKUP-LINK-IN in
        assert doc["stats"]["scenarios"] > 0


def test_blast_radius_proposes_one_wave_per_router(full_verdicts: dict[str, tuple[int, Any]]) -> None:
    _, doc = full_verdicts["both-paths-bad-edit"]
    findings = [f for f in doc["findings"] if f["severity"] == "error"]
    assert findings and {f["check"] for f in findings} == {"blast_radius"}
    pairs = {f["pair"] for f in findings}
    assert "az1-routers -> az2-loopbacks" in pairs
    for f in findings:
        assert f["waves"] == [["iface:az1-r1[GigabitEthernet1/2]"], ["iface:az1-r2[GigabitEthernet1/2]"]]
        assert f["unstageable"] == []
        assert {t["disposition"] for t in f["trace"]} == {"NO_ROUTE"}
    assert doc["change"]["devices"] == ["az1-r1", "az1-r2"]


def test_blast_radius_failures_are_failure_specs(full_verdicts: dict[str, tuple[int, Any]]) -> None:
    _, doc = full_verdicts["both-paths-bad-edit"]
    for f in doc["findings"]:
        for spec in f["failures"]:
            assert spec.split(":", 1)[0] in ("node", "interface", "link", "group"), spec


def test_description_edit_on_a_host_facing_interface_passes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from gate_helpers import REGION_POLICIES

    head = tmp_path / "head"
    copy_snapshot(BASE, head)
    cfg = head / "configs" / "az2-r1.cfg"
    text = cfg.read_text()
    assert text.count(" description web LAN gateway for az2-web\n") == 1
    cfg.write_text(
        text.replace(" description web LAN gateway for az2-web\n", " description web LAN gateway (CHG-42)\n")
    )
    run = run_cli(
        capsys,
        [
            "check",
            "--base-dir",
            str(BASE),
            "--head-dir",
            str(head),
            "--policies",
            str(REGION_POLICIES),
            "--format",
            "json",
        ],
    )
    assert run.code == 0, sorted(error_policies(json.loads(run.out)))
