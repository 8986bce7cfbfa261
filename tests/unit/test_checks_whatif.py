"""validator.checks.whatif on fixtures/unit/checks/square: maintenance that cuts a protected pair is
an error; a pair left one failure away from a cut is a warning naming its single points of failure."""

from __future__ import annotations

import pytest
from test_checks_helpers import dataplane, policies

from validator.checks.drain import drain_spec
from validator.checks.whatif import what_if
from validator.engine.dataplane import compute_dataplane
from validator.engine.failspec import parse_fail_specs
from validator.errors import InputError

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
        assert "one more failure cuts it" in w.message and w.extra["cause"] == "maintenance"
    else:
        assert warnings == []
    cut = [f for f in out.findings if f.check == "whatif" and f.severity == "error"]
    for f in cut:
        assert f.message.startswith(f"taking down {', '.join(specs)} cuts a -> d-lo")
        assert f.failures == tuple(specs) and f.trace and f.base_trace
    assert ("reach", "reachability") in out.policies_run
    assert out.broken == (["a -> d-lo"] if "maintenance" in errors else [])
    assert out.safe == (not errors)
    # no empty failure text ("not with  down")
    assert all("  " not in f.message and "with  " not in f.message for f in out.findings)


def test_severity_warning_policies_warn_instead_of_blocking() -> None:
    """Both paths down cuts the pair, but only ``severity: warning`` policies protect it: the
    maintenance warns (exit 0), as ``check`` does for such policies."""
    pset = policies(
        POLICIES.replace("max_failures: 1}", "max_failures: 1, severity: warning}").replace(
            "expect: allow}", "expect: allow, severity: warning}"
        )
    )
    dp = dataplane("square")
    specs = ["node:b", "link:a[GigabitEthernet0/2]"]
    out = what_if(
        base=dp,
        failures=parse_fail_specs(specs, dp.snapshot, dp.edges),
        specs=specs,
        policies=pset,
        compute=compute_dataplane,
    )
    assert out.safe and out.broken == ["a -> d-lo"]
    assert {f.policy for f in out.findings if f.severity == "warning"} >= {"maintenance", "reach"}


@pytest.mark.parametrize(
    ("given", "spec"),
    [
        ("az1-r2", "node:az1-r2"),
        ("az1-r2[GigabitEthernet1/2]", "interface:az1-r2[GigabitEthernet1/2]"),
        ("link:az1-r2[GigabitEthernet1/2]", "link:az1-r2[GigabitEthernet1/2]"),
        ("node:az1-r2", "node:az1-r2"),
        ("group:conduit", "group:conduit"),
    ],
)
def test_drain_spec(given: str, spec: str) -> None:
    assert drain_spec(given) == spec


@pytest.mark.parametrize("bad", ["", "a b", "x:[y]", "r1[Gi0/0"])
def test_drain_spec_refuses_what_it_cannot_name(bad: str) -> None:
    with pytest.raises(InputError, match="--drain"):
        drain_spec(bad)
