"""Interface activity, IP ownership and layer-3 adjacency (semantics §1, §7, §9).

Kept separate from routing so a what-if scenario can recompute only what a failure touches.
"""

from __future__ import annotations

import re
from collections import defaultdict
from ipaddress import IPv4Address

from validator.engine.types import FailureSet
from validator.model.config import Interface
from validator.model.dataplane import Edge
from validator.model.snapshot import Snapshot

# Batfish can only blacklist interfaces whose type has a line status (PHYSICAL / UNKNOWN).
_BLACKLISTABLE_KINDS = frozenset({"physical", "other"})

IfaceKey = tuple[str, str]


_NO_FAILURES = FailureSet()


def compute_active_interfaces(snapshot: Snapshot, failures: FailureSet = _NO_FAILURES) -> frozenset[IfaceKey]:
    """Interfaces that carry traffic: admin-up, not blacklisted/line-down, not failed, node not down."""
    down_nodes = snapshot.blacklisted_nodes | failures.nodes
    active: set[IfaceKey] = set()
    for node_name, node in snapshot.nodes.items():
        if node_name in down_nodes:
            continue
        for iface in node.interfaces.values():
            key = (node_name, iface.name)
            if never_active(snapshot, key, iface):
                continue
            if key in failures.interfaces:
                continue
            active.add(key)
    return frozenset(without_unbound(snapshot, active))


def never_active(snapshot: Snapshot, key: IfaceKey, iface: Interface | None = None) -> bool:
    """Inactive whatever fails: shut, a null interface, blacklisted or line-down (for the kinds
    Batfish can blacklist), or on a blacklisted node. Failing such an interface changes nothing."""
    if iface is None:
        node = snapshot.nodes.get(key[0])
        iface = node.interfaces.get(key[1]) if node is not None else None
        if iface is None or key[0] in snapshot.blacklisted_nodes:
            return True
    if not iface.admin_up or iface.kind == "null":
        return True
    line_down = key in snapshot.blacklisted_interfaces or key in snapshot.runtime_line_down
    return line_down and iface.kind in _BLACKLISTABLE_KINDS


_SUBINTERFACE = re.compile(r"^(.*)\.(\d+)$")


def bind_parent_name(name: str) -> str | None:
    """The parent a dotted interface name binds to, by name alone: everything before the last dot
    when a unit number follows it (Batfish's pattern for Cisco and Arista subinterfaces,
    ``^(.*)\\.(\\d+)$``; a Junos unit ``ge-0/0/0.0`` reads the same way)."""
    m = _SUBINTERFACE.match(name)
    return m.group(1) if m else None


def bind_parent(snapshot: Snapshot, key: IfaceKey) -> IfaceKey | None:
    """The interface ``key`` is bound to (Batfish ``Interface.DependencyType.BIND``): a
    subinterface (IOS/EOS ``Gi0/1.100``) rides on its parent when the node has that parent; None
    for everything else, and for hosts (Batfish's host interfaces carry no dependencies). Junos
    units would qualify, but the Junos parser models the units only, not their port, so none has
    a parent here (a failed port cannot be expressed; its units can)."""
    node, name = key
    parent = bind_parent_name(name)
    if parent is None:
        return None
    n = snapshot.nodes.get(node)
    if n is None or n.vendor == "host" or parent not in n.interfaces:
        return None
    return (node, parent)


def without_unbound(snapshot: Snapshot, active: set[IfaceKey] | frozenset[IfaceKey]) -> set[IfaceKey]:
    """``active`` less the interfaces whose BIND parent is not active: Batfish deactivates them
    (``InterfaceDependencies.getInterfacesToDeactivate``, inactive reason BIND_DOWN), as a router
    does when the parent is shut or its cable fails. Without this, a failed or shut parent left its
    subinterfaces forwarding: a sweep could pass the very outage it exists for."""
    out = set(active)
    for key in active:
        parent = bind_parent(snapshot, key)
        if parent is not None and parent not in active:
            out.discard(key)
    return out


def bound_to(snapshot: Snapshot, interfaces: frozenset[IfaceKey] | set[IfaceKey]) -> set[IfaceKey]:
    """The parents of ``interfaces``' subinterfaces: failing one takes the subinterface down."""
    return {p for key in interfaces if (p := bind_parent(snapshot, key)) is not None}


def compute_ip_owners(snapshot: Snapshot) -> dict[IPv4Address, frozenset[IfaceKey]]:
    """Every configured interface IP (active or not) -> its owners; duplicates keep all owners."""
    owners: dict[IPv4Address, set[IfaceKey]] = defaultdict(set)
    for node_name, node in snapshot.nodes.items():
        for iface in node.interfaces.values():
            for addr in iface.addresses:
                owners[addr.ip].add((node_name, iface.name))
    return {ip: frozenset(s) for ip, s in owners.items()}


def _physical_parent(name: str) -> str:
    """A dotted subinterface rides on its parent's cable."""
    return name.split(".", 1)[0]


def _layer1_adjacency(snapshot: Snapshot) -> tuple[set[str], set[tuple[str, str, str, str]]] | None:
    if snapshot.layer1 is None:
        return None
    nodes: set[str] = set()
    pairs: set[tuple[str, str, str, str]] = set()
    for e in snapshot.layer1:
        n1, n2 = e.node1.lower(), e.node2.lower()
        nodes.update((n1, n2))
        pairs.add((n1, e.interface1, n2, e.interface2))
        pairs.add((n2, e.interface2, n1, e.interface1))
    return nodes, pairs


def compute_edges(snapshot: Snapshot, active: frozenset[IfaceKey]) -> tuple[Edge, ...]:
    """Directed layer-3 edges: Batfish's subnet pairing, restricted by layer 1 when it is given.

    Only active non-loopback interfaces and their addresses shorter than /32 take part. A pairs with B
    when B has an IP inside A's prefix and an address whose network starts at the same IP, on another
    node (or VRF), sharing no IP with A.
    """
    ifaces: list[Interface] = []
    for node_name, iface_name in active:
        iface = snapshot.nodes[node_name].interfaces[iface_name]
        if iface.kind == "loopback":
            continue
        if any(a.network.prefixlen < 32 for a in iface.addresses):
            ifaces.append(iface)
    by_start: dict[int, list[tuple[Interface, IPv4Address]]] = defaultdict(list)
    for iface in ifaces:
        for a in iface.addresses:
            if a.network.prefixlen < 32:
                by_start[int(a.network.network_address)].append((iface, a.ip))
    l1 = _layer1_adjacency(snapshot)
    edges: set[Edge] = set()
    for iface in ifaces:
        my_ips = {a.ip for a in iface.addresses}
        for a in iface.addresses:
            if a.network.prefixlen >= 32:
                continue
            net = a.network
            for other, other_ip in by_start.get(int(net.network_address), ()):
                if other is iface or other_ip not in net:
                    continue
                if other.node == iface.node and other.vrf == iface.vrf:
                    continue
                if my_ips & {b.ip for b in other.addresses}:
                    continue
                if l1 is not None and not _l1_allows(l1, iface, other):
                    continue
                edges.add(Edge(iface.node, iface.name, other.node, other.name))
    return tuple(sorted(edges))


def _l1_allows(l1: tuple[set[str], set[tuple[str, str, str, str]]], a: Interface, b: Interface) -> bool:
    """Nodes absent from layer 1 keep subnet-only adjacency among themselves (Batfish hybrid L3 adjacencies)."""
    nodes, pairs = l1
    a_in, b_in = a.node in nodes, b.node in nodes
    if not a_in and not b_in:
        return True
    if a_in != b_in:
        return False
    return (a.node, _physical_parent(a.name), b.node, _physical_parent(b.name)) in pairs
