"""The facts a ``management`` policy proves on one data plane, device by device.

Kept apart from the policy entry point (``checks/management.py``, findings and failure sweeps) so
each piece stays small: here are the flows, the traces and the filters the device itself applies
(vty ``access-class``, SNMP community ACL, ``ip http access-class``), which the forwarding trace
does not see because they act on traffic *to* the router.

Sources: every start location of the NOC zone, one flow per cell of the snapshot's ACL source
cuts (so a filter that admits half the NOC is found), capped at :data:`MAX_SOURCE_CELLS` per
location. Destinations: the device's management addresses (its loopbacks, or the interfaces the
policy's ``address`` names).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

from validator.checks.evidence import describe, loc, trace_locations
from validator.checks.zones import Source, ZoneLike, link_host_space, name_matcher, zone_sources
from validator.engine.acl import acl_boundaries, evaluate_acl_sound
from validator.engine.traceroute import trace
from validator.engine.types import DataPlane
from validator.model.config import Acl, Node
from validator.model.flow import SUCCESS_DISPOSITIONS, Flow, Trace
from validator.model.management import ManagementPlane, TerminalLine
from validator.model.source import SourceRef
from validator.model.verdict import Location

MAX_SOURCE_CELLS = 32
EPHEMERAL_PORT = 49152
ACCESS_PORTS: dict[str, tuple[int, int]] = {
    "ssh": (6, 22),
    "telnet": (6, 23),
    "snmp": (17, 161),
    "https": (6, 443),
    "http": (6, 80),
}
# well-known ports of what the device sends: TACACS+ tcp/49, RADIUS udp/1812, syslog udp/514,
# NTP udp/123, SNMP traps udp/162
SERVICE_PORTS: dict[str, tuple[int, int]] = {
    "tacacs": (6, 49),
    "radius": (17, 1812),
    "logging": (17, 514),
    "ntp": (17, 123),
    "snmp-trap": (17, 162),
}


@dataclass(frozen=True)
class Problem:
    """One thing that cuts the way back in, with its evidence."""

    device: str
    service: str  # ssh, snmp, ... for access; aaa, logging, ntp, snmp-trap; login
    server: str  # the server's address, the management address, or ""
    message: str
    locations: tuple[Location, ...] = ()
    flow: Flow | None = None
    traces: tuple[Trace, ...] = ()
    undecided: tuple[SourceRef, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.device, self.service, self.server)


def run_trace(dp: DataPlane, flow: Flow) -> list[Trace]:
    return dp.tracer(dp, flow) if dp.tracer is not None else trace(dp, flow)


def _source_cuts(dp: DataPlane) -> tuple[int, ...]:
    acls: list[Acl] = [a for n in dp.snapshot.nodes.values() for a in n.acls.values()]
    return acl_boundaries(acls).src_ips


def source_flows(dp: DataPlane, zone: ZoneLike) -> list[tuple[Source, IPv4Address]]:
    """(start location, source address) pairs: one per ACL source cell of each zone location."""
    cuts = _source_cuts(dp)
    out: list[tuple[Source, IPv4Address]] = []
    for src in zone_sources(dp, zone):
        cells = src.space.split(cuts)
        out.extend((src, IPv4Address(lo)) for lo, _ in cells[:MAX_SOURCE_CELLS])
    return out


def management_addresses(dp: DataPlane, node: Node, address: str) -> list[tuple[str, IPv4Address]]:
    """(interface, address) of the device's management addresses that are up in ``dp``."""
    match = name_matcher(address) if address != "loopback" else None
    out: list[tuple[str, IPv4Address]] = []
    for name, intf in sorted(node.interfaces.items()):
        if (node.name, name) not in dp.active_interfaces:
            continue
        if (match is None and intf.kind == "loopback") or (match is not None and match(name)):
            out.extend((name, a.ip) for a in intf.addresses)
    return out


def _acl_loc(dp: DataPlane, ref: SourceRef | None) -> list[Location]:
    return [loc(dp, ref.file, ref.line)] if ref is not None else []


def _device_filter(
    dp: DataPlane, node: Node, acl_name: str | None, applied: SourceRef | None, flow: Flow
) -> tuple[str | None, list[Location], tuple[SourceRef, ...]]:
    """Apply a device-level filter (vty ``access-class``, community ACL) to ``flow``:
    (why it refuses or None, locations, unparsed lines it reached)."""
    if acl_name is None:
        return None, [], ()
    acl = node.acls.get(acl_name)
    if acl is None:
        # IOS releases differ on an undefined access-class; the gate cannot know: fail closed
        return f"filter {acl_name!r} is not defined", _acl_loc(dp, applied), ()
    verdict, line, refs = evaluate_acl_sound(acl, flow)
    if refs:
        return None, _acl_loc(dp, applied), refs
    if verdict == "permit":
        return None, [], ()
    where = _acl_loc(dp, applied) + _acl_loc(dp, line.source if line is not None else acl.source)
    how = f"line '{line.text}'" if line is not None else "its implicit deny"
    return f"filter {acl_name!r} denies {flow.src_ip} ({how})", where, ()


def vty_for(m: ManagementPlane, protocol: str) -> TerminalLine | None:
    """The vty line a new ``protocol`` session lands on: the lowest-numbered vty line whose
    ``transport input`` admits the protocol (IOS hands out the first free line)."""
    lines = sorted((ln for ln in m.vty_lines if ln.admits(protocol)), key=lambda ln: ln.first)
    return lines[0] if lines else None


def access_problems(
    dp: DataPlane, node: Node, zone: ZoneLike, access: tuple[str, ...], address: str
) -> Iterator[Problem]:
    """Operator access from the zone into ``node`` on each protocol of ``access``."""
    addrs = management_addresses(dp, node, address)
    if not addrs:
        yield Problem(node.name, "access", "", f"no management address ({address}) is up")
        return
    flows = source_flows(dp, zone)
    if not flows:
        yield Problem(node.name, "access", "", "the NOC zone has no source in this snapshot")
        return
    for proto in access:
        found = _first_access_problem(dp, node, proto, addrs, flows)
        if found is not None:
            yield found


def _gate(dp: DataPlane, node: Node, proto: str) -> tuple[str | None, SourceRef | None, str | None, list[Location]]:
    """The device-level gate for ``proto``: (filter name, where applied, refusal, locations)."""
    m = node.management
    if proto in ("ssh", "telnet"):
        vty = vty_for(m, proto)
        if vty is None:
            where = [loc(dp, ln.source.file, ln.source.line) for ln in m.vty_lines] or [loc(dp, node.file, 1)]
            return None, None, f"no vty line admits {proto} (transport input)", where
        return vty.access_class_in, vty.access_class_in_source, None, []
    if proto in ("https", "http"):
        on = m.https_server if proto == "https" else m.http_server
        if not on:
            return (
                None,
                None,
                f"the {proto} server is off (ip http {'secure-server' if proto == 'https' else 'server'})",
                [],
            )
        return m.http_access_class, m.http_access_class_source, None, []
    return None, None, None, []  # snmp: per community, see _snmp_refusal


def _snmp_refusal(dp: DataPlane, node: Node, flow: Flow) -> tuple[str | None, list[Location], tuple[SourceRef, ...]]:
    comms = node.management.snmp_communities
    if not comms:
        return "SNMP is off (no snmp-server community)", [loc(dp, node.file, 1)], ()
    reasons: list[str] = []
    where: list[Location] = []
    for c in comms:
        why, locs, refs = _device_filter(dp, node, c.acl, c.source, flow)
        if refs:
            return None, locs, refs
        if why is None:
            return None, [], ()
        reasons.append(f"community {c.name}: {why}")
        where.extend(locs)
    return "; ".join(reasons), where, ()


def _first_access_problem(
    dp: DataPlane,
    node: Node,
    proto: str,
    addrs: list[tuple[str, IPv4Address]],
    flows: list[tuple[Source, IPv4Address]],
) -> Problem | None:
    ip_proto, port = ACCESS_PORTS[proto]
    acl_name, applied, refusal, where = _gate(dp, node, proto)
    if refusal is not None:
        return Problem(node.name, proto, "", refusal, tuple(where))
    vty = vty_for(node.management, proto) if proto in ("ssh", "telnet") else None
    if vty is not None and vty.unparsed:
        return Problem(node.name, proto, "", "vty line partly unparsed", undecided=vty.unparsed)
    for iface, dst in addrs:
        for src, src_ip in flows:
            flow = Flow(
                ingress_node=src.node,
                ingress_interface=src.interface,
                ingress_vrf=src.vrf,
                src_ip=src_ip,
                dst_ip=dst,
                ip_protocol=ip_proto,
                src_port=EPHEMERAL_PORT,
                dst_port=port,
            )
            traces = run_trace(dp, flow)
            refs = tuple(sorted({r for t in traces for r in t.undecided}))
            server = f"{dst} ({iface})"
            if refs:
                return Problem(
                    node.name, proto, server, "path undecided", flow=flow, traces=tuple(traces), undecided=refs
                )
            ok = traces and all(t.disposition == "ACCEPTED" and t.hops and t.hops[-1].node == node.name for t in traces)
            if not ok:
                locs = tuple(trace_locations(dp, flow, traces))
                return Problem(
                    node.name, proto, server, f"{flow} is not delivered: {describe(traces)}", locs, flow, tuple(traces)
                )
            if proto == "snmp":
                why, locs2, refs2 = _snmp_refusal(dp, node, flow)
            else:
                why, locs2, refs2 = _device_filter(dp, node, acl_name, applied, flow)
            if refs2:
                return Problem(
                    node.name, proto, server, "device filter undecided", tuple(locs2), flow, tuple(traces), refs2
                )
            if why is not None:
                gate = "vty access-class" if proto in ("ssh", "telnet") else proto
                msg = f"{flow} reaches the device but its {gate} refuses it: {why}"
                return Problem(node.name, proto, server, msg, tuple(locs2), flow, tuple(traces))
    return None


# --- servers the device must reach --------------------------------------------------------------


@dataclass(frozen=True)
class ServerTarget:
    service: str  # aaa, logging, ntp, snmp-trap (the policy's names)
    protocol: str  # key of SERVICE_PORTS
    address: IPv4Address
    configured: SourceRef
    source_interface: str | None
    source_interface_line: SourceRef | None


def server_targets(node: Node, services: tuple[str, ...]) -> list[ServerTarget]:
    m = node.management
    out: list[ServerTarget] = []
    if "aaa" in services:
        for srv in m.servers:
            if srv.address is None:
                continue
            group = next(
                (
                    g
                    for g in m.server_groups
                    if g.protocol == srv.protocol
                    and g.source_interface
                    and (srv.name in g.members or str(srv.address) in g.members)
                ),
                None,
            )
            si = m.source_interface(srv.protocol)
            if group is not None:
                iface, line = group.source_interface, group.source_interface_source
            else:
                iface, line = (si.interface, si.source) if si is not None else (None, None)
            out.append(ServerTarget("aaa", srv.protocol, srv.address, srv.source, iface, line))
    for service in ("logging", "ntp", "snmp-trap"):
        if service not in services:
            continue
        si = m.source_interface(service)
        for t in m.targets_of(service):
            if t.source_interface is not None:
                iface, line = t.source_interface, t.source
            else:
                iface, line = (si.interface, si.source) if si is not None else (None, None)
            out.append(ServerTarget(service, service, t.address, t.source, iface, line))
    return out


def _locate(dp: DataPlane, addr: IPv4Address) -> tuple[str, str | None] | None:
    """Where traffic from ``addr`` starts: its owner node, or the router link it sits on."""
    owners = sorted(o for o in dp.ip_owners.get(addr, frozenset()) if o in dp.active_interfaces)
    if owners:
        return owners[0][0], None
    for name, node in sorted(dp.snapshot.nodes.items()):
        if node.vendor == "host":
            continue
        for iname in sorted(node.interfaces):
            if (name, iname) in dp.active_interfaces and link_host_space(dp, name, iname).contains(int(addr)):
                return name, iname
    return None


def _source_address(
    dp: DataPlane, node: Node, t: ServerTarget
) -> tuple[IPv4Address | None, str | None, list[Location]]:
    """The address the device sends from: its source interface's, or (none configured) the
    egress interface's towards the server (IOS uses the outgoing interface's address)."""
    where = _acl_loc(dp, t.source_interface_line)
    if t.source_interface is not None:
        intf = node.interfaces.get(t.source_interface)
        if intf is None:
            return None, f"source interface {t.source_interface} does not exist", where
        if (node.name, intf.name) not in dp.active_interfaces or not intf.addresses:
            return None, f"source interface {t.source_interface} is down or has no address", where
        return intf.addresses[0].ip, None, where
    fib = dp.fibs.get(node.name, {}).get("default")
    entries = fib.lookup(t.address) if fib is not None else []
    for e in entries:
        out = node.interfaces.get(e.action.interface or "")
        if out is not None and out.addresses and not e.action.null_route:
            return out.addresses[0].ip, None, []
    return None, f"no route to {t.address}", []


def service_problems(dp: DataPlane, node: Node, services: tuple[str, ...]) -> Iterator[Problem]:
    """Each configured server of ``services``: reachable from the source address, and back."""
    for t in server_targets(node, services):
        server = str(t.address)
        src_ip, why, where = _source_address(dp, node, t)
        configured = [loc(dp, t.configured.file, t.configured.line)]
        if src_ip is None:
            yield Problem(node.name, t.service, server, why or "no source address", tuple(where + configured))
            continue
        ip_proto, port = SERVICE_PORTS[t.protocol]
        fwd = Flow(node.name, src_ip, t.address, ip_protocol=ip_proto, src_port=EPHEMERAL_PORT, dst_port=port)
        found = _judge(dp, node, t, fwd, where + configured, back=False)
        if found is not None:
            yield found
            continue
        start = _locate(dp, t.address)
        if start is None:
            continue  # the server is outside the snapshot: EXITS_NETWORK was the forward answer
        back = Flow(
            start[0],
            t.address,
            src_ip,
            ingress_interface=start[1],
            ip_protocol=ip_proto,
            src_port=port,
            dst_port=EPHEMERAL_PORT,
            tcp_syn=ip_proto != 6,
            tcp_ack=ip_proto == 6,
        )
        found = _judge(dp, node, t, back, where + configured, back=True)
        if found is not None:
            yield found


def _judge(
    dp: DataPlane, node: Node, t: ServerTarget, flow: Flow, where: list[Location], *, back: bool
) -> Problem | None:
    traces = run_trace(dp, flow)
    refs = tuple(sorted({r for tr in traces for r in tr.undecided}))
    server = str(t.address)
    if refs:
        return Problem(node.name, t.service, server, "path undecided", tuple(where), flow, tuple(traces), refs)
    if back:
        ok = bool(traces) and all(
            tr.disposition == "ACCEPTED" and tr.hops and tr.hops[-1].node == node.name for tr in traces
        )
    else:
        ok = bool(traces) and all(tr.disposition in SUCCESS_DISPOSITIONS for tr in traces)
    if ok:
        return None
    what = "the return path" if back else "the server"
    src = f" from source interface {t.source_interface}" if t.source_interface else " (no source interface configured)"
    msg = f"{t.protocol} server {server}{src}: {what} fails: {flow}: {describe(traces)}"
    locs = tuple(where) + tuple(trace_locations(dp, flow, traces))
    return Problem(node.name, t.service, server, msg, locs, flow, tuple(traces))
