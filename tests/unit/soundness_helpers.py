"""Two-router networks with partial objects, for the soundness-rule tests (issue 9).

The parser marks objects partial (``unparsed``); these helpers do the same on parsed snapshots
so the engine and the checks are tested whatever the parser marks today.
"""

from __future__ import annotations

from dataclasses import replace

from engine_helpers import snapshot

from validator.engine.dataplane import compute_dataplane
from validator.engine.types import DataPlane
from validator.model.snapshot import Snapshot
from validator.model.source import SourceRef

R0 = """\
hostname r0
interface GigabitEthernet0/0
 ip address 10.0.1.1 255.255.255.0
interface GigabitEthernet0/1
 ip address 10.0.12.1 255.255.255.252
ip route 10.0.2.0 255.255.255.0 10.0.12.2
"""

R1_TEMPLATE = """\
hostname r1
interface GigabitEthernet0/0
 ip address 10.0.12.2 255.255.255.252
 ip access-group {acl} in
interface GigabitEthernet0/1
 ip address 10.0.2.1 255.255.255.0
ip route 10.0.1.0 255.255.255.0 10.0.12.1
ip access-list extended FILTER
 permit tcp any any eq 80
 deny   ip any any
"""
R1_FILE = "configs/r1.cfg"


def line_no(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip() == needle)


def filtered(acl: str = "FILTER", unparsed_after: str | None = None, unparsed_lines: tuple[int, ...] = ()) -> Snapshot:
    """r0 -> r1 with FILTER on r1's ingress; ``unparsed_lines`` (file lines of r1) mark it partial."""
    r1 = R1_TEMPLATE.format(acl=acl)
    snap = snapshot(R0, r1, files={"configs/r0.cfg": R0, R1_FILE: r1})
    if unparsed_lines:
        snap = mark_acl(snap, "r1", "FILTER", tuple(SourceRef(R1_FILE, n) for n in unparsed_lines))
    return snap


def mark_acl(snap: Snapshot, node: str, acl: str, refs: tuple[SourceRef, ...]) -> Snapshot:
    n = snap.nodes[node]
    acls = dict(n.acls)
    acls[acl] = replace(acls[acl], unparsed=refs)
    return replace(snap, nodes={**snap.nodes, node: replace(n, acls=acls)})


def mark_interface(snap: Snapshot, node: str, iface: str, refs: tuple[SourceRef, ...]) -> Snapshot:
    n = snap.nodes[node]
    ifaces = dict(n.interfaces)
    ifaces[iface] = replace(ifaces[iface], unparsed=refs)
    return replace(snap, nodes={**snap.nodes, node: replace(n, interfaces=ifaces)})


def mark_clause(snap: Snapshot, node: str, route_map: str, seq: int, refs: tuple[SourceRef, ...]) -> Snapshot:
    n = snap.nodes[node]
    rms = dict(n.route_maps)
    rm = rms[route_map]
    rms[route_map] = replace(rm, clauses=tuple(replace(c, unparsed=refs) if c.seq == seq else c for c in rm.clauses))
    return replace(snap, nodes={**snap.nodes, node: replace(n, route_maps=rms)})


BGP_R0 = """\
hostname r0
interface GigabitEthernet0/0
 ip address 10.0.1.1 255.255.255.0
interface GigabitEthernet0/1
 ip address 10.0.12.1 255.255.255.252
router bgp 65000
 neighbor 10.0.12.2 remote-as 65001
 neighbor 10.0.12.2 route-map IN in
 network 10.0.1.0 mask 255.255.255.0
ip prefix-list P3 seq 5 permit 10.0.3.0/24
route-map IN permit 10
 match ip address prefix-list P3
route-map IN permit 20
 match community 100
"""

BGP_R1 = """\
hostname r1
interface GigabitEthernet0/0
 ip address 10.0.12.2 255.255.255.252
interface GigabitEthernet0/1
 ip address 10.0.2.1 255.255.255.0
interface GigabitEthernet0/2
 ip address 10.0.3.1 255.255.255.0
router bgp 65001
 neighbor 10.0.12.1 remote-as 65000
 network 10.0.2.0 mask 255.255.255.0
 network 10.0.3.0 mask 255.255.255.0
"""


def bgp_snapshot(partial: bool) -> Snapshot:
    """r1 announces 10.0.2.0/24 and 10.0.3.0/24 to r0, whose route-map IN permits 10.0.3.0/24 in
    clause 10; clause 20 (``match community 100``, undefined: matches nothing) is marked partial."""
    snap = snapshot(BGP_R0, BGP_R1, files={"configs/r0.cfg": BGP_R0, "configs/r1.cfg": BGP_R1})
    if partial:
        snap = mark_clause(snap, "r0", "IN", 20, (SourceRef("configs/r0.cfg", line_no(BGP_R0, "match community 100")),))
    return snap


def dp_of(snap: Snapshot) -> DataPlane:
    return compute_dataplane(snap)
