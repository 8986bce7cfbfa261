"""validator.checks.reachability and the runner: findings carry a counterexample flow, the traces
and the config lines responsible (the ACL line and its ``ip access-group``); severity is honoured.

Network: fixtures/unit/checks/line (see test_checks_explore.py).
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

import pytest
from test_checks_helpers import FIXTURES, dataplane, policies, zone

from validator.checks.headerspace import HeaderConstraints
from validator.checks.ipspace import Intervals
from validator.checks.reachability import check_reachability
from validator.checks.runner import CheckContext, run_policies

INTERNET = zone("internet", interfaces=["r1[GigabitEthernet0/0]"])
H3 = zone("h3", nodes=["h3"])
LAN = zone("lan", prefixes=["10.3.0.0/28"])
NOWHERE = zone("nowhere", prefixes=["192.0.2.0/24"])


def line_of(file: str, text: str) -> int:
    lines = (FIXTURES / "line" / file).read_text().splitlines()
    return next(i for i, ln in enumerate(lines, 1) if ln.strip() == text)


def tcp(*ports: int) -> HeaderConstraints:
    return HeaderConstraints(frozenset({6}), Intervals.of((p, p) for p in ports))


def udp(*ports: int) -> HeaderConstraints:
    return HeaderConstraints(frozenset({17}), Intervals.of((p, p) for p in ports))


R2, R3 = "configs/r2.cfg", "configs/r3.cfg"
CASES: list[tuple[str, Any, Any, HeaderConstraints, str, list[dict[str, Any]]]] = [
    # (case, from, to, headers, expect, expected findings: flow fields, dispositions, locations)
    (
        "web open except the blocked source",
        INTERNET,
        H3,
        tcp(80, 443),
        "allow",
        [
            {
                "src_ip": "203.0.113.3",
                "dispositions": {"DENIED_IN"},
                "locations": [(R2, "deny   tcp host 203.0.113.3 any"), (R2, "ip access-group FROM-EDGE in")],
            },
        ],
    ),
    ("udp to h3's 1000-2000 is closed", INTERNET, H3, udp(1500), "deny", []),
    ("telnet is closed", INTERNET, LAN, tcp(23), "deny", []),
    (
        "dns to h3 is open, policy says closed",
        INTERNET,
        H3,
        udp(53),
        "deny",
        [
            {
                "src_ip": "203.0.113.2",
                "dst_ip": "10.3.0.5",
                "dispositions": {"ACCEPTED"},
                "locations": [(R2, "permit udp any any"), (R3, "permit ip any any")],
            },
        ],
    ),
    (
        "udp 1500 to the LAN must be open",
        INTERNET,
        H3,
        udp(1500),
        "allow",
        [
            {
                "dst_ip": "10.3.0.5",
                "dispositions": {"DENIED_OUT"},
                "locations": [(R3, "deny   udp any any range 1000 2000"), (R3, "ip access-group TO-LAN out")],
            },
        ],
    ),
]


@pytest.mark.parametrize(("case", "src", "dst", "headers", "expect", "want"), CASES, ids=[c[0] for c in CASES])
def test_reachability_findings(
    case: str, src: Any, dst: Any, headers: HeaderConstraints, expect: str, want: list[dict[str, Any]]
) -> None:
    dp = dataplane("line")
    out = check_reachability(policy="p", dp=dp, src=src, dst=dst, constraints=headers, expect=expect)
    assert len(out.findings) == len(want), [f.message for f in out.findings]
    assert out.classes > 0
    for f, w in zip(out.findings, want, strict=True):
        assert f.severity == "error" and f.check == "reachability" and f.policy == "p"
        assert (f.flow or {})["from"] == "@enter(r1[GigabitEthernet0/0])"
        for key in ("src_ip", "dst_ip"):
            if key in w:
                assert (f.flow or {})[key] == w[key]
        assert {t["disposition"] for t in f.trace} == w["dispositions"]
        got = [(loc.file, loc.text) for loc in f.locations]
        assert got == w["locations"]
        for loc in f.locations:
            assert loc.line == line_of(loc.file, loc.text or "")
        assert str(IPv4Address((f.flow or {})["dst_ip"])) in f.message


def test_the_null_routed_part_of_the_lan_names_the_static_route() -> None:
    dp = dataplane("line")
    out = check_reachability(policy="p", dp=dp, src=INTERNET, dst=LAN, constraints=udp(53), expect="allow")
    null = [f for f in out.findings if {t["disposition"] for t in f.trace} == {"NULL_ROUTED"}]
    assert len(null) == 1
    assert IPv4Address((null[0].flow or {})["dst_ip"]) in [IPv4Address("10.3.0.8") + i for i in range(4)]
    assert [(loc.file, loc.text) for loc in null[0].locations] == [(R2, "ip route 10.3.0.8 255.255.255.252 Null0")]


def test_empty_zones_are_findings() -> None:
    dp = dataplane("line")
    out = check_reachability(
        policy="p", dp=dp, src=zone("x", nodes=["nope"]), dst=NOWHERE, constraints=tcp(80), expect="allow"
    )
    msgs = [f.message for f in out.findings]
    assert any("yields no flow start location" in m for m in msgs)
    assert any("holds no address" in m for m in msgs)


POLICY = """
version: 1
zones:
  net: {interfaces: ["r1[GigabitEthernet0/0]"]}
  h3: {nodes: [h3]}
policies:
  - {name: web-strict, type: reachability, from: net, to: h3, protocol: tcp, ports: [80], expect: allow}
  - {name: soft, type: reachability, from: net, to: h3, protocol: tcp, ports: [80], expect: allow, severity: warning}
  - {name: dns, type: reachability, from: net, to: h3, protocol: udp, ports: [53], expect: deny, severity: warning}
"""


def test_runner_applies_policy_severity() -> None:
    ctx = CheckContext(head=dataplane("line"), policies=policies(POLICY))
    findings, ran = run_policies(ctx)
    assert ran == [("web-strict", "reachability"), ("soft", "reachability"), ("dns", "reachability")]
    by_policy = {(f.policy, f.severity) for f in findings}
    assert by_policy == {("web-strict", "error"), ("soft", "warning"), ("dns", "warning")}
    blocking = [f for f in findings if f.severity == "error"]
    assert [f.policy for f in blocking] == ["web-strict"]
