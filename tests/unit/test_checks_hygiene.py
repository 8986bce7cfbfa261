"""validator.checks.hygiene on fixtures/unit/checks/hygiene: r1 applies an undefined ACL, has an
unmodelled ``standby`` line and peers with r2 under the wrong remote-as; r1 and r2 route
10.9.0.0/16 at each other (a forwarding loop); r2's null route is no loop."""

from __future__ import annotations

from typing import Any

import pytest
from test_checks_helpers import dataplane, load

from validator.checks.hygiene import REQUIREMENTS as ALL_REQUIREMENTS
from validator.checks.hygiene import check_hygiene
from validator.checks.mgmt_hygiene import MGMT_REQUIREMENTS
from validator.engine.dataplane import compute_dataplane

R1, R2 = "configs/r1.cfg", "configs/r2.cfg"
FIX_AS = {R1: [("remote-as 65099", "remote-as 65002")]}
FIX_LOOP = {R2: [("ip route 10.9.0.0 255.255.0.0 10.0.12.1\n", "")]}
FIX_ACL = {R1: [(" ip access-group MISSING-ACL in\n", "")]}
FIX_WARN = {R1: [(" standby 1 ip 10.0.12.3\n", "")]}

UNDEF = ("error", "r1: acl 'MISSING-ACL' is referenced but not defined", (R1, 9))
BGP1 = ("error", "r1: BGP session to 10.0.12.2 (AS 65099) is NOT_COMPATIBLE", (R1, 13))
BGP2 = ("error", "r2: BGP session to 10.0.12.1 (AS 65001) is NOT_COMPATIBLE", (R2, 11))
LOOP = ("error", "forwarding loop for 10.9.0.0 among r1, r2", None)
WARN = ("warning", "1 configuration line(s) not modelled by the parser", (R1, 10))

# the management-plane requirements have their own tests (test_mgmt_hygiene.py)
REQUIREMENTS = tuple(r for r in ALL_REQUIREMENTS if r not in MGMT_REQUIREMENTS)

CASES: list[tuple[str, Any, tuple[str, ...], list[tuple[str, str, tuple[str, int] | None]]]] = [
    ("everything wrong", {}, REQUIREMENTS, [WARN, UNDEF, BGP1, BGP2, LOOP]),
    ("only parse errors required", {}, ("no_parse_errors",), [WARN]),
    ("only loops required", {}, ("no_forwarding_loops",), [LOOP]),
    ("remote-as fixed", FIX_AS, ("bgp_sessions_up",), []),
    ("loop fixed", FIX_LOOP, ("no_forwarding_loops",), []),
    ("all fixed", {R1: FIX_AS[R1] + FIX_ACL[R1] + FIX_WARN[R1], **FIX_LOOP}, REQUIREMENTS, []),
]


@pytest.mark.parametrize(("case", "edits", "require", "want"), CASES, ids=[c[0] for c in CASES])
def test_hygiene(case: str, edits: Any, require: tuple[str, ...], want: list[tuple[str, str, Any]]) -> None:
    findings = check_hygiene(policy="h", dp=dataplane("hygiene", edits), require=require)
    assert len(findings) == len(want), [f.message for f in findings]
    for f, (severity, prefix, where) in zip(findings, want, strict=True):
        assert f.severity == severity and f.check == "hygiene" and f.policy == "h"
        assert f.message.startswith(prefix), f.message
        if where is not None:
            assert (f.locations[0].file, f.locations[0].line) == where
    for f in findings:
        if f.message.startswith("forwarding loop"):
            assert f.trace[0]["disposition"] == "LOOP"


def test_file_that_does_not_parse_is_an_error() -> None:
    snap = load("hygiene", {"configs/bad.cfg": [("", "hostname bad\n\x00\x01\n")]}, strict=False)
    findings = check_hygiene(policy="h", dp=compute_dataplane(snap), require=("no_parse_errors",))
    errors = [f for f in findings if f.severity == "error"]
    assert len(errors) == 1 and errors[0].locations[0].file == "configs/bad.cfg"
