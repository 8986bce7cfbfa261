"""Root-cause grouping as data: which findings share a cause, and what each group says first."""

from __future__ import annotations

from validator.checks.grouping import ensure_groups, group_findings, pair_of
from validator.model.verdict import Finding, Location, Side, Verdict

ACL = Location("configs/r1.cfg", 12, "deny tcp any any eq 443")
APPLY = Location("configs/r1.cfg", 4, "ip access-group EDGE in")
OTHER = Location("configs/r2.cfg", 30, "ip route 10.9.0.0 255.255.0.0 Null0")
EDITED = {"configs/r1.cfg": {4, 12}, "configs/r2.cfg": {30}}


def _f(policy: str, message: str, *locs: Location, **kw: object) -> Finding:
    return Finding(policy=policy, check=str(kw.pop("check", "reachability")), message=message, locations=locs, **kw)  # type: ignore[arg-type]


def _trace(disposition: str, node: str) -> dict[str, object]:
    return {"disposition": disposition, "hops": [{"node": "edge", "steps": []}, {"node": node, "steps": []}]}


def test_findings_citing_one_changed_line_are_one_group_with_their_pairs() -> None:
    flow = {"src_ip": "203.0.113.2", "dst_ip": "10.1.10.10", "protocol": "TCP", "dst_port": 443}
    a = _f(
        "web-open", "internet -> web: flow is not delivered", ACL, APPLY, flow=flow, trace=(_trace("DENIED_IN", "r1"),)
    )
    b = _f("no-regress", "internet -> web: newly dropped", ACL)
    c = _f("az1-to-az2", "az1 -> az2: flow is not delivered", APPLY)  # shares line 4 with a: same cause
    d = _f("db-closed", "internet -> db: delivered", OTHER)
    found, groups = group_findings([a, b, c, d], EDITED)
    assert [g.findings for g in groups] == [(0, 1, 2), (3,)]
    assert [f.group for f in found] == ["G1", "G1", "G1", "G2"]
    g = groups[0]
    assert g.fix == (
        'fix: configs/r1.cfg:12 — "deny tcp any any eq 443": DENIED_IN at r1 for internet -> web '
        "(TCP 203.0.113.2 -> 10.1.10.10:443); 3 findings in 2 pairs"
    )
    assert [(p.pair, p.policies, p.flows) for p in g.pairs] == [
        ("internet -> web", ("web-open", "no-regress"), 2),
        ("az1 -> az2", ("az1-to-az2",), 1),
    ]
    assert {(loc.file, loc.line) for loc in g.locations} == {("configs/r1.cfg", 12), ("configs/r1.cfg", 4)}


def test_unchanged_lines_group_only_when_identical_and_failure_sets_group() -> None:
    deny = Location("configs/r1.cfg", 99, "deny ip any any")
    x = _f("p1", "a -> b: x", deny)
    y = _f("p2", "a -> c: y", deny, APPLY)  # shares the unchanged line 99 but cites the changed line 4
    z = _f("p3", "a -> d: z", deny)
    s1 = _f("inter-az", "r -> l: broken", check="redundancy", failures=("link:r1[Gi0/1]",))
    s2 = _f("inter-az", "l -> r: broken", check="redundancy", failures=("link:r1[Gi0/1]",))
    s3 = _f("inter-az", "l -> r: broken", check="redundancy", failures=("node:r2",))
    _found, groups = group_findings([x, y, z, s1, s2, s3], EDITED)
    assert sorted(g.findings for g in groups) == [(0, 2), (1,), (3, 4), (5,)]


def test_status_and_blocking_never_mix_and_notes_stay_out() -> None:
    new = _f("p", "a -> b: x", ACL)
    waived = _f("p", "a -> c: y", ACL, status="waived", severity="warning")
    warn = _f("q", "a -> d: z", ACL, severity="warning")
    note = Finding(policy="p", check="note", severity="info", message="skipped, no base snapshot")
    found, groups = group_findings([note, warn, new, waived], EDITED)
    assert [g.findings for g in groups] == [(2,), (1,), (3,)]  # blocking causes first
    assert found[0].group is None
    assert groups[0].blocking and not groups[1].blocking and groups[2].status == "waived"


def test_a_group_without_config_line_still_leads_with_fix() -> None:
    _found, (g,) = group_findings([_f("hygiene", "bgp session r1 -> 10.0.0.2 is down")])
    assert g.fix == "fix: (no config line) — bgp session r1 -> 10.0.0.2 is down"
    assert pair_of(_f("x", "alone cuts", extra={"pairs": ["a -> b", "c -> d"]})) == "a -> b, c -> d"


def test_ensure_groups_recomputes_for_hand_built_verdicts() -> None:
    findings = [_f("a", "m", ACL), _f("b", "n", ACL)]
    v = Verdict(head=Side("h"), findings=findings)
    assert [g.findings for g in ensure_groups(v.findings, v.groups)] == [(0, 1)]  # same evidence, no diff info
    v.findings[:], v.groups = group_findings(findings, EDITED)
    assert ensure_groups(v.findings, v.groups) == v.groups
    assert v.to_dict()["groups"][0]["fix"].startswith("fix: configs/r1.cfg:12 — ")
    assert v.to_dict()["findings"][1]["group"] == "G1"
