"""validator.checks.baseline: which findings are pre-existing, and what counts as touching one."""

from __future__ import annotations

from validator.checks.baseline import PRE_EXISTING, label, touches
from validator.diff.units import Unit
from validator.model.verdict import Finding, Location

HOPS = (
    {"node": "r1", "steps": [{"type": "Originate"}, {"type": "Forward", "output_interface": "Gi0/1"}]},
    {"node": "r2", "steps": [{"type": "Inbound", "interface": "Gi0/0"}]},
)
REDUNDANCY = Finding(
    policy="inter",
    check="redundancy",
    message="r1 -> r2-lo broken with link:r3[Gi0/2] down",
    failures=("link:r3[Gi0/2]",),
    flow={"src_ip": "10.0.0.1", "dst_ip": "10.0.0.2", "protocol": "ICMP"},
    trace=({"disposition": "NO_ROUTE", "hops": [HOPS[0]]},),
    base_trace=({"disposition": "ACCEPTED", "hops": list(HOPS)},),
    extra={"pair": "r1 -> r2-lo", "kind": "broken"},
)
HYGIENE = Finding(
    policy="hyg", check="hygiene", message="r4: BGP session down", locations=(Location("configs/r4.cfg", 9),)
)
FILES = {"r1": "configs/r1.cfg", "r4": "configs/r4.cfg", "r9": "configs/r9.cfg"}


def test_interface_units_touch_only_their_own_interface_on_the_path() -> None:
    assert touches(REDUNDANCY, [Unit("iface", "r1", "Gi0/1")], FILES)
    assert touches(REDUNDANCY, [Unit("iface", "r3", "Gi0/2")], FILES)  # in the failure set
    assert not touches(REDUNDANCY, [Unit("iface", "r1", "Loopback1")], FILES)
    assert touches(REDUNDANCY, [Unit("session", "r2", "10.9.9.9")], FILES)  # a node on the path
    assert not touches(REDUNDANCY, [Unit("node", "r9")], FILES)


def test_findings_without_flows_are_touched_through_the_devices_they_name() -> None:
    assert touches(HYGIENE, [Unit("iface", "r4", "Gi0/0")], FILES)
    assert not touches(HYGIENE, [Unit("node", "r9")], FILES)


def test_label_only_identical_untouched_state_findings() -> None:
    regress = Finding(policy="nr", check="no_regression", message="x")
    out = label([REDUNDANCY, HYGIENE, regress], [REDUNDANCY, HYGIENE, regress], [Unit("node", "r9")], FILES)
    assert [f.extra.get("status") for f in out] == [PRE_EXISTING, PRE_EXISTING, None]
    assert [f.severity for f in out] == ["warning", "warning", "error"]
    # not in the base: new
    assert label([REDUNDANCY], [HYGIENE], [], FILES)[0].severity == "error"
    # touched: stays an error
    assert label([REDUNDANCY], [REDUNDANCY], [Unit("iface", "r1", "Gi0/1")], FILES)[0].severity == "error"


def test_another_port_of_the_same_group_is_a_new_finding() -> None:
    """A change that breaks another port of the same group must not hide behind the base's old
    finding (fail closed)."""
    import dataclasses

    base = Finding(
        policy="web",
        check="reachability",
        message="internet -> web: flow is not delivered (1 header class from edge1)",
        flow={"src_ip": "1.1.1.1", "dst_ip": "10.0.0.2", "protocol": "TCP", "dst_port": 80},
        trace=({"disposition": "DENIED_IN", "hops": [HOPS[1]]},),
    )
    other_port = dataclasses.replace(base, flow={**(base.flow or {}), "dst_port": 443})
    assert label([base], [base], [], FILES)[0].status == PRE_EXISTING
    assert label([other_port], [base], [], FILES)[0].severity == "error"
    # a base finding the engine could not decide proves nothing about the head's decided one
    undecided = dataclasses.replace(base, status="undecided")
    assert label([base], [undecided], [], FILES)[0].severity == "error"
