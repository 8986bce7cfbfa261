"""Pure translation between Batfish's answers and the validator's model, both ways.

Everything here works on the JSON form of answers (a ``TableAnswer`` is a dict; a recorded
``.ref`` file is a list of answer elements), never on pybatfish objects, so the translation is
tested on recorded real answers without a server. The outbound direction (policies' zones and
flows as Batfish specifiers) is ``batfish_outbound``; parse status and init issues folded into the
snapshot are ``batfish_hygiene``.

Traces are rebuilt in exactly the shape the builtin traceroute produces (step types, actions,
detail keys), so checks, evidence and reports cannot tell the engines apart. Batfish's Filter
steps name the filter but not the line; the line and its config location come from evaluating
the validator's model of that filter on the flow, and only when the model agrees with Batfish's
action (otherwise the step points at the filter's definition and says the model disagrees).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any, get_args

from validator.engine.acl import evaluate_acl
from validator.engine.fib import build_fib
from validator.engine.rib import MainRib, route_sort_key
from validator.engine.types import Fib
from validator.errors import EngineError
from validator.model.dataplane import BgpSession, Edge, NextHop, Route
from validator.model.flow import Disposition, Flow, Hop, Step, Trace
from validator.model.snapshot import Snapshot

# Batfish's IpProtocol names (org.batfish.datamodel.IpProtocol) for the protocols policies use;
# any other number is UNNAMED_<n> in answers and accepted as a number in constraints.
BATFISH_PROTOCOL_NAMES: dict[int, str] = {
    1: "ICMP",
    2: "IGMP",
    4: "IPINIP",
    6: "TCP",
    17: "UDP",
    41: "IPV6",
    47: "GRE",
    50: "ESP",
    51: "AHP",
    58: "IPV6_ICMP",
    89: "OSPF",
    103: "PIM",
    112: "VRRP",
    132: "SCTP",
}
_PROTOCOL_NUMBERS = {v: k for k, v in BATFISH_PROTOCOL_NAMES.items()}
_UNNAMED = re.compile(r"^UNNAMED_(\d+)$", re.IGNORECASE)

DISPOSITIONS: frozenset[str] = frozenset(get_args(Disposition))
SESSION_STATUSES = frozenset({"ESTABLISHED", "NOT_ESTABLISHED", "NOT_COMPATIBLE"})
SESSION_TYPES = {
    "EBGP_SINGLEHOP": "EBGP_SINGLEHOP",
    "EBGP_MULTIHOP": "EBGP_MULTIHOP",
    "EBGP_UNNUMBERED": "EBGP_SINGLEHOP",
    "IBGP": "IBGP",
    "IBGP_UNNUMBERED": "IBGP",
    "UNSET": "UNSET",
}
# fileParseStatus values after which Batfish's view of the snapshot lacks the file's device
_NO_IP = "AUTO/NONE(-1l)"


def _bad(what: str, value: Any) -> EngineError:
    text = repr(value)
    if len(text) > 160:
        text = text[:157] + "..."
    return EngineError(f"unexpected Batfish answer: {what}: {text}")


# --- answers ------------------------------------------------------------------------------------


def answer_elements(answer: Any) -> list[dict[str, Any]]:
    """The answer elements of a TableAnswer dict, a recorded ``.ref`` list, or a bare element."""
    if isinstance(answer, list):
        return [e for e in answer if isinstance(e, dict)]
    if isinstance(answer, Mapping):
        status = answer.get("status")
        if isinstance(status, str) and status.upper() not in ("SUCCESS", "ASSERTION_FAILED"):
            summary = answer.get("summary") or {}
            notes = summary.get("notes") if isinstance(summary, Mapping) else None
            raise EngineError(f"Batfish answered with status {status}" + (f": {notes}" if notes else ""))
        if "answerElements" in answer:
            elements = answer["answerElements"]
            if not isinstance(elements, list):
                raise _bad("answerElements", elements)
            return [e for e in elements if isinstance(e, dict)]
        return [dict(answer)]
    raise _bad("answer", answer)


def answer_rows(answer: Any) -> list[dict[str, Any]]:
    """The rows of a table answer (first element), in Batfish's order."""
    elements = answer_elements(answer)
    if not elements:
        raise _bad("no answer element", answer)
    rows = elements[0].get("rows")
    if rows is None:
        raise _bad("answer is not a table", elements[0].get("class"))
    return [dict(r) for r in rows]


def node_name(value: Any) -> str:
    """A Node cell (``{"id", "name"}``) or a plain name, lower-cased as Batfish names nodes."""
    if isinstance(value, Mapping):
        value = value.get("name")
    if not isinstance(value, str) or not value:
        raise _bad("node", value)
    return value.lower()


def interface_of(value: Any) -> tuple[str, str]:
    """An Interface cell (``{"hostname", "interface"}``) or ``node[iface]`` text."""
    if isinstance(value, Mapping) and "hostname" in value and "interface" in value:
        return str(value["hostname"]).lower(), str(value["interface"])
    if isinstance(value, str):
        m = re.match(r"^(.+?)\[(.+)\]$", value)
        if m:
            return m.group(1).lower(), m.group(2)
    raise _bad("interface", value)


def _iface_name(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        name = value.get("interface")
        return str(name) if name is not None else None
    return str(value)


def _ip(value: Any) -> IPv4Address | None:
    if value is None or value == _NO_IP:
        return None
    if isinstance(value, Mapping):  # SelfDescribing {"schema": "Ip", "value": ...}
        value = value.get("value")
    try:
        return IPv4Address(str(value))
    except ValueError:
        return None


def _int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(what, value) from None


# --- routes -------------------------------------------------------------------------------------


def next_hop_from_json(
    value: Any, *, next_hop_ip: Any = None, next_hop_interface: Any = None, output_interface: str | None = None
) -> NextHop:
    """Batfish's NextHop (``{"type": ip|interface|discard, ...}``); older answers only carry
    ``Next_Hop_IP``/``Next_Hop_Interface`` strings, which are read as a fallback."""
    if isinstance(value, Mapping) and "type" in value:
        kind = value["type"]
        if kind == "discard":
            return NextHop("discard")
        if kind == "ip":
            ip = _ip(value.get("ip"))
            if ip is None:
                raise _bad("next hop ip", value)
            return NextHop("ip", None, ip)
        if kind == "interface":
            name = value.get("interface")
            if not isinstance(name, str):
                raise _bad("next hop interface", value)
            return NextHop("interface", name, _ip(value.get("ip")))
        if kind == "vrf":
            raise EngineError(f"Batfish route leaks into VRF {value.get('vrf')!r}: next-vrf routes are not modelled")
        raise _bad("next hop type", value)
    iface = next_hop_interface if isinstance(next_hop_interface, str) else None
    if iface is not None and (iface.lower().startswith("null") or iface == "null_interface"):
        return NextHop("discard")
    ip = _ip(next_hop_ip)
    if iface not in (None, "dynamic"):
        return NextHop("interface", iface, ip)
    if ip is not None:
        return NextHop("ip", None, ip)
    if output_interface is not None:
        return NextHop("interface", output_interface)
    raise _bad("next hop", value if value is not None else next_hop_ip)


def _tag(value: Any) -> int | None:
    if value is None:
        return None
    tag = _int(value, "route tag")
    return None if tag < 0 else tag


def route_from_row(row: Mapping[str, Any]) -> Route:
    """One ``routes`` row (one ECMP next hop) as a main-RIB Route."""
    try:
        network = IPv4Network(str(row["Network"]))
    except (KeyError, ValueError):
        raise _bad("route network", row.get("Network")) from None
    return Route(
        node=node_name(row.get("Node")),
        vrf=str(row.get("VRF") or "default"),
        network=network,
        protocol=str(row.get("Protocol")),
        next_hop=next_hop_from_json(
            row.get("Next_Hop"), next_hop_ip=row.get("Next_Hop_IP"), next_hop_interface=row.get("Next_Hop_Interface")
        ),
        admin_distance=_int(row.get("Admin_Distance"), "admin distance"),
        metric=_int(row.get("Metric"), "metric"),
        tag=_tag(row.get("Tag")),
    )


def routes_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Route]:
    """Routes in the builtin's order: node, VRF, then Batfish's routes-answer order."""
    routes = [route_from_row(r) for r in rows]
    return sorted(routes, key=lambda r: (r.node, r.vrf, route_sort_key(r)))


def ribs_from_routes(routes: Iterable[Route], snapshot: Snapshot | None = None) -> dict[str, dict[str, list[Route]]]:
    """node -> VRF -> routes; every node and VRF of the model is present, as in the builtin."""
    ribs: dict[str, dict[str, list[Route]]] = {}
    if snapshot is not None:
        for name, node in snapshot.nodes.items():
            vrfs = ribs.setdefault(name, {"default": []})
            for iface in node.interfaces.values():
                vrfs.setdefault(iface.vrf, [])
    for r in routes:
        ribs.setdefault(r.node, {}).setdefault(r.vrf, []).append(r)
    out: dict[str, dict[str, list[Route]]] = {}
    for n in sorted(ribs):
        out[n] = {v: sorted(rs, key=route_sort_key) for v, rs in sorted(ribs[n].items())}
    return out


def fibs_from_ribs(ribs: Mapping[str, Mapping[str, Sequence[Route]]]) -> dict[str, dict[str, Fib]]:
    """FIBs by the builtin's recursive resolution over Batfish's main RIBs (every route kept:
    Batfish already chose the best ones)."""
    out: dict[str, dict[str, Fib]] = {}
    for node, vrfs in ribs.items():
        out[node] = {}
        for vrf, routes in vrfs.items():
            rib = MainRib()
            for r in routes:
                current = rib.by_prefix.get(r.network)
                if current is None:
                    rib.merge(r)
                elif r not in current:
                    current.append(r)
            out[node][vrf] = build_fib(rib)
    return out


@dataclass(frozen=True)
class RouteDiff:
    """One row of a differential ``routes`` answer (snapshot vs reference)."""

    node: str
    vrf: str
    network: IPv4Network
    presence: str  # "Only in Snapshot", "Only in Reference", "In both"
    snapshot: Route | None
    reference: Route | None


def route_diffs_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[RouteDiff]:
    out: list[RouteDiff] = []
    for row in rows:
        node = node_name(row.get("Node"))
        vrf = str(row.get("VRF") or "default")
        network = IPv4Network(str(row.get("Network")))
        sides: dict[str, Route | None] = {}
        for side in ("Snapshot", "Reference"):
            if row.get(f"{side}_Protocol") is None:
                sides[side] = None
                continue
            sides[side] = Route(
                node=node,
                vrf=vrf,
                network=network,
                protocol=str(row[f"{side}_Protocol"]),
                next_hop=next_hop_from_json(row.get(f"{side}_Next_Hop")),
                admin_distance=_int(row.get(f"{side}_Admin_Distance"), "admin distance"),
                metric=_int(row.get(f"{side}_Metric"), "metric"),
                tag=_tag(row.get(f"{side}_Tag")),
            )
        out.append(RouteDiff(node, vrf, network, str(row.get("Entry_Presence")), sides["Snapshot"], sides["Reference"]))
    return out


# --- topology and sessions ---------------------------------------------------------------------


def edges_from_layer3_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[Edge, ...]:
    """``layer3Edges`` rows (Interface, Remote_Interface) as directed edges, sorted."""
    edges: set[Edge] = set()
    for row in rows:
        n1, i1 = interface_of(row.get("Interface"))
        n2, i2 = interface_of(row.get("Remote_Interface"))
        edges.add(Edge(n1, i1, n2, i2))
    return tuple(sorted(edges))


def edges_from_pojo_topology(topology: Mapping[str, Any]) -> tuple[Edge, ...]:
    """Batfish's older "pojo" topology (``get-pojo-topology``): interface ids ``interface-node-N-I``."""
    interfaces: dict[str, tuple[str, str]] = {}
    for iface in topology.get("interfaces", []):
        node_id = str(iface["nodeId"])
        interfaces[str(iface["id"])] = (node_id.removeprefix("node-").lower(), str(iface["name"]))
    edges: set[Edge] = set()
    for link in topology.get("links", []):
        try:
            a, b = interfaces[str(link["srcId"])], interfaces[str(link["dstId"])]
        except KeyError:
            raise _bad("topology link", link) from None
        edges.add(Edge(a[0], a[1], b[0], b[1]))
    return tuple(sorted(edges))


def bgp_session_from_row(row: Mapping[str, Any]) -> BgpSession:
    remote_ip_cell = row.get("Remote_IP")
    remote_ip: IPv4Address | IPv4Network | None = None
    if isinstance(remote_ip_cell, Mapping):
        value = remote_ip_cell.get("value")
        if str(remote_ip_cell.get("schema", "")).lower() == "prefix":
            remote_ip = IPv4Network(str(value), strict=False)
        else:
            remote_ip = _ip(value)
    elif remote_ip_cell is not None:
        text = str(remote_ip_cell)
        remote_ip = IPv4Network(text, strict=False) if "/" in text else _ip(text)
    remote_as: int | None
    try:
        remote_as = int(str(row.get("Remote_AS")))
    except ValueError:
        remote_as = None  # an AS range (dynamic peers)
    status = str(row.get("Established_Status") or "NOT_ESTABLISHED")
    reason = ""
    if status not in SESSION_STATUSES:
        reason = f"Batfish status {status}"
        status = "NOT_ESTABLISHED"
    session_type = SESSION_TYPES.get(str(row.get("Session_Type")), "UNSET")
    remote_node = row.get("Remote_Node")
    return BgpSession(
        node=node_name(row.get("Node")),
        vrf=str(row.get("VRF") or "default"),
        local_as=_int(row.get("Local_AS"), "local AS"),
        local_ip=_ip(row.get("Local_IP")),
        remote_as=remote_as,
        remote_ip=remote_ip,
        remote_node=node_name(remote_node) if remote_node else None,
        session_type=session_type,  # type: ignore[arg-type]
        status=status,  # type: ignore[arg-type]
        reason=reason,
    )


def bgp_sessions_from_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[BgpSession, ...]:
    return tuple(bgp_session_from_row(r) for r in rows)


# --- flows and traces ---------------------------------------------------------------------------


def protocol_number(name: Any) -> int:
    text = str(name)
    if text.upper() in _PROTOCOL_NUMBERS:
        return _PROTOCOL_NUMBERS[text.upper()]
    m = _UNNAMED.match(text)
    if m:
        return int(m.group(1))
    if text.isdigit():
        return int(text)
    raise _bad("IP protocol", name)


def protocol_name(number: int) -> str:
    return BATFISH_PROTOCOL_NAMES.get(number, str(number))


def flow_from_json(d: Mapping[str, Any], snapshot: Snapshot | None = None) -> Flow:
    """A Batfish Flow in the builtin's conventions: ports only for TCP/UDP (else 0), ICMP type and
    code only for ICMP, TCP flags only for TCP; an entering flow's VRF is its interface's VRF."""
    node = node_name(d.get("ingressNode"))
    iface = d.get("ingressInterface")
    vrf = d.get("ingressVrf")
    if vrf is None:
        vrf = "default"
        if iface is not None and snapshot is not None and node in snapshot.nodes:
            intf = snapshot.nodes[node].interfaces.get(str(iface))
            if intf is not None:
                vrf = intf.vrf
    proto = protocol_number(d.get("ipProtocol"))
    ports = (_int(d.get("srcPort"), "srcPort"), _int(d.get("dstPort"), "dstPort")) if proto in (6, 17) else (0, 0)
    src, dst = _ip(d.get("srcIp")), _ip(d.get("dstIp"))
    if src is None or dst is None:
        raise _bad("flow addresses", d)
    return Flow(
        ingress_node=node,
        src_ip=src,
        dst_ip=dst,
        ingress_interface=str(iface) if iface is not None else None,
        ingress_vrf=str(vrf),
        ip_protocol=proto,
        src_port=ports[0],
        dst_port=ports[1],
        icmp_type=_int(d.get("icmpVar"), "icmpVar") if proto == 1 and d.get("icmpVar") is not None else None,
        icmp_code=_int(d.get("icmpCode"), "icmpCode") if proto == 1 and d.get("icmpCode") is not None else None,
        tcp_syn=proto == 6 and bool(d.get("tcpFlagsSyn")),
        tcp_ack=proto == 6 and bool(d.get("tcpFlagsAck")),
    )


def same_flow(a: Flow, b: Flow) -> bool:
    """Equal as a traceroute start: location, addresses, protocol, ports, ICMP and TCP flags."""

    def key(f: Flow) -> tuple[Any, ...]:
        return (
            f.ingress_node,
            f.ingress_interface,
            f.ingress_vrf if f.ingress_interface is None else None,
            f.src_ip,
            f.dst_ip,
            f.ip_protocol,
            f.src_port if f.ip_protocol in (6, 17) else 0,
            f.dst_port if f.ip_protocol in (6, 17) else 0,
            (f.icmp_type, f.icmp_code) if f.ip_protocol == 1 else None,
            (f.tcp_syn, f.tcp_ack) if f.ip_protocol == 6 else None,
        )

    return key(a) == key(b)


def _route_info(r: Mapping[str, Any], output_interface: str | None) -> dict[str, Any]:
    nh = next_hop_from_json(r.get("nextHop"), next_hop_ip=r.get("nextHopIp"), output_interface=output_interface)
    return {
        "network": str(IPv4Network(str(r.get("network")))),
        "protocol": str(r.get("protocol")),
        "next_hop": nh.to_json(),
        "admin_distance": _int(r.get("admin"), "route admin distance"),
        "metric": _int(r.get("metric"), "route metric"),
    }


def _filter_step(
    detail: Mapping[str, Any],
    action: str,
    node: str,
    flow: Flow,
    in_iface: str | None,
    out_iface: str | None,
    snapshot: Snapshot | None,
) -> Step:
    name = str(detail.get("filter", ""))
    kind = str(detail.get("type") or "")
    egress = "EGRESS" in kind.upper()
    step_in = _iface_name(detail.get("inputInterface")) or in_iface
    step_out = _iface_name(detail.get("outputInterface")) or (out_iface if egress else None)
    out: dict[str, Any] = {"filter": name, "filter_type": kind, "line": None}
    file: str | None = None
    line: int | None = None
    acl = snapshot.nodes[node].acls.get(name) if snapshot is not None and node in snapshot.nodes else None
    if acl is not None:
        at_filter = flow
        if isinstance(detail.get("flow"), Mapping):
            at_filter = flow_from_json(detail["flow"], snapshot)
        verdict, acl_line = evaluate_acl(acl, at_filter)
        agrees = (verdict == "permit") == (action == "PERMITTED")
        src = acl_line.source if (agrees and acl_line is not None) else acl.source
        file, line = src.file, src.line
        if agrees:
            out["line"] = acl_line.text if acl_line is not None else None
            if acl_line is None:
                out["default_action"] = True
        else:
            out["model_disagrees"] = True
    out["direction"] = "out" if egress else "in"
    out["interface"] = step_out if egress else step_in
    if step_in is not None:
        out["input_interface"] = step_in
    if step_out is not None:
        out["output_interface"] = step_out
    return Step("Filter", action, out, file=file, line=line)


def _hop_from_json(hop: Mapping[str, Any], flow: Flow, snapshot: Snapshot | None) -> Hop:
    node = node_name(hop.get("node"))
    steps: list[Step] = []
    in_iface: str | None = None
    out_iface: str | None = None
    arp_ip: str | None = None
    for s in hop.get("steps", []):
        kind = s.get("type")
        action = str(s.get("action"))
        d: Mapping[str, Any] = s.get("detail") or {}
        if kind == "EnterInputInterface":
            in_iface = _iface_name(d.get("inputInterface"))
            steps.append(
                Step("EnterInputInterface", action, {"input_interface": in_iface, "input_vrf": d.get("inputVrf")})
            )
        elif kind == "Originate":
            steps.append(Step("Originate", action, {"originating_vrf": d.get("originatingVrf")}))
        elif kind == "Filter":
            steps.append(_filter_step(d, action, node, flow, in_iface, out_iface, snapshot))
        elif kind == "Inbound":
            steps.append(Step("Inbound", action, {"interface": _iface_name(d.get("interface"))}))
        elif kind == "Routing":
            vrf = d.get("vrf")
            if action == "NO_ROUTE":
                steps.append(Step("Routing", action, {"vrf": vrf}))
                continue
            out_iface = _iface_name(d.get("outputInterface"))
            detail: dict[str, Any] = {"vrf": vrf, "routes": [_route_info(r, out_iface) for r in d.get("routes", [])]}
            if action == "FORWARDED" and out_iface is not None:
                detail["output_interface"] = out_iface
                if d.get("arpIp") is not None:
                    arp_ip = str(IPv4Address(str(d["arpIp"])))
                    detail["arp_ip"] = arp_ip
            steps.append(Step("Routing", action, detail))
        elif kind == "ExitOutputInterface":
            out_iface = _iface_name(d.get("outputInterface")) or out_iface
            steps.append(Step("ExitOutputInterface", action, {"output_interface": out_iface}))
        elif kind in ("ArpError", "Delivered"):
            resolved = _ip(d.get("resolvedNexthopIp"))
            target = str(resolved) if resolved is not None else (arp_ip or str(flow.dst_ip))
            iface = _iface_name(d.get("outputInterface")) or out_iface
            steps.append(Step("Arp", action, {"output_interface": iface, "arp_ip": target}))
        elif kind == "Loop":
            steps.append(Step("Loop", "LOOP"))
        # Transformation, Policy, MatchSession and SetupSession steps describe NAT and firewall
        # sessions the validator does not model; the disposition (Batfish's) already reflects them.
    return Hop(node, tuple(steps))


def trace_from_json(d: Mapping[str, Any], flow: Flow, snapshot: Snapshot | None = None) -> Trace:
    disposition = str(d.get("disposition"))
    if disposition not in DISPOSITIONS:
        raise _bad("trace disposition", disposition)
    hops = tuple(_hop_from_json(h, flow, snapshot) for h in d.get("hops", []))
    return Trace(disposition, hops)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FlowTraces:
    """A flow and every path Batfish found for it."""

    flow: Flow
    traces: tuple[Trace, ...]

    def to_json(self) -> dict[str, Any]:
        return {"flow": self.flow.to_json(), "traces": [t.to_json() for t in self.traces]}


@dataclass(frozen=True)
class DifferentialFlowTraces:
    """A flow whose fate differs between the reference (base) and the snapshot (head)."""

    flow: Flow
    head: tuple[Trace, ...]
    base: tuple[Trace, ...]


def flow_traces_from_rows(
    rows: Iterable[Mapping[str, Any]], snapshot: Snapshot | None = None, *, traces_column: str = "Traces"
) -> list[FlowTraces]:
    """traceroute / reachability / detectLoops rows: one FlowTraces per row, in answer order."""
    out: list[FlowTraces] = []
    for row in rows:
        flow = flow_from_json(row["Flow"], snapshot)
        traces = tuple(trace_from_json(t, flow, snapshot) for t in row.get(traces_column) or [])
        out.append(FlowTraces(flow, traces))
    return out


def differential_from_rows(
    rows: Iterable[Mapping[str, Any]], head: Snapshot | None = None, base: Snapshot | None = None
) -> list[DifferentialFlowTraces]:
    out: list[DifferentialFlowTraces] = []
    for row in rows:
        flow = flow_from_json(row["Flow"], head)
        out.append(
            DifferentialFlowTraces(
                flow,
                tuple(trace_from_json(t, flow, head) for t in row.get("Snapshot_Traces") or []),
                tuple(trace_from_json(t, flow, base) for t in row.get("Reference_Traces") or []),
            )
        )
    return out
