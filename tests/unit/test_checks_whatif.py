"""validator.checks.whatif on fixtures/unit/checks/square: maintenance that cuts a protected pair is
an error; a pair left one failure away from a cut is a warning naming its single points of failure."""

from __future__ import annotations

import pytest
from test_checks_helpers import dataplane, policies

from validator.checks.whatif import what_if
from validator.engine.dataplane import compute_dataplane
from validator.engine.failspec import parse_fail_specs

POLICIES = """
version: 1
zones:
  a: {nodes: [a]}
  d-lo: {prefixes: [10.255.0.4/32]}
policies:
  - {name: r, type: redundancy, between: [[a, d-lo]], max_failures: 1}
  - {name: reach, type: reachability, from: a, to: d-lo, protocol: udp, ports: [53], expect: allow}
"""
LOWER = ["link:a[GigabitEthernet0/2]", "link:c[GigabitEthernet0/3]", "node:c"]
UPPER = ["link:a[GigabitEthernet0/1]", "link:b[GigabitEthernet0/3]", "node:b"]

CASES: list[tuple[str, list[str], list[str], list[str], list[str]]] = [
    # (case, failed specs, error policies, warning single points, reachability policies failing)
    ("nothing down", [], [], [], []),
    ("primary router down: backup is the last path", ["node:b"], [], LOWER, []),
    ("backup link down", ["link:c[GigabitEthernet0/3]"], [], UPPER, []),
    ("both paths down", ["node:b", "link:a[GigabitEthernet0/2]"], ["maintenance", "reach"], [], ["reach"]),
]


@pytest.mark.parametrize(("case", "specs", "errors", "spofs", "reach"), CASES, ids=[c[0] for c in CASES])
def test_what_if(case: str, specs: list[str], errors: list[str], spofs: list[str], reach: list[str]) -> None:
    pset = policies(POLICIES)
    dp = dataplane("square")
    failures = parse_fail_specs(specs, dp.snapshot, dp.edges)
    out = what_if(base=dp, failures=failures, specs=specs, policies=pset, compute=compute_dataplane)
    assert sorted(f.policy for f in out.findings if f.severity == "error") == errors
    warnings = [f for f in out.findings if f.severity == "warning"]
    if spofs:
        assert len(warnings) == 1
        w = warnings[0]
        assert w.extra["pair"] == "a -> d-lo" and w.extra["single_points_of_failure"] == sorted(spofs)
        assert "one failure away from a cut" in w.message
    else:
        assert warnings == []
    cut = [f for f in out.findings if f.check == "whatif" and f.severity == "error"]
    for f in cut:
        assert f.message.startswith(f"taking down {', '.join(specs)} cuts a -> d-lo")
        assert f.failures == tuple(specs) and f.trace and f.base_trace
    assert ("reach", "reachability") in out.policies_run
