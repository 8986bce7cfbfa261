"""The soundness rule in the checks (issue 9): an undecided result counts neither as delivered for
``allow`` nor as denied for ``deny``; the policy gets a ``status: undecided`` error naming the
unparsed lines, and the verdict cannot pass. Undefined interface filters give warnings."""

from __future__ import annotations

import json
from dataclasses import replace
from ipaddress import IPv4Network

from soundness_helpers import R1_FILE, R1_TEMPLATE, bgp_snapshot, dp_of, filtered, line_no
from test_checks_helpers import zone

from validator.checks.headerspace import HeaderConstraints
from validator.checks.ipspace import Intervals
from validator.checks.no_regression import check_no_regression
from validator.checks.reachability import check_reachability
from validator.checks.runner import _severity
from validator.checks.sweep import pair_baseline, undecided_baseline
from validator.model.verdict import Finding, Side, Verdict
from validator.report import render

R1 = R1_TEMPLATE.format(acl="FILTER")
PERMIT80 = line_no(R1, "permit tcp any any eq 80")
DENY = line_no(R1, "deny   ip any any")
OUTSIDE = zone("outside", interfaces=["r0[GigabitEthernet0/0]"])
LAN = zone("lan", prefixes=["10.0.2.0/24"])


def tcp(port: int) -> HeaderConstraints:
    return HeaderConstraints(frozenset({6}), Intervals.of([(port, port)]))


def reach(dp: object, port: int, expect: str, dst: object = LAN) -> list[Finding]:
    return check_reachability(
        policy="p",
        dp=dp,
        src=OUTSIDE,
        dst=dst,
        constraints=tcp(port),
        expect=expect,  # type: ignore[arg-type]
    ).findings


def test_complete_acl_decides_both_policies() -> None:
    dp = dp_of(filtered())
    assert reach(dp, 80, "allow") == []
    assert reach(dp, 22, "deny") == []


def test_unparsed_line_before_the_deciding_lines_blocks_allow_and_deny() -> None:
    dp = dp_of(filtered(unparsed_lines=(PERMIT80,)))
    for port, expect in ((80, "allow"), (22, "deny")):
        (f,) = reach(dp, port, expect)
        assert f.status == "undecided" and f.severity == "error"
        assert f.message.startswith(f"undecided: depends on unparsed lines {R1_FILE}:{PERMIT80}")
        assert (f.locations[0].file, f.locations[0].line) == (R1_FILE, PERMIT80)
        assert f.to_json()["status"] == "undecided"


def test_unparsed_line_after_the_deciding_line_passes_only_what_it_decides() -> None:
    dp = dp_of(filtered(unparsed_lines=(DENY,)))
    assert reach(dp, 80, "allow") == []  # the permit decides web traffic first
    (f,) = reach(dp, 22, "deny")  # ssh falls through to the deny, past the unparsed line
    assert f.status == "undecided"


def test_undefined_filter_on_a_crossed_interface_gives_a_warning_naming_the_reference() -> None:
    dp = dp_of(filtered(acl="NO-SUCH-ACL"))
    (w,) = reach(dp, 80, "allow")
    assert w.severity == "warning" and w.status == "new"
    assert (w.locations[0].file, w.locations[0].line) == (R1_FILE, 4)
    # the deny policy is violated (nothing filters) and still warned about
    fs = reach(dp, 22, "deny")
    assert {f.severity for f in fs} == {"error", "warning"} and fs[-1].severity == "warning"
    assert all(f.status == "new" for f in fs)


def test_route_through_a_partial_route_map_clause_makes_reachability_undecided() -> None:
    dp = dp_of(bgp_snapshot(partial=True))
    src = zone("r0", nodes=["r0"])
    for prefix, undecided in (("10.0.2.0/24", True), ("10.0.3.0/24", False)):
        fs = check_reachability(
            policy="p", dp=dp, src=src, dst=zone("d", prefixes=[prefix]), constraints=tcp(80), expect="allow"
        ).findings
        assert [f.status for f in fs] == (["undecided"] if undecided else [])


def test_no_regression_ignores_identical_undecided_paths_and_flags_changed_ones() -> None:
    base = dp_of(filtered(unparsed_lines=(PERMIT80,)))
    same = dp_of(filtered(unparsed_lines=(PERMIT80,)))
    out = check_no_regression(
        policy="nr",
        base=base,
        head=same,
        src=OUTSIDE,
        dst=LAN,
        constraints=tcp(80),  # type: ignore[arg-type]
    )
    assert out.findings == []
    # the head drops r1's route back: the return path is not traced, but the forward one changes
    snap = filtered(unparsed_lines=(PERMIT80,))
    r0 = snap.nodes["r0"]
    head = dp_of(replace(snap, nodes={**snap.nodes, "r0": replace(r0, static_routes=())}))
    out = check_no_regression(
        policy="nr",
        base=base,
        head=head,
        src=OUTSIDE,
        dst=LAN,
        constraints=tcp(80),  # type: ignore[arg-type]
    )
    assert [f.status for f in out.findings] == ["undecided"]


def test_redundancy_baseline_with_undecided_delivery_is_undecided() -> None:
    dp = dp_of(filtered(unparsed_lines=(PERMIT80,)))
    pb = pair_baseline(dp, OUTSIDE, LAN, tcp(80))  # type: ignore[arg-type]
    (f,) = undecided_baseline("red", "redundancy", pb, dp)
    assert f.status == "undecided" and f.locations[0].line == PERMIT80


def test_undecided_finding_blocks_whatever_its_severity() -> None:
    f = Finding(policy="p", check="reachability", message="m", severity="warning", status="undecided")
    v = Verdict(head=Side("h"), findings=[f])
    assert v.verdict == "block"
    # a warning-level policy does not downgrade an undecided finding
    err = replace(f, severity="error")
    assert _severity([err], "warning") == [err]


def test_status_defaults_to_new_and_every_report_shows_undecided() -> None:
    plain = Finding(policy="p", check="reachability", message="m")
    assert plain.to_json()["status"] == "new"
    und = Finding(policy="p", check="reachability", message="undecided: x", status="undecided")
    v = Verdict(head=Side("h"), findings=[und])
    assert json.loads(render(v, "json"))["findings"][0]["status"] == "undecided"
    assert "[undecided]" in render(v, "text")
    assert "[undecided]" in render(v, "junit")
    assert "error (undecided)" in render(v, "markdown")
    sarif = json.loads(render(v, "sarif"))
    assert sarif["runs"][0]["results"][0]["properties"]["status"] == "undecided"


def test_undecided_prefixes_split_destination_classes() -> None:
    from validator.checks.explore import forwarding_cuts

    dp = dp_of(bgp_snapshot(partial=True))
    net = IPv4Network("10.0.2.0/24")
    cuts = forwarding_cuts([dp])
    assert int(net.network_address) in cuts and int(net.broadcast_address) + 1 in cuts


def test_undefined_filter_is_a_hygiene_error_and_a_no_regression_warning() -> None:
    from validator.checks.hygiene import check_hygiene

    dp = dp_of(filtered(acl="NO-SUCH-ACL"))
    (h,) = check_hygiene(policy="h", dp=dp, require=["no_undefined_references"])
    assert h.severity == "error" and "NO-SUCH-ACL" in h.message
    assert (h.locations[0].file, h.locations[0].line) == (R1_FILE, 4)
    out = check_no_regression(
        policy="nr",
        base=dp,
        head=dp,
        src=OUTSIDE,
        dst=LAN,
        constraints=tcp(80),  # type: ignore[arg-type]
    )
    assert [(f.severity, f.locations[0].line) for f in out.findings] == [("warning", 4)]


def test_failure_scenario_violation_through_undecided_traces_is_undecided() -> None:
    from validator.checks.explore import ClassResult
    from validator.checks.sweep import Element, Violation, judge_redundancy, violation_finding
    from validator.engine.types import FailureSet

    ok = pair_baseline(dp_of(filtered()), OUTSIDE, LAN, tcp(80))  # type: ignore[arg-type]
    bad = pair_baseline(dp_of(filtered(unparsed_lines=(PERMIT80,))), OUTSIDE, LAN, tcp(80))  # type: ignore[arg-type]
    r0, r1 = ok.results[0], bad.results[0]
    assert r0.flow == r1.flow
    both = ClassResult(r0.source, r0.dst, r0.header, r0.flow, [r0.traces[0], r1.traces[0]])
    # delivered with no failure, undecided with it: the scenario cannot count as delivered
    assert judge_redundancy(ok, both) == "broken"
    elem = Element("link", "link:r0[GigabitEthernet0/1]", FailureSet())
    f = violation_finding("red", "redundancy", Violation(ok, (elem,), "broken", both), dp_of(filtered()))
    assert f.status == "undecided" and f.message.startswith("undecided: depends on unparsed lines")
    decided = ClassResult(r0.source, r0.dst, r0.header, r0.flow, [r0.traces[0], r0.traces[0]])
    assert judge_redundancy(ok, decided) is None
