"""validator.checks.sweep on fixtures/unit/checks/square (OSPF):

    a --Gi0/1-- b --Gi0/3-- d        primary (cost 1+1)
    a --Gi0/2-- c --Gi0/3-- d        backup  (cost 100 each)

The pair is a (flows it originates) -> d's loopback 10.255.0.4. Variants are config edits:
TELNET_PRIMARY filters telnet on the primary only (a failure there *opens* telnet);
UDP_BACKUP drops UDP on the backup only (a failure on the primary *breaks* UDP).
"""

from __future__ import annotations

from typing import Any

import pytest
from test_checks_helpers import dataplane, policies, zone

from validator.checks import sweep as sweep_mod
from validator.checks.blast import plan_waves
from validator.checks.headerspace import HeaderConstraints
from validator.checks.runner import CheckContext, run_policies
from validator.checks.sweep import (
    Element,
    Sweeper,
    default_scenario_fn,
    enumerate_elements,
    from_scratch,
    judge_expect,
    judge_redundancy,
    pair_baseline,
    run_blast_radius,
)
from validator.diff.changeset import TouchedElements
from validator.engine.dataplane import compute_dataplane
from validator.engine.failspec import parse_fail_spec
from validator.engine.types import DataPlane, FailureSet

A = zone("a", nodes=["a"])
D_LO = zone("d-lo", prefixes=["10.255.0.4/32"])

ACL = "ip access-list extended {name}\n {rule}\n permit ip any any\n!\nend"
TELNET_PRIMARY = {
    "configs/b.cfg": [
        (
            " ip address 10.0.0.4 255.255.255.254",
            " ip address 10.0.0.4 255.255.255.254\n ip access-group NO-TELNET out",
        ),
        ("end", ACL.format(name="NO-TELNET", rule="deny tcp any any eq 23")),
    ]
}
UDP_BACKUP = {
    "configs/c.cfg": [
        (" ip address 10.0.0.6 255.255.255.254", " ip address 10.0.0.6 255.255.255.254\n ip access-group NO-UDP out"),
        ("end", ACL.format(name="NO-UDP", rule="deny udp any any")),
    ]
}

UPPER = ["link:a[GigabitEthernet0/1]", "link:b[GigabitEthernet0/3]", "node:b"]
LOWER = ["link:a[GigabitEthernet0/2]", "link:c[GigabitEthernet0/3]", "node:c"]


def _sweep(edits: Any, k: int, judge: Any = judge_redundancy, scenario_fn: Any = None) -> tuple[list[Any], Sweeper]:
    dp = dataplane("square", edits)
    pb = pair_baseline(dp, A, D_LO, HeaderConstraints())
    sw = Sweeper(dp, scenario_fn or from_scratch(compute_dataplane))
    elements = enumerate_elements(dp, ("link", "node"))
    return sw.sweep([pb], elements, k, judge), sw


def _sets(violations: list[Any]) -> set[tuple[frozenset[str], str]]:
    return {(frozenset(e.spec for e in v.elements), v.kind) for v in violations}


def test_elements_one_per_link_and_routers_only() -> None:
    dp = dataplane("square")
    specs = [e.spec for e in enumerate_elements(dp, ("link", "node"))]
    links = [s for s in specs if s.startswith("link:")]
    assert len(links) == 4 and len(set(links)) == 4
    assert sorted(s for s in specs if s.startswith("node:")) == ["node:a", "node:b", "node:c", "node:d"]
    for e in enumerate_elements(dp, ("link",)):
        assert len(e.failures.interfaces) == 2  # both ends
    groups = enumerate_elements(dp, ("risk_group",), {"g": ["node:b", "link:c[GigabitEthernet0/3]"]})
    assert [(g.spec, g.failures.nodes) for g in groups] == [("group:g", frozenset({"b"}))]


SWEEPS: list[tuple[str, Any, int, set[tuple[frozenset[str], str]]]] = [
    # (case, edits, max_failures, expected minimal failing sets with kind)
    ("clean square, k=1: nothing", {}, 1, set()),
    (
        "clean square, k=2: one element of each path",
        {},
        2,
        {(frozenset({u, lo}), "broken") for u in UPPER for lo in LOWER},
    ),
    (
        "telnet filtered on the primary only: a primary failure opens it",
        TELNET_PRIMARY,
        1,
        {(frozenset({u}), "opened") for u in UPPER},
    ),
    (
        "k=2 reports no superset of a k=1 set",
        TELNET_PRIMARY,
        2,
        {(frozenset({u}), "opened") for u in UPPER},
    ),
    (
        "udp dropped on the backup: a primary failure breaks it",
        UDP_BACKUP,
        1,
        {(frozenset({u}), "broken") for u in UPPER},
    ),
]


@pytest.mark.parametrize(("case", "edits", "k", "want"), SWEEPS, ids=[c[0] for c in SWEEPS])
def test_redundancy_minimal_failing_sets(case: str, edits: Any, k: int, want: set[Any]) -> None:
    violations, _sw = _sweep(edits, k)
    got = _sets(violations)
    assert got == want
    # endpoint nodes never fail in a sweep
    assert not any("node:a" in s or "node:d" in s for s, _ in got)
    assert len(violations) == len(got)  # one finding per minimal set


def test_violation_carries_both_traces_and_the_flow() -> None:
    (v, *_), _sw = _sweep(TELNET_PRIMARY, 1)
    r = v.result
    assert r.flow.ip_protocol == 6 and r.flow.dst_port == 23
    assert {t.disposition for t in r.traces[0]} == {"DENIED_OUT"}
    assert {t.disposition for t in r.traces[1]} == {"ACCEPTED"}
    assert "c" in r.traces[1][0].path


@pytest.mark.parametrize(("case", "edits", "k"), [(c[0], c[1], c[2]) for c in SWEEPS], ids=[c[0] for c in SWEEPS])
def test_footprint_reuse_gives_the_same_violations_as_retracing_everything(
    case: str, edits: Any, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    reused, sw1 = _sweep(edits, k)
    # the default scenario engine (incremental when present) with reuse must agree as well
    default, _ = _sweep(edits, k, scenario_fn=default_scenario_fn(compute_dataplane))
    monkeypatch.setattr(sweep_mod, "unchanged", lambda *a, **kw: False)
    full, sw2 = _sweep(edits, k)

    def key(vs: list[Any]) -> list[Any]:
        return sorted((sorted(e.spec for e in v.elements), v.kind, v.count) for v in vs)

    assert key(reused) == key(full) == key(default)
    assert sw2.stats.reused == 0
    if k == 2:
        assert sw1.stats.reused > 0  # reuse actually happened (link/node failures off the path)


def test_reachability_under_failures_via_runner() -> None:
    pset = policies(
        """
version: 1
zones:
  a: {nodes: [a]}
  d-lo: {prefixes: [10.255.0.4/32]}
policies:
  - {name: dns, type: reachability, from: a, to: d-lo, protocol: udp, ports: [53], expect: allow, max_failures: 1}
"""
    )
    ctx = CheckContext(head=dataplane("square", UDP_BACKUP), policies=pset, compute=compute_dataplane)
    findings, _ = run_policies(ctx)
    assert sorted(f.failures for f in findings) == sorted((u,) for u in UPPER)
    for f in findings:
        assert (
            f.extra["kind"] == "violated" and (f.flow or {})["protocol"] == "UDP" and (f.flow or {})["dst_port"] == 53
        )
        assert [loc.text for loc in f.locations] == ["deny udp any any", "ip access-group NO-UDP out"]
    assert ctx.scenarios > 0


def test_deny_under_failures_reports_the_opening() -> None:
    violations, _ = _sweep(TELNET_PRIMARY, 1, judge=judge_expect("deny"))
    # the pair is "everything", so deny is violated at no failure already: judge_expect only
    # reports what a failure makes worse (a flow that was fine and no longer is)
    assert _sets(violations) == {(frozenset({u}), "violated") for u in UPPER}


# --- blast radius --------------------------------------------------------------------------------


A_UPLINKS = "a-uplinks"


def _unit(dp: DataPlane, spec: str) -> Element:
    if spec == A_UPLINKS:  # a change to both of a's uplinks: one unit that cuts alone
        ifaces = frozenset({("a", "GigabitEthernet0/1"), ("a", "GigabitEthernet0/2")})
        return Element("interface", spec, FailureSet(interfaces=ifaces))
    return Element(spec.split(":")[0], spec, parse_fail_spec(spec, dp.snapshot, dp.edges))


def _plan(dp: DataPlane, specs: list[str], dst: Any = D_LO) -> Any:
    sw = Sweeper(dp, from_scratch(compute_dataplane))
    pb = pair_baseline(dp, A, dst, HeaderConstraints())
    return plan_waves(sw, [pb], [_unit(dp, s) for s in specs])


def _norm(waves: list[list[Any]]) -> list[list[str]]:
    return sorted(sorted(e if isinstance(e, str) else e.spec for e in w) for w in waves)


WAVES: list[tuple[str, list[str], list[list[str]], list[str]]] = [
    # (case, units, expected waves (any order), unstageable)
    ("primary and backup router: two waves", ["node:b", "node:c"], [["node:b"], ["node:c"]], []),
    (
        "both on one path: one wave",
        ["node:b", "link:b[GigabitEthernet0/3]"],
        [["link:b[GigabitEthernet0/3]", "node:b"]],
        [],
    ),
    (
        "three units, two waves",
        ["node:b", "node:c", "link:c[GigabitEthernet0/3]"],
        [["link:c[GigabitEthernet0/3]", "node:c"], ["node:b"]],
        [],
    ),
    ("a unit that cuts alone is reported apart", [A_UPLINKS, "node:c"], [[A_UPLINKS, "node:c"]], [A_UPLINKS]),
]


@pytest.mark.parametrize(("case", "units", "waves", "unstageable"), WAVES, ids=[c[0] for c in WAVES])
def test_plan_waves(case: str, units: list[str], waves: list[list[str]], unstageable: list[str]) -> None:
    dp = dataplane("square")
    plan = _plan(dp, units)
    assert _norm(plan.waves) == _norm(waves)
    assert [u.spec for u in plan.unstageable] == unstageable
    assert sorted(e.spec for w in plan.waves for e in w) == sorted(units)  # every unit in exactly one wave


# e: a stub router behind d only (its loopback is single-homed on link d-e)
STUB_E = {
    "configs/d.cfg": [
        ("router ospf 1", "interface GigabitEthernet0/5\n ip address 10.0.0.8 255.255.255.254\n!\nrouter ospf 1")
    ],
    "configs/e.cfg": [
        (
            "",
            "hostname e\n!\ninterface Loopback0\n ip address 10.255.0.5 255.255.255.255\n!\n"
            "interface GigabitEthernet0/5\n ip address 10.0.0.9 255.255.255.254\n!\n"
            "router ospf 1\n router-id 10.255.0.5\n network 10.0.0.0 0.0.255.255 area 0\n"
            " network 10.255.0.0 0.0.255.255 area 0\n!\nend\n",
        )
    ],
}


def test_single_point_on_one_destination_does_not_hide_a_cut_of_another() -> None:
    dp = dataplane("square", STUB_E)
    both = zone("d-and-e", prefixes=["10.255.0.4/32", "10.255.0.5/32"])
    plan = _plan(dp, ["link:d[GigabitEthernet0/5]", "node:b", "node:c"], dst=both)
    assert [u.spec for u in plan.unstageable] == ["link:d[GigabitEthernet0/5]"]
    assert not any({"node:b", "node:c"} <= {e.spec for e in w} for w in plan.waves)


def test_blast_radius_finding_proposes_waves() -> None:
    pset = policies(
        """
version: 1
zones:
  a: {nodes: [a]}
  d-lo: {prefixes: [10.255.0.4/32]}
policies:
  - {name: r, type: redundancy, between: [[a, d-lo]], max_failures: 1}
  - {name: staged, type: blast_radius, protect: all}
"""
    )
    dp = dataplane("square")
    ctx = CheckContext(
        head=dp,
        base=dp,
        policies=pset,
        compute=compute_dataplane,
        touched=TouchedElements(devices=frozenset({"b", "c"})),
    )
    findings = run_blast_radius(ctx, pset.policy("staged"))
    assert len(findings) == 1
    f = findings[0]
    assert f.check == "blast_radius" and f.severity == "error" and f.extra["waves"] == [["node:b"], ["node:c"]]
    assert set(f.failures) == {"node:b", "node:c"}
    assert "wave 1: node:b; wave 2: node:c" in f.message


def test_blast_radius_without_base_is_a_note() -> None:
    pset = policies("version: 1\npolicies:\n  - {name: staged, type: blast_radius, protect: all}\n")
    ctx = CheckContext(head=dataplane("square"), policies=pset)
    assert run_blast_radius(ctx, pset.policy("staged")) == []
    assert ctx.notes and "skipped" in ctx.notes[0]


def test_failure_of_a_node_takes_all_its_interfaces() -> None:
    dp = compute_dataplane(dataplane("square").snapshot, FailureSet(nodes=frozenset({"b"})))
    assert not any(n == "b" for n, _ in dp.active_interfaces)
