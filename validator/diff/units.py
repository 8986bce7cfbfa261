"""Change units: the forwarding and control-plane elements a changed stanza can affect.

Blast radius, rollout waves and leases speak of units (design.md §8), at the finest grain the
model supports, so that two interfaces of one router can land in different waves:

- ``iface:NODE[IFACE]``: an interface stanza, or an ACL applied to that interface;
- ``session:NODE[PEER]``: one BGP neighbour, or a route-map / prefix-list applied to it;
- ``process:NODE[ospf 1]`` / ``process:NODE[bgp 65001]``: a routing process stanza, or a policy
  object that feeds the process (``network ... route-map``, redistribution);
- ``node:NODE``: device-wide stanzas (static routes, hostname, VRFs, anything not named above).

A policy object counts where it is referenced in the base *or* the head (removing an ACL from an
interface touches that interface). An object referenced nowhere touches nothing, but only if its
name appears in no other line of the device's configuration: a reference the parser drops (a
``line vty`` ``access-class``, say) must not make a change look harmless, so any such textual
use maps to the node (fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from validator.diff.stanzas import canonical_interface_name, segment_ios
from validator.model.config import Node
from validator.model.snapshot import Snapshot
from validator.model.verdict import ChangedStanza

UNIT_KINDS = ("iface", "session", "process", "node")


@dataclass(frozen=True, order=True)
class Unit:
    """One element a change can affect; failing it is what a rollout wave risks."""

    kind: str  # iface | session | process | node
    node: str
    detail: str = ""  # interface name, peer address, "ospf 1" / "bgp 65001"

    @property
    def name(self) -> str:
        return f"node:{self.node}" if self.kind == "node" else f"{self.kind}:{self.node}[{self.detail}]"

    def __str__(self) -> str:
        return self.name


def parse_unit(text: str) -> Unit:
    """The inverse of :attr:`Unit.name` (``iface:r1[GigabitEthernet0/1]``)."""
    kind, _, rest = text.partition(":")
    if kind == "node" and rest:
        return Unit("node", rest)
    m = re.fullmatch(r"([^\[\]]+)\[(.+)\]", rest)
    if kind not in UNIT_KINDS or m is None:
        raise ValueError(f"not a change unit: {text!r} (expected iface:NODE[IFACE], session:NODE[PEER], ...)")
    return Unit(kind, m.group(1), m.group(2))


# --- references --------------------------------------------------------------------------------


def _route_map_users(node: Node, rm: str) -> set[Unit]:
    out: set[Unit] = set()
    if node.bgp is not None:
        bgp = node.bgp
        for n in bgp.neighbors:
            if rm in (n.route_map_in, n.route_map_out):
                out |= _neighbor_units(node, n.peer_ip)
        if any(n.route_map == rm for n in bgp.networks) or any(r.route_map == rm for r in bgp.redistributions):
            out.add(Unit("process", node.name, f"bgp {bgp.local_as}"))
    for ospf in node.ospf:
        if any(r.route_map == rm for r in ospf.redistributions):
            out.add(Unit("process", node.name, f"ospf {ospf.process_id}"))
    return out


def _neighbor_units(node: Node, peer_ip: object) -> set[Unit]:
    if peer_ip is not None:
        return {Unit("session", node.name, str(peer_ip))}
    # a peer-group template or a dynamic (listen range) neighbour: every session it may shape
    asn = node.bgp.local_as if node.bgp is not None else 0
    return {Unit("process", node.name, f"bgp {asn}")}


def _maps_matching(node: Node, attr: str, name: str) -> set[str]:
    return {
        rm.name
        for rm in node.route_maps.values()
        for clause in rm.clauses
        for m in clause.matches
        if name in getattr(m, attr, ())
    }


def management_acls(node: Node) -> set[str]:
    """ACLs the management plane applies (vty ``access-class``, SNMP community, NTP, HTTP)."""
    m = node.management
    out = {n for ln in m.lines for n in (ln.access_class_in, ln.access_class_out) if n}
    out |= {c.acl for c in m.snmp_communities if c.acl}
    out |= {a.acl for a in m.ntp_access_groups}
    if m.http_access_class:
        out.add(m.http_access_class)
    return out


def _policy_users(node: Node, kind: str, name: str) -> set[Unit]:
    """Units that apply policy object ``kind``/``name`` on ``node`` (one view: base or head)."""
    out: set[Unit] = set()
    maps: set[str] = set()
    if kind == "route-map":
        maps.add(name.rsplit(" ", 1)[0])
    elif kind == "acl":
        for i in node.interfaces.values():
            if name in (i.acl_in, i.acl_out):
                out.add(Unit("iface", node.name, i.name))
        if name in management_acls(node):
            out.add(Unit("node", node.name))  # vty/SNMP/NTP/HTTP filter: the device's management plane
        maps |= _maps_matching(node, "acls", name)
    elif kind == "prefix-list":
        maps |= _maps_matching(node, "prefix_lists", name)
        if node.bgp is not None:
            for n in node.bgp.neighbors:
                if name in (n.prefix_list_in, n.prefix_list_out):
                    out |= _neighbor_units(node, n.peer_ip)
    elif kind == "community-list":
        maps |= _maps_matching(node, "community_lists", name)
    for rm in maps:
        out |= _route_map_users(node, rm)
    return out


def _named_elsewhere(text: str | None, kind: str, name: str) -> bool:
    """Whether ``name`` occurs as a word in a line outside its own stanza and outside the stanzas
    of the same kind (a reference the model may not record)."""
    if not text:
        return False
    word = name.rsplit(" ", 1)[0] if kind == "route-map" else name
    pattern = re.compile(rf"(?<![\w.-]){re.escape(word)}(?![\w.-])")
    for (k, _key), st in segment_ios(text).items():
        if k == kind:
            continue
        for ln in st.lines:
            if pattern.search(ln.text):
                return True
    return False


_PROCESS_KINDS = {"router ospf", "router bgp", "bgp network", "bgp aggregate"}
_POLICY_KINDS = {"route-map", "acl", "prefix-list", "community-list"}


def stanza_units(st: ChangedStanza, base: Snapshot, head: Snapshot) -> frozenset[Unit]:
    """What one changed stanza can affect (design.md §8 units). Empty only for a policy object
    that nothing references, in either snapshot."""
    if not st.device:
        return frozenset()  # side files: see :func:`side_file_units`
    views = [n for n in (base.nodes.get(st.device), head.nodes.get(st.device)) if n is not None]
    if not views or st.kind in ("host", "iptables"):
        return frozenset({Unit("node", st.device)})
    if st.kind == "interface":
        return frozenset({Unit("iface", st.device, canonical_interface_name(st.name))})
    if st.kind == "bgp neighbor":
        units: set[Unit] = set()
        for v in views:
            if v.bgp is None:
                continue
            members = [n for n in v.bgp.neighbors if n.peer_group == st.name]
            for n in members:
                units |= _neighbor_units(v, n.peer_ip)
            if not members:
                units |= _neighbor_units(v, _ip_or_none(st.name))
        return frozenset(units or {Unit("node", st.device)})
    if st.kind in _PROCESS_KINDS:
        return frozenset(_process_units(views, st))
    if st.kind in _POLICY_KINDS:
        units = set()
        for v in views:
            units |= _policy_users(v, st.kind, st.name)
        texts = (base.files.get(st.file), head.files.get(st.file))
        if not units and any(_named_elsewhere(t, st.kind, st.name) for t in texts):
            return frozenset({Unit("node", st.device)})
        return frozenset(units)
    return frozenset({Unit("node", st.device)})


def _ip_or_none(text: str) -> object:
    from ipaddress import IPv4Address

    try:
        return IPv4Address(text)
    except ValueError:
        return None


def _process_units(views: list[Node], st: ChangedStanza) -> set[Unit]:
    out: set[Unit] = set()
    for v in views:
        if st.kind == "router ospf":
            pid = st.name.split()[0] if st.name else ""
            out.add(Unit("process", v.name, f"ospf {pid}"))
        elif v.bgp is not None:
            out.add(Unit("process", v.name, f"bgp {v.bgp.local_as}"))
        elif st.kind == "router bgp" and st.name:
            out.add(Unit("process", v.name, f"bgp {st.name}"))
    return out or {Unit("node", st.device)}


def side_file_units(changes: Iterable[ChangedStanza], base: Snapshot, head: Snapshot) -> frozenset[Unit]:
    """Units named by side files (layer-1 topology, blacklists, runtime data, announcements)."""
    from validator.diff.changeset import touched_elements
    from validator.model.verdict import ChangeSet

    side = tuple(st for st in changes if not st.device)
    if not side:
        return frozenset()
    touched = touched_elements(ChangeSet(stanzas=side), base, head)
    out: set[Unit] = {Unit("iface", n, i) for n, i in touched.interfaces}
    for n, proc in touched.processes:
        node = head.nodes.get(n) or base.nodes.get(n)
        asn = node.bgp.local_as if node is not None and node.bgp is not None else 0
        out.add(Unit("process", n, f"bgp {asn}") if proc == "bgp" else Unit("node", n))
    covered = {u.node for u in out}
    out |= {Unit("node", d) for d in touched.devices if d not in covered}
    return frozenset(out)
