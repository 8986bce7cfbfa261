"""The builtin data plane: snapshot -> topology -> RIBs -> FIBs -> BGP sessions (semantics §0).

Loop, as Batfish's IncrementalBdpEngine: IGP (connected, local, static, OSPF) to a fixed point,
FIBs, the BGP topology (sessions checked with TCP reachability over the current FIBs), BGP to a
fixed point, then FIBs and BGP topology again until the topology is stable.
Each step is its own function over explicit inputs, so a what-if run can reuse the pieces.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from ipaddress import IPv4Address

from validator.engine.bgp import (
    BgpTopology,
    compute_bgp_topology,
    external_routes,
    run_bgp,
)
from validator.engine.fib import build_fib
from validator.engine.ospf import OspfDomain, build_domain, compute_ospf_routes
from validator.engine.rib import MainRib, connected_and_local_routes, static_routes
from validator.engine.topology import (
    IfaceKey,
    compute_active_interfaces,
    compute_edges,
    compute_ip_owners,
)
from validator.engine.types import DataPlane, FailureSet, Fib
from validator.model.config import Acl
from validator.model.dataplane import Edge, Route
from validator.model.snapshot import Snapshot

MAX_TOPOLOGY_ITERATIONS = 10
BGP_PORT = 179
EPHEMERAL_PORT = 49152


@dataclass
class _Context:
    """Per-computation inputs that never change while routing converges."""

    snapshot: Snapshot
    active: frozenset[IfaceKey]
    edges: tuple[Edge, ...]
    ip_owners: dict[IPv4Address, frozenset[IfaceKey]]
    base_routes: dict[str, list[Route]]  # connected + local
    ospf: OspfDomain


_NO_FAILURES = FailureSet()


def compute_dataplane(snapshot: Snapshot, failures: FailureSet = _NO_FAILURES) -> DataPlane:
    active = compute_active_interfaces(snapshot, failures)
    edges = compute_edges(snapshot, active)
    ctx = _Context(
        snapshot=snapshot,
        active=active,
        edges=edges,
        ip_owners=compute_ip_owners(snapshot),
        base_routes={n: connected_and_local_routes(node, active) for n, node in snapshot.nodes.items()},
        ospf=build_domain(snapshot, active, edges),
    )
    igp_cache: dict[str, object] = {}
    ribs = igp_fixpoint(ctx, {}, igp_cache)
    fibs = build_fibs(ribs)
    externals = external_routes(snapshot, snapshot.bgp_announcements)
    topology = bgp_topology(ctx, fibs)
    for _ in range(MAX_TOPOLOGY_ITERATIONS):
        _result, ribs = run_bgp(snapshot, topology, externals, lambda bgp: igp_fixpoint(ctx, bgp, igp_cache))
        fibs = build_fibs(ribs)
        new_topology = bgp_topology(ctx, fibs)
        if new_topology.edge_keys() == topology.edge_keys():
            topology = new_topology
            break
        topology = new_topology
    return DataPlane(
        snapshot=snapshot,
        failures=failures,
        active_interfaces=active,
        edges=edges,
        ribs={n: {v: rib.routes() for v, rib in sorted(vrfs.items())} for n, vrfs in sorted(ribs.items())},
        fibs=fibs,
        bgp_sessions=tuple(topology.sessions),
        ip_owners=ctx.ip_owners,
    )


# --- IGP --------------------------------------------------------------------------------------


def _assemble(ctx: _Context, extra: dict[str, list[Route]]) -> dict[str, dict[str, MainRib]]:
    ribs: dict[str, dict[str, MainRib]] = {}
    for name, node in ctx.snapshot.nodes.items():
        vrfs: dict[str, MainRib] = {"default": MainRib()}
        for iface in node.interfaces.values():
            vrfs.setdefault(iface.vrf, MainRib())
        for r in ctx.base_routes.get(name, []):
            vrfs.setdefault(r.vrf, MainRib()).merge(r)
        for r in extra.get(name, []):
            vrfs.setdefault(r.vrf, MainRib()).merge(r)
        ribs[name] = vrfs
    return ribs


def _ospf_inputs(ctx: _Context, ribs: dict[str, dict[str, MainRib]]) -> object:
    """What OSPF redistribution reads from the main RIBs; OSPF is recomputed only when it changes."""
    sig: list[object] = []
    for (node, vrf, _pid), proc in sorted(ctx.ospf.procs.items()):
        rib = ribs.get(node, {}).get(vrf)
        if rib is None:
            continue
        protos: set[str] = set()
        for redist in proc.redistributions:
            protos.update({"connected": ("connected",), "static": ("static",), "bgp": ("bgp", "ibgp")}[redist.protocol])
        if protos:
            sig.append(
                (
                    node,
                    vrf,
                    frozenset(
                        (net, r.protocol, r.tag)
                        for net, rs in rib.by_prefix.items()
                        for r in rs
                        if r.protocol in protos
                    ),
                )
            )
    return tuple(sig)


def igp_fixpoint(
    ctx: _Context, bgp_routes: dict[str, list[Route]], cache: dict[str, object]
) -> dict[str, dict[str, MainRib]]:
    """Main RIBs with statics activated and OSPF converged, given the current BGP routes."""
    statics: dict[str, list[Route]] = {}
    ospf: dict[str, list[Route]] = cache.get("ospf_routes", {})  # type: ignore[assignment]
    for _ in range(50):
        extra: dict[str, list[Route]] = defaultdict(list)
        for src in (statics, ospf, bgp_routes):
            for n, rs in src.items():
                extra[n].extend(rs)
        ribs = _assemble(ctx, extra)
        new_statics = {
            n: rs for n, node in ctx.snapshot.nodes.items() if (rs := static_routes(node, ctx.active, ribs.get(n, {})))
        }
        sig = _ospf_inputs(ctx, ribs)
        if "ospf_routes" not in cache or cache.get("ospf_sig") != sig:
            ospf_new = compute_ospf_routes(ctx.snapshot, ctx.ospf, ribs)
            cache["ospf_routes"], cache["ospf_sig"] = ospf_new, sig
        else:
            ospf_new = cache["ospf_routes"]  # type: ignore[assignment]
        if new_statics == statics and ospf_new == ospf:
            return ribs
        statics, ospf = new_statics, ospf_new
    return ribs


def build_fibs(ribs: dict[str, dict[str, MainRib]]) -> dict[str, dict[str, Fib]]:
    return {n: {v: build_fib(rib) for v, rib in vrfs.items()} for n, vrfs in ribs.items()}


# --- BGP session reachability -------------------------------------------------------------------


def bgp_topology(ctx: _Context, fibs: dict[str, dict[str, Fib]]) -> BgpTopology:
    def reachable(node: str, vrf: str, src: IPv4Address, dst: IPv4Address, single_hop: bool) -> bool:
        return _session_reachable(ctx, fibs, node, vrf, src, dst, single_hop)

    return compute_bgp_topology(ctx.snapshot, ctx.active, ctx.ip_owners, fibs, reachable)


def _session_reachable(
    ctx: _Context,
    fibs: dict[str, dict[str, Fib]],
    node: str,
    vrf: str,
    src: IPv4Address,
    dst: IPv4Address,
    single_hop: bool,
) -> bool:
    """TCP SYN src:49152 -> dst:179 is accepted, and the reply is accepted back at the initiator;
    single-hop eBGP also needs the forward path to have at most two hops (§4a)."""
    for acceptor, hops in _accepting_branches(ctx, fibs, node, vrf, src, dst, EPHEMERAL_PORT, BGP_PORT):
        if single_hop and hops > 2:
            continue
        back = _accepting_branches(ctx, fibs, acceptor[0], acceptor[1], dst, src, BGP_PORT, EPHEMERAL_PORT)
        if any(a[0] == node for a, _h in back):
            return True
    return False


def _acl_permits(acl: Acl | None, src: IPv4Address, dst: IPv4Address, sport: int, dport: int) -> bool:
    """Evaluate a filter on a TCP SYN (the only flows the session check sends)."""
    if acl is None:
        return True
    for line in acl.lines:
        if line.protocol is not None and line.protocol != 6:
            continue
        if not any(w.matches(src) for w in line.src) or not any(w.matches(dst) for w in line.dst):
            continue
        if line.src_ports and not any(lo <= sport <= hi for lo, hi in line.src_ports):
            continue
        if line.dst_ports and not any(lo <= dport <= hi for lo, hi in line.dst_ports):
            continue
        if line.tcp_established or line.icmp_type is not None:
            continue
        return line.action == "permit"
    return acl.default_action == "permit"


def _accepting_branches(
    ctx: _Context,
    fibs: dict[str, dict[str, Fib]],
    node: str,
    vrf: str,
    src: IPv4Address,
    dst: IPv4Address,
    sport: int,
    dport: int,
) -> list[tuple[tuple[str, str], int]]:
    """Minimal forwarding walk over FIBs and edges: (accepting node/VRF, hop count) per branch."""
    owners = ctx.ip_owners.get(dst, frozenset())
    out_edges: dict[IfaceKey, list[Edge]] = defaultdict(list)
    for e in ctx.edges:
        out_edges[(e.node1, e.interface1)].append(e)
    results: list[tuple[tuple[str, str], int]] = []
    stack: list[tuple[str, str, str | None, int, frozenset[tuple[str, str | None]]]] = [
        (node, vrf, None, 1, frozenset())
    ]
    while stack:
        n, v, in_iface, hops, seen = stack.pop()
        if (n, in_iface) in seen or hops > 64:
            continue
        seen = seen | {(n, in_iface)}
        cfg = ctx.snapshot.nodes[n]
        if in_iface is not None:
            iface = cfg.interfaces[in_iface]
            acl = cfg.acls.get(iface.acl_in) if iface.acl_in else None
            if not _acl_permits(acl, src, dst, sport, dport):
                continue
        if any(o[0] == n and o in ctx.active and cfg.interfaces[o[1]].vrf == v for o in owners):
            results.append(((n, v), hops))
            continue
        fib = fibs.get(n, {}).get(v)
        if fib is None:
            continue
        actions = {e.action for e in fib.lookup(dst)}
        for action in actions:
            if action.null_route or action.interface is None:
                continue
            out = cfg.interfaces.get(action.interface)
            if out is None:
                continue
            acl = cfg.acls.get(out.acl_out) if out.acl_out else None
            if not _acl_permits(acl, src, dst, sport, dport):
                continue
            arp = action.arp_ip if action.arp_ip is not None else dst
            for e in out_edges.get((n, action.interface), []):
                peer = ctx.snapshot.nodes[e.node2].interfaces[e.interface2]
                if any(a.ip == arp for a in peer.addresses):
                    stack.append((e.node2, peer.vrf, e.interface2, hops + 1, seen))
    return results
