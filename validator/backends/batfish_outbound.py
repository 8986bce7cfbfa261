"""Outbound translation: policies' zones and concrete flows become Batfish location specifiers and
header-constraint dicts (pybatfish field names), which ``validator.backends.batfish`` wraps into
pybatfish objects. Split from ``batfish_translate`` (the inbound direction) so each stays small."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from ipaddress import IPv4Interface, IPv4Network
from typing import Any

from validator.backends.batfish_translate import protocol_name
from validator.errors import EngineError
from validator.model.flow import Flow
from validator.model.snapshot import Snapshot

_NAME_SPECIAL_CHARS = " \t,\\&()[]@!#$%^;?<>={}"


# --- outbound: specifiers and header constraints ------------------------------------------------


def escape_name(name: str) -> str:
    """Quote a name for Batfish's specifier grammar (as pybatfish's ``escape_name``)."""
    if name and (
        name.startswith('"')
        or name.startswith("/")
        or name[0].isdigit()
        or any(c in name[1:] for c in _NAME_SPECIAL_CHARS)
    ):
        return f'"{name}"'
    return name


def location_of_flow(flow: Flow) -> str:
    """Where a flow starts: ``@enter(node[iface])`` for an entering flow, else the node (originate)."""
    node = escape_name(flow.ingress_node)
    if flow.ingress_interface is not None:
        return f"@enter({node}[{escape_name(flow.ingress_interface)}])"
    return node


def _all_flags(syn: bool, ack: bool) -> dict[str, Any]:
    flags = {k: False for k in ("ack", "cwr", "ece", "fin", "psh", "rst", "syn", "urg")}
    flags["syn"], flags["ack"] = syn, ack
    uses = {f"use{k.capitalize()}": True for k in flags}
    return {"tcpFlags": flags, **uses}


def headers_of_flow(flow: Flow) -> dict[str, Any]:
    """HeaderConstraints fields (pybatfish names) pinning exactly this flow."""
    out: dict[str, Any] = {
        "srcIps": str(flow.src_ip),
        "dstIps": str(flow.dst_ip),
        "ipProtocols": [protocol_name(flow.ip_protocol)],
    }
    if flow.ip_protocol in (6, 17):
        out["srcPorts"] = str(flow.src_port)
        out["dstPorts"] = str(flow.dst_port)
    if flow.ip_protocol == 1:
        if flow.icmp_type is not None:
            out["icmpTypes"] = str(flow.icmp_type)
        if flow.icmp_code is not None:
            out["icmpCodes"] = str(flow.icmp_code)
    if flow.ip_protocol == 6:
        out["tcpFlags"] = [_all_flags(flow.tcp_syn, flow.tcp_ack)]
    return out


def _matcher(spec: Any) -> Callable[[str], bool]:
    if hasattr(spec, "matches"):
        return lambda name: bool(spec.matches(name))
    text = str(spec).strip()
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        rx = re.compile(text[1:-1], re.IGNORECASE)
        return lambda name: rx.search(name) is not None
    return lambda name: name.lower() == text.lower()


def _iface_matcher(spec: Any) -> Callable[[str, str], bool]:
    if hasattr(spec, "matches"):
        return lambda n, i: bool(spec.matches(n, i))
    m = re.match(r"^(?P<node>.+?)\[(?P<iface>.+)\]$", str(spec).strip())
    if not m:
        raise EngineError(f"interface specifier {spec!r}: expected NODE[INTERFACE]")
    nm, im = _matcher(m.group("node")), _matcher(m.group("iface"))
    return lambda n, i: nm(n) and im(i)


def _zone_prefixes(zone: Any) -> list[IPv4Network]:
    return [IPv4Network(str(p), strict=False) for p in (getattr(zone, "prefixes", None) or ())]


def zone_start_location(zone: Any, snapshot: Snapshot, active: frozenset[tuple[str, str]] | None = None) -> str | None:
    """A zone as a Batfish location specifier (a union of concrete locations resolved on the model,
    so names are canonical and regex dialects cannot differ): nodes originate, named interfaces are
    entered, and ``prefixes`` enter the router interfaces whose subnets overlap them and originate
    at the hosts owning addresses inside them (design.md §3). None when nothing matches."""
    terms: list[str] = []

    def up(node: str, iface: str) -> bool:
        return active is None or (node, iface) in active

    for spec in getattr(zone, "nodes", None) or ():
        m = _matcher(spec)
        terms.extend(escape_name(n) for n in sorted(snapshot.nodes) if m(n))
    for spec in getattr(zone, "interfaces", None) or ():
        im = _iface_matcher(spec)
        for n in sorted(snapshot.nodes):
            for i in sorted(snapshot.nodes[n].interfaces):
                if im(n, i) and up(n, i):
                    terms.append(f"@enter({escape_name(n)}[{escape_name(i)}])")
    prefixes = _zone_prefixes(zone)
    if prefixes:
        for n, node in sorted(snapshot.nodes.items()):
            if node.vendor == "host":
                if any(a.ip in p for i in node.interfaces.values() for a in i.addresses for p in prefixes):
                    terms.append(escape_name(n))
                continue
            for i, intf in sorted(node.interfaces.items()):
                if intf.kind == "loopback" or not up(n, i):
                    continue
                if any(a.network.overlaps(p) for a in intf.addresses for p in prefixes):
                    terms.append(f"@enter({escape_name(n)}[{escape_name(i)}])")
    seen: dict[str, None] = dict.fromkeys(terms)
    return ",".join(seen) if seen else None


def zone_destination_ips(zone: Any, snapshot: Snapshot) -> str | None:
    """A zone as a destination IP space specifier: its prefixes and the addresses of its nodes
    and interfaces (resolved on the model). None when the zone holds no address."""
    parts: list[str] = [str(p) for p in _zone_prefixes(zone)]
    addrs: set[IPv4Interface] = set()
    for spec in getattr(zone, "nodes", None) or ():
        m = _matcher(spec)
        for n, node in snapshot.nodes.items():
            if m(n):
                addrs.update(a for i in node.interfaces.values() for a in i.addresses)
    for spec in getattr(zone, "interfaces", None) or ():
        im = _iface_matcher(spec)
        for n, node in snapshot.nodes.items():
            addrs.update(a for i, intf in node.interfaces.items() if im(n, i) for a in intf.addresses)
    parts.extend(str(ip) for ip in sorted({a.ip for a in addrs}))
    return ",".join(dict.fromkeys(parts)) if parts else None


def _ranges(ranges: Iterable[tuple[int, int]]) -> str:
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)


def reachability_headers(src: Any, dst: Any, headers: Any, snapshot: Snapshot) -> dict[str, Any] | None:
    """HeaderConstraints fields for flows from zone ``src`` to zone ``dst`` narrowed by a policy's
    HeaderSpec (protocol numbers, inclusive port ranges). None when ``dst`` holds no address.
    A ``prefixes`` source zone pins the source addresses to its prefixes; other zones leave them
    to Batfish's location rules, as the builtin does."""
    dst_ips = zone_destination_ips(dst, snapshot)
    if dst_ips is None:
        return None
    out: dict[str, Any] = {"dstIps": dst_ips}
    src_prefixes = _zone_prefixes(src)
    if src_prefixes:
        out["srcIps"] = ",".join(str(p) for p in src_prefixes)
    if headers is not None:
        protocols = tuple(getattr(headers, "protocols", ()) or ())
        if protocols:
            out["ipProtocols"] = [protocol_name(p) for p in protocols]
        dst_ports = tuple(getattr(headers, "dst_ports", ()) or ())
        if dst_ports:
            out["dstPorts"] = _ranges(dst_ports)
        src_ports = tuple(getattr(headers, "src_ports", ()) or ())
        if src_ports:
            out["srcPorts"] = _ranges(src_ports)
    return out
