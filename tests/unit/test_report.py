"""Every report format on the same verdicts: one with findings, one that passed, one that errored."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from ipaddress import IPv4Address

import pytest

from validator.errors import InputError
from validator.model.flow import Flow, Hop, Step, Trace
from validator.model.verdict import ChangedStanza, ChangeSet, Finding, Location, Side, Verdict
from validator.report import FORMATS, render
from validator.report._common import failure_reason, flow_text

ANSI = re.compile(r"\x1b\[")


def _flow() -> Flow:
    return Flow(
        "border1",
        IPv4Address("1.2.3.4"),
        IPv4Address("10.1.1.10"),
        ingress_interface="GigabitEthernet0/0",
        ip_protocol=6,
        dst_port=443,
    )


def _denied_trace() -> Trace:
    return Trace(
        "DENIED_IN",
        (
            Hop(
                "border1",
                (
                    Step("EnterInputInterface", "RECEIVED", {"interface": "GigabitEthernet0/0"}),
                    Step(
                        "Routing",
                        "FORWARDED",
                        {"routes": [{"network": "10.1.0.0/16", "protocol": "ospf", "next_hop": {"ip": "10.0.12.2"}}]},
                    ),
                    Step("ExitOutputInterface", "TRANSMITTED", {"interface": "GigabitEthernet1/0"}),
                ),
            ),
            Hop(
                "core1",
                (
                    Step("EnterInputInterface", "RECEIVED", {"interface": "GigabitEthernet0/1"}),
                    Step("Filter", "DENIED", {"filter": "EDGE_IN"}, file="configs/core1.cfg", line=40),
                ),
            ),
        ),
    )


def _accepted_trace() -> Trace:
    return Trace(
        "ACCEPTED",
        (Hop("border1", (Step("Originate", "ORIGINATED"),)), Hop("core2", (Step("Inbound", "ACCEPTED"),))),
    )


def blocked() -> Verdict:
    redundancy = Finding(
        "inter-az",
        "redundancy",
        "flows az1 -> az2 | tcp/443 are dropped when the link fails",
        failures=("link:core1[GigabitEthernet0/1]",),
        flow={"from": "internet", **_flow().to_json()},
        trace=(_denied_trace().to_json(),),
        base_trace=(_accepted_trace().to_json(),),
        locations=(
            Location("configs/core1.cfg", 40, "deny ip any any"),
            Location("configs/core1.cfg", 12, " ip access-group EDGE_IN in"),
        ),
        extra={"classes_violating": 3},
    )
    warning = Finding(
        "hygiene", "hygiene", "undefined route-map FOO", severity="warning", locations=(Location("configs/r1.cfg", 7),)
    )
    unmodelled = Finding(
        "change",
        "unmodelled",
        "unmodelled change at configs/r1.cfg:9: unmodelled line: ip wccp 61",
        locations=(Location("configs/r1.cfg", 9, "ip wccp 61"),),
    )
    change = ChangeSet(
        devices=("core1",),
        stanzas=(ChangedStanza("core1", "configs/core1.cfg", 38, "acl", "EDGE_IN", "modified", 37),),
        files=("configs/core1.cfg",),
    )
    return Verdict(
        head=Side("snapshots/head"),
        base=Side("git:.", "abc123"),
        findings=[redundancy, warning, unmodelled],
        change=change,
        policies_run=[("web-open", "reachability"), ("inter-az", "redundancy"), ("hygiene", "hygiene")],
        scenarios=12,
        seconds=0.42,
    )


def passed() -> Verdict:
    return Verdict(head=Side("snapshots/head"), policies_run=[("web-open", "reachability")])


def errored() -> Verdict:
    v = blocked()
    v.error = "Batfish at localhost:9996 is unreachable"
    return v


# --- json ---------------------------------------------------------------------------------------


def test_json_is_exactly_the_verdict_document() -> None:
    v = blocked()
    out = render(v, "json")
    assert out == v.to_json()
    doc = json.loads(out)
    assert doc["schema"] == "validator.verdict/1"
    assert doc["verdict"] == "block"
    assert doc["findings"][0]["locations"][0] == {"file": "configs/core1.cfg", "line": 40, "text": "deny ip any any"}
    assert doc["change"]["stanzas"][0]["base_line"] == 37
    assert json.loads(render(errored(), "json"))["error"].startswith("Batfish")


# --- junit --------------------------------------------------------------------------------------


def _cases(xml: str) -> list[ET.Element]:
    root = ET.fromstring(xml)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["validator"]
    return suites[0].findall("testcase")


def test_junit_one_testcase_per_policy_plus_unmodelled() -> None:
    xml = render(blocked(), "junit")
    cases = _cases(xml)
    ids = [c.get("id") for c in cases]
    assert ids == ["reachability:web-open", "redundancy:inter-az", "hygiene:hygiene", "change:unmodelled"]
    assert len(set(ids)) == len(ids)
    by_id = {c.get("id"): c for c in cases}
    assert by_id["reachability:web-open"].find("failure") is None
    assert by_id["reachability:web-open"].get("classname") == "validator.reachability"
    failure = by_id["redundancy:inter-az"].find("failure")
    assert failure is not None and "dropped" in (failure.get("message") or "")
    assert "configs/core1.cfg:40" in (failure.text or "")
    # a warning does not fail its test case but is shown
    assert by_id["hygiene:hygiene"].find("failure") is None
    assert "undefined route-map FOO" in (by_id["hygiene:hygiene"].findtext("system-out") or "")
    assert by_id["change:unmodelled"].find("failure") is not None
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "0")


def test_junit_pass_has_no_failures() -> None:
    cases = _cases(render(passed(), "junit"))
    assert len(cases) == 1 and cases[0].find("failure") is None and cases[0].find("error") is None


def test_junit_ids_unique_per_check_and_name() -> None:
    v = passed()
    # a policy listed twice is one test case; the same name under two checks is two
    v.policies_run = [("p", "reachability"), ("p", "reachability"), ("p", "hygiene")]
    ids = [c.get("id") for c in _cases(render(v, "junit"))]
    assert ids == ["reachability:p", "hygiene:p"]


def test_junit_error_verdict_is_an_error_not_a_pass() -> None:
    xml = render(errored(), "junit")
    cases = _cases(xml)
    gate = [c for c in cases if c.find("error") is not None]
    assert len(gate) == 1 and "unreachable" in (gate[0].find("error").get("message") or "")  # type: ignore[union-attr]
    # policies without findings are not reported as passing: their result is unknown
    web = next(c for c in cases if c.get("id") == "reachability:web-open")
    assert web.find("skipped") is not None
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None and suite.get("errors") == "1"


# --- sarif --------------------------------------------------------------------------------------


def test_sarif_rules_results_and_locations() -> None:
    doc = json.loads(render(blocked(), "sarif"))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["reachability", "redundancy", "hygiene", "unmodelled"]
    results = run["results"]
    assert len(results) == 3
    first = results[0]
    assert first["ruleId"] == "redundancy" and rules[first["ruleIndex"]] == "redundancy"
    phys = first["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "configs/core1.cfg"
    assert phys["region"]["startLine"] == 40
    assert [r["level"] for r in results] == ["error", "error", "warning"]  # one per cause, blocking ones first
    assert run["invocations"][0]["executionSuccessful"] is True
    fingerprints = {r["partialFingerprints"]["validatorFinding/v1"] for r in results}
    assert len(fingerprints) == 3


def test_sarif_uri_base_and_error_verdict() -> None:
    doc = json.loads(render(errored(), "sarif", uri_base="net/snapshot"))
    run = doc["runs"][0]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "net/snapshot/configs/core1.cfg"
    )
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert "unreachable" in inv["toolExecutionNotifications"][0]["message"]["text"]


# --- text ---------------------------------------------------------------------------------------


def test_text_verdict_first_then_change_then_findings_without_ansi() -> None:
    out = render(blocked(), "text", color=False)
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert lines[0].startswith("BLOCK: 2 errors, 1 warning")
    assert out.index("change:") < out.index("findings:")
    assert "modified core1: acl EDGE_IN  configs/core1.cfg:38 (base line 37)" in out
    assert "configs/core1.cfg:40  deny ip any any" in out
    assert "failure scenario: link:core1[GigabitEthernet0/1]" in out
    assert "border1 -> core1" in out
    assert "internet at border1[GigabitEthernet0/0]: 1.2.3.4 -> 10.1.1.10 TCP 49152 -> 443" in out
    # the failing hop is marked and the reason names the filter and its line
    assert any(line.strip().startswith("x 2. core1") for line in lines)
    assert "fails: DENIED_IN at core1: filter EDGE_IN denied (configs/core1.cfg:40)" in out
    assert "trace (no failure): ACCEPTED" in out


def test_text_color_only_when_asked() -> None:
    colored = render(blocked(), "text", color=True)
    assert ANSI.search(colored)
    assert ANSI.sub("", colored).replace("\x1b", "") != ""
    # same words with and without colour
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", colored)
    assert stripped == render(blocked(), "text", color=False)


def test_text_pass_and_error() -> None:
    ok = render(passed(), "text")
    assert ok.splitlines()[0].startswith("PASS")
    assert "no base: state checks only" in ok
    err = render(errored(), "text").splitlines()[0]
    assert err.startswith("ERROR") and "not a pass" in err and "unreachable" in err


# --- markdown -----------------------------------------------------------------------------------


def test_markdown_heading_table_and_details() -> None:
    out = render(blocked(), "markdown")
    assert out.splitlines()[0] == "## :x: validator: BLOCK"
    rows = [ln for ln in out.splitlines() if re.match(r"\| \d+ \|", ln)]
    assert len(rows) == 3
    # a pipe inside a message does not break the table row
    assert "az1 -> az2 \\| tcp/443" in rows[0]
    cells = re.split(r"(?<!\\)\|", rows[0])[1:-1]
    assert len(cells) == 6 and cells[-1].strip().startswith("`configs/core1.cfg:40`")
    assert out.count("<details><summary>") == 2 + 3  # stanzas, policies, one per finding
    assert "x 2. core1" in out
    assert "```text" in out


def test_markdown_error_verdict() -> None:
    out = render(errored(), "markdown")
    assert out.startswith("## :warning: validator: ERROR")
    assert "not a pass" in out and "unreachable" in out


# --- shared pieces and dispatch -----------------------------------------------------------------


def test_every_format_renders_every_verdict() -> None:
    for fmt in FORMATS:
        for v in (blocked(), passed(), errored()):
            assert render(v, fmt).strip()


def test_unknown_format_is_input_error() -> None:
    with pytest.raises(InputError, match="unknown report format"):
        render(passed(), "pdf")


def test_flow_text_for_originated_and_icmp_flows() -> None:
    flow = Flow("h1", IPv4Address("1.1.1.1"), IPv4Address("2.2.2.2"), ip_protocol=1, icmp_type=8, icmp_code=0)
    assert flow_text(flow.to_json()) == "h1: 1.1.1.1 -> 2.2.2.2 ICMP type 8 code 0"
    assert flow_text(None) == "(no flow)"


def test_failure_reason_for_no_route() -> None:
    trace = Trace("NO_ROUTE", (Hop("r1", (Step("Originate", "ORIGINATED"), Step("Routing", "NO_ROUTE"))),))
    assert failure_reason(trace.to_json()) == "NO_ROUTE at r1: no route"
    assert failure_reason(_accepted_trace().to_json()) == "ACCEPTED at core2"
