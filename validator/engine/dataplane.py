"""The builtin data plane: snapshot -> topology -> RIBs -> FIBs -> BGP sessions (semantics §0).

Loop, as Batfish's IncrementalBdpEngine: IGP (connected, local, static, OSPF) to a fixed point,
FIBs, the BGP topology (sessions checked with TCP reachability over the current FIBs), BGP to a
fixed point, then FIBs and BGP topology again until the topology is stable.
Each step is its own function over explicit inputs, so a what-if run can reuse the pieces.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from validator.engine.bgp import external_routes, run_bgp
from validator.engine.bgp_sessions import BgpTopology, compute_bgp_topology
from validator.engine.fib import build_fib
from validator.engine.native import native_dataplane
from validator.engine.ospf import OspfDomain, build_domain, compute_ospf_routes
from validator.engine.rib import MainRib, connected_and_local_routes, static_routes
from validator.engine.topology import (
    IfaceKey,
    compute_active_interfaces,
    compute_edges,
    compute_ip_owners,
)
from validator.engine.traceroute import Tracer
from validator.engine.types import DataPlane, FailureSet, Fib, Oscillation
from validator.model.dataplane import Edge, Route
from validator.model.flow import Flow
from validator.model.snapshot import Snapshot

MAX_TOPOLOGY_ITERATIONS = 10
IGP_MAX_ITERATIONS = 50
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
    # node -> prefixes whose static/OSPF routes still changed when the IGP fixed point gave up
    igp_unstable: dict[str, set[str]] = field(default_factory=dict)


_NO_FAILURES = FailureSet()


def compute_dataplane(snapshot: Snapshot, failures: FailureSet = _NO_FAILURES) -> DataPlane:
    # the compiled core, when VALIDATOR_ENGINE_CORE and its feature check allow (engine/native.py)
    native = native_dataplane(snapshot, failures, IGP_MAX_ITERATIONS)
    if native is not None:
        return native
    return compute_dataplane_python(snapshot, failures)


def compute_dataplane_python(snapshot: Snapshot, failures: FailureSet = _NO_FAILURES) -> DataPlane:
    """The reference engine: the specification the native core is tested equal to."""
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
    topology = bgp_topology(ctx, fibs, failures)
    converged = False
    oscillation: Oscillation | None = None
    flapping: set[tuple[str, str, IPv4Address, str, IPv4Address]] = set()
    for _ in range(MAX_TOPOLOGY_ITERATIONS):
        result, ribs = run_bgp(snapshot, topology, externals, lambda bgp: igp_fixpoint(ctx, bgp, igp_cache))
        fibs = build_fibs(ribs)
        new_topology = bgp_topology(ctx, fibs, failures)
        stable = new_topology.edge_keys() == topology.edge_keys()
        flapping = set(new_topology.edge_keys()) ^ set(topology.edge_keys())
        topology = new_topology
        if stable:
            converged = result.converged
            if not converged:
                oscillation = _bgp_oscillation(result.oscillating)
            break
    else:
        oscillation = Oscillation("bgp topology", speakers=tuple(sorted({_edge_label(k) for k in flapping})))
    if ctx.igp_unstable:
        converged = False
        oscillation = Oscillation(
            "igp",
            prefixes=tuple(sorted({p for ps in ctx.igp_unstable.values() for p in ps})),
            speakers=tuple(sorted(ctx.igp_unstable)),
        )
    return DataPlane(
        snapshot=snapshot,
        failures=failures,
        active_interfaces=active,
        edges=edges,
        ribs={n: {v: rib.routes() for v, rib in sorted(vrfs.items())} for n, vrfs in sorted(ribs.items())},
        fibs=fibs,
        bgp_sessions=tuple(topology.sessions),
        ip_owners=ctx.ip_owners,
        converged=converged,
        oscillation=oscillation,
        bgp_ribs=dict(result.ribs),
    )


def _bgp_oscillation(oscillating: tuple[tuple[tuple[str, str], IPv4Network], ...]) -> Oscillation:
    prefixes = dict.fromkeys(str(net) for _k, net in sorted(oscillating, key=lambda kp: kp[1]))
    speakers = dict.fromkeys(node if vrf == "default" else f"{node}:{vrf}" for (node, vrf), _net in oscillating)
    return Oscillation("bgp", prefixes=tuple(prefixes), speakers=tuple(sorted(speakers)))


def _edge_label(key: tuple[str, str, IPv4Address, str, IPv4Address]) -> str:
    """A BGP session that kept appearing and disappearing: sender[local ip] -> receiver[ip]."""
    return f"{key[0]}[{key[2]}] -> {key[3]}[{key[4]}]"


# --- IGP --------------------------------------------------------------------------------------


def _assemble(ctx: _Context, extra: dict[str, list[Route]]) -> dict[str, dict[str, MainRib]]:
    ribs: dict[str, dict[str, MainRib]] = {}
    for name, node in ctx.snapshot.nodes.items():
        vrfs: dict[str, MainRib] = {"default": MainRib()}
        for iface in node.interfaces.values():
            vrfs.setdefault(iface.vrf, MainRib())
        for routes in (ctx.base_routes.get(name, ()), extra.get(name, ())):
            for r in routes:
                rib = vrfs.get(r.vrf)
                if rib is None:
                    rib = vrfs[r.vrf] = MainRib()
                rib.merge(r)
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
    for attempt in range(IGP_MAX_ITERATIONS):
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
        if attempt == IGP_MAX_ITERATIONS - 1:
            _record_igp_unstable(ctx, (statics, ospf), (new_statics, ospf_new))
        statics, ospf = new_statics, ospf_new
    return ribs


def _record_igp_unstable(
    ctx: _Context,
    before: tuple[dict[str, list[Route]], ...],
    after: tuple[dict[str, list[Route]], ...],
) -> None:
    """Name what the IGP fixed point left oscillating (statics resolving over redistributed routes)."""
    for old, new in zip(before, after, strict=True):
        for node in set(old) | set(new):
            o, n = set(old.get(node, ())), set(new.get(node, ()))
            for r in o ^ n:
                ctx.igp_unstable.setdefault(node, set()).add(str(r.network))


def build_fibs(ribs: dict[str, dict[str, MainRib]]) -> dict[str, dict[str, Fib]]:
    return {n: {v: build_fib(rib) for v, rib in vrfs.items()} for n, vrfs in ribs.items()}


# --- BGP session reachability -------------------------------------------------------------------


def bgp_topology(ctx: _Context, fibs: dict[str, dict[str, Fib]], failures: FailureSet) -> BgpTopology:
    """Sessions checked with the real flow tracer over an intermediate data plane of the current FIBs."""
    interim = DataPlane(
        snapshot=ctx.snapshot,
        failures=failures,
        active_interfaces=ctx.active,
        edges=ctx.edges,
        ribs={},
        fibs=fibs,
        ip_owners=ctx.ip_owners,
    )
    tracer = Tracer(interim)

    def reachable(node: str, vrf: str, src: IPv4Address, dst: IPv4Address, single_hop: bool) -> bool:
        return _session_reachable(tracer, node, vrf, src, dst, single_hop)

    return compute_bgp_topology(ctx.snapshot, ctx.active, ctx.ip_owners, fibs, reachable)


def _session_reachable(
    tracer: Tracer, node: str, vrf: str, src: IPv4Address, dst: IPv4Address, single_hop: bool
) -> bool:
    """A TCP SYN src:49152 -> dst:179 is ACCEPTED and the reply is ACCEPTED back at the initiator,
    filters included; single-hop eBGP also needs the forward trace to have at most two hops (§4a)."""
    forward = Flow(node, src, dst, ingress_vrf=vrf, ip_protocol=6, src_port=EPHEMERAL_PORT, dst_port=BGP_PORT)
    for t in tracer.trace(forward):
        if t.disposition != "ACCEPTED" or (single_hop and len(t.hops) > 2):
            continue
        listener = t.hops[-1].node
        reply = Flow(
            listener,
            dst,
            src,
            ingress_vrf=vrf,
            ip_protocol=6,
            src_port=BGP_PORT,
            dst_port=EPHEMERAL_PORT,
            tcp_syn=True,
            tcp_ack=True,
        )
        if any(r.disposition == "ACCEPTED" and r.hops[-1].node == node for r in tracer.trace(reply)):
            return True
    return False
