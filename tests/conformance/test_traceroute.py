"""Builtin traceroute vs Batfish's recorded answers on the example network (``live`` snapshot).

commands.txt: traceroute-1-2 is ``startLocation="@enter(as1core1)", dstIps "host1"`` and
traceroute-2-1 is ``startLocation="host2", dstIps 1.0.1.1``. Every flow must match Batfish's
(start, source and destination IP, ports), and every trace its disposition, hop nodes and
per-hop steps (type, action, filter, interfaces, ARP IP), in Batfish's order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from validator.engine.locations import flows_for
from validator.engine.traceroute import trace
from validator.engine.types import DataPlane
from validator.model.flow import PROTOCOL_NAMES, Flow, Step, Trace

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
EXAMPLE = SHARED / "reference" / "batfish-example"
ANSWERS = EXAMPLE / "answers"

CASES = [
    ("traceroute-1-2.ref", "@enter(as1core1)", "host1"),
    ("traceroute-2-1.ref", "host2", "1.0.1.1"),
]


@pytest.fixture(scope="module")
def live_dp() -> DataPlane:
    if not (EXAMPLE / "live").is_dir():
        pytest.skip(f"Batfish reference snapshot missing: {EXAMPLE / 'live'}")
    from validator.engine.dataplane import compute_dataplane
    from validator.snapshot.folder import load_snapshot

    return compute_dataplane(load_snapshot(EXAMPLE / "live"))


def _rows(name: str) -> list[dict[str, Any]]:
    path = ANSWERS / name
    if not path.is_file():
        pytest.skip(f"Batfish recorded answer missing: {path}")
    doc = json.loads(path.read_text())
    element = doc[0].get("answerElement", doc[0])
    rows: list[dict[str, Any]] = element["rows"]
    return rows


def _flow_key(flow: Flow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ingressNode": flow.ingress_node,
        "srcIp": str(flow.src_ip),
        "dstIp": str(flow.dst_ip),
        "ipProtocol": PROTOCOL_NAMES[flow.ip_protocol],
        "srcPort": flow.src_port,
        "dstPort": flow.dst_port,
    }
    if flow.ingress_interface is not None:
        out["ingressInterface"] = flow.ingress_interface
    else:
        out["ingressVrf"] = flow.ingress_vrf
    return out


def _ref_flow_key(flow: dict[str, Any]) -> dict[str, Any]:
    keys = ["ingressNode", "srcIp", "dstIp", "ipProtocol", "srcPort", "dstPort"]
    keys.append("ingressInterface" if "ingressInterface" in flow else "ingressVrf")
    return {k: flow[k] for k in keys}


def _iface(value: Any) -> Any:
    return value.get("interface") if isinstance(value, dict) else value


def _ref_step(step: dict[str, Any]) -> tuple[Any, ...]:
    d = step.get("detail", {})
    return (
        step["type"],
        step["action"],
        d.get("filter"),
        _iface(d.get("inputInterface")) if step["type"] == "EnterInputInterface" else None,
        d.get("outputInterface") if step["type"] == "Routing" else _iface(d.get("outputInterface")),
        d.get("arpIp"),
        d.get("interface"),
    )


def _our_step(step: Step) -> tuple[Any, ...]:
    d = step.detail
    return (
        step.type,
        step.action,
        d.get("filter"),
        d.get("input_interface") if step.type == "EnterInputInterface" else None,
        d.get("output_interface") if step.type in ("Routing", "ExitOutputInterface") else None,
        d.get("arp_ip") if step.type == "Routing" else None,
        d.get("interface") if step.type == "Inbound" else None,
    )


def _ref_trace(t: dict[str, Any]) -> tuple[str, list[tuple[str, list[tuple[Any, ...]]]]]:
    return t["disposition"], [(h["node"]["name"], [_ref_step(s) for s in h["steps"]]) for h in t["hops"]]


def _our_trace(t: Trace) -> tuple[str, list[tuple[str, list[tuple[Any, ...]]]]]:
    return t.disposition, [(h.node, [_our_step(s) for s in h.steps]) for h in t.hops]


@pytest.mark.parametrize(("answer", "start", "dst"), CASES, ids=[c[0] for c in CASES])
def test_flows_match_batfish(live_dp: DataPlane, answer: str, start: str, dst: str) -> None:
    rows = _rows(answer)
    flows = flows_for(live_dp, start, dst)
    assert [_flow_key(f) for f in flows] == [_ref_flow_key(r["Flow"]) for r in rows]


@pytest.mark.parametrize(("answer", "start", "dst"), CASES, ids=[c[0] for c in CASES])
def test_traces_match_batfish(live_dp: DataPlane, answer: str, start: str, dst: str) -> None:
    rows = _rows(answer)
    flows = flows_for(live_dp, start, dst)
    assert len(flows) == len(rows)
    for flow, row in zip(flows, rows, strict=True):
        ours = trace(live_dp, flow)
        assert len(ours) == row["TraceCount"]
        expected = [_ref_trace(t) for t in row["Traces"]]
        got = [_our_trace(t) for t in ours]
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert g == e, f"{flow}: trace {i + 1} differs"


@pytest.mark.parametrize(("answer", "start", "dst"), CASES, ids=[c[0] for c in CASES])
def test_routing_steps_name_the_routes_batfish_used(live_dp: DataPlane, answer: str, start: str, dst: str) -> None:
    rows = _rows(answer)
    for flow, row in zip(flows_for(live_dp, start, dst), rows, strict=True):
        for ours, ref in zip(trace(live_dp, flow), row["Traces"], strict=True):
            for hop, ref_hop in zip(ours.hops, ref["hops"], strict=True):
                got = [
                    sorted((r["network"], r["protocol"]) for r in s.detail["routes"])
                    for s in hop.steps
                    if s.type == "Routing"
                ]
                want = [
                    sorted((r["network"], r["protocol"]) for r in s["detail"]["routes"])
                    for s in ref_hop["steps"]
                    if s["type"] == "Routing"
                ]
                assert got == want, f"{flow}: routes at {hop.node}"


def test_denied_filter_points_at_a_config_line(live_dp: DataPlane) -> None:
    """host1's filter::INPUT denies the UDP probe; the Filter step names the iptables line or chain."""
    (flow, *_) = flows_for(live_dp, "@enter(as1core1)", "host1")
    last = trace(live_dp, flow)[0].hops[-1].steps[-1]
    assert last.type == "Filter" and last.action == "DENIED"
    assert last.file is not None and last.file.startswith("iptables/") and last.line is not None
