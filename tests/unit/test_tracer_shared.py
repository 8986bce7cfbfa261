"""Sub-trees shared between the flows of one tracer (``traceroute.Tracer._explore``): a sub-tree is
reused for another flow to the same destination only when that flow's own evaluations of the
filters the sub-tree met give equal steps. Every trace equals a fresh tracer's, step details
included, on a network whose leaves filter (anti-spoofing in, telnet and SNMP out), with and
without a failure; subclasses that observe each read (the session re-check's recording tracer)
share nothing.
"""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

import pytest
from test_sweep_retrace import tiny  # noqa: F401  (module fixture)

from validator.checks.sweep import enumerate_elements, union
from validator.engine.incremental import scenario_dataplane
from validator.engine.traceroute import Tracer
from validator.engine.types import DataPlane
from validator.model.flow import Flow

HEADERS = ((6, 443), (6, 23), (17, 161), (17, 53), (1, 0))


def _flows(dp: DataPlane) -> list[Flow]:
    hosts = sorted(n for n, node in dp.snapshot.nodes.items() if node.vendor == "host")
    dsts = sorted({int(ip) for ip in dp.ip_owners} | {int(IPv4Address("8.8.8.8"))})
    # an unowned address of every LAN: delivered out of the (filtered) LAN port
    lans = {a.network for n in dp.snapshot.nodes.values() for i in n.interfaces.values() for a in i.addresses}
    dsts += sorted(int(net.network_address) + 10 for net in lans if net.prefixlen <= 28)
    out: list[Flow] = []
    for h in hosts:
        own = next(int(a.ip) for i in dp.snapshot.nodes[h].interfaces.values() for a in i.addresses)
        for dst in dsts:
            for src in (own, int(IPv4Address("10.99.0.1"))):  # the host's own address, and spoofed
                for proto, port in HEADERS:
                    out.append(
                        Flow(
                            ingress_node=h,
                            src_ip=IPv4Address(src),
                            dst_ip=IPv4Address(dst),
                            ip_protocol=proto,
                            src_port=40000 if proto != 1 else 0,
                            dst_port=port,
                            icmp_type=8 if proto == 1 else None,
                            icmp_code=0 if proto == 1 else None,
                        )
                    )
    return out


def _json(traces: list[Any]) -> list[Any]:
    return [(t, t.to_json()) for t in traces]


@pytest.mark.parametrize("failed", [None, "node:az1-core1", "link"])
def test_shared_sub_trees_equal_fresh_traces(tiny: DataPlane, failed: str | None, monkeypatch: Any) -> None:  # noqa: F811
    dp = tiny
    if failed is not None:
        elements = enumerate_elements(tiny, ["link", "node"])
        e = next(x for x in elements if x.spec == failed) if failed != "link" else elements[3]
        dp = scenario_dataplane(tiny, union((e,)))
    flows = _flows(dp)
    hops = {"n": 0}
    real = Tracer._explore_hop

    def counting(self: Tracer, st: Any, key: Any) -> Any:
        hops["n"] += 1
        return real(self, st, key)

    monkeypatch.setattr(Tracer, "_explore_hop", counting)
    shared = Tracer(dp)
    got = [_json(shared.trace(f)) for f in flows]
    shared_hops = hops["n"]
    hops["n"] = 0
    want = [_json(Tracer(dp).trace(f)) for f in flows]
    assert got == want
    # the filters split some destinations' sub-trees into variants, and sharing still paid off
    assert any(len(v) > 1 for v in (shared._shared or {}).values())
    assert shared_hops * 3 < hops["n"]
    dispositions = {t.disposition for ts in want for t, _ in ts}
    assert {"DENIED_IN", "DENIED_OUT"} & dispositions and "ACCEPTED" in dispositions


def test_recording_subclass_shares_nothing(tiny: DataPlane) -> None:  # noqa: F811
    from validator.engine.incremental._sessions import RecordingTracer

    rec = RecordingTracer(tiny)
    assert rec._shared is None and rec._repliers is None
    flow = _flows(tiny)[0]
    rec.reads = set()
    first = rec.trace(flow)
    reads = set(rec.reads)
    rec.reads = set()
    assert rec.trace(flow) == first and rec.reads == reads and reads  # every read observed again


@pytest.mark.parametrize("failed", [None, "node:az1-core1"])
def test_filters_read_off_the_evaluations_equal_the_filter_steps(tiny: DataPlane, failed: str | None) -> None:  # noqa: F811
    """``Tracer.trace_and_filters``: the filters a flow's evaluations met (reused sub-trees
    included) are exactly the Filter steps of its traces (``explore.filters_met``)."""
    from validator.checks.explore import filters_met

    dp = tiny
    if failed is not None:
        e = next(x for x in enumerate_elements(tiny, ["node"]) if x.spec == failed)
        dp = scenario_dataplane(tiny, union((e,)))
    tracer = Tracer(dp)
    met = 0
    for f in _flows(dp):
        traces, filters = tracer.trace_and_filters(f)
        assert filters == filters_met(dp, traces), f
        met += bool(filters)
    assert met


def test_filters_read_off_a_zone_firewall_equal_the_filter_steps() -> None:
    """Zone-firewall steps (a zone pair's policy names the ACLs it consulted) too."""
    from pathlib import Path

    from validator.checks.explore import filters_met
    from validator.engine.dataplane import compute_dataplane
    from validator.snapshot.folder import load_snapshot

    root = Path(__file__).parents[2] / "fixtures" / "zbf" / "base"
    dp = compute_dataplane(load_snapshot(str(root)))
    tracer = Tracer(dp)
    zoned = 0
    for f in _flows(dp) + _node_flows(dp):
        traces, filters = tracer.trace_and_filters(f)
        assert filters == filters_met(dp, traces), f
        zoned += any(s.detail.get("acls") is not None for t in traces for h in t.hops for s in h.steps)
    assert zoned


def _node_flows(dp: DataPlane) -> list[Flow]:
    """Into every interface of every router, to a host of every subnet, a few protocols."""
    nets = sorted({a.network for n in dp.snapshot.nodes.values() for i in n.interfaces.values() for a in i.addresses})
    dsts = [int(net.network_address) + 10 for net in nets if net.prefixlen <= 28]
    return [
        Flow(
            ingress_node=n,
            ingress_interface=i,
            src_ip=IPv4Address(src),
            dst_ip=IPv4Address(dst),
            ip_protocol=p,
            dst_port=port,
            src_port=40000,
        )
        for n, node in sorted(dp.snapshot.nodes.items())
        for i in sorted(node.interfaces)
        for src in dsts
        for dst in dsts
        for p, port in ((6, 80), (6, 22), (17, 53), (6, 443))
    ]
