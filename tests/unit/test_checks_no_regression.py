"""validator.checks.no_regression: differential reachability base -> head, with intent.

Base: fixtures/unit/checks/line. Head edits (as data): r2 stops blocking source 203.0.113.3
(its web flows become delivered: exposure) and r3 starts denying UDP 53 (regression).
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

import pytest
from test_checks_helpers import dataplane, zone

from validator.checks.headerspace import HeaderConstraints
from validator.checks.ipspace import Intervals
from validator.checks.no_regression import IntentScope, check_no_regression
from validator.checks.zones import Source

INTERNET = zone("internet", interfaces=["r1[GigabitEthernet0/0]"])
LAN = zone("lan", prefixes=["10.3.0.0/28"])
R2, R3 = "configs/r2.cfg", "configs/r3.cfg"
OPEN_SRC3 = {R2: [(" deny   tcp host 203.0.113.3 any\n", "")]}
DROP_DNS = {R3: [(" deny   udp any any range", " deny   udp any any eq 53\n deny   udp any any range")]}
BOTH = {**OPEN_SRC3, **DROP_DNS}


def ip(a: str) -> int:
    return int(IPv4Address(a))


def intent(src: str, dst: Intervals, c: HeaderConstraints, expect: str = "allow") -> IntentScope:
    s = Source("r1", "GigabitEthernet0/0", "default", Intervals.of([(ip(src), ip(src))]))
    return IntentScope(f"{src} {expect}", (s,), dst, c, expect)


# the LAN addresses that r2 does not null-route and r3 does not filter; the /28's network and
# broadcast addresses are delivered too (EXITS_NETWORK: Batfish's internal space is host IPs)
LAN_SPACE = Intervals.of(
    [(ip("10.3.0.0"), ip("10.3.0.5")), (ip("10.3.0.7"), ip("10.3.0.7")), (ip("10.3.0.12"), ip("10.3.0.15"))]
)
WEB = HeaderConstraints(frozenset({6}), Intervals.of([(80, 80), (443, 443)]))

CASES: list[tuple[str, Any, HeaderConstraints, list[IntentScope], set[tuple[str, str]]]] = [
    # (case, head edits, policy headers, intent, expected {(kind, change)})
    ("no change", {}, HeaderConstraints(), [], set()),
    ("exposure", OPEN_SRC3, HeaderConstraints(), [], {("exposure", "dropped->delivered")}),
    ("regression", DROP_DNS, HeaderConstraints(), [], {("regression", "delivered->dropped")}),
    ("both", BOTH, HeaderConstraints(), [], {("exposure", "dropped->delivered"), ("regression", "delivered->dropped")}),
    ("policy headers scope the check", BOTH, WEB, [], {("exposure", "dropped->delivered")}),
    (
        "intent owns the opened flow; the unintended drop is still reported",
        BOTH,
        HeaderConstraints(),
        [intent("203.0.113.3", LAN_SPACE, WEB)],
        {("regression", "delivered->dropped")},
    ),
]


@pytest.mark.parametrize(("case", "edits", "headers", "scopes", "want"), CASES, ids=[c[0] for c in CASES])
def test_no_regression(
    case: str, edits: Any, headers: HeaderConstraints, scopes: list[IntentScope], want: set[tuple[str, str]]
) -> None:
    base, head = dataplane("line"), dataplane("line", edits)
    out = check_no_regression(
        policy="nr", base=base, head=head, src=INTERNET, dst=LAN, constraints=headers, intent=scopes
    )
    got = {(f.extra["kind"], f.extra.get("change", "")) for f in out.findings}
    assert got == want, [f.message for f in out.findings]
    for f in out.findings:
        assert f.trace and f.base_trace
        if f.extra["kind"] == "exposure":
            assert (f.flow or {})["src_ip"] == "203.0.113.3" and (f.flow or {})["protocol"] == "TCP"
            assert (f.flow or {})["dst_port"] in (80, 443)
        if f.extra["kind"] == "regression":
            assert (f.flow or {})["protocol"] == "UDP" and (f.flow or {})["dst_port"] == 53
            texts = [loc.text for loc in f.locations]
            assert "deny   udp any any eq 53" in texts and "ip access-group TO-LAN out" in texts


def test_intent_that_does_not_hold_in_head_is_a_finding() -> None:
    base, head = dataplane("line"), dataplane("line", BOTH)
    ssh = HeaderConstraints(frozenset({6}), Intervals.of([(22, 22)]))
    h3 = Intervals.of([(ip("10.3.0.5"), ip("10.3.0.5"))])
    out = check_no_regression(
        policy="nr",
        base=base,
        head=head,
        src=INTERNET,
        dst=LAN,
        constraints=WEB,
        intent=[intent("203.0.113.3", LAN_SPACE, WEB), intent("203.0.113.2", h3, ssh)],
    )
    kinds = [f.extra.get("kind") for f in out.findings]
    assert kinds == ["intent"], [f.message for f in out.findings]
    f = out.findings[0]
    assert "does not hold" in f.message and (f.flow or {})["dst_port"] == 22
    assert [loc.text for loc in f.locations] == ["deny   tcp any any", "ip access-group FROM-EDGE in"]


def test_intent_with_no_flows_is_a_finding() -> None:
    base, head = dataplane("line"), dataplane("line")
    empty = IntentScope("nothing", (), LAN_SPACE, WEB, "allow")
    out = check_no_regression(policy="nr", base=base, head=head, src=INTERNET, dst=LAN, constraints=WEB, intent=[empty])
    assert [f.message for f in out.findings] == ["intent nothing: no such flows in the head"]


def test_intent_narrower_than_a_class_does_not_hide_the_rest_of_the_class() -> None:
    widen = {R2: [(" deny   tcp any any", " permit tcp any 10.3.0.0 0.0.0.15 range 8000 8999\n deny   tcp any any")]}
    base, head = dataplane("line"), dataplane("line", widen)
    only_8443 = HeaderConstraints(frozenset({6}), Intervals.of([(8443, 8443)]))
    scopes = [intent(src, LAN_SPACE, only_8443) for src in ("203.0.113.2", "203.0.113.4", "203.0.113.5", "203.0.113.6")]
    out = check_no_regression(
        policy="nr", base=base, head=head, src=INTERNET, dst=LAN, constraints=HeaderConstraints(), intent=scopes
    )
    assert any(f.extra.get("kind") == "exposure" for f in out.findings)
