"""Batfish location specifiers and the source addresses each location implies (semantics §8a).

``node`` / ``node[iface]`` are InterfaceLocations: the flow originates at the node, from that
interface's own addresses. ``@enter(node)`` / ``@enter(node[iface])`` are InterfaceLinkLocations:
the flow enters the interface from the link, from the addresses a host on that link could have.
Node and interface parts are case-insensitive names or ``/regex/`` (searched, case-insensitive);
several specifiers may be joined with commas. Picking the numerically smallest source address
mirrors Batfish's BDD minimum assignment, so builtin flows equal Batfish's flows.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, summarize_address_range

from validator.engine.types import DataPlane
from validator.errors import InputError
from validator.model.config import Interface, Node
from validator.model.flow import IP_PROTOCOLS, Flow

HOST_SUBNET_MAX_PREFIX_LENGTH = 29  # Batfish Prefix.HOST_SUBNET_MAX_PREFIX_LENGTH
TRACEROUTE_SRC_PORT = 49152
TRACEROUTE_UDP_DST_PORT = 33434
DEFAULT_TCP_DST_PORT = 80


@dataclass(frozen=True)
class StartLocation:
    """Where flows start and which source addresses they may carry.

    ``interface`` is set only when the flow *enters* that interface (``entering``); originated
    flows (InterfaceLocations) have ``interface`` None and name the interface whose addresses they
    use in ``origin_interface``. ``src_ips`` are disjoint networks in ascending order; empty means
    the location yields no flow (Batfish skips it silently).
    """

    node: str
    interface: str | None
    vrf: str
    entering: bool
    src_ips: tuple[IPv4Network, ...]
    origin_interface: str | None = None

    @property
    def min_ip(self) -> IPv4Address | None:
        return self.src_ips[0].network_address if self.src_ips else None

    @property
    def label(self) -> str:
        if self.entering:
            return f"@enter({self.node}[{self.interface}])"
        return f"{self.node}[{self.origin_interface}]" if self.origin_interface else self.node


@dataclass(frozen=True)
class _Name:
    """A name part of a specifier: a literal (case-insensitive) or a regex."""

    text: str
    regex: re.Pattern[str] | None

    def matches(self, name: str) -> bool:
        if self.regex is not None:
            return self.regex.search(name) is not None
        return name.lower() == self.text.lower()


@dataclass(frozen=True)
class LocationTerm:
    """One parsed specifier term, e.g. ``@enter(/border/[GigabitEthernet0/0])``."""

    node: _Name
    interface: _Name | None
    entering: bool


def _bad(spec: str, why: str) -> InputError:
    return InputError(f"bad location specifier {spec!r}: {why}")


def _read_name(spec: str, i: int, stops: str) -> tuple[_Name, int]:
    """A literal up to one of ``stops`` or a ``/regex/`` starting at ``i``."""
    n = len(spec)
    while i < n and spec[i] == " ":
        i += 1
    if i < n and spec[i] == "/":
        j = i + 1
        while j < n and spec[j] != "/":
            j += 2 if spec[j] == "\\" else 1
        if j >= n:
            raise _bad(spec, "unterminated /regex/")
        pattern = spec[i + 1 : j]
        try:
            rx = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise _bad(spec, f"invalid regex /{pattern}/: {exc}") from None
        return _Name(f"/{pattern}/", rx), j + 1
    j = i
    while j < n and spec[j] not in stops:
        j += 1
    text = spec[i:j].strip()
    if not text:
        raise _bad(spec, f"empty name at column {i + 1}")
    return _Name(text, None), j


def parse_location_spec(spec: str) -> list[LocationTerm]:
    """Parse ``a, b[iface], @enter(/re/[/re/])`` into terms; raises InputError when malformed."""
    terms: list[LocationTerm] = []
    i, n = 0, len(spec)
    if not spec.strip():
        raise _bad(spec, "empty")
    while True:
        while i < n and spec[i] == " ":
            i += 1
        entering = False
        if spec.startswith("@enter(", i):
            entering = True
            i += len("@enter(")
        elif spec.startswith("@", i):
            raise _bad(spec, "only @enter(...) is supported")
        node, i = _read_name(spec, i, "[,) ")
        iface: _Name | None = None
        if i < n and spec[i] == "[":
            iface, i = _read_name(spec, i + 1, "]")
            if i >= n or spec[i] != "]":
                raise _bad(spec, "missing ']'")
            i += 1
        if entering:
            while i < n and spec[i] == " ":
                i += 1
            if i >= n or spec[i] != ")":
                raise _bad(spec, "missing ')'")
            i += 1
        terms.append(LocationTerm(node, iface, entering))
        while i < n and spec[i] == " ":
            i += 1
        if i >= n:
            return terms
        if spec[i] != ",":
            raise _bad(spec, f"unexpected {spec[i]!r} at column {i + 1}")
        i += 1


def _interface_ips(iface: Interface) -> list[IPv4Network]:
    return sorted({IPv4Network(a.ip) for a in iface.addresses})


def _link_ips(node: Node, iface: Interface, owned: list[int]) -> list[IPv4Network]:
    """Host IPs of subnets up to /29, minus every IP owned anywhere (inactive owners included)."""
    if node.vendor == "host" or iface.kind == "loopback":
        return []
    ranges: list[tuple[int, int]] = []
    for addr in iface.addresses:
        net = addr.network
        if net.prefixlen > HOST_SUBNET_MAX_PREFIX_LENGTH:
            continue
        ranges.append((int(net.network_address) + 1, int(net.broadcast_address) - 1))
    out: list[IPv4Network] = []
    for lo, hi in _merge_ranges(ranges):
        cur = lo
        for ip in owned[bisect_left(owned, lo) : bisect_right(owned, hi)]:
            if ip > cur:
                out.extend(summarize_address_range(IPv4Address(cur), IPv4Address(ip - 1)))
            cur = ip + 1
        if cur <= hi:
            out.extend(summarize_address_range(IPv4Address(cur), IPv4Address(hi)))
    return out


def _merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _select_interfaces(node: Node, want: _Name | None) -> list[Interface]:
    """Interfaces matching a name part; a literal may be an IOS abbreviation (``Gi0/0``)."""
    if want is None:
        return list(node.interfaces.values())
    found = [i for i in node.interfaces.values() if want.matches(i.name)]
    if found or want.regex is not None:
        return found
    from validator.parsers import canonical_interface_name

    full = canonical_interface_name(want.text).lower()
    return [i for i in node.interfaces.values() if i.name.lower() == full]


def resolve_locations(dp: DataPlane, spec: str) -> list[StartLocation]:
    """Active start locations named by ``spec``, sorted by node then interface.

    Unknown literal node or interface names and malformed specifiers raise InputError; a regex
    that matches nothing, or interfaces that are all inactive, give an empty list.
    """
    nodes = dp.snapshot.nodes
    owned = sorted(int(ip) for ip in dp.ip_owners)
    seen: set[StartLocation] = set()
    out: list[StartLocation] = []
    for term in parse_location_spec(spec):
        names = sorted(n for n in nodes if term.node.matches(n))
        if not names and term.node.regex is None:
            raise InputError(f"unknown node {term.node.text!r} in location specifier {spec!r}")
        for name in names:
            node = nodes[name]
            ifaces = _select_interfaces(node, term.interface)
            if not ifaces and term.interface is not None and term.interface.regex is None:
                raise InputError(f"unknown interface {name}[{term.interface.text}] in location specifier {spec!r}")
            for iface in sorted(ifaces, key=lambda i: i.name):
                if (name, iface.name) not in dp.active_interfaces:
                    continue
                if term.entering:
                    loc = StartLocation(name, iface.name, iface.vrf, True, tuple(_link_ips(node, iface, owned)))
                else:
                    loc = StartLocation(name, None, iface.vrf, False, tuple(_interface_ips(iface)), iface.name)
                if loc not in seen:
                    seen.add(loc)
                    out.append(loc)
    return out


def resolve_ip(dp: DataPlane, target: IPv4Address | str) -> IPv4Address:
    """An IP literal, or the smallest address of the locations a node/location specifier names."""
    if isinstance(target, IPv4Address):
        return target
    try:
        return IPv4Address(target.strip())
    except ValueError:
        pass
    ips = [loc.min_ip for loc in resolve_locations(dp, target) if loc.min_ip is not None]
    if not ips:
        raise InputError(f"destination {target!r} has no active address")
    return min(ips)


def _protocol_number(protocol: str | int) -> int:
    if isinstance(protocol, int):
        if not 0 <= protocol <= 255:
            raise InputError(f"IP protocol {protocol} out of range 0-255")
        return protocol
    number = IP_PROTOCOLS.get(protocol.strip().lower())
    if number is None:
        raise InputError(f"unknown protocol {protocol!r} (use udp, tcp, icmp or a number)")
    return number


def flow_sort_key(flow: Flow) -> tuple[str, str, str, int, int, int, int, int]:
    """Batfish's Flow order (ingressNode, ingressInterface, ingressVrf, srcIp, dstIp, ...)."""
    return (
        flow.ingress_node,
        flow.ingress_interface or "",
        flow.ingress_vrf if flow.ingress_interface is None else "",
        int(flow.src_ip),
        int(flow.dst_ip),
        flow.ip_protocol,
        flow.src_port,
        flow.dst_port,
    )


def flows_for(
    dp: DataPlane,
    location_spec: str,
    dst_ip: IPv4Address | str,
    protocol: str | int = "udp",
    dst_port: int | None = None,
    *,
    src_ip: IPv4Address | None = None,
) -> list[Flow]:
    """One flow per start location, as Batfish's traceroute builds them.

    Source IP: ``src_ip`` if given, else the location's numerically smallest source address;
    locations without one are skipped (InputError if all are). Headers: UDP 49152 -> 33434,
    TCP dst 80 with SYN only, ICMP echo-request.
    """
    dst = resolve_ip(dp, dst_ip)
    proto = _protocol_number(protocol)
    flows: set[Flow] = set()
    for loc in resolve_locations(dp, location_spec):
        src = src_ip if src_ip is not None else loc.min_ip
        if src is None:
            continue
        if proto == 17:
            ports = (TRACEROUTE_SRC_PORT, dst_port if dst_port is not None else TRACEROUTE_UDP_DST_PORT)
        elif proto == 6:
            ports = (TRACEROUTE_SRC_PORT, dst_port if dst_port is not None else DEFAULT_TCP_DST_PORT)
        else:
            ports = (0, 0)
        flows.add(
            Flow(
                ingress_node=loc.node,
                src_ip=src,
                dst_ip=dst,
                ingress_interface=loc.interface if loc.entering else None,
                ingress_vrf=loc.vrf,
                ip_protocol=proto,
                src_port=ports[0],
                dst_port=ports[1],
                icmp_type=8 if proto == 1 else None,
                icmp_code=0 if proto == 1 else None,
                tcp_syn=proto == 6,
                tcp_ack=False,
            )
        )
    if not flows:
        raise InputError(f"no active start location with a source address for {location_spec!r}")
    return sorted(flows, key=flow_sort_key)
