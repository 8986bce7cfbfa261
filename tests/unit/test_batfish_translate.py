"""Translation of real Batfish answers (recorded in ../shared) into the model, checked against
what the builtin engine computes on the same snapshot; and the outbound translation (flows and
zones into specifiers and header constraints)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest
from batfish_double import ANSWERS, EXAMPLE, init_tables, layer3_rows_from_topology, load_ref

from validator.backends import batfish_hygiene as bh
from validator.backends import batfish_outbound as bo
from validator.backends import batfish_translate as bt
from validator.engine.dataplane import compute_dataplane
from validator.engine.locations import flows_for
from validator.engine.traceroute import trace
from validator.engine.types import DataPlane
from validator.errors import EngineError
from validator.model.dataplane import NextHop
from validator.model.flow import Flow
from validator.model.snapshot import Snapshot

TRACEROUTES = [
    ("traceroute-1-2.ref", "@enter(as1core1)", "host1"),
    ("traceroute-2-1.ref", "host2", "1.0.1.1"),
]


def _need(path: Any) -> None:
    if not path.exists():
        pytest.skip(f"Batfish reference data missing: {path.resolve()}")


@lru_cache(maxsize=8)
def _snapshot(name: str) -> Snapshot:
    from validator.snapshot.folder import load_snapshot

    return load_snapshot(EXAMPLE / name)


@lru_cache(maxsize=8)
def _dp(name: str) -> DataPlane:
    return compute_dataplane(_snapshot(name))


@pytest.fixture(scope="module")
def live() -> DataPlane:
    _need(EXAMPLE / "live")
    _need(ANSWERS)
    return _dp("live")


def _route_key(r: Any) -> tuple[Any, ...]:
    return (json.dumps(r.to_json(), sort_keys=True), r.tag)


# --- recorded answers versus the builtin ------------------------------------------------------


def test_routes_answer_translates_to_the_builtin_ribs(live: DataPlane) -> None:
    routes = bt.routes_from_rows(load_ref("routes.ref")[0]["rows"])
    assert len(routes) == 315
    assert [_route_key(r) for r in routes] == [_route_key(r) for r in live.routes()]
    ribs = bt.ribs_from_routes(routes, live.snapshot)
    assert {n: {v: [_route_key(r) for r in rs] for v, rs in vrfs.items()} for n, vrfs in ribs.items()} == {
        n: {v: [_route_key(r) for r in rs] for v, rs in vrfs.items()} for n, vrfs in live.ribs.items()
    }


def test_fibs_built_from_batfish_routes_forward_like_the_builtin(live: DataPlane) -> None:
    ribs = bt.ribs_from_routes(bt.routes_from_rows(load_ref("routes.ref")[0]["rows"]), live.snapshot)
    fibs = bt.fibs_from_ribs(ribs)
    probes = [IPv4Address(x) for x in ("1.0.1.1", "2.128.0.101", "3.0.1.2", "10.12.11.2", "8.8.8.8", "2.1.1.2")]
    for node, vrfs in live.fibs.items():
        for vrf, fib in vrfs.items():
            for ip in probes:
                assert {e.action for e in fibs[node][vrf].lookup(ip)} == {e.action for e in fib.lookup(ip)}, (node, ip)


def test_recorded_topology_translates_to_the_builtin_edges(live: DataPlane) -> None:
    topology = load_ref("topology.ref")
    edges = bt.edges_from_pojo_topology(topology)
    assert len(edges) == 38
    assert edges == tuple(sorted(live.edges))
    # the same links as layer3Edges rows (today's question) translate identically
    assert bt.edges_from_layer3_rows(layer3_rows_from_topology(topology)) == edges


@pytest.mark.parametrize(("answer", "start", "dst"), TRACEROUTES, ids=[t[0] for t in TRACEROUTES])
def test_traceroute_answers_translate_to_the_builtin_traces(live: DataPlane, answer: str, start: str, dst: str) -> None:
    results = bt.flow_traces_from_rows(load_ref(answer)[0]["rows"], live.snapshot)
    assert [r.flow for r in results] == flows_for(live, start, dst)
    for r in results:
        assert [t.to_json() for t in r.traces] == [t.to_json() for t in trace(live, r.flow)], str(r.flow)


def test_denying_filter_step_points_at_the_acl_line(live: DataPlane) -> None:
    rows = load_ref("traceroute-1-2.ref")[0]["rows"]
    denied = [
        (h.node, s)
        for r in bt.flow_traces_from_rows(rows, live.snapshot)
        for t in r.traces
        if t.disposition == "DENIED_IN"
        for h in t.hops
        for s in h.steps
        if s.type == "Filter" and s.action == "DENIED"
    ]
    assert denied, "the recording holds a DENIED_IN trace"
    for node, step in denied:
        acl = live.snapshot.nodes[node].acls[step.detail["filter"]]
        lines = {(ln.source.file, ln.source.line): ln.text for ln in acl.lines}
        assert (step.file, step.line) in lines or (step.file, step.line) == (acl.source.file, acl.source.line)
        assert step.detail["direction"] == "in" and step.detail["interface"] == step.detail["input_interface"]
        assert step.file == acl.source.file


def test_bgp_session_status_translates_to_the_builtin_sessions(live: DataPlane) -> None:
    got = bt.bgp_sessions_from_rows(load_ref("bgpSessionStatus.ref")[0]["rows"])
    # recorded with nodes="as2.*", remoteNodes="as3.*"
    want = tuple(
        s
        for s in live.bgp_sessions
        if s.node.startswith("as2") and s.remote_node is not None and s.remote_node.startswith("as3")
    )
    assert got == want


def test_routes_diff_translates_to_the_builtin_difference() -> None:
    _need(ANSWERS / "routes-diff.ref")
    diffs = bt.route_diffs_from_rows(load_ref("routes-diff.ref")[0]["rows"])
    snap = {(r.node, r.vrf, r.network, r.next_hop): r for r in _dp("live-with-bgp-announcements").routes()}
    ref = {(r.node, r.vrf, r.network, r.next_hop): r for r in _dp("candidate").routes()}
    only_snapshot = {k for k in snap.keys() - ref.keys()}
    assert {(d.node, d.vrf, d.network, d.snapshot.next_hop) for d in diffs if d.snapshot} == only_snapshot
    for d in diffs:
        assert d.presence == "Only in Snapshot" and d.reference is None and d.snapshot is not None
        assert _route_key(d.snapshot) == _route_key(snap[(d.node, d.vrf, d.network, d.snapshot.next_hop)])


def test_init_answer_undefined_references_match_the_parser(live: DataPlane) -> None:
    tables = init_tables(load_ref("init.ref"))
    refs = bh.undefined_references_from_rows(tables["undefinedReferences"])
    got = {(r.ref_name, r.file, line) for r in refs for line in r.lines}
    ours = {
        (name, src.file, src.line) for n in live.snapshot.nodes.values() for _k, name, src in n.undefined_references
    }
    assert got == {("filter-bogons", "configs/as2core2.cfg", 110)}
    assert got == ours
    status = bh.file_parse_status_from_rows(tables["fileParseStatus"])
    assert len(status) == 17 and not any(s.failed for s in status)
    assert {s.file for s in status if s.nodes} == {n.file for n in live.snapshot.nodes.values()}
    # Batfish agrees with the parser, so augmenting changes nothing
    augmented = bh.augment_snapshot(live.snapshot, parse_status=status, undefined=refs)
    assert augmented is live.snapshot


# --- hygiene augmentation ----------------------------------------------------------------------


def test_augment_adds_batfish_failures_warnings_and_references(live: DataPlane) -> None:
    snap = live.snapshot
    status = (bh.FileParseStatus("configs/as1border1.cfg", "FAILED", "CISCO_IOS", ("as1border1",)),)
    issues = bh.init_issues_from_rows(
        [
            {
                "Nodes": ["as2core1"],
                "Source_Lines": [{"filename": "configs/as2core1.cfg", "lines": [7]}],
                "Type": "Parse warning (unrecognized)",
                "Details": "This syntax is unrecognized",
                "Line_Text": "frobnicate on",
                "Parser_Context": "[s_stanza]",
            },
            {"Nodes": ["as3core1"], "Source_Lines": None, "Type": "Convert error", "Details": "boom"},
        ]
    )
    undefined = (bh.UndefinedReference("configs/as1core1.cfg", "route-map", "nope", "bgp inbound route-map", (42,)),)
    out = bh.augment_snapshot(snap, parse_status=status, init_issues=issues, undefined=undefined)
    errors = {(e.file, e.line) for e in out.file_errors}
    assert ("configs/as1border1.cfg", 1) in errors and ("as3core1", 1) in errors
    new_warnings = [w for w in out.nodes["as2core1"].warnings if w not in snap.nodes["as2core1"].warnings]
    assert [(w.file, w.line, w.text) for w in new_warnings] == [("configs/as2core1.cfg", 7, "frobnicate on")]
    added = set(out.nodes["as1core1"].undefined_references) - set(snap.nodes["as1core1"].undefined_references)
    assert {(k, n, s.file, s.line) for k, n, s in added} == {("route-map", "nope", "configs/as1core1.cfg", 42)}
    # the input snapshot is untouched; adding the same again is idempotent
    assert snap.file_errors == () or ("configs/as1border1.cfg", 1) not in {(e.file, e.line) for e in snap.file_errors}
    again = bh.augment_snapshot(out, parse_status=status, init_issues=issues, undefined=undefined)
    assert again is out


# --- pieces of the inbound translation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "extra", "want"),
    [
        ({"type": "discard"}, {}, NextHop("discard")),
        ({"type": "ip", "ip": "10.0.0.1"}, {}, NextHop("ip", None, IPv4Address("10.0.0.1"))),
        ({"type": "interface", "interface": "Gi0/0"}, {}, NextHop("interface", "Gi0/0")),
        (
            {"type": "interface", "interface": "Gi0/0", "ip": "10.0.0.1"},
            {},
            NextHop("interface", "Gi0/0", IPv4Address("10.0.0.1")),
        ),
        (
            "as1core1",
            {"next_hop_ip": "10.0.0.1", "next_hop_interface": "dynamic"},
            NextHop("ip", None, IPv4Address("10.0.0.1")),
        ),
        (None, {"next_hop_ip": "AUTO/NONE(-1l)", "next_hop_interface": "Gi0/1"}, NextHop("interface", "Gi0/1")),
        (None, {"next_hop_ip": "AUTO/NONE(-1l)", "next_hop_interface": "null_interface"}, NextHop("discard")),
    ],
)
def test_next_hop_forms(cell: Any, extra: dict[str, Any], want: NextHop) -> None:
    assert bt.next_hop_from_json(cell, **extra) == want


@pytest.mark.parametrize(
    "bad",
    [
        {"status": "FAILURE", "summary": {"notes": "question failed"}},
        {"answerElements": [{"class": "x"}]},
        42,
    ],
)
def test_malformed_answers_raise_engine_errors(bad: Any) -> None:
    with pytest.raises(EngineError):
        bt.answer_rows(bad)


def test_unknown_disposition_and_bad_rows_fail_closed() -> None:
    flow = Flow("a", IPv4Address("1.1.1.1"), IPv4Address("2.2.2.2"))
    with pytest.raises(EngineError, match="disposition"):
        bt.trace_from_json({"disposition": "MAYBE", "hops": []}, flow)
    with pytest.raises(EngineError):
        bt.route_from_row({"Node": {"name": "a"}, "VRF": "default", "Network": "nonsense"})
    with pytest.raises(EngineError):
        bt.next_hop_from_json({"type": "teleport"})


def test_bgp_row_with_dynamic_peer_and_unknown_status() -> None:
    s = bt.bgp_session_from_row(
        {
            "Node": {"name": "R1"},
            "VRF": "default",
            "Local_AS": 65000,
            "Local_IP": None,
            "Remote_AS": "65001-65010",
            "Remote_Node": None,
            "Remote_IP": {"schema": "Prefix", "value": "10.0.0.0/24"},
            "Session_Type": "EBGP_UNNUMBERED",
            "Established_Status": "UNKNOWN_REMOTE",
        }
    )
    assert (s.node, s.remote_as, s.remote_ip, s.session_type) == (
        "r1",
        None,
        IPv4Network("10.0.0.0/24"),
        "EBGP_SINGLEHOP",
    )
    assert s.status == "NOT_ESTABLISHED" and "UNKNOWN_REMOTE" in s.reason


def test_flow_conventions_follow_the_builtin() -> None:
    icmp = bt.flow_from_json(
        {
            "ingressNode": "h",
            "ingressVrf": "default",
            "srcIp": "1.1.1.1",
            "dstIp": "2.2.2.2",
            "ipProtocol": "ICMP",
            "icmpVar": 8,
            "icmpCode": 0,
            "srcPort": 1,
            "dstPort": 2,
            "tcpFlagsSyn": 1,
        }
    )
    assert (icmp.ip_protocol, icmp.src_port, icmp.dst_port, icmp.icmp_type, icmp.tcp_syn) == (1, 0, 0, 8, False)
    other = bt.flow_from_json({"ingressNode": "h", "srcIp": "1.1.1.1", "dstIp": "2.2.2.2", "ipProtocol": "UNNAMED_253"})
    assert other.ip_protocol == 253 and other.ingress_vrf == "default"


# --- outbound ------------------------------------------------------------------------------------


def test_flow_location_and_headers() -> None:
    tcp = Flow("r 1", IPv4Address("1.1.1.1"), IPv4Address("2.2.2.2"), "Gi0/0", ip_protocol=6, src_port=1, dst_port=80)
    assert bo.location_of_flow(tcp) == '@enter("r 1"[Gi0/0])'
    h = bo.headers_of_flow(tcp)
    assert (h["srcIps"], h["dstIps"], h["ipProtocols"], h["srcPorts"], h["dstPorts"]) == (
        "1.1.1.1",
        "2.2.2.2",
        ["TCP"],
        "1",
        "80",
    )
    assert h["tcpFlags"][0]["tcpFlags"]["syn"] is True and h["tcpFlags"][0]["useAck"] is True
    icmp = Flow("r1", IPv4Address("1.1.1.1"), IPv4Address("2.2.2.2"), ip_protocol=1, icmp_type=8, icmp_code=0)
    hi = bo.headers_of_flow(icmp)
    assert bo.location_of_flow(icmp) == "r1"
    assert (hi["icmpTypes"], hi["icmpCodes"], "srcPorts" in hi, "tcpFlags" in hi) == ("8", "0", False, False)
    assert bo.escape_name("1abc") == '"1abc"' and bo.escape_name("Gi0/0") == "Gi0/0"


def test_headers_become_pybatfish_objects() -> None:
    from validator.backends.batfish import _header_constraints

    tcp = Flow("r1", IPv4Address("1.1.1.1"), IPv4Address("2.2.2.2"), ip_protocol=6, src_port=1, dst_port=80)
    hc = _header_constraints(bo.headers_of_flow(tcp))
    assert hc.ipProtocols == ["TCP"] and hc.dstPorts == "80" and hc.tcpFlags[0].tcpFlags.syn is True


@dataclass(frozen=True)
class _Zone:
    name: str
    nodes: tuple[str, ...] = ()
    interfaces: tuple[str, ...] = ()
    prefixes: tuple[IPv4Network, ...] = ()


@dataclass(frozen=True)
class _Headers:
    protocols: tuple[int, ...] = ()
    dst_ports: tuple[tuple[int, int], ...] = ()
    src_ports: tuple[tuple[int, int], ...] = ()


def test_zones_become_locations_and_header_constraints(live: DataPlane) -> None:
    snap = live.snapshot
    src = _Zone("edge", nodes=("/^host/",), interfaces=("as1core1[GigabitEthernet0/0]",))
    assert bo.zone_start_location(src, snap) == "host1,host2,@enter(as1core1[GigabitEthernet0/0])"
    assert bo.zone_start_location(_Zone("none", nodes=("/^nomatch/",)), snap) is None
    inactive = frozenset(k for k in live.active_interfaces if k != ("as1core1", "GigabitEthernet0/0"))
    assert bo.zone_start_location(_Zone("i", interfaces=("as1core1[GigabitEthernet0/0]",)), snap, inactive) is None
    # a prefix zone enters the router interfaces on that subnet and originates at hosts inside it
    lan = _Zone("lan", prefixes=(IPv4Network("2.128.0.0/24"),))
    start = bo.zone_start_location(lan, snap)
    assert start is not None and "host1" in start.split(",") and "host2" not in start.split(",")
    assert all(t == "host1" or t.startswith("@enter(") for t in start.split(","))
    hdr = bo.reachability_headers(lan, _Zone("h2", nodes=("host2",)), _Headers((6,), ((80, 80), (443, 443))), snap)
    host2_ips = sorted(str(a.ip) for i in snap.nodes["host2"].interfaces.values() for a in i.addresses)
    assert hdr == {
        "dstIps": ",".join(host2_ips),
        "srcIps": "2.128.0.0/24",
        "ipProtocols": ["TCP"],
        "dstPorts": "80,443",
    }
    assert bo.reachability_headers(lan, _Zone("empty"), None, snap) is None
