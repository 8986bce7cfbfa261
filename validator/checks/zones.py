"""Zones of a policy turned into flow start locations and destination address space.

Semantics (design.md §3): as a source, a zone starts flows at its nodes (originated, with the
nodes' own addresses), at the interfaces it names (entering, with the addresses a host on that
link could have), or for prefixes at the router interfaces whose subnets hold those addresses
(entering) and at the hosts that own addresses inside them (originated). As a destination a zone
is the address space it names or owns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any, Protocol

from validator.checks.ipspace import Intervals
from validator.engine.types import DataPlane
from validator.errors import PolicyError
from validator.model.snapshot import Snapshot

HOST_SUBNET_MAX_PREFIX_LENGTH = 29


class ZoneLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def prefixes(self) -> Any: ...
    @property
    def nodes(self) -> Any: ...
    @property
    def interfaces(self) -> Any: ...


@dataclass(frozen=True)
class Source:
    """A start location: originate at ``node`` (interface None) or enter ``node[interface]``."""

    node: str
    interface: str | None
    vrf: str
    space: Intervals

    @property
    def label(self) -> str:
        return f"@enter({self.node}[{self.interface}])" if self.interface else self.node


def name_matcher(spec: str) -> Callable[[str], bool]:
    """Batfish-style name specifier: a literal (case-insensitive) or ``/regex/`` (search)."""
    spec = spec.strip()
    if len(spec) >= 2 and spec.startswith("/") and spec.endswith("/"):
        try:
            rx = re.compile(spec[1:-1], re.IGNORECASE)
        except re.error as exc:
            raise PolicyError(f"bad regex {spec!r}: {exc}") from None
        return lambda name: rx.search(name) is not None
    lowered = spec.lower()
    return lambda name: name.lower() == lowered


def match_nodes(snapshot: Snapshot, specs: Iterable[Any]) -> list[str]:
    """Nodes matched by names, ``/regex/``es or policy NodeSpec objects."""
    out: set[str] = set()
    for spec in specs:
        m = spec.matches if hasattr(spec, "matches") else name_matcher(str(spec))
        out.update(n for n in snapshot.nodes if m(n))
    return sorted(out)


def match_interfaces(snapshot: Snapshot, specs: Iterable[Any]) -> list[tuple[str, str]]:
    """Interfaces matched by ``node[iface]`` strings or policy InterfaceSpec objects."""
    out: set[tuple[str, str]] = set()
    for spec in specs:
        if hasattr(spec, "matches"):
            for n, node in snapshot.nodes.items():
                out.update((n, i) for i in node.interfaces if spec.matches(n, i))
            continue
        from validator.policy.model import split_interface_spec

        parts = split_interface_spec(str(spec).strip())
        if parts is None:
            raise PolicyError(f"interface specifier {spec!r}: expected NODE[INTERFACE]")
        node_m = name_matcher(parts[0])
        iface_m = name_matcher(parts[1])
        for n, node in snapshot.nodes.items():
            if node_m(n):
                out.update((n, i) for i in node.interfaces if iface_m(i))
    return sorted(out)


def _prefixes(zone: ZoneLike) -> list[IPv4Network]:
    return [p if isinstance(p, IPv4Network) else IPv4Network(str(p), strict=False) for p in (zone.prefixes or ())]


def owned_space(dp: DataPlane) -> Intervals:
    return Intervals.ips(dp.ip_owners)


def link_host_space(dp: DataPlane, node: str, iface: str) -> Intervals:
    """Addresses a host on this link could have (Batfish InterfaceLinkLocation source IPs)."""
    intf = dp.snapshot.nodes[node].interfaces[iface]
    spans: list[tuple[int, int]] = []
    for addr in intf.addresses:
        net = addr.network
        if net.prefixlen > HOST_SUBNET_MAX_PREFIX_LENGTH:
            continue
        spans.append((int(net.network_address) + 1, int(net.broadcast_address) - 1))
    return Intervals.of(spans) - owned_space(dp)


def _own_ips(dp: DataPlane, node: str) -> Intervals:
    ips: list[IPv4Address] = []
    for name, intf in dp.snapshot.nodes[node].interfaces.items():
        if (node, name) in dp.active_interfaces:
            ips.extend(a.ip for a in intf.addresses)
    return Intervals.ips(ips)


def zone_sources(dp: DataPlane, zone: ZoneLike) -> list[Source]:
    snap = dp.snapshot
    out: list[Source] = []
    for node in match_nodes(snap, zone.nodes or ()):
        space = _own_ips(dp, node)
        if space:
            out.append(Source(node, None, "default", space))
    for node, iface in match_interfaces(snap, zone.interfaces or ()):
        if (node, iface) not in dp.active_interfaces:
            continue
        space = link_host_space(dp, node, iface)
        if space:
            out.append(Source(node, iface, snap.nodes[node].interfaces[iface].vrf, space))
    prefixes = Intervals.networks(_prefixes(zone))
    if prefixes:
        for name, node_obj in sorted(snap.nodes.items()):
            if node_obj.vendor == "host":
                space = _own_ips(dp, name) & prefixes
                if space:
                    out.append(Source(name, None, "default", space))
                continue
            for iname, intf in sorted(node_obj.interfaces.items()):
                if (name, iname) not in dp.active_interfaces or intf.kind == "loopback":
                    continue
                space = link_host_space(dp, name, iname) & prefixes
                if space:
                    out.append(Source(name, iname, intf.vrf, space))
    return out


def assigned_space(dp: DataPlane) -> Intervals:
    """Addresses in use: owned by an active interface or inside an active subnet's host range
    (an address on a shut or failed interface is not in use, so it is no destination to keep)."""
    spans: list[tuple[int, int]] = []
    for name, node in dp.snapshot.nodes.items():
        for iname, intf in node.interfaces.items():
            if (name, iname) not in dp.active_interfaces:
                continue
            for addr in intf.addresses:
                net = addr.network
                if net.prefixlen >= 31:
                    spans.append((int(net.network_address), int(net.broadcast_address)))
                else:
                    spans.append((int(net.network_address) + 1, int(net.broadcast_address) - 1))
    active_owned = [ip for ip, owners in dp.ip_owners.items() if any(o in dp.active_interfaces for o in owners)]
    return Intervals.of(spans) | Intervals.ips(active_owned)


def zone_destination(dp: DataPlane, zone: ZoneLike, *, assigned_only: bool) -> Intervals:
    snap = dp.snapshot
    space = Intervals()

    def keep(node: str, iface: str) -> bool:
        return not assigned_only or (node, iface) in dp.active_interfaces

    for node in match_nodes(snap, zone.nodes or ()):
        space = space | Intervals.ips(
            a.ip for n, i in snap.nodes[node].interfaces.items() if keep(node, n) for a in i.addresses
        )
    for node, iface in match_interfaces(snap, zone.interfaces or ()):
        if keep(node, iface):
            space = space | Intervals.ips(a.ip for a in snap.nodes[node].interfaces[iface].addresses)
    prefixes = Intervals.networks(_prefixes(zone))
    if prefixes:
        space = space | (prefixes & assigned_space(dp) if assigned_only else prefixes)
    return space


def zone_nodes(dp: DataPlane, zone: ZoneLike) -> set[str]:
    """Nodes where the zone's flows start or end (excluded from failure sweeps)."""
    out = {s.node for s in zone_sources(dp, zone)}
    space = zone_destination(dp, zone, assigned_only=True)
    for ip, owners in dp.ip_owners.items():
        if space.contains(int(ip)):
            out.update(n for n, _ in owners)
    return out


def sources_in_both(a: Sequence[Source], b: Sequence[Source]) -> list[Source]:
    """Locations present in both snapshots, with the source space they share (Batfish keeps
    only locations active in both for differential questions)."""
    index = {(s.node, s.interface): s for s in b}
    out = []
    for s in a:
        other = index.get((s.node, s.interface))
        if other is not None:
            shared = s.space & other.space
            if shared:
                out.append(Source(s.node, s.interface, s.vrf, shared))
    return out
